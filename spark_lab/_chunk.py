"""The compiled chunk: K steps of a network as one pure function of its arguments.

``make_chunk(layout, K, specs, input_layout, readout, qpack, on_trace)`` returns
``chunk(state, args, inputs) -> (state, out, ys)`` with ``args`` a
:class:`~spark_lab._paramstore.DeviceArgs`. ``out`` is int32 ``[finite flag, spike counts of
the counted pools]``; ``ys`` one array per record spec (samples, neurons). Nothing outside
the arguments is read at run time, so the same function serves ``jax.jit`` and ``jax.vmap``
(batching). ``on_trace`` is called once per trace (the caller counts compilations).
"""
from __future__ import annotations

import collections

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import _random, _sparse
from . import plasticity as _plasticity
from .neurons._base import SynInput


def make_chunk(layout, K: int, specs, input_layout, readout, qpack, on_trace):
    """The chunk function of ``layout`` for K steps, recording ``specs`` (RecordSpec), with
    inputs of ``input_layout`` ((name, ndim) pairs; ndim 2 for pool inputs per step), counting
    the ``readout`` pools (None: every pool). ``qpack`` unpacks ``DeviceArgs.prepared``."""
    lay, fdtype, K = layout, layout.fdtype, int(K)
    fams, pools = lay.families, lay.pools
    per_step = {nm for nm, nd in input_layout if nd == 2} | set(lay.modulators)
    counted = list(pools) if readout is None else list(readout)
    # spike counts accumulate per family when two or more of its pools are counted (one add
    # per step instead of one per pool: XLA:CPU pays per op in the loop), else per pool
    n_counted = collections.Counter(pools[nm].family for nm in counted)
    acc = {nm: f"#{pools[nm].family}" if n_counted[pools[nm].family] > 1 else nm for nm in counted}
    rec_groups, rec_parts = _record_plan(lay, specs)
    step = _step_fn(lay, rec_groups)

    def chunk(state, args, inputs):
        on_trace()                          # runs only while tracing
        q = qpack.unpack(args.prepared)
        steps = state["t"] + jnp.arange(K, dtype=jnp.int32)
        noise = {}                          # for the whole chunk at once, outside the time loop
        for f in fams:
            for name in f.model.NOISE:       # stream: (pool name, noise name)
                u = _random.uniform(args.struct["seed"], lay.noise_streams[(f.pools[0], name)], steps, f.n)
                noise.setdefault(str(f.index), {})[name] = u.astype(fdtype)
        const_in = {nm: a for nm, a in inputs.items() if nm not in per_step}
        xs_in = {nm: a for nm, a in inputs.items() if nm in per_step}
        xs_in["_noise"] = noise
        fam_const = [_fam_input(lay, f, const_in) if any(nm in const_in for nm in f.pools) else None for f in fams]
        cnt0 = {k: jnp.zeros((fams[int(k[1:])].n if k[0] == "#" else pools[k].n,), jnp.int32)
                for k in dict.fromkeys(acc.values())}

        def body(carry, xs):
            return step(carry, xs, q, args, fam_const)
        if K == 1:
            (st, cnt), ys = body((state, cnt0), jax.tree_util.tree_map(lambda a: a[0], xs_in))
            ys = tuple(y[None] for y in ys)
        else:
            (st, cnt), ys = lax.scan(body, (state, cnt0), xs_in, length=K)
        ys = tuple(ys[g][:, o:o + m] for g, o, m in rec_parts)      # back to one array per spec
        floats = [v for v in jax.tree_util.tree_leaves(st) if jnp.issubdtype(v.dtype, jnp.floating)]
        ok = jnp.all(jnp.stack([jnp.all(jnp.isfinite(v)) for v in floats] or [jnp.array(True)]))
        out = jnp.concatenate([ok.astype(jnp.int32)[None]] + [
            cnt[nm] if acc[nm] == nm else cnt[acc[nm]][pools[nm].local:pools[nm].local + pools[nm].n]
            for nm in counted])
        return st, out, ys

    return chunk


