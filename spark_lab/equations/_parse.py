"""The text of a model: equations, statements and conditions, split into parsed pieces.

Equations, one per line (``#`` starts a comment):

    dv/dt = (v_rest - v + I) / tau : mV                differential equation of v, unit of v
    dv/dt = ... : mV (unless refractory)               v is held during the refractory period
    am = 0.1/ms * (v/mV + 40) / (1 - exp(-(v/mV + 40)/10)) : 1/ms      sub-expression

Statements (reset, on_spike): ``name = expr``, ``name += expr`` (also ``-=``, ``*=``, ``/=``),
separated by ';' or line breaks. Conditions: one expression.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ._errors import Where
from ._expr import E, parse_expr
from ._units import Unit, parse_unit

IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DIFF = re.compile(r"^(\s*)d\s*([A-Za-z][A-Za-z0-9_]*)\s*/\s*dt\s*=")
_SUB = re.compile(r"^(\s*)([A-Za-z][A-Za-z0-9_]*)\s*=(?!=)")
_FLAGS = re.compile(r"\(\s*([A-Za-z_ ,]*)\)\s*$")
_STMT = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*(\+=|-=|\*=|/=|=)(?!=)")
FLAGS = ("unless refractory",)
MAX_LINES = 200


@dataclass(frozen=True)
class Eq:
    """One equation: ``kind`` "diff" or "sub", the variable, its expression and unit."""
    kind: str
    name: str
    expr: E
    unit: Unit
    flags: tuple
    where: Where


@dataclass(frozen=True)
class Stmt:
    """One statement ``target op expr`` (op "=", "+=", "-=", "*=", "/="); ``where`` is the
    place of the expression, ``line`` of the whole line, ``col`` the target's column."""
    target: str
    op: str
    expr: E
    where: Where
    line: Where
    col: int


def _lines(text, component: str, fld: str) -> list:
    if not isinstance(text, str):
        raise Where(component, fld, repr(text)[:80]).error(
            0, f"expected a string, got {type(text).__name__}", "write the equations as text, one per line")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > MAX_LINES:
        raise Where(component, fld, lines[MAX_LINES]).error(0, f"more than {MAX_LINES} lines", "")
    return lines


def parse_equations(text, component: str, fld: str = "equations") -> list[Eq]:
    """Every equation of ``text`` (see the module docstring); EquationError otherwise."""
    out = []
    for i, raw in enumerate(_lines(text, component, fld), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        w = Where(component, fld, raw, i)
        m = _DIFF.match(line)
        kind = "diff" if m else "sub"
        m = m or _SUB.match(line)
        if not m:
            raise w.error(len(line) - len(line.lstrip()) + 1, "not an equation",
                          "write 'dx/dt = expression : unit' or 'name = expression : unit'")
        body_at = m.end()
        body = line[body_at:]
        if ":" not in body:
            raise w.error(len(line) + 1, f"no unit for {m.group(2)!r}",
                          "end the line with ': unit', e.g. ': mV' or ': 1' for a dimensionless variable")
        cut = body.rindex(":")
        expr = parse_expr(body[:cut], w.at(body_at))
        utext, flags = body[cut + 1:], ()
        fm = _FLAGS.search(utext)
        if fm:
            flags = tuple(f.strip() for f in fm.group(1).split(",") if f.strip())
            for f in flags:
                if f not in FLAGS:
                    raise w.error(body_at + cut + 2 + fm.start(1), f"unknown flag {f!r}",
                                  f"flags: {', '.join(FLAGS)}")
            utext = utext[:fm.start()]
        unit = parse_unit(utext, w.at(body_at + cut + 1))
        out.append(Eq(kind, m.group(2), expr, unit, flags, w.at(body_at)))
    if not out:
        raise Where(component, fld, str(text)[:80]).error(
            0, "no equations", "write at least one: 'dv/dt = (v_rest - v) / tau : mV'")
    return out


def parse_statements(text, component: str, fld: str) -> list[Stmt]:
    """The statements of ``text`` (see the module docstring); EquationError otherwise."""
    out = []
    for i, raw in enumerate(_lines(text, component, fld), 1):
        pos = 0
        for piece in raw.split(";"):
            start, pos = pos, pos + len(piece) + 1
            if not piece.strip():
                continue
            w = Where(component, fld, raw, i)
            m = _STMT.match(piece)
            if not m:
                raise w.error(start + len(piece) - len(piece.lstrip()) + 1, f"{piece.strip()!r} is not a statement",
                              "write 'v = v_reset' or 'w += b', separated by ';'")
            ew = w.at(start + m.end())
            expr = parse_expr(piece[m.end():], ew)
            out.append(Stmt(m.group(2), m.group(3), expr, ew, w, start + len(m.group(1)) + 1))
    return out


def parse_condition(text, component: str, fld: str) -> tuple[E, Where]:
    """One condition (``v > v_th``) and where it stands."""
    if not isinstance(text, str):
        raise Where(component, fld, repr(text)[:80]).error(
            0, f"expected a string, got {type(text).__name__}", "write the condition as text: 'v > v_th'")
    w = Where(component, fld, text.replace("\n", " "))
    return parse_expr(text.replace("\n", " "), w), w
