"""Process-wide JAX settings that spark_lab makes: on import (``configure``) and before
the first simulation (``init_backend``).

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


STATE = {"serial_loops": None}     # None: not decided yet; then True / False with a reason


def init_backend() -> None:
    """Initialise JAX's backends with XLA:CPU loops run on one thread (once per process).

    XLA:CPU splits every large loop (an element-wise kernel over thousands of neurons, a
    gather, a scatter) into as many parallel tasks as the process may use CPUs, a number it
    reads once, when the backend starts. For the chunk of a network of ~10^4 neurons a split
    costs more in hand-over between threads than it saves: on the 2-core bench machines the
    pure-JAX path ran 1.3-1.5x faster at K = 100 without it (bench/, A/B in separate
    processes). So the backend is started while the calling thread is pinned to one CPU,
    and the pin is undone right after; the process keeps all its CPUs.

    Called by ``Simulator`` before its first JAX operation. Limits: it takes effect only
    when no JAX computation ran before in the process (otherwise nothing changes, and
    ``STATE`` says why); it applies to all JAX code of the process, including the user's own;
    GPU backends are not affected. Keep XLA's default with ``SPARK_LAB_SERIAL_XLA=0``.
    """
    if STATE["serial_loops"] is not None:
        return
    import jax
    from jax._src import xla_bridge
    if os.environ.get("SPARK_LAB_SERIAL_XLA", "1") == "0":
        STATE.update(serial_loops=False, reason="SPARK_LAB_SERIAL_XLA=0")
        return
    if xla_bridge.backends_are_initialized():
        STATE.update(serial_loops=False, reason="JAX was used before the first spark_lab Simulator")
        return
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    if len(cpus) <= 1:
        STATE.update(serial_loops=len(cpus) == 1, reason="one CPU" if cpus else "no CPU affinity on this OS")
        return
    try:
        os.sched_setaffinity(0, {min(cpus)})
    except OSError as e:
        STATE.update(serial_loops=False, reason=f"cannot set the CPU affinity ({e})")
        return
    try:
        jax.devices()
    finally:
        os.sched_setaffinity(0, cpus)
    STATE.update(serial_loops=True, reason="backend started pinned to one CPU")
