"""Delta synapse: an instantaneous jump of the membrane potential.

Each arriving spike of weight w (in mV) makes v jump by w at the next integration
step. There is no synaptic current and no time constant.
"""
from __future__ import annotations

import jax.numpy as jnp

from ._base import SynapseModel


class Delta(SynapseModel):
    """Instantaneous voltage jump of ``w`` mV (see module docstring)."""

    name = "delta"
    STATE = ("pending",)
    PARAMS = {}

    def input(self, s, q, v):
        return None, s["pending"], ()

    def decay(self, s, q):
        return {"pending": jnp.zeros_like(s["pending"])}

    def receive(self, s, q, x):
        return {"pending": s["pending"] + x}
