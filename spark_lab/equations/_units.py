"""A small dimension algebra: SI base dimensions, a unit table with prefixes, unit and
quantity strings.

A ``Unit`` is a scale (the SI value of one unit) and a dimension (exponents of m, kg, s,
A, K, mol, cd). Arrays hold plain numbers in the unit a declaration names; the equation
compiler uses the scales only to insert constant conversion factors.

    parse_unit("mV/ms")        Unit(1.0, V/s)
    parse_quantity("10 ms")    (10.0, "ms", Unit(1e-3, s))
    UNITS                      {"ms": Unit, "mV": Unit, "nS": Unit, "Mohm": Unit, ...}

No library is used: pint and astropy are not dependencies of spark_lab, and what is needed
here (dimensions, scales, a fixed table of names) is about a hundred lines.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

from ._errors import Where

BASES = ("m", "kg", "s", "A", "K", "mol", "cd")


@dataclass(frozen=True)
class Unit:
    """``scale`` SI units of dimension ``dim`` (7 Fraction exponents); ``text`` is how the
    user wrote it (for messages; not compared)."""
    scale: float
    dim: tuple
    text: str = field(default="", compare=False)

    def __mul__(self, o: Unit) -> Unit:
        return Unit(self.scale * o.scale, tuple(a + b for a, b in zip(self.dim, o.dim)))

    def __truediv__(self, o: Unit) -> Unit:
        return Unit(self.scale / o.scale, tuple(a - b for a, b in zip(self.dim, o.dim)))

    def __pow__(self, p) -> Unit:
        p = Fraction(p)
        return Unit(self.scale ** float(p), tuple(a * p for a in self.dim))

    @property
    def dimensionless(self) -> bool:
        return all(a == 0 for a in self.dim)

    def same_dim(self, o: Unit) -> bool:
        return self.dim == o.dim

    def show(self) -> str:
        """The user's spelling when there is one, else the dimension in SI names."""
        return self.text or show_dim(self.dim)


def _d(**exp) -> tuple:
    return tuple(Fraction(exp.get(b, 0)) for b in BASES)


ONE = Unit(1.0, _d())
_SI = {
    "s": Unit(1.0, _d(s=1)), "m": Unit(1.0, _d(m=1)), "g": Unit(1e-3, _d(kg=1)), "A": Unit(1.0, _d(A=1)),
    "K": Unit(1.0, _d(K=1)), "mol": Unit(1.0, _d(mol=1)), "cd": Unit(1.0, _d(cd=1)),
    "Hz": Unit(1.0, _d(s=-1)), "V": Unit(1.0, _d(kg=1, m=2, s=-3, A=-1)),
    "ohm": Unit(1.0, _d(kg=1, m=2, s=-3, A=-2)), "S": Unit(1.0, _d(kg=-1, m=-2, s=3, A=2)),
    "F": Unit(1.0, _d(kg=-1, m=-2, s=4, A=2)), "W": Unit(1.0, _d(kg=1, m=2, s=-3)),
    "J": Unit(1.0, _d(kg=1, m=2, s=-2)), "M": Unit(1e3, _d(mol=1, m=-3)), "l": Unit(1e-3, _d(m=3)),
}
_LONG = {"second": "s", "metre": "m", "meter": "m", "gram": "g", "amp": "A", "ampere": "A", "kelvin": "K",
         "mole": "mol", "hertz": "Hz", "volt": "V", "siemens": "S", "farad": "F", "watt": "W",
         "joule": "J", "molar": "M", "liter": "l", "litre": "l"}
_PREFIX = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "\u03bc": 1e-6, "m": 1e-3, "c": 1e-2,
           "k": 1e3, "M": 1e6, "G": 1e9}


def _table() -> dict:
    out = {}
    for name, u in list(_SI.items()) + [(k, _SI[v]) for k, v in _LONG.items()]:
        out[name] = Unit(u.scale, u.dim, name)
        if name in ("K", "cd", "kelvin"):
            continue
        for p, f in _PREFIX.items():
            out.setdefault(p + name, Unit(u.scale * f, u.dim, p + name))
    out["L"] = Unit(1e-3, _d(m=3), "L")
    return out


#: every unit name an equation or a unit string may use
UNITS = _table()
MS = UNITS["ms"]
MV = UNITS["mV"]


