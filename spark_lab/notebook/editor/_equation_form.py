"""The inspector's form for a model written as equations (``NeuronEquations``,
``SynapseEquations``): its structural data as text, parsed when **Apply** is pressed.

The equations are a text area (one per line, as in code); ``params`` and ``init`` are text
areas of ``name = value`` lines, a value being a quantity (``20 ms``), a number, an
expression (``v_rest``) or a JSON object (a declaration ``{"value": "20 ms", "low": 0}``, an
initializer ``{"initializer": "uniform", "params": {"low": -70, "high": -55}}``); the other
fields (threshold, reset, refractory, ...) are one-line texts, empty meaning None. Apply
builds the new model; a parse or unit error (``EquationError``) is shown in red with its
line and column, the field at fault is marked, and nothing is applied. A good edit goes to
``apply(new_model)`` (the editor's ``update_pool``/``update_projection``). Parameters whose
declaration did not change keep their current values.
"""
from __future__ import annotations

import dataclasses
import html
import json

import ipywidgets as W

from ... import registry
from ...equations import EquationError
from ...errors import SparkLabError
from ._backend import EditorError
from ._forms import mark_invalid, mark_valid

_DESC = {"description_width": "80px"}
_AREAS = ("equations", "params", "init")
_NONE_IF_EMPTY = ("threshold", "reset", "refractory", "method", "weight_unit")


def base_class(component):
    """The registered class that made ``component``'s class from its data (or None)."""
    return next((c for c in type(component).__mro__ if c.__dict__.get("FROM_DATA") is True), None)


def _show_value(v) -> str:
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return json.dumps({"initializer": type(v).name,
                           "params": {f.name: getattr(v, f.name) for f in dataclasses.fields(v)
                                      if getattr(v, f.name) is not None}})
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


def show_dict(d: dict) -> str:
    """``{"tau": "10 ms", ...}`` as ``name = value`` lines."""
    return "\n".join(f"{k} = {_show_value(v)}" for k, v in (d or {}).items())


def _parse_value(text: str, field: str, line: int):
    if text.startswith("{"):
        try:
            v = json.loads(text)
        except json.JSONDecodeError as e:
            raise EditorError(f"{field}, line {line}: not a JSON object ({e.msg}, column {e.colno})") from None
        if isinstance(v, dict) and "initializer" in v and field == "init":
            try:
                return registry.get("initializer", v["initializer"])(**v.get("params", {}))
            except (TypeError, ValueError, SparkLabError) as e:
                raise EditorError(f"init, line {line}: {e}") from None
        return v
    try:
        return float(text)
    except ValueError:
        return text


def parse_dict(text: str, field: str) -> dict:
    """``name = value`` lines (see the module docstring) -> dict; EditorError naming the line."""
    out = {}
    for i, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        name, eq, value = s.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise EditorError(f"{field}, line {i}: write one 'name = value' per line, got {s!r}")
        if name.strip() in out:
            raise EditorError(f"{field}, line {i}: {name.strip()!r} is given twice")
        out[name.strip()] = _parse_value(value.strip(), field, i)
    return out


class EquationForm:
    """Text fields for the data of ``component`` and an Apply button (module docstring).

    ``texts`` maps data field names to their widgets; ``apply_edit()`` does what the
    button does and returns True when the edit was applied. ``current()`` returns the
    component as it is now (its values may have changed through the value fields)."""

    def __init__(self, component, apply, message=None, on_error=None, on_applied=None, current=None):
        self.component, self._apply, self.on_error, self.on_applied = component, apply, on_error, on_applied
        self.current = current if current is not None else (lambda: self.component)
        self.message = message if message is not None else W.HTML()
        self.base = base_class(component)
        data = component.data()
        self.texts: dict[str, W.Widget] = {}
        for k in self.base.DATA:
            v = data.get(k)
            if k in _AREAS:
                text = v if k == "equations" else show_dict(v)
                rows = max(2, min(12, len(str(text).splitlines()) + 1))
                w = W.Textarea(value=str(text or ""), description=k, rows=rows, style=_DESC,
                               layout=W.Layout(width="100%", font_family="monospace"))
            else:
                w = W.Text(value="" if v is None else str(v), description=k, style=_DESC,
                           continuous_update=False, layout=W.Layout(width="100%"))
            self.texts[k] = w
        self.button = W.Button(description="Apply", tooltip="parse the equations and apply them",
                               button_style="primary", layout=W.Layout(width="90px"))
        self.button.on_click(lambda _b: self.apply_edit())
        self.widget = W.VBox([*self.texts.values(), self.button], layout=W.Layout(margin="0 0 0 12px"))

    def data(self) -> dict:
        """The fields as the constructor's data (EditorError for a malformed line)."""
        out = {}
        for k, w in self.texts.items():
            text = w.value.strip() if k != "equations" else w.value
            if k in ("params", "init"):
                out[k] = parse_dict(w.value, k)
            elif k == "refractory" and text:
                out[k] = _parse_value(text, k, 1)
            else:
                out[k] = None if (k in _NONE_IF_EMPTY and not text) else text
        return out

    def build(self):
        """The new component (its unchanged declarations keep their current values)."""
        data = self.data()
        now = self.current()
        old = now.data().get("params") or {} if base_class(now) is self.base else {}
        kept = {k: v for k, v in now.values.items()
                if k in data["params"] and old.get(k) == data["params"][k]}
        return self.base(**data, **kept)

    def apply_edit(self) -> bool:
        for w in self.texts.values():
            mark_valid(w)
        try:
            new = self.build()
            self._apply(new)
        except SparkLabError as e:
            field = getattr(e, "field", "") if isinstance(e, EquationError) else str(e).split(",")[0]
            root = str(field).split("[")[0].split(".")[0]
            if root in self.texts:
                mark_invalid(self.texts[root], str(e))
            self.message.value = (f"<pre style='color:#d00000;white-space:pre-wrap;font-size:90%'>"
                                  f"{html.escape(str(e))}</pre>")
            if self.on_error is not None:
                self.on_error(str(e).splitlines()[0])
            return False
        self.component = new
        self.message.value = ""
        if self.on_applied is not None:
            self.on_applied()
        return True
