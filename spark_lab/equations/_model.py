"""The compiled form of a ``NeuronEquations``: what ``step`` evaluates, built once from
the model's plain data (see ``NeuronEquations`` for the meaning of each field)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import _algebra as A
from ._compile import JNP, NP, compile_tree
from ._errors import EquationError, Where
from ._expr import name
from ._integrate import choose
from ._parse import parse_condition, parse_statements
from ._spec import declare_params, initial_value, system, typed_in
from ._typing import BOOL, Sym, typed
from ._units import MS, MV, ONE, parse_quantity, parse_unit

C = "NeuronEquations"


@dataclass(frozen=True)
class NeuronSpec:
    """Declarations (``params``, ``units``), the checked system, and the compiled pieces."""
    params: dict
    units: dict
    system: object
    threshold: object
    reset: tuple
    refractory: str
    refractory_fn: object
    held: tuple
    init: dict
    voltage: str | None
    input_unit: str
    integrator: object
    uses_t: bool

    @property
    def method(self) -> str:
        return self.integrator.method


def statements(text, scope: dict, states: tuple, units: dict, component: str, fld: str) -> tuple:
    """``((target, f(env)), ...)`` of reset/on_spike statements, each target a state variable."""
    out = []
    for st in parse_statements(text, component, fld):
        if st.target not in states:
            from .._params import did_you_mean
            kind = scope[st.target].kind if st.target in scope else None
            why = {"param": "a parameter cannot be changed by a statement (its value is a slider's)",
                   "sub": "a sub-expression is computed from the state, not stored"}.get(kind, "not a state variable")
            raise st.line.error(st.col, f"{st.target!r}: {why}",
                                f"{did_you_mean(st.target, states)}state variables: {', '.join(states)}")
        u = units[st.target]
        if st.op in ("*=", "/="):
            rhs = typed_in(st.expr, scope, st.where, ONE, f"{st.target} {st.op}")
            tree = (A.mul if st.op == "*=" else A.div)(name(st.target), rhs)
        else:
            rhs = typed_in(st.expr, scope, st.where, u, f"{st.target!r} (unit {u.show()})")
            tree = rhs if st.op == "=" else (A.add if st.op == "+=" else A.sub)(name(st.target), rhs)
        out.append((st.target, compile_tree(tree, JNP)))
    return tuple(out)


def _refractory(value, scope: dict):
    """-> (kind "none" | "time" | "condition", f(env)); a time in ms of parameters only."""
    w = Where(C, "refractory", str(value))
    if value is None:
        return "none", None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0:
            raise w.error(0, f"got {value!r}", "give a time >= 0 in ms, a parameter name or a condition")
        v = float(value)
        return "time", (lambda env: v)
    if not isinstance(value, str):
        raise w.error(0, f"got {value!r}", 'give a time ("2 ms", 2.0 or a parameter name) or a condition')
    try:
        v, _, u = parse_quantity(value, w)
    except EquationError:
        pass
    else:
        if not u.same_dim(MS):
            raise w.error(1, f"{value!r} has unit {u.show()}", "a refractory period is a time, e.g. \"2 ms\"")
        v = v * u.scale / MS.scale
        return "time", (lambda env: v)
    e, w = parse_condition(value, C, "refractory")
    tree, u = typed(e, scope, w)
    if u == BOOL:
        return "condition", compile_tree(tree, JNP)
    if not u.same_dim(MS):
        raise w.error(e.col, f"{value!r} has unit {u.show()}", "give a time (\"2 ms\", a parameter) or a condition")
    bad = sorted(n for n in e.names() if n in scope and scope[n].kind not in ("param",))
    if bad:
        raise w.error(e.col, f"a refractory time reads {bad[0]!r}", "a time may use parameters and units only")
    return "time", compile_tree(typed_in(e, scope, w, MS, "the refractory period"), JNP)


def _voltage(sys) -> str | None:
    """The membrane potential conductance synapses read: ``v`` if it is in mV, else the
    first state variable in mV, else None."""
    mv = [x for x in sys.state if sys.units[x].same_dim(MV) and abs(sys.units[x].scale - MV.scale) < 1e-15]
    return "v" if "v" in mv else (mv[0] if mv else None)


def compile_neuron(data: dict) -> NeuronSpec:
    """Parse and check ``data`` (the constructor's arguments); EquationError otherwise."""
    params, units = declare_params(data["params"], C)
    iu = parse_unit(data["input_unit"], Where(C, "input_unit", str(data["input_unit"])))
    extra = {"I": Sym("input", iu, name("I")), "t": Sym("time", MS, name("t")), "dt": Sym("time", MS, name("dt"))}
    sys = system(data["equations"], C, units, extra)
    scope = sys.scope
    threshold = None
    if data["threshold"] is not None:
        e, w = parse_condition(data["threshold"], C, "threshold")
        threshold = compile_tree(typed_in(e, scope, w, None, "threshold"), JNP)
    reset = () if data["reset"] is None else statements(data["reset"], scope, sys.state, sys.units, C, "reset")
    kind, rfn = _refractory(data["refractory"], scope)
    init = _inits(data["init"], sys)
    voltage = _voltage(sys)
    held = tuple(x for x in sys.state if "unless refractory" in sys.flags[x])
    if not held and kind == "time":
        held = (voltage or sys.state[0],)
    method_where = Where(C, "method", repr(data["method"]))
    integ = choose(sys.rhs, set(params), data["method"], lambda x: sys.where[x] if x else method_where)
    uses_t = any("t" in t.names() for t in sys.rhs.values()) or any(
        "t" in s.tree.names() for s in scope.values() if s.kind == "sub")
    return NeuronSpec(params, units, sys, threshold, reset, kind, rfn, held, init, voltage, iu.text, integ, uses_t)


def _inits(init, sys) -> dict:
    init = {} if init is None else init
    if not isinstance(init, dict):
        raise Where(C, "init", repr(init)[:80]).error(0, f"expected a dict, got {type(init).__name__}",
                                                      'write init={"v": "v_rest"}')
    for k in init:
        if k not in sys.state:
            from .._params import did_you_mean
            raise Where(C, f"init[{k!r}]", str(init[k])).error(
                0, f"{k!r} is not a state variable", f"{did_you_mean(str(k), sys.state)}state: {', '.join(sys.state)}")
    out = {}
    for x in sys.state:
        v = initial_value(init.get(x, 0.0), sys.units[x], sys.scope, Where(C, f"init[{x!r}]", str(init.get(x, 0.0))))
        out[x] = v if not hasattr(v, "op") else compile_tree(v, NP)
    return out
