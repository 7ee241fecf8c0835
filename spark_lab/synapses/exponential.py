"""Exponentially decaying current synapse.

    dI/dt = -I / tau            each arriving spike: I <- I + w

The current enters the neuron as input (in the post model's INPUT_UNIT). The PSC
kernel of one spike of weight w is ``w exp(-t/tau)``, starting one step after the
spike (the step the spike is delivered in).
"""
from __future__ import annotations

import jax.numpy as jnp

from .._params import Param
from ._base import SynapseModel


class Exponential(SynapseModel):
    """Current-based synapse with exponential decay (see module docstring)."""

    name = "exponential"
    STATE = ("I",)
    PARAMS = {"tau": Param(5.0, "ms", low=0, low_open=True, help="decay time constant of the current", log=True)}

    def state_units(self, input_unit):
        """Units of the receptor state (see ``SynapseModel.state_units``)."""
        return {"I": input_unit}

    def prepare(self, p, dt):
        return {"tau": p["tau"], "a": jnp.exp(-dt / p["tau"])}

    def exp_taus(self, p):
        return (p["tau"],)

    def input(self, s, q, v):
        return s["I"], None, ((s["I"], q["tau"]),)

    def decay(self, s, q):
        return {"I": s["I"] * q["a"]}

    def receive(self, s, q, x):
        return {"I": s["I"] + x}
