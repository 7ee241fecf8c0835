"""Network: pools of neurons, projections between them, what to record.

    net = Network(dt=0.1, seed=1)
    exc = net.add_pool("exc", LIF(tau_m=20.0), n=800, excitatory=True)
    inh = net.add_pool("inh", LIF(tau_m=10.0), n=200, excitatory=False)
    net.connect("exc", "inh", synapse=Exponential(tau=5.0),
                connectivity=FixedProbability(p=0.1), weight=0.5, delay=1.0)
    net.record("exc", "spikes")
    sim = net.build()            # compile-ready simulator
    res = sim.run(1000)          # 1000 steps

A Network is a plain description; ``build()`` draws connectivity and initial values
from the seed and returns a :class:`~spark_lab.simulator.Simulator`.
"""
from __future__ import annotations

import math
import numbers
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._params import did_you_mean
from .connectivity import Connectivity, FixedProbability
from .errors import NetworkError, ParameterError
from .initializers import Initializer
from .neurons._base import NeuronModel
from .synapses._base import SynapseModel

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


@dataclass
class Pool:
    name: str
    model: NeuronModel
    n: int
    excitatory: np.ndarray | None = None     # Dale: per-neuron bool mask, or None
    g_inh: float = 1.0                        # Dale: weights from inhibitory neurons act as -g_inh * weight

    def __repr__(self):
        return f"Pool({self.name!r}, {self.model!r}, n={self.n})"


@dataclass
class Projection:
    name: str
    pre: str
    post: str
    synapse: SynapseModel
    connectivity: Connectivity
    weight: Any = 1.0
    delay: float = 0.0          # ms
    plasticity: tuple = ()      # plasticity rules (spark_lab.plasticity), applied in order

    def __repr__(self):
        plast = f", plasticity={list(self.plasticity)!r}" if self.plasticity else ""
        return (f"Projection({self.name!r}: {self.pre} -> {self.post}, {self.synapse!r}, "
                f"{self.connectivity!r}, weight={self.weight!r}, delay={self.delay} ms{plast})")


@dataclass(frozen=True)
class RecordSpec:
    """Record ``var`` ("spikes" or a state variable) of ``pool`` every ``every`` steps,
    for the neurons ``neurons`` (indices; None = all)."""
    pool: str
    var: str = "spikes"
    every: int = 1
    neurons: tuple | None = None

    @property
    def key(self) -> str:
        return f"{self.pool}.{self.var}"


