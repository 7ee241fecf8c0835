"""The compiled chunk: K steps of a network as one pure function of its arguments.

``make_chunk(layout, K, specs, input_layout, readout, qpack, on_trace)`` returns
``chunk(state, args, inputs) -> (state, out, (records, windows))`` with ``args`` a
:class:`~spark_lab._paramstore.DeviceArgs`. ``out`` is int32 ``[finite flag, spike counts of
the counted pools, samples kept per record spec]``, the flag 1 when the new state and every
float input (pools' inputs, modulators) are finite; ``records`` one ``(values (K, neurons),
step indices (K,), kept)`` per record spec whose first ``kept`` rows are the samples its
policies (``every``, ``between``, ``when``) keep: decided step by step and moved to the front
on the device, so only those rows need to leave it. ``windows``: the rings of per-step spike
counts of the rate conditions, {"win.<pool>.<W>": (W,) int32}, to give back as inputs of the
next chunk. Inputs besides the pools' and modulators': "tag.<name>" (K,) int32 per step,
"win.<pool>.<W>" (W,) int32 and POLICY (specs, 4) int32 (``_record_policy.policy_rows``;
without it the specs' own values are compiled in). Device memory per spec: K x recorded
neurons, as before.
Nothing outside the arguments is read at run time, so the same function serves ``jax.jit``
and ``jax.vmap`` (batching). ``on_trace`` is called once per trace (the caller counts
compilations).
"""
from __future__ import annotations

import collections

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import _random, _sparse
from . import plasticity as _plasticity
from ._record_policy import POLICY, TAG_PREFIX, policy_rows
from .neurons._base import SynInput


def make_chunk(layout, K: int, specs, input_layout, readout, qpack, on_trace, shard=None):
    """The chunk function of ``layout`` for K steps, recording ``specs`` (RecordSpec), with
    inputs of ``input_layout`` ((name, ndim) pairs; ndim 2 for pool inputs per step), counting
    the ``readout`` pools (None: every pool). ``qpack`` unpacks ``DeviceArgs.prepared``.
    ``shard`` (a sharded runner's hook, ``spark_lab/sharding``): ``shard.exchange(spikes)``
    turns this device's spike vector into the whole network's (the ELL rows' order) once per
    step, ``shard.first(family)`` is the global index of the family's first local neuron
    (its noise counters)."""
    lay, fdtype, K = layout, layout.fdtype, int(K)
    fams, pools = lay.families, lay.pools
    per_step = {nm for nm, nd in input_layout if nd == 2 or nm.startswith(TAG_PREFIX)} | set(lay.modulators)
    counted = list(pools) if readout is None else list(readout)
    # spike counts accumulate per family when two or more of its pools are counted (one add
    # per step instead of one per pool: XLA:CPU pays per op in the loop), else per pool
    n_counted = collections.Counter(pools[nm].family for nm in counted)
    acc = {nm: f"#{pools[nm].family}" if n_counted[pools[nm].family] > 1 else nm for nm in counted}
    rec_groups, rec_parts = _record_plan(lay, specs)
    conds = [_condition(lay, s) for s in specs]
    step = _step_fn(lay, rec_groups, conds, None if shard is None else shard.exchange)

    def chunk(state, args, inputs):
        on_trace()                          # runs only while tracing
        q = qpack.unpack(args.prepared)
        steps = state["t"] + jnp.arange(K, dtype=jnp.int32)
        noise = {}                          # for the whole chunk at once, outside the time loop
        for f in fams:
            for name in f.model.NOISE:       # stream: (pool name, noise name)
                u = _random.uniform(args.struct["seed"], lay.noise_streams[(f.pools[0], name)], steps, f.n,
                                    0 if shard is None else shard.first(f))
                noise.setdefault(str(f.index), {})[name] = u.astype(fdtype)
        inputs = dict(inputs)
        policy = inputs.pop(POLICY, None)
        float_in = [a for a in inputs.values() if jnp.issubdtype(a.dtype, jnp.floating)]
        if policy is None and specs:         # the specs' own values, compiled in
            policy = jnp.asarray(policy_rows(specs, lay.dt, {nm: p.n for nm, p in pools.items()}))
        win0 = {nm: (a, jnp.sum(a)) for nm, a in inputs.items() if nm.startswith("win.")}
        const_in = {nm: a for nm, a in inputs.items() if nm not in per_step and nm not in win0}
        xs_in = {nm: a for nm, a in inputs.items() if nm in per_step}
        xs_in["_noise"] = noise
        fam_const = [_fam_input(lay, f, const_in) if any(nm in const_in for nm in f.pools) else None for f in fams]
        cnt0 = {k: jnp.zeros((fams[int(k[1:])].n if k[0] == "#" else pools[k].n,), jnp.int32)
                for k in dict.fromkeys(acc.values())}

        def body(carry, xs):
            return step(carry, xs, q, args, fam_const, policy)
        if K == 1:
            (st, cnt, win), ys = body((state, cnt0, win0), jax.tree_util.tree_map(lambda a: a[0], xs_in))
            ys = tuple(y[None] for y in ys)
        else:
            (st, cnt, win), ys = lax.scan(body, (state, cnt0, win0), xs_in, length=K)
        records = []
        for i, (g, o, m) in enumerate(rec_parts):      # back to one array per spec, kept rows first
            keep = ys[-1][:, i]
            order = jnp.nonzero(keep, size=K, fill_value=0)[0]
            records.append((ys[g][:, o:o + m][order], steps[order], jnp.sum(keep.astype(jnp.int32))))
        floats = [v for v in jax.tree_util.tree_leaves(st) if jnp.issubdtype(v.dtype, jnp.floating)]
        ok = _all_finite(floats + float_in, native=lay.native)
        kept = [jnp.stack([r[2] for r in records])] if records else []
        out = jnp.concatenate([ok.astype(jnp.int32)[None]] + [
            cnt[nm] if acc[nm] == nm else cnt[acc[nm]][pools[nm].local:pools[nm].local + pools[nm].n]
            for nm in counted] + kept)
        return st, out, (tuple(records), {nm: ring for nm, (ring, _) in win.items()})

    return chunk


