"""Conductance-based synapse with exponential decay and a reversal potential.

    dg/dt = -g / tau              each arriving spike: g <- g + w
    I = g (E_rev - v)             v: membrane potential of the postsynaptic neuron

Units: tau in ms, E_rev in mV, g and w in the post model's INPUT_UNIT per mV. For LIF
(INPUT_UNIT mV, ``tau_m dv/dt = (v_rest - v) + I``) g is dimensionless: the synaptic
conductance relative to the leak conductance (g = 1 doubles the total conductance).
The current is read at the start of each step and held constant during it (g decays
within the step, so the integration is first order in dt/tau, not exact).

E_rev above the resting potential excites (e.g. 0 mV, AMPA), below it inhibits
(e.g. -80 mV, GABA_A). Weights should be >= 0; for inhibition use a negative E_rev,
not a negative weight; a projection from a Dale pool with inhibitory neurons is refused.
"""
from __future__ import annotations

import jax.numpy as jnp

from .._params import Param
from ._base import SynapseModel


class Conductance(SynapseModel):
    """Exponential conductance with reversal potential (see module docstring)."""

    name = "conductance"
    STATE = ("g",)
    NEEDS_VOLTAGE = True
    PARAMS = {
        "tau": Param(5.0, "ms", low=0, low_open=True, help="decay time constant of the conductance", log=True),
        "E_rev": Param(0.0, "mV", help="reversal potential"),
    }

    def state_units(self, input_unit):
        """Units of the receptor state (see ``SynapseModel.state_units``)."""
        return {"g": f"({input_unit})/mV"}

    def prepare(self, p, dt):
        return {"tau": p["tau"], "E_rev": p["E_rev"], "a": jnp.exp(-dt / p["tau"])}

    def input(self, s, q, v):
        if v is None:
            raise TypeError("Conductance synapse: the postsynaptic model has no membrane potential "
                            "(VOLTAGE is None); use a current synapse such as Exponential")
        return s["g"] * (q["E_rev"] - v), None, ()

    def decay(self, s, q):
        return {"g": s["g"] * q["a"]}

    def receive(self, s, q, x):
        return {"g": s["g"] + x}
