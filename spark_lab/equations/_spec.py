"""From the plain data of an equation model to checked, unit-converted trees.

``declare_params(params, component)`` turns ``params={...}`` into ``Param`` declarations
and units; ``system(...)`` parses and checks the equations against them. Everything a
model needs beyond that (threshold, reset, currents) is checked with ``typed_in``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .._params import Param
from ._errors import EquationError, Where
from ._expr import FUNCTIONS, E, name, num, parse_expr
from ._parse import IDENT, Eq, parse_equations
from ._typing import BOOL, Sym, conv, typed
from ._units import MS, ONE, Unit, factor, parse_quantity, parse_unit

#: names a neuron's equations cannot declare: built-in names and the constructor's own arguments
NEURON_RESERVED = frozenset({"t", "dt", "I", "lastspike", "equations", "threshold", "reset", "refractory",
                             "params", "init", "input_unit", "method"} | set(FUNCTIONS))
#: the same for a synapse (``v`` is the post pool's potential, ``w`` the arriving weight)
SYNAPSE_RESERVED = frozenset({"t", "dt", "v", "w", "equations", "current", "on_spike", "params", "init", "unit",
                              "weight_unit", "method"} | set(FUNCTIONS))
_DECL_KEYS = ("value", "unit", "low", "high", "low_open", "high_open", "help", "log", "typical")


def _check_name(n, where: Where, what: str, reserved) -> None:
    if not isinstance(n, str) or not IDENT.match(n):
        raise where.error(0, f"{n!r} is not allowed as the name of a {what}",
                          "use letters, digits and '_', starting with a letter")
    if n in reserved:
        raise where.error(0, f"{n!r} is a reserved name", f"reserved: {', '.join(sorted(reserved))}")


def _value(v, where: Where) -> tuple[float, str, Unit]:
    if isinstance(v, bool) or v is None:
        raise where.error(0, f"got {v!r}", 'give a number or a number with a unit: "10 ms"')
    if isinstance(v, (int, float)):
        if not math.isfinite(v):
            raise where.error(0, f"got {v!r}", "give a finite number")
        return float(v), "1", ONE
    return parse_quantity(v, where)


def declare_params(params, component: str, reserved=NEURON_RESERVED) -> tuple[dict, dict]:
    """``({name: Param}, {name: Unit})`` from ``params={"tau": "10 ms", "k": 0.04, "g": {"value":
    "10 nS", "low": 0, "help": "..."}}``. Bounds are numbers in the parameter's unit or
    strings with a unit. EquationError (field "params") for a bad entry."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise Where(component, "params", repr(params)[:80]).error(
            0, f"expected a dict, got {type(params).__name__}", 'write params={"tau": "10 ms", ...}')
    decls, units = {}, {}
    for n, spec in params.items():
        where = Where(component, f"params[{n!r}]", repr(spec)[:120])
        _check_name(n, where, "parameter", reserved)
        extra = {}
        if isinstance(spec, dict):
            bad = [k for k in spec if k not in _DECL_KEYS]
            if bad or "value" not in spec:
                raise where.error(0, f"unknown key {bad[0]!r}" if bad else "no 'value'",
                                  f"keys: {', '.join(_DECL_KEYS)} ('value' is required)")
            extra = {k: spec[k] for k in spec if k not in ("value", "unit")}
            value, utext, u = _value(spec["value"], where)
            if "unit" in spec:
                if utext != "1":
                    raise where.error(0, "the unit is given twice", "give it in 'value' or in 'unit'")
                u = parse_unit(spec["unit"], Where(component, f"params[{n!r}].unit", str(spec["unit"])))
                utext = u.text
        else:
            value, utext, u = _value(spec, where)
        for b in ("low", "high"):
            if extra.get(b) is not None and not isinstance(extra[b], (int, float)):
                bv, _, bu = _value(extra[b], where)
                if not bu.same_dim(u):
                    raise where.error(0, f"{b} {extra[b]!r} has unit {bu.show()}, the value {u.show()}", "")
                extra[b] = bv * factor(bu, u)
        if extra.get("typical") is not None:
            extra["typical"] = tuple(extra["typical"])
        try:
            decls[n] = Param(value, utext, **extra)
        except TypeError as e:
            raise where.error(0, f"bad declaration: {e}", f"keys: {', '.join(_DECL_KEYS)}") from None
        decls[n].check_values(value, component, n)
        units[n] = u
    return decls, units


@dataclass(frozen=True)
class System:
    """The checked equations: state variables in order, their units, their derivatives
    (trees in unit per ms), flags and the scope expressions may read."""
    state: tuple
    units: dict
    rhs: dict
    flags: dict
    scope: dict
    where: dict