def flat_leaves(chunk, in_def):
    """``chunk`` as a function of the flat leaves of ``(state, args, inputs)`` (``in_def``'s
    order) returning the flat leaves of ``(state, out, (records, windows))``; ``box["out"]``
    holds that result's tree once traced. JAX's dispatch then takes a flat tuple of arrays
    instead of nested dicts: at K = 1 flattening and comparing the argument trees was ~10 %
    of a call (bench/onestep_profile.py), and a caller that keeps the state as leaves
    between calls (the lean closed loop) never builds the tree. -> (function, box)."""
    box: dict = {}

    def flat(*leaves):
        res, box["out"] = jax.tree_util.tree_flatten(chunk(*jax.tree_util.tree_unflatten(in_def, leaves)))
        return tuple(res)
    return flat, box


def _all_finite(arrays, native=False):
    """True when every element of ``arrays`` is finite: one test over all of them (one loop
    and one reduction in XLA instead of one each per array: at K = 1 each costs a call). With
    the native kernel the CPU runs it as one C++ call (``spark_lab_all_finite``): XLA:CPU makes
    the concatenate, test and reduction three loops, ~20 % of the instructions of a one-step call
    (533k -> 421k, bench/RESULTS.md);
    other platforms keep the XLA test (``lax.platform_dependent``)."""
    if not arrays:
        return jnp.array(True)
    dt = jnp.result_type(*arrays)

    def xla(*xs):
        return jnp.all(jnp.isfinite(jnp.concatenate([jnp.ravel(a).astype(dt) for a in xs])))
    if not native:
        return xla(*arrays)
    from ._native import FINITE_TARGET
    call = jax.ffi.ffi_call(FINITE_TARGET, jax.ShapeDtypeStruct((), jnp.bool_))
    return lax.platform_dependent(*arrays, cpu=lambda *xs: call(*xs), default=xla)


def _condition(lay, spec):
    """The compiled part of ``spec``'s condition: None, ("rate", window input, family, slice
    of the pool in it) or ("tag", tag input, int32 values). ``every``, ``between`` and the
    rate threshold are run-time values (the POLICY input), so changing them never recompiles."""
    w = spec.when
    if w is None:
        return None
    if w.kind == "rate":
        rp = lay.pools[w.name]
        return ("rate", w.window_key(lay.dt), rp.family, slice(rp.local, rp.local + rp.n))
    return ("tag", TAG_PREFIX + w.name, jnp.asarray(w.equals, jnp.int32))


