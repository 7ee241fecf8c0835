"""Poisson spike source.

Each neuron spikes in a step of dt with probability ``rate dt`` (rate in Hz, dt in
ms, so p = rate * dt / 1000, capped at 1). External input to the pool (``run(...,
inputs={pool: r})``) adds to ``rate``, so a closed loop can set the rates every chunk.
The draws come from the network's PRNG, keyed by (seed, the pool's name, step,
neuron): the same network and seed give the same spikes however a run is cut into
chunks, and adding, removing or reordering other pools does not change them.
Renaming the pool does.
"""
from __future__ import annotations

from .._params import Param
from ._base import NeuronModel


class PoissonSource(NeuronModel):
    """Independent Poisson spike trains at ``rate`` Hz (see module docstring)."""

    name = "poisson"
    INPUT_UNIT = "Hz"
    STATE = ()
    NOISE = ("u",)
    VOLTAGE = None
    PARAMS = {"rate": Param(10.0, "Hz", low=0, help="firing rate", log=True)}

    def init_state(self, n, p, rng):
        return {}

    def step(self, s, q, syn, t, dt, noise):
        rate = q["rate"] + syn.current
        return {}, noise["u"] < rate * (dt * 1e-3)
