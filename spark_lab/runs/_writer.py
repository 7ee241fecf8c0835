"""Writing a run folder (see ``spark_lab.runs``) from a background thread.

``RunWriter(path, sim)`` writes the run's description at once (run.json, model.json,
values.npz) and then appends what it is handed: ``chunk(...)`` after every chunk,
``changes(t, values)`` for each applied parameter change, ``reset()``, ``close()``. The
caller's thread only queues; the writer thread converts (spikes to (step, neuron) rows) and
appends. ``RunMonitor`` feeds a writer from a Session (``Session.save_run``).
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import queue
import threading

import numpy as np

from .._checks import brief, positive_int
from .._monitor import Monitor
from .._outfile import replace_atomically
from ..errors import ParameterError, SessionError
from . import _format as F

_STOP = object()


def _new_folder(path) -> str:
    """``path`` as a folder for a new run: created (with its parents) when missing; an
    existing one must be an empty folder (a run is never written over)."""
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError("save_run", "path", f"got {brief(path)}", "give the name of a new folder")
    p = os.fspath(path)
    if os.path.exists(p) and (not os.path.isdir(p) or os.listdir(p)):
        raise ParameterError("save_run", "path", f"{p!r} exists and is not an empty folder",
                             "give a new folder for each run (runs are never overwritten)")
    return p


def versions() -> dict:
    """The versions a run was made with."""
    import jax

    from .. import __version__
    return {"spark_lab": __version__, "jax": jax.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "backend": jax.default_backend()}


class RunWriter:
    """Writes one run into the new folder ``path`` (see ``spark_lab.runs`` for the files).

    sim: the Simulator whose run this is (its network, seed, values and time are read now).
    queue_chunks: chunks that may wait for the disk (>= 1); a full queue makes ``chunk``
        wait, so memory stays within that many chunks' recordings.
    Refuses (ParameterError) a path that exists and is not an empty folder; a network that
    cannot be written as a model file raises ModelError; in both cases nothing is created.
    """

    def __init__(self, path, sim, queue_chunks: int = 64):
        from .. import model
        self.path = _new_folder(path)
        queue_chunks = positive_int(queue_chunks, "save_run", "queue_chunks")
        text = model.dumps(sim.net)                       # ModelError before anything is created
        values = {F.value_key(*k): np.asarray(sim.get_param(*k)) for k in sim.net.values()}
        self._pools = {p: pool.n for p, pool in sim.net.pools.items()}
        self._dt, self._epoch, self.error = float(sim.dt), 0, None
        self.meta = {"format": F.FORMAT, "seed": int(sim.net.seed), "dt": self._dt, "dtype": sim.net.dtype,
                     "versions": versions(), "pools": self._pools, "t_start": int(sim.t),
                     "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                     "status": "running"}
        os.makedirs(os.path.join(self.path, F.RECORDS), exist_ok=True)
        with open(os.path.join(self.path, F.MODEL), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        with replace_atomically(os.path.join(self.path, F.VALUES)) as f:
            np.savez(f, **values)
        self._write_meta()
        self._files: dict = {}
        self._parts: dict = {}                     # key -> (part number, neurons, dtype)
        self._n_npy = 0
        self._queue: queue.Queue = queue.Queue(maxsize=queue_chunks)
        self._thread = threading.Thread(target=self._loop, name="spark_lab-run-writer", daemon=True)
        self._thread.start()
        self.closed = False

    # ------------------------------------------------------------------ the caller's side
    def chunk(self, t_start: int, steps: int, counts: dict, records: dict, times: dict, neurons: dict) -> None:
        """Queue one chunk: spike counts per pool, and the recordings {"pool.var": (samples, n)}
        with their step indices and neuron selections (the arrays are not copied: do not
        change them). Raises SessionError when the writer has failed (e.g. disk full)."""
        self._put(("chunk", int(t_start), int(steps), self._epoch,
                   [int(np.sum(counts[p])) for p in self._pools], records, times, neurons))

    def changes(self, t: int, values: dict) -> None:
        """Queue lab-book lines: ``values`` {(target, name): value in effect} applied at step ``t``."""
        self._put(("set", int(t), self._epoch, {k: np.array(v, copy=True) for k, v in values.items()}))

    def reset(self) -> None:
        """The simulator went back to step 0: what follows is a new epoch."""
        self._epoch += 1
        self._put(("reset", self._epoch))

    def close(self) -> None:
        """Write what is queued, mark the run closed and end the thread (again: nothing)."""
        if self.closed:
            return
        self.closed = True
        self._queue.put(_STOP)
        self._thread.join()

    def _put(self, item) -> None:
        if self.error is not None:
            raise SessionError(f"the run store {self.path!r} stopped writing: {self.error}")
        if self.closed:
            raise SessionError(f"the run store {self.path!r} is closed")
        self._queue.put(item)

    # ------------------------------------------------------------------ the writer thread
    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            if self.error is not None:
                continue
            try:
                getattr(self, "_w_" + item[0])(*item[1:])
                if self._queue.empty():
                    for f in self._files.values():
                        f.flush()
            except Exception as e:  # noqa: BLE001 - reported by the next call, the run goes on
                self.error = f"{type(e).__name__}: {e}"
        self._finish()

    def _finish(self) -> None:
        try:
            if self.error is None:
                self._line({"event": "close", "epoch": self._epoch})
            for f in self._files.values():
                f.flush()
                os.fsync(f.fileno())
                f.close()
            self.meta["status"] = "closed" if self.error is None else f"failed: {self.error}"
            self._write_meta()
        except OSError as e:
            self.error = self.error or f"{type(e).__name__}: {e}"

    def _file(self, name: str, mode: str = "ab"):
        f = self._files.get(name)
        if f is None:
            f = self._files[name] = open(os.path.join(self.path, name), mode)
        return f

    def _write_meta(self) -> None:
        with replace_atomically(os.path.join(self.path, F.RUN_JSON), text=True) as f:
            json.dump(self.meta, f, indent=1)

    def _line(self, entry: dict) -> None:
        self._file(F.LABBOOK, "a").write(json.dumps(entry) + "\n")

    def _w_chunk(self, t_start, steps, epoch, pool_counts, records, times, neurons) -> None:
        self._file(F.CHUNKS).write(np.array([t_start, steps, epoch] + pool_counts, "<i8").tobytes())
        for key, data in records.items():
            data, steps_idx, sel = np.asarray(data), np.asarray(times[key], np.int64), neurons.get(key)
            name = self._part(key, sel, data.dtype)
            if data.dtype == bool:
                ti, ni = np.nonzero(data)
                rows = np.empty(ti.size, F.SPIKE_ROW)
                rows["step"], rows["epoch"] = steps_idx[ti], epoch
                rows["neuron"] = ni if sel is None else np.asarray(sel, np.int64)[ni]
            else:
                rows = np.empty(data.shape[0], F.trace_row(data.dtype, data.shape[1]))
                rows["step"], rows["epoch"], rows["v"] = steps_idx, epoch, data
            self._file(name).write(rows.tobytes())

    def _part(self, key: str, sel, dtype) -> str:
        """The file of ``key``'s current part; a new part (and its description) when the
        recorded neurons change."""
        sel = None if sel is None else tuple(int(i) for i in sel)
        old = self._parts.get(key)
        if old is None or old[1] != sel or old[2] != dtype:
            part = 0 if old is None else old[0] + 1
            self._parts[key] = (part, sel, dtype)
            pool, _, var = key.partition(".")
            desc = {"key": key, "pool": pool, "var": var, "part": part, "dtype": np.dtype(dtype).str,
                    "neurons": None if sel is None else list(sel),
                    "width": self._pools[pool] if sel is None else len(sel)}
            with replace_atomically(os.path.join(self.path, F.RECORDS, f"{key}.{part}.json"), text=True) as f:
                json.dump(desc, f)
        return os.path.join(F.RECORDS, f"{key}.{self._parts[key][0]}.bin")

    def _w_set(self, t, epoch, values) -> None:
        for (target, name), v in values.items():
            if v.size and np.all(v == v.flat[0]):
                val = v.flat[0].item()                  # one value for every neuron or synapse
            elif v.size <= F.INLINE_MAX:
                val = v.tolist()
            else:
                self._n_npy += 1
                rel = f"labbook-{self._n_npy:06d}.npy"
                with replace_atomically(os.path.join(self.path, rel)) as f:
                    np.save(f, v)
                val = {"npy": rel}
            self._line({"event": "set", "t": t, "t_ms": t * self._dt, "epoch": epoch, "target": target,
                        "name": name, "value": val})

    def _w_reset(self, epoch) -> None:
        self._line({"event": "reset", "t": 0, "t_ms": 0.0, "epoch": epoch})


class RunMonitor(Monitor):
    """Feeds a :class:`RunWriter` from a Session (``Session.save_run(path)``): every chunk,
    every applied parameter change (with the step it takes effect), every reset. Records
    nothing of its own: the session's recordings (its ``record=``, the network's, the other
    monitors') are what is stored. ``close()`` (or removing the monitor, or stopping the
    session) writes what is queued and marks the run closed."""
    records: tuple = ()

    def __init__(self, path, session, queue_chunks: int = 64):
        self.writer = RunWriter(path, session.sim, queue_chunks)
        self.session = session
        self.path = self.writer.path
        self._started = False

    def init(self, session) -> None:
        if self._started:                  # called again after a reset
            self.writer.reset()
        self._started = True

    def step(self, frame) -> None:
        if not self.writer.closed:
            self.writer.chunk(frame.t_start, frame.steps, frame.counts, frame.records, frame.times, frame.neurons)

    def applied(self, t: int, update) -> None:
        """Called by the session after it applied ``update`` (a ParamUpdate) at step ``t``."""
        if self.writer.closed or self.writer.error is not None:
            return
        try:                               # never raises into the session's apply
            self.writer.changes(t, {k: self.session.sim.get_param(*k) for k in update.values()})
        except Exception as e:  # noqa: BLE001 - kept as the writer's error, shown by the next chunk
            self.writer.error = self.writer.error or f"lab book: {type(e).__name__}: {e}"

    def close(self) -> None:
        self.writer.close()


class SaveRun:
    """``Session.save_run`` (a Session inherits it)."""

    def save_run(self, path, queue_chunks: int = 64) -> RunMonitor:
        """Store this session's run from now on in the new folder ``path`` (see
        ``spark_lab.runs``): the model file, seed, versions, the values at the start, a lab
        book of every parameter change applied through the session with its simulation time,
        the session's recordings and every chunk's spike counts, appended by a background
        thread (memory: at most ``queue_chunks`` chunks wait for the disk). Returns the
        RunMonitor; the run is closed by ``monitor.close()``, ``remove_monitor`` or ``stop``.
        ParameterError for a path that exists and is not an empty folder."""
        return self.add_monitor(RunMonitor(path, self, queue_chunks))