class Network:
    """A network description. See the module docstring for an example.

    dt:    time step in ms (> 0).
    seed:  integer seed (0 <= seed < 2**32) of everything random: connectivity, initial
           values (numpy's default_rng) and the noise drawn during a run (Threefry-2x32
           counters keyed by seed, pool and step; see spark_lab/_random.py).
    dtype: "float32" (default) or "float64" (needs ``jax_enable_x64``).
    native: None (default) uses the C++ propagation kernel on the CPU when it is built
           (``make install`` builds it) and pure JAX otherwise; False forces pure JAX;
           True requires the kernel. Both give the same spikes; GPUs always use pure JAX.
    spike_batch: spikes handled per batch in the event-driven propagation; more
           spikes in one step are handled by further batches (exact, just slower).
    """

    def __init__(self, dt: float = 0.1, seed: int = 0, dtype: str = "float32",
                 spike_batch: int = 128, native: bool | None = None):
        if not _is_real(dt) or not math.isfinite(dt) or dt <= 0:
            raise ParameterError("Network", "dt", f"got {dt!r}", "the time step must be a number > 0 ms")
        if not _is_int(seed) or not 0 <= seed < 2 ** 32:
            raise ParameterError("Network", "seed", f"got {seed!r}", "give an integer 0 <= seed < 2**32")
        if dtype not in ("float32", "float64"):
            raise ParameterError("Network", "dtype", f"got {dtype!r}", "use 'float32' or 'float64'")
        if not _is_int(spike_batch) or spike_batch < 1:
            raise ParameterError("Network", "spike_batch", f"got {spike_batch!r}", "give an integer >= 1")
        self.dt = float(dt)
        self.seed = int(seed)
        self.dtype = dtype
        self.spike_batch = int(spike_batch)
        if native not in (None, True, False):
            raise ParameterError("Network", "native", f"got {native!r}", "use None (automatic), True or False")
        self.native = native
        self.pools: dict[str, Pool] = {}
        self.projections: dict[str, Projection] = {}
        self.records: list[RecordSpec] = []
        self.inputs: dict = {}       # name -> interfaces.InputNode (add_input)
        self.outputs: dict = {}      # name -> interfaces.OutputNode (add_output)
        #: editor layout: {pool or node name: (x, y)} in canvas pixels; kept in the model file
        self.layout: dict[str, tuple[float, float]] = {}
        self._observers: list = []
        self._batch: list | None = None     # events of a change made of several steps (_change)

    # ------------------------------------------------------------------ change events
    def observe(self, callback) -> None:
        """Call ``callback(event: dict)`` after every change of this network.

        ``event["op"]`` is one of "add_pool", "remove_pool", "rename_pool", "update_pool",
        "connect", "disconnect", "rename_projection", "update_projection", "record",
        "unrecord", "layout", "add_input", "remove_input", "update_input", "rename_input",
        "add_output", "remove_output", "update_output", "rename_output"; the other keys
        name what changed (``name``, ``old``, ``new``). A change made of several steps
        (``add_input`` adds a pool, ``remove_input`` removes it) is one event whose
        ``parts`` lists the steps' events. Editors use this to stay in sync with code that
        changes the network."""
        if callback not in self._observers:
            self._observers.append(callback)

    def unobserve(self, callback) -> None:
        if callback in self._observers:
            self._observers.remove(callback)

    def _emit(self, op: str, **info) -> None:
        if self._batch is not None:
            self._batch.append({"op": op, **info})
            return
        for cb in list(self._observers):
            cb({"op": op, **info})

    @contextmanager
    def _change(self, op: str, **info):
        """Collect the events of the steps inside into one event ``op`` (emitted also when a
        step fails after an earlier step changed the network)."""
        outer, self._batch = self._batch, []
        ok = False
        try:
            yield
            ok = True
        finally:
            parts, self._batch = self._batch, outer
            if ok or parts:
                self._emit(op, **info, parts=parts)

    # ------------------------------------------------------------------ pools
    def add_pool(self, name: str, model: NeuronModel, n: int, excitatory=None, g_inh: float = 1.0) -> Pool:
        """Add ``n`` neurons of ``model``.

        excitatory (Dale's law): None = weights keep their sign; True / False = all
        neurons excitatory / inhibitory; a float f = the first round(f n) neurons are
        excitatory; or a boolean array of length n. Weights of projections leaving a
        Dale pool are magnitudes (>= 0); those from inhibitory neurons act as
        ``-g_inh * weight`` (g_inh >= 0, changeable at run time as the pool parameter "g_inh").
        """
        self._check_name(name, "pool")
        if name in self.pools:
            raise NetworkError(f"a pool named {name!r} exists already")
        if name in self.outputs or (name in self.inputs and self.inputs[name].pool != name):
            from .interfaces.editing import check_free
            check_free(self, name, "pool")
        if not isinstance(model, NeuronModel):
            raise NetworkError(f"pool {name!r}: model must be a neuron model such as LIF(), got {model!r}")
        if not _is_int(n) or n < 1:
            raise ParameterError(f"pool {name!r}", "n", f"got {n!r}", "the number of neurons must be an integer >= 1")
        n = int(n)
        _check_number(g_inh, f"pool {name!r}", "g_inh", "1", low=0.0)
        self.pools[name] = Pool(name, model, n, _dale_mask(excitatory, n, name), float(g_inh))
        # pools made by add_input stay after the ordinary pools, in their own order: the order the
        # model file rebuilds (it keeps the simulation's layout, hence the exact spikes, on reload)
        for nm in [nd.pool for nd in self.inputs.values() if nd.pool == nd.name and nd.pool in self.pools]:
            self.pools[nm] = self.pools.pop(nm)
        self._emit("add_pool", name=name)
        return self.pools[name]

    def connect(self, pre, post, synapse: SynapseModel | None = None,
                connectivity: Connectivity | None = None, weight=1.0, delay: float = 0.0,
                name: str | None = None, plasticity=None) -> Projection:
        """Connect pool ``pre`` to pool ``post``.

        synapse: a synapse model (default ``Exponential()``); projections into one pool
            that share a synapse *instance* share its state and parameters.
        connectivity: default ``FixedProbability(p=0.1)``.
        weight: a number (one value for the projection: the fast path) or an initializer
            (one value per synapse), in the post model's input unit; changeable at run time.
            With ``FromMatrix`` the matrix carries the weights: leave ``weight`` at its default.
        delay: axonal delay in ms, a whole number of steps; 0 = the spike acts at the next step.
        plasticity: a plasticity rule (``spark_lab.plasticity``) or a list of them; the
            weights of a plastic projection are per synapse and part of the state.
        """
        from .synapses.exponential import Exponential

        pre_n, post_n = self._pool_name(pre), self._pool_name(post)
        synapse = Exponential() if synapse is None else synapse
        connectivity = FixedProbability() if connectivity is None else connectivity
        name = name or self._unique(f"{pre_n}->{post_n}")
        self._check_name(name, "projection", allow_arrow=True)
        if name in self.projections:
            raise NetworkError(f"a projection named {name!r} exists already")
        where = f"projection {name!r}"
        if not isinstance(synapse, SynapseModel):
            raise NetworkError(f"{where}: synapse must be a synapse model such as Exponential(), got {synapse!r}")
        if not isinstance(connectivity, Connectivity):
            raise NetworkError(f"{where}: connectivity must be a rule such as FixedProbability(p=0.1), got {connectivity!r}")
        if synapse.NEEDS_VOLTAGE and self.pools[post_n].model.VOLTAGE is None:
            raise NetworkError(f"{where}: a {type(synapse).__name__} synapse needs the membrane potential of its "
                               f"target, but pool {post_n!r} ({type(self.pools[post_n].model).__name__}) has none")
        mask = self.pools[pre_n].excitatory
        if synapse.NEEDS_VOLTAGE and mask is not None and not mask.all():
            raise NetworkError(f"{where}: pool {pre_n!r} has inhibitory neurons (Dale) and would give negative "
                               f"conductances; connect them through a separate projection whose synapse has an "
                               f"inhibitory reversal potential (e.g. Conductance(E_rev=-80.0))")
        _check_number(delay, where, "delay", "ms", low=0.0)
        steps = delay / self.dt
        if abs(steps - round(steps)) > 1e-6 * max(1.0, steps):
            raise ParameterError(where, "delay", f"{delay:g} ms is not a whole number of steps of dt={self.dt:g} ms",
                                 f"use a multiple of {self.dt:g} ms")
        if connectivity.explicit_weights() is not None and not (_is_real(weight) and weight == 1.0):
            raise NetworkError(f"{where}: {type(connectivity).__name__} carries the weights (its nonzero entries); "
                               f"leave weight at its default instead of weight={weight!r}")
        if isinstance(weight, Initializer):
            if self.pools[pre_n].excitatory is not None:
                weight.check(_NONNEG, where, "weight")
        else:
            _check_number(weight, where, "weight", self.pools[post_n].model.INPUT_UNIT,
                          low=0.0 if self.pools[pre_n].excitatory is not None else None,
                          hint_dale=self.pools[pre_n].excitatory is not None and pre_n)
        rules = _plasticity_tuple(plasticity, where)
        for rule in rules:
            rule.check_projection(self, pre_n, post_n, where)
        p = Projection(name, pre_n, post_n, synapse, connectivity, weight, float(delay), rules)
        self.projections[name] = p
        self._emit("connect", name=name)
        return p

    def record(self, pool, var: str = "spikes", every: int = 1, neurons=None) -> RecordSpec:
        """Record ``var`` of ``pool`` (see RecordSpec). Recording never changes the dynamics."""
        pn = self._pool_name(pool)
        model = self.pools[pn].model
        allowed = ("spikes",) + tuple(model.STATE)
        if var not in allowed:
            raise NetworkError(f"pool {pn!r} ({type(model).__name__}) has no variable {var!r}; "
                               f"{did_you_mean(var, allowed)}recordable: {', '.join(allowed)}")
        if not _is_int(every) or every < 1:
            raise ParameterError(f"record {pn}.{var}", "every", f"got {every!r}", "give an integer >= 1")
        every = int(every)
        if neurons is not None:
            where = f"record {pn}.{var}"
            try:
                raw = np.atleast_1d(np.asarray(neurons))
            except (TypeError, ValueError):
                raise ParameterError(where, "neurons", f"got {neurons!r}", "give a list of neuron indices") from None
            if raw.size == 0:
                raise ParameterError(where, "neurons", "got an empty list",
                                     "give at least one neuron index, or neurons=None to record all neurons")
            if raw.ndim != 1 or raw.dtype.kind not in "iuf" or (
                    raw.dtype.kind == "f" and not np.all(np.isfinite(raw) & (raw == np.round(raw)))):
                raise ParameterError(where, "neurons", f"got {neurons!r}", "give a flat list of whole neuron indices")
            neurons = tuple(int(i) for i in raw)
            bad = [i for i in neurons if not 0 <= i < self.pools[pn].n]
            if bad:
                raise ParameterError(f"record {pn}.{var}", "neurons", f"index {bad[0]} is outside the pool",
                                     f"pool {pn!r} has {self.pools[pn].n} neurons (0..{self.pools[pn].n - 1})")
        spec = RecordSpec(pn, var, every, neurons)
        self.records = [r for r in self.records if r.key != spec.key] + [spec]
        self._emit("record", name=spec.key)
        return spec

    # ------------------------------------------------------------------ editing
    def remove_pool(self, name) -> None:
        """Remove a pool with its projections, records and layout entry."""
        pn = self._pool_name(name)
        for nm in [nm for nm, pr in self.projections.items() if pn in (pr.pre, pr.post)]:
            self.remove_projection(nm)
        for r in [r for r in self.records if r.pool == pn]:
            self.unrecord(r.key)
        del self.pools[pn]
        self.layout.pop(pn, None)
        self._emit("remove_pool", name=pn)

    def remove_projection(self, name: str) -> None:
        if name not in self.projections:
            raise NetworkError(f"unknown projection {name!r}; {did_you_mean(str(name), self.projections)}"
                               f"projections: {', '.join(self.projections) or '(none)'}")
        del self.projections[name]
        self._emit("disconnect", name=name)

    def unrecord(self, key: str) -> None:
        """Stop recording ``"pool.var"``."""
        if key not in [r.key for r in self.records]:
            raise NetworkError(f"{key!r} is not recorded; recorded: {', '.join(r.key for r in self.records) or '(none)'}")
        self.records = [r for r in self.records if r.key != key]
        self._emit("unrecord", name=key)

    def rename_pool(self, old, new: str) -> None:
        """Rename a pool; projections, records, layout, inputs into it and outputs reading
        it follow (an input that made the pool is renamed with it). Projection names
        that were made from the pool names ("a->b") are renamed too."""
        from .interfaces.editing import check_free, follow_pool_rename
        on = self._pool_name(old)
        if new == on:
            return
        self._check_name(new, "pool")
        if new in self.pools:
            raise NetworkError(f"a pool named {new!r} exists already")
        check_free(self, new, "pool")
        self.pools = {(new if k == on else k): v for k, v in self.pools.items()}
        self.pools[new].name = new
        renamed = {}
        for nm, pr in list(self.projections.items()):
            if on in (pr.pre, pr.post):
                auto = re.fullmatch(rf"{re.escape(pr.pre)}->{re.escape(pr.post)}(#\d+)?", nm)
                pr.pre = new if pr.pre == on else pr.pre
                pr.post = new if pr.post == on else pr.post
                if auto:
                    renamed[nm] = f"{pr.pre}->{pr.post}{auto.group(1) or ''}"
        if renamed:
            self.projections = {renamed.get(k, k): v for k, v in self.projections.items()}
            for old_nm, new_nm in renamed.items():
                self.projections[new_nm].name = new_nm
        self.records = [RecordSpec(new, r.var, r.every, r.neurons) if r.pool == on else r for r in self.records]
        if on in self.layout:
            self.layout[new] = self.layout.pop(on)
        follow_pool_rename(self, on, new)
        self._emit("rename_pool", old=on, new=new, projections=renamed)

    def rename_projection(self, old: str, new: str) -> None:
        if old not in self.projections:
            raise NetworkError(f"unknown projection {old!r}; {did_you_mean(str(old), self.projections)}")
        if new == old:
            return
        self._check_name(new, "projection", allow_arrow=True)
        if new in self.projections:
            raise NetworkError(f"a projection named {new!r} exists already")
        self.projections = {(new if k == old else k): v for k, v in self.projections.items()}
        self.projections[new].name = new
        self._emit("rename_projection", old=old, new=new)

    def update_pool(self, name, model: NeuronModel | None = None, n: int | None = None, excitatory=...,
                    g_inh: float | None = None) -> Pool:
        """Replace some of a pool's fields (validated as in ``add_pool``); all or nothing.
        Projections, encoders and decoders that no longer fit (e.g. a conductance synapse
        into a pool without a membrane potential, a decoder whose groups do not divide
        the new size) make it fail with the reason; inputs and outputs take a new size."""
        pn = self._pool_name(name)
        old = self.pools[pn]
        trial = Network(self.dt, self.seed, self.dtype, self.spike_batch, self.native)
        for k, p in self.pools.items():
            if k == pn:
                exc = old.excitatory if excitatory is ... else excitatory
                nn = old.n if n is None else n
                if exc is not None and excitatory is ... and n is not None and nn != old.n:
                    exc = float(np.mean(old.excitatory))    # keep the fraction when resizing
                trial.add_pool(pn, old.model if model is None else model, nn, exc,
                               old.g_inh if g_inh is None else g_inh)
            else:
                trial.pools[k] = p
        for pr in self.projections.values():
            trial.connect(pr.pre, pr.post, pr.synapse, pr.connectivity, pr.weight, pr.delay, pr.name, pr.plasticity)
        for r in self.records:
            trial.record(r.pool, r.var, r.every, r.neurons if r.neurons is None or
                         max(r.neurons) < trial.pools[r.pool].n else None)
        from .interfaces.editing import refit
        inputs, outputs = refit(self, {k: p.n for k, p in trial.pools.items()})
        self.pools[pn] = trial.pools[pn]
        self.records = trial.records
        self.inputs, self.outputs = inputs, outputs
        self._emit("update_pool", name=pn)
        return self.pools[pn]

    def update_projection(self, name: str, **fields) -> Projection:
        """Replace some of a projection's fields (synapse, connectivity, weight, delay,
        plasticity, pre, post), validated as in ``connect``; all or nothing."""
        if name not in self.projections:
            raise NetworkError(f"unknown projection {name!r}; {did_you_mean(str(name), self.projections)}")
        allowed = ("pre", "post", "synapse", "connectivity", "weight", "delay", "plasticity")
        bad = [k for k in fields if k not in allowed]
        if bad:
            raise NetworkError(f"projection {name!r}: cannot update {bad[0]!r}; {did_you_mean(bad[0], allowed)}"
                               f"fields: {', '.join(allowed)}")
        pr = self.projections[name]
        cur = dict(pre=pr.pre, post=pr.post, synapse=pr.synapse, connectivity=pr.connectivity,
                   weight=pr.weight, delay=pr.delay, plasticity=pr.plasticity)
        cur.update(fields)
        trial = Network(self.dt, self.seed, self.dtype, self.spike_batch, self.native)
        trial.pools = self.pools
        new = trial.connect(name=name, **cur)
        self.projections[name] = new
        self._emit("update_projection", name=name)
        return new

    def set_position(self, name: str, x: float, y: float) -> None:
        """Editor layout: where the node ``name`` is drawn (canvas pixels)."""
        if not (_is_real(x) and _is_real(y) and math.isfinite(x) and math.isfinite(y)):
            raise ParameterError(f"layout of {name!r}", "position", f"got ({x!r}, {y!r})", "give two finite numbers")
        self.layout[name] = (float(x), float(y))
        self._emit("layout", name=name)

    # ------------------------------------------------------------------ interfaces
    def add_input(self, name: str, encoder, n: int | None = None, target=None):
        """Feed the network through ``encoder`` (see ``spark_lab/interfaces/nodes.py``).

        Rate encoders (PoissonEncoder, PopulationEncoder) get a new PoissonSource pool
        named ``name``; spike encoders (LatencyEncoder, DeltaEncoder) a new SpikeInput pool;
        ``n`` is its size (None: what the encoder needs; PoissonEncoder also takes a
        multiple of ``dims``). A CurrentEncoder makes no pool: it injects into the existing
        pool ``target``. Then ``run(..., inputs={name: values})`` takes the encoder's own
        values (e.g. an angle). Returns the InputNode (stored in ``self.inputs``).
        """
        from .interfaces.nodes import add_input
        return add_input(self, name, encoder, n, target)

    def add_output(self, name: str, decoder, source):
        """Read ``source`` (a pool, a list of pools or a routing such as ``Subset``) with
        ``decoder``; its value appears in ``RunResult.outputs[name]`` and, on request, in
        ``run_chunk(..., outputs=(name,))``. Returns the OutputNode (in ``self.outputs``).
        """
        from .interfaces.nodes import add_output
        return add_output(self, name, decoder, source)

    def copy(self) -> "Network":
        """An independent copy of the description (components are immutable and shared; pools,
        projections, records, nodes and layout are new objects; observers are not copied).
        A Simulator built from the copy is unaffected by later edits of this network."""
        import copy as _copy
        new = Network(self.dt, self.seed, self.dtype, self.spike_batch, self.native)
        new.pools = {k: _copy.copy(p) for k, p in self.pools.items()}
        new.projections = {k: _copy.copy(p) for k, p in self.projections.items()}
        new.records = list(self.records)
        new.layout = dict(self.layout)
        new.inputs = {k: _copy.deepcopy(nd) for k, nd in self.inputs.items()}      # routings are mutable
        new.outputs = {k: _copy.deepcopy(nd) for k, nd in self.outputs.items()}
        return new

    # editing inputs and outputs (bodies in spark_lab/interfaces/editing.py); all or nothing
    def remove_input(self, name: str) -> None:
        """Remove an input node; a pool it made (``add_input`` without target) goes with it,
        with that pool's projections, records and layout entry."""
        from .interfaces.editing import remove_input
        remove_input(self, name)

    def update_input(self, name: str, encoder=None, n: int | None = None, target=None):
        """Replace an input's encoder, the size of the pool it made (``n``; None keeps the
        size if the encoder takes it, else the encoder's own size) or, for a current
        encoder, its ``target`` pool. Returns the new InputNode."""
        from .interfaces.editing import update_input
        return update_input(self, name, encoder, n, target)

    def rename_input(self, old: str, new: str) -> None:
        """Rename an input node (and the pool it made, as ``rename_pool`` does)."""
        from .interfaces.editing import rename_input
        rename_input(self, old, new)

    def remove_output(self, name: str) -> None:
        """Remove an output node (and its layout entry)."""
        from .interfaces.editing import remove_output
        remove_output(self, name)

    def update_output(self, name: str, decoder=None, source=None):
        """Replace an output's decoder and/or source (as in ``add_output``). Returns the new OutputNode."""
        from .interfaces.editing import update_output
        return update_output(self, name, decoder, source)

    def rename_output(self, old: str, new: str) -> None:
        from .interfaces.editing import rename_output
        rename_output(self, old, new)

    def build(self):
        """Draw connectivity and initial values and return a Simulator."""
        from .simulator import Simulator
        return Simulator(self)

    # ------------------------------------------------------------------ helpers
    def _pool_name(self, p) -> str:
        name = p.name if isinstance(p, Pool) else p
        if not isinstance(name, str) or name not in self.pools:
            raise NetworkError(f"unknown pool {name!r}; {did_you_mean(str(name), self.pools)}"
                               f"pools: {', '.join(self.pools) or '(none yet)'}")
        return name

    def _unique(self, base: str) -> str:
        if base not in self.projections:
            return base
        k = 2
        while f"{base}#{k}" in self.projections:
            k += 1
        return f"{base}#{k}"

    @staticmethod
    def _check_name(name, what, allow_arrow=False):
        ok = isinstance(name, str) and (_NAME.match(name) or (allow_arrow and re.match(r"^[\w\-]+->[\w\-]+(#\d+)?$", name)))
        if not ok:
            raise NetworkError(f"{what} name {name!r} is not allowed: use letters, digits, '_' or '-', "
                               f"starting with a letter")

    def __repr__(self):
        return (f"Network(dt={self.dt} ms, seed={self.seed}, pools={list(self.pools)}, "
                f"projections={list(self.projections)})")


