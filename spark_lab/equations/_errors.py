"""The one error of the equation layer: which text, which line and column, what is wrong
and how to fix it."""
from __future__ import annotations

from ..errors import SparkLabError


class EquationError(SparkLabError, ValueError):
    """An equation, condition, statement, unit or parameter declaration is not allowed.

    Attributes: ``component`` ("NeuronEquations"), ``field`` ("equations", "threshold",
    "reset", "refractory", "params", "init", "input_unit", "method", ...), ``equation`` (the
    text of the line at fault), ``line`` (1-based line within the field's text), ``column``
    (1-based character in that line; the line's first character when the whole line is
    meant), ``problem``, ``hint``.
    """

    def __init__(self, component: str, field: str, equation: str, line: int, column: int,
                 problem: str, hint: str = ""):
        self.component, self.field, self.equation = component, field, equation
        self.line, self.column, self.problem, self.hint = line, column, problem, hint
        msg = f"{component}: {field}, line {line}, column {column}: {problem}"
        if hint:
            msg += f" ({hint})"
        msg += f"\n    {equation}\n    " + " " * (column - 1) + "^"
        super().__init__(msg)


class Where:
    """The place a piece of text comes from: its field, line number, the whole line, and
    the offset of the text within the line (so columns count from the line's start)."""

    def __init__(self, component: str, field: str, line_text: str, line: int = 1, offset: int = 0):
        self.component, self.field, self.line_text = component, field, line_text
        self.line, self.offset = line, offset

    def error(self, column: int, problem: str, hint: str = "") -> EquationError:
        """An EquationError at ``column`` (1-based, within the text; 0: the whole line, shown
        at its first character)."""
        col = column + self.offset if column else len(self.line_text) - len(self.line_text.lstrip()) + 1
        return EquationError(self.component, self.field, self.line_text, self.line, col, problem, hint)

    def at(self, offset: int) -> Where:
        """The same place for a piece of text that starts ``offset`` characters further on."""
        return Where(self.component, self.field, self.line_text, self.line, self.offset + offset)
