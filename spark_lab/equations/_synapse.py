"""A synapse (receptor) model written as equations, pluggable where ``Exponential`` is.

    alpha = SynapseEquations(
        '''dg/dt = (x - g) / tau : 1
           dx/dt = -x / tau : 1''',
        current="g * (E - v)", on_spike="x += w", params={"tau": "2 ms", "E": "0 mV"},
        unit="mV", weight_unit="1")

The state lives once per neuron of the target pool (as for every synapse model). Each step:
``current`` (in ``unit``, the target model's INPUT_UNIT) is read at the start of the step
and may use the post pool's membrane potential ``v`` (in mV: an NMDA Mg block); then the
equations integrate over the step (they may not read ``v`` or ``t``: the receptor state is
advanced without them); then ``on_spike`` statements add the arriving weights ``w`` (the
sum of the weights of the spikes arriving now, in ``weight_unit``), each of the form
``x += w * ...`` so that a step without spikes changes nothing. When ``current`` is one
variable that only decays (``dI/dt = -I/tau``) it is passed to the neuron as an exponential
term, so the LIF and the equation LIF integrate it exactly, as for ``Exponential``.
"""
from __future__ import annotations

import weakref

import jax.numpy as jnp
import numpy as np

from ..synapses._base import SynapseModel
from . import _algebra as A
from ._compile import JNP, NP, compile_tree
from ._data import canonical, convert_values, copy_data, own_data, rebuild
from ._errors import Where
from ._expr import name
from ._integrate import Exact1D, choose
from ._model import statements
from ._parse import parse_condition
from ._spec import SYNAPSE_RESERVED, declare_params, initial_value, system, typed_in
from ._typing import Sym
from ._units import MS, MV, parse_unit

S = "SynapseEquations"
DATA_FIELDS = ("equations", "current", "on_spike", "params", "init", "unit", "weight_unit", "method")
_DEFAULTS = dict(current=None, on_spike="", params=None, init=None, unit="mV", weight_unit=None, method=None)
#: the editor's starting point: the built-in Exponential as equations
EXAMPLE = dict(equations="dI/dt = -I / tau : mV", current="I", on_spike="I += w", unit="mV",
               params={"tau": {"value": "5 ms", "low": 0, "low_open": True, "log": True,
                               "help": "decay time constant of the current"}})
_CLASSES: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


class SynapseSpec:
    """The compiled pieces of a SynapseEquations (built once per distinct data)."""

    def __init__(self, data: dict):
        self.params, self.units = declare_params(data["params"], S, SYNAPSE_RESERVED)
        u = parse_unit(data["unit"], Where(S, "unit", str(data["unit"])))
        wu = parse_unit(data["weight_unit"] if data["weight_unit"] is not None else data["unit"],
                        Where(S, "weight_unit", str(data["weight_unit"])))
        self.unit_text, self.weight_unit_text = u.text, wu.text
        sys = system(data["equations"], S, self.units, {"dt": Sym("time", MS, name("dt")),
                                                         "v": Sym("post", MV, name("v"))}, SYNAPSE_RESERVED)
        for x, tree in sys.rhs.items():
            if "v" in tree.names():
                raise sys.where[x].error(0, f"the equation of {x!r} reads the post potential 'v'",
                                         "receptor dynamics run without v; use v in current")
        self.system = sys
        e, w = parse_condition(data["current"], S, "current")
        ctree = typed_in(e, sys.scope, w, u, f"current (unit {u.show()})")
        self.current = compile_tree(ctree, JNP)
        self.needs_voltage = "v" in ctree.names()
        sscope = {**sys.scope, "w": Sym("input", wu, name("w"))}
        self.on_spike = statements(data["on_spike"], sscope, sys.state, sys.units, S, "on_spike")
        self._check_on_spike(data["on_spike"], sscope)
        self.init = {x: initial_value((data["init"] or {}).get(x, 0.0), sys.units[x], {},
                                      Where(S, f"init[{x!r}]", str((data["init"] or {}).get(x, 0.0))))
                     for x in sys.state}
        self.integrator = choose(sys.rhs, set(self.params), data["method"],
                                 lambda x: sys.where[x] if x else Where(S, "method", repr(data["method"])))
        decays = getattr(self.integrator, "decays", {})
        self.exp_tau = decays.get(ctree.value) if isinstance(self.integrator, Exact1D) and ctree.op == "name" \
            else None

    @staticmethod
    def _check_on_spike(text, scope) -> None:
        from ._parse import parse_statements
        for st in parse_statements(text, S, "on_spike"):
            lin = A.linear(st.expr, {"w"}, lambda ns: "w" not in ns)
            if st.op != "+=" or lin is None or "w" not in lin.coefs or not A.is_num(lin.coef(1), 0.0):
                raise st.line.error(st.col, f"{st.target} {st.op} {st.expr.text}: an arriving spike must add an "
                                    "amount proportional to w", f"write {st.target} += w or {st.target} += w * ...")


