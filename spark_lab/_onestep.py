"""The lean closed loop's one-step call as one native C++ call (``SparkLabOneStep``), from Python.

At K = 1 the XLA chunk of a network is ~9 thunks (fusions and custom calls) for ~20 us of
work: XLA:CPU recomputes the neuron update in every fusion that reads it, and each thunk
costs its dispatch; and the jitted call itself costs ~15-20 us of dispatch over its argument
leaves. For the networks this module accepts, ``onestep_fn`` returns the step as one plain C
call through ctypes (``HostStep``) over the packed state (``_packed``): neurons, Poisson draws,
propagation, receptors, spike counts, the NaN/inf flag and the new packed state, written once,
with no JAX dispatch and no trace (it does not count in ``compile_count``).

It gives the bits of the XLA chunk (spark_lab/_native/onestep.cc says how; tests/test_onestep.py
compares the two), so nothing a user sees depends on which one ran. Accepted: one step (K = 1)
of a native-kernel float32 network whose families are all LIF neurons with 1 to 8
exponential current receptors, or Poisson sources; every projection without delay and in one
propagation group; no plasticity, modulators or records; inputs to pools, constant or per
step. Everything else (and ``SPARK_LAB_NATIVE_STEP=0``, for comparisons) keeps the XLA chunk.
"""
from __future__ import annotations

import ctypes
import os

import jax
import numpy as np

from .neurons.lif import LIF
from .neurons.poisson import PoissonSource
from .synapses.exponential import Exponential

FAM, REC, IN = 16, 8, 4          # row widths of the tables (onestep.cc)


def _path(p) -> tuple:
    return tuple(getattr(k, "key", getattr(k, "idx", None)) for k in p)


class _Tables:
    """The integer tables of one network (onestep.cc), or ``why`` it does not qualify."""

    def __init__(self, lay, packing, state, qpacker, inputs, readout):
        self.why = None
        words = {_path(p): (o, dt) for (p, _), (o, _, _, dt) in
                 zip(jax.tree_util.tree_flatten_with_path(state)[0], packing.parts)}
        qidx = jax.tree_util.tree_unflatten(qpacker.treedef, list(range(len(qpacker.layout))))
        self.written = set()
        fams, recs = [], []
        for f in lay.families:
            row = np.zeros(FAM, np.int64)
            row[1:3] = f.n, f.offset
            qf = qidx["fam"][f.index]
            if type(f.model) is PoissonSource and not f.receptors:
                row[0], row[3] = 1, lay.noise_streams[(f.pools[0], "u")]
                row[4:6] = self._q(qpacker, qf["pool"]["rate"], f.n)
            elif type(f.model) is LIF and 1 <= len(f.receptors) <= 8:
                row[3] = self._word(words, ("fam", f.index, "pool", "v"), np.float32)
                row[4] = self._word(words, ("fam", f.index, "pool", "last"), np.int32)
                for k, name in enumerate(("v_rest", "a_m", "t_ref", "v_th", "v_reset")):
                    row[5 + 2 * k:7 + 2 * k] = self._q(qpacker, qf["pool"][name], f.n)
                for k, rs in enumerate(f.receptors):
                    if type(lay.receptors[rs[0]].synapse) is not Exponential:
                        self.why = self.why or f"family {f.index}: receptor {k} is not Exponential"
                    r = np.zeros(REC, np.int64)
                    r[0] = f.index
                    r[1] = self._word(words, ("fam", f.index, "rec", k, "I"), np.float32)
                    r[2:4] = self._q(qpacker, qf["rec"][k]["a"], f.n)
                    r[4:6] = self._q(qpacker, qf["pool"]["c_exp"][k], f.n)
                    r[6] = f.rec_offset[k]
                    recs.append(r)
            else:
                self.why = self.why or f"family {f.index}: {type(f.model).__name__} with {len(f.receptors)} receptors"
            fams.append(row)
        self.t_off = self._word(words, ("t",), np.int32)
        if self.why is None and self.written != set(words):
            self.why = f"state leaves the step does not write: {sorted(set(words) - self.written)}"
        self.fams = np.concatenate(fams)
        self.recs = np.concatenate(recs) if recs else np.zeros(0, np.int64)
        self.ins = np.array([[lay.pools[nm].family, lay.pools[nm].local, lay.pools[nm].n, 0 if nd == 1 else 1]
                             for nm, nd in inputs], np.int64).reshape(-1)
        counted = list(lay.pools) if readout is None else list(readout)
        self.counts = np.array([[lay.pools[nm].offset, lay.pools[nm].n] for nm in counted], np.int64).reshape(-1)
        self.n_out = packing.words + 1 + sum(lay.pools[nm].n for nm in counted)

    def _word(self, words, path, dtype):
        if path not in words or words[path][1] != np.dtype(dtype):
            self.why = self.why or f"state leaf {path} missing or not {np.dtype(dtype).name}"
            return 0
        self.written.add(path)
        return words[path][0]

    def _q(self, qpacker, i, n):
        kind, o, size = qpacker.layout[i]
        if kind != "float32" or size not in (1, n):
            self.why = self.why or f"parameter {i} is {kind} of size {size}"
        return o, 1 if size == n else 0


