"""Latency code (time to first spike): larger values spike earlier, once per window.

The window has ``W = floor(window / dt + 0.5)`` steps (at least 1). A value ``x``,
clipped to ``[low, high]``, makes its neuron spike once, at step

    s(x) = floor((W - 1) (high - x) / (high - low) + 0.5)      (0 <= s <= W - 1)

counted from the start of the window: ``x = high`` spikes at step 0, ``x = low`` at the
window's last step W - 1, linearly in between (rounded half up to whole steps, so values
closer than (high - low) / (W - 1) may share a step; s is non-increasing in x).

Windows start at the first step of each call (``run``/``run_chunk`` or a standalone
call). With ``repeat=False`` there is one window per call and the steps after it are
silent; with ``repeat=True`` a new window starts every W steps, each coding the value
given for its first step. A call shorter than one window raises ParameterError (its
late spikes would be lost silently). One neuron per value; output shape (steps, dims)
of 0/1 for a SpikeInput pool.
"""
from __future__ import annotations

import numpy as np

from .._params import Choice, Param, require_less
from ..errors import ParameterError
from ._base import DIMS, Encoder


class LatencyEncoder(Encoder):
    """value -> one spike per window, earlier for larger values (see module docstring)."""

    name = "latency_encoder"
    OUTPUT = "spikes"
    PARAMS = {
        "dims": DIMS,
        "low": Param(0.0, "1", per_neuron=False, help="value that spikes last (at the end of the window)"),
        "high": Param(1.0, "1", per_neuron=False, help="value that spikes first (at the start of the window)"),
        "window": Param(10.0, "ms", low=0, low_open=True, per_neuron=False, help="coding window T"),
    }
    OPTIONS = {"repeat": Choice(False, (False, True), help="start a new window every `window` ms")}

    def validate(self, values, component):
        require_less(values, component, "low", "high")

    def window_steps(self, dt: float) -> int:
        """W: the window in whole steps of ``dt`` ms (at least 1)."""
        return max(1, int(np.floor(float(self.values["window"]) / dt + 0.5)))

    def spike_step(self, x, dt: float) -> np.ndarray:
        """s(x): the step of the spike within a window, for values ``x`` (any shape)."""
        lo, hi = float(self.values["low"]), float(self.values["high"])
        w = self.window_steps(dt)
        xc = np.clip(np.asarray(x, np.float64), lo, hi)
        return np.floor((w - 1) * (hi - xc) / (hi - lo) + 0.5).astype(np.int64)

    def _encode(self, state, x, steps, dt, n, where):
        w = self.window_steps(dt)
        if steps < w:
            raise ParameterError(where, "steps", f"a call of {steps} steps is shorter than the window "
                                 f"({self.values['window']:g} ms = {w} steps of dt={dt:g} ms)",
                                 "run at least one window per call, or make the window shorter")
        starts = np.arange(0, steps, w) if self.options["repeat"] else np.array([0])
        rows = x[np.minimum(starts, x.shape[0] - 1)]            # value at each window's first step
        t = starts[:, None] + self.spike_step(rows, dt)          # (windows, dims)
        out = np.zeros((steps, self.dims), np.float32)
        ok = t < steps
        out[t[ok], np.nonzero(ok)[1]] = 1.0
        return state, out
