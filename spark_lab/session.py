"""Live sessions: a simulator run in chunks on a background thread.

    session = Session(net, chunk=100)         # a Network (built here) or a Simulator
    session.run()                             # returns at once; the network runs in the background
    session.set_param("inh", "g_inh", 6.0)    # from any thread: applied at the next chunk boundary
    session.pause(); session.step(); session.step_one(); session.reset(); session.stop()

Kernel side only: no UI library is imported here (the widgets are in ``spark_lab.notebook``).

Guarantees
- Parameter changes are checked when they are made (a bad value raises ParameterError in the
  caller and queues nothing), queued, and applied together with one ``Simulator.set_params``
  call before the next chunk starts: latency at most one chunk, no change lost (for each
  parameter the last value set is the one applied), none half-applied, and never a
  recompilation (parameters are arguments of the compiled chunk).
- A chunk that produces NaN or inf pauses the session with status "diverged" and a message
  naming pool and variable; the state from before that chunk is kept, so after a fix the
  session can be resumed (``run``) or ``reset``.
- Recordings stream into fixed-size ring buffers (``RingBuffer``): memory does not grow
  with the length of a run.
- Monitors (``Monitor``: ``init`` / ``step`` / ``close``, plus ``flush`` when the session goes
  idle) are called on the session thread after every chunk with a ``Frame``.

Speed: ``speed=None`` runs as fast as possible; a number is a real-time factor (1.0 = one
simulated second per wall-clock second, 0.1 = ten times slower than real time). The session
never runs ahead of the factor; when it cannot keep up it runs flat out and does not try to
catch up later.
"""
from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from ._checks import positive_int
from ._monitor import Frame, Monitor
from ._paramstore import ParamUpdate
from ._recorder import Recorder
from .errors import DivergenceError, ParameterError, SessionError, SparkLabError
from .network import Network, RecordSpec

__all__ = ["Session", "SessionError", "Frame", "Monitor"]

# session states (Session.status)
IDLE, RUNNING, PAUSED, DIVERGED, ERROR, STOPPED = "idle", "running", "paused", "diverged", "error", "stopped"


@dataclass
class _Command:
    steps: int
    done: threading.Event = field(default_factory=threading.Event)