def _record_plan(lay, specs):
    """Records: specs of one family and variable are gathered together in the loop (one op
    per step instead of one per pool), then split per spec after it.
    -> ([((family, var), index: None | slice | int array)], [(group, start, size) per spec])."""
    rec_groups, rec_parts, gi = [], [], {}
    for spec in specs:
        p = lay.pools[spec.pool]
        sel = np.arange(p.n) if spec.neurons is None else np.asarray(spec.neurons)
        g = gi.setdefault((p.family, spec.var), len(gi))
        if g == len(rec_groups):
            rec_groups.append([(p.family, spec.var), []])
        rec_parts.append((g, sum(len(a) for a in rec_groups[g][1]), sel.size))
        rec_groups[g][1].append(p.local + sel)
    for grp in rec_groups:
        idx = np.concatenate(grp[1])
        whole = idx.size == lay.families[grp[0][0]].n and np.array_equal(idx, np.arange(idx.size))
        contiguous = idx.size > 0 and np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size))
        # a contiguous range (e.g. one pool of a family) is a static slice, not a gather per step
        grp[1] = None if whole else (slice(int(idx[0]), int(idx[0]) + idx.size) if contiguous
                                     else jnp.asarray(idx, jnp.int32))
    return rec_groups, rec_parts


def _fam_input(lay, f, src):
    """External input of a family: members' inputs concatenated, zeros where none."""
    parts = [src[nm] if nm in src else jnp.zeros((lay.pools[nm].n,), lay.fdtype) for nm in f.pools]
    return parts[0] if len(parts) == 1 else jnp.concatenate(parts)


def _neurons(lay, st, q, struct, xs, fam_const):
    """One neuron step of every family. -> (new family states with the old receptor states
    decayed, spikes per family)."""
    new_fam, spikes = [], []
    for f in lay.families:
        fi, model = f.index, f.model
        fs, qf = st["fam"][fi], q["fam"][fi]
        syns = [lay.receptors[rs[0]].synapse for rs in f.receptors]
        v = fs["pool"].get(model.VOLTAGE) if model.VOLTAGE else None
        cur, jump, exp_terms = None, None, []
        for syn, rs, qr in zip(syns, fs["rec"], qf["rec"]):
            c, j, e = syn.input(rs, qr, v)
            cur = c if cur is None else (cur if c is None else cur + c)
            jump = j if jump is None else (jump if j is None else jump + j)
            exp_terms.extend(e)
        zeros = jnp.zeros((f.n,), lay.fdtype)
        cur = zeros if cur is None else cur
        jump = zeros if jump is None else jump
        if fam_const[fi] is not None:
            cur = cur + fam_const[fi]
        if any(nm in xs for nm in f.pools):
            cur = cur + _fam_input(lay, f, xs)
        qp = {**qf["pool"], "_struct": struct["fam"][fi]}
        ns, spk = model.step(fs["pool"], qp, SynInput(cur, jump, tuple(exp_terms)), st["t"], lay.dt,
                             xs["_noise"].get(str(fi)))
        rec = [syn.decay(rs, qr) for syn, rs, qr in zip(syns, fs["rec"], qf["rec"])]
        new_fam.append({"pool": {k: ns[k] for k in model.STATE + model.INT_STATE}, "rec": rec})
        spikes.append(spk)
    return new_fam, spikes


def _plastic(lay, pst, pq, pstruct, sp, row_w, mods):
    """Deliver the spikes of the plastic projections and update their weights.
    -> (new plastic state, {delay: (n_slots,) arriving weight})."""
    out, arrive, fdtype, dt = [], {}, lay.fdtype, lay.dt
    for nm, ps, qs, ix in zip(lay.plastic, pst, pq, pstruct):
        p = lay.projections[nm]
        pre, post = lay.pools[p.pre_pool], lay.pools[p.post_pool]
        pre_spk = lax.dynamic_slice_in_dim(sp, pre.offset, pre.n)
        post_spk = lax.dynamic_slice_in_dim(sp, post.offset, post.n)
        rs, eff = list(ps["rules"]), None
        for i, (rule, q) in enumerate(zip(p.rules, qs)):
            rs[i], e = rule.efficacy(rs[i], q, pre_spk, dt)
            if e is not None:
                eff = e if eff is None else eff * e
        w = ps["w"]
        # what each synapse delivers now: w * sign (Dale) * efficacy, where the pre neuron spiked
        src = jnp.where(pre_spk, 1.0 if eff is None else eff, 0.0).astype(fdtype)
        x = jax.ops.segment_sum(w * row_w[ix["row"]] * src[ix["pre"]], ix["slot"], num_segments=lay.n_slots)
        arrive[p.delay] = x if p.delay not in arrive else arrive[p.delay] + x
        ctx = _plasticity.Context(pre_spk.astype(fdtype), post_spk.astype(fdtype), ix["pre"], ix["post"],
                                  jnp.zeros((), fdtype), dt)
        for i, (rule, q) in enumerate(zip(p.rules, qs)):
            if rule.modulator:
                ctx = ctx._replace(modulator=mods[rule.modulator])
            rs[i], w = rule.update(rs[i], q, w, ctx)
        out.append({"w": w.astype(fdtype), "rules": [jax.tree_util.tree_map(lambda a: a.astype(fdtype), r)
                                                     for r in rs]})
    return out, arrive


