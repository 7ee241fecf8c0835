"""Units of expressions: every operation checked, conversion factors inserted.

``typed(e, scope, where)`` returns ``(tree, unit)``: ``tree`` computes the value of ``e``
as a number in ``unit.scale`` SI units, with a constant factor inserted wherever operands
of a sum, a comparison or a function are declared in different units of one dimension
(ms + s); ``unit`` is ``BOOL`` for conditions. Unit names used as constants (``0.1/ms``)
become the number 1 in their own scale. A bare ``0`` is accepted as any unit (``v > 0``).
Errors name the term, its unit and the expected one.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from . import _algebra as A
from ._errors import Where
from ._expr import E, num
from ._units import ONE, UNITS, Unit, factor

BOOL = "bool"
_SAME_UNIT = {"abs", "floor", "ceil"}


@dataclass(frozen=True)
class Sym:
    """A name an expression may read: its kind ("state", "param", "sub", "input", "time"),
    unit and the tree that computes it (a sub-expression's own tree)."""
    kind: str
    unit: Unit
    tree: E


def conv(tree: E, frm: Unit, to: Unit) -> E:
    """``tree`` (a value in ``frm``) as a value in ``to``."""
    return A.mul(tree, num(factor(frm, to)))


def _zero(e: E) -> bool:
    return e.op == "num" and e.value == 0.0


def typed(e: E, scope: dict, where: Where, expect: Unit | None = None):
    """See the module docstring; ``expect`` (the unit a sum should have) decides which
    operand of a mismatched sum the error names."""
    op = e.op
    if op == "num":
        return num(e.value), ONE
    if op == "name":
        s = scope.get(e.value)
        if s is not None:
            return s.tree, s.unit
        if e.value in UNITS:
            return num(1.0), UNITS[e.value]
        from .._params import did_you_mean
        known = sorted(k for k in scope)
        raise where.error(e.col, f"unknown name {e.value!r}",
                          f"{did_you_mean(e.value, known)}declare it in params={{...}} or as an equation; "
                          f"known: {', '.join(known) or '(none)'}")
    if op in ("+", "-"):
        return _sum(e, scope, where, expect)
    if op == "neg":
        t, u = typed(e.args[0], scope, where, expect)
        _number(u, e.args[0], where)
        return A.neg(t), u
    if op in ("*", "/"):
        (ta, ua), (tb, ub) = (typed(a, scope, where) for a in e.args)
        _number(ua, e.args[0], where)
        _number(ub, e.args[1], where)
        return (A.mul(ta, tb), ua * ub) if op == "*" else (A.div(ta, tb), ua / ub)
    if op == "**":
        return _power(e, scope, where)
    if op == "call":
        return _call(e, scope, where)
    if op == "cmp":
        (ta, ua), (tb, ub) = (typed(a, scope, where) for a in e.args)
        _number(ua, e.args[0], where)
        _number(ub, e.args[1], where)
        ta, tb = _match(e.args[0], ta, ua, e.args[1], tb, ub, where, "compared")
        return E("cmp", (ta, tb), e.value), BOOL
    if op in ("and", "or", "not"):
        out = []
        for a in e.args:
            t, u = typed(a, scope, where)
            if u != BOOL:
                raise where.error(a.col, f"{a.text!r} is a number, but {op!r} needs conditions",
                                  "compare it: x > 0*mV")
            out.append(t)
        return E(op, tuple(out)), BOOL
    raise where.error(e.col, f"{e.text!r} is not allowed", "")     # pragma: no cover - parser whitelist


def _number(u, e: E, where: Where) -> None:
    if u == BOOL:
        raise where.error(e.col, f"{e.text!r} is a condition where a number is needed",
                          "write where(condition, a, b) for a value that depends on a condition")


def _match(ea: E, ta: E, ua: Unit, eb: E, tb: E, ub: Unit, where: Where, what: str,
           expect: Unit | None = None):
    """Both operands in ``ua``'s scale; EquationError naming the mismatched one."""
    if ua.same_dim(ub):
        return ta, conv(tb, ub, ua)
    if _zero(ta) or _zero(tb):
        return ta, tb
    bad, bu, good, gu = (ea, ua, eb, ub) if expect is not None and not ua.same_dim(expect) \
        and ub.same_dim(expect) else (eb, ub, ea, ua)
    raise where.error(bad.col, f"term {bad.text!r} has unit {bu.show()}, but {good.text!r} has {gu.show()}",
                      f"terms that are {what} must have the same dimension")


def _sum(e: E, scope, where, expect):
    (ta, ua), (tb, ub) = (typed(a, scope, where, expect) for a in e.args)
    _number(ua, e.args[0], where)
    _number(ub, e.args[1], where)
    if _zero(ta) and ua.dimensionless:
        ta, ua = ta, ub
    ta, tb = _match(e.args[0], ta, ua, e.args[1], tb, ub, where, "added or subtracted", expect)
    return (A.add(ta, tb) if e.op == "+" else A.sub(ta, tb)), Unit(ua.scale, ua.dim)


def _power(e: E, scope, where):
    (ta, ua), (tb, ub) = (typed(a, scope, where) for a in e.args)
    _number(ua, e.args[0], where)
    _number(ub, e.args[1], where)
    if not ub.dimensionless:
        raise where.error(e.args[1].col, f"the exponent {e.args[1].text!r} has unit {ub.show()}",
                          "an exponent must be dimensionless")
    tb = conv(tb, ub, ONE)
    if ua.dimensionless:
        return E("**", (conv(ta, ua, ONE), tb)), ONE
    if tb.op != "num":
        raise where.error(e.args[1].col, f"{e.args[0].text!r} has unit {ua.show()}, so its exponent must be a "
                          f"number, not {e.args[1].text!r}", "write e.g. x**2")
    if abs(tb.value) > 100:
        raise where.error(e.args[1].col, f"the exponent {e.args[1].text!r} of a quantity with a unit is too large",
                          "exponents of quantities with units are at most 100")
    p = Fraction(tb.value).limit_denominator(1000)
    return E("**", (ta, tb)), ua ** p


def _call(e: E, scope, where):
    fn = e.value
    parts = [typed(a, scope, where) for a in e.args]
    if fn == "where":
        (tc, uc), (ta, ua), (tb, ub) = parts
        if uc != BOOL:
            raise where.error(e.args[0].col, f"the first argument of where() must be a condition, got "
                              f"{e.args[0].text!r}", "write where(x > 0*mV, a, b)")
        _number(ua, e.args[1], where)
        _number(ub, e.args[2], where)
        ta, tb = _match(e.args[1], ta, ua, e.args[2], tb, ub, where, "alternatives of where()")
        return E("call", (tc, ta, tb), fn), ua
    for (_, u), a in zip(parts, e.args):
        _number(u, a, where)
    if fn in ("clip", "minimum", "maximum"):
        (t0, u0), rest = parts[0], parts[1:]
        trees = [t0]
        for (t, u), a in zip(rest, e.args[1:]):
            trees.append(_match(e.args[0], t0, u0, a, t, u, where, f"arguments of {fn}()")[1])
        return E("call", tuple(trees), fn), u0
    (t, u), = parts
    if fn in _SAME_UNIT:
        return E("call", (t,), fn), u
    if fn == "sqrt":
        return E("call", (t,), fn), u ** Fraction(1, 2)
    if not u.dimensionless:
        raise where.error(e.args[0].col, f"the argument of {fn}() has unit {u.show()}",
                          f"{fn}() takes a dimensionless argument: divide by a quantity of unit {u.show()}")
    return E("call", (conv(t, u, ONE),), fn), ONE
