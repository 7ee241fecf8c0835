"""Live sessions: a simulator run in chunks on a background thread.

    session = Session(net, chunk=100)         # a Network (built here) or a Simulator
    session.run()                             # returns at once; the network runs in the background
    session.set_param("inh", "g_inh", 6.0)    # from any thread: applied at the next chunk boundary
    session.pause(); session.step(); session.step_one(); session.reset(); session.stop()

Kernel side only: no UI library is imported here (the widgets are in ``spark_lab.notebook``).

Guarantees
- Commands are queued, never overwritten. ``run``, ``pause``, ``step``, ``reset``, ``stop`` and
  queued parameter changes, from any thread, take effect on the session thread one after the
  other in the order they were received (received = the moment the call takes the session's
  lock); a command that cannot be taken (bad argument, stopped session) raises at once in the
  caller and queues nothing. A command waits for those received before it: a ``step`` received
  while another thread's ``step`` runs runs after it, a ``run`` received during a ``reset``
  starts after the reset. Commands take effect at chunk boundaries (a chunk in flight is never
  interrupted). A call that waits and times out raises SessionError, but its command keeps its
  place in the queue and still takes effect. Calls made on the session thread itself (from a
  monitor or a status callback) are queued and return without waiting.
- Parameter changes are checked when they are made, with the simulator's own rules
  (``Simulator.stage``: a bad value raises the same ParameterError as ``Simulator.set_param``,
  or NetworkError for an unknown target, and queues nothing). When the session is idle (not
  running, no command in flight or queued) they are applied at once, before ``set_param``
  returns; otherwise they are queued in order with the other commands and applied with one
  ``Simulator.apply`` per run of consecutive changes: while running, before the next chunk
  starts (latency at most one chunk). No change is lost (for each parameter the last value
  received is the one in effect), none is half-applied, and none recompiles (parameters are
  arguments of the compiled chunk). ``pause()`` returns with every change received before it
  applied to the simulator (so a checkpoint written then has them).
- A chunk that produces NaN or inf pauses the session with status "diverged" and a message
  naming pool and variable; the state from before that chunk is kept, so after a fix the
  session can be resumed (``run``) or ``reset``.
- Recordings stream into fixed-size ring buffers (``RingBuffer``): memory does not grow
  with the length of a run.
- Monitors (``Monitor``: ``init`` / ``step`` / ``close``, plus ``flush`` when the session goes
  idle) are called on the session thread after every chunk with a ``Frame``. An exception in a
  monitor, a status callback or an ``inputs`` callable is reported (``message``, status
  "error"), never fatal to the session thread.

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
from ._pacing import Pacer
from ._paramstore import ParamUpdate
from ._recorded import RecordedViews
from ._recorder import Recorder
from .errors import DivergenceError, ParameterError, SessionError, SparkLabError
from .network import Network, RecordSpec
from .runs import SaveRun

__all__ = ["Session", "SessionError", "Frame", "Monitor"]

# session states (Session.status)
IDLE, RUNNING, PAUSED, DIVERGED, ERROR, STOPPED = "idle", "running", "paused", "diverged", "error", "stopped"


@dataclass
class _Command:
    """One queued command: ``kind`` is "run", "pause", "step", "reset", "params" or "stop"."""
    kind: str
    arg: object = None
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def describe(self) -> str:
        if self.kind == "params":
            return f"set_params({len(self.arg)} change(s))"
        return f"{self.kind}({'' if self.arg is None else self.arg})"


class Session(SaveRun, RecordedViews):
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
        self._pacer = Pacer(speed)                 # guarded by _cv
        self._inputs = inputs
        # Lock order: _cv before _sim_lock; the session thread never takes _cv while it holds
        # _sim_lock, and calls no user code (monitors, callbacks) while it holds either.
        self._cv = threading.Condition()           # mode, busy, queue, pending, closing, pacing
        self._sim_lock = threading.RLock()         # the simulator and the recorder's specs
        self._queue: collections.deque[_Command] = collections.deque()
        self._pending = ParamUpdate()              # merge of the queued "params" commands
        self._mode = IDLE                          # written on the session thread only
        self._until = None                          # run(steps): pause at this step
        self._busy = False                          # the session thread is executing something
        self._closing = False                       # stop() received
        self._thread: threading.Thread | None = None
        self.message = ""
        self.error: BaseException | None = None
        self.rejected = collections.deque(maxlen=100)   # (target, name, error) dropped at apply time
        self.applied_changes = 0                        # parameter values applied so far
        self._status_callbacks = []
        self._user_records = [RecordSpec.parse(r, self.sim.net) for r in record]
        self.monitors: list[Monitor] = []
        self._rate = 0.0                                # steps/s, smoothed
        self._last_end = None                           # perf_counter() at the end of the last chunk
        self._shapes = set()                            # chunk shapes called so far: a new one compiles
        self._compile_t0 = None                         # perf_counter() when the compiling call began
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
        """True while the background thread is running chunks."""
        return self._mode == RUNNING

    @property
    def t(self) -> int:
        """Current step index."""
        return self.sim.t

    @property
    def time_ms(self) -> float:
        """Simulated time in ms (step index times dt)."""
        return self.sim.t * self.sim.dt

    @property
    def steps_per_s(self) -> float:
        """Recent simulation speed in steps per wall-clock second (0 when idle)."""
        return self._rate if self._mode == RUNNING else 0.0

    @property
    def speed(self) -> float | None:
        """Real-time factor (1.0 = one simulated second per wall second), or None: as fast as possible."""
        return self._pacer.speed

    @speed.setter
    def speed(self, value):
        with self._cv:
            self._pacer = Pacer(value)
            self._cv.notify_all()

    @property
    def inputs(self):
        """External inputs: a dict ``{pool or node: value}``, a callable ``inputs(t_start, steps) -> dict``, or None."""
        return self._inputs

    @inputs.setter
    def inputs(self, value):
        """Used from the next chunk on; a new input layout (other pools, per-step arrays) compiles once."""
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

    @property
    def compiling(self) -> float | None:
        """Seconds the chunk call in flight has been running if it is the first of its shape
        (steps, records, input layout: the simulator compiles it, typically 1-10 s), else None."""
        t0 = self._compile_t0
        return None if t0 is None else time.perf_counter() - t0

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
        """Detach ``monitor``, record only what the others need, then call its ``close``."""
        with self._sim_lock:
            self.monitors.remove(monitor)
            self._setup_records()
        monitor.close()

    # ------------------------------------------------------------------ parameters
    def set_param(self, target: str, name: str, value) -> None:
        """Change one parameter (see ``set_params``)."""
        self.set_params({(target, name): value})

    def set_params(self, changes: dict) -> None:
        """Change ``{(target, name): value}`` together: all or none.

        Checked once, now, in the caller's thread, by ``Simulator.stage`` (the rules, messages
        and errors of ``Simulator.set_params``) against the values the simulator will have once
        the changes already queued are applied: a bad value raises ParameterError (NetworkError
        for an unknown target) and queues nothing. The value is copied when checked (mutating
        the caller's array later changes nothing). When the session is idle (not running,
        nothing in flight or queued) the changes are applied before this returns; otherwise
        they are queued behind the commands received before them (while running: applied
        before the next chunk). Raises SessionError once the session is stopped.
        """
        with self._cv:
            self._check_alive()
            update = self.sim.stage(changes, after=self._pending)
            if not update:
                return
            if self._mode != RUNNING and not self._busy and not self._queue:
                with self._sim_lock:
                    self._apply(update)
                return
            self._pending = self._pending.merge(update)   # "last set, last applied"
            self._enqueue(_Command("params", update))

    def get_param(self, target: str, name: str) -> np.ndarray:
        """The value the parameter has, or will have once the queued changes are applied."""
        with self._cv:
            v = self._pending.get(self.sim.param_key(target, name))
        if v is not None and not hasattr(v, "sample"):
            return np.array(v, copy=True)
        return self.sim.get_param(target, name)

    @property
    def pending(self) -> dict:
        """Changes queued and not yet applied: {(target, name): value} (a copy)."""
        with self._cv:
            return self._pending.values()

    @property
    def queued(self) -> list:
        """Descriptions of the commands received and not yet taken up, oldest first."""
        with self._cv:
            return [c.describe() for c in self._queue]

    def _apply(self, update: ParamUpdate) -> None:
        """One ``sim.apply`` (called with the simulator lock held). The update was checked when
        queued; only a change made directly on the simulator in between can make it fail, and
        then none of it is applied and each change is reported in ``rejected``."""
        try:
            self.sim.apply(update)
            self.applied_changes += len(update)
            for m in self.monitors:         # a run store's lab book (save_run) hears of each change
                getattr(m, "applied", lambda *a: None)(self.sim.t, update)
        except SparkLabError as e:
            for target, name in update.values():
                self.rejected.append((target, name, e))
            self.message = f"parameter change rejected: {e}"

    # ------------------------------------------------------------------ control
    def run(self, steps: int | None = None, timeout: float = 60.0) -> None:
        """Start (or resume) running in the background.

        steps: run at least this many steps, counted from when the run starts, then pause by
        itself (at the first chunk boundary at or after them); None: until ``pause``.
        Returns once the run has started (after the commands received before it), without
        waiting for any chunk: ``status`` is then "running". ``wait()`` blocks until it has
        paused. A bad ``steps`` raises ParameterError at once.
        """
        n = None if steps is None else positive_int(steps, "Session", "steps")
        self._submit(_Command("run", n), timeout)

    def pause(self, wait: bool = True, timeout: float = 60.0) -> None:
        """Pause a run at its next chunk boundary (the chunk in flight finishes).

        Queued behind the commands received before it. With ``wait`` it returns once it has
        taken effect: the session is not running, every command and parameter change
        received before it has been applied to the simulator, and the monitors have been
        flushed. Without ``wait`` it returns at once. On a stopped session it does nothing.
        """
        self._submit(_Command("pause"), timeout if wait else None)

    def step(self, steps: int | None = None, timeout: float = 600.0) -> None:
        """Run exactly ``steps`` steps (default: one chunk) and return when they are done.

        Queued behind the commands received before it (another thread's ``step`` included); a
        run in progress is paused at its next chunk boundary first. The steps run as one
        compiled chunk; afterwards the session is "paused" and the monitors are flushed. A
        divergence during the step shows in ``status`` and ``message``, it is not raised.
        """
        steps = self.chunk if steps is None else positive_int(steps, "Session", "steps")
        self._submit(_Command("step", steps), timeout)

    def step_one(self) -> None:
        """Advance by exactly one simulation step."""
        self.step(1)

    def reset(self, timeout: float = 600.0) -> None:
        """Pause, and go back to the initial state (same seed: the same run again).

        Queued behind the commands received before it, so changes received before it are
        applied first; parameters keep their values. Recordings and counts are cleared and the
        monitors re-initialised. Returns when done; a run received after it starts afterwards.
        """
        self._submit(_Command("reset"), timeout)

    def stop(self, timeout: float = 60.0) -> None:
        """End the background thread and close the monitors, after the commands received
        before it. Any command received afterwards raises SessionError; the session cannot run
        again (the simulator can: ``session.sim``). Calling it again does nothing."""
        if self._submit(_Command("stop"), timeout) and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def wait(self, steps: int | None = None, timeout: float = 60.0) -> bool:
        """Block until the session has reached step ``steps``, or has stopped running with
        nothing in flight or queued; True if ``steps`` was reached (or None was given)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if steps is not None and self.t >= steps:
                return True
            with self._cv:
                settled = self._mode != RUNNING and not self._busy and not self._queue
            if settled:
                return steps is None or self.t >= steps
            time.sleep(0.005)
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return (f"Session({self.status}, t={self.time_ms:g} ms, chunk={self.chunk}, "
                f"speed={'max' if self.speed is None else f'{self.speed:g}x'})")

    # ------------------------------------------------------------------ the command queue
    def _check_alive(self):
        if self._closing or self._mode == STOPPED:
            raise SessionError("this session was stopped; create a new Session (the simulator is session.sim)")

    def _enqueue(self, cmd: _Command) -> None:
        """Append a command (called with _cv held) and make sure a session thread serves it."""
        self._queue.append(cmd)
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="spark_lab-session", daemon=True)
            self._thread.start()
        self._cv.notify_all()

    def _submit(self, cmd: _Command, timeout: float | None) -> bool:
        """Queue ``cmd`` (raising at once if the session is stopped) and wait ``timeout`` s for
        it to take effect (None: do not wait; on the session thread: never). -> False when
        there was nothing to do (pause or stop of a stopped session)."""
        with self._cv:
            if cmd.kind in ("pause", "stop") and (self._closing or self._mode == STOPPED):
                return False
            self._check_alive()
            self._closing = self._closing or cmd.kind == "stop"
            self._enqueue(cmd)
        if timeout is None or threading.current_thread() is self._thread:
            return True
        if not cmd.done.wait(timeout):
            raise SessionError(f"{cmd.describe()} did not take effect within {timeout:g} s; it keeps its "
                               f"place in the queue and will still take effect")
        if cmd.error is not None:
            raise cmd.error
        return True

    # ------------------------------------------------------------------ the session thread
    def _notify(self):
        for cb in list(self._status_callbacks):
            try:
                cb(self)
            except Exception as e:  # noqa: BLE001 - a UI callback must not kill the session
                self.message = f"status callback {cb!r} failed: {e!r}"

    def _loop(self):
        while True:
            cmd = self._next()
            try:
                if cmd is None:
                    self._run_chunk()
                elif cmd.kind != "params":
                    self._execute(cmd)
            except Exception as e:  # noqa: BLE001 - the thread survives, and says why
                self._fail(ERROR, e, f"paused by an error: {type(e).__name__}: {e}")
                if cmd is not None:
                    cmd.error = e
            with self._cv:
                self._busy = False
                self._cv.notify_all()
            if cmd is not None:
                cmd.done.set()
                if cmd.kind == "stop":
                    return

    def _next(self) -> _Command | None:
        """Wait for work: the oldest queued command, or None for the next chunk of a run.
        A run of consecutive parameter changes is applied here, as one update."""
        with self._cv:
            while True:
                if self._queue:
                    cmd = self._queue.popleft()
                    if cmd.kind == "params":
                        self._apply_queued(cmd)
                    break
                if self._mode == RUNNING:
                    delay = self._pacer.delay(self.sim.t * self.sim.dt * 1e-3)
                    if delay <= 0:
                        cmd = None
                        break
                    self._cv.wait(delay)
                else:
                    self._cv.wait()
            self._busy = True
            return cmd

    def _apply_queued(self, first: _Command) -> None:
        """Apply ``first`` and the parameter changes queued right behind it (with _cv held)."""
        update, done = first.arg, [first]
        while self._queue and self._queue[0].kind == "params":
            done.append(self._queue.popleft())
            update = update.merge(done[-1].arg)
        with self._sim_lock:
            self._apply(update)
        rest = ParamUpdate()
        for c in self._queue:
            if c.kind == "params":
                rest = rest.merge(c.arg)
        self._pending = rest
        for c in done[1:]:
            c.done.set()

    def _execute(self, cmd: _Command) -> None:
        """Carry out one control command on the session thread."""
        kind, was = cmd.kind, self._mode
        if kind == "run":
            with self._cv:
                self._until = None if cmd.arg is None else self.sim.t + cmd.arg
                self._mode, self.error, self.message = RUNNING, None, ""
                self._pacer.restart()
        elif kind == "pause":
            if was != RUNNING:
                return
            self._set_mode(PAUSED)
            self._flush()
        elif kind == "step":
            with self._cv:
                self._mode, self.error, self.message = PAUSED, None, ""
            self._one_chunk(cmd.arg)
            self._flush()
        elif kind == "reset":
            self._reset(was)
        else:                                       # stop
            self._set_mode(STOPPED)
            for m in self.monitors:
                try:
                    m.close()
                except Exception as e:  # noqa: BLE001
                    self.message = f"monitor {type(m).__name__}.close failed: {e!r}"
        if self._mode != was or kind in ("step", "reset"):
            self._notify()

    def _reset(self, was: str) -> None:
        with self._sim_lock:
            self.sim.reset()
            self._recorder.clear()
        with self._cv:
            self._mode = IDLE if was == IDLE else PAUSED
            self.error, self.message = None, ""
        for m in self.monitors:
            m.init(self)
        self._flush()

    def _set_mode(self, mode: str) -> None:
        with self._cv:
            self._mode = mode

    def _flush(self) -> None:
        """The session went idle (a run or a step ended): flush the monitors."""
        for m in self.monitors:
            try:
                m.flush()
            except Exception as e:  # noqa: BLE001
                self.message = f"monitor {type(m).__name__}.flush failed: {e!r}"

    def _run_chunk(self) -> None:
        """One chunk of a run; at its end (steps reached, divergence, error) the run pauses."""
        ok = self._one_chunk(self.chunk)
        with self._cv:
            if ok and self._until is not None and self.sim.t >= self._until:
                self._mode = PAUSED
            ended = self._mode != RUNNING
        if ended:
            self._flush()
            self._notify()

    def _one_chunk(self, steps: int) -> bool:
        """Run one chunk and feed the monitors; False if it diverged or failed."""
        t0 = time.perf_counter()
        failure = None
        t_start, source = self.sim.t, self._inputs
        try:
            inputs = source(t_start, steps) if callable(source) else source     # user code: no lock held
            with self._sim_lock:
                specs = self._recorder.specs
            shape = (steps, repr(specs), tuple(sorted((k, np.ndim(v)) for k, v in (inputs or {}).items())))
            if shape not in self._shapes:              # status callbacks show "compiling" while it lasts
                self._compile_t0 = time.perf_counter()
                self._notify()
            with self._sim_lock:
                res = self.sim.run(steps, inputs=inputs, record=specs, chunk=steps)
            self._shapes.add(shape)
        except DivergenceError as e:
            failure = (DIVERGED, e, f"paused: {e}")
        except Exception as e:  # noqa: BLE001 - the session survives, and says why it stopped
            failure = (ERROR, e, f"paused by an error: {type(e).__name__}: {e}")
        finally:
            self._compile_t0 = None
        if failure is not None:
            self._fail(*failure)
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