class _NonNeg:
    low, high, low_open, high_open, unit, help = 0.0, None, False, False, "1", "weight magnitude (Dale pool)"

    def range_text(self):
        return ">= 0"

    def check_values(self, values, component, name):
        if np.any(np.asarray(values) < 0):
            raise ParameterError(component, name, "can draw negative weights",
                                 "weights from a Dale pool are magnitudes >= 0; the sign comes from the neuron type")


_NONNEG = _NonNeg()


def _is_real(x) -> bool:
    """A real number (Python or numpy), not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _is_int(x) -> bool:
    """An integer (Python or numpy), not a bool."""
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


def _check_number(x, where, field, unit, low=None, hint_dale=False):
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise ParameterError(where, field, f"got {x!r}", f"give a number in {unit}")
    if not math.isfinite(float(x)):
        raise ParameterError(where, field, f"got {x!r}", "must be a finite number")
    if low is not None and x < low:
        hint = (f"pool {hint_dale!r} follows Dale's law: give a magnitude >= 0, the sign comes from the neuron type"
                if hint_dale else f"must be >= {low:g} {unit}")
        raise ParameterError(where, field, f"got {x!r}", hint)


def _plasticity_tuple(plasticity, where) -> tuple:
    from .plasticity._base import PlasticityRule
    if plasticity is None:
        return ()
    rules = tuple(plasticity) if isinstance(plasticity, (list, tuple)) else (plasticity,)
    for r in rules:
        if not isinstance(r, PlasticityRule):
            raise NetworkError(f"{where}: plasticity must be a rule such as STDP() or a list of rules, got {r!r}")
    return rules


def _dale_mask(excitatory, n, name):
    if excitatory is None:
        return None
    if isinstance(excitatory, (bool, np.bool_)):
        return np.full(n, bool(excitatory))
    if isinstance(excitatory, (int, float, np.integer, np.floating)):
        if not 0.0 <= excitatory <= 1.0:
            raise ParameterError(f"pool {name!r}", "excitatory", f"got {excitatory!r}",
                                 "a fraction must be between 0 and 1")
        return np.arange(n) < round(excitatory * n)
    arr = np.asarray(excitatory)
    if arr.shape != (n,) or arr.dtype != bool:
        raise ParameterError(f"pool {name!r}", "excitatory", f"got an array of shape {arr.shape} and dtype {arr.dtype}",
                             f"give None, True, False, a fraction, or a boolean array of shape ({n},)")
    return arr.copy()
