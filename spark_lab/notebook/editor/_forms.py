"""Form fields generated from parameter declarations (``Param``, ``Choice``).

A number becomes a text box labelled with its name, followed by its unit and valid
range; its help and range are the tooltip. An integer 0/1 switch and a Choice between
True and False become checkboxes, other Choices dropdowns (or a text box for free
names). Values that a form cannot show as one number (per-neuron arrays,
initializers) are shown read-only: they are set from code.

Every field commits through a function that may raise :class:`SparkLabError`; then
the field is marked invalid (CSS class ``sl-invalid`` and a red border), the message is
shown, and nothing is applied. The next valid value clears the mark.
"""
from __future__ import annotations

import html
import weakref

import ipywidgets as W
import numpy as np

from ...errors import SparkLabError
from ...initializers import Initializer

INVALID_CLASS = "sl-invalid"
_DESC = {"description_width": "110px"}


def close_tree(widget) -> None:
    """Close ``widget``, its children, layouts and styles (their comms and kernel objects)."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    for attr in ("layout", "style"):
        part = getattr(widget, attr, None)
        if isinstance(part, W.Widget):
            part.close()
    widget.close()


#: widgets marked invalid now (their CSS class is for the browser; this is the Python side)
_INVALID: weakref.WeakSet = weakref.WeakSet()


def mark_invalid(widget, message: str) -> None:
    _INVALID.add(widget)
    widget.add_class(INVALID_CLASS)
    widget.layout.border = "2px solid #d00000"
    widget.tooltip = message


def mark_valid(widget, tooltip: str = "") -> None:
    _INVALID.discard(widget)
    widget.remove_class(INVALID_CLASS)
    widget.layout.border = None
    widget.tooltip = tooltip or None


def is_invalid(widget) -> bool:
    """``widget`` is marked invalid (``mark_invalid`` since the last ``mark_valid``)."""
    return widget in _INVALID


class Field:
    """One input widget bound to ``commit(value)``; ``message`` shows the last refusal."""

    def __init__(self, widget, commit, tooltip: str = "", suffix: str = "", message=None, on_error=None):
        self.widget, self._commit, self.tooltip = widget, commit, tooltip
        self.message, self.on_error = message, on_error
        widget.tooltip = tooltip or None
        parts = [widget]
        if suffix:
            parts.append(W.HTML(f"<span style='color:#57606a;font-size:90%'>{html.escape(suffix)}</span>",
                                layout=W.Layout(margin="0 0 0 6px")))
        self.row = W.HBox(parts, layout=W.Layout(width="100%")) if len(parts) > 1 else widget
        if not widget.disabled:
            widget.observe(self._changed, names="value")

    def _changed(self, change) -> None:
        self.set(change["new"], from_widget=True)

    def set(self, value, from_widget: bool = False) -> bool:
        """Commit ``value`` as if typed; True if it was applied."""
        if not from_widget:
            self.widget.value = value          # observe calls back with from_widget=True
            return not is_invalid(self.widget)
        try:
            self._commit(value)
        except SparkLabError as e:
            mark_invalid(self.widget, str(e))
            if self.message is not None:
                self.message.value = f"<span style='color:#d00000'>{html.escape(str(e))}</span>"
            if self.on_error is not None:
                self.on_error(str(e))
            return False
        mark_valid(self.widget, self.tooltip)
        if self.message is not None:
            self.message.value = ""
        return True


def param_field(name: str, decl, value, commit, message=None, on_error=None) -> Field:
    """A Field for the numeric parameter ``name`` declared by ``decl`` (a Param)."""
    unit = "" if decl.unit in ("", "1") else decl.unit
    rng = decl.range_text()
    shown_rng = "" if rng == "any finite value" else rng
    tip = "; ".join(p for p in (decl.help, f"valid: {rng}") if p)
    if isinstance(value, Initializer) or np.ndim(value) > 0:
        shown = repr(value) if isinstance(value, Initializer) else f"array of {np.size(value)} values"
        w = W.Text(value=shown, description=name, disabled=True, style=_DESC)
        return Field(w, commit, tip + " (per-neuron values: set from code)", unit, message, on_error)
    if decl.integer and decl.low == 0 and decl.high == 1:
        w = W.Checkbox(value=bool(value), description=name, indent=False)
        return Field(w, lambda v: commit(float(bool(v))), tip, "", message, on_error)
    if decl.integer:
        w = W.IntText(value=int(value), description=name, style=_DESC, layout=W.Layout(width="230px"))
        return Field(w, lambda v: commit(float(v)), tip, shown_rng or unit, message, on_error)
    w = W.FloatText(value=float(value), description=name, style=_DESC, layout=W.Layout(width="230px"))
    return Field(w, commit, tip, shown_rng or unit, message, on_error)


def choice_field(name: str, decl, value, commit, message=None, on_error=None) -> Field:
    """A Field for the option ``name`` declared by ``decl`` (a Choice)."""
    tip = decl.help
    if decl.choices is None:
        w = W.Text(value=str(value), description=name, continuous_update=False, style=_DESC)
        return Field(w, commit, tip, "name", message, on_error)
    if all(isinstance(c, bool) for c in decl.choices):
        return Field(W.Checkbox(value=bool(value), description=name, indent=False), commit, tip, "", message, on_error)
    w = W.Dropdown(options=[(str(c), c) for c in decl.choices], value=value, description=name, style=_DESC)
    return Field(w, commit, tip, "", message, on_error)


class ComponentForm:
    """Fields for every parameter and option of ``component``.

    A field edit makes ``component.replace(name=value)`` and passes it to
    ``apply(new_component)``; either may raise SparkLabError (the field is then
    marked and nothing changes). ``fields`` maps parameter names to Fields.
    """

    def __init__(self, component, apply, message=None, on_error=None):
        self.component = component
        self._apply = apply
        self.message = message if message is not None else W.HTML()
        self.fields: dict[str, Field] = {}
        cls = type(component)
        for name, decl in cls.PARAMS.items():
            self.fields[name] = param_field(name, decl, component.values[name], self._commit_to(name),
                                            self.message, on_error)
        for name, decl in cls.OPTIONS.items():
            self.fields[name] = choice_field(name, decl, component.options[name], self._commit_to(name),
                                             self.message, on_error)
        rows = [f.row for f in self.fields.values()]
        if not rows:
            rows = [W.HTML("<i style='color:#57606a'>no parameters</i>")]
        self.widget = W.VBox(rows, layout=W.Layout(margin="0 0 0 12px"))

    def _commit_to(self, name):
        def commit(value):
            new = self.component.replace(**{name: value})
            self._apply(new)
            self.component = new
        return commit
