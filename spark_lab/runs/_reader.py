"""Reading a run folder back (``open_run``), including one whose writer was killed mid-way:
every file is read up to its last whole row or line."""
from __future__ import annotations

import glob
import json
import os

import numpy as np

from .._checks import brief
from ..errors import ParameterError
from . import _format as F


def open_run(path) -> Run:
    """The run stored in the folder ``path`` (written by ``Session.save_run`` or
    ``spark-lab run --run-dir``). ParameterError when it is not a run folder."""
    return Run(path)


def list_runs(folder) -> list:
    """The runs in the sub-folders of ``folder`` (those with a run.json), oldest first."""
    if not isinstance(folder, (str, os.PathLike)) or not os.path.isdir(folder):
        raise ParameterError("list_runs", "folder", f"got {brief(folder)}", "give a folder that holds run folders")
    found = sorted(os.path.dirname(p) for p in glob.glob(os.path.join(os.fspath(folder), "*", F.RUN_JSON)))
    return sorted((Run(p) for p in found), key=lambda r: (r.meta.get("started", ""), r.name))


def _rows(path: str, dtype) -> np.ndarray:
    """The whole rows of a file of ``dtype`` rows (a torn last row is left out)."""
    if not os.path.exists(path):
        return np.empty(0, dtype)
    n = os.path.getsize(path) // np.dtype(dtype).itemsize
    return np.fromfile(path, dtype, count=n)


