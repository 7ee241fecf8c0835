"""Sticky axis ranges for live figures.

A live figure whose scale follows its data changes its domain on every frame, and the
browser then recomputes the domain, re-lays out and repaints the axis and its tick labels
for each frame (in Chromium, with the live lab running, bqplot's domain and axis updates
were about a third of the page's script time). ``sticky_range`` keeps the range a monitor
gave its scale while the data stay well inside it, and otherwise picks a new one on a
1-2-5 grid with some headroom, so the axis changes a few times per run instead of every
frame. The monitor (kernel side) owns the range and sets it on its bqplot scale.
"""
from __future__ import annotations

import math

import numpy as np


def _nice_step(span: float) -> float:
    """The 1-2-5 step nearest above ``span / 5``."""
    raw = max(span, 1e-12) / 5.0
    e = 10.0 ** math.floor(math.log10(raw))
    return next(m * e for m in (1.0, 2.0, 5.0, 10.0) if m * e >= raw)


def sticky_range(current: tuple | None, values, floor: float | None = None,
                 fill: float = 0.3) -> tuple | None:
    """The (min, max) a scale should show for ``values``: ``current`` while every finite value
    lies inside it and the values span at least ``fill`` of it; else a new range around the
    values, padded by 10 % of their span on each side and rounded out to a 1-2-5 grid, never
    below ``floor``. None (no change) when there is no finite value and no current range."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return current
    lo, hi = float(v.min()), float(v.max())
    if current is not None:
        a, b = current
        if a <= lo and hi <= b and (hi - lo) >= fill * (b - a):
            return current
    if hi - lo < 1e-9 * max(1.0, abs(hi)):
        lo, hi = lo - 0.5 * max(1.0, abs(lo) * 0.1), hi + 0.5 * max(1.0, abs(hi) * 0.1)
    pad = 0.1 * (hi - lo)
    step = _nice_step(hi - lo + 2 * pad)
    a, b = math.floor((lo - pad) / step) * step, math.ceil((hi + pad) / step) * step
    if floor is not None:
        a = max(a, floor)
    return (a, b)