def _keep_flags(conds, policy, win, t, spikes, xs):
    """One step of the recording policies: advance the rate windows (one ring per pool and
    window: the count of this step in, the count of W steps ago out) and decide for every
    spec whether step ``t`` is kept. ``policy``: (specs, 4) int32 rows [every, first step,
    end step, rate threshold in spikes per window]. -> (new windows, (specs,) bool)."""
    win = dict(win)
    for _, key, fam, sl in {c[1]: c for c in conds if c is not None and c[0] == "rate"}.values():
        ring, total = win[key]
        c = jnp.sum(spikes[fam][sl].astype(jnp.int32))
        pos = t % ring.shape[0]
        win[key] = (ring.at[pos].set(c), total - ring[pos] + c)
    flags = []
    for i, c in enumerate(conds):
        every, first, end, thr = policy[i, 0], policy[i, 1], policy[i, 2], policy[i, 3]
        keep = (t % every == 0) & (t >= first) & (t < end)
        if c is not None and c[0] == "rate":
            keep = keep & (win[c[1]][1] > thr)
        elif c is not None:
            keep = keep & jnp.any(xs[c[1]] == c[2])
        flags.append(keep)
    return win, jnp.stack(flags)


def _record_plan(lay, specs):
    """Records: specs of one family and variable are gathered together in the loop (one op
    per step instead of one per pool), then split per spec after it.
    -> ([((family, var), index: None | slice | int array)], [(group, start, size) per spec])."""
    rec_groups, rec_parts, gi = [], [], {}
    for spec in specs:
        p = lay.pools[spec.pool]
        sel = np.arange(p.n) if spec.neurons is None else np.asarray(spec.neurons)
        fam, src, first = lay.record_source(spec)       # src: a pool variable or (receptor position, variable)
        g = gi.setdefault((fam, src), len(gi))
        if g == len(rec_groups):
            rec_groups.append([(fam, src), []])
        rec_parts.append((g, sum(len(a) for a in rec_groups[g][1]), sel.size))
        rec_groups[g][1].append(first + sel)
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


def _step_fn(lay, rec_groups, conds, exchange=None):
    """The loop body: one step of neurons, propagation (delays through ring buffers),
    receptors, spike counts and records."""
    fams, pools, fdtype, n_slots = lay.families, lay.pools, lay.fdtype, lay.n_slots
    groups = list(lay.groups)
    rec_models = [[lay.receptors[rs[0]].synapse for rs in f.receptors] for f in fams]

    def pool_slice(arr, nm):
        o = pools[nm].local
        return arr[o:o + pools[nm].n] if arr.shape[0] != pools[nm].n else arr

    def step(carry, xs, q, args, fam_const, policy):
        st, cnt, win = carry
        t = st["t"]
        struct, derived, syn_w = args.struct, args.derived, args.syn_w
        new_fam, spikes = _neurons(lay, st, q, struct, xs, fam_const)
        pad = [jnp.zeros((lay.n_pad - lay.n_total,), bool)] if lay.n_pad > lay.n_total else []
        sp = jnp.concatenate(spikes + pad)
        if exchange is not None:        # sharded: every device's spikes, in the global row order
            sp = exchange(sp)
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
            val = spikes[fi] if var == "spikes" else (new_fam[fi]["rec"][var[0]][var[1]] if isinstance(var, tuple)
                                                      else new_fam[fi]["pool"][var])
            ys.append(val if idx is None else val[idx])
        if conds:
            win, keep = _keep_flags(conds, policy, win, t, spikes, xs)
            ys.append(keep)
        return ({"t": t + 1, "fam": new_fam, "delay": bufs, "plastic": new_plastic}, cnt, win), tuple(ys)

    return step


def compiler_options():
    """XLA options for the chunk. On the CPU, XLA 0.10's YNNPACK fusions (used for the
    small matmuls and reductions of the propagation) cost ~50-80 us per call in set-up;
    the classic code path is 20 % faster at K = 1 here (bench/, measured)."""
    if jax.default_backend() == "cpu":
        return {"xla_cpu_experimental_ynn_fusion_type": ""}
    return None
