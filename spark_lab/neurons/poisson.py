"""Poisson spike source.

Each neuron spikes in a step of dt with probability ``rate dt`` (rate in Hz, dt in
ms, so p = rate * dt / 1000). A neuron spikes at most once per step, so ``rate`` is
limited to 1000/dt Hz (10 kHz at dt = 0.1 ms): a higher rate is refused with a
ParameterError when the network is built and by ``set_param`` (it would deliver
1000/dt Hz, not the rate asked for). External input to the pool (``run(...,
inputs={pool: r})``) adds to ``rate``, so a closed loop can set the rates every chunk;
that sum is not checked per step: p is capped at 1 (one spike per step), which is
also how an input of 1000/dt Hz or more forces a spike in a chosen step.
The draws come from the network's PRNG, keyed by (seed, the pool's name, step,
neuron): the same network and seed give the same spikes however a run is cut into
chunks, and adding, removing or reordering other pools does not change them.
Renaming the pool does.
"""
from __future__ import annotations

import numpy as np

from .._params import Param
from ..errors import ParameterError
from ._base import NeuronModel


class PoissonSource(NeuronModel):
    """Independent Poisson spike trains at ``rate`` Hz (see module docstring)."""

    name = "poisson"
    INPUT_UNIT = "Hz"
    STATE = ()
    NOISE = ("u",)
    VOLTAGE = None
    PARAMS = {"rate": Param(10.0, "Hz", low=0, help="firing rate", log=True)}

    def check_dt(self, values, dt, component):
        """rate <= 1000/dt Hz: at most one spike per neuron and step."""
        rate = np.asarray(values["rate"], np.float64)
        limit = 1000.0 / dt
        if rate.size and rate.max() > limit * (1 + 1e-12):
            where = "" if rate.ndim == 0 else f" (neuron {int(np.argmax(rate))})"
            raise ParameterError(component, "rate", f"got {rate.max():g} Hz{where}",
                                 f"at dt = {dt:g} ms a source spikes at most once per step: "
                                 f"rate <= 1/dt = {limit:g} Hz (use a smaller dt for higher rates)")

    def init_state(self, n, p, rng):
        return {}

    def step(self, s, q, syn, t, dt, noise):
        rate = q["rate"] + syn.current
        return {}, noise["u"] < rate * (dt * 1e-3)
