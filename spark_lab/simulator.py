"""Simulator: a built network, run in jitted chunks of K steps.

Parameters and state are passed to the compiled chunk function as arguments (packed
into a few flat buffers, see ``_packing``), so changing any numeric parameter with
``set_param`` reuses the compiled code. A chunk of K steps is one ``lax.scan``,
compiled once per (structure, K, record specification, input layout) and cached.

Randomness: the noise of a pool at step ``t`` is Threefry-2x32 keyed by (seed, CRC-32
of the pool's name and noise variable) with counters (t, neuron) (``_random``), so
results do not depend on how a run is cut into chunks, on what is recorded, or on the
other pools of the network.
"""
from __future__ import annotations

import collections
import hashlib
import json
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import _random, _runtime, _sparse
from . import plasticity as _plasticity
from ._packing import Packer
from ._params import did_you_mean, resolve_value
from .errors import DivergenceError, NetworkError, ParameterError
from .initializers import Constant, Initializer
from .interfaces.nodes import IOState
from .network import Network, RecordSpec
from .neurons._base import SynInput


@dataclass
class RunResult:
    """What one ``run`` returns.

    counts:  {pool: (n,) int array} spikes per neuron during the run.
    records: {"pool.var": array}; spikes as bool (samples, n), variables as (samples, n_sel).
    times:   {"pool.var": (samples,) step indices of the samples}.
    t_start, steps, dt: first step index, number of steps, step in ms.
    outputs: {output name: decoded value} for the network's output nodes (add_output),
             each decoder stepped once with the counts of the whole run.
    """
    counts: dict
    records: dict
    times: dict
    t_start: int
    steps: int
    dt: float
    outputs: dict = field(default_factory=dict)

    def spike_trains(self, pool: str):
        """(times in ms, neuron indices) of the recorded spikes of ``pool``."""
        s = np.asarray(self.records[f"{pool}.spikes"])
        ti, ni = np.nonzero(s)
        return self.times[f"{pool}.spikes"][ti] * self.dt, ni

    def rate(self, pool: str) -> float:
        """Mean firing rate of ``pool`` in Hz over this run."""
        c = np.asarray(self.counts[pool])
        return float(c.sum()) / c.size / (self.steps * self.dt * 1e-3)


