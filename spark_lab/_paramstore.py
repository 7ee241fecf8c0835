"""The parameter store of a simulator: host copies (float64) of every run-time value,
their declarations, staged changes, and the device arguments computed from them.

A change goes through two steps:

* ``stage(changes) -> ParamUpdate``: every value checked once (type, shape, bounds, and the
  cross-field rules of its component against the values the store will hold, optionally
  after another pending update), keyed canonically (rule parameters as "<rule>.<param>").
  The update is frozen; ``merge`` combines two ("last set, last applied").
* ``apply(update, rng)``: all or nothing. Initializers stay unresolved in an update and are
  drawn here with ``rng()`` (one generator per pool or receptor change, so draws are seeded by
  the simulator's draw count); the cross-field rules are checked again on the final values.

Addresses: ``(pool, name)`` for a model parameter or ``g_inh``; ``(projection, name)`` for
``weight``, a synapse parameter or a plasticity rule parameter.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import _netparams
from ._checks import brief, is_real, number_array
from ._packing import Packer
from ._params import did_you_mean, resolve_value
from .errors import NetworkError, ParameterError
from .initializers import Initializer
from .plasticity._base import rule_param_names

_KINDS_WITH_DRAW = ("pool", "receptor")


class DeviceArgs(NamedTuple):
    """The chunk's arguments besides state and inputs: ``prepared`` (packed per-parameter
    constants), ``derived`` (row factors and class weight tables), ``syn_w`` (per-synapse ELL
    weight tables) and ``struct`` (``Layout.device_struct()``). A pytree: batching stacks it."""
    prepared: dict
    derived: dict
    syn_w: dict
    struct: dict


@dataclass(frozen=True)
class Change:
    """One staged change. ``key``: canonical address; ``kind``: "pool", "g_inh", "receptor",
    "rule" or "weight"; ``loc``: pool name, receptor index, (projection, rule index, parameter)
    or projection name; ``value``: the checked float64 array, or an unresolved Initializer;
    ``checked``: the value the cross-field rules were checked with."""
    key: tuple
    kind: str
    loc: object
    name: str
    value: object
    checked: object


@dataclass(frozen=True)
class ParamUpdate:
    """A checked, frozen set of parameter changes (see the module docstring)."""
    changes: tuple = ()

    def merge(self, other: ParamUpdate) -> ParamUpdate:
        """This update followed by ``other``: a key set in both takes ``other``'s value and moves
        to the end (applied last)."""
        keys = {c.key for c in other.changes}
        return ParamUpdate(tuple(c for c in self.changes if c.key not in keys) + tuple(other.changes))

    def values(self) -> dict:
        """{canonical key: value} (arrays, or Initializer objects still to be drawn)."""
        return {c.key: c.value for c in self.changes}

    def get(self, key: tuple, default=None):
        """The staged value of canonical ``key``, or ``default``."""
        return next((c.value for c in self.changes if c.key == key), default)

    def __len__(self) -> int:
        return len(self.changes)

    def __contains__(self, key) -> bool:
        return any(c.key == key for c in self.changes)


class ParamStore:
    """Host copies of the parameters of a :class:`~spark_lab._layout.Layout` and the device
    arguments computed from them. ``g_inh``: {pool: inhibitory gain} from the network."""

    def __init__(self, layout, g_inh: dict):
        self.layout = lay = layout
        seed = lay.seed
        self.pools = {}
        for i, p in enumerate(lay.pools.values()):
            rng = np.random.default_rng([seed, 0, i])
            where = f"{type(p.model).__name__} pool {p.name!r}"
            self.pools[p.name] = {k: resolve_value(p.model.values[k], d, p.n if d.per_neuron else None, rng, where, k)
                                  for k, d in p.model.PARAMS.items()}
            p.model.validate(self.pools[p.name], where)          # cross-field, per neuron
            p.model.check_dt(self.pools[p.name], lay.dt, where)
        self.g_inh = {nm: np.float64(g_inh[nm]) for nm in lay.pools}
        self.receptors = []
        for r, rc in enumerate(lay.receptors):
            syn, rng = rc.synapse, np.random.default_rng([seed, 4, r])
            where = f"{type(syn).__name__} synapse of projection {rc.projections[0]!r}"
            self.receptors.append({k: resolve_value(syn.values[k], d, rc.n if d.per_neuron else None, rng, where, k)
                                   for k, d in syn.PARAMS.items()})
            syn.validate(self.receptors[-1], where)
        self.rules = {}
        for nm in lay.plastic:
            self.rules[nm] = []
            for rule in lay.projections[nm].rules:
                where = f"{type(rule).__name__} rule of projection {nm!r}"
                vals = {k: resolve_value(rule.values[k], d, None, None, where, k) for k, d in rule.PARAMS.items()}
                rule.validate(vals, where)
                self.rules[nm].append(vals)
        self.weights = {nm: p.initial_weight for nm, p in lay.projections.items()}
        self._packer = Packer(self._device_tree(), lay.fdtype)
        self._make_prepare()
        self.syn_w = {}
        self.version = 0              # counts changes of the device arguments (push, refresh_syn_w)
        self.push()
        self.refresh_syn_w(g.gid for g in lay.groups if g.per_synapse)

    # ---------------------------------------------------------------- addresses
    def locate(self, target: str, name: str):
        """-> (kind, loc, decl, where) of a parameter address; raises for unknown ones."""
        lay = self.layout
        if target in lay.pools:
            model = lay.pools[target].model
            where = f"{type(model).__name__} pool {target!r}"
            if name in model.PARAMS:
                return "pool", target, model.PARAMS[name], where
            if name == "g_inh":
                return "g_inh", target, _netparams.G_INH, where
            opts = list(model.PARAMS) + ["g_inh"]
            raise ParameterError(where, name, "unknown parameter",
                                 f"{did_you_mean(name, opts)}parameters: {', '.join(opts)}")
        if target in lay.projections:
            p = lay.projections[target]
            if name == "weight":
                return "weight", target, self.weight_decl(target), f"projection {target!r}"
            if name in p.synapse.PARAMS:
                return "receptor", p.receptor, p.synapse.PARAMS[name], \
                    f"{type(p.synapse).__name__} synapse of projection {target!r}"
            rule_names = rule_param_names(p.rules)
            if name in rule_names:
                i, pname = rule_names[name]
                rule = p.rules[i]
                return ("rule", (target, i, pname), rule.PARAMS[pname],
                        f"{type(rule).__name__} rule of projection {target!r}")
            opts = ["weight"] + list(p.synapse.PARAMS) + list(rule_names)
            raise ParameterError(f"projection {target!r}", name, "unknown parameter",
                                 f"{did_you_mean(name, opts)}parameters: {', '.join(opts)}")
        opts = list(lay.pools) + list(lay.projections)
        raise NetworkError(f"unknown pool or projection {target!r}; {did_you_mean(str(target), opts)}"
                           f"known: {', '.join(opts)}")

    def weight_decl(self, projection: str):
        """The ``weight`` declaration of a projection (post pool's input unit; >= 0 from Dale pools)."""
        p = self.layout.projections[projection]
        dale = self.layout.pools[p.pre_pool].excitatory is not None
        return _netparams.weight_param(self.layout.pools[p.post_pool].model.INPUT_UNIT, dale, p.post_pool)

    def param_key(self, target: str, name: str) -> tuple:
        """The canonical address of a parameter (rule parameters as "<rule>.<parameter>")."""
        kind, loc, _, _ = self.locate(target, name)
        if kind == "rule":
            proj, i, pname = loc
            return proj, f"{self.layout.projections[proj].rules[i].name}.{pname}"
        return target, name

    def parameters(self) -> dict:
        """{target: {name: Param}} of every changeable parameter."""
        out = {nm: {**p.model.PARAMS, **_netparams.POOL_PARAMS} for nm, p in self.layout.pools.items()}
        for nm, p in self.layout.projections.items():
            rules = {k: p.rules[i].PARAMS[q] for k, (i, q) in rule_param_names(p.rules, True).items()}
            out[nm] = {"weight": self.weight_decl(nm), **p.synapse.PARAMS, **rules}
        return out

    def get(self, target: str, name: str) -> np.ndarray:
        """The host value (a copy); plastic weights are state and not held here."""
        kind, loc, _, _ = self.locate(target, name)
        if kind == "pool":
            return self.pools[loc][name].copy()
        if kind == "g_inh":
            return np.array(self.g_inh[loc])
        if kind == "receptor":
            return self.receptors[loc][name].copy()
        if kind == "rule":
            proj, i, pname = loc
            return self.rules[proj][i][pname].copy()
        return np.array(self.weights[loc], copy=True)

    # ---------------------------------------------------------------- stage and apply
    def stage(self, changes: dict, after: ParamUpdate | None = None) -> ParamUpdate:
        """Check ``{(target, name): value}`` once; raises ParameterError / NetworkError on the
        first bad one. Cross-field rules are checked against the current values, overlaid by
        ``after`` (a pending update) when given."""
        if not isinstance(changes, dict):
            raise ParameterError("set_params", "changes", f"got {brief(changes)}",
                                 "give a dict {(pool_or_projection, parameter): value}")
        staged = []
        for item, value in changes.items():
            if not (isinstance(item, tuple) and len(item) == 2):
                raise ParameterError("set_params", "changes", f"got the key {item!r}",
                                     "give {(pool_or_projection, parameter): value}")
            target, name = item
            kind, loc, decl, where = self.locate(target, name)
            if kind in _KINDS_WITH_DRAW:
                n = (self.layout.pools[loc].n if kind == "pool" else self.layout.receptors[loc].n) \
                    if decl.per_neuron else None
                checked = resolve_value(value, decl, n, np.random.default_rng(0), where, name)
            elif kind == "rule":
                checked = resolve_value(value, decl, None, None, where, loc[2])
            elif kind == "g_inh":
                checked = _scalar(value, where, name, low=0.0)
                decl.check_values(checked, where, name)
            else:
                checked = self._check_weight(loc, value, where)
            checked = _readonly(checked)
            keep = value if isinstance(value, Initializer) else checked
            staged.append(Change(self.param_key(target, name), kind, loc, name, keep, checked))
        update = ParamUpdate(tuple(staged))
        self._cross_check((after or ParamUpdate()).merge(update), use_checked=True)
        return update

    def resolve(self, update: ParamUpdate, rng) -> list:
        """The final values of ``update``: initializers drawn with ``rng()`` (one generator per
        pool or receptor change, in order), cross-field rules checked. -> [(Change, value)]."""
        out = []
        for c in update.changes:
            r = rng() if c.kind in _KINDS_WITH_DRAW else None
            if isinstance(c.value, Initializer):
                kind, loc, decl, where = self.locate(*c.key)
                n = self.layout.pools[loc].n if kind == "pool" else self.layout.receptors[loc].n
                out.append((c, resolve_value(c.value, decl, n, r, where, c.name)))
            else:
                out.append((c, np.array(c.value, copy=True)))
        self._cross_check(ParamUpdate(tuple(Change(c.key, c.kind, c.loc, c.name, v, v) for c, v in out)), True)
        return out

    def commit(self, resolved: list) -> dict:
        """Store resolved values (``resolve``) and refresh the device arguments.
        -> {plastic projection index: new weights} (state, which the caller sets)."""
        groups, plastic_w = set(), {}
        lay = self.layout
        for c, arr in resolved:
            if c.kind == "rule":
                proj, i, pname = c.loc
                self.rules[proj][i][pname] = arr
            elif c.kind == "pool":
                self.pools[c.loc][c.name] = arr
            elif c.kind == "g_inh":
                self.g_inh[c.loc] = arr
                groups |= {p.group for p in lay.projections.values()
                           if p.pre_pool == c.loc and p.per_syn and not p.plastic}
            elif c.kind == "receptor":
                self.receptors[c.loc][c.name] = arr
            else:
                self.weights[c.loc] = arr
                p = lay.projections[c.loc]
                if p.plastic:
                    plastic_w[lay.plastic.index(c.loc)] = arr
                elif p.per_syn:
                    groups.add(p.group)
        self.push()
        self.refresh_syn_w(groups)
        return plastic_w

    def _cross_check(self, update: ParamUpdate, use_checked: bool) -> None:
        """The components' cross-field rules on the current values overlaid by ``update``."""
        merged = {}
        for c in update.changes:
            val = c.checked if use_checked else c.value
            if c.kind == "pool":
                comp, base, where = self.layout.pools[c.loc].model, self.pools[c.loc], self.locate(*c.key)[3]
                merged.setdefault((c.kind, c.loc), (comp, dict(base), where))[1][c.name] = val
            elif c.kind == "receptor":
                rc = self.layout.receptors[c.loc]
                where = f"{type(rc.synapse).__name__} synapse of projection {c.key[0]!r}"
                merged.setdefault((c.kind, c.loc), (rc.synapse, dict(self.receptors[c.loc]), where))[1][c.name] = val
            elif c.kind == "rule":
                proj, i, pname = c.loc
                rule = self.layout.projections[proj].rules[i]
                where = f"{type(rule).__name__} rule of projection {proj!r}"
                merged.setdefault((c.kind, (proj, i)), (rule, dict(self.rules[proj][i]), where))[1][pname] = val
        for (kind, _), (component, values, where) in merged.items():
            component.validate(values, where)
            if kind == "pool":
                component.check_dt(values, self.layout.dt, where)

    def _check_weight(self, projection, value, where):
        p = self.layout.projections[projection]
        arr = number_array(value, where, "weight")        # refuses bools, strings, None, complex
        if not np.all(np.isfinite(arr)):
            raise ParameterError(where, "weight", "got NaN or inf", "must be finite")
        if arr.ndim == 1:
            if not p.per_syn:
                raise ParameterError(where, "weight", f"got an array of shape {arr.shape}",
                                     "this projection has one weight for all synapses (built with a number); "
                                     "build it with an initializer for per-synapse weights")
            if arr.shape != (p.n_syn,):
                raise ParameterError(where, "weight", f"got an array of shape {arr.shape}",
                                     f"give one number or an array of shape ({p.n_syn},), one per synapse")
        elif arr.ndim > 1:
            raise ParameterError(where, "weight", f"got an array of shape {arr.shape}", "give a number or a 1-D array")
        elif p.per_syn:
            arr = np.full(p.n_syn, float(arr))
        if self.layout.pools[p.pre_pool].excitatory is not None and np.any(arr < 0):
            raise ParameterError(where, "weight", "negative weight from a Dale pool",
                                 "weights are magnitudes >= 0; the sign comes from the neuron type")
        self.weight_decl(projection).check_values(arr, where, "weight")
        for rule in p.rules:
            rule.initial_weights(arr, where)
        return arr if arr.ndim else np.float64(arr)

    # ---------------------------------------------------------------- device side
    def _device_tree(self):
        """Parameters as the compiled code sees them: per family, members concatenated."""
        lay, fams = self.layout, []
        for f in lay.families:
            pp = {k: np.concatenate([np.broadcast_to(self.pools[nm][k], (lay.pools[nm].n,)) for nm in f.pools])
                  for k in f.model.PARAMS}
            rec = [{k: np.concatenate([np.broadcast_to(self.receptors[r][k], (lay.receptors[r].n,)) for r in rs])
                    for k in lay.receptors[rs[0]].synapse.PARAMS} for rs in f.receptors]
            fams.append({"pool": pp, "rec": rec})
        return {"fam": fams, "plastic": [self.rules[nm] for nm in lay.plastic]}

    def host_tree(self) -> dict:
        """Every host value but per-synapse weights, as one tree (checkpoints)."""
        return {"pools": self.pools, "g_inh": self.g_inh, "receptors": self.receptors, "rules": self.rules,
                "w": {nm: w for nm, w in self.weights.items() if not self.layout.projections[nm].per_syn}}

    def per_synapse_weights(self) -> dict:
        """{projection: weights per synapse} of the per-synapse projections (a copy)."""
        return {nm: np.asarray(w).copy() for nm, w in self.weights.items() if self.layout.projections[nm].per_syn}

    def restore(self, tree: dict, weights: dict) -> None:
        """Replace every host value by a ``host_tree`` and ``per_synapse_weights`` (checkpoints)."""
        self.pools = {p: {k: np.asarray(v, np.float64) for k, v in d.items()} for p, d in tree["pools"].items()}
        self.g_inh = {p: np.float64(v) for p, v in tree["g_inh"].items()}
        self.receptors = [{k: np.asarray(v, np.float64) for k, v in d.items()} for d in tree["receptors"]]
        self.rules = {nm: [{k: np.asarray(v, np.float64) for k, v in d.items()} for d in rs]
                      for nm, rs in tree["rules"].items()}
        for nm, v in tree["w"].items():
            self.weights[nm] = np.float64(v)
        for nm, v in weights.items():
            self.weights[nm] = np.asarray(v, np.float64)
        self.push()
        self.refresh_syn_w(g.gid for g in self.layout.groups if g.per_synapse)

    def _make_prepare(self):
        """Per-parameter-change constants (propagators etc.), computed by one jitted call
        when parameters change, not in every chunk."""
        lay, ppack = self.layout, self._packer
        fams, dt = lay.families, lay.dt
        rec_models = [[lay.receptors[rs[0]].synapse for rs in f.receptors] for f in fams]
        rules = [lay.projections[nm].rules for nm in lay.plastic]

        def prepare(fparams):
            params = ppack.unpack(fparams)
            out = []
            for f, fp, syns in zip(fams, params["fam"], rec_models):
                q_rec = [syn.prepare(rp, dt) for syn, rp in zip(syns, fp["rec"])]
                taus = tuple(tau for syn, rp in zip(syns, fp["rec"]) for tau in syn.exp_taus(rp))
                out.append({"pool": f.model.prepare(fp["pool"], dt, taus), "rec": q_rec})
            plastic = [[r.prepare(rp, dt) for r, rp in zip(rs, rps)] for rs, rps in zip(rules, params["plastic"])]
            return {"fam": out, "plastic": plastic}

        example = {k: jnp.zeros((max(n, 1),), k) for k, n in ppack.sizes.items()}
        self.q_packer = qp = Packer(jax.eval_shape(prepare, example))
        self._prepare_fn = jax.jit(lambda fp: qp.pack_traced(prepare(fp)))

    def push(self):
        """Send the parameters to the device, with the derived tables (propagators, the weight
        tables of class groups), computed here on parameter change, not in every chunk."""
        lay, fd = self.layout, self.layout.fdtype
        fparams = {k: jnp.asarray(v) for k, v in self._packer.pack(self._device_tree()).items()}
        self.prepared = self._prepare_fn(fparams)
        gext = np.concatenate([[-self.g_inh[nm] for nm in lay.pools], [1.0]])
        derived = {"row_w": jnp.asarray(gext[lay.inh_pool], fd), "class_w": {}, "proj_w": {}}
        for g in lay.groups:
            if not g.per_synapse:
                wv = np.array([float(self.weights[nm]) for nm in g.projections] + [0.0])
                derived["class_w"][g.gid] = jnp.asarray(wv[lay.cls_index[g.gid]], fd)
                if g.csr is not None:        # the native kernel weighs runs by projection
                    derived["proj_w"][g.gid] = jnp.asarray(wv, fd)
        self.derived = derived
        self.version += 1

    def signed_weights(self, projection: str, w) -> np.ndarray:
        """Weights ``w`` (magnitudes) of ``projection``, one per synapse, with the Dale sign
        (-g_inh for synapses from inhibitory neurons)."""
        p = self.layout.projections[projection]
        w = np.broadcast_to(w, (p.n_syn,)).astype(np.float64)
        mask = self.layout.pools[p.pre_pool].excitatory
        if mask is not None:
            w = np.where(mask[p.pre], w, -self.g_inh[p.pre_pool] * w)
        return w

    def refresh_syn_w(self, gids):
        """Rebuild the device ELL weight arrays of the given per-synapse groups."""
        lay = self.layout
        self.version += 1
        for gid in gids:
            g = lay.group(gid)
            W = np.zeros(lay.rows * g.width, np.float64)
            for nm in g.projections:
                W[g.slot_index[nm]] = self.signed_weights(nm, self.weights[nm])
            self.syn_w[gid] = jnp.asarray(W.reshape(lay.rows, g.width), lay.fdtype)
            if g.csr is not None:            # the native kernel's copy, in its synapse order
                self.syn_w[gid + ":csr"] = jnp.asarray(W[g.csr.ell_index] if W.size else W, lay.fdtype)


def _readonly(a):
    a = np.array(a, np.float64, copy=True)
    a.setflags(write=False)
    return a


def _scalar(value, where, field, low=None):
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]                               # a 0-d array of a real number is that number
    if not is_real(value) or np.ndim(value) != 0:       # bools (numpy's too) and complex refused
        raise ParameterError(where, field, f"got {brief(value)}", "give one number")
    v = float(value)
    if not np.isfinite(v) or (low is not None and v < low):
        raise ParameterError(where, field, f"got {value!r}", f"must be a finite number >= {low:g}")
    return np.float64(v)
