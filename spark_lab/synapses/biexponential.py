"""Bi-exponential (difference of exponentials) current synapse.

    I(t) = f w (exp(-t/tau_decay) - exp(-t/tau_rise)),     tau_rise < tau_decay

for one spike of weight w delivered at t = 0 (one step after the presynaptic spike,
like :class:`~spark_lab.Exponential`). The factor

    f = 1 / (exp(-t_peak/tau_decay) - exp(-t_peak/tau_rise)),
    t_peak = tau_rise tau_decay / (tau_decay - tau_rise) ln(tau_decay / tau_rise)

normalises the kernel so that its peak current is exactly ``w`` (at ``t_peak``).
Implementation: two receptor variables per postsynaptic neuron,

    da/dt = -a / tau_decay,   db/dt = -b / tau_rise,   each spike: a += f w, b += f w,
    I = a - b

returned to the neuron as the exponential terms ``(a, tau_decay), (-b, tau_rise)`` so
linear neurons (LIF) integrate them exactly. Units: w and I in the post model's
INPUT_UNIT (mV of drive for LIF), time constants in ms.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._params import Param, require_less
from ._base import SynapseModel


def peak_time(tau_rise, tau_decay):
    """Time (ms) of the peak of exp(-t/tau_decay) - exp(-t/tau_rise)."""
    return tau_rise * tau_decay / (tau_decay - tau_rise) * np.log(tau_decay / tau_rise)


class BiExponential(SynapseModel):
    """Difference-of-exponentials current synapse with peak ``w`` (see module docstring)."""

    name = "biexponential"
    STATE = ("a", "b")
    PARAMS = {
        "tau_rise": Param(0.5, "ms", low=0, low_open=True, help="rise time constant (< tau_decay)", log=True),
        "tau_decay": Param(5.0, "ms", low=0, low_open=True, help="decay time constant (> tau_rise)", log=True),
    }

    def validate(self, values: dict, component: str = "BiExponential") -> None:
        """Cross-field check: raise ParameterError unless tau_rise < tau_decay.

        ``values`` holds numbers, per-neuron arrays or initializers.
        """
        require_less(values, component, "tau_rise", "tau_decay",
                     hint="need 0 < tau_rise < tau_decay (for equal time constants use an alpha synapse)")

    def state_units(self, input_unit):
        """Units of the receptor state (see ``SynapseModel.state_units``)."""
        return {"a": input_unit, "b": input_unit}

    def prepare(self, p, dt):
        tr, td = p["tau_rise"], p["tau_decay"]
        # validate (at construction and in set_param) rejects tau_rise >= tau_decay, but values
        # closer than the relative 1e-4 below would make f huge or infinite: nudge tau_decay
        td = jnp.where(jnp.abs(td - tr) < 1e-4 * td, tr * (1 + 1e-4), td)
        tp = tr * td / (td - tr) * jnp.log(td / tr)
        f = 1.0 / (jnp.exp(-tp / td) - jnp.exp(-tp / tr))
        return {"tau_rise": tr, "tau_decay": td, "f": f,
                "a_d": jnp.exp(-dt / td), "a_r": jnp.exp(-dt / tr)}

    def exp_taus(self, p):
        return (p["tau_decay"], p["tau_rise"])

    def input(self, s, q, v):
        a, b = s["a"], s["b"]
        return a - b, None, ((a, q["tau_decay"]), (-b, q["tau_rise"]))

    def decay(self, s, q):
        return {"a": s["a"] * q["a_d"], "b": s["b"] * q["a_r"]}

    def receive(self, s, q, x):
        fx = q["f"] * x
        return {"a": s["a"] + fx, "b": s["b"] + fx}

