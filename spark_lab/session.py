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

from ._paramstore import ParamUpdate
from ._ring import RingBuffer
from .errors import DivergenceError, ParameterError, SparkLabError
from .network import Network, RecordSpec

__all__ = ["Session", "SessionError", "Frame", "Monitor"]

# session states (Session.status)
IDLE, RUNNING, PAUSED, DIVERGED, ERROR, STOPPED = "idle", "running", "paused", "diverged", "error", "stopped"


class SessionError(SparkLabError, RuntimeError):
    """A session cannot do what was asked (it was stopped, a step timed out)."""


@dataclass
class Frame:
    """What one chunk produced, handed to every monitor.

    t_start: first step of the chunk; steps: its length; dt: step in ms.
    counts:  {pool: (n,) int array} spikes per neuron during the chunk.
    records: {"pool.var": (samples, n_sel) array}; spikes as bool, variables as float.
    times:   {"pool.var": (samples,) step indices}.
    neurons: {"pool.var": tuple of recorded neuron indices, or None for all}.
    wall_s:  wall-clock seconds the chunk took.
    """
    t_start: int
    steps: int
    dt: float
    counts: dict
    records: dict
    times: dict
    neurons: dict
    wall_s: float

    @property
    def t_end(self) -> int:
        return self.t_start + self.steps

    def get(self, pool: str, var: str = "spikes", neurons=None) -> np.ndarray:
        """Columns of ``pool.var`` for ``neurons`` (pool indices; None = all recorded)."""
        key = f"{pool}.{var}"
        data = self.records[key]
        return data if neurons is None else data[:, _columns(self.neurons[key], neurons, key)]


