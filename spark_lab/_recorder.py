"""What a session keeps of its run: recordings in ring buffers, spike counts, chunk totals.

    rec = Recorder({"exc": 800, "inh": 200}, np.float32, buffer_steps=10_000, buffer_chunks=5_000)
    rec.configure(specs)                      # the union of what everyone wants recorded
    rec.push(t_start, steps, result)          # after every chunk (a RunResult)
    rec.recorded("exc", "v", neurons=[0, 3]); rec.chunk_history(); rec.export_npz(path, dt, t_ms)

Memory is fixed once the records are configured: each "pool.var" gets a ``RingBuffer`` of
``buffer_steps`` samples (plus one of their step indices), the chunk totals one of
``buffer_chunks`` rows, and the counts one int64 array per pool. Every method takes the
recorder's own lock, so a reader on another thread never sees a half-pushed chunk.
"""
from __future__ import annotations

import threading

import numpy as np

from ._outfile import output_path, replace_atomically
from ._ring import RingBuffer
from .errors import ParameterError
from .network import RecordSpec


class Recorder:
    """Ring buffers of the recordings, spike counts and per-chunk totals of one session.

    pool_sizes:    {pool: neurons}, in the network's pool order (the order of ``chunk_history``).
    fdtype:        dtype of recorded state variables (spikes are kept as bool).
    buffer_steps:  samples kept per recording; buffer_chunks: chunk totals kept (both >= 1).
    """

    def __init__(self, pool_sizes: dict, fdtype, buffer_steps: int, buffer_chunks: int):
        self._sizes = {p: int(n) for p, n in pool_sizes.items()}
        self._fdtype = fdtype
        self._buffer_steps = buffer_steps
        self._lock = threading.RLock()
        self._specs: tuple = ()
        self._rings: dict = {}                 # key -> (values ring, step-index ring, neurons)
        self._counts = {p: np.zeros(n, np.int64) for p, n in self._sizes.items()}
        self._counted_steps = 0
        self._t_end = None                     # step after the newest chunk pushed since clear
        self._chunk_counts = RingBuffer(buffer_chunks, (len(self._sizes),), np.int64, "spikes per chunk")
        self._chunk_t = RingBuffer(buffer_chunks, (2,), np.int64, "chunk start and length")

    @property
    def specs(self) -> tuple:
        """The RecordSpecs recorded, one per "pool.var" (pass them to ``Simulator.run``)."""
        return self._specs

    def configure(self, wanted) -> None:
        """Record the union of the checked RecordSpecs ``wanted``: one spec per "pool.var", with
        the smallest ``every``, the union of the neuron selections (None = all wins), the
        span of the ``between`` windows (None = always wins) and a ``when`` condition only
        when every spec of that "pool.var" has the same one. A recording whose neuron
        selection is unchanged keeps its buffer and its samples."""
        merged: dict = {}
        for r in wanted:
            old = merged.get(r.key)
            merged[r.key] = r if old is None else _merge(old, r)
        with self._lock:
            rings = {}
            for s in merged.values():
                prev = self._rings.get(s.key)
                if prev is not None and prev[2] == s.neurons:
                    rings[s.key] = prev
                    continue
                n = self._sizes[s.pool] if s.neurons is None else len(s.neurons)
                dtype = bool if s.var == "spikes" else self._fdtype
                rings[s.key] = (RingBuffer(self._buffer_steps, (n,), dtype, f"recording {s.key}"),
                                RingBuffer(self._buffer_steps, (), np.int64, f"times of {s.key}"), s.neurons)
            self._specs = tuple(merged.values())
            self._rings = rings

    def push(self, t_start: int, steps: int, result, specs) -> None:
        """Keep what one chunk of ``steps`` steps from ``t_start`` produced (a RunResult run with
        ``specs``, the value ``specs`` had when the chunk started)."""
        with self._lock:
            for s in specs:
                d, t, _ = self._rings[s.key]
                d.push(result.records[s.key])
                t.push(result.times[s.key])
            for p, c in result.counts.items():
                self._counts[p] += c
            self._counted_steps += steps
            self._t_end = t_start + steps
            self._chunk_counts.push(np.array([[int(result.counts[p].sum()) for p in self._sizes]]))
            self._chunk_t.push(np.array([[t_start, steps]]))

    def clear(self) -> None:
        """Forget every sample, count and chunk total (the buffers stay allocated)."""
        with self._lock:
            for d, t, _ in self._rings.values():
                d.clear()
                t.clear()
            for v in self._counts.values():
                v[:] = 0
            self._counted_steps = 0
            self._t_end = None
            self._chunk_counts.clear()
            self._chunk_t.clear()

    def counts(self) -> dict:
        """{pool: (n,) int64} spikes per neuron since the last clear (a copy)."""
        with self._lock:
            return {k: v.copy() for k, v in self._counts.items()}

    @property
    def counted_steps(self) -> int:
        """Steps covered by ``counts``."""
        return self._counted_steps

    def rates(self, dt: float) -> dict:
        """{pool: mean rate in Hz since the last clear}, for a time step of ``dt`` ms."""
        with self._lock:
            s = self._counted_steps * dt * 1e-3
            return {k: (float(v.sum()) / v.size / s if s > 0 else 0.0) for k, v in self._counts.items()}

    def recorded(self, pool: str, var: str = "spikes", neurons=None, last: int | None = None):
        """(step indices, values) of the newest ``last`` samples kept of ``pool.var`` (all kept
        when None); ``neurons`` selects columns by pool index. ParameterError if not recorded."""
        key = f"{pool}.{var}"
        with self._lock:
            if key not in self._rings:
                raise ParameterError("Session", "recorded", f"{key} is not recorded",
                                     f"recorded: {', '.join(self._rings) or '(nothing)'}")
            data, times, have = self._rings[key]
            vals, ts = data.latest(last), times.latest(last)
        if neurons is not None:
            vals = vals[:, columns(have, neurons, key)]
        return ts, vals

    def keys(self) -> list:
        """The "pool.var" recordings kept."""
        return list(self._rings)

    def neurons(self, key: str):
        """Neuron indices kept for the recording ``key`` ("pool.var"; None: all of the pool)."""
        return self._rings[key][2]

    def chunk_history(self, last: int | None = None):
        """(starts, lengths, {pool: spikes per chunk}) for the newest ``last`` chunks kept."""
        with self._lock:
            tl, c = self._chunk_t.latest(last), self._chunk_counts.latest(last)
        return tl[:, 0], tl[:, 1], {p: c[:, i] for i, p in enumerate(self._sizes)}

    @property
    def nbytes(self) -> int:
        """Bytes held by the ring buffers (fixed once the records are configured)."""
        with self._lock:
            return sum(d.nbytes + t.nbytes for d, t, _ in self._rings.values()) + \
                self._chunk_counts.nbytes + self._chunk_t.nbytes

    def snapshot(self) -> dict:
        """A copy of everything an export writes, taken under the lock (so never half a chunk):
        {"records": {key: (values, step indices, neurons or None)}, "counts": {pool: (n,)},
        "t_end": step index after the newest chunk pushed since the last clear, or None}."""
        with self._lock:
            return {"records": {k: (d.latest(), t.latest(), neurons) for k, (d, t, neurons) in self._rings.items()},
                    "counts": {p: c.copy() for p, c in self._counts.items()}, "t_end": self._t_end}

    def export_npz(self, path, dt: float, t_ms: float) -> None:
        """Write the recordings to the .npz file ``path`` (exactly that name): for each "pool.var"
        the arrays "<pool.var>" (samples, neurons), "<pool.var>.t_ms" and "<pool.var>.neurons",
        plus "counts.<pool>", "dt_ms" (``dt``, the time step in ms) and "t_ms" (the time the
        recordings reach: the end of the newest chunk, or ``t_ms`` when none ran since the last
        clear). The data is copied under the lock and written outside it (pushes go on
        meanwhile); the file appears complete or not at all. ParameterError for a ``path`` that
        is not a file name (see ``output_path``)."""
        target = output_path(path, "Session.export_npz")
        snap = self.snapshot()
        t_reached = t_ms if snap["t_end"] is None else snap["t_end"] * dt
        arrays = {"dt_ms": np.float64(dt), "t_ms": np.float64(t_reached)}
        for key, (data, steps, neurons) in snap["records"].items():
            arrays[key] = data
            arrays[f"{key}.t_ms"] = steps * dt
            arrays[f"{key}.neurons"] = np.arange(data.shape[1]) if neurons is None else np.asarray(neurons)
        for p, c in snap["counts"].items():
            arrays[f"counts.{p}"] = c
        with replace_atomically(target) as fh:
            np.savez(fh, **arrays)

    def export_csv(self, path, dt: float) -> None:
        """Write the recordings to a long-format CSV ``record,t_ms,neuron,value`` (``dt``: the
        time step in ms): spikes one row per spike (value 1), state variables one row per
        sample and neuron. Numbers are written so that they read back exactly: float32 values
        with 9 significant digits, float64 ones with 17, times
        in ms with 15 (step * dt to within 1e-15). Written from a snapshot,
        outside the lock, complete or not at all, like ``export_npz``."""
        target = output_path(path, "Session.export_csv")
        snap = self.snapshot()
        with replace_atomically(target, text=True) as fh:
            fh.write("record,t_ms,neuron,value\n")
            for key, (data, steps, neurons) in snap["records"].items():
                _write_csv_rows(fh, key, data, steps * dt, neurons)


