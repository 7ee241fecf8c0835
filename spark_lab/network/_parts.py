"""The parts of a network description: pools, projections, record specs, and the checks
of the values a network holds outside its components (Dale masks, weights, delays,
plasticity lists), each declared in ``spark_lab/_netparams.py``."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .. import _checks, _netparams
from .._params import did_you_mean
from .._record_policy import When, parse_between, parse_when
from ..connectivity import Connectivity
from ..errors import NetworkError, ParameterError
from ..initializers import Initializer
from ..neurons._base import NeuronModel
from ..synapses._base import SynapseModel


@dataclass
class Pool:
    """``n`` neurons of ``model``. ``excitatory``: Dale's law mask (one bool per neuron) or
    None; ``g_inh`` (>= 0): weights from its inhibitory neurons act as -g_inh * weight;
    ``init``: initial values of some state variables ({var: number | initializer}, not changed in place;
    see ``spark_lab/network/_init.py``)."""
    name: str
    model: NeuronModel
    n: int
    excitatory: np.ndarray | None = None
    g_inh: float = 1.0
    init: dict = field(default_factory=dict)

    #: declarations of the pool's own run-time parameters (beside its model's PARAMS)
    PARAMS = _netparams.POOL_PARAMS

    def __repr__(self):
        return f"Pool({self.name!r}, {self.model!r}, n={self.n})"

    def __getitem__(self, key) -> PoolSlice:
        """A contiguous part of the pool, ``pool[:800]``, ``pool[800:]``, ``pool[range(10, 20)]``
        (Python's rules for negative and open ends; step 1): a projection's source or target."""
        where = f"pool {self.name!r}"
        if not isinstance(key, (slice, range)):
            raise ParameterError(where, "slice", f"got {_checks.brief(key)}",
                                 "index a pool with a slice, pool[a:b], or a range: a projection's source or target")
        try:
            r = range(self.n)[key] if isinstance(key, slice) else key
        except (TypeError, ValueError):
            raise ParameterError(where, "slice", f"got {key!r}", "give whole-number bounds, pool[a:b]") from None
        if r.step != 1 or len(r) == 0 or (isinstance(key, range) and not 0 <= r.start < r.stop <= self.n):
            raise ParameterError(where, "slice", f"got {key!r}",
                                 f"give a non-empty contiguous part (step 1) of the {self.n} neurons, pool[a:b]")
        return PoolSlice(self.name, r.start, r.stop)


@dataclass(frozen=True)
class PoolSlice:
    """Neurons ``start .. stop - 1`` of pool ``pool`` (made by ``net.pools[name][a:b]``): as a
    projection's ``pre`` or ``post``, the connectivity is drawn on the slice's ``n`` neurons
    and its indices are placed at ``start``. The receptor of a sliced target still spans the
    whole post pool (only the slice's neurons receive)."""
    pool: str
    start: int
    stop: int

    @property
    def n(self) -> int:
        """The number of neurons in the slice."""
        return self.stop - self.start

    def __repr__(self):
        return f"{self.pool}[{self.start}:{self.stop}]"


@dataclass
class Projection:
    """Synapses from pool ``pre`` to pool ``post``. ``weight``: a number (one value) or an
    initializer (one value per synapse) in the post pool's input unit; ``delay`` in ms;
    ``plasticity``: rules applied in order; ``init``: initial values of some of the synapse's
    receptor state variables ({var: number | initializer}; see ``_init.py``)."""
    name: str
    pre: str
    post: str
    synapse: SynapseModel
    connectivity: Connectivity
    weight: Any = 1.0
    delay: float = 0.0
    plasticity: tuple = ()
    init: dict = field(default_factory=dict)
    #: the (start, stop) of a pool slice at either end; None: the whole pool
    pre_range: tuple | None = None
    post_range: tuple | None = None

    @property
    def source(self):
        """``pre`` as given to ``connect``: the pool name, or the PoolSlice."""
        return self.pre if self.pre_range is None else PoolSlice(self.pre, *self.pre_range)

    @property
    def target(self):
        """``post`` as given to ``connect``: the pool name, or the PoolSlice."""
        return self.post if self.post_range is None else PoolSlice(self.post, *self.post_range)

    def sizes(self, net) -> tuple:
        """(pre neurons, post neurons) the connectivity is drawn on (slice sizes where sliced)."""
        return tuple(net.pools[nm].n if r is None else r[1] - r[0]
                     for nm, r in ((self.pre, self.pre_range), (self.post, self.post_range)))

    @property
    def same_neurons(self) -> bool:
        """True when pre and post are the same neurons (one pool, the same slice): autapses possible."""
        return self.pre == self.post and self.pre_range == self.post_range

    def __repr__(self):
        plast = f", plasticity={list(self.plasticity)!r}" if self.plasticity else ""
        return (f"Projection({self.name!r}: {self.source} -> {self.target}, {self.synapse!r}, "
                f"{self.connectivity!r}, weight={self.weight!r}, delay={self.delay} ms{plast})")


@dataclass(frozen=True)
class RecordSpec:
    """Record ``var`` ("spikes", a state variable, or ``"<projection>.<variable>"``: a receptor
    variable of a synapse into ``pool``, e.g. ``"exc->inh.g"``) of ``pool`` for the neurons ``neurons``
    (indices; None = all), keeping the sample of step t when ``t % every == 0``, t * dt is
    within ``between`` ([t0, t1) in ms; None: always) and the condition ``when`` holds
    (None: always; a rate or an input-tag condition, see ``spark_lab/_record_policy.py``).

    The policies run on the device, inside the compiled chunk: a chunk of K steps keeps at
    most ``ceil(K / every)`` samples (fewer inside a short ``between``) in a buffer of that
    many rows (+1) x recorded neurons; only kept samples leave the device. A rate condition
    adds a ring of ``round(window / dt)`` int32 counts, kept by the simulator between chunks.
    """
    pool: str
    var: str = "spikes"
    every: int = 1
    neurons: tuple | None = None
    between: tuple | None = None
    when: When | None = None

    @property
    def key(self) -> str:
        """``"pool.var"``: the key of this record in ``RunResult.records``."""
        return f"{self.pool}.{self.var}"

    def to_dict(self) -> dict:
        """The model file's record entry; ``parse`` of it gives an equal spec."""
        d = {"pool": self.pool, "var": self.var, "every": int(self.every),
             "neurons": None if self.neurons is None else [int(i) for i in self.neurons]}
        if self.between is not None:
            d["between"] = [float(self.between[0]), None if self.between[1] is None else float(self.between[1])]
        if self.when is not None:
            d["when"] = self.when.to_dict()
        return d

    def renamed(self, old: str, new: str) -> RecordSpec:
        """This spec after pool ``old`` was renamed ``new`` (its condition follows too)."""
        return replace(self, pool=new if self.pool == old else self.pool,
                       when=None if self.when is None else self.when.renamed(old, new))

    def renamed_projections(self, names: dict) -> RecordSpec:
        """This spec after the projections ``names`` ({old: new}) were renamed (a receptor record follows)."""
        rv = receptor_var(self)
        return self if rv is None or rv[0] not in names else replace(self, var=f"{names[rv[0]]}.{rv[1]}")

    @classmethod
    def parse(cls, spec, net) -> RecordSpec:
        """The one record-spec validator: ``spec`` is a "pool.var" string ("pool" alone
        records spikes), a dict with the model file's record keys (pool, var, every,
        neurons, between, when) or a RecordSpec; checks pool, variable, ``every`` (integer
        >= 1), ``neurons`` (None or indices within the pool), ``between`` and ``when``
        against ``net``. Returns the checked spec with ``neurons`` as a tuple of ints.
        Unknown pools and variables raise NetworkError, bad values or types ParameterError."""
        if isinstance(spec, str):
            pool, _, var = spec.partition(".")
            spec = cls(pool, var or "spikes")
        if isinstance(spec, dict):
            extra = [k for k in spec if k not in RECORD_KEYS]
            if extra or "pool" not in spec:
                raise ParameterError("record", extra[0] if extra else "pool", "unknown key" if extra else "missing",
                                     f"a record entry has the keys {', '.join(RECORD_KEYS)} (pool required)")
            spec = cls(spec["pool"], spec.get("var", "spikes"), spec.get("every", 1), spec.get("neurons"),
                       spec.get("between"), spec.get("when"))
        if not isinstance(spec, RecordSpec):
            raise ParameterError("record", "spec", f"got {_checks.brief(spec)}",
                                 'give a "pool.var" string, a record entry dict or a RecordSpec')
        if isinstance(spec.pool, str) and spec.pool not in net.pools and spec.pool in net.projections:
            pr = net.projections[spec.pool]          # a projection's receptor: recorded on its post pool
            spec = replace(spec, pool=pr.post, var=f"{pr.name}.{spec.var}")
        pn = net.pool_name(spec.pool)
        model = net.pools[pn].model
        allowed = recordable(net, pn)
        if spec.var not in allowed:
            raise NetworkError(f"pool {pn!r} ({type(model).__name__}) has no variable {spec.var!r}; "
                               f"{did_you_mean(str(spec.var), allowed)}recordable: {', '.join(allowed)}")
        where = f"record {pn}.{spec.var}"
        every = _checks.positive_int(spec.every, where, "every")
        neurons = None if spec.neurons is None else _neuron_indices(spec.neurons, net.pools[pn].n, pn, where)
        return cls(pn, spec.var, every, neurons, parse_between(spec.between, where),
                   parse_when(spec.when, net, where))


def recordable(net, pool: str) -> tuple:
    """The variables of ``pool`` a record may name: "spikes", the model's state, and
    "<projection>.<variable>" for the receptor state of every projection into it."""
    syn = tuple(f"{pr.name}.{v}" for pr in net.projections.values() if pr.post == pool for v in pr.synapse.STATE)
    return ("spikes",) + tuple(net.pools[pool].model.STATE) + syn


def receptor_var(spec) -> tuple | None:
    """(projection, variable) when ``spec`` records a receptor variable, else None."""
    proj, dot, var = spec.var.rpartition(".")
    return (proj, var) if dot else None


#: the keys of a record entry (model file, dict spelling of ``RecordSpec.parse``)
RECORD_KEYS = ("pool", "var", "every", "neurons", "between", "when")


def _neuron_indices(neurons, n: int, pool: str, where: str) -> tuple:
    try:
        raw = np.atleast_1d(np.asarray(neurons))
    except (TypeError, ValueError):
        raise ParameterError(where, "neurons", f"got {_checks.brief(neurons)}",
                             "give a list of neuron indices") from None
    if raw.size == 0:
        raise ParameterError(where, "neurons", "got an empty list",
                             "give at least one neuron index, or neurons=None to record all neurons")
    if raw.ndim != 1 or raw.dtype.kind not in "iuf" or (
            raw.dtype.kind == "f" and not np.all(np.isfinite(raw) & (raw == np.round(raw)))):
        raise ParameterError(where, "neurons", f"got {_checks.brief(neurons)}",
                             "give a flat list of whole neuron indices")
    out = tuple(int(i) for i in raw)
    bad = [i for i in out if not 0 <= i < n]
    if bad:
        raise ParameterError(where, "neurons", f"index {bad[0]} is outside the pool",
                             f"pool {pool!r} has {n} neurons (0..{n - 1})")
    return out


def resolve_end(net, end, which: str) -> tuple:
    """(pool name, (start, stop) or None) of a projection's ``pre`` or ``post`` (``which``): a
    pool, its name, or a PoolSlice within the pool's current size (the whole pool: None)."""
    if not isinstance(end, PoolSlice):
        return net.pool_name(end), None
    name = net.pool_name(end.pool)
    n = net.pools[name].n
    if not (_checks.is_int(end.start) and _checks.is_int(end.stop) and 0 <= end.start < end.stop <= n):
        raise ParameterError(f"{which} {end!r}", "slice", f"neurons {end.start}..{end.stop} are not within the pool",
                             f"pool {name!r} has {n} neurons: take the slice from net.pools[{name!r}]")
    return name, None if (end.start, end.stop) == (0, n) else (int(end.start), int(end.stop))


def pool_size(n, name: str) -> int:
    """The number of neurons of pool ``name``: an integer >= 1."""
    if not _checks.is_int(n) or n < 1:
        raise ParameterError(f"pool {name!r}", "n", f"got {_checks.brief(n)}",
                             "the number of neurons must be an integer >= 1")
    return int(n)


def g_inh_value(g_inh, name: str) -> float:
    """``g_inh`` of pool ``name`` checked against its declaration (``POOL_PARAMS``)."""
    decl = Pool.PARAMS["g_inh"]
    return _checks.number(g_inh, f"pool {name!r}", "g_inh", decl.unit, low=decl.low)


def check_weight(weight, net, pre: str, post: str, where: str) -> None:
    """A projection's weight: a number or an initializer within its declaration
    (``_netparams.weight_param``: magnitudes >= 0 from a Dale pool)."""
    dale = net.pools[pre].excitatory is not None
    decl = _netparams.weight_param(net.pools[post].model.INPUT_UNIT, dale, post)
    if isinstance(weight, Initializer):
        weight.check(decl, where, "weight")
        return
    hint = (f"pool {pre!r} follows Dale's law: give a magnitude >= 0, the sign comes from the neuron type"
            if dale else "")
    _checks.number(weight, where, "weight", decl.unit, low=decl.low, hint=hint)


def check_delay(delay, dt: float, where: str) -> float:
    """A projection's delay in ms: >= 0 and a whole number of steps of ``dt``."""
    decl = _netparams.delay_param(dt)
    delay = _checks.number(delay, where, "delay", decl.unit, low=decl.low)
    steps = delay / dt
    if abs(steps - round(steps)) > 1e-6 * max(1.0, steps):
        raise ParameterError(where, "delay", f"{delay:g} ms is not a whole number of steps of dt={dt:g} ms",
                             f"use a multiple of {dt:g} ms")
    return delay


def plasticity_tuple(plasticity, where) -> tuple:
    """``plasticity`` (None, a rule or a list of rules) as a tuple of rules."""
    from ..plasticity._base import PlasticityRule
    if plasticity is None:
        return ()
    rules = tuple(plasticity) if isinstance(plasticity, (list, tuple)) else (plasticity,)
    for r in rules:
        if not isinstance(r, PlasticityRule):
            raise NetworkError(f"{where}: plasticity must be a rule such as STDP() or a list of rules, got {r!r}")
    return rules


def dale_mask(excitatory, n, name):
    """Dale's law as a per-neuron bool mask (or None): see ``Network.add_pool``."""
    if excitatory is None:
        return None
    if isinstance(excitatory, (bool, np.bool_)):
        return np.full(n, bool(excitatory))
    if _checks.is_real(excitatory):
        if not 0.0 <= excitatory <= 1.0:
            raise ParameterError(f"pool {name!r}", "excitatory", f"got {excitatory!r}",
                                 "a fraction must be between 0 and 1")
        return np.arange(n) < round(excitatory * n)
    arr = np.asarray(excitatory)
    if arr.shape != (n,) or arr.dtype != bool:
        raise ParameterError(f"pool {name!r}", "excitatory", f"got an array of shape {arr.shape} and dtype {arr.dtype}",
                             f"give None, True, False, a fraction, or a boolean array of shape ({n},)")
    return arr.copy()
