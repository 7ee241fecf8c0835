"""Adaptive-threshold leaky integrate-and-fire neuron (LIF with spike-triggered threshold adaptation).

    tau_m dv/dt = (v_rest - v) + I          I in mV (the membrane drive R·I)
    tau_a da/dt = -a                        a in mV
    v > v_th + a  ->  spike, v <- v_reset, a <- a + beta, v held at v_reset for t_ref

The membrane is integrated exactly as in :class:`~spark_lab.LIF` (this module
calls ``LIF.prepare``/``LIF.step`` with the threshold ``v_th + a``); ``a`` decays
exactly, ``a <- a exp(-dt/tau_a)``, also during the refractory period. Order within a
step: decay ``a``, integrate ``v``, compare with ``v_th + a``, reset ``v`` and add ``beta``.
With ``beta = 0`` the model is the LIF.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._params import Param
from ._base import NEVER, NeuronModel, initial_v
from .lif import LIF


class ALIF(NeuronModel):
    """LIF with an adaptive threshold ``v_th + a`` (see module docstring)."""

    name = "alif"
    INPUT_UNIT = "mV"
    PARAMS = {
        **{k: LIF.PARAMS[k] for k in ("tau_m", "v_rest", "v_th", "v_reset", "t_ref")},
        "tau_a": Param(200.0, "ms", low=0, low_open=True, help="decay time constant of the threshold adaptation",
                       log=True),
        "beta": Param(1.0, "mV", low=0, help="threshold increase per spike"),
        "v_init_low": LIF.PARAMS["v_init_low"],
        "v_init_high": LIF.PARAMS["v_init_high"],
    }
    STATE = ("v", "a")
    INT_STATE = ("last",)

    validate = LIF.validate         # v_reset < v_th, v_init_low <= v_init_high

    def init_state(self, n, p, rng):
        v = initial_v(n, p, rng)
        return {"v": v, "a": np.zeros(n), "last": np.full(n, NEVER, np.int64)}

    def prepare(self, p, dt, exp_taus):
        q = LIF.prepare(self, p, dt, exp_taus)
        q["a_a"] = jnp.exp(-dt / p["tau_a"])
        return q

    def step(self, s, q, syn, t, dt, noise):
        a = s["a"] * q["a_a"]
        ns, spk = LIF.step(self, {"v": s["v"], "last": s["last"]}, {**q, "v_th": q["v_th"] + a}, syn, t, dt, noise)
        return {"v": ns["v"], "a": jnp.where(spk, a + q["beta"], a), "last": ns["last"]}, spk
