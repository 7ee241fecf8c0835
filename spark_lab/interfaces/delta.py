"""Threshold-crossing (delta, send-on-delta) encoding: spikes when the signal has moved.

Per channel k a reference ``ref_k`` holds the value at its last spike. At each step t

    x_t - ref > threshold   ->  "up" spike   (neuron 2k),   ref <- x_t
    ref - x_t > threshold   ->  "down" spike (neuron 2k+1), ref <- x_t

so a neuron spikes exactly when the signal moved by more than ``threshold`` (strictly)
since the channel's last spike; at most one spike per channel and step (a jump of many
thresholds gives one spike: the reference jumps to the new value). The first value ever
seen sets the reference and gives no spike. The reference persists across calls
(``run``/``run_chunk``) and is cleared by ``Simulator.reset()``; a value held for a call
can only spike at the call's first step. Output (steps, 2 dims) of 0/1 for a SpikeInput pool.

The loop over steps runs in numpy, vectorised over channels (about 10 us per step).
"""
from __future__ import annotations

import numpy as np

from .._params import Param
from ._base import DIMS, Encoder


class DeltaEncoder(Encoder):
    """signal -> up/down spike pairs per channel (see module docstring)."""

    name = "delta_encoder"
    OUTPUT = "spikes"
    PARAMS = {
        "dims": DIMS,
        "threshold": Param(0.1, "1", low=0, low_open=True, per_neuron=False,
                           help="change (value units) since the last spike that triggers a spike"),
    }

    def size(self):
        return 2 * self.dims

    def init(self, n=None):
        return {"ref": None}          # (dims,) reference values once a value was seen

    def _encode(self, state, x, steps, dt, n, where):
        thr = float(self.values["threshold"])
        ref = x[0].copy() if state is None or state.get("ref") is None else state["ref"].copy()
        out = np.zeros((steps, self.dims, 2), np.float32)
        for t in range(x.shape[0]):
            d = x[t] - ref
            up, down = d > thr, d < -thr
            out[t, :, 0], out[t, :, 1] = up, down
            ref = np.where(up | down, x[t], ref)
        return {"ref": ref}, out.reshape(steps, 2 * self.dims)