class SynapseEquations(SynapseModel):
    """A receptor model from equations (see the module docstring).

    equations:   one per line, ``dx/dt = ... : unit`` or ``name = ... : unit`` (no ``v``, no ``t``).
    current:     the input the receptor gives the neuron, in ``unit``; may read ``v`` (mV).
    on_spike:    statements ``x += w * ...`` run when spikes arrive (``w``: their summed weight).
    params, init, method: as for NeuronEquations (initial values: numbers or units only).
    unit:        the unit of ``current``: the target model's INPUT_UNIT.
    weight_unit: the unit of ``w`` (default: ``unit``).

    As for NeuronEquations, ``type(s)(tau=3.0)`` makes the same equations with other values.
    """

    name = "synapse_equations"
    DATA = DATA_FIELDS
    #: the class is made from the data: a model file stores ``data()`` and names this class
    FROM_DATA = True
    spec = None

    def __new__(cls, equations=None, current=None, on_spike="", params=None, init=None, unit="mV",
                weight_unit=None, method=None, **values):
        if equations is None and cls.spec is not None:
            own_data(cls, dict(current=current, on_spike=on_spike, params=params, init=init, unit=unit,
                               weight_unit=weight_unit, method=method), _DEFAULTS, S)
            return super().__new__(cls)
        data = dict(equations=equations, current=current, on_spike=on_spike, params=copy_data(params or {}),
                    init=copy_data(init or {}), unit=unit, weight_unit=weight_unit, method=method)
        key = canonical(data)
        sub = _CLASSES.get(key)
        if sub is None:
            spec = SynapseSpec(data)
            sub = type("SynapseEquations", (SynapseEquations,), {
                "spec": spec, "PARAMS": dict(spec.params), "STATE": spec.system.state,
                "NEEDS_VOLTAGE": spec.needs_voltage, "method": spec.integrator.method, "equation_data": data,
                "__module__": __name__, "__qualname__": "SynapseEquations"})
            _CLASSES[key] = sub
        return super().__new__(sub)

    def __init__(self, equations=None, current=None, on_spike="", params=None, init=None, unit="mV",
                 weight_unit=None, method=None, **values):
        super().__init__(**convert_values(values, self.spec.units, self.PARAMS, S))

    @classmethod
    def example(cls) -> SynapseEquations:
        """The built-in Exponential written as equations (``EXAMPLE``): the editor's default."""
        return SynapseEquations(**copy_data(EXAMPLE))

    def data(self) -> dict:
        """The constructor's structural arguments as plain data."""
        return copy_data(self.equation_data)

    def replace(self, **params) -> SynapseEquations:
        return type(self)(**self.data(), **{**self.values, **params})

    def __reduce__(self):
        return rebuild, (SynapseEquations, self.data(), dict(self.values))

    def __repr__(self) -> str:
        lines = str(self.equation_data["equations"]).strip().split("\n")
        more = " ..." if len(lines) > 1 else ""
        return f"SynapseEquations({lines[0].strip()!r}{more}, current={self.equation_data['current']!r})"

    def init_state(self, n):
        return {x: (v.sample(np.random.default_rng(0), (n,)) if hasattr(v, "sample")
                    else np.full(n, float(compile_tree(v, NP)({})))) for x, v in self.spec.init.items()}

    def prepare(self, p, dt):
        q = dict(p)
        q.update(self.spec.integrator.prepare(p, dt, ()))
        q["_eq_dt"] = jnp.asarray(dt, jnp.result_type(*p.values()) if p else jnp.float32)
        return q

    def exp_taus(self, p):
        return () if self.spec.exp_tau is None else (self.spec.exp_tau(dict(p)),)

    def _env(self, s, q):
        env = {k: q[k] for k in self.PARAMS}
        env.update(s)
        env["dt"] = q["_eq_dt"]
        return env

    def input(self, s, q, v):
        env = self._env(s, q)
        if self.NEEDS_VOLTAGE:
            if v is None:
                raise TypeError("SynapseEquations: the current reads v, but the postsynaptic model has no "
                                "membrane potential (VOLTAGE is None)")
            env["v"] = v
        cur = self.spec.current(env)
        if self.spec.exp_tau is None:
            return cur, None, ()
        return cur, None, ((cur, self.spec.exp_tau(env)),)

    def decay(self, s, q):
        env = self._env(s, q)
        return self.spec.integrator.step(env, q, None, env["dt"], None)

    def receive(self, s, q, x):
        env = {**self._env(s, q), "w": x}
        for target, f in self.spec.on_spike:
            env[target] = f(env)
        return {k: env[k] for k in self.STATE}
