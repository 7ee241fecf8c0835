"""Parameter sliders generated from the ``Param`` declarations.

``ParamSlider(session, target, name)`` makes a slider for one pool or projection parameter:
label ``target.name (unit)``, tooltip with the help text and the allowed range, a
logarithmic slider (``FloatLogSlider``) for parameters declared ``log=True`` (time
constants, rates). Moving it calls ``session.set_param``: the value is checked at once and
applied at the next chunk boundary. A refused value shows the ParameterError under the
slider and the slider goes back to the current value.

Slider range: the declared bounds where both exist; otherwise around the current value
(x/10 .. x*10 on a log slider; x - max(|x|, 1) .. x + max(|x|, 1) on a linear one),
clipped to the declared bounds. Give ``min``/``max`` to choose. A parameter with
different values per neuron shows their mean; moving the slider sets every neuron to
the slider value.
"""
from __future__ import annotations

import math

import ipywidgets as W
import numpy as np

from ..errors import SparkLabError


class ParamSlider:
    """One slider bound to ``session`` parameter ``target.name`` (see the module docstring)."""

    def __init__(self, session, target: str, name: str, min: float | None = None, max: float | None = None,
                 log: bool | None = None, continuous_update: bool = True):
        self.session, self.target, self.name = session, target, name
        decls = session.sim.parameters()
        if target not in decls or name not in decls[target]:
            known = ", ".join(f"{t}.{n}" for t in decls for n in decls[t])
            raise SparkLabError(f"ParamSlider: no parameter {target}.{name}; parameters: {known}")
        self.decl = decl = decls[target][name]
        cur = np.asarray(session.get_param(target, name), np.float64)
        value = float(cur.mean()) if cur.size else 0.0
        self.heterogeneous = cur.size > 1 and not np.all(cur == cur.ravel()[0])
        unit = _unit(session, target, name, decl)
        low, high = _bounds(session, target, name, decl)
        want_log = (decl.log if decl is not None else False) if log is None else bool(log)
        self.log = want_log and value > 0 and (min is None or min > 0)
        lo, hi = _range(value, low, high, self.log, min, max)
        desc = f"{target}.{name}" + (f" ({unit})" if unit else "")
        tip = _tooltip(session, target, name, decl, unit, low, high, self.heterogeneous)
        style = {"description_width": "initial"}
        common = dict(description=desc, tooltip=tip, continuous_update=continuous_update, style=style,
                      readout_format=".3g", layout=W.Layout(width="420px"))
        if self.log:
            self.slider = W.FloatLogSlider(value=value, base=10, min=math.log10(lo), max=math.log10(hi),
                                           step=(math.log10(hi) - math.log10(lo)) / 200, **common)
        else:
            self.slider = W.FloatSlider(value=value, min=lo, max=hi, step=(hi - lo) / 200, **common)
        self.message = W.HTML("")
        self.widget = W.VBox([self.slider, self.message])
        self.errors = 0
        self._reverting = False
        self.slider.observe(self._moved, names="value")

    def _moved(self, change):
        if self._reverting:
            return
        try:
            self.session.set_param(self.target, self.name, float(change["new"]))
            self.message.value = ""
        except SparkLabError as e:
            self.errors += 1
            self.message.value = f"<span style='color:#b00'>{_html(str(e))}</span>"
            self.refresh()

    def refresh(self) -> None:
        """Show the session's current value (without sending it back)."""
        v = float(np.mean(self.session.get_param(self.target, self.name)))
        self._reverting = True
        try:
            self.slider.value = v
        finally:
            self._reverting = False


class ParamSliders:
    """Sliders for several parameters: ``params`` is a list of (target, name) pairs, or a pool /
    projection name (all its parameters), or a list mixing both."""

    def __init__(self, session, params, **slider_kw):
        self.session = session
        decls = session.sim.parameters()
        pairs = []
        for p in ([params] if isinstance(params, str) else list(params)):
            if isinstance(p, str):
                if p not in decls:
                    raise SparkLabError(f"ParamSliders: unknown pool or projection {p!r}; known: {', '.join(decls)}")
                pairs += [(p, n) for n in decls[p]
                          if not (n == "g_inh" and session.sim.net.pools.get(p) is not None
                                  and session.sim.net.pools[p].excitatory is None)]
            else:
                pairs.append(tuple(p))
        self.sliders = {pair: ParamSlider(session, *pair, **slider_kw) for pair in pairs}
        self.widget = W.VBox([s.widget for s in self.sliders.values()])

    def __getitem__(self, pair) -> ParamSlider:
        return self.sliders[tuple(pair)]

    def refresh(self) -> None:
        for s in self.sliders.values():
            s.refresh()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unit(session, target, name, decl) -> str:
    if decl is not None:
        return "" if decl.unit in ("", "1") else decl.unit
    if name == "weight":
        post = session.sim.net.projections[target].post
        return getattr(session.sim.net.pools[post].model, "INPUT_UNIT", "")
    return ""


def _bounds(session, target, name, decl):
    """Declared (low, high); open bounds are nudged inwards."""
    if decl is None:
        if name == "g_inh":
            return 0.0, None
        pre = session.sim.net.projections[target].pre
        return (0.0 if session.sim.net.pools[pre].excitatory is not None else None), None
    low, high = decl.low, decl.high
    if low is not None and decl.low_open:
        low = low + (1e-3 if low == 0 else abs(low) * 1e-3)
    if high is not None and decl.high_open:
        high = high - (1e-3 if high == 0 else abs(high) * 1e-3)
    return low, high


def _range(value, low, high, log, mn, mx):
    if log:
        lo, hi = value / 10.0, value * 10.0
    else:
        span = max(abs(value), 1.0)
        lo, hi = value - span, value + span
    if low is not None and high is not None and mn is None and mx is None and not log:
        lo, hi = low, high
    if low is not None:
        lo = max(lo, low)
    if high is not None:
        hi = min(hi, high)
    lo = lo if mn is None else float(mn)
    hi = hi if mx is None else float(mx)
    if not hi > lo:
        hi = lo + 1.0
    return lo, hi


def _tooltip(session, target, name, decl, unit, low, high, heterogeneous):
    u = f" {unit}" if unit else ""
    if decl is not None:
        text = f"{decl.help}; allowed: {decl.range_text()}" if decl.help else f"allowed: {decl.range_text()}"
    elif name == "g_inh":
        text = "inhibitory weights act as -g_inh x weight; allowed: >= 0"
    else:
        text = f"synaptic weight (in the target's input unit{u})" + ("; allowed: >= 0 (Dale)" if low == 0 else "")
    if heterogeneous:
        text += "; values differ per neuron: the slider shows their mean and sets all to one value"
    return f"{target}.{name}: {text}. Applied at the next chunk, no recompilation."