def system(text, component: str, param_units: dict, extra_scope: dict, reserved=NEURON_RESERVED) -> System:
    """Parse and check the equations (see the module docstring)."""
    eqs = parse_equations(text, component)
    scope = {n: Sym("param", u, name(n)) for n, u in param_units.items()}
    scope.update(extra_scope)
    seen = {}
    for q in eqs:
        w = q.where
        if q.name in seen:
            raise w.error(0, f"{q.name!r} has two equations", "give each variable one equation")
        if q.name in param_units:
            raise w.error(0, f"{q.name!r} is a parameter and has an equation", "rename one of them")
        _check_name(q.name, w, "variable", reserved)
        if q.kind == "sub" and q.flags:
            raise w.error(0, "flags are for differential equations", "remove the flag")
        seen[q.name] = q
    states = tuple(q.name for q in eqs if q.kind == "diff")
    if not states:
        raise eqs[0].where.error(0, "no differential equation", "write at least one: 'dv/dt = ... : mV'")
    for q in eqs:
        if q.kind == "diff":
            scope[q.name] = Sym("state", q.unit, name(q.name))
    _subexpressions([q for q in eqs if q.kind == "sub"], scope)
    rhs = {}
    for q in eqs:
        if q.kind == "diff":
            rhs[q.name] = _derivative(q, scope)
    return System(states, {q.name: q.unit for q in eqs if q.kind == "diff"}, rhs,
                  {q.name: q.flags for q in eqs if q.kind == "diff"}, scope,
                  {q.name: q.where for q in eqs})


def _subexpressions(subs: list, scope: dict) -> None:
    """Type the sub-expressions in dependency order into ``scope``; a cycle is an error."""
    todo = {q.name: q for q in subs}
    while todo:
        ready = [q for q in todo.values() if not (q.expr.names() & set(todo))]
        if not ready:
            q = next(iter(todo.values()))
            raise q.where.error(0, f"the sub-expressions {', '.join(sorted(todo))} depend on each other in a circle",
                                "define each from names defined without it")
        for q in ready:
            scope[q.name] = Sym("sub", q.unit, typed_in(q.expr, scope, q.where, q.unit, f"{q.name!r}"))
            del todo[q.name]


def _terms(e: E) -> list:
    """The top-level terms of a sum."""
    if e.op in ("+", "-"):
        return _terms(e.args[0]) + _terms(e.args[1])
    if e.op == "neg":
        return _terms(e.args[0])
    return [e]


def typed_in(e: E, scope: dict, where: Where, unit: Unit | None, what: str) -> E:
    """``e`` checked to have ``unit`` (a condition when ``unit`` is None) and converted to it."""
    tree, u = typed(e, scope, where, unit)
    if unit is None:
        if u != BOOL:
            raise where.error(e.col, f"{e.text!r} is not a condition", "write a comparison: v > v_th")
        return tree
    if u == BOOL:
        raise where.error(e.col, f"{e.text!r} is a condition, {what} needs a value of unit {unit.show()}",
                          "write where(condition, a, b)")
    if u.same_dim(unit) or (tree.op == "num" and tree.value == 0.0):
        return conv(tree, u, unit) if u.same_dim(unit) else tree
    terms = _terms(e)
    for term in terms if len(terms) > 1 else ():
        tu = typed(term, scope, where)[1]
        if tu != BOOL and not tu.same_dim(unit):
            raise where.error(term.col, f"term {term.text!r} has unit {tu.show()}, expected {unit.show()} "
                              f"for {what}", _fix(tu, unit))
    raise where.error(e.col, f"{e.text!r} has unit {u.show()}, expected {unit.show()} for {what}", _fix(u, unit))


def _fix(got: Unit, want: Unit) -> str:
    if (got / want).same_dim(MS):
        return "divide by a time constant"
    if (want / got).same_dim(MS):
        return "multiply by a time constant"
    return f"the terms must have the unit {want.show()}"


def _derivative(q: Eq, scope: dict) -> E:
    per_ms = Unit(q.unit.scale / MS.scale, (q.unit / MS).dim, f"{q.unit.show()}/ms")
    return typed_in(q.expr, scope, q.where, per_ms, f"d{q.name}/dt (the unit of {q.name} per ms)")


def initial_value(v, unit: Unit, scope: dict, where: Where):
    """An initial value: a number (in ``unit``), a string with a unit, an expression of
    parameters and units, or an Initializer (drawn per neuron). -> tree or Initializer."""
    from ..initializers import Initializer
    if isinstance(v, Initializer):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if not math.isfinite(v):
            raise where.error(0, f"got {v!r}", "give a finite number")
        return num(v)
    if not isinstance(v, str):
        raise where.error(0, f"got {v!r}", 'give a number, a string such as "-65 mV" or "v_rest", or an Initializer')
    try:
        value, _, u = parse_quantity(v, where)
    except EquationError:
        e = parse_expr(v, where)
    else:
        if not u.same_dim(unit):
            raise where.error(1, f"{v!r} has unit {u.show()}, expected {unit.show()}", "")
        return num(value * factor(u, unit))
    only = {k: s for k, s in scope.items() if s.kind == "param"}
    bad = sorted(e.names() & (set(scope) - set(only)))
    if bad:
        raise where.error(e.col, f"an initial value reads {bad[0]!r}", "initial values may use parameters and units")
    return typed_in(e, only, where, unit, "the initial value")
