"""Exponential integrate-and-fire neuron (Fourcaud-Trocmé et al. 2003), in LIF units.

    tau_m dv/dt = (v_rest - v) + delta_T exp((v - v_T)/delta_T) + I     I in mV (R·I)
    v > v_peak  ->  spike, v <- v_reset, v held at v_reset for t_ref

``v_T`` is the soft threshold (the voltage where the exponential takes over),
``v_peak`` the cut where the upstroke is counted as a spike. With constant input the
neuron fires iff ``I > v_T - v_rest - delta_T`` (the rheobase, lower than the LIF's
``v_th - v_rest`` for ``v_th = v_T``).

Integration (exponential Euler): within a step the exponential term is held at its
value at the start of the step and added to the input; the linear part, the constant
input and the exponentially decaying synaptic currents are then integrated exactly
as in :class:`~spark_lab.LIF` (this module calls ``LIF.step``). The error is first
order in dt and matters only during the upstroke: with dt = 0.1 ms and the defaults,
ISIs at constant drive 14-40 mV are 0.3-0.5 ms (0.5-1.5 %) longer than an accurate
ODE solution (refractory clamp included). The argument of the exponential is clipped at 20 (drive
``delta_T e^20``, millions of mV): at the clip v jumps far above any sensible
``v_peak`` within one step, so the clip changes no spike and the state cannot overflow.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._params import Param, require_less
from ._base import EXP_ARG_MAX, NEVER, NeuronModel, SynInput, check_v_init, initial_v
from .lif import LIF


class EIF(NeuronModel):
    """Exponential integrate-and-fire (see module docstring)."""

    name = "eif"
    INPUT_UNIT = "mV"
    PARAMS = {
        "tau_m": LIF.PARAMS["tau_m"],
        "v_rest": LIF.PARAMS["v_rest"],
        "v_T": Param(-50.0, "mV", help="soft threshold: where the exponential term takes over"),
        "delta_T": Param(2.0, "mV", low=0, low_open=True, help="slope factor: sharpness of the spike initiation"),
        "v_peak": Param(-30.0, "mV", help="spike cut: a spike is counted when v exceeds it"),
        "v_reset": LIF.PARAMS["v_reset"],
        "t_ref": LIF.PARAMS["t_ref"],
        "v_init_low": LIF.PARAMS["v_init_low"],
        "v_init_high": LIF.PARAMS["v_init_high"],
    }
    STATE = ("v",)
    INT_STATE = ("last",)

    def validate(self, values, component):
        """Cross-field checks: v_reset < v_peak, v_T < v_peak, v_init_low <= v_init_high."""
        require_less(values, component, "v_reset", "v_peak")
        require_less(values, component, "v_T", "v_peak",
                     hint="need v_T < v_peak: the spike cut lies above the soft threshold")
        check_v_init(values, component)

    def init_state(self, n, p, rng):
        v = initial_v(n, p, rng)
        return {"v": v, "last": np.full(n, NEVER, np.int64)}

    def prepare(self, p, dt, exp_taus):
        q = LIF.prepare(self, p, dt, exp_taus)
        q["v_th"] = p["v_peak"]
        return q

    def step(self, s, q, syn, t, dt, noise):
        arg = jnp.minimum((s["v"] - q["v_T"]) / q["delta_T"], EXP_ARG_MAX)
        drive = syn.current + q["delta_T"] * jnp.exp(arg)
        return LIF.step(self, s, q, SynInput(drive, syn.jump, syn.exp_terms), t, dt, noise)