def show_dim(dim: tuple) -> str:
    """A dimension in SI names: "1", "V", "V/s", "A*ohm" ..., else base exponents."""
    if all(a == 0 for a in dim):
        return "1"
    named = ("V", "A", "S", "F", "s", "ohm", "m", "mol", "M", "Hz", "W", "J", "g")
    for a in named:
        if _SI[a].dim == dim and a != "g":
            return a
    for a in named[:9]:
        for b in named[:9]:
            if a == b:
                continue
            if tuple(x - y for x, y in zip(_SI[a].dim, _SI[b].dim)) == dim:
                return f"{a}/{b}"
            if a < b and tuple(x + y for x, y in zip(_SI[a].dim, _SI[b].dim)) == dim:
                return f"{a}*{b}"
        if tuple(-x for x in _SI[a].dim) == dim:
            return f"1/{a}"
        for p in (2, 3, 4):
            if tuple(p * x for x in _SI[a].dim) == dim:
                return f"{a}**{p}"
    parts = [f"{b}**{e}" if e != 1 else b for b, e in zip(BASES, dim) if e != 0]
    return "*".join(parts)


def parse_unit(text, where: Where) -> Unit:
    """A unit string ("mV", "1/ms", "mV/ms", "nS*mV", "mV**2", "/mV", "1", "") as a Unit;
    EquationError naming the column for anything else."""
    from ._expr import parse_expr
    if not isinstance(text, str):
        raise where.error(0, f"a unit must be a string, got {text!r}", 'write it as "mV", "1/ms", "nS" ...')
    src = text.strip()
    lead = len(text) - len(text.lstrip())
    if src in ("", "1"):
        return Unit(1.0, ONE.dim, src or "1")
    if src.startswith("/"):
        src, lead = "1" + src, lead - 1
    tree = parse_expr(src, where.at(lead))
    u = _unit_of(tree, where.at(lead))
    return Unit(u.scale, u.dim, text.strip() if not text.strip().startswith("/") else "1" + text.strip())


def _unit_of(e, where: Where) -> Unit:
    if e.op == "num":
        if e.value != 1:
            raise where.error(e.col, f"a unit holds no number other than 1, got {e.value:g}",
                              "put the number in the value: \"10 ms\", not a unit \"10*ms\"")
        return ONE
    if e.op == "name":
        if e.value not in UNITS:
            from .._params import did_you_mean
            raise where.error(e.col, f"unknown unit {e.value!r}",
                              f"{did_you_mean(e.value, UNITS)}units: ms, mV, Hz, pA, nA, nS, uS, pF, nF, Mohm, ...")
        return UNITS[e.value]
    if e.op in ("*", "/"):
        a, b = _unit_of(e.args[0], where), _unit_of(e.args[1], where)
        return a * b if e.op == "*" else a / b
    if e.op == "**" and _const(e.args[1]) is not None and abs(_const(e.args[1])) <= 12:
        return _unit_of(e.args[0], where) ** Fraction(_const(e.args[1])).limit_denominator(12)
    raise where.error(e.col, f"{e.text!r} is not a unit", "combine unit names with *, / and ** (a number up to 12)")


def _const(e):
    if e.op == "num":
        return e.value
    if e.op == "neg" and e.args[0].op == "num":
        return -e.args[0].value
    return None


_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\*?\s*(.*?)\s*$")


def parse_quantity(text: str, where: Where) -> tuple[float, str, Unit]:
    """"10 ms", "-65 mV", "0.04 /mV", "1e-3", "2*ms" -> (number, unit text, Unit); the
    number is in the unit as written. EquationError for anything else."""
    m = _QUANTITY.match(text) if isinstance(text, str) else None
    if not m:
        raise where.error(1, f"{text!r} is not a number with a unit", 'write e.g. "10 ms", "-65 mV" or "0.04 /mV"')
    value = float(m.group(1))
    if not math.isfinite(value):
        raise where.error(1, f"{text!r} is not a finite number", 'write e.g. "10 ms"')
    utext = m.group(2)
    u = parse_unit(utext, where.at(m.start(2)))
    return value, u.text, u


def factor(frm: Unit, to: Unit) -> float:
    """The number to multiply a value in ``frm`` by to get it in ``to`` (same dimension)."""
    f = frm.scale / to.scale
    return 1.0 if abs(f - 1.0) < 1e-12 else f
