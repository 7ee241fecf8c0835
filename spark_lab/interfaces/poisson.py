"""Poisson rate encoder: each value sets the firing rate of independent Poisson neurons.

    rate = clip(offset + gain * value, 0, max_rate)        Hz

Value k of an observation drives the neurons ``[k c, (k+1) c)``, ``c = n / dims``
(``n`` any multiple of ``dims``; more copies average out the Poisson noise). In a
network (``net.add_input("obs", PoissonEncoder(...), n=...)``) the pool is a
PoissonSource with rate 0, so the encoded rate is its whole rate: a neuron spikes in a
step with probability ``rate dt / 1000``, so ``max_rate`` may not exceed 1000/dt Hz (a
higher one is refused when encoding: it would saturate silently).
Standalone, the encoder returns the rates; the spikes are drawn in the kernel.
"""
from __future__ import annotations

import numpy as np

from .._params import Param
from ._base import DIMS, Encoder, check_rate_limit


class PoissonEncoder(Encoder):
    """value -> Poisson rate in Hz (see module docstring)."""

    name = "poisson_encoder"
    OUTPUT = "rate"
    COPIES = True
    PARAMS = {
        "dims": DIMS,
        "gain": Param(100.0, "Hz", help="rate per unit of value (Hz per value unit)", per_neuron=False),
        "offset": Param(0.0, "Hz", help="rate at value 0", per_neuron=False),
        "max_rate": Param(1000.0, "Hz", low=0, low_open=True, help="rates are clipped to [0, max_rate]",
                          log=True, per_neuron=False),
    }

    def _encode(self, state, x, steps, dt, n, where):
        v = self.values
        check_rate_limit(float(v["max_rate"]), dt, where, "max_rate")
        rate = np.clip(float(v["offset"]) + float(v["gain"]) * x, 0.0, float(v["max_rate"]))
        out = np.repeat(rate, n // self.dims, axis=1)          # value k -> neurons [k c, (k+1) c)
        return state, out[0] if x.shape[0] == 1 else out
