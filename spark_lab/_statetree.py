"""The simulator's state tree: its initial value, the user's view of it, and where a
non-finite value sits in it.

Tree: {"t": step, "fam": [{"pool": {var: (family n,)}, "rec": [{var: (slots,)} per receptor
position]} per family], "delay": {str(d): (d, n_slots) ring buffer}, "plastic": [{"w": (n_syn,),
"rules": [trace trees]} per plastic projection]}.
"""
from __future__ import annotations

import jax
import numpy as np

from .network import _init


def initial(layout, pool_params: dict, weights: dict) -> dict:
    """The initial state (numpy) drawn from the current parameters with the network seed;
    the initial values given in the description (``init`` of pools and projections)
    replace the models' own (spark_lab/network/_init.py)."""
    lay, f32, i32 = layout, layout.fdtype, np.int32
    init = {}
    for p in lay.pools.values():
        init[p.name] = dict(p.model.init_state(p.n, pool_params[p.name], np.random.default_rng([lay.seed, 1, p.index])))
        init[p.name].update(_given(p.init, p.model.STATE, p.n, (lay.seed, _init.POOL_STREAM, p.index)))
    st = {"t": np.zeros((), i32), "fam": [], "delay": {}}
    for f in lay.families:
        m = f.model
        pools = {k: np.concatenate([np.asarray(init[nm][k]) for nm in f.pools])
                 .astype(i32 if k in m.INT_STATE else f32) for k in m.STATE + m.INT_STATE}
        rec = []
        for rs in f.receptors:
            syn = lay.receptors[rs[0]].synapse
            parts = [{**syn.init_state(lay.receptors[r].n),
                      **_given(lay.receptors[r].init, syn.STATE, lay.receptors[r].n,
                               (lay.seed, _init.RECEPTOR_STREAM, r))} for r in rs]
            rec.append({k: np.concatenate([p[k] for p in parts]).astype(f32) for k in syn.STATE})
        st["fam"].append({"pool": pools, "rec": rec})
    for d in lay.delays:
        if d > 0:
            st["delay"][str(d)] = np.zeros((d, lay.n_slots), f32)
    st["plastic"] = []
    for nm in lay.plastic:
        p = lay.projections[nm]
        n_pre, n_post = lay.pools[p.pre_pool].n, lay.pools[p.post_pool].n
        rs = [jax.tree_util.tree_map(lambda a: np.asarray(a, f32), r.init_state(n_pre, n_post, p.n_syn))
              for r in p.rules]
        st["plastic"].append({"w": np.asarray(weights[nm], f32), "rules": rs})
    return st


def _given(init, names: tuple, n: int, seed: tuple) -> dict:
    """{var: (n,) values} of the initial values ``init`` of the state variables ``names``."""
    return {k: _init.draw(init[k], np.random.default_rng([*seed, i]), n) for i, k in enumerate(names) if k in init}


def view(layout, st: dict) -> dict:
    """The user's view of a (numpy) state tree: {"t", "pools": {pool: {var}}, "receptors":
    [{var} per receptor], "delay", "plastic": {projection: {"w", "rules"}}}."""
    lay = layout
    pools, recs = {}, [None] * len(lay.receptors)
    for f, fs in zip(lay.families, st["fam"]):
        for nm in f.pools:
            o, n = f.local[nm], lay.pools[nm].n
            pools[nm] = {k: v[o:o + n] for k, v in fs["pool"].items()}
        for rs, rst in zip(f.receptors, fs["rec"]):
            o = 0
            for r in rs:
                n = lay.receptors[r].n
                recs[r] = {k: v[o:o + n] for k, v in rst.items()}
                o += n
    plastic = {nm: {"w": ps["w"], "rules": ps["rules"]} for nm, ps in zip(lay.plastic, st["plastic"])}
    return {"t": int(st["t"]), "pools": pools, "receptors": recs, "delay": st["delay"], "plastic": plastic}


def locate_bad(layout, state) -> list:
    """[(where, variable, index)] of the non-finite values of a state tree (at least one entry)."""
    lay = layout
    st = jax.tree_util.tree_map(np.asarray, state)
    bad = []
    for f, fs in zip(lay.families, st["fam"]):
        for nm in f.pools:
            o, n = f.local[nm], lay.pools[nm].n
            for v in f.model.STATE:
                nz = np.flatnonzero(~np.isfinite(fs["pool"][v][o:o + n]))
                if nz.size:
                    bad.append((nm, v, int(nz[0])))
        for rs, rst in zip(f.receptors, fs["rec"]):
            o = 0
            for r in rs:
                rc = lay.receptors[r]
                for v, a in rst.items():
                    nz = np.flatnonzero(~np.isfinite(a[o:o + rc.n]))
                    if nz.size:
                        bad.append((f"{rc.post} synapse of {rc.projections[0]!r}", v, int(nz[0])))
                o += rc.n
    for nm, ps in zip(lay.plastic, st["plastic"]):
        for v, a in [("weight", ps["w"])] + [(f"{type(r).__name__}.{k}", a) for r, rs in
                                             zip(lay.projections[nm].rules, ps["rules"])
                                             for part in rs.values() for k, a in part.items()]:
            nz = np.flatnonzero(~np.isfinite(a))
            if nz.size:
                bad.append((f"projection {nm!r}", v, int(nz[0])))
    for d, buf in st["delay"].items():
        bad_slots = np.flatnonzero(~np.isfinite(buf).all(axis=0))
        if bad_slots.size:
            slot = int(bad_slots[0])
            rc = next(rc for rc in lay.receptors if rc.offset <= slot < rc.offset + rc.n)
            bad.append((f"{rc.post} synapse of {rc.projections[0]!r} (spikes in transit, delay {d} steps)",
                        "arriving input", slot - rc.offset))
    if not bad:
        bad.append(("(the network)", "state", -1))
    return bad
