"""Optional native CPU kernel for the synaptic propagation (see spikeprop.cc, build.py).

``available()`` loads ``libspikeprop.so`` once and registers it with XLA; it returns
False (after one notice on stderr) when the library is missing or fails to load, or
when ``SPARK_LAB_NATIVE=0``. The pure-JAX path is then used; both give the same spikes.
"""
from __future__ import annotations

import ctypes
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "spikeprop.cc")
LIBRARY = os.path.join(HERE, "libspikeprop.so")

TARGET = "spark_lab_spikeprop"
FINITE_TARGET = "spark_lab_all_finite"
PACK_TARGET = "spark_lab_pack"
_state: dict = {}


def available() -> bool:
    if "ok" in _state:
        return _state["ok"]
    ok = False
    if os.environ.get("SPARK_LAB_NATIVE", "1") == "0":
        _state["ok"] = False
        return False
    stale = os.path.exists(LIBRARY) and os.path.getmtime(LIBRARY) < os.path.getmtime(SOURCE)
    if os.path.exists(LIBRARY) and not stale:
        try:
            import jax.ffi
            lib = ctypes.cdll.LoadLibrary(LIBRARY)
            jax.ffi.register_ffi_target(TARGET, jax.ffi.pycapsule(lib.SparkLabSpikeProp), platform="cpu")
            jax.ffi.register_ffi_target(FINITE_TARGET, jax.ffi.pycapsule(lib.SparkLabAllFinite), platform="cpu")
            jax.ffi.register_ffi_target(PACK_TARGET, jax.ffi.pycapsule(lib.SparkLabPack), platform="cpu")
            ok = True
        except Exception as e:  # noqa: BLE001 - any load failure means: use pure JAX
            print(f"spark_lab: native CPU kernel not loaded ({e}); using pure JAX", file=sys.stderr)
    else:
        print("spark_lab: native CPU kernel not built (run `make install` or "
              "`python -m spark_lab._native.build`); using pure JAX", file=sys.stderr)
    _state["ok"] = ok
    return ok