class Run:
    """One stored run (see ``spark_lab.runs`` for the folder). Times are in ms; ``epoch``
    selects the part of the run between two resets (None: all of it, in order)."""

    def __init__(self, path):
        self.path = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
        meta_path = os.path.join(self.path, F.RUN_JSON) if isinstance(self.path, str) else None
        if meta_path is None or not os.path.isfile(meta_path):
            raise ParameterError("open_run", "path", f"{brief(path)} is not a run folder (no {F.RUN_JSON})",
                                 "give a folder written by Session.save_run or spark-lab run --run-dir")
        with open(meta_path, encoding="utf-8") as f:
            self.meta = json.load(f)
        if self.meta.get("format") != F.FORMAT:
            raise ParameterError("open_run", "format", f"got {brief(self.meta.get('format'))}",
                                 f"this version reads {F.FORMAT}")
        self.name = os.path.basename(os.path.normpath(self.path))
        self.seed, self.dt, self.versions = self.meta["seed"], self.meta["dt"], self.meta["versions"]
        self.pools = dict(self.meta["pools"])
        self._model = None

    def __repr__(self):
        return f"Run({self.path!r}, {self.status}, {self.t_end_ms:g} ms)"

    @property
    def status(self) -> str:
        """"closed" when the writer finished; "running" for a run still going or killed."""
        with open(os.path.join(self.path, F.RUN_JSON), encoding="utf-8") as f:
            return json.load(f).get("status", "running")

    @property
    def model(self):
        """The network as it was when the run began (a Network, from model.json)."""
        if self._model is None:
            from .. import model
            self._model = model.load(os.path.join(self.path, F.MODEL))
        return self._model

    def values(self) -> dict:
        """{(target, name): array} every run-time value when the run began."""
        with np.load(os.path.join(self.path, F.VALUES)) as z:
            return {tuple(k.split("|", 1)): z[k] for k in z.files}

    @property
    def lab_book(self) -> list:
        """The events of the run, oldest first (dicts; see ``spark_lab.runs``); the values of
        "set" events as numbers, lists, or arrays read from their .npy files."""
        out = []
        p = os.path.join(self.path, F.LABBOOK)
        if not os.path.exists(p):
            return out
        with open(p, encoding="utf-8") as f:
            for line in f:
                if not line.endswith("\n"):
                    break                                  # a torn last line
                e = json.loads(line)
                if isinstance(e.get("value"), dict) and "npy" in e["value"]:
                    e["value"] = np.load(os.path.join(self.path, e["value"]["npy"]))
                out.append(e)
        return out

    def param_log(self) -> list:
        """[(t_ms, epoch, target, name, value)] of every parameter change, in order."""
        return [(e["t_ms"], e["epoch"], e["target"], e["name"], e["value"])
                for e in self.lab_book if e["event"] == "set"]

    def chunks(self, epoch: int | None = None):
        """(t_start steps, lengths, {pool: spikes per chunk}) of every chunk written."""
        rows = _rows(os.path.join(self.path, F.CHUNKS), F.chunk_row(len(self.pools)))
        if epoch is not None:
            rows = rows[rows[:, 2] == epoch]
        return rows[:, 0], rows[:, 1], {p: rows[:, 3 + i] for i, p in enumerate(self.pools)}

    @property
    def epochs(self) -> int:
        """Epochs in the run (1 + the resets written)."""
        return 1 + sum(1 for e in self.lab_book if e["event"] == "reset")

    @property
    def t_end_ms(self) -> float:
        """Where the last chunk written ends (ms, in its epoch)."""
        t, n, _ = self.chunks()
        return float((t[-1] + n[-1]) * self.dt) if t.size else 0.0

    def rates(self, epoch: int | None = None):
        """(chunk start times in ms, {pool: population rate in Hz over each chunk})."""
        t, n, c = self.chunks(epoch)
        secs = np.maximum(n, 1) * self.dt * 1e-3
        return t * self.dt, {p: c[p] / (self.pools[p] * secs) for p in self.pools}

    def keys(self) -> list:
        """The recordings stored ("pool.var")."""
        return sorted({d["key"] for d in self._parts()})

    def _parts(self, key: str | None = None) -> list:
        out = []
        for p in sorted(glob.glob(os.path.join(self.path, F.RECORDS, "*.json"))):
            with open(p, encoding="utf-8") as f:
                d = json.load(f)
            if key is None or d["key"] == key:
                out.append(d)
        return sorted(out, key=lambda d: d["part"])

    def _known(self, key: str) -> list:
        parts = self._parts(key)
        if not parts:
            raise ParameterError("Run", "recording", f"{key} is not stored",
                                 f"stored: {', '.join(self.keys()) or '(nothing)'}")
        return parts

    def _read(self, d: dict, dtype, epoch):
        rows = _rows(os.path.join(self.path, F.RECORDS, f"{d['key']}.{d['part']}.bin"), dtype)
        return rows if epoch is None else rows[rows["epoch"] == epoch]

    def recorded_neurons(self, key: str) -> list:
        """Pool indices of the neurons recorded in ``key`` ("pool.var") in any of its parts
        (sorted; every neuron of the pool where a part recorded them all)."""
        pool = key.rsplit(".", 1)[0]
        parts = self._known(key)
        return sorted({i for d in parts for i in (range(self.pools[pool]) if d["neurons"] is None else d["neurons"])})

    def spike_trains(self, pool: str, epoch: int | None = None):
        """(spike times in ms, neuron indices in the pool) of the stored spikes of ``pool``."""
        rows = [self._read(d, F.SPIKE_ROW, epoch) for d in self._known(f"{pool}.spikes")]
        rows = np.concatenate(rows)
        return rows["step"] * self.dt, rows["neuron"]

    def trace(self, pool: str, var: str, epoch: int | None = None):
        """(sample times in ms, values (samples, neurons), neuron indices) of ``pool.var``.
        Parts with other neuron selections are put in the columns of the union of their
        neurons, NaN where a neuron was not recorded."""
        parts = self._known(f"{pool}.{var}")
        cols = self.recorded_neurons(f"{pool}.{var}")
        pos = {c: i for i, c in enumerate(cols)}
        ts, vs = [], []
        for d in parts:
            rows = self._read(d, F.trace_row(np.dtype(d["dtype"]), d["width"]), epoch)
            have = range(self.pools[pool]) if d["neurons"] is None else d["neurons"]
            v = np.full((rows.size, len(cols)), np.nan, np.dtype(d["dtype"]))
            v[:, [pos[c] for c in have]] = rows["v"]
            ts.append(rows["step"] * self.dt)
            vs.append(v)
        return np.concatenate(ts), np.concatenate(vs), np.asarray(cols)
