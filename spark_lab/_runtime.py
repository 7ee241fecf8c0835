"""Process-wide JAX settings that spark_lab makes on import.

Synchronous CPU dispatch. By default JAX runs each CPU computation on a worker thread
and the caller waits for it. A closed loop (run K steps, read the counts, set the next
input) waits on every call, so the hand-over between threads is pure overhead: on the
2-core machines of bench/ it cost 40-45 % of a one-step call (native kernel, K = 1:
~5,400 instead of ~3,000 steps/s). spark_lab therefore sets
``jax_cpu_enable_async_dispatch = False`` on import, which runs CPU computations in the
calling thread (the GIL is released while they run, so a background Session still
leaves the notebook responsive).

Limits: the setting is read when JAX creates its CPU backend, so it only takes effect
when spark_lab is imported before the first JAX computation of the process; it applies
to the whole process, not only to spark_lab; GPU backends are not affected. Keep JAX's
default by setting ``JAX_CPU_ENABLE_ASYNC_DISPATCH`` (to 1 or 0: your choice is then
left alone) before importing spark_lab.
"""
from __future__ import annotations

import os


def configure() -> None:
    if "JAX_CPU_ENABLE_ASYNC_DISPATCH" in os.environ:
        return
    import jax
    try:
        from jax._src import xla_bridge
        if xla_bridge.backends_are_initialized():
            return
    except (ImportError, AttributeError):      # a JAX without this helper: set it anyway (harmless)
        pass
    try:
        jax.config.update("jax_cpu_enable_async_dispatch", False)
    except AttributeError:                      # a JAX without the option
        pass
