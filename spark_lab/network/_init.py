"""Initial values of state variables given in the network description.

``net.add_pool(name, model, n, init={"v": Normal(-60.0, 5.0)})`` and
``net.connect(pre, post, synapse, init={"g": Uniform(0.0, 0.1)})`` set the value every
listed state variable starts from at ``build()`` and after every ``reset()``; variables
not listed keep the model's own initial value (computed from the model's parameters,
e.g. Izhikevich's ``u = b v_init``, not from the values given here).

A value is a number in the variable's unit, an initializer (``Normal``, ``Uniform``, ...:
one draw per neuron, numbers in the variable's unit) or a string with a unit (``"-60
mV"``), which is converted to the variable's unit where that unit is known: the declared
units of equation models, a neuron's membrane potential (mV), ``STATE_UNITS`` of a model
that declares them, and the synapses' ``state_units``. Strings are converted when the
value is given, so the description (and the model file) holds plain numbers.

Draws: pool variable k of pool i uses ``default_rng([seed, 8, i, k])``; receptor variable
k of receptor r ``default_rng([seed, 9, r, k])``: adding an initial value to one variable
changes no other draw of the network.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _checks
from .._params import did_you_mean
from ..errors import ParameterError
from ..initializers import Initializer

#: the numpy streams of the draws (see the module docstring)
POOL_STREAM, RECEPTOR_STREAM = 8, 9


def neuron_units(model) -> dict:
    """{state variable: unit} of a neuron model where known (Unit objects or unit strings)."""
    system = getattr(getattr(model, "spec", None), "system", None)
    if system is not None:
        return dict(system.units)
    units = dict(getattr(model, "STATE_UNITS", {}) or {})
    if model.VOLTAGE is not None and model.VOLTAGE in model.STATE:
        units.setdefault(model.VOLTAGE, "mV")
    return units


def synapse_units(synapse, input_unit: str) -> dict:
    """{receptor state variable: unit} of a synapse model into a pool of ``input_unit``."""
    system = getattr(getattr(synapse, "spec", None), "system", None)
    if system is not None:
        return dict(system.units)
    return dict(synapse.state_units(input_unit))


def check(init, names: tuple, units: dict, where: str, what: str) -> dict:
    """The checked initial values ``init`` (None or {name: value}) of the state variables
    ``names`` of ``what`` (e.g. "LIF"), as a new {name: float | Initializer}.
    ParameterError naming ``where`` and the variable for anything else."""
    if init is None:
        return {}
    if not isinstance(init, dict):
        raise ParameterError(where, "init", f"got {_checks.brief(init)}",
                             'give a dict {state variable: value}, e.g. {"v": Normal(-60.0, 5.0)}')
    out = {}
    for name, value in init.items():
        if name not in names:
            raise ParameterError(where, f"init[{name!r}]", f"{what} has no state variable {name!r}",
                                 f"{did_you_mean(str(name), names)}state variables: {', '.join(names) or '(none)'}")
        out[name] = _value(value, units.get(name), where, name)
    return out


def _value(v, unit, where: str, name: str):
    field = f"init[{name!r}]"
    if isinstance(v, Initializer):
        return v
    if _checks.is_real(v):
        if not math.isfinite(v):
            raise ParameterError(where, field, f"got {v!r}", "give a finite number")
        return float(v)
    if isinstance(v, str):
        return _quantity(v, unit, where, field)
    raise ParameterError(where, field, f"got {_checks.brief(v)}",
                         'give a number (in the variable\'s unit), a string such as "-60 mV" or an initializer')


def _quantity(text: str, unit, where: str, field: str) -> float:
    from ..equations._errors import EquationError, Where
    from ..equations._units import Unit, factor, parse_quantity, parse_unit
    if unit is None:
        raise ParameterError(where, field, f"got {text!r}, but the variable's unit is not declared",
                             "give a number in the unit the model's docstring states")
    w = Where(where, field, text)
    try:
        value, _, u = parse_quantity(text, w)
        want = unit if isinstance(unit, Unit) else parse_unit(unit, Where(where, field, unit))
    except EquationError as e:
        raise ParameterError(where, field, e.problem, e.hint or 'write e.g. "-60 mV"') from None
    if not u.same_dim(want):
        raise ParameterError(where, field, f"{text!r} has unit {u.show()}, the variable's unit is {want.show()}",
                             f"give a value in {want.show()} (or a unit of the same dimension)")
    return value * factor(u, want)


def merged(inits: list, where: str) -> dict:
    """The initial values of one receptor from those of the projections that share it
    (``[(projection name, init)]``); ParameterError where two give one variable different values."""
    out, source = {}, {}
    for pname, init in inits:
        for k, v in init.items():
            if k in out and out[k] != v:
                raise ParameterError(where, f"init[{k!r}]",
                                     f"projections {source[k]!r} and {pname!r} share one receptor (synapse instance) "
                                     f"but give it different initial values ({out[k]!r}, {v!r})",
                                     "give the initial value on one of them, or the same on both")
            out[k], source[k] = v, source.get(k, pname)
    return out


def draw(value, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` initial values: one draw per element from an initializer, or ``value`` repeated."""
    if isinstance(value, Initializer):
        return np.asarray(value.sample(rng, (n,)), np.float64)
    return np.full(n, float(value))
