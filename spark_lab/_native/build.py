"""Build the native CPU kernel: ``python -m spark_lab._native.build`` (``make install`` runs it).

Compiles spikeprop.cc and onestep.cc with the machine's C++ compiler against the XLA FFI
headers that ship with jaxlib, into ``libspikeprop.so`` next to this file.
``-ffp-contract=off``: the compiler fuses no multiply and add by itself (onestep.cc writes the
fma that XLA:CPU makes). Exit status 0 also when no
compiler is found: spark_lab then uses its pure-JAX path (and says so once).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from spark_lab._native import HERE, LIBRARY, SOURCES


def build(verbose: bool = True) -> bool:
    import jax.ffi

    cxx = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
    if cxx is None:
        if verbose:
            print("spark_lab: no C++ compiler found; the native CPU kernel is not built (pure JAX is used)")
        return False
    sources = [f for f in SOURCES if f.endswith(".cc")]
    cmd = [cxx, "-O3", "-march=native", "-std=c++17", "-ffp-contract=off", "-fno-math-errno", "-shared", "-fPIC",
           f"-I{jax.ffi.include_dir()}", f"-I{HERE}", *sources, "-o", LIBRARY + ".tmp"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        if verbose:
            print("spark_lab: building the native CPU kernel failed (pure JAX is used):\n" + res.stderr[-2000:])
        return False
    os.replace(LIBRARY + ".tmp", LIBRARY)
    if verbose:
        print(f"spark_lab: built {LIBRARY}")
    return True


if __name__ == "__main__":
    build()
    sys.exit(0)
