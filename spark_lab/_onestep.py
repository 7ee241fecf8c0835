"""The lean closed loop's one-step call as one native C++ call (``spark_lab_onestep``).

At K = 1 the XLA chunk of a network is ~9 thunks (fusions and custom calls) for ~20 us of
work: XLA:CPU recomputes the neuron update in every fusion that reads it, and each thunk
costs its dispatch. For the networks this module accepts, ``onestep_fn`` returns the step as
one custom call over the packed state (``_packed``): neurons, Poisson draws, propagation,
receptors, spike counts, the NaN/inf flag and the new packed state, written once.

It gives the bits of the XLA chunk (spark_lab/_native/onestep.cc says how; tests/test_onestep.py
compares the two), so nothing a user sees depends on which one ran. Accepted: one step (K = 1)
of a native-kernel float32 network whose families are all LIF neurons with 1 to 8
exponential current receptors, or Poisson sources; every projection without delay and in one
propagation group; no plasticity, modulators or records; inputs to pools, constant or per
step. Everything else (and ``SPARK_LAB_NATIVE_STEP=0``, for comparisons) keeps the XLA chunk.
"""
from __future__ import annotations

import os

import jax
import jax.numpy as jnp
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


def onestep_fn(lay, k, packing, state, args_def, qpacker, inputs, readout, on_trace):
    """The packed one-step call of this network for inputs ``inputs`` ((name, ndim) in the
    plan's order) counting ``readout`` (None: every pool), as a function (packed state,
    device argument leaves, input arrays) -> packed new state with the output vector behind
    it (``on_trace`` is called once per trace, as the chunk does); None where the network or
    call does not qualify (see the module docstring)."""
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
    from ._native import ONESTEP_TARGET
    g = lay.groups[0] if lay.groups else None
    call = jax.ffi.ffi_call(ONESTEP_TARGET, jax.ShapeDtypeStruct((tab.n_out,), jnp.int32))
    attrs = dict(fams=tab.fams, recs=tab.recs, ins=tab.ins, counts=tab.counts, words=np.int64(packing.words),
                 t_off=np.int64(tab.t_off),
                 n_pad=np.int64(lay.n_pad), n_slots=np.int64(lay.n_slots), dt=np.float32(lay.dt),
                 pmul=np.float32(lay.dt * 1e-3), propagate=g is not None,
                 packed=bool(g is not None and g.csr.packed), per_synapse=bool(g is not None and g.per_synapse))
    n_args = args_def.num_leaves

    def step(buf, *rest):
        on_trace()
        a = jax.tree_util.tree_unflatten(args_def, rest[:n_args])
        if g is None:
            rows = runs = targets = jnp.zeros((1,), jnp.int32)
            row_w = weights = jnp.zeros((1,), jnp.float32)
        else:
            nat = a.struct["native"][g.gid]
            rows, runs, targets = nat["rows"], nat["runs"], nat["targets"]
            row_w = a.derived["row_w"]
            weights = a.syn_w[g.gid + ":csr"] if g.per_synapse else a.derived["proj_w"][g.gid]
        return call(buf, a.prepared["float32"], rows, runs, targets, row_w, weights, a.struct["seed"],
                    *(x.astype(jnp.float32) for x in rest[n_args:]), **attrs)
    return step