def _step_fn(lay, rec_groups):
    """The loop body: one step of neurons, propagation (delays through ring buffers),
    receptors, spike counts and records."""
    fams, pools, fdtype, n_slots = lay.families, lay.pools, lay.fdtype, lay.n_slots
    groups = list(lay.groups)
    rec_models = [[lay.receptors[rs[0]].synapse for rs in f.receptors] for f in fams]

    def pool_slice(arr, nm):
        o = pools[nm].local
        return arr[o:o + pools[nm].n] if arr.shape[0] != pools[nm].n else arr

    def step(carry, xs, q, args, fam_const):
        st, cnt = carry
        t = st["t"]
        struct, derived, syn_w = args.struct, args.derived, args.syn_w
        new_fam, spikes = _neurons(lay, st, q, struct, xs, fam_const)
        pad = [jnp.zeros((lay.n_pad - lay.n_total,), bool)] if lay.n_pad > lay.n_total else []
        sp = jnp.concatenate(spikes + pad)
        nat = None if not lay.native else (struct["native"], {
            g.gid: syn_w[g.gid + ":csr"] if g.per_synapse else derived["proj_w"][g.gid] for g in groups})
        accs = _sparse.propagate(sp, groups, struct["targets"], derived["row_w"], derived["class_w"], syn_w,
                                 n_slots, lay.spike_batch, fdtype, native=nat)
        new_plastic = st["plastic"]
        if lay.plastic:
            new_plastic, p_acc = _plastic(lay, st["plastic"], q["plastic"], struct["plastic"], sp, derived["row_w"],
                                          {m: xs[m] for m in lay.modulators})
            accs = {d: accs[d] + p_acc[d] if d in accs and d in p_acc else accs.get(d, p_acc.get(d))
                    for d in set(accs) | set(p_acc)}
        arrive = accs.get(0, jnp.zeros((n_slots,), fdtype))
        bufs = dict(st["delay"])
        for d in lay.delays:
            if d > 0:
                slot = t % d
                arrive = arrive + bufs[str(d)][slot]
                bufs[str(d)] = bufs[str(d)].at[slot].set(accs.get(d, jnp.zeros((n_slots,), fdtype)))
        for f in fams:
            qf = q["fam"][f.index]
            new_fam[f.index]["rec"] = [
                syn.receive(rs, qr, lax.dynamic_slice_in_dim(arrive, o, f.n))
                for syn, rs, qr, o in zip(rec_models[f.index], new_fam[f.index]["rec"], qf["rec"], f.rec_offset)]
        cnt = {k: cnt[k] + (spikes[int(k[1:])] if k[0] == "#" else
                            pool_slice(spikes[pools[k].family], k)).astype(jnp.int32) for k in cnt}
        ys = []              # one gather per (family, variable): see _record_plan
        for (fi, var), idx in rec_groups:
            val = spikes[fi] if var == "spikes" else new_fam[fi]["pool"][var]
            ys.append(val if idx is None else val[idx])
        return ({"t": t + 1, "fam": new_fam, "delay": bufs, "plastic": new_plastic}, cnt), tuple(ys)

    return step


def compiler_options():
    """XLA options for the chunk. On the CPU, XLA 0.10's YNNPACK fusions (used for the
    small matmuls and reductions of the propagation) cost ~50-80 us per call in set-up;
    the classic code path is 20 % faster at K = 1 here (bench/, measured)."""
    if jax.default_backend() == "cpu":
        return {"xla_cpu_experimental_ynn_fusion_type": ""}
    return None
