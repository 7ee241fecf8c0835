"""Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005).

    C dv/dt   = -g_L (v - E_L) + g_L delta_T exp((v - V_T)/delta_T) - w + I
    tau_w dw/dt = a (v - E_L) - w
    v > V_peak  ->  spike, v <- V_r, w <- w + b, v held at V_r for t_ref

Units: C in pF, g_L and a in nS, potentials in mV, w, b and the input I in pA, time
in ms (pA/pF = mV/ms, nS·mV = pA, so no conversion factors appear). Defaults are the
paper's regular-spiking cell. The paper's spike cut is not part of the model's
dynamics; ``V_peak = 0 mV`` here, Brian2's examples use ``V_T + 5 delta_T`` (-40.4 mV):
above V_T + a few delta_T the upstroke takes a small fraction of a step, so the
choice moves spike times by less than dt.

Integration: SUBSTEPS (4) exponential-Euler sub-steps of h = dt/4 per step. In each
sub-step the exponential term, ``w`` and ``I`` are held at their values at its start;
``v`` relaxes exactly towards ``E_L + delta_T exp(.) + (I - w)/g_L`` with
``tau_m = C/g_L``, and ``w`` exactly towards ``a (v - E_L)``. Once v exceeds V_peak
the remaining sub-steps leave v and w alone; the spike and reset come at the end of
the step. Synaptic currents are held constant over a step (no exact exponential
coupling as in the LIF). The scheme is first order: with dt = 0.1 ms the ISIs of the
default cell at I = 800 pA are about 0.15 ms (0.3-0.7 %) longer than an adaptive
high-accuracy ODE solution (one sub-step: 0.45 ms). The argument of the exponential
is clipped at 20: there the drive ``delta_T e^20`` (about 1e9 mV) carries v past any
sensible V_peak within one sub-step, so the clip changes no spike and prevents
overflow to inf/NaN. During the refractory period v is clamped; w keeps integrating.
A delta-synapse jump is added to v at the start of the step after it arrived, and is
dropped when it arrived in a refractory step or in the spike step (Brian2's schedule,
see ``_base.jump_accepted``).
Default t_ref = 0 (the paper has none).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._params import Param, require_less
from ._base import EXP_ARG_MAX, NEVER, NeuronModel, check_v_init, initial_v, jump_accepted, refractory_free


class AdEx(NeuronModel):
    """Adaptive exponential integrate-and-fire (see module docstring)."""

    name = "adex"
    INPUT_UNIT = "pA"
    VOLTAGE = "v"
    PARAMS = {
        "C": Param(281.0, "pF", low=0, low_open=True, help="membrane capacitance", log=True),
        "g_L": Param(30.0, "nS", low=0, low_open=True, help="leak conductance", log=True),
        "E_L": Param(-70.6, "mV", help="leak reversal potential"),
        "V_T": Param(-50.4, "mV", help="soft threshold: where the exponential term takes over"),
        "delta_T": Param(2.0, "mV", low=0, low_open=True, help="slope factor: sharpness of the spike initiation"),
        "tau_w": Param(144.0, "ms", low=0, low_open=True, help="adaptation time constant", log=True),
        "a": Param(4.0, "nS", help="subthreshold adaptation (coupling of w to v)"),
        "b": Param(80.5, "pA", help="spike-triggered adaptation: w increase per spike"),
        "V_r": Param(-70.6, "mV", help="reset potential"),
        "V_peak": Param(0.0, "mV", help="spike cut: a spike is counted when v exceeds it"),
        "t_ref": Param(0.0, "ms", low=0, help="absolute refractory period"),
        "v_init_low": Param(-70.6, "mV", help="initial v is uniform in [v_init_low, v_init_high)", per_neuron=False),
        "v_init_high": Param(-70.6, "mV", help="upper end of the initial v range", per_neuron=False),
    }
    STATE = ("v", "w")
    INT_STATE = ("last",)
    #: exponential-Euler sub-steps per step (static: changing it recompiles)
    SUBSTEPS = 4

    def validate(self, values, component):
        """Cross-field checks: V_r < V_peak, v_init_low <= v_init_high."""
        require_less(values, component, "V_r", "V_peak")
        check_v_init(values, component)

    def init_state(self, n, p, rng):
        v = initial_v(n, p, rng)
        return {"v": v, "w": np.zeros(n), "last": np.full(n, NEVER, np.int64)}

    def prepare(self, p, dt, exp_taus):
        q = dict(p)
        h = dt / self.SUBSTEPS
        q["a_m"] = jnp.exp(-h * p["g_L"] / p["C"])
        q["a_w"] = jnp.exp(-h / p["tau_w"])
        return q

    def step(self, s, q, syn, t, dt, noise):
        nr = refractory_free(t, s["last"], q["t_ref"], dt)
        v0, w = s["v"], s["w"]
        v = v0 + jnp.where(jump_accepted(t, s["last"], q["t_ref"], dt), syn.jump, 0.0)
        up = v > q["V_peak"]
        for _ in range(self.SUBSTEPS):
            arg = jnp.minimum((v - q["V_T"]) / q["delta_T"], EXP_ARG_MAX)
            v_inf = q["E_L"] + q["delta_T"] * jnp.exp(arg) + (syn.current - w) / q["g_L"]
            w_inf = q["a"] * (v - q["E_L"])
            v_new = jnp.where(nr & ~up, v_inf + (v - v_inf) * q["a_m"], v)
            w = jnp.where(up, w, w_inf + (w - w_inf) * q["a_w"])
            v = v_new
            up = up | (v > q["V_peak"])
        spk = nr & up
        return {"v": jnp.where(spk, q["V_r"], v), "w": jnp.where(spk, w + q["b"], w),
                "last": jnp.where(spk, t, s["last"])}, spk
