"""Optional native CPU kernels: the synaptic propagation and its helpers (spikeprop.cc), the
lean loop's whole one-step call for LIF / Poisson networks (onestep.cc); see build.py.

``available()`` loads ``libspikeprop.so`` once and registers its XLA custom calls; ``onestep()``
is the one-step call as a plain C function (ctypes, which releases the GIL while it runs), called
from Python outside XLA (spark_lab/_onestep.py). ``available()`` returns
False (after one notice on stderr) when the library is missing or fails to load, or
when ``SPARK_LAB_NATIVE=0``. The pure-JAX path is then used; both give the same spikes.
"""
from __future__ import annotations

import ctypes
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "spikeprop.cc")
SOURCES = tuple(os.path.join(HERE, f) for f in ("spikeprop.cc", "onestep.cc", "deliver.h"))
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
    stale = os.path.exists(LIBRARY) and os.path.getmtime(LIBRARY) < max(os.path.getmtime(f) for f in SOURCES)
    if os.path.exists(LIBRARY) and not stale:
        try:
            import jax.ffi
            lib = ctypes.cdll.LoadLibrary(LIBRARY)
            jax.ffi.register_ffi_target(TARGET, jax.ffi.pycapsule(lib.SparkLabSpikeProp), platform="cpu")
            jax.ffi.register_ffi_target(FINITE_TARGET, jax.ffi.pycapsule(lib.SparkLabAllFinite), platform="cpu")
            jax.ffi.register_ffi_target(PACK_TARGET, jax.ffi.pycapsule(lib.SparkLabPack), platform="cpu")
            step = lib.SparkLabOneStep
            step.argtypes, step.restype = [ctypes.c_void_p] * 4, ctypes.c_int
            _state["onestep"] = step
            ok = True
        except Exception as e:  # noqa: BLE001 - any load failure means: use pure JAX
            print(f"spark_lab: native CPU kernel not loaded ({e}); using pure JAX", file=sys.stderr)
    else:
        print("spark_lab: native CPU kernel not built (run `make install` or "
              "`python -m spark_lab._native.build`); using pure JAX", file=sys.stderr)
    _state["ok"] = ok
    return ok


def onestep():
    """``SparkLabOneStep(header, pointers, state, out) -> 0 | -1`` of onestep.cc as a ctypes
    function over four addresses, or None when the library is not loaded (``available()``)."""
    return _state.get("onestep") if available() else None
