"""Current injection: each value becomes an input current into an existing pool.

    I = offset + gain * value          in the target pool's input unit

The unit is the target model's ``INPUT_UNIT`` (mV of membrane drive for LIF, ALIF and
EIF, pA for AdEx, ...), so ``gain`` is in that unit per unit of value. In a network the
encoder adds no neurons: ``net.add_input("drive", CurrentEncoder(gain=20.0), target="exc")``
injects into pool ``exc``; value k drives the neurons ``[k c, (k+1) c)``, ``c = n / dims``
(the pool size must be a multiple of ``dims``). The current adds to the synaptic input and
to any raw ``inputs={"exc": ...}`` given in the same run. No clipping: a large gain can
drive a model out of its valid range.
"""
from __future__ import annotations

import numpy as np

from .._params import Param
from ._base import DIMS, Encoder


class CurrentEncoder(Encoder):
    """value -> current in the target pool's input unit (see module docstring)."""

    name = "current_encoder"
    OUTPUT = "current"
    COPIES = True
    PARAMS = {
        "dims": DIMS,
        "gain": Param(1.0, "1", help="current per unit of value, in the target pool's input unit",
                      per_neuron=False),
        "offset": Param(0.0, "1", help="current at value 0, in the target pool's input unit", per_neuron=False),
    }

    def _encode(self, state, x, steps, dt, n, where):
        cur = float(self.values["offset"]) + float(self.values["gain"]) * x
        out = np.repeat(cur, n // self.dims, axis=1)
        return state, out[0] if x.shape[0] == 1 else out