class HostStep:
    """The one-step call of one plan (network, inputs, counted pools) as a host function:
    ``step(buf, leaves, inputs)`` runs SparkLabOneStep on the packed state ``buf`` (a numpy or
    CPU JAX int32 buffer, only read), the device argument leaves and the input arrays, and
    returns the int32 buffer it wrote: the new packed state, then the finite flag and counts.

    Two output buffers take turns (whichever is not ``buf``), so a call allocates nothing and
    every address is computed once: a returned buffer stays valid as the next call's state and
    is written again by the call after that; copy what must live longer. The parameters are
    read in place from the device arrays (``np.asarray`` of a CPU array is a view), their
    addresses taken again only when the leaves tuple changes (a new parameter version)."""

    def __init__(self, tab, lay, args_def, words, inputs):
        g = lay.groups[0] if lay.groups else None
        flags = (g is not None) | 2 * bool(g is not None and g.csr.packed) | 4 * bool(g is not None and g.per_synapse)
        bits = [int(np.float32(x).view(np.int32)) for x in (lay.dt, lay.dt * 1e-3)]
        head = [len(tab.fams) // FAM, len(tab.recs) // REC, len(tab.ins) // IN, len(tab.counts) // 2,
                words, tab.t_off, lay.n_pad, lay.n_slots, flags, *bits]
        self._h = np.concatenate([np.array(head, np.int64), tab.fams, tab.recs, tab.ins, tab.counts])
        self._g, self._args_def, self._words = g, args_def, words
        self._ins = [np.zeros((lay.pools[nm].n,) if nd == 1 else (1, lay.pools[nm].n), np.float32)
                     for nm, nd in inputs]
        self._bufs = [np.zeros(tab.n_out, np.int32) for _ in range(2)]
        self._addr = [b.ctypes.data for b in self._bufs]
        self._ptrs = (ctypes.c_void_p * (7 + len(inputs)))()
        self._tables = (self._h.ctypes.data, ctypes.addressof(self._ptrs))
        self._leaves = self._views = None
        from ._native import onestep
        self._fn = onestep()

    def _point(self, leaves):
        """Fill the pointer table from the argument leaves (see onestep.cc for the order)."""
        a = jax.tree_util.tree_unflatten(self._args_def, leaves)
        g = self._g
        if g is None:
            nat = {k: np.zeros(1, np.int32) for k in ("rows", "runs", "targets")}
            row_w = weights = np.zeros(1, np.float32)
        else:
            nat, row_w = a.struct["native"][g.gid], a.derived["row_w"]
            weights = a.syn_w[g.gid + ":csr"] if g.per_synapse else a.derived["proj_w"][g.gid]
        views = [np.asarray(x) for x in (a.prepared["float32"], nat["rows"], nat["runs"], nat["targets"],
                                         row_w, weights, a.struct["seed"])] + self._ins
        if any(not v.flags.c_contiguous or v.dtype.itemsize != 4 for v in views):
            raise RuntimeError("spark_lab: a one-step argument is not a contiguous 32-bit array")
        for j, v in enumerate(views):
            self._ptrs[j] = v.ctypes.data
        self._leaves, self._views = leaves, views

    def __call__(self, buf, leaves, inputs):
        if leaves is not self._leaves:
            self._point(leaves)
        for dst, x in zip(self._ins, inputs):
            np.copyto(dst, x)
        if buf is self._bufs[0]:
            i, src = 1, self._addr[0]
        elif buf is self._bufs[1]:
            i, src = 0, self._addr[1]
        else:
            buf = np.asarray(buf)
            if buf.dtype != np.int32 or buf.ndim != 1 or buf.shape[0] < self._words or not buf.flags.c_contiguous:
                raise RuntimeError("spark_lab: the one-step state is not a packed int32 buffer")
            i, src = 0, buf.ctypes.data
        if self._fn(*self._tables, src, self._addr[i]) != 0:
            raise RuntimeError("spark_lab: the one-step call refused its tables (a bug; set SPARK_LAB_NATIVE_STEP=0)")
        return self._bufs[i]


def onestep_fn(lay, k, packing, state, args_def, qpacker, inputs, readout):
    """The one-step call (``HostStep``) of this network for inputs ``inputs`` ((name, ndim) in
    the plan's order) counting ``readout`` (None: every pool); None where the network or call
    does not qualify (see the module docstring)."""
    if os.environ.get("SPARK_LAB_NATIVE_STEP", "1") == "0" or k != 1 or not lay.native:
        return None
    if lay.plastic or lay.modulators or any(d != 0 for d in lay.delays) or len(lay.groups) > 1:
        return None
    if any(nm not in lay.pools or nd not in (1, 2) for nm, nd in inputs):
        return None
    if any(f.offset != sum(g.n for g in lay.families[:f.index]) for f in lay.families):
        return None
    tab = _Tables(lay, packing, state, qpacker, inputs, readout)
    if tab.why is not None:
        return None
    from ._native import onestep
    return HostStep(tab, lay, args_def, packing.words, inputs) if onestep() is not None else None