class Monitor:
    """Base class of session monitors (plug-ins fed after every chunk).

    records: RecordSpecs the monitor needs (read when it is attached); the session records
                   their union in its ring buffers.
    init(session): called when attached (after its records are set up) and again after
                   ``reset`` (clear your data).
    step(frame):   called on the session thread after each chunk; keep it cheap, throttle
                   drawing yourself (the session waits for it).
    flush():       called when the session goes idle (pause, step done, divergence, stop):
                   draw what a throttle held back.
    close():       called when the monitor is removed or the session stops.
    """
    records: tuple = ()

    def init(self, session: "Session") -> None:
        pass

    def step(self, frame: Frame) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


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
        self.chunk = _positive_int(chunk, "chunk")
        self.buffer_steps = _positive_int(buffer_steps, "buffer_steps")
        self.buffer_chunks = _positive_int(buffer_chunks, "buffer_chunks")
        self._speed = _speed(speed)
        self._inputs = inputs
        self._cv = threading.Condition()           # mode, busy, commands
        self._sim_lock = threading.RLock()         # the simulator (run, set_params, reset)
        self._pending_lock = threading.Lock()
        self._data_lock = threading.RLock()        # ring buffers, counts
        self._pending = ParamUpdate()                # staged, checked changes for the next chunk
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
        self._user_records = [self._spec(r) for r in record]
        self.monitors: list[Monitor] = []
        self._rate = 0.0                                # steps/s, smoothed
        self._anchor = None
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
        with self._data_lock:
            return {k: v.copy() for k, v in self._counts.items()}

    @property
    def counted_steps(self) -> int:
        """Steps covered by ``counts``."""
        return self._counted_steps

    def rates(self) -> dict:
        """{pool: mean rate in Hz since the last reset}."""
        with self._data_lock:
            s = self._counted_steps * self.sim.dt * 1e-3
            return {k: (float(v.sum()) / v.size / s if s > 0 else 0.0) for k, v in self._counts.items()}

    def on_status(self, callback) -> None:
        """Call ``callback(session)`` whenever the status changes (on the thread that changed it)."""
        self._status_callbacks.append(callback)

    # ------------------------------------------------------------------ records and monitors
    def _spec(self, r) -> RecordSpec:
        if isinstance(r, str):
            pool, _, var = r.partition(".")
            r = RecordSpec(pool, var or "spikes")
        if not isinstance(r, RecordSpec):
            raise ParameterError("Session", "record", f"got {r!r}", 'give "pool.var" strings or RecordSpecs')
        pools = self.sim.net.pools
        if r.pool not in pools:
            raise ParameterError("Session", "record", f"unknown pool {r.pool!r}", f"pools: {', '.join(pools)}")
        allowed = ("spikes",) + tuple(pools[r.pool].model.STATE)
        if r.var not in allowed:
            raise ParameterError("Session", "record", f"pool {r.pool!r} has no variable {r.var!r}",
                                 f"recordable: {', '.join(allowed)}")
        if r.neurons is not None:
            nb = np.asarray(r.neurons)
            if nb.ndim != 1 or nb.size == 0 or np.any(nb < 0) or np.any(nb >= pools[r.pool].n):
                raise ParameterError("Session", "record", f"{r.key}: neuron indices {r.neurons!r}",
                                     f"give indices in 0..{pools[r.pool].n - 1}")
            r = RecordSpec(r.pool, r.var, r.every, tuple(int(i) for i in r.neurons))
        return r

    def _setup_records(self):
        """Union of what the network, the user and the monitors want: one spec per pool.var."""
        wanted = list(self.sim.net.records) + self._user_records + [
            self._spec(r) for m in self.monitors for r in m.records]
        merged: dict = {}
        for r in wanted:
            if r.key not in merged:
                merged[r.key] = r
                continue
            old = merged[r.key]
            neurons = None if old.neurons is None or r.neurons is None else tuple(sorted(set(old.neurons) | set(r.neurons)))
            merged[r.key] = RecordSpec(r.pool, r.var, min(old.every, r.every), neurons)
        old_rings = getattr(self, "_rings", {})
        self._specs = tuple(merged.values())
        pools = self.sim.net.pools
        rings = {}
        for s in self._specs:
            n = pools[s.pool].n if s.neurons is None else len(s.neurons)
            prev = old_rings.get(s.key)
            if prev is not None and prev[2] == s.neurons:
                rings[s.key] = prev
                continue
            dtype = bool if s.var == "spikes" else self.sim.fdtype
            rings[s.key] = (RingBuffer(self.buffer_steps, (n,), dtype, f"recording {s.key}"),
                            RingBuffer(self.buffer_steps, (), np.int64, f"times of {s.key}"), s.neurons)
        names = list(pools)
        with self._data_lock:
            self._rings = rings
            if not hasattr(self, "_counts"):
                self._pool_names = names
                self._counts = {p: np.zeros(pools[p].n, np.int64) for p in names}
                self._counted_steps = 0
                self._chunk_ring = RingBuffer(self.buffer_chunks, (len(names),), np.int64, "spikes per chunk")
                self._chunk_t = RingBuffer(self.buffer_chunks, (2,), np.int64, "chunk start and length")

    def add_monitor(self, monitor: Monitor) -> Monitor:
        """Attach a monitor (its records are added: the next chunk compiles once if they are new)."""
        for m in ("init", "step", "close"):
            if not callable(getattr(monitor, m, None)):
                raise ParameterError("Session", "monitor", f"{type(monitor).__name__} has no {m}()",
                                     "a monitor needs init(session), step(frame) and close()")
        with self._sim_lock, self._data_lock:
            self.monitors.append(monitor)
            try:
                self._setup_records()
            except ParameterError:
                self.monitors.remove(monitor)
                raise
        monitor.init(self)
        return monitor

    def remove_monitor(self, monitor: Monitor) -> None:
        with self._sim_lock, self._data_lock:
            self.monitors.remove(monitor)
            self._setup_records()
        monitor.close()

    def recorded(self, pool: str, var: str = "spikes", neurons=None, last: int | None = None):
        """(step indices, values) of the newest ``last`` samples kept of ``pool.var``
        (all kept when None); ``neurons`` selects columns (pool indices)."""
        key = f"{pool}.{var}"
        with self._data_lock:
            if key not in self._rings:
                raise ParameterError("Session", "recorded", f"{key} is not recorded",
                                     f"recorded: {', '.join(self._rings) or '(nothing)'}")
            data, times, have = self._rings[key]
            vals, ts = data.latest(last), times.latest(last)
        if neurons is not None:
            vals = vals[:, _columns(have, neurons, key)]
        return ts, vals

    def recorded_keys(self) -> list:
        """The "pool.var" recordings kept in ring buffers."""
        return list(self._rings)

    def recorded_neurons(self, pool: str, var: str = "spikes"):
        """Neuron indices kept for ``pool.var`` (None: all neurons of the pool)."""
        return self._rings[f"{pool}.{var}"][2]

    def chunk_history(self, last: int | None = None):
        """(starts, lengths, {pool: spikes per chunk}) for the newest ``last`` chunks kept."""
        with self._data_lock:
            tl, c = self._chunk_t.latest(last), self._chunk_ring.latest(last)
        return tl[:, 0], tl[:, 1], {p: c[:, i] for i, p in enumerate(self._pool_names)}

    @property
    def buffer_bytes(self) -> int:
        """Bytes held by the ring buffers (fixed once the records are set up)."""
        return sum(d.nbytes + t.nbytes for d, t, _ in self._rings.values()) + \
            self._chunk_ring.nbytes + self._chunk_t.nbytes

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
        until = None if steps is None else self.sim.t + _positive_int(steps, "steps")
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
        steps = self.chunk if steps is None else _positive_int(steps, "steps")
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
            with self._data_lock:
                for d, t, _ in self._rings.values():
                    d.clear()
                    t.clear()
                for v in self._counts.values():
                    v[:] = 0
                self._counted_steps = 0
                self._chunk_ring.clear()
                self._chunk_t.clear()
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
        "counts.<pool>" (spikes per neuron since reset) and "dt_ms"."""
        arrays = {"dt_ms": np.float64(self.sim.dt), "t_ms": np.float64(self.time_ms)}
        with self._data_lock:
            for key, (d, t, neurons) in self._rings.items():
                pool = key.split(".")[0]
                arrays[key] = d.latest()
                arrays[f"{key}.t_ms"] = t.latest() * self.sim.dt
                arrays[f"{key}.neurons"] = np.arange(self.sim.net.pools[pool].n) if neurons is None \
                    else np.asarray(neurons)
            for p, c in self._counts.items():
                arrays[f"counts.{p}"] = c.copy()
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)

    def export_csv(self, path) -> None:
        """Write the kept recordings to a long-format CSV: ``record,t_ms,neuron,value``; spikes
        are listed one row per spike (value 1), state variables one row per sample and neuron."""
        with self._data_lock, open(path, "w") as fh:
            fh.write("record,t_ms,neuron,value\n")
            for key, (d, t, neurons) in self._rings.items():
                data, ts = d.latest(), t.latest() * self.sim.dt
                idx = np.arange(data.shape[1]) if neurons is None else np.asarray(neurons)
                if data.dtype == bool:
                    ti, ni = np.nonzero(data)
                    rows = zip(ts[ti], idx[ni], np.ones(ti.size, int))
                else:
                    ti, ni = np.indices(data.shape)
                    rows = zip(ts[ti.ravel()], idx[ni.ravel()], data.ravel())
                fh.writelines(f"{key},{tm:.6g},{n},{v:.7g}\n" for tm, n, v in rows)

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
            try:
                res = self.sim.run(steps, inputs=inputs, record=self._specs, chunk=steps)
            except DivergenceError as e:
                self._fail(DIVERGED, e, f"paused: {e}")
                return False
            except Exception as e:  # noqa: BLE001 - the session survives, and says why it stopped
                self._fail(ERROR, e, f"paused by an error: {type(e).__name__}: {e}")
                return False
            specs = self._specs
        wall = time.perf_counter() - t0
        frame = Frame(t_start, steps, self.sim.dt, res.counts, res.records, res.times,
                      {s.key: s.neurons for s in specs}, wall)
        with self._data_lock:
            for s in specs:
                d, t, _ = self._rings[s.key]
                d.push(res.records[s.key])
                t.push(res.times[s.key])
            for p, c in res.counts.items():
                self._counts[p] += c
            self._counted_steps += steps
            self._chunk_ring.push(np.array([[int(res.counts[p].sum()) for p in self._pool_names]]))
            self._chunk_t.push(np.array([[t_start, steps]]))
        for m in list(self.monitors):
            try:
                m.step(frame)
            except Exception as e:  # noqa: BLE001 - a broken monitor is reported, not fatal
                self.message = f"monitor {type(m).__name__}.step failed: {type(e).__name__}: {e}"
        now = time.perf_counter()
        dt_wall = now - getattr(self, "_last_end", t0)
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


def _columns(have, want, key):
    """Column positions of pool indices ``want`` in a recording that kept ``have``."""
    want = np.atleast_1d(np.asarray(want, np.int64))
    if have is None:
        return want
    pos = {n: i for i, n in enumerate(have)}
    missing = [int(n) for n in want if int(n) not in pos]
    if missing:
        raise ParameterError(f"recording {key}", "neurons", f"neuron {missing[0]} is not recorded",
                             f"recorded: {list(have)[:10]}{'...' if len(have) > 10 else ''}")
    return np.array([pos[int(n)] for n in want], np.int64)


def _positive_int(x, field):
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < 1:
        raise ParameterError("Session", field, f"got {x!r}", "give an integer >= 1")
    return int(x)


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
