"""The Network class: a description that owns its changes (see the package docstring)."""
from __future__ import annotations

import copy as _copy
import dataclasses
import math
import re
import types
from contextlib import contextmanager

import numpy as np

from .. import _checks
from .._params import did_you_mean
from .._record_policy import reads_pool
from ..connectivity import Connectivity, FixedProbability
from ..errors import NetworkError, ParameterError
from ..interfaces import editing as _editing
from ..neurons._base import NeuronModel
from ..synapses._base import SynapseModel
from . import _describe, _init
from ._nodes import NodeEdits
from ._parts import (
    Pool,
    Projection,
    RecordSpec,
    check_delay,
    check_weight,
    dale_mask,
    g_inh_value,
    plasticity_tuple,
    pool_size,
    receptor_var,
    resolve_end,
)

_KEEP = object()        # configure(): "leave this setting as it is"
_OPS = ("add_pool", "remove_pool", "rename_pool", "update_pool", "connect", "disconnect", "rename_projection",
        "update_projection", "record", "unrecord", "layout", "add_input", "remove_input", "update_input",
        "rename_input", "add_output", "remove_output", "update_output", "rename_output", "configure",
        "reorder", "replace")


class Network(NodeEdits):
    """A network description. See the package docstring for an example.

    dt:    time step in ms (> 0).
    seed:  integer seed (0 <= seed < 2**32) of everything random: connectivity, initial
           values (numpy's default_rng) and the noise drawn during a run (Threefry-2x32
           counters keyed by seed, pool and step; see spark_lab/_random.py).
    dtype: "float32" (default) or "float64": building a float64 network needs JAX's 64-bit
           mode (``jax.config.update("jax_enable_x64", True)`` first); without it build()
           raises ParameterError rather than run in float32.
    native: None (default) uses the C++ propagation kernel on the CPU when it is built
           (``make install`` builds it) and pure JAX otherwise; False forces pure JAX;
           True requires the kernel. Both give the same spikes; GPUs always use pure JAX.
    spike_batch: spikes handled per batch in the event-driven propagation; more
           spikes in one step are handled by further batches (exact, just slower).

    ``pools``, ``projections``, ``inputs``, ``outputs`` and ``layout`` are read-only
    mappings and ``records`` a tuple: change them through the methods, which validate
    and emit one change event each (``observe``).
    """

    def __init__(self, dt: float = 0.1, seed: int = 0, dtype: str = "float32",
                 spike_batch: int = 128, native: bool | None = None):
        self._dt, self._seed, self._dtype, self._spike_batch, self._native = _settings(
            dt, seed, dtype, spike_batch, native)
        self._pools: dict[str, Pool] = {}
        self._projections: dict[str, Projection] = {}
        self._records: dict[str, RecordSpec] = {}     # "pool.var" -> spec, in order (one lookup per record())
        self._inputs: dict = {}       # name -> interfaces.InputNode (add_input)
        self._outputs: dict = {}      # name -> interfaces.OutputNode (add_output)
        self._layout: dict[str, tuple[float, float]] = {}
        self._observers: list = []
        self._batch: list | None = None     # events of a change made of several steps (transaction)

    # read-only views
    pools = property(lambda self: types.MappingProxyType(self._pools), doc="{name: Pool} (read-only)")
    projections = property(lambda self: types.MappingProxyType(self._projections),
                           doc="{name: Projection} (read-only)")
    inputs = property(lambda self: types.MappingProxyType(self._inputs), doc="{name: InputNode} (read-only)")
    outputs = property(lambda self: types.MappingProxyType(self._outputs), doc="{name: OutputNode} (read-only)")
    layout = property(lambda self: types.MappingProxyType(self._layout),
                      doc="editor layout {pool or node name: (x, y)} in canvas pixels (read-only; set_position)")
    records = property(lambda self: tuple(self._records.values()), doc="the RecordSpecs, in order")
    dt = property(lambda self: self._dt, doc="time step in ms (configure)")
    seed = property(lambda self: self._seed, doc="seed of everything random (configure)")
    dtype = property(lambda self: self._dtype, doc='"float32" or "float64" (configure)')
    spike_batch = property(lambda self: self._spike_batch, doc="spikes per propagation batch (configure)")

    @property
    def native(self):
        """None (automatic), True or False: the C++ propagation kernel (see the class docstring)."""
        return self._native

    @native.setter
    def native(self, value) -> None:
        self.configure(native=value)

    # change events
    def observe(self, callback) -> None:
        """Call ``callback(event: dict)`` after every change of this network.

        ``event["op"]`` is one of "add_pool", "remove_pool", "rename_pool", "update_pool",
        "connect", "disconnect", "rename_projection", "update_projection", "record",
        "unrecord", "layout", "add_input", "remove_input", "update_input", "rename_input",
        "add_output", "remove_output", "update_output", "rename_output", "configure"
        (dt, seed, ...: ``fields``), "reorder" (``what``), "replace" (``replace_with``);
        the other keys name what changed (``name``, ``old``, ``new``). A change made of
        several steps (``add_input`` adds a pool, ``remove_input`` removes it) is one event
        whose ``parts`` lists the steps' events. Editors use this to stay in sync with
        code that changes the network."""
        if callback not in self._observers:
            self._observers.append(callback)

    def unobserve(self, callback) -> None:
        """Stop calling ``callback`` on changes (no error if it was not observing)."""
        if callback in self._observers:
            self._observers.remove(callback)

    def _emit(self, op: str, **info) -> None:
        if self._batch is not None:
            self._batch.append({"op": op, **info})
            return
        for cb in list(self._observers):
            cb({"op": op, **info})

    @contextmanager
    def transaction(self, op: str, **info):
        """Make the changes inside one event ``op`` (with ``info`` and ``parts``: the events
        of the steps, in order; a transaction inside another adds its steps and then its
        own event, with no parts, to the outer one's parts). It is emitted when the block
        ends, also when a step fails after an earlier step changed the network."""
        if op not in _OPS:
            raise NetworkError(f"unknown change {op!r}; {did_you_mean(str(op), _OPS)}changes: {', '.join(_OPS)}")
        outer, self._batch = self._batch, []
        ok = False
        try:
            yield
            ok = True
        finally:
            parts, self._batch = self._batch, outer
            if (ok or parts) and outer is not None:     # inside another transaction: its steps
                outer.extend(parts)
                outer.append({"op": op, **info, "parts": []})
            elif ok or parts:
                self._emit(op, **info, parts=parts)

    # pools, projections, records
    def add_pool(self, name: str, model: NeuronModel, n: int, excitatory=None, g_inh: float = 1.0,
                 init=None) -> Pool:
        """Add ``n`` neurons of ``model``.

        excitatory (Dale's law): None = weights keep their sign; True / False = all
        neurons excitatory / inhibitory; a float f = the first round(f n) neurons are
        excitatory; or a boolean array of length n. Weights of projections leaving a
        Dale pool are magnitudes (>= 0); those from inhibitory neurons act as
        ``-g_inh * weight`` (g_inh >= 0, changeable at run time as the pool parameter "g_inh").
        init: initial values of state variables, ``{var: number | initializer | "-60 mV"}``,
        used by ``build()`` and every ``reset()`` (spark_lab/network/_init.py).
        """
        _checks.name(name, "pool")
        if name in self._pools:
            raise NetworkError(f"a pool named {name!r} exists already")
        if name in self._outputs or (name in self._inputs and self._inputs[name].pool != name):
            self.check_free(name, "pool")
        if not isinstance(model, NeuronModel):
            raise NetworkError(f"pool {name!r}: model must be a neuron model such as LIF(), got {model!r}")
        n = pool_size(n, name)
        inits = _init.check(init, tuple(model.STATE), _init.neuron_units(model), f"pool {name!r}",
                            type(model).__name__)
        self._pools[name] = Pool(name, model, n, dale_mask(excitatory, n, name), g_inh_value(g_inh, name), inits)
        # pools made by add_input stay after the ordinary pools, in their own order: the order the
        # model file rebuilds (it keeps the simulation's layout, hence the exact spikes, on reload)
        for nm in [nd.pool for nd in self._inputs.values() if nd.pool == nd.name and nd.pool in self._pools]:
            self._pools[nm] = self._pools.pop(nm)
        self._emit("add_pool", name=name)
        return self._pools[name]

    def connect(self, pre, post, synapse: SynapseModel | None = None,
                connectivity: Connectivity | None = None, weight=1.0, delay: float = 0.0,
                name: str | None = None, plasticity=None, init=None) -> Projection:
        """Connect pool ``pre`` to pool ``post`` (each a pool, its name, or a slice of a pool,
        ``net.pools["exc"][:800]``: the connectivity is drawn on the slice's neurons).

        synapse: a synapse model (default ``Exponential()``); projections into one pool
            that share a synapse *instance* share its state and parameters.
        connectivity: default ``FixedProbability(p=0.1)``.
        weight: a number (one value for the projection: the fast path) or an initializer
            (one value per synapse), in the post model's input unit; changeable at run time.
            With ``FromMatrix`` the matrix carries the weights: leave ``weight`` at its default.
        delay: axonal delay in ms, a whole number of steps; 0 = the spike acts at the next step.
        plasticity: a plasticity rule (``spark_lab.plasticity``) or a list of them; the
            weights of a plastic projection are per synapse and part of the state.
        init: initial values of the synapse's receptor state (e.g. ``{"g": Uniform(0.0, 0.1)}``
            for a Conductance), ``{var: number | initializer | string with unit}``, one value
            per post neuron; projections sharing a synapse instance must agree (_init.py).
        """
        (pre_n, pre_r), (post_n, post_r) = resolve_end(self, pre, "pre"), resolve_end(self, post, "post")
        name = name or self._unique(f"{pre_n}->{post_n}")
        _checks.name(name, "projection", arrow=True)
        if name in self._projections:
            raise NetworkError(f"a projection named {name!r} exists already")
        p = self._projection(name, pre_n, post_n, synapse, connectivity, weight, delay, plasticity, init,
                             (pre_r, post_r))
        self._projections[name] = p
        self._emit("connect", name=name)
        return p

    def _projection(self, name, pre_n, post_n, synapse, connectivity, weight, delay, plasticity,
                    init=None, ranges=(None, None)) -> Projection:
        """The checked Projection ``name`` (not stored)."""
        from ..synapses.exponential import Exponential

        synapse = Exponential() if synapse is None else synapse
        connectivity = FixedProbability() if connectivity is None else connectivity
        where = f"projection {name!r}"
        if not isinstance(synapse, SynapseModel):
            raise NetworkError(f"{where}: synapse must be a synapse model such as Exponential(), got {synapse!r}")
        if not isinstance(connectivity, Connectivity):
            raise NetworkError(f"{where}: connectivity must be a rule such as FixedProbability(p=0.1), "
                               f"got {connectivity!r}")
        if synapse.NEEDS_VOLTAGE and self._pools[post_n].model.VOLTAGE is None:
            raise NetworkError(f"{where}: a {type(synapse).__name__} synapse needs the membrane potential of its "
                               f"target, but pool {post_n!r} ({type(self._pools[post_n].model).__name__}) has none")
        mask = self._pools[pre_n].excitatory
        if mask is not None and ranges[0] is not None:
            mask = mask[ranges[0][0]:ranges[0][1]]
        if synapse.NEEDS_VOLTAGE and mask is not None and not mask.all():
            a = 0 if ranges[0] is None else ranges[0][0]
            k = a + int(np.argmin(mask))
            part = f"the slice net.pools[{pre_n!r}][{a}:{k}]" if k > a else "a slice of its excitatory neurons"
            raise NetworkError(f"{where}: pool {pre_n!r} has inhibitory neurons (Dale; the first at index {k}) whose "
                               f"negative weights would give negative conductances; with conductance synapses the "
                               f"reversal potential carries the sign: connect only excitatory neurons ({part}), or "
                               f"make the pool without Dale's law (excitatory=None) and connect its slices, the "
                               f"inhibitory one with Conductance(E_rev=-80.0)")
        delay = check_delay(delay, self._dt, where)
        if connectivity.explicit_weights() is not None and not (_checks.is_real(weight) and weight == 1.0):
            raise NetworkError(f"{where}: {type(connectivity).__name__} carries the weights (its nonzero entries); "
                               f"leave weight at its default instead of weight={weight!r}")
        check_weight(weight, self, pre_n, post_n, where)
        rules = plasticity_tuple(plasticity, where)
        for rule in rules:
            rule.check_projection(self, pre_n, post_n, where)
        inits = _init.check(init, tuple(synapse.STATE),
                            _init.synapse_units(synapse, self._pools[post_n].model.INPUT_UNIT), where,
                            type(synapse).__name__)
        if inits:
            _init.merged([(nm, pr.init) for nm, pr in self._projections.items() if nm != name and
                          pr.post == post_n and pr.synapse is synapse] + [(name, inits)], where)
        return Projection(name, pre_n, post_n, synapse, connectivity, weight, delay, rules, inits, *ranges)

    def record(self, pool, var: str = "spikes", every: int = 1, neurons=None, between=None,
               when=None) -> RecordSpec:
        """Record ``var`` of ``pool`` (see RecordSpec; checked by ``RecordSpec.parse``), with the
        policies ``every``, ``between`` ([t0, t1] ms) and ``when`` (spark_lab/_record_policy.py).
        Recording never changes the dynamics; a second record of the same "pool.var"
        replaces the first. A synapse's receptor variable is recorded on the post pool:
        ``record("exc->inh", "g")`` is ``record("inh", "exc->inh.g")`` (key "inh.exc->inh.g")."""
        target = pool if isinstance(pool, str) and pool in self._projections else self.pool_name(pool)
        spec = RecordSpec.parse(RecordSpec(target, var, every, neurons, between, when), self)
        self._records.pop(spec.key, None)
        self._records[spec.key] = spec
        self._emit("record", name=spec.key)
        return spec

    def remove_pool(self, name) -> None:
        """Remove a pool with its projections, records and layout entry (one event
        "remove_pool"; its ``parts`` hold the removed projections and records)."""
        pn = self.pool_name(name)
        with self.transaction("remove_pool", name=pn):
            for nm in [nm for nm, pr in self._projections.items() if pn in (pr.pre, pr.post)]:
                self.remove_projection(nm)
            for r in [r for r in self._records.values() if reads_pool(r, pn)]:
                self.unrecord(r.key)
            del self._pools[pn]
            self._layout.pop(pn, None)

    def remove_projection(self, name: str) -> None:
        """Remove a projection (event "disconnect"); records of its receptor go with it (then
        one "disconnect" transaction whose parts are their "unrecord" events)."""
        self._known_projection(name)
        recs = [r.key for r in self._records.values() if (receptor_var(r) or ("",))[0] == name]
        if not recs:
            del self._projections[name]
            self._emit("disconnect", name=name)
            return
        with self.transaction("disconnect", name=name):
            for key in recs:
                self.unrecord(key)
            del self._projections[name]

    def unrecord(self, key: str) -> None:
        """Stop recording ``"pool.var"``."""
        if key not in self._records:
            recorded = ", ".join(self._records) or "(none)"
            raise NetworkError(f"{key!r} is not recorded; recorded: {recorded}")
        del self._records[key]
        self._emit("unrecord", name=key)

    def rename_pool(self, old, new: str) -> None:
        """Rename a pool; projections, records, layout, inputs into it and outputs reading
        it follow (an input that made the pool is renamed with it). Projection names
        that were made from the pool names ("a->b") are renamed too."""
        on = self.pool_name(old)
        if new == on:
            return
        _checks.name(new, "pool")
        if new in self._pools:
            raise NetworkError(f"a pool named {new!r} exists already")
        self.check_free(new, "pool")
        self._pools = {(new if k == on else k): (dataclasses.replace(v, name=new) if k == on else v)
                       for k, v in self._pools.items()}
        renamed, projections = {}, {}
        for nm, pr in self._projections.items():
            if on in (pr.pre, pr.post):
                auto = re.fullmatch(rf"{re.escape(pr.pre)}->{re.escape(pr.post)}(#\d+)?", nm)
                pre, post = (new if pr.pre == on else pr.pre), (new if pr.post == on else pr.post)
                if auto:
                    renamed[nm] = f"{pre}->{post}{auto.group(1) or ''}"
                pr = _copy.copy(pr)
                pr.name, pr.pre, pr.post = renamed.get(nm, nm), pre, post
            projections[pr.name] = pr
        self._projections = projections
        self._records = {r.key: r for r in (r.renamed(on, new).renamed_projections(renamed)
                                             for r in self._records.values())}
        if on in self._layout:
            self._layout[new] = self._layout.pop(on)
        self._inputs, self._outputs = _editing.follow_pool_rename(self._inputs, self._outputs, on, new)
        self._emit("rename_pool", old=on, new=new, projections=renamed)

    def rename_projection(self, old: str, new: str) -> None:
        """Rename a projection."""
        self._known_projection(old)
        if new == old:
            return
        _checks.name(new, "projection", arrow=True)
        if new in self._projections:
            raise NetworkError(f"a projection named {new!r} exists already")
        self._projections = {(new if k == old else k): v for k, v in self._projections.items()}
        self._projections[new] = _copy.copy(self._projections[new])
        self._projections[new].name = new
        self._records = {r.key: r for r in (r.renamed_projections({old: new}) for r in self._records.values())}
        self._emit("rename_projection", old=old, new=new)

    def update_pool(self, name, model: NeuronModel | None = None, n: int | None = None, excitatory=...,
                    g_inh: float | None = None, init=...) -> Pool:
        """Replace some of a pool's fields (validated as in ``add_pool``); all or nothing.
        Projections, encoders and decoders that no longer fit (e.g. a conductance synapse
        into a pool without a membrane potential, a decoder whose groups do not divide
        the new size) make it fail with the reason; inputs and outputs take a new size.
        ``init`` replaces the initial values; without it a new model keeps those of its variables."""
        pn = self.pool_name(name)
        old = self._pools[pn]
        exc = old.excitatory if excitatory is ... else excitatory
        nn = old.n if n is None else n
        if exc is not None and excitatory is ... and n is not None and nn != old.n:
            exc = float(old.excitatory.mean())          # keep the fraction when resizing
        trial = Network(self._dt, self._seed, self._dtype, self._spike_batch, self._native)
        for k, p in self._pools.items():
            if k == pn:
                trial.add_pool(pn, old.model if model is None else model, nn, exc,
                               old.g_inh if g_inh is None else g_inh, _kept_init(old, model) if init is ... else init)
            else:
                trial.add_pool(k, p.model, p.n, p.excitatory, p.g_inh, dict(p.init))
        for pr in self._projections.values():
            trial.connect(pr.source, pr.target, pr.synapse, pr.connectivity, pr.weight, pr.delay, pr.name,
                          pr.plasticity, dict(pr.init))
        for r in self._records.values():
            trial.record(r.pool, r.var, r.every, r.neurons if r.neurons is None or
                         max(r.neurons) < trial.pools[r.pool].n else None, r.between, r.when)
        inputs, outputs = _editing.refit(self, {k: p.n for k, p in trial.pools.items()})
        self._pools[pn] = trial.pools[pn]
        self._records = {r.key: r for r in trial.records}
        self._inputs, self._outputs = inputs, outputs
        self._emit("update_pool", name=pn)
        return self._pools[pn]

    def update_projection(self, name: str, **fields) -> Projection:
        """Replace some of a projection's fields (synapse, connectivity, weight, delay,
        plasticity, init, pre, post), validated as in ``connect``; all or nothing. A new
        synapse keeps the initial values of the variables it has; a receptor record that
        would no longer exist makes it fail (unrecord first)."""
        pr = self._known_projection(name)
        allowed = ("pre", "post", "synapse", "connectivity", "weight", "delay", "plasticity", "init")
        bad = [k for k in fields if k not in allowed]
        if bad:
            raise NetworkError(f"projection {name!r}: cannot update {bad[0]!r}; {did_you_mean(bad[0], allowed)}"
                               f"fields: {', '.join(allowed)}")
        cur = dict(pre=pr.source, post=pr.target, synapse=pr.synapse, connectivity=pr.connectivity,
                   weight=pr.weight, delay=pr.delay, plasticity=pr.plasticity, init=dict(pr.init))
        if "synapse" in fields and "init" not in fields:       # a new synapse keeps the values of its variables
            cur["init"] = {k: v for k, v in pr.init.items() if k in getattr(fields["synapse"], "STATE", ())}
        cur.update(fields)
        (pre_n, pre_r), (post_n, post_r) = resolve_end(self, cur.pop("pre"), "pre"), resolve_end(self, cur.pop("post"),
                                                                                              "post")
        new = self._projection(name, pre_n, post_n, **cur, ranges=(pre_r, post_r))
        for r in self._records.values():
            rv = receptor_var(r)
            if rv is not None and rv[0] == name and (new.post != r.pool or rv[1] not in new.synapse.STATE):
                raise NetworkError(f"projection {name!r}: {r.key!r} is recorded and would no longer exist; "
                                   f"unrecord it first (net.unrecord({r.key!r}))")
        self._projections[name] = new
        self._emit("update_projection", name=name)
        return new

    # settings, layout, order, whole content
    def configure(self, dt=_KEEP, seed=_KEEP, dtype=_KEEP, spike_batch=_KEEP, native=_KEEP) -> None:
        """Change the settings given (as in the constructor): one event "configure" whose
        ``fields`` names them; nothing when none changes. A new ``dt`` must keep every
        projection's delay a whole number of steps."""
        cur = dict(dt=self._dt, seed=self._seed, dtype=self._dtype, spike_batch=self._spike_batch, native=self._native)
        given = dict(dt=dt, seed=seed, dtype=dtype, spike_batch=spike_batch, native=native)
        new = dict(zip(cur, _settings(**{k: cur[k] if v is _KEEP else v for k, v in given.items()})))
        changed = [k for k in cur if new[k] != cur[k] or type(new[k]) is not type(cur[k])]
        if not changed:
            return
        for pr in self._projections.values():
            check_delay(pr.delay, new["dt"], f"projection {pr.name!r}")
        self._dt, self._seed, self._dtype, self._spike_batch, self._native = new.values()
        self._emit("configure", fields=changed)

    def set_position(self, name: str, x: float, y: float) -> None:
        """Editor layout: where the node ``name`` is drawn (canvas pixels)."""
        if not (_checks.is_real(x) and _checks.is_real(y) and math.isfinite(x) and math.isfinite(y)):
            raise ParameterError(f"layout of {name!r}", "position", f"got ({x!r}, {y!r})", "give two finite numbers")
        self._layout[name] = (float(x), float(y))
        self._emit("layout", name=name)

    def remove_position(self, name: str) -> None:
        """Editor layout: forget where ``name`` is drawn (event "layout")."""
        if name not in self._layout:
            raise NetworkError(f"{name!r} has no position; positions: {', '.join(self._layout) or '(none)'}")
        del self._layout[name]
        self._emit("layout", name=name)

    def reorder(self, pools=None, projections=None, inputs=None, outputs=None, records=None) -> None:
        """Put pools, projections, input nodes, output nodes or records (their keys,
        "pool.var" for records) in the order given; each must name every one of its kind
        once. One event "reorder" (``what``: the kinds whose order changed); nothing when
        the order stays. The order of pools is the simulator's layout order."""
        orders = dict(pools=pools, projections=projections, inputs=inputs, outputs=outputs, records=records)
        current = dict(pools=self._pools, projections=self._projections, inputs=self._inputs,
                       outputs=self._outputs, records=self._records)
        changed = {}
        for what, order in orders.items():
            if order is None:
                continue
            order, have = list(order), current[what]
            if sorted(order, key=str) != sorted(have, key=str) or len(set(order)) != len(order):
                raise NetworkError(f"reorder {what}: give each of {', '.join(have) or '(none)'} once, got {order!r}")
            if order != list(have):
                changed[what] = {k: have[k] for k in order}
        if not changed:
            return
        for what, d in changed.items():
            if what == "records":
                self._records = d
            else:
                setattr(self, f"_{what}", d)
        self._emit("reorder", what=list(changed))

    def replace_with(self, other: Network) -> None:
        """Take over the whole content of ``other`` (settings, pools, projections, records,
        nodes, layout; copies, so later edits of either do not reach the other) as one
        event "replace". Observers of this network stay; ``other`` is not changed."""
        if not isinstance(other, Network):
            raise NetworkError(f"replace_with takes a Network, got {_checks.brief(other)}")
        if other is self:
            return
        self._dt, self._seed, self._dtype, self._spike_batch, self._native = (
            other.dt, other.seed, other.dtype, other.spike_batch, other.native)
        self._pools = {k: _copy.copy(p) for k, p in other.pools.items()}
        self._projections = {k: _copy.copy(p) for k, p in other.projections.items()}
        self._records = {r.key: r for r in other.records}
        self._layout = dict(other.layout)
        self._inputs = {k: _copy.deepcopy(nd) for k, nd in other.inputs.items()}      # routings are mutable
        self._outputs = {k: _copy.deepcopy(nd) for k, nd in other.outputs.items()}
        self._emit("replace")

    def copy(self) -> Network:
        """An independent copy of the description (components are immutable and shared; pools,
        projections, records, nodes and layout are new objects; observers are not copied).
        A Simulator built from the copy is unaffected by later edits of this network."""
        new = Network(self._dt, self._seed, self._dtype, self._spike_batch, self._native)
        new.replace_with(self)
        return new

    def build(self, memory_limit=None, devices=None):
        """Draw connectivity and initial values and return a Simulator.

        First the memory it needs is estimated (``spark_lab._memory``): over ``memory_limit``
        bytes (default: SPARK_LAB_MEMORY_LIMIT, else the memory available now; ``math.inf``:
        no check) it raises ParameterError naming the pool or projection and the field
        (``n``, ``connectivity``, ``delay``) before anything is allocated.

        ``devices``: a list of JAX devices or a ``jax.sharding.Mesh``: the neurons of every
        pool are split across them and a ``spark_lab.sharding.ShardedSimulator`` is returned
        (pure-JAX propagation; docs/guide/scale-out.md)."""
        from .. import _memory
        from ..simulator import Simulator
        _memory.check(self, memory_limit)
        if devices is None:
            return Simulator(self)
        from ..sharding import ShardedSimulator
        return ShardedSimulator(Simulator(self), devices)

    # descriptions
    def structure_signature(self, seed: bool = True) -> tuple:
        """A hashable description of everything whose change needs a new build (see
        ``spark_lab/network/_describe.py``): equal for networks that differ only in values.
        ``seed=False`` leaves the seed out (agents of one batch differ only there)."""
        return _describe.structure_signature(self, seed)

    def values(self) -> dict:
        """{(target, name): value} of every run-time-changeable value: the PARAMS of pool
        models, synapses and plasticity rules ("<rule>.<param>" where two rules of a
        projection share a name), each pool's "g_inh" and each projection's "weight"."""
        return _describe.values(self)

    # names
    def pool_name(self, p) -> str:
        """The name of pool ``p`` (a Pool or a name) of this network, else NetworkError."""
        name = p.name if isinstance(p, Pool) else p
        if not isinstance(name, str) or name not in self._pools:
            raise NetworkError(f"unknown pool {name!r}; {did_you_mean(str(name), self._pools)}"
                               f"pools: {', '.join(self._pools) or '(none yet)'}")
        return name

    def check_free(self, name, what: str, keep: str | None = None) -> None:
        """NetworkError unless ``name`` is a valid name of a ``what`` that no pool, input
        or output other than ``keep`` has (they share one namespace)."""
        _checks.name(name, what)
        for kind, names in (("pool", self._pools), ("input", self._inputs), ("output", self._outputs)):
            if name in names and name != keep:
                raise NetworkError(f"the name {name!r} is taken by {'an' if kind[0] in 'io' else 'a'} {kind}; "
                                   f"give the {what} its own name")

    def _known_projection(self, name) -> Projection:
        if name not in self._projections:
            raise NetworkError(f"unknown projection {name!r}; {did_you_mean(str(name), self._projections)}"
                               f"projections: {', '.join(self._projections) or '(none)'}")
        return self._projections[name]

    def _unique(self, base: str) -> str:
        if base not in self._projections:
            return base
        k = 2
        while f"{base}#{k}" in self._projections:
            k += 1
        return f"{base}#{k}"

    def __repr__(self):
        return (f"Network(dt={self._dt} ms, seed={self._seed}, pools={list(self._pools)}, "
                f"projections={list(self._projections)})")


def _kept_init(pool: Pool, model) -> dict:
    """The initial values a pool keeps when its model is replaced by ``model`` (None: kept)."""
    return {k: v for k, v in pool.init.items() if model is None or k in model.STATE}


def _settings(dt, seed, dtype, spike_batch, native) -> tuple:
    """The checked settings (dt, seed, dtype, spike_batch, native) of a Network."""
    if not _checks.is_real(dt) or not math.isfinite(dt) or dt <= 0:
        raise ParameterError("Network", "dt", f"got {dt!r}", "the time step must be a number > 0 ms")
    if not _checks.is_int(seed) or not 0 <= seed < 2 ** 32:
        raise ParameterError("Network", "seed", f"got {seed!r}", "give an integer 0 <= seed < 2**32")
    if dtype not in ("float32", "float64"):
        raise ParameterError("Network", "dtype", f"got {dtype!r}", "use 'float32' or 'float64'")
    spike_batch = _checks.positive_int(spike_batch, "Network", "spike_batch")
    if native not in (None, True, False):
        raise ParameterError("Network", "native", f"got {native!r}", "use None (automatic), True or False")
    return float(dt), int(seed), dtype, spike_batch, native
