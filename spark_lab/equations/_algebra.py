"""Tree algebra: constructors that fold constants and identities, and the linear form of
an expression in chosen variables (what decides exact and exponential-Euler integration).

``linear(e, vars, const)`` writes ``e`` as ``sum_k coef_k * k + rest`` for the names
``k`` in ``vars``, where no coefficient and not ``rest`` reads a name in ``vars`` and every
coefficient passes ``const`` (a test on the names it reads); None when ``e`` is not of
that form. Coefficients keep a common denominator where they have one, so the LIF form
``(v_rest - v + I)/tau`` gives ``v: -1/tau``, ``I: 1/tau``, rest ``v_rest/tau`` with the same
``tau``: -1/coef is then exactly ``tau`` and the fixed point exactly ``v_rest + I``.
"""
from __future__ import annotations

from ._expr import E, num


def is_num(e: E, x: float | None = None) -> bool:
    return e.op == "num" and (x is None or e.value == x)


def add(a: E, b: E) -> E:
    if is_num(a, 0.0):
        return b
    if is_num(b, 0.0):
        return a
    if is_num(a) and is_num(b):
        return num(a.value + b.value)
    if b.op == "neg":
        return sub(a, b.args[0])
    return E("+", (a, b))


def sub(a: E, b: E) -> E:
    if is_num(b, 0.0):
        return a
    if is_num(a, 0.0):
        return neg(b)
    if is_num(a) and is_num(b):
        return num(a.value - b.value)
    return E("-", (a, b))


def neg(a: E) -> E:
    if is_num(a):
        return num(-a.value)
    if a.op == "neg":
        return a.args[0]
    if a.op == "/" and is_num(a.args[0]):
        return div(num(-a.args[0].value), a.args[1])
    return E("neg", (a,))


def mul(a: E, b: E) -> E:
    if is_num(a, 1.0):
        return b
    if is_num(b, 1.0):
        return a
    if is_num(a, 0.0) or is_num(b, 0.0):
        return num(0.0)
    if is_num(a, -1.0):
        return neg(b)
    if is_num(b, -1.0):
        return neg(a)
    if is_num(a) and is_num(b):
        return num(a.value * b.value)
    return E("*", (a, b))


def div(a: E, b: E) -> E:
    if is_num(b, 1.0):
        return a
    if is_num(a, 0.0):
        return num(0.0)
    if is_num(b, -1.0):
        return neg(a)
    if is_num(a) and is_num(b) and b.value != 0:
        return num(a.value / b.value)
    if b.op == "/" and is_num(b.args[0], 1.0):          # a / (1/x) = a * x
        return mul(a, b.args[1])
    if b.op == "/" and is_num(b.args[0], -1.0):
        return neg(mul(a, b.args[1]))
    return E("/", (a, b))


class Lin:
    """``(sum_k num[k] * k + num[1]) / den`` with ``den`` None for 1."""

    def __init__(self, coefs: dict, den: E | None = None):
        self.coefs, self.den = coefs, den

    def coef(self, k) -> E:
        """The coefficient of ``k`` (1: the rest) with the denominator applied."""
        c = self.coefs.get(k, num(0.0))
        return c if self.den is None else div(c, self.den)

    def flat(self) -> Lin:
        return Lin({k: self.coef(k) for k in self.coefs}) if self.den is not None else self


def _merge(a: Lin, b: Lin, sign: float) -> Lin:
    if a.den != b.den:
        a, b = a.flat(), b.flat()
    out = dict(a.coefs)
    for k, c in b.coefs.items():
        out[k] = add(out[k], c) if sign > 0 and k in out else sub(out[k], c) if k in out else \
            (c if sign > 0 else neg(c))
    return Lin(out, a.den)


def linear(e: E, vars: set, const) -> Lin | None:
    """The linear form of ``e`` in ``vars`` (see the module docstring), or None."""
    if e.op == "name" and e.value in vars:
        return Lin({e.value: num(1.0)})
    if not (e.names() & vars):
        return Lin({1: e}) if const(e.names()) else None
    if e.op in ("+", "-"):
        a, b = linear(e.args[0], vars, const), linear(e.args[1], vars, const)
        return None if a is None or b is None else _merge(a, b, 1.0 if e.op == "+" else -1.0)
    if e.op == "neg":
        a = linear(e.args[0], vars, const)
        return None if a is None else Lin({k: neg(c) for k, c in a.coefs.items()}, a.den)
    if e.op == "*":
        a, b = linear(e.args[0], vars, const), linear(e.args[1], vars, const)
        if a is None or b is None:
            return None
        if set(a.coefs) == {1}:
            a, b = b, a
        if set(b.coefs) != {1}:
            return None
        k = b.coefs[1]
        den = a.den if b.den is None else (b.den if a.den is None else mul(a.den, b.den))
        return Lin({key: mul(c, k) for key, c in a.coefs.items()}, den)
    if e.op == "/":
        a, b = linear(e.args[0], vars, const), linear(e.args[1], vars, const)
        if a is None or b is None or set(b.coefs) != {1}:
            return None
        den = b.coefs[1] if b.den is None else div(b.coefs[1], b.den)
        return Lin(a.coefs, den if a.den is None else mul(a.den, den))
    return None
