"""Parameter sliders generated from the ``Param`` declarations.

``ParamSlider(session, target, name)`` makes a slider for one pool or projection parameter:
label ``target.name (unit)``, tooltip with the help text and the allowed range, a
logarithmic slider (``FloatLogSlider``) for parameters declared ``log=True`` (time
constants, rates). Moving it calls ``commit(target, name, value)`` (default:
``session.set_param``: the value is checked at once and applied at the next chunk
boundary; ``Lab`` passes one that changes its Network). A refused value shows the
error under the slider and the slider goes back to the current value.

Slider range, from the declaration and never from the current value: the declared bounds
where both exist (open bounds nudged inwards); else the declared ``typical`` range
(clipped to the bounds); else one derived from the declared bound and the default
(default/10 .. default*10 on a log slider; default -/+ max(|default|, 1) on a linear
one, clipped to the bounds). Give ``min``/``max`` to choose. A value shown that lies
outside the range (set from code, or at build) widens it; nothing shrinks it. A parameter
with different values per neuron shows their mean; moving the slider sets every neuron
to the slider value.
"""
from __future__ import annotations

import html
import math

import ipywidgets as W
import numpy as np

from ..errors import SparkLabError
from ._values import declaration


class ParamSlider:
    """One slider bound to ``session`` parameter ``target.name`` (see the module docstring).

    commit: ``commit(target, name, value)`` applies a slider move (raises SparkLabError to
            refuse it); default ``session.set_param``."""

    def __init__(self, session, target: str, name: str, min: float | None = None, max: float | None = None,
                 log: bool | None = None, continuous_update: bool = True, commit=None):
        self.session, self.target, self.name = session, target, name
        self.commit = commit if commit is not None else session.set_param
        self.decl = decl = declaration(session.sim, target, name)
        cur = np.asarray(session.get_param(target, name), np.float64)
        value = float(cur.mean()) if cur.size else 0.0
        self.heterogeneous = cur.size > 1 and not np.all(cur == cur.ravel()[0])
        unit = "" if decl.unit in ("", "1") else decl.unit
        want_log = decl.log if log is None else bool(log)
        lo, hi = slider_range(decl, want_log, min, max)
        self.log = want_log and lo > 0 and value > 0
        lo, hi = min_max_with(lo, hi, value)
        desc = f"{target}.{name}" + (f" ({unit})" if unit else "")
        tip = _tooltip(target, name, decl, self.heterogeneous)
        style = {"description_width": "initial"}
        common = dict(description=desc, tooltip=tip, continuous_update=continuous_update, style=style,
                      readout_format=".3g", layout=W.Layout(width="100%", max_width="420px"))
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
            self.commit(self.target, self.name, float(change["new"]))
            self.message.value = ""
        except SparkLabError as e:
            self.errors += 1
            self.message.value = f"<span style='color:#b00'>{html.escape(str(e))}</span>"
            self.refresh()

    @property
    def span(self) -> tuple:
        """(low, high) of the slider in the parameter's unit."""
        if self.log:
            return 10.0 ** self.slider.min, 10.0 ** self.slider.max
        return self.slider.min, self.slider.max

    def widen(self, low: float, high: float) -> None:
        """Extend the range to include [low, high] (never shrinks it; a log slider keeps > 0)."""
        lo, hi = self.span
        lo, hi = min(lo, low), max(hi, high)
        if self.log:
            lo = lo if lo > 0 else 10.0 ** self.slider.min
            lo, hi = math.log10(lo), math.log10(hi)
        if (lo, hi) == (self.slider.min, self.slider.max):
            return
        self._reverting = True
        try:
            self.slider.max = hi            # max first: the value is never clamped on the way
            self.slider.min = lo
            self.slider.step = (self.slider.max - self.slider.min) / 200
        finally:
            self._reverting = False

    def show(self, value) -> None:
        """Show ``value`` (a number; an array shows its mean) without sending it back; a value
        outside the range widens the range."""
        v = float(np.mean(value))
        if not math.isfinite(v) or (self.log and v <= 0):
            return
        self.widen(v, v)
        self._reverting = True
        try:
            self.slider.value = v
        finally:
            self._reverting = False

    def refresh(self) -> None:
        """Show the session's current value (without sending it back)."""
        self.show(self.session.get_param(self.target, self.name))


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
        """Show every slider's current value from the session (without sending it back)."""
        for s in self.sliders.values():
            s.refresh()


def slider_range(decl, log: bool, mn: float | None = None, mx: float | None = None) -> tuple:
    """(low, high) of a slider for the parameter declared by ``decl`` (see the module
    docstring); ``mn``/``mx`` override either end."""
    low, high = declared_bounds(decl)
    if low is not None and high is not None:
        lo, hi = low, high
    elif decl.typical is not None:
        lo, hi = (float(x) for x in decl.typical)
    else:
        d = float(decl.default)
        if log and d > 0:
            lo, hi = d / 10.0, d * 10.0
        else:
            span = max(abs(d), 1.0)
            lo, hi = d - span, d + span
    if low is not None:
        lo = max(lo, low)
    if high is not None:
        hi = min(hi, high)
    lo = lo if mn is None else float(mn)
    hi = hi if mx is None else float(mx)
    if not hi > lo:
        hi = lo + 1.0
    return lo, hi


def declared_bounds(decl) -> tuple:
    """Declared (low, high), either None when absent; open bounds are nudged inwards."""
    low, high = decl.low, decl.high
    if low is not None and decl.low_open:
        low = low + (1e-3 if low == 0 else abs(low) * 1e-3)
    if high is not None and decl.high_open:
        high = high - (1e-3 if high == 0 else abs(high) * 1e-3)
    return low, high


def min_max_with(lo: float, hi: float, value: float) -> tuple:
    """(lo, hi) widened to include ``value`` (when finite)."""
    if math.isfinite(value):
        lo, hi = min(lo, value), max(hi, value)
    return lo, hi


def _tooltip(target, name, decl, heterogeneous):
    text = f"{decl.help}; allowed: {decl.range_text()}" if decl.help else f"allowed: {decl.range_text()}"
    if heterogeneous:
        text += "; values differ per neuron: the slider shows their mean and sets all to one value"
    return f"{target}.{name}: {text}. Applied at the next chunk, no recompilation."
