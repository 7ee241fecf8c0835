"""Expressions: a whitelist over Python's ``ast`` and the small tree the compiler works on.

``parse_expr(text, where)`` parses one expression with ``ast.parse(mode="eval")`` (which
runs nothing) and converts it node by node; anything outside the whitelist is an
EquationError naming the column. Allowed: numbers, names, ``+ - * / **``, unary ``-``
and ``+``, comparisons (``< <= > >= == !=``, chains), ``and``/``or``/``not``, and calls of
the functions in ``FUNCTIONS`` with positional arguments. Expressions are at most
``MAX_CHARS`` characters and ``MAX_DEPTH`` levels deep, so every later pass (units,
linearity, compilation) recurses a bounded number of times.

Tree: ``E(op, args, value)``, ops "num" (value: float), "name" (value: identifier), "+",
"-", "*", "/", "**", "neg", "call" (value: function name), "cmp" (value: operator),
"and", "or", "not". ``col``/``text`` (position and source, for messages) are not compared.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

from ._errors import Where

#: function name -> number of arguments
FUNCTIONS = {"exp": 1, "expm1": 1, "log": 1, "log10": 1, "log1p": 1, "sqrt": 1, "tanh": 1, "sinh": 1,
             "cosh": 1, "sin": 1, "cos": 1, "abs": 1, "sigmoid": 1, "floor": 1, "ceil": 1,
             "where": 3, "clip": 3, "minimum": 2, "maximum": 2}
MAX_CHARS = 2000
MAX_DEPTH = 60

_BIN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_BIN_HINTS = {ast.BitXor: "use ** for powers", ast.FloorDiv: "use / (no integer division)",
              ast.Mod: "no remainder operator in equations", ast.BitAnd: "use 'and'", ast.BitOr: "use 'or'",
              ast.MatMult: "use * for products"}


@dataclass(frozen=True)
class E:
    """One node of an expression tree (see the module docstring)."""
    op: str
    args: tuple = ()
    value: object = None
    col: int = field(default=0, compare=False)
    text: str = field(default="", compare=False)

    def names(self) -> set:
        """Every name the expression reads."""
        if self.op == "name":
            return {self.value}
        out = set()
        for a in self.args:
            out |= a.names()
        return out


def num(x: float) -> E:
    return E("num", (), float(x))


def name(n: str) -> E:
    return E("name", (), n)


def parse_expr(text: str, where: Where) -> E:
    """Parse ``text`` (one expression); EquationError naming the column otherwise."""
    if not isinstance(text, str):
        raise where.error(0, f"expected a string, got {type(text).__name__}", "write the expression as text")
    if len(text) > MAX_CHARS:
        raise where.error(MAX_CHARS, f"the expression is longer than {MAX_CHARS} characters",
                          "split it into sub-expressions (name = ... : unit)")
    if not text.strip():
        raise where.error(1, "the expression is empty", "write an expression")
    if "\n" in text or "\r" in text:
        raise where.error(text.replace("\r", "\n").index("\n") + 1, "a line break inside an expression",
                          "write one expression per line")
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        col = max(1, min(len(text), e.offset or 1)) + lead
        raise where.error(col, f"cannot read this: {e.msg}", _syntax_hint(e.msg)) from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise where.error(1, f"cannot read this: {type(e).__name__}", "simplify the expression") from None
    return _conv(tree.body, text, where, 0, lead)


def _syntax_hint(msg: str) -> str:
    if "comma" in msg:
        return "write products with *: 2*v, not 2 v"
    if "'='" in msg or "assign" in msg:
        return "compare with ==, not ="
    if "parenthes" in msg or "never closed" in msg or "unmatched" in msg:
        return "check the parentheses"
    return "check for a missing operator, name or parenthesis"


def _col(node, text: str) -> int:
    """1-based character column in ``text`` of an ast node."""
    byte = getattr(node, "col_offset", 0)
    return 1 + len(text.encode("utf-8")[:byte].decode("utf-8", errors="ignore"))


def _src(node, text: str) -> str:
    seg = ast.get_source_segment(text, node)
    return seg if seg is not None else text


def _conv(node, text: str, where: Where, depth: int, lead: int) -> E:
    """``node`` as a tree; columns count from the text before ``lead`` blanks were stripped."""
    if depth > MAX_DEPTH:
        raise where.error(_col(node, text) + lead, f"the expression is nested more than {MAX_DEPTH} levels deep",
                          "split it into sub-expressions (name = ... : unit)")
    col, src = _col(node, text) + lead, _src(node, text)

    def sub(n):
        return _conv(n, text, where, depth + 1, lead)

    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise where.error(col, f"{src!r} is not a number", "only numbers, names and operators are allowed")
        try:
            v = float(v)
        except OverflowError:
            v = math.inf
        if not math.isfinite(v):
            raise where.error(col, f"{src!r} is not a finite number", "write a number such as 1e30")
        return E("num", (), v, col, src)
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise where.error(col, f"the name {node.id!r} starts with '_'", "names start with a letter")
        return E("name", (), node.id, col, src)
    if isinstance(node, ast.BinOp):
        op = _BIN.get(type(node.op))
        if op is None:
            raise where.error(_op_col(node, text) + lead, f"the operator in {src!r} is not allowed",
                              _BIN_HINTS.get(type(node.op), "use + - * / **"))
        return E(op, (sub(node.left), sub(node.right)), None, col, src)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.UAdd):
            return sub(node.operand)
        if isinstance(node.op, ast.USub):
            return E("neg", (sub(node.operand),), None, col, src)
        if isinstance(node.op, ast.Not):
            return E("not", (sub(node.operand),), None, col, src)
        raise where.error(col, f"the operator in {src!r} is not allowed", "use -, + or not")
    if isinstance(node, ast.Compare):
        return _compare(node, sub, col, src, where)
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        out = sub(node.values[0])
        for v in node.values[1:]:
            out = E(op, (out, sub(v)), None, col, src)
        return out
    if isinstance(node, ast.Call):
        return _call(node, sub, col, src, where)
    raise where.error(col, f"{src!r} is not allowed in an equation ({_what(node)})", _hint_for(node))


def _op_col(node, text: str) -> int:
    """Column of a binary operator: just after the left operand."""
    end = getattr(node.left, "end_col_offset", None)
    if end is None:
        return _col(node, text)
    rest = text.encode("utf-8")[end:].decode("utf-8", errors="ignore")
    return 1 + len(text.encode("utf-8")[:end].decode("utf-8", errors="ignore")) + (len(rest) - len(rest.lstrip()))


def _compare(node, sub, col, src, where) -> E:
    items = [node.left] + list(node.comparators)
    out = None
    for i, op in enumerate(node.ops):
        o = _CMP.get(type(op))
        if o is None:
            raise where.error(col, f"the comparison in {src!r} is not allowed", "use < <= > >= == !=")
        c = E("cmp", (sub(items[i]), sub(items[i + 1])), o, col, src)
        out = c if out is None else E("and", (out, c), None, col, src)
    return out


def _call(node, sub, col, src, where) -> E:
    f = node.func
    if not isinstance(f, ast.Name):
        raise where.error(col, f"{src!r} calls something that is not a function name",
                          f"functions: {', '.join(FUNCTIONS)}")
    if f.id not in FUNCTIONS:
        from .._params import did_you_mean
        raise where.error(col, f"unknown function {f.id!r}", f"{did_you_mean(f.id, FUNCTIONS)}functions: "
                                                            f"{', '.join(FUNCTIONS)}")
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise where.error(col, f"{f.id}() takes positional arguments only", f"write {f.id}(x, ...)")
    if len(node.args) != FUNCTIONS[f.id]:
        k = FUNCTIONS[f.id]
        raise where.error(col, f"{f.id}() takes {k} argument{'s' if k > 1 else ''}, got {len(node.args)}",
                          f"write {f.id}({', '.join('xyz'[:k])})")
    return E("call", tuple(sub(a) for a in node.args), f.id, col, src)


def _what(node) -> str:
    return {ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "lambda",
            ast.IfExp: "if-else", ast.NamedExpr: "assignment", ast.Tuple: "tuple", ast.List: "list",
            ast.Dict: "dict", ast.Set: "set", ast.JoinedStr: "string", ast.Await: "await",
            ast.ListComp: "comprehension", ast.GeneratorExp: "generator"}.get(type(node), type(node).__name__)


def _hint_for(node) -> str:
    if isinstance(node, ast.IfExp):
        return "write where(condition, a, b)"
    if isinstance(node, ast.Attribute):
        return "use plain names: exp(x), not math.exp(x)"
    if isinstance(node, ast.Tuple):
        return "one expression per line; statements are separated by ';' only in reset"
    return "only numbers, names, + - * / **, comparisons, and/or/not and the functions " + ", ".join(FUNCTIONS)