class Simulator:
    """Runs a built :class:`Network`. Create it with ``network.build()``."""

    def __init__(self, net: Network):
        if not net.pools:
            raise NetworkError("the network has no pools; add one with add_pool()")
        _runtime.init_backend()       # before the first JAX operation of the process
        self.net = net
        self.dt = net.dt
        self.fdtype = np.float32 if net.dtype == "float32" else np.float64
        self._compiled: dict = {}
        self.compile_count = 0        # traces of the chunk function (each trace = one compilation)
        self._n_draws = 0             # initializer draws by set_param (seeds the next one)
        self._build()
        self.reset()

    def _use_native(self) -> bool:
        """The C++ propagation kernel on the CPU (float32 only); pure JAX elsewhere."""
        want = self.net.native
        if want is False or self.fdtype != np.float32 or not self.groups:
            return False
        from . import _native
        ok = _native.available()
        if want and not ok:
            raise NetworkError("Network(native=True): the native CPU kernel is not available; "
                               "build it with `python -m spark_lab._native.build` or use native=None")
        return ok

    # ================================================================== build
    def _build(self):
        net, seed = self.net, self.net.seed
        self.pools = list(net.pools.values())
        self._pool_index = {p.name: i for i, p in enumerate(self.pools)}

        # ---- pool parameters (host copies, float64) and initial state
        self._pool_params, pool_struct = {}, {}
        for i, p in enumerate(self.pools):
            rng = np.random.default_rng([seed, 0, i])
            where = f"{type(p.model).__name__} pool {p.name!r}"
            self._pool_params[p.name] = {
                k: resolve_value(p.model.values[k], d, p.n if d.per_neuron else None, rng, where, k)
                for k, d in p.model.PARAMS.items()}
            p.model.validate(self._pool_params[p.name], where)          # cross-field, per neuron
            pool_struct[p.name] = {k: jnp.asarray(v) for k, v in p.model.structure(p.n, self.dt).items()}
        self._g_inh = {p.name: np.float64(p.g_inh) for p in self.pools}

        # ---- receptors: one per (post pool, synapse instance), in order of first use
        self.receptors, rec_of = [], {}
        for pr in net.projections.values():
            key = (pr.post, id(pr.synapse))
            if key not in rec_of:
                rec_of[key] = len(self.receptors)
                self.receptors.append(dict(post=pr.post, synapse=pr.synapse, n=net.pools[pr.post].n, projections=[]))
            self.receptors[rec_of[key]]["projections"].append(pr.name)
        self._receptor_of_proj = {nm: r for r, rc in enumerate(self.receptors) for nm in rc["projections"]}
        self._receptors_into = {p.name: [r for r, rc in enumerate(self.receptors) if rc["post"] == p.name]
                                for p in self.pools}
        self._rec_params = []
        for r, rc in enumerate(self.receptors):
            syn, rng = rc["synapse"], np.random.default_rng([seed, 4, r])
            where = f"{type(syn).__name__} synapse of projection {rc['projections'][0]!r}"
            self._rec_params.append({k: resolve_value(syn.values[k], d, rc["n"] if d.per_neuron else None, rng, where, k)
                                     for k, d in syn.PARAMS.items()})
            syn.validate(self._rec_params[-1], where)

        # ---- families: pools of one model class with the same receptor classes are simulated as
        # one concatenated block (fewer, larger kernels); stochastic and structured models stay alone
        self.families, fam_of_sig = [], {}
        for p in self.pools:
            rec_sig = tuple(type(self.receptors[r]["synapse"]) for r in self._receptors_into[p.name])
            alone = bool(p.model.NOISE) or bool(pool_struct[p.name])
            sig = (type(p.model), rec_sig) if not alone else ("alone", p.name)
            if sig not in fam_of_sig:
                fam_of_sig[sig] = len(self.families)
                self.families.append(dict(model=p.model, pools=[], n=0, local={}, rec=[[] for _ in rec_sig],
                                          stochastic=bool(p.model.NOISE), struct=pool_struct[p.name]))
            f = self.families[fam_of_sig[sig]]
            f["local"][p.name] = f["n"]
            f["n"] += p.n
            f["pools"].append(p.name)
            for k, r in enumerate(self._receptors_into[p.name]):
                f["rec"][k].append(r)
            p_fam = fam_of_sig[sig]
            self.__dict__.setdefault("_family_of", {})[p.name] = p_fam
        # global neuron index: family by family, members in order
        self.offsets, off = {}, 0
        for f in self.families:
            f["offset"] = off
            for nm in f["pools"]:
                self.offsets[nm] = off + f["local"][nm]
            off += f["n"]
        self.n_total = off
        self.n_pad = -(-self.n_total // _sparse.BLOCK) * _sparse.BLOCK
        rows = self.n_pad + 1
        # receptor slots: per family and receptor position, members contiguous
        slot = 0
        for f in self.families:
            f["rec_offset"] = []
            for k, rs in enumerate(f["rec"]):
                f["rec_offset"].append(slot)
                for r in rs:
                    self.receptors[r]["offset"] = slot
                    slot += self.receptors[r]["n"]
        self.n_slots = max(slot, 1)

        # ---- projections: connectivity and weights
        self.proj_info, self._proj_params = {}, {}
        for k, pr in enumerate(net.projections.values()):
            pre_pool, post_pool = net.pools[pr.pre], net.pools[pr.post]
            where = f"projection {pr.name!r}"
            try:
                pre, post = pr.connectivity.connect(pre_pool.n, post_pool.n, np.random.default_rng([seed, 2, k]),
                                                    pr.pre == pr.post)
            except NetworkError as e:
                raise NetworkError(f"{where}: {e}") from None
            pre, post = np.asarray(pre, np.int64), np.asarray(post, np.int64)
            order = np.lexsort((post, pre))
            pre, post = pre[order], post[order]
            explicit = pr.connectivity.explicit_weights()
            if explicit is not None:
                w, per_syn = np.asarray(explicit, np.float64)[order], True
            elif isinstance(pr.weight, Initializer) and not isinstance(pr.weight, Constant):
                w = np.asarray(pr.weight.sample(np.random.default_rng([seed, 3, k]), (pre.size,)), np.float64)
                per_syn = True
            else:
                w = np.float64(pr.weight.value if isinstance(pr.weight, Constant) else pr.weight)
                per_syn = False
            if pre_pool.excitatory is not None and np.any(w < 0):
                raise ParameterError(where, "weight", "negative weights from a Dale pool",
                                     "weights are magnitudes >= 0; the sign comes from the neuron type")
            plastic = bool(pr.plasticity)
            if plastic:                      # weights are state, one per synapse
                w, per_syn = np.broadcast_to(w, pre.shape).astype(np.float64), True
                for rule in pr.plasticity:
                    rule.initial_weights(w, where)
            self.proj_info[pr.name] = dict(pre=pre, post=post, per_syn=per_syn, delay=int(round(pr.delay / self.dt)),
                                           receptor=self._receptor_of_proj[pr.name], n_syn=pre.size,
                                           plastic=plastic, group=None)
            self._proj_params[pr.name] = {"weight": w}
        self._build_plastic()

        # ---- fuse projections into ELL groups: per delay, one class group and one synapse group
        self.groups, by_key, cls_index = [], {}, {}
        for nm, inf in self.proj_info.items():
            if not inf["plastic"]:
                by_key.setdefault((inf["delay"], inf["per_syn"]), []).append(nm)
        for (delay, per_syn), names in sorted(by_key.items()):
            klass, used = {}, {}
            gpre, gtgt, gproj = [], [], []
            for m, nm in enumerate(names):
                inf, pr = self.proj_info[nm], net.projections[nm]
                r = inf["receptor"]
                if not per_syn:
                    klass[nm] = used.get(r, 0)
                    used[r] = klass[nm] + 1
                gpre.append(inf["pre"] + self.offsets[pr.pre])
                gtgt.append(inf["post"] + self.receptors[r]["offset"] + klass.get(nm, 0) * self.n_slots)
                gproj.append(np.full(inf["pre"].size, m))
            gid = f"{'syn' if per_syn else 'cls'}{delay}"
            g = _sparse.build_ell(gid, delay, per_syn, rows, self.n_slots, np.concatenate(gpre),
                                  np.concatenate(gtgt), np.concatenate(gproj), names, klass)
            for nm in names:
                self.proj_info[nm]["group"] = gid
            if not per_syn:        # (C, n_slots) index into the group's weight vector; len(names) = none
                idx = np.full((g.n_classes, self.n_slots), len(names), np.int32)
                for m, nm in enumerate(names):
                    rc = self.receptors[self.proj_info[nm]["receptor"]]
                    idx[klass[nm], rc["offset"]:rc["offset"] + rc["n"]] = m
                cls_index[gid] = idx
            self.groups.append(g)
        self.delays = sorted({g.delay for g in self.groups} | {self.proj_info[nm]["delay"] for nm in self.plastic} | {0})
        self._group_by_id = {g.gid: g for g in self.groups}

        # per-row factor: 1, or -g_inh of the pool for inhibitory neurons of Dale pools
        inh_pool = np.full(rows, len(self.pools), np.int32)
        for i, p in enumerate(self.pools):
            if p.excitatory is not None:
                o = self.offsets[p.name]
                inh_pool[o:o + p.n][~p.excitatory] = i
        self._cls_index, self._inh_pool = cls_index, inh_pool
        self._noise_streams = _noise_streams(self.pools)
        self.native = self._use_native()
        targets = {g.gid: jnp.asarray(g.targets) for g in self.groups}
        native = {}
        if self.native:       # the C++ kernel's compressed rows (_sparse.build_csr)
            for g in self.groups:
                g.csr = _sparse.build_csr(g, self.n_slots, cls_index.get(g.gid))
                native[g.gid] = {k: jnp.asarray(getattr(g.csr, k)) for k in ("rows", "runs", "targets")}
        self._struct = {
            "targets": targets,
            "native": native,
            "fam": [f["struct"] for f in self.families],
            "seed": jnp.asarray(seed, jnp.uint32),
            "plastic": [self._plastic_struct(nm) for nm in self.plastic],
        }
        self._param_packer = Packer(self._device_param_tree(), self.fdtype)
        self._make_prepare()
        self._push_params()
        self._syn_w = {}
        self._refresh_syn_w(g.gid for g in self.groups if g.per_synapse)

    def _build_plastic(self):
        """Plastic projections: rule parameters (host copies) and modulator channels."""
        net = self.net
        self.plastic = [nm for nm, inf in self.proj_info.items() if inf["plastic"]]
        self._rule_params, mods = {}, set()
        for nm in self.plastic:
            self._rule_params[nm] = []
            for rule in net.projections[nm].plasticity:
                where = f"{type(rule).__name__} rule of projection {nm!r}"
                vals = {k: resolve_value(rule.values[k], d, None, None, where, k) for k, d in rule.PARAMS.items()}
                rule.validate(vals, where)
                self._rule_params[nm].append(vals)
                if rule.modulator:
                    mods.add(rule.modulator)
        clash = mods & set(net.pools)
        if clash:
            raise NetworkError(f"modulator channel {sorted(clash)[0]!r} has the name of a pool; "
                               f"rename the channel (the rule's 'modulator' option) or the pool")
        self.modulators = tuple(sorted(mods))

    def _plastic_struct(self, nm):
        inf, pr = self.proj_info[nm], self.net.projections[nm]
        return {"pre": jnp.asarray(inf["pre"], jnp.int32), "post": jnp.asarray(inf["post"], jnp.int32),
                "row": jnp.asarray(inf["pre"] + self.offsets[pr.pre], jnp.int32),
                "slot": jnp.asarray(inf["post"] + self.receptors[inf["receptor"]]["offset"], jnp.int32)}

    def _refresh_syn_w(self, gids):
        """Rebuild the device ELL weight arrays of the given per-synapse groups."""
        for gid in gids:
            g = self._group_by_id[gid]
            W = np.zeros((self.n_pad + 1) * g.width, np.float64)
            for nm in g.projections:
                W[g.slot_index[nm]] = self.synapses(nm)[2]
            self._syn_w[gid] = jnp.asarray(W.reshape(self.n_pad + 1, g.width), self.fdtype)
            if g.csr is not None:            # the native kernel's copy, in its synapse order
                self._syn_w[gid + ":csr"] = jnp.asarray(W[g.csr.ell_index] if W.size else W, self.fdtype)

    def _device_param_tree(self):
        """Parameters as the compiled code sees them: per family, members concatenated."""
        fams = []
        for f in self.families:
            pp = {k: np.concatenate([np.broadcast_to(self._pool_params[nm][k], (self.net.pools[nm].n,))
                                     for nm in f["pools"]]) for k in f["model"].PARAMS}
            rec = [{k: np.concatenate([np.broadcast_to(self._rec_params[r][k], (self.receptors[r]["n"],)) for r in rs])
                    for k in self.receptors[rs[0]]["synapse"].PARAMS} for rs in f["rec"]]
            fams.append({"pool": pp, "rec": rec})
        return {"fam": fams, "plastic": [self._rule_params[nm] for nm in self.plastic]}

    def _host_param_tree(self):
        return {"pools": self._pool_params, "g_inh": self._g_inh, "receptors": self._rec_params,
                "rules": self._rule_params,
                "w": {nm: v["weight"] for nm, v in self._proj_params.items() if not self.proj_info[nm]["per_syn"]}}

    def _make_prepare(self):
        """Per-parameter-change constants (propagators etc.), computed by one jitted call
        when parameters change, not in every chunk."""
        fams, dt, ppack = self.families, self.dt, self._param_packer
        rec_models = [[self.receptors[rs[0]]["synapse"] for rs in f["rec"]] for f in fams]
        rules = [self.net.projections[nm].plasticity for nm in self.plastic]

        def prepare(fparams):
            params = ppack.unpack(fparams)
            out = []
            for f, fp, syns in zip(fams, params["fam"], rec_models):
                q_rec = [syn.prepare(rp, dt) for syn, rp in zip(syns, fp["rec"])]
                taus = tuple(tau for syn, rp in zip(syns, fp["rec"]) for tau in syn.exp_taus(rp))
                out.append({"pool": f["model"].prepare(fp["pool"], dt, taus), "rec": q_rec})
            plastic = [[r.prepare(rp, dt) for r, rp in zip(rs, rps)] for rs, rps in zip(rules, params["plastic"])]
            return {"fam": out, "plastic": plastic}

        example = {k: jnp.zeros((max(n, 1),), k) for k, n in ppack.sizes.items()}
        self._q_packer = qp = Packer(jax.eval_shape(prepare, example))
        self._prepare_fn = jax.jit(lambda fp: qp.pack_traced(prepare(fp)))

    def _push_params(self):
        """Send the parameters to the device, with the derived tables (propagators, the weight
        tables of class groups), computed here on parameter change, not in every chunk."""
        fparams = {k: jnp.asarray(v) for k, v in self._param_packer.pack(self._device_param_tree()).items()}
        self._prepared = self._prepare_fn(fparams)
        gext = np.concatenate([[-self._g_inh[p.name] for p in self.pools], [1.0]])
        derived = {"row_w": jnp.asarray(gext[self._inh_pool], self.fdtype), "class_w": {}, "proj_w": {}}
        for g in self.groups:
            if not g.per_synapse:
                wv = np.array([float(self._proj_params[nm]["weight"]) for nm in g.projections] + [0.0])
                derived["class_w"][g.gid] = jnp.asarray(wv[self._cls_index[g.gid]], self.fdtype)
                if g.csr is not None:        # the native kernel weighs runs by projection
                    derived["proj_w"][g.gid] = jnp.asarray(wv, self.fdtype)
        self._derived = derived

    # ================================================================== state
    def reset(self):
        """Back to the initial state (same seed: the same run again).

        The initial state is drawn from the current parameters (e.g. ``v_init_low``), so
        changing an initial-value parameter takes effect at the next reset."""
        f32, i32 = self.fdtype, np.int32
        init = {p.name: p.model.init_state(p.n, self._pool_params[p.name],
                                           np.random.default_rng([self.net.seed, 1, i]))
                for i, p in enumerate(self.pools)}          # from the current parameters, same seed
        st = {"t": np.zeros((), i32), "fam": [], "delay": {}}
        for f in self.families:
            m = f["model"]
            pools = {k: np.concatenate([np.asarray(init[nm][k]) for nm in f["pools"]])
                     .astype(i32 if k in m.INT_STATE else f32) for k in m.STATE + m.INT_STATE}
            rec = []
            for rs in f["rec"]:
                syn = self.receptors[rs[0]]["synapse"]
                parts = [syn.init_state(self.receptors[r]["n"]) for r in rs]
                rec.append({k: np.concatenate([p[k] for p in parts]).astype(f32) for k in syn.STATE})
            st["fam"].append({"pool": pools, "rec": rec})
        for d in self.delays:
            if d > 0:
                st["delay"][str(d)] = np.zeros((d, self.n_slots), f32)
        st["plastic"] = []
        for nm in self.plastic:
            inf, pr = self.proj_info[nm], self.net.projections[nm]
            n_pre, n_post = self.net.pools[pr.pre].n, self.net.pools[pr.post].n
            rs = [jax.tree_util.tree_map(lambda a: np.asarray(a, f32), r.init_state(n_pre, n_post, inf["n_syn"]))
                  for r in pr.plasticity]
            st["plastic"].append({"w": np.asarray(self._proj_params[nm]["weight"], f32), "rules": rs})
        self._spack = Packer(st)          # flat form, for checkpoints
        self._state = jax.tree_util.tree_map(jnp.asarray, st)
        self._t_host = 0
        self._io = IOState(self.net, self.dt)      # encoder and decoder states (interfaces)

    def _state_tree(self):
        return jax.tree_util.tree_map(lambda x: np.array(x, copy=True), self._state)

    @property
    def state(self) -> dict:
        """The current state as nested dicts of numpy arrays (a copy):
        {"t", "pools": {pool: {var}}, "receptors": [{var} per receptor], "delay": {d: buffer},
        "plastic": {projection: {"w": weights per synapse, "rules": [{"pre", "post", "syn"} traces per rule]}}}."""
        st = self._state_tree()
        pools, recs = {}, [None] * len(self.receptors)
        for f, fs in zip(self.families, st["fam"]):
            for nm in f["pools"]:
                o, n = f["local"][nm], self.net.pools[nm].n
                pools[nm] = {k: v[o:o + n] for k, v in fs["pool"].items()}
            for rs, rst in zip(f["rec"], fs["rec"]):
                o = 0
                for r in rs:
                    n = self.receptors[r]["n"]
                    recs[r] = {k: v[o:o + n] for k, v in rst.items()}
                    o += n
        plastic = {nm: {"w": ps["w"], "rules": ps["rules"]} for nm, ps in zip(self.plastic, st["plastic"])}
        return {"t": int(st["t"]), "pools": pools, "receptors": recs, "delay": st["delay"], "plastic": plastic}

    def set_state(self, pool: str, var: str, value) -> None:
        """Overwrite one state variable of a pool (e.g. the initial membrane potentials)."""
        if pool not in self.net.pools:
            raise NetworkError(f"unknown pool {pool!r}; {did_you_mean(pool, self.net.pools)}")
        model, n = self.net.pools[pool].model, self.net.pools[pool].n
        if var not in model.STATE:
            raise ParameterError(f"pool {pool!r}", var, "not a state variable",
                                 f"{did_you_mean(var, model.STATE)}state: {', '.join(model.STATE) or '(none)'}")
        arr = np.asarray(value, np.float64)
        if arr.ndim == 0:
            arr = np.full(n, float(arr))
        if arr.shape != (n,) or not np.all(np.isfinite(arr)):
            raise ParameterError(f"pool {pool!r}", var, f"got shape {arr.shape}", f"give finite values of shape ({n},)")
        st = self._state_tree()
        fi = self._family_of[pool]
        o = self.families[fi]["local"][pool]
        st["fam"][fi]["pool"][var][o:o + n] = arr
        self._state = jax.tree_util.tree_map(jnp.asarray, st)

    @property
    def t(self) -> int:
        """Current step index."""
        return self._t_host

    @property
    def time_ms(self) -> float:
        return self.t * self.dt

    # ================================================================== parameters
    def _locate(self, target: str, name: str):
        """-> (kind, key, decl, where) for a parameter address."""
        if target in self.net.pools:
            model = self.net.pools[target].model
            where = f"{type(model).__name__} pool {target!r}"
            if name in model.PARAMS:
                return "pool", target, model.PARAMS[name], where
            if name == "g_inh":
                return "g_inh", target, None, where
            opts = list(model.PARAMS) + ["g_inh"]
            raise ParameterError(where, name, "unknown parameter",
                                 f"{did_you_mean(name, opts)}parameters: {', '.join(opts)}")
        if target in self.net.projections:
            pr = self.net.projections[target]
            if name == "weight":
                return "proj", target, None, f"projection {target!r}"
            if name in pr.synapse.PARAMS:
                return "receptor", self._receptor_of_proj[target], pr.synapse.PARAMS[name], \
                    f"{type(pr.synapse).__name__} synapse of projection {target!r}"
            rule_names = _rule_param_names(pr.plasticity)
            if name in rule_names:
                i, pname = rule_names[name]
                rule = pr.plasticity[i]
                return "rule", (target, i, pname), rule.PARAMS[pname], f"{type(rule).__name__} rule of projection {target!r}"
            opts = ["weight"] + list(pr.synapse.PARAMS) + list(rule_names)
            raise ParameterError(f"projection {target!r}", name, "unknown parameter",
                                 f"{did_you_mean(name, opts)}parameters: {', '.join(opts)}")
        opts = list(self.net.pools) + list(self.net.projections)
        raise NetworkError(f"unknown pool or projection {target!r}; {did_you_mean(str(target), opts)}"
                           f"known: {', '.join(opts)}")

    def get_param(self, target: str, name: str) -> np.ndarray:
        """Current value of a parameter (a numpy copy)."""
        kind, key, _, _ = self._locate(target, name)
        if kind == "pool":
            return self._pool_params[key][name].copy()
        if kind == "g_inh":
            return np.array(self._g_inh[key])
        if kind == "receptor":
            return self._rec_params[key][name].copy()
        if kind == "rule":
            proj, i, pname = key
            return self._rule_params[proj][i][pname].copy()
        if self.proj_info[key]["plastic"]:
            return np.asarray(self._state["plastic"][self.plastic.index(key)]["w"], np.float64)
        return np.array(self._proj_params[key]["weight"], copy=True)

    def set_param(self, target: str, name: str, value) -> None:
        """Change a parameter of a pool or projection; it takes effect at the next chunk.

        Never recompiles: a number sets every neuron (or synapse), an array of the right
        shape sets them one by one. An invalid value raises ParameterError and changes nothing.
        """
        self.set_params({(target, name): value})

    def set_params(self, changes: dict) -> None:
        """Apply several changes ``{(target, name): value}`` at once: all or none."""
        staged = self._stage(changes, self._change_rng)
        self._apply(staged)

    def check_params(self, changes: dict) -> None:
        """Check ``{(target, name): value}`` exactly as ``set_params`` would, all together
        (cross-field rules such as v_reset < v_th included), without applying anything.
        Raises ParameterError / NetworkError naming the component and the field.
        Initializers are checked, not drawn (no draw is used up)."""
        self._stage(changes, lambda: np.random.default_rng(0))

    def param_key(self, target: str, name: str) -> tuple:
        """One address per parameter: ``(target, name)`` with plasticity-rule parameters
        always as "<rule>.<parameter>", so two spellings of one parameter compare equal."""
        kind, key, _, _ = self._locate(target, name)
        if kind == "rule":
            proj, i, pname = key
            return proj, f"{self.net.projections[proj].plasticity[i].name}.{pname}"
        return target, name

    def _stage(self, changes, rng):
        """Validated ``[(kind, key, name, value)]`` of the changes; raises on the first bad one."""
        staged, merged = [], {}
        if not isinstance(changes, dict):
            raise ParameterError("set_params", "changes", f"got {_brief(changes)}",
                                 "give a dict {(pool_or_projection, parameter): value}")
        for item, value in changes.items():
            if not (isinstance(item, tuple) and len(item) == 2):
                raise ParameterError("set_params", "changes", f"got the key {item!r}",
                                     "give {(pool_or_projection, parameter): value}")
            target, name = item
            kind, key, decl, where = self._locate(target, name)
            if kind == "pool":
                n = self.net.pools[key].n if decl.per_neuron else None
                arr = resolve_value(value, decl, n, rng(), where, name)
                merged.setdefault((kind, key), (self.net.pools[key].model, dict(self._pool_params[key]), where))
            elif kind == "receptor":
                n = self.receptors[key]["n"] if decl.per_neuron else None
                arr = resolve_value(value, decl, n, rng(), where, name)
                merged.setdefault((kind, key), (self.receptors[key]["synapse"], dict(self._rec_params[key]), where))
            elif kind == "g_inh":
                arr = _scalar(value, where, name, low=0.0)
            elif kind == "rule":
                proj, i, pname = key
                arr = resolve_value(value, decl, None, None, where, pname)
                rule = self.net.projections[proj].plasticity[i]
                merged.setdefault((kind, (proj, i)), (rule, dict(self._rule_params[proj][i]), where))
                merged[(kind, (proj, i))][1][pname] = arr
            else:
                arr = self._check_weight(key, value, where)
            if (kind, key) in merged:
                merged[(kind, key)][1][name] = arr
            staged.append((kind, key, name, arr))
        for component, values, where in merged.values():      # cross-field checks on the new values together
            component.validate(values, where)
        return staged

    def _apply(self, staged):
        groups, plastic_w = set(), {}
        for kind, key, name, arr in staged:
            if kind == "rule":
                proj, i, pname = key
                self._rule_params[proj][i][pname] = arr
            elif kind == "proj" and self.proj_info[key]["plastic"]:
                self._proj_params[key]["weight"] = arr
                plastic_w[self.plastic.index(key)] = arr
            elif kind == "pool":
                self._pool_params[key][name] = arr
            elif kind == "g_inh":
                self._g_inh[key] = arr
                groups |= {self.proj_info[nm]["group"] for nm, pr in self.net.projections.items()
                           if pr.pre == key and self.proj_info[nm]["per_syn"] and not self.proj_info[nm]["plastic"]}
            elif kind == "receptor":
                self._rec_params[key][name] = arr
            else:
                self._proj_params[key]["weight"] = arr
                if self.proj_info[key]["per_syn"]:
                    groups.add(self.proj_info[key]["group"])
        self._push_params()
        self._refresh_syn_w(groups)
        if plastic_w:           # plastic weights are state: set now (and what reset() returns to)
            st = dict(self._state)
            st["plastic"] = list(st["plastic"])
            for i, arr in plastic_w.items():
                st["plastic"][i] = {**st["plastic"][i], "w": jnp.asarray(arr, self.fdtype)}
            self._state = st

    def _change_rng(self):
        """Generator for initializers given to set_param: seeded by the network seed and the
        number of draws so far, so the same session script gives the same values."""
        self._n_draws += 1
        return np.random.default_rng([self.net.seed, 5, self._n_draws])

    def _check_weight(self, key, value, where):
        inf = self.proj_info[key]
        if isinstance(value, (bool, str, type(None))):
            raise ParameterError(where, "weight", f"got {value!r}", "give a number")
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError(where, "weight", f"got {value!r}", "give a number or an array") from None
        if not np.all(np.isfinite(arr)):
            raise ParameterError(where, "weight", "got NaN or inf", "must be finite")
        if arr.ndim == 1:
            if not inf["per_syn"]:
                raise ParameterError(where, "weight", f"got an array of shape {arr.shape}",
                                     "this projection has one weight for all synapses (built with a number); "
                                     "build it with an initializer for per-synapse weights")
            if arr.shape != (inf["n_syn"],):
                raise ParameterError(where, "weight", f"got an array of shape {arr.shape}",
                                     f"give one number or an array of shape ({inf['n_syn']},), one per synapse")
        elif arr.ndim > 1:
            raise ParameterError(where, "weight", f"got an array of shape {arr.shape}", "give a number or a 1-D array")
        elif inf["per_syn"]:
            arr = np.full(inf["n_syn"], float(arr))
        if self.net.pools[self.net.projections[key].pre].excitatory is not None and np.any(arr < 0):
            raise ParameterError(where, "weight", "negative weight from a Dale pool",
                                 "weights are magnitudes >= 0; the sign comes from the neuron type")
        for rule in self.net.projections[key].plasticity:
            rule.initial_weights(arr, where)
        return arr

    def parameters(self) -> dict:
        """Declarations of the changeable parameters: {target: {name: Param or None}}."""
        out = {p.name: {**p.model.PARAMS, "g_inh": None} for p in self.pools}
        for nm, pr in self.net.projections.items():
            rules = {k: pr.plasticity[i].PARAMS[p] for k, (i, p) in _rule_param_names(pr.plasticity, True).items()}
            out[nm] = {"weight": None, **pr.synapse.PARAMS, **rules}
        return out

    def synapses(self, projection: str):
        """(pre, post, weight) numpy arrays of a projection: local indices and signed weights."""
        if projection not in self.proj_info:
            raise NetworkError(f"unknown projection {projection!r}; {did_you_mean(str(projection), self.proj_info)}")
        inf, pr = self.proj_info[projection], self.net.projections[projection]
        w = np.broadcast_to(self.get_param(projection, "weight"), (inf["n_syn"],)).astype(np.float64)
        mask = self.net.pools[pr.pre].excitatory
        if mask is not None:
            w = np.where(mask[inf["pre"]], w, -self._g_inh[pr.pre] * w)
        return inf["pre"].copy(), inf["post"].copy(), w

    # ================================================================== running
    def run(self, steps: int, inputs: dict | None = None, record=None, chunk: int | None = None,
            check_finite: bool = True) -> RunResult:
        """Simulate ``steps`` steps.

        inputs: {pool: array} external input in the pool model's input unit (a rate in Hz
            for PoissonSource); a number or shape (n,) holds for every step, shape (steps, n)
            gives one row per step. For an input node (``add_input``), {name: values} in the
            encoder's own domain (see spark_lab/interfaces/nodes.py).
        record: list of RecordSpec or "pool.var" strings; default: the network's record list.
        chunk:  steps per compiled call (default: all ``steps``, at most 10,000 per call).
        check_finite: on NaN/inf raise DivergenceError and keep the state from before the chunk.
        """
        steps = _count(steps, "run", "steps")
        specs = self._record_specs(record)
        inputs, enc_states = self._io.encode(inputs or {}, steps, self._check_inputs)
        inputs = self._check_inputs(inputs, steps)
        chunk = min(steps, 10_000) if chunk is None else _count(chunk, "run", "chunk")
        t0 = self.t
        counts = {p.name: np.zeros(p.n, np.int64) for p in self.pools}
        recs = {s.key: [] for s in specs}
        times = {s.key: [] for s in specs}
        done = 0
        while done < steps:
            k = min(chunk, steps - done)
            inp = {nm: (a[done:done + k] if a.ndim == 2 or nm in self.modulators else a) for nm, a in inputs.items()}
            c, ys = self._run_chunk(k, inp, specs, check_finite, None)
            for p in self.pools:
                counts[p.name] += np.asarray(c[p.name])
            steps_idx = np.arange(t0 + done, t0 + done + k)
            for s, y in zip(specs, ys):
                keep = (steps_idx % s.every) == 0
                recs[s.key].append(np.asarray(y)[keep])
                times[s.key].append(steps_idx[keep])
            done += k
        self._io.commit(enc_states)
        return RunResult(counts=counts, records={k: np.concatenate(v) for k, v in recs.items()},
                         times={k: np.concatenate(v) for k, v in times.items()}, t_start=t0, steps=steps, dt=self.dt,
                         outputs=self._io.decode(counts, steps))

    def run_chunk(self, steps: int, inputs: dict | None = None, readout=(), outputs=()):
        """Lean closed-loop call: one compiled chunk of ``steps`` steps, nothing recorded.

        Returns {pool: spike counts during the chunk} (numpy, fetched in one transfer) for
        the ``readout`` pools, plus {name: decoded value} for the output nodes named in
        ``outputs`` (every output node is stepped each call either way). NaN/inf still
        raise DivergenceError.
        """
        steps = _count(steps, "run_chunk", "steps")
        if not outputs and not self.net.inputs and not self.net.outputs:     # the lean closed loop
            c, _ = self._run_chunk(steps, self._check_inputs(inputs or {}, steps), (), True, tuple(readout))
            return c
        names, readout = self._io.check_names(outputs), tuple(readout)
        inputs, enc_states = self._io.encode(inputs or {}, steps, self._check_inputs)
        counted = readout + tuple(p for p in self._io.pools_needed() if p not in readout)
        c, _ = self._run_chunk(steps, self._check_inputs(inputs, steps), (), True, counted)
        self._io.commit(enc_states)
        values = self._io.decode(c, steps)
        return {**{nm: c[nm] for nm in readout}, **{nm: values[nm] for nm in names}}

    def _record_specs(self, record):
        if record is None:
            return tuple(self.net.records)
        specs = []
        for r in record:
            if isinstance(r, str):
                pool, _, var = r.partition(".")
                r = RecordSpec(pool, var or "spikes")
            if r.pool not in self.net.pools:
                raise NetworkError(f"cannot record {r.key}: unknown pool {r.pool!r}; "
                                   f"{did_you_mean(r.pool, self.net.pools)}pools: {', '.join(self.net.pools)}")
            allowed = ("spikes",) + tuple(self.net.pools[r.pool].model.STATE)
            if r.var not in allowed:
                raise NetworkError(f"cannot record {r.key}: {did_you_mean(r.var, allowed)}"
                                   f"recordable: {', '.join(allowed)}")
            specs.append(r)
        return tuple(specs)

    def _check_inputs(self, inputs, steps):
        out = {}
        for nm in self.modulators:        # every channel, every chunk (zeros where not given): one layout
            a = inputs.get(nm, 0.0)
            try:
                arr = np.asarray(a, dtype=self.fdtype) if not isinstance(a, (str, bytes, bool)) else np.array(np.nan)
            except (TypeError, ValueError):
                arr = np.array(np.nan)
            if arr.ndim == 0:
                arr = np.full(steps, arr, self.fdtype)
            if arr.shape != (steps,) or not np.all(np.isfinite(arr)):
                raise ParameterError(f"modulator {nm!r}", "value", f"got {_brief(a)}",
                                     f"give a finite number, or an array of shape ({steps},) with one value per step")
            out[nm] = arr
        for nm, a in inputs.items():
            if nm in self.modulators:
                continue
            if nm not in self.net.pools:
                known = list(self.net.pools) + list(self.modulators)
                raise NetworkError(f"input for unknown pool {nm!r}; {did_you_mean(str(nm), known)}"
                                   f"pools{' and modulators' if self.modulators else ''}: {', '.join(known)}")
            n = self.net.pools[nm].n
            arr = np.asarray(a, dtype=self.fdtype)
            if arr.ndim == 0:
                arr = np.full(n, arr, self.fdtype)
            if not (arr.shape == (n,) or arr.shape == (steps, n)):
                raise ParameterError(f"input to pool {nm!r}", "shape", f"got {arr.shape}",
                                     f"give a number, shape ({n},) for every step, or ({steps}, {n}) per step")
            if not np.isfinite(arr).all():
                raise ParameterError(f"input to pool {nm!r}", "value", "contains NaN or inf", "must be finite")
            out[nm] = arr
        return out

    def _run_chunk(self, k, inputs, specs, check_finite, readout):
        layout = tuple(sorted((nm, a.ndim) for nm, a in inputs.items()))
        key = (k, tuple((s.pool, s.var, s.neurons) for s in specs), layout, readout)
        fn = self._compiled.get(key)
        args = (self._state, self._prepared, self._derived, self._syn_w, self._struct, inputs)
        if fn is None:
            fn = self._compiled[key] = jax.jit(self._make_chunk(k, specs, layout, readout),
                                               compiler_options=_compiler_options())
        new_state, out, ys = fn(*args)
        out = np.asarray(out)            # one transfer: [finite flag, counts of the counted pools]
        if check_finite and not out[0]:
            raise DivergenceError(self._locate_bad(new_state), self.t, k)
        self._state = new_state
        self._t_host += k
        counts, o = {}, 1
        for nm in (readout if readout is not None else [p.name for p in self.pools]):
            n = self.net.pools[nm].n
            counts[nm] = out[o:o + n]
            o += n
        return counts, ys

    def _locate_bad(self, state):
        st = jax.tree_util.tree_map(np.asarray, state)
        bad = []
        for f, fs in zip(self.families, st["fam"]):
            for nm in f["pools"]:
                o, n = f["local"][nm], self.net.pools[nm].n
                for v in f["model"].STATE:
                    nz = np.flatnonzero(~np.isfinite(fs["pool"][v][o:o + n]))
                    if nz.size:
                        bad.append((nm, v, int(nz[0])))
            for rs, rst in zip(f["rec"], fs["rec"]):
                o = 0
                for r in rs:
                    rc = self.receptors[r]
                    for v, a in rst.items():
                        nz = np.flatnonzero(~np.isfinite(a[o:o + rc["n"]]))
                        if nz.size:
                            bad.append((f"{rc['post']} synapse of {rc['projections'][0]!r}", v, int(nz[0])))
                    o += rc["n"]
        for nm, ps in zip(self.plastic, st["plastic"]):
            for v, a in [("weight", ps["w"])] + [(f"{type(r).__name__}.{k}", a) for r, rs in
                                                 zip(self.net.projections[nm].plasticity, ps["rules"])
                                                 for part in rs.values() for k, a in part.items()]:
                nz = np.flatnonzero(~np.isfinite(a))
                if nz.size:
                    bad.append((f"projection {nm!r}", v, int(nz[0])))
        for d, buf in st["delay"].items():
            bad_slots = np.flatnonzero(~np.isfinite(buf).all(axis=0))
            if bad_slots.size:
                slot = int(bad_slots[0])
                rc = next(rc for rc in self.receptors if rc["offset"] <= slot < rc["offset"] + rc["n"])
                bad.append((f"{rc['post']} synapse of {rc['projections'][0]!r} (spikes in transit, delay {d} steps)",
                            "arriving input", slot - rc["offset"]))
        if not bad:
            bad.append(("(the network)", "state", -1))
        return bad

    # ================================================================== the compiled chunk
    def _make_chunk(self, K, specs, layout, readout):
        fams, groups = self.families, self.groups
        dt, n_pad, n_total, n_slots = self.dt, self.n_pad, self.n_total, self.n_slots
        delays, batch, fdtype = self.delays, self.net.spike_batch, self.fdtype
        native = self.native
        pools = self.net.pools
        per_step = {nm for nm, nd in layout if nd == 2} | set(self.modulators)
        qpack = self._q_packer
        fam_of, streams = self._family_of, self._noise_streams
        counted = [p.name for p in self.pools] if readout is None else list(readout)
        # spike counts accumulate per family when two or more of its pools are counted (one add
        # per step instead of one per pool: XLA:CPU pays per op in the loop), else per pool
        n_counted = collections.Counter(fam_of[nm] for nm in counted)
        acc = {nm: f"#{fam_of[nm]}" if n_counted[fam_of[nm]] > 1 else nm for nm in counted}   # '#': no pool name
        rec_models = [[self.receptors[rs[0]]["synapse"] for rs in f["rec"]] for f in fams]
        plastic = [(self.net.projections[nm], self.proj_info[nm]) for nm in self.plastic]
        offsets, modulators = self.offsets, self.modulators

        # records: specs of one family and variable are gathered together in the loop (one op per
        # step instead of one per pool), then split per spec after it
        rec_groups, rec_parts, gi = [], [], {}
        for spec in specs:
            fi = fam_of[spec.pool]
            local = self.families[fi]["local"][spec.pool]
            sel = np.arange(pools[spec.pool].n) if spec.neurons is None else np.asarray(spec.neurons)
            g = gi.setdefault((fi, spec.var), len(gi))
            if g == len(rec_groups):
                rec_groups.append([(fi, spec.var), []])
            rec_parts.append((g, sum(len(a) for a in rec_groups[g][1]), sel.size))
            rec_groups[g][1].append(local + sel)
        for grp in rec_groups:
            idx = np.concatenate(grp[1])
            whole = idx.size == self.families[grp[0][0]]["n"] and np.array_equal(idx, np.arange(idx.size))
            contiguous = idx.size > 0 and np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size))
            # a contiguous range (e.g. one pool of a family) is a static slice, not a gather per step
            grp[1] = None if whole else (slice(int(idx[0]), int(idx[0]) + idx.size) if contiguous
                                         else jnp.asarray(idx, jnp.int32))

        def plastic_step(pst, pq, pstruct, sp, row_w, mods):
            """Deliver the spikes of the plastic projections and update their weights.
            -> (new plastic state, {delay: (n_slots,) arriving weight})."""
            out, arrive = [], {}
            for (pr, inf), ps, qs, ix in zip(plastic, pst, pq, pstruct):
                n_pre, n_post = pools[pr.pre].n, pools[pr.post].n
                pre_spk = lax.dynamic_slice_in_dim(sp, offsets[pr.pre], n_pre)
                post_spk = lax.dynamic_slice_in_dim(sp, offsets[pr.post], n_post)
                rs, eff = list(ps["rules"]), None
                for i, (rule, q) in enumerate(zip(pr.plasticity, qs)):
                    rs[i], e = rule.efficacy(rs[i], q, pre_spk, dt)
                    if e is not None:
                        eff = e if eff is None else eff * e
                w = ps["w"]
                # what each synapse delivers now: w * sign (Dale) * efficacy, where the pre neuron spiked
                src = jnp.where(pre_spk, 1.0 if eff is None else eff, 0.0).astype(fdtype)
                x = jax.ops.segment_sum(w * row_w[ix["row"]] * src[ix["pre"]], ix["slot"], num_segments=n_slots)
                d = inf["delay"]
                arrive[d] = x if d not in arrive else arrive[d] + x
                ctx = _plasticity.Context(pre_spk.astype(fdtype), post_spk.astype(fdtype), ix["pre"], ix["post"],
                                          jnp.zeros((), fdtype), dt)
                for i, (rule, q) in enumerate(zip(pr.plasticity, qs)):
                    if rule.modulator:
                        ctx = ctx._replace(modulator=mods[rule.modulator])
                    rs[i], w = rule.update(rs[i], q, w, ctx)
                out.append({"w": w.astype(fdtype), "rules": [jax.tree_util.tree_map(lambda a: a.astype(fdtype), r)
                                                             for r in rs]})
            return out, arrive

        def fam_input(f, src):
            """External input of a family: members' inputs concatenated, zeros where none."""
            parts = [src[nm] if nm in src else jnp.zeros((pools[nm].n,), fdtype) for nm in f["pools"]]
            return parts[0] if len(parts) == 1 else jnp.concatenate(parts)

        def chunk(state, prepared, derived, syn_w, struct, inputs):
            self.compile_count += 1            # runs only while tracing
            q = qpack.unpack(prepared)
            row_w, class_w = derived["row_w"], derived["class_w"]
            t0 = state["t"]
            steps = t0 + jnp.arange(K, dtype=jnp.int32)
            noise = {}                          # for the whole chunk at once, outside the time loop
            for fi, f in enumerate(fams):
                for name in f["model"].NOISE:       # stream: (pool name, noise name)
                    u = _random.uniform(struct["seed"], streams[(f["pools"][0], name)], steps, f["n"])
                    noise.setdefault(str(fi), {})[name] = u.astype(fdtype)
            const_in = {nm: a for nm, a in inputs.items() if nm not in per_step}
            xs_in = {nm: a for nm, a in inputs.items() if nm in per_step}
            xs_in["_noise"] = noise
            fam_const = [fam_input(f, const_in) if any(nm in const_in for nm in f["pools"]) else None for f in fams]
            st0 = state

            def step(carry, xs):
                st, cnt = carry
                t = st["t"]
                new_fam, spikes = [], []
                for fi, f in enumerate(fams):
                    fs, qf, syns = st["fam"][fi], q["fam"][fi], rec_models[fi]
                    model = f["model"]
                    v = fs["pool"].get(model.VOLTAGE) if model.VOLTAGE else None
                    cur, jump, exp_terms = None, None, []
                    for syn, rs, qr in zip(syns, fs["rec"], qf["rec"]):
                        c, j, e = syn.input(rs, qr, v)
                        cur = c if cur is None else (cur if c is None else cur + c)
                        jump = j if jump is None else (jump if j is None else jump + j)
                        exp_terms.extend(e)
                    zeros = jnp.zeros((f["n"],), fdtype)
                    cur = zeros if cur is None else cur
                    jump = zeros if jump is None else jump
                    if fam_const[fi] is not None:
                        cur = cur + fam_const[fi]
                    if any(nm in xs for nm in f["pools"]):
                        cur = cur + fam_input(f, xs)
                    qp = {**qf["pool"], "_struct": struct["fam"][fi]}
                    ns, spk = model.step(fs["pool"], qp, SynInput(cur, jump, tuple(exp_terms)), t, dt,
                                         xs["_noise"].get(str(fi)))
                    rec = [syn.decay(rs, qr) for syn, rs, qr in zip(syns, fs["rec"], qf["rec"])]
                    new_fam.append({"pool": {k: ns[k] for k in model.STATE + model.INT_STATE}, "rec": rec})
                    spikes.append(spk)
                # event-driven propagation; axonal delays through ring buffers
                sp = jnp.concatenate(spikes + ([jnp.zeros((n_pad - n_total,), bool)] if n_pad > n_total else []))
                nat = None if not native else (struct["native"], {
                    g.gid: syn_w[g.gid + ":csr"] if g.per_synapse else derived["proj_w"][g.gid] for g in groups})
                accs = _sparse.propagate(sp, groups, struct["targets"], row_w, class_w, syn_w, n_slots, batch, fdtype,
                                         native=nat)
                new_plastic = st["plastic"]
                if plastic:
                    new_plastic, p_acc = plastic_step(st["plastic"], q["plastic"], struct["plastic"], sp, row_w,
                                                      {m: xs[m] for m in modulators})
                    accs = {d: accs[d] + p_acc[d] if d in accs and d in p_acc else accs.get(d, p_acc.get(d))
                            for d in set(accs) | set(p_acc)}
                arrive = accs.get(0, jnp.zeros((n_slots,), fdtype))
                bufs = dict(st["delay"])
                for d in delays:
                    if d > 0:
                        slot = t % d
                        arrive = arrive + bufs[str(d)][slot]
                        bufs[str(d)] = bufs[str(d)].at[slot].set(accs.get(d, jnp.zeros((n_slots,), fdtype)))
                for fi, f in enumerate(fams):
                    syns, qf = rec_models[fi], q["fam"][fi]
                    new_fam[fi]["rec"] = [
                        syn.receive(rs, qr, lax.dynamic_slice_in_dim(arrive, o, f["n"]))
                        for syn, rs, qr, o in zip(syns, new_fam[fi]["rec"], qf["rec"], f["rec_offset"])]
                def pool_slice(arr, nm):
                    o = fams[fam_of[nm]]["local"][nm]
                    return arr[o:o + pools[nm].n] if arr.shape[0] != pools[nm].n else arr
                cnt = {k: cnt[k] + (spikes[int(k[1:])] if k[0] == "#" else
                                    pool_slice(spikes[fam_of[k]], k)).astype(jnp.int32) for k in cnt}
                ys = []              # one gather per (family, variable): see rec_groups
                for (fi, var), idx in rec_groups:
                    val = spikes[fi] if var == "spikes" else new_fam[fi]["pool"][var]
                    ys.append(val if idx is None else val[idx])
                return ({"t": t + 1, "fam": new_fam, "delay": bufs, "plastic": new_plastic}, cnt), tuple(ys)

            cnt0 = {k: jnp.zeros((fams[int(k[1:])]["n"] if k[0] == "#" else pools[k].n,), jnp.int32)
                    for k in dict.fromkeys(acc.values())}
            if K == 1:
                (st, cnt), ys = step((st0, cnt0), jax.tree_util.tree_map(lambda a: a[0], xs_in))
                ys = tuple(y[None] for y in ys)
            else:
                (st, cnt), ys = lax.scan(step, (st0, cnt0), xs_in, length=K)
            ys = tuple(ys[g][:, o:o + m] for g, o, m in rec_parts)      # back to one array per spec
            floats = [v for v in jax.tree_util.tree_leaves(st) if jnp.issubdtype(v.dtype, jnp.floating)]
            ok = jnp.all(jnp.stack([jnp.all(jnp.isfinite(v)) for v in floats] or [jnp.array(True)]))
            out = jnp.concatenate([ok.astype(jnp.int32)[None]] + [
                cnt[nm] if acc[nm] == nm else
                cnt[acc[nm]][fams[fam_of[nm]]["local"][nm]:fams[fam_of[nm]]["local"][nm] + pools[nm].n]
                for nm in counted])
            return st, out, ys

        return chunk

    # ================================================================== checkpoints
    def save_checkpoint(self, path) -> None:
        """Write state, parameters, step and seed to an ``.npz`` file (no pickle)."""
        arrays = {f"state:{k}": v for k, v in self._spack.pack(self._state_tree()).items()}
        arrays.update({f"params:{k}": v for k, v in
                       Packer(self._host_param_tree(), np.float64).pack(self._host_param_tree()).items()})
        for nm, v in self._proj_params.items():
            if self.proj_info[nm]["per_syn"]:
                arrays[f"weight:{nm}"] = np.asarray(v["weight"])
        meta = {"format": "spark_lab.checkpoint/1", "fingerprint": self.fingerprint(), "t": self.t,
                "seed": self.net.seed, "draws": self._n_draws}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)

    def load_checkpoint(self, path) -> None:
        """Restore a checkpoint written by ``save_checkpoint`` for the same network."""
        with np.load(path, allow_pickle=False) as z:
            try:
                meta = json.loads(bytes(z["meta"]).decode())
            except (KeyError, ValueError):
                raise NetworkError(f"{path}: not a spark_lab checkpoint") from None
            if meta.get("format") != "spark_lab.checkpoint/1":
                raise NetworkError(f"{path}: not a spark_lab checkpoint (format {meta.get('format')!r})")
            if meta["fingerprint"] != self.fingerprint() or meta.get("seed") != self.net.seed:
                raise NetworkError(f"{path}: checkpoint of a different network (structure {meta['fingerprint']}, "
                                   f"seed {meta.get('seed')}; this one: {self.fingerprint()}, seed {self.net.seed})")
            state = {k.split(":", 1)[1]: z[k] for k in z.files if k.startswith("state:")}
            params = {k.split(":", 1)[1]: z[k] for k in z.files if k.startswith("params:")}
            weights = {k.split(":", 1)[1]: z[k] for k in z.files if k.startswith("weight:")}
        for k, n in self._spack.sizes.items():
            if k not in state or state[k].shape != (max(n, 1),):
                raise NetworkError(f"{path}: the saved state does not fit this network ({k})")
        tree = Packer(self._host_param_tree(), np.float64).unpack(params)
        self._pool_params = {p: {k: np.asarray(v, np.float64) for k, v in d.items()} for p, d in tree["pools"].items()}
        self._g_inh = {p: np.float64(v) for p, v in tree["g_inh"].items()}
        self._rec_params = [{k: np.asarray(v, np.float64) for k, v in d.items()} for d in tree["receptors"]]
        self._rule_params = {nm: [{k: np.asarray(v, np.float64) for k, v in d.items()} for d in rs]
                             for nm, rs in tree["rules"].items()}
        for nm, v in tree["w"].items():
            self._proj_params[nm]["weight"] = np.float64(v)
        for nm, v in weights.items():
            self._proj_params[nm]["weight"] = np.asarray(v, np.float64)
        self._push_params()
        self._refresh_syn_w(g.gid for g in self.groups if g.per_synapse)
        self._state = jax.tree_util.tree_map(jnp.asarray,
                                             self._spack.unpack({k: state[k].astype(k) for k in self._spack.sizes}))
        self._t_host = int(meta["t"])
        self._n_draws = int(meta.get("draws", 0))

    def fingerprint(self) -> str:
        """Hash of the structure (pools, sizes, synapse lists, delays): equal for equal networks."""
        h = hashlib.sha256()
        for p in self.pools:
            h.update(f"{p.name}:{type(p.model).__name__}:{p.n};".encode())
        for nm, inf in self.proj_info.items():
            h.update(f"{nm}:{inf['delay']}:{inf['receptor']}:{inf['per_syn']};".encode())
            h.update(inf["pre"].tobytes())
            h.update(inf["post"].tobytes())
        return h.hexdigest()[:16]


