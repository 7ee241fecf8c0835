"""A neuron model written as equations (Brian2's conventions where they fit).

    qif = NeuronEquations(
        "dv/dt = (k*(v - v_rest)*(v - v_crit) + I) / tau : mV",
        threshold="v > v_peak", reset="v = v_reset", refractory="t_ref",
        params={"tau": "10 ms", "v_rest": "-65 mV", "v_crit": "-50 mV", "k": "0.04 /mV",
                "v_peak": "30 mV", "v_reset": "-70 mV", "t_ref": "2 ms"},
        init={"v": "v_rest"}, input_unit="mV")

Semantics of one step (the built-in LIF's order): integrate from the state at the start
of the step with the input ``I`` of that step; add the jump of delta synapses to the
membrane potential; hold the refractory variables of neurons that are refractory; test
``threshold`` on non-refractory neurons; apply ``reset`` where a spike occurred, the
statements in order, each seeing the ones before. A time ``refractory`` (ms: a number, a
string with a unit, a parameter name or an expression of parameters) counts whole steps
since the last spike as the built-ins do (``neurons._base.refractory_free``); the
variables flagged ``(unless refractory)`` are held meanwhile, or, when none is flagged,
the membrane potential (``VOLTAGE``, else the first variable), as the built-in LIF and
AdEx hold v. A condition ``refractory`` ("v > -20*mV") makes a neuron refractory in the
steps whose starting state satisfies it (no spike, flagged variables held), so a model
without reset spikes once per upward crossing.

Units live in the declarations: each array holds numbers in its declared unit (a ``: mV``
variable holds mV), each parameter in the unit of its value ("10 ms": ms); conversion
factors are constants of the compiled step. ``I`` is the pool's summed synaptic and
external input in ``input_unit``; conductance synapses give it as g (E - v) at the start of
the step (held over the step, as for the built-ins). ``VOLTAGE`` (what conductance synapses
read and delta synapses jump) is ``v`` or the first variable declared in mV; a model with
none has ``VOLTAGE = None``.

The object keeps its arguments as plain data (``data()``); ``NeuronEquations(**m.data(),
**m.values)`` rebuilds it. Its parameters are ``Param`` declarations like a built-in's, so
``Simulator.set_param``, sliders and checkpoints work without recompiling. Each distinct
set of equations gets its own subclass (same name), so that pools of different equations
are never simulated as one block.
"""
from __future__ import annotations

import weakref

import jax.numpy as jnp
import numpy as np

from ..neurons._base import NEVER, NeuronModel, refractory_free
from ._data import canonical, convert_values, copy_data, own_data, rebuild
from ._model import C, compile_neuron

DATA_FIELDS = ("equations", "threshold", "reset", "refractory", "params", "init", "input_unit", "method")
_DEFAULTS = dict(threshold=None, reset=None, refractory=None, params=None, init=None, input_unit="mV", method=None)
#: the editor's starting point: the built-in LIF (same parameter names and ranges) as equations
EXAMPLE = dict(
    equations="dv/dt = (v_rest - v + I) / tau_m : mV", threshold="v > v_th", reset="v = v_reset",
    refractory="t_ref", init={"v": "v_rest"}, input_unit="mV",
    params={"tau_m": {"value": "20 ms", "low": 0, "low_open": True, "log": True, "help": "membrane time constant"},
            "v_rest": {"value": "-65 mV", "help": "resting potential"},
            "v_th": {"value": "-50 mV", "help": "spike threshold"},
            "v_reset": {"value": "-65 mV", "help": "potential after a spike"},
            "t_ref": {"value": "2 ms", "low": 0, "help": "absolute refractory period"}})
_CLASSES: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