def _merge(a: RecordSpec, b: RecordSpec) -> RecordSpec:
    """One spec of a "pool.var" that keeps at least what ``a`` and ``b`` keep (``every`` aside:
    the smaller one)."""
    neurons = None if a.neurons is None or b.neurons is None else tuple(sorted(set(a.neurons) | set(b.neurons)))
    between = None
    if a.between is not None and b.between is not None:
        ends = (a.between[1], b.between[1])
        between = (min(a.between[0], b.between[0]), None if None in ends else max(ends))
    return RecordSpec(a.pool, a.var, min(a.every, b.every), neurons, between, a.when if a.when == b.when else None)


def _write_csv_rows(fh, key: str, data, t_ms, neurons, rows_per_block: int = 100_000) -> None:
    """The CSV rows of one recording (``data``: (samples, neurons); ``t_ms``: (samples,)),
    formatted about ``rows_per_block`` rows at a time, so the text in memory stays bounded."""
    n = data.shape[1]
    if n == 0:
        return
    idx = np.arange(n) if neurons is None else np.asarray(neurons)
    spikes = data.dtype == bool
    digits = 9 if data.dtype.itemsize <= 4 else 17
    fmt = f"{key},%.15g,%d,1\n" if spikes else f"{key},%.15g,%d,%.{digits}g\n"
    per = max(1, rows_per_block // n)
    for lo in range(0, data.shape[0], per):
        blk = data[lo:lo + per]
        if spikes:
            ti, ni = np.nonzero(blk)
            cols = (t_ms[lo + ti].tolist(), idx[ni].tolist())
        else:
            cols = (np.repeat(t_ms[lo:lo + per], n).tolist(), np.tile(idx, blk.shape[0]).tolist(),
                    blk.ravel().tolist())
        fh.write((fmt * len(cols[0])) % tuple(v for row in zip(*cols) for v in row))


def columns(have, want, key: str) -> np.ndarray:
    """Column positions of the pool indices ``want`` in a recording ``key`` that kept the
    neurons ``have`` (None: all, so positions are the indices); ParameterError for a neuron
    that is not kept."""
    want = np.atleast_1d(np.asarray(want, np.int64))
    if have is None:
        return want
    pos = {n: i for i, n in enumerate(have)}
    missing = [int(n) for n in want if int(n) not in pos]
    if missing:
        raise ParameterError(f"recording {key}", "neurons", f"neuron {missing[0]} is not recorded",
                             f"recorded: {list(have)[:10]}{'...' if len(have) > 10 else ''}")
    return np.array([pos[int(n)] for n in want], np.int64)
