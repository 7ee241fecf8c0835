"""Leaky integrate-and-fire neuron with an absolute refractory period.

    tau_m dv/dt = (v_rest - v) + I          I in mV (the membrane drive R·I)
    v > v_th  ->  spike, v <- v_reset, v held at v_reset for t_ref

Integration is exact for a step of dt: a constant input I contributes
``I (1 - exp(-dt/tau_m))``; an exponentially decaying synaptic current
``I(t) = I0 exp(-t/tau_s)`` contributes ``I0 tau_s/(tau_s - tau_m) (exp(-dt/tau_s) - exp(-dt/tau_m))``
(Brian2's ``method='exact'``; ``(dt/tau_m) exp(-dt/tau_m)`` when tau_s = tau_m).
Order within a step (Brian2's default schedule): integrate with the input at the
start of the step, threshold, reset. During the refractory period v is clamped: the
input current is ignored (synaptic currents keep decaying). A delta-synapse jump
counts as Brian2's ``v_post += w`` on a ``(unless refractory)`` v does: it is dropped
when it arrives in a step the neuron is refractory in, including the step it spikes in
(``_base.jump_accepted``); with t_ref = 2 ms and a spike at t = 0, a jump arriving at
1.9 ms is lost and one at 2.0 ms kept. A kept jump is added after the step's leak
(``v[s+1] = v_rest + (v[s] - v_rest) a + w``, tests/test_synapses.py), where Brian2's
decays during that step (``... + w a``): 0.5 % of w at dt = 0.1 ms, tau_m = 20 ms.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._params import Param, require_less
from ._base import NEVER, NeuronModel, check_v_init, initial_v, jump_accepted, refractory_free


def exp_coupling(tau_s, tau_m, dt):
    """Weight of an exponentially decaying input with time constant tau_s in one exact step."""
    a_m = jnp.exp(-dt / tau_m)
    a_s = jnp.exp(-dt / tau_s)
    diff = tau_s - tau_m
    close = jnp.abs(diff) < 1e-6 * tau_m
    safe = jnp.where(close, 1.0, diff)
    return jnp.where(close, (dt / tau_m) * a_m, tau_s / safe * (a_s - a_m))


class LIF(NeuronModel):
    """Leaky integrate-and-fire with refractory period (see module docstring)."""

    name = "lif"
    INPUT_UNIT = "mV"
    PARAMS = {
        "tau_m": Param(20.0, "ms", low=0, low_open=True, help="membrane time constant", log=True),
        "v_rest": Param(-65.0, "mV", help="resting potential"),
        "v_th": Param(-50.0, "mV", help="spike threshold"),
        "v_reset": Param(-65.0, "mV", help="potential after a spike"),
        "t_ref": Param(2.0, "ms", low=0, help="absolute refractory period"),
        "v_init_low": Param(-65.0, "mV", help="initial v is uniform in [v_init_low, v_init_high)", per_neuron=False),
        "v_init_high": Param(-65.0, "mV", help="upper end of the initial v range", per_neuron=False),
    }
    STATE = ("v",)
    INT_STATE = ("last",)

    def validate(self, values, component):
        """Cross-field checks: v_reset < v_th, v_init_low <= v_init_high."""
        require_less(values, component, "v_reset", "v_th")
        check_v_init(values, component)

    def init_state(self, n, p, rng):
        v = initial_v(n, p, rng)
        return {"v": v, "last": np.full(n, NEVER, np.int64)}

    def prepare(self, p, dt, exp_taus):
        q = dict(p)
        q["a_m"] = jnp.exp(-dt / p["tau_m"])
        q["c_exp"] = tuple(exp_coupling(tau, p["tau_m"], dt) for tau in exp_taus)
        return q

    def step(self, s, q, syn, t, dt, noise):
        nr = refractory_free(t, s["last"], q["t_ref"], dt)
        a = q["a_m"]
        exp_sum = sum((I for I, _ in syn.exp_terms), jnp.zeros_like(s["v"]))
        jump = jnp.where(jump_accepted(t, s["last"], q["t_ref"], dt), syn.jump, 0.0)
        v = q["v_rest"] + (s["v"] - q["v_rest"]) * a + (syn.current - exp_sum) * (1 - a) + jump
        for (I, _), c in zip(syn.exp_terms, q["c_exp"]):
            v = v + I * c
        v = jnp.where(nr, v, s["v"])
        spk = nr & (v > q["v_th"])
        return {"v": jnp.where(spk, q["v_reset"], v), "last": jnp.where(spk, t, s["last"])}, spk