class NeuronEquations(NeuronModel):
    """A neuron model from equations (see the module docstring).

    equations:  one equation per line, ``dx/dt = ... : unit`` or ``name = ... : unit``.
    threshold:  a condition (``"v > v_th"``), or None for a model that never spikes.
    reset:      statements (``"v = v_reset; w += b"``) applied after a spike, or None.
    refractory: None, a time (ms number, "2 ms", a parameter name) or a condition.
    params:     ``{name: "10 ms" | number | {"value": ..., "low": ..., "high": ..., "help": ...}}``.
    init:       ``{var: number (in the var's unit) | "-65 mV" | expression of parameters | Initializer}``;
                unlisted variables start at 0.
    input_unit: the unit of ``I`` and of projection weights into the pool ("mV", "pA", ...).
    method:     "exact", "exponential_euler", "euler", "rk2", "rk4" or None (choose; see
                ``model.method``).
    **values:   parameter values other than the declared defaults (numbers in the declared
                unit, strings with a unit, per-neuron arrays or initializers).

    The class of a model (``type(m)``) called with parameter values only makes the same
    equations with those values: ``type(m)(tau_m=10.0)``.
    """

    name = "neuron_equations"
    DATA = DATA_FIELDS
    #: the class is made from the data: a model file stores ``data()`` and names this class
    FROM_DATA = True
    spec = None

    def __new__(cls, equations=None, threshold=None, reset=None, refractory=None, params=None, init=None,
                input_unit="mV", method=None, **values):
        if equations is None and cls.spec is not None:
            own_data(cls, dict(threshold=threshold, reset=reset, refractory=refractory, params=params, init=init,
                               input_unit=input_unit, method=method), _DEFAULTS, C)
            return super().__new__(cls)
        data = dict(equations=equations, threshold=threshold, reset=reset, refractory=refractory,
                    params=copy_data(params if params is not None else {}), init=copy_data(init if init else {}),
                    input_unit=input_unit, method=method)
        key = canonical(data)
        sub = _CLASSES.get(key)
        if sub is None:
            spec = compile_neuron(data)
            sub = type("NeuronEquations", (NeuronEquations,), {
                "spec": spec, "PARAMS": dict(spec.params), "STATE": spec.system.state,
                "INT_STATE": ("lastspike",) if spec.refractory == "time" else (), "VOLTAGE": spec.voltage,
                "INPUT_UNIT": spec.input_unit, "method": spec.method, "equation_data": data,
                "__module__": __name__, "__qualname__": "NeuronEquations"})
            _CLASSES[key] = sub
        return super().__new__(sub)

    def __init__(self, equations=None, threshold=None, reset=None, refractory=None, params=None, init=None,
                 input_unit="mV", method=None, **values):
        super().__init__(**convert_values(values, self.spec.units, self.PARAMS, C))

    @classmethod
    def example(cls) -> NeuronEquations:
        """The built-in LIF written as equations (``EXAMPLE``): what the editor's palette adds."""
        return NeuronEquations(**copy_data(EXAMPLE))

    def data(self) -> dict:
        """The constructor's structural arguments as plain data (equations, conditions,
        statements, parameter declarations, initial values, input unit, method)."""
        return copy_data(self.equation_data)

    def replace(self, **params) -> NeuronEquations:
        """A copy with some parameter values changed (validated); the equations stay."""
        return type(self)(**self.data(), **{**self.values, **params})

    def __reduce__(self):
        return rebuild, (NeuronEquations, self.data(), dict(self.values))

    def __repr__(self) -> str:
        lines = str(self.equation_data["equations"]).strip().split("\n")
        more = " ..." if len(lines) > 1 else ""
        return f"NeuronEquations({lines[0].strip()!r}{more}, method={self.method!r})"

    def init_state(self, n, p, rng):
        env = {k: np.asarray(v, np.float64) for k, v in p.items()}
        out = {}
        for x, v in self.spec.init.items():
            val = v.sample(rng, (n,)) if hasattr(v, "sample") else v(env)
            out[x] = np.array(np.broadcast_to(np.asarray(val, np.float64), (n,)))
        if self.INT_STATE:
            out["lastspike"] = np.full(n, NEVER, np.int64)
        return out

    def prepare(self, p, dt, exp_taus):
        q = dict(p)
        q.update(self.spec.integrator.prepare(p, dt, exp_taus))
        if self.spec.refractory == "time":
            q["_eq_tref"] = self.spec.refractory_fn({**p, "dt": dt})
        return q

    def step(self, s, q, syn, t, dt, noise):
        sp = self.spec
        env = {k: q[k] for k in self.PARAMS}
        env.update({x: s[x] for x in self.STATE})
        env.update(I=syn.current, dt=dt, t=t * dt)
        nr = None
        if sp.refractory == "time":
            nr = refractory_free(t, s["lastspike"], q["_eq_tref"], dt)
        elif sp.refractory == "condition":
            nr = jnp.logical_not(sp.refractory_fn(env))
        new = sp.integrator.step(env, q, syn, dt, self.VOLTAGE)
        if nr is not None:
            for x in sp.held:
                new[x] = jnp.where(nr, new[x], s[x])
        env2 = {**env, **new}
        if sp.threshold is None:
            spk = jnp.zeros(jnp.shape(s[self.STATE[0]]), bool)
        else:
            cross = jnp.broadcast_to(sp.threshold(env2), jnp.shape(s[self.STATE[0]]))
            spk = cross if nr is None else nr & cross
        after = dict(env2)
        for target, f in sp.reset:
            after[target] = f(after)
        out = {x: jnp.where(spk, after[x], new[x]) if any(t_ == x for t_, _ in sp.reset) else new[x]
               for x in self.STATE}
        if self.INT_STATE:
            out["lastspike"] = jnp.where(spk, t, s["lastspike"])
        return out, spk