def _compiler_options():
    """XLA options for the chunk. On the CPU, XLA 0.10's YNNPACK fusions (used for the
    small matmuls and reductions of the propagation) cost ~50-80 us per call in set-up;
    the classic code path is 20 % faster at K = 1 here (bench/, measured)."""
    if jax.default_backend() == "cpu":
        return {"xla_cpu_experimental_ynn_fusion_type": ""}
    return None


def _noise_streams(pools) -> dict:
    """{(pool name, noise name): 32-bit stream id}: CRC-32 of the names, so a pool's noise
    does not depend on the other pools (adding, removing or reordering them, e.g. in the
    editor, leaves it unchanged). A collision (odds ~1e-9 for 10 pools) is resolved by
    salting the later name."""
    import zlib
    out, used = {}, set()
    for p in pools:
        for name in p.model.NOISE:
            k, sid = 0, zlib.crc32(f"{p.name}/{name}".encode())
            while sid in used:
                k += 1
                sid = zlib.crc32(f"{p.name}/{name}#{k}".encode())
            used.add(sid)
            out[(p.name, name)] = sid
    return out


def _rule_param_names(rules, canonical=False) -> dict:
    """{address: (rule index, parameter)}: a parameter's own name when only one rule of
    the projection has it, else "<rule name>.<parameter>" (always accepted; with
    ``canonical`` only one address per parameter is listed)."""
    seen = {}
    for i, r in enumerate(rules):
        for p in r.PARAMS:
            seen.setdefault(p, []).append(i)
    out = {}
    for i, r in enumerate(rules):
        for p in r.PARAMS:
            if len(seen[p]) == 1:
                out[p] = (i, p)
            if len(seen[p]) > 1 or not canonical:
                out[f"{r.name}.{p}"] = (i, p)
    return out


def _brief(a) -> str:
    r = repr(a)
    return r if len(r) <= 60 else r[:57] + "..."


def _count(x, where, field):
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < 1:
        raise ParameterError(where, field, f"got {x!r}", "give an integer >= 1")
    return int(x)


def _scalar(value, where, field, low=None):
    if isinstance(value, (bool, str, type(None))) or np.ndim(value) != 0:
        raise ParameterError(where, field, f"got {value!r}", "give one number")
    v = float(value)
    if not np.isfinite(v) or (low is not None and v < low):
        raise ParameterError(where, field, f"got {value!r}", f"must be a finite number >= {low:g}")
    return np.float64(v)
