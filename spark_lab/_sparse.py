"""Event-driven synaptic propagation: pure JAX (CPU and GPU) and, on the CPU, an optional
C++ kernel over the same data (spark_lab/_native), chosen by ``lax.platform_dependent``.

Layout: synapses that share a delay are fused into padded "ELL" rows, one row per
presynaptic neuron (global index), each row listing the accumulator slots its
spikes reach. Per step:

1. compaction: the inclusive prefix sum of the spike vector (two small triangular
   matmuls, exact below 2**24 spikes) and ``searchsorted`` give the indices of the
   first M spiking neurons (``jnp.nonzero`` is ~4x slower on XLA:CPU);
2. gather their rows and scatter-add into the accumulator; padding entries point at
   distinct out-of-range slots that the scatter drops (a shared dummy slot would
   serialise the adds);
3. if more than M neurons spiked, further batches of M run in a ``fori_loop`` under
   ``lax.cond``: no spike is ever dropped.

Two kinds of group:

* ``class`` groups hold projections with one weight each (the fast path). A row
  carries one factor per presynaptic neuron (its Dale sign, ``-g_inh`` for inhibitory
  neurons); the projection weight is applied after the scatter: every projection into
  a receptor gets its own "class" block of the accumulator, and
  ``arrivals = sum_c acc[c] * W[c]``. So every projection keeps its own run-time
  weight while all of them share one gather and one scatter per step.
* ``synapse`` groups hold projections with one weight per synapse, stored in the
  ELL layout beside the targets (about half as fast: one more gather per synapse).

Row targets are packed two uint16 per int32 when the slot space allows it (half the
gather traffic).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import jax.numpy as jnp
import numpy as np
from jax import lax

BLOCK = 64


def prefix_count(x):
    """Inclusive prefix sum of a 0/1 vector whose length is a multiple of 64, as int32."""
    n = x.shape[0]
    nb = n // BLOCK
    if nb > 256:                      # the block matrix would be large: plain cumsum
        return jnp.cumsum(x.astype(jnp.int32))
    prec = lax.Precision.HIGHEST
    xb = x.astype(jnp.float32).reshape(nb, BLOCK)
    within = jnp.matmul(xb, jnp.triu(jnp.ones((BLOCK, BLOCK), jnp.float32)), precision=prec)
    off = jnp.matmul(within[:, -1], jnp.triu(jnp.ones((nb, nb), jnp.float32), 1), precision=prec)
    return (within + off[:, None]).reshape(n).astype(jnp.int32)


@dataclass
class EllGroup:
    """Static description of one fused group."""
    gid: str
    delay: int                  # steps
    per_synapse: bool           # weights per synapse (else per-row factor + class weights)
    packed: bool                # uint16 pairs in int32
    width: int                  # padded row width Dp
    n_classes: int              # accumulator blocks (class groups); 1 for synapse groups
    targets: np.ndarray         # (rows, Dp//2) int32 if packed else (rows, Dp) int32
    projections: list           # names of the fused projections
    slot_index: dict = field(default_factory=dict)   # synapse groups: name -> flat ELL index per synapse
    klass: dict = field(default_factory=dict)        # class groups: name -> class index


def build_ell(gid, delay, per_synapse, rows, n_slots, pre, tgt, proj_of_syn, proj_names, klass=None):
    """Fuse synapses (global pre row, accumulator target) into an ELL group.

    ``tgt`` already includes the class offset (class * n_slots + slot). ``proj_of_syn``
    gives, for each synapse, its projection's index into ``proj_names``; the synapses
    of a projection are in that projection's own order.
    """
    n_classes = 1 if per_synapse else 1 + max(klass.values(), default=0)
    space = n_classes * n_slots
    order = np.argsort(pre, kind="stable")
    pre_s = pre[order]
    deg = np.bincount(pre_s, minlength=rows)
    D = int(deg.max()) if pre.size else 0
    Dp = max(2, D + (D % 2))
    start = np.concatenate([[0], np.cumsum(deg)[:-1]])
    col = np.arange(pre_s.size) - start[pre_s]
    packed = space + Dp <= 65535
    T = np.tile((space + np.arange(Dp)).astype(np.int64), (rows, 1))    # distinct dropped pads
    T[pre_s, col] = tgt[order]
    targets = (np.ascontiguousarray(T.astype(np.uint16)).view(np.int32) if packed else T.astype(np.int32))
    flat = np.empty(pre.size, np.int64)
    flat[order] = pre_s * Dp + col
    slot_index = {name: flat[proj_of_syn == k] for k, name in enumerate(proj_names)} if per_synapse else {}
    return EllGroup(gid, delay, per_synapse, packed, Dp, n_classes, targets, list(proj_names),
                    slot_index, dict(klass or {}))


def _gather_targets(group: EllGroup, targets, idx):
    t = targets.at[idx].get(mode="promise_in_bounds")
    if group.packed:
        t = lax.bitcast_convert_type(t, jnp.uint16).reshape(idx.shape[0], group.width)
    return t.astype(jnp.int32)


def propagate(spikes_padded, groups, targets, row_w, class_w, syn_w, n_slots, batch, dtype=jnp.float32,
              native=False):
    """Summed arriving weight per accumulator slot, one (n_slots,) vector per delay.

    spikes_padded: bool (R,), R a multiple of 64 (rows of the ELL = R + 1).
    row_w: (R+1,) per-row factor for class groups; class_w: gid -> (C, n_slots) weights;
    syn_w: gid -> (R+1, Dp) per-synapse weights.
    native: on the CPU use the C++ kernel (spark_lab/_native) through ``jax.ffi``; other
    platforms (GPU) take the pure-JAX path, selected by ``lax.platform_dependent``.
    """
    args = (spikes_padded, targets, row_w, class_w, syn_w)
    if native and groups:
        return lax.platform_dependent(
            *args, cpu=lambda *a: _propagate_native(*a, groups, n_slots),
            default=lambda *a: _propagate_jax(*a, groups, n_slots, batch, dtype))
    return _propagate_jax(*args, groups, n_slots, batch, dtype)


def _sum_by_delay(groups, arrivals):
    out = {}
    for g, a in zip(groups, arrivals):
        out[g.delay] = a if g.delay not in out else out[g.delay] + a
    return out


def _propagate_native(spikes, targets, row_w, class_w, syn_w, groups, n_slots):
    import jax
    from ._native import TARGET

    call = jax.ffi.ffi_call(TARGET, jax.ShapeDtypeStruct((n_slots,), jnp.float32))
    dummy = jnp.zeros((1,), jnp.float32)
    spk = spikes.astype(bool)
    arrivals = []
    for g in groups:
        if g.per_synapse:
            tg, sw, cw, n_classes = targets[g.gid], syn_w[g.gid], dummy, g.n_classes
        else:                   # class group in the kernel's per-synapse form (simulator._native_layout)
            tg, sw, cw, n_classes = targets[g.gid + ":n"], class_w[g.gid + ":n"], dummy, 1
        arrivals.append(call(spk, tg.reshape(-1), row_w, sw.reshape(-1), cw,
                             n_slots=np.int64(n_slots), n_classes=np.int64(n_classes),
                             width=np.int64(g.width), packed=bool(g.packed), per_synapse=True))
    return _sum_by_delay(groups, arrivals)


def _propagate_jax(spikes_padded, targets, row_w, class_w, syn_w, groups, n_slots, batch, dtype):
    n = spikes_padded.shape[0]
    c = prefix_count(spikes_padded)
    total = c[-1]
    M = min(batch, n)
    ar = jnp.arange(1, M + 1, dtype=jnp.int32)

    def run_batch(b, accs):
        idx = jnp.searchsorted(c, b * M + ar, side="left", method="scan_unrolled")
        accs = dict(accs)
        rw = None
        for g in groups:
            tg = _gather_targets(g, targets[g.gid], idx)
            if g.per_synapse:
                w = syn_w[g.gid].at[idx].get(mode="promise_in_bounds")
            else:
                if rw is None:
                    rw = row_w.at[idx].get(mode="promise_in_bounds")
                w = jnp.broadcast_to(rw[:, None], tg.shape)
            accs[g.gid] = accs[g.gid].at[tg.ravel()].add(w.ravel(), mode="drop")
        return accs

    accs = {g.gid: jnp.zeros((g.n_classes * n_slots,), dtype) for g in groups}
    if groups:
        accs = run_batch(0, accs)
        if M < n:
            accs = lax.cond(total > M,
                            lambda a: lax.fori_loop(1, (total + M - 1) // M, run_batch, a),
                            lambda a: a, accs)
    arrivals = []
    for g in groups:
        a = accs[g.gid]
        if not g.per_synapse:
            a = (a.reshape(g.n_classes, n_slots) * class_w[g.gid]).sum(0) if g.n_classes > 1 \
                else a * class_w[g.gid][0]
        arrivals.append(a)
    return _sum_by_delay(groups, arrivals)