class Session:
    """Runs a :class:`Simulator` in chunks on a background thread (see the module docstring).

    sim_or_network: a Simulator, or a Network (built here).
    chunk:      steps per compiled call while running (and per ``step()``); larger chunks run
                faster, smaller ones react sooner (a parameter change waits at most one chunk).
    inputs:     external inputs, as for ``Simulator.run``: a dict {pool: value} used for every
                chunk, or a callable ``inputs(t_start, steps) -> dict`` called before each chunk.
    speed:      None (as fast as possible) or a real-time factor > 0.
    record:     extra "pool.var" strings or RecordSpecs to keep in ring buffers (the network's own
                ``record`` list is always included, and monitors add theirs).
    buffer_steps:  samples kept per recording (ring buffers); buffer_chunks: chunk totals kept.
    monitors:   Monitor objects to attach now.
    """

    def __init__(self, sim_or_network, chunk: int = 100, inputs=None, speed: float | None = None,
                 record=(), buffer_steps: int = 10_000, buffer_chunks: int = 5_000, monitors=()):
        self.sim = sim_or_network.build() if isinstance(sim_or_network, Network) else sim_or_network
        self.chunk = positive_int(chunk, "Session", "chunk")
        self.buffer_steps = positive_int(buffer_steps, "Session", "buffer_steps")
        self.buffer_chunks = positive_int(buffer_chunks, "Session", "buffer_chunks")
        self._speed = _speed(speed)
        self._inputs = inputs
        self._cv = threading.Condition()           # mode, busy, commands
        self._sim_lock = threading.RLock()         # the simulator (run, set_params, reset)
        self._pending_lock = threading.Lock()
        self._pending = ParamUpdate()              # staged, checked changes for the next chunk
        self._mode = IDLE
        self._until = None                          # run(steps): pause at this step
        self._busy = False
        self._command: _Command | None = None
        self._thread: threading.Thread | None = None
        self.message = ""
        self.error: BaseException | None = None
        self.rejected = collections.deque(maxlen=100)   # (target, name, error) dropped at apply time
        self.applied_changes = 0                        # parameter values applied so far
        self._status_callbacks = []
        self._user_records = [RecordSpec.parse(r, self.sim.net) for r in record]
        self.monitors: list[Monitor] = []
        self._rate = 0.0                                # steps/s, smoothed
        self._anchor = None
        self._last_end = None                           # perf_counter() at the end of the last chunk
        self._recorder = Recorder({p: pool.n for p, pool in self.sim.net.pools.items()}, self.sim.fdtype,
                                  self.buffer_steps, self.buffer_chunks)
        self._setup_records()
        for m in monitors:
            self.add_monitor(m)

    # ------------------------------------------------------------------ properties
    @property
    def status(self) -> str:
        """"idle" (not run yet), "running", "paused", "diverged", "error" or "stopped"."""
        return self._mode

    @property
    def running(self) -> bool:
        return self._mode == RUNNING

    @property
    def t(self) -> int:
        """Current step index."""
        return self.sim.t

    @property
    def time_ms(self) -> float:
        return self.sim.t * self.sim.dt

    @property
    def steps_per_s(self) -> float:
        """Recent simulation speed in steps per wall-clock second (0 when idle)."""
        return self._rate if self._mode == RUNNING else 0.0

    @property
    def speed(self) -> float | None:
        """Real-time factor (1.0 = one simulated second per wall second), or None: as fast as possible."""
        return self._speed

    @speed.setter
    def speed(self, value):
        with self._cv:
            self._speed = _speed(value)
            self._anchor = None
            self._cv.notify_all()

    @property
    def inputs(self):
        return self._inputs

    @inputs.setter
    def inputs(self, value):
        """New external inputs (dict or callable), used from the next chunk on. A new input
        layout (other pools, or per-step instead of constant arrays) compiles once."""
        with self._sim_lock:
            self._inputs = value

    @property
    def counts(self) -> dict:
        """{pool: (n,) int64} spikes per neuron since the last reset (a copy)."""
        return self._recorder.counts()

    @property
    def counted_steps(self) -> int:
        """Steps covered by ``counts``."""
        return self._recorder.counted_steps

    def rates(self) -> dict:
        """{pool: mean rate in Hz since the last reset}."""
        return self._recorder.rates(self.sim.dt)

    def on_status(self, callback) -> None:
        """Call ``callback(session)`` whenever the status changes (on the thread that changed it)."""
        self._status_callbacks.append(callback)

    # ------------------------------------------------------------------ records and monitors
    def _setup_records(self):
        """Record the union of what the network, the user and the monitors want."""
        self._recorder.configure(list(self.sim.net.records) + self._user_records + [
            RecordSpec.parse(r, self.sim.net) for m in self.monitors for r in m.records])

    def add_monitor(self, monitor: Monitor) -> Monitor:
        """Attach a monitor (its records are added: the next chunk compiles once if they are new)."""
        for m in ("init", "step", "close"):
            if not callable(getattr(monitor, m, None)):
                raise ParameterError("Session", "monitor", f"{type(monitor).__name__} has no {m}()",
                                     "a monitor needs init(session), step(frame) and close()")
        with self._sim_lock:
            self.monitors.append(monitor)
            try:
                self._setup_records()
            except ParameterError:
                self.monitors.remove(monitor)
                raise
        monitor.init(self)
        return monitor

    def remove_monitor(self, monitor: Monitor) -> None:
        with self._sim_lock:
            self.monitors.remove(monitor)
            self._setup_records()
        monitor.close()

    def recorded(self, pool: str, var: str = "spikes", neurons=None, last: int | None = None):
        """(step indices, values) of the newest ``last`` samples kept of ``pool.var``
        (all kept when None); ``neurons`` selects columns (pool indices)."""
        return self._recorder.recorded(pool, var, neurons, last)

    def recorded_keys(self) -> list:
        """The "pool.var" recordings kept in ring buffers."""
        return self._recorder.keys()

    def recorded_neurons(self, pool: str, var: str = "spikes"):
        """Neuron indices kept for ``pool.var`` (None: all neurons of the pool)."""
        return self._recorder.neurons(f"{pool}.{var}")

    def chunk_history(self, last: int | None = None):
        """(starts, lengths, {pool: spikes per chunk}) for the newest ``last`` chunks kept."""
        return self._recorder.chunk_history(last)

    @property
    def buffer_bytes(self) -> int:
        """Bytes held by the ring buffers (fixed once the records are set up)."""
        return self._recorder.nbytes

    # ------------------------------------------------------------------ parameters
    def set_param(self, target: str, name: str, value) -> None:
        """Queue one parameter change (see ``set_params``)."""
        self.set_params({(target, name): value})

    def set_params(self, changes: dict) -> None:
        """Queue ``{(target, name): value}`` changes, applied together at the next chunk boundary.

        Checked once, now, in the caller's thread (``sim.stage``), against the values the network
        will have once the queue is applied: a bad value raises ParameterError (or NetworkError
        for an unknown target) and queues nothing. While the session is not running the changes
        are applied at once.
        """
        copied = {_key(k): _copy(v) for k, v in changes.items()} if isinstance(changes, dict) else changes
        with self._pending_lock:
            update = self.sim.stage(copied, after=self._pending)
            self._pending = self._pending.merge(update)   # "last set, last applied"
        if self._mode != RUNNING:
            with self._sim_lock:                   # waits for a chunk in flight, if any
                self._apply_pending()

    def get_param(self, target: str, name: str) -> np.ndarray:
        """The value the parameter has, or will have at the next chunk if a change is queued."""
        with self._pending_lock:
            v = self._pending.get(self.sim.param_key(target, name))
        if v is not None and not hasattr(v, "sample"):
            return np.array(v, copy=True)
        return self.sim.get_param(target, name)

    @property
    def pending(self) -> dict:
        """Changes queued for the next chunk boundary: {(target, name): value} (a copy)."""
        with self._pending_lock:
            return self._pending.values()

    def _apply_pending(self):
        """Apply the queued update with one ``sim.apply`` (called with the simulator lock held).
        It was checked when queued; only a change made directly on the simulator in between can
        make it fail, and then none of it is applied and each change is reported in ``rejected``."""
        with self._pending_lock:
            update, self._pending = self._pending, ParamUpdate()
        if not update:
            return
        try:
            self.sim.apply(update)
            self.applied_changes += len(update)
        except SparkLabError as e:
            for target, name in update.values():
                self.rejected.append((target, name, e))
            self.message = f"parameter change rejected: {e}"

    # ------------------------------------------------------------------ control
    def run(self, steps: int | None = None) -> None:
        """Start (or resume) running in the background; returns at once.

        steps: run at least this many steps, then pause by itself (at the first chunk boundary
        at or after them); None: until ``pause``. ``wait()`` blocks until it has paused.
        """
        until = None if steps is None else self.sim.t + positive_int(steps, "Session", "steps")
        self._ensure_thread()
        with self._cv:
            self._until = until
            self._mode = RUNNING
            self.error = None
            self.message = ""
            self._anchor = None
            self._cv.notify_all()
        self._notify()

    def pause(self, wait: bool = True, timeout: float = 60.0) -> None:
        """Stop after the chunk in flight; with ``wait`` return once it is done (and the
        monitors have been flushed)."""
        with self._cv:
            if self._mode == RUNNING:
                self._mode = PAUSED
                self._cv.notify_all()
            if wait and not self._cv.wait_for(lambda: not self._busy, timeout):
                raise SessionError(f"pause: the chunk in flight did not finish within {timeout:g} s")
        self._notify()

    def step(self, steps: int | None = None, timeout: float = 600.0) -> None:
        """Pause if running, then run ``steps`` steps (default: one chunk) and return when done.
        A divergence during the step shows in ``status`` and ``message``."""
        steps = self.chunk if steps is None else positive_int(steps, "Session", "steps")
        self.pause()
        self._ensure_thread()
        cmd = _Command(steps)
        with self._cv:
            if self._mode in (IDLE, DIVERGED, ERROR):
                self._mode = PAUSED
            self.error, self.message = None, ""
            self._command = cmd
            self._cv.notify_all()
        if not cmd.done.wait(timeout):
            raise SessionError(f"step({steps}) did not finish within {timeout:g} s")

    def step_one(self) -> None:
        """Advance by exactly one simulation step."""
        self.step(1)

    def reset(self) -> None:
        """Pause, and go back to the initial state (same seed: the same run again). Parameters
        keep their current values; recordings and counts are cleared; monitors are re-initialised."""
        self._check_alive()
        self.pause()
        with self._sim_lock:
            self._apply_pending()
            self.sim.reset()
            self._recorder.clear()
            for m in self.monitors:
                m.init(self)
        with self._cv:
            if self._mode != IDLE:
                self._mode = PAUSED
            self.error, self.message = None, ""
        for m in self.monitors:
            m.flush()
        self._notify()

    def stop(self, timeout: float = 60.0) -> None:
        """End the background thread and close the monitors. The session cannot run again
        (the simulator can: ``session.sim``)."""
        if self._mode == STOPPED:
            return
        with self._cv:
            self._mode = STOPPED
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        for m in self.monitors:
            m.close()
        self._notify()

    def wait(self, steps: int | None = None, timeout: float = 60.0) -> bool:
        """Block until the session has reached step ``steps`` (or stopped running); True if reached."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if steps is not None and self.t >= steps:
                return True
            if self._mode != RUNNING and not self._busy:
                return steps is None or self.t >= steps
            time.sleep(0.005)
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return (f"Session({self.status}, t={self.time_ms:g} ms, chunk={self.chunk}, "
                f"speed={'max' if self._speed is None else f'{self._speed:g}x'})")

    # ------------------------------------------------------------------ export
    def export_npz(self, path) -> None:
        """Write the kept recordings to an .npz file: for each "pool.var" the arrays
        "<pool.var>" (samples, neurons) and "<pool.var>.t_ms", "<pool.var>.neurons", plus
        "counts.<pool>" (spikes per neuron since reset), "dt_ms" and "t_ms" (time reached).
        ``path``: a file name (not a descriptor or open file; else ParameterError). Copied at
        once, written while the session runs on; the file appears complete or not at all."""
        self._recorder.export_npz(path, self.sim.dt, self.time_ms)

    def export_csv(self, path) -> None:
        """Write the kept recordings to a long-format CSV: ``record,t_ms,neuron,value``; spikes
        are listed one row per spike (value 1), state variables one row per sample and neuron,
        with digits enough to read back exactly. ``path`` as for ``export_npz``."""
        self._recorder.export_csv(path, self.sim.dt)

    # ------------------------------------------------------------------ the session thread
    def _check_alive(self):
        if self._mode == STOPPED:
            raise SessionError("this session was stopped; create a new Session (the simulator is session.sim)")

    def _ensure_thread(self):
        self._check_alive()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="spark_lab-session", daemon=True)
            self._thread.start()

    def _notify(self):
        for cb in list(self._status_callbacks):
            try:
                cb(self)
            except Exception as e:  # noqa: BLE001 - a UI callback must not kill the session
                self.message = f"status callback {cb!r} failed: {e!r}"

    def _loop(self):
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._mode in (RUNNING, STOPPED) or self._command is not None)
                if self._mode == STOPPED:
                    if self._command is not None:
                        self._command.done.set()
                    return
                cmd, self._command = self._command, None
                steps = cmd.steps if cmd is not None else self.chunk
                self._busy = True
            ok = self._one_chunk(steps)
            with self._cv:
                going_on = ok and cmd is None and self._mode == RUNNING and \
                    (self._until is None or self.sim.t < self._until)
                if not going_on and self._mode == RUNNING:
                    self._mode = PAUSED if ok else self._mode
            if going_on:
                self._pace()
                with self._cv:
                    going_on = self._mode == RUNNING
                if going_on:
                    continue
            with self._sim_lock:
                self._apply_pending()          # changes made while this last chunk ran
            for m in self.monitors:
                try:
                    m.flush()
                except Exception as e:  # noqa: BLE001
                    self.message = f"monitor {type(m).__name__}.flush failed: {e!r}"
            with self._cv:
                self._busy = False
                self._cv.notify_all()
            if cmd is not None:
                cmd.done.set()
            self._notify()

    def _one_chunk(self, steps: int) -> bool:
        """Run one chunk and feed the monitors; False if it diverged or failed."""
        t0 = time.perf_counter()
        with self._sim_lock:
            self._apply_pending()
            t_start = self.sim.t
            inputs = self._inputs(t_start, steps) if callable(self._inputs) else self._inputs
            specs = self._recorder.specs
            try:
                res = self.sim.run(steps, inputs=inputs, record=specs, chunk=steps)
            except DivergenceError as e:
                self._fail(DIVERGED, e, f"paused: {e}")
                return False
            except Exception as e:  # noqa: BLE001 - the session survives, and says why it stopped
                self._fail(ERROR, e, f"paused by an error: {type(e).__name__}: {e}")
                return False
        wall = time.perf_counter() - t0
        frame = Frame(t_start, steps, self.sim.dt, res.counts, res.records, res.times,
                      {s.key: s.neurons for s in specs}, wall)
        self._recorder.push(t_start, steps, res, specs)
        for m in list(self.monitors):
            try:
                m.step(frame)
            except Exception as e:  # noqa: BLE001 - a broken monitor is reported, not fatal
                self.message = f"monitor {type(m).__name__}.step failed: {type(e).__name__}: {e}"
        now = time.perf_counter()
        dt_wall = now - (t0 if self._last_end is None else self._last_end)
        self._last_end = now
        inst = steps / max(dt_wall, 1e-9) if dt_wall < 1.0 else steps / max(wall, 1e-9)
        self._rate = inst if self._rate == 0.0 else 0.8 * self._rate + 0.2 * inst
        return True

    def _fail(self, status, err, message):
        with self._cv:
            self._mode = status
            self.error, self.message = err, message

    def _pace(self):
        """Sleep so that simulated time advances at ``speed`` times wall-clock time."""
        with self._cv:
            if self._speed is None:
                self._anchor = None
                return
            now, sim_s = time.monotonic(), self.sim.t * self.sim.dt * 1e-3
            if self._anchor is None:
                self._anchor = (now, sim_s)
                return
            w0, s0 = self._anchor
            delay = w0 + (sim_s - s0) / self._speed - now
            if delay < -0.25:                       # behind: do not try to catch up later
                self._anchor = (now, sim_s)
            elif delay > 0:
                self._cv.wait_for(lambda: self._mode != RUNNING or self._anchor is None, delay)


def _speed(x):
    if x is None:
        return None
    if isinstance(x, (bool, str)) or not np.isscalar(x) or not np.isfinite(x) or x <= 0:
        raise ParameterError("Session", "speed", f"got {x!r}",
                             "give None (as fast as possible) or a real-time factor > 0 (1.0 = real time)")
    return float(x)


def _key(k):
    if not (isinstance(k, tuple) and len(k) == 2):
        raise ParameterError("set_params", "changes", f"got the key {k!r}",
                             "give {(pool_or_projection, parameter): value}")
    return k


def _copy(v):
    """Queued values are copies: a caller mutating its array later cannot tear a queued change."""
    return v if hasattr(v, "sample") else np.array(v, copy=True)
