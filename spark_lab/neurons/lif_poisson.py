"""Leaky integrate-and-fire neuron with a Poisson input of its own (Brian2's ``PoissonInput``
on an exponential current; NEST's ``poisson_generator`` into ``iaf_psc_exp``).

    tau_m dv/dt = (v_rest - v) + I + I_in        I, I_in in mV (the membrane drive R·I)
    dI_in/dt = -I_in / input_tau                 each input event: I_in <- I_in + input_weight

Every neuron receives ``input_n`` independent Poisson inputs of ``input_rate`` Hz each
(``input_n`` need not be whole: only the total rate ``input_n x input_rate`` matters),
without source neurons or synapses: one draw per neuron and step, the number of events
in that step, ``k ~ Poisson(lambda)`` with ``lambda = input_n input_rate dt / 1000``
(the exact count of a Poisson process in a step of dt; Brian2's PoissonInput draws a
binomial(N, rate dt), variance 1 - rate dt of this). The events of step s are added to
``I_in`` at the end of the step, as a projection with delay 0 delivers a spike (they act
from step s + 1). ``I_in`` enters the membrane exactly as an exponential synapse's current
does (:class:`~spark_lab.LIF`'s exact integration); v, threshold, reset and refractory
period are the LIF's, and ``I_in`` keeps decaying while the neuron is refractory.
Synaptic inputs from projections add as for the LIF.

The count comes from one uniform number per neuron and step (the network's PRNG, keyed
by seed, pool name, step and neuron: independent of how a run is cut into chunks) by
inverting the Poisson distribution function in float32; the tail that float32 cannot
resolve (probability below ~1e-7 per draw) is cut at the count where the terms fall
below float32's resolution. ``lambda`` is limited to ``LAMBDA_MAX`` events per step (a
ParameterError names the pool otherwise; use a smaller dt or fewer inputs).

Memory and time: one float of state and one random number per neuron and step, whatever
``input_n``: the microcircuit's 1.3 million background sources and their synapses at full
scale become 77,169 draws per step (spark_lab/examples/microcircuit.py).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

from .._params import Param
from ..errors import ParameterError
from ._base import NEVER, NeuronModel, SynInput, initial_v
from .lif import LIF

#: the largest mean number of input events per neuron and step
LAMBDA_MAX = 30.0
_EPS = 6e-8            # float32's resolution near 1: smaller terms no longer move the distribution function


def poisson_count(u, lam):
    """Poisson(``lam``) counts from uniform [0, 1) numbers ``u`` (same shape, float32) by
    inversion: the smallest k with ``u < F(k)``, F the distribution function summed in
    float32, cut where its terms fall below float32's resolution (see the module docstring)."""
    u = jnp.asarray(u, jnp.float32)
    lam = jnp.broadcast_to(jnp.asarray(lam, jnp.float32), u.shape)
    p = jnp.exp(-lam)
    state = (jnp.zeros(u.shape, jnp.int32), p, p, jnp.int32(0))     # count, term, distribution function, k

    def active(count, term, cdf, k):
        return (u >= cdf) & ((k.astype(jnp.float32) < lam) | (term >= _EPS * cdf))

    def body(st):
        count, term, cdf, k = st
        go = active(count, term, cdf, k)
        k = k + 1
        term = term * lam / k.astype(jnp.float32)
        return count + go.astype(jnp.int32), term, jnp.where(go, cdf + term, cdf), k

    def cond(st):
        return jnp.any(active(*st)) & (st[3] < 1000)
    return lax.while_loop(cond, body, state)[0]


class LIFPoissonInput(NeuronModel):
    """LIF with ``input_n`` independent Poisson inputs of ``input_rate`` Hz into an exponential
    current of ``input_tau`` ms, ``input_weight`` mV per event (see the module docstring)."""

    name = "lif_poisson_input"
    INPUT_UNIT = "mV"
    PARAMS = {
        **LIF.PARAMS,
        "input_n": Param(100.0, "1", low=0, help="independent Poisson inputs per neuron (only n x rate matters)"),
        "input_rate": Param(10.0, "Hz", low=0, help="rate of each Poisson input", log=True),
        "input_weight": Param(0.1, "mV", help="jump of the input current I_in per input event (R·I)"),
        "input_tau": Param(0.5, "ms", low=0, low_open=True, help="decay time constant of the input current",
                           log=True),
    }
    STATE = ("v", "I_in")
    INT_STATE = ("last",)
    NOISE = ("u_in",)

    validate = LIF.validate         # v_reset < v_th, v_init_low <= v_init_high

    def check_dt(self, values, dt, component):
        """At most ``LAMBDA_MAX`` input events per neuron and step on average."""
        lam = np.asarray(values["input_n"], np.float64) * np.asarray(values["input_rate"], np.float64) * dt * 1e-3
        if lam.size and lam.max() > LAMBDA_MAX:
            where = "" if lam.ndim == 0 else f" (neuron {int(np.argmax(lam))})"
            total = lam.max() / dt * 1e3
            raise ParameterError(component, "input_rate", f"input_n x input_rate = {total:g} Hz{where}",
                                 f"at most {LAMBDA_MAX:g} input events per step on average: input_n x input_rate "
                                 f"<= {LAMBDA_MAX / dt * 1e3:g} Hz at dt = {dt:g} ms (use a smaller dt or fewer "
                                 "inputs)")

    def init_state(self, n, p, rng):
        return {"v": initial_v(n, p, rng), "I_in": np.zeros(n), "last": np.full(n, NEVER, np.int64)}

    def prepare(self, p, dt, exp_taus):
        q = LIF.prepare(self, p, dt, tuple(exp_taus) + (p["input_tau"],))
        q["a_in"] = jnp.exp(-dt / p["input_tau"])
        q["lam"] = p["input_n"] * p["input_rate"] * (dt * 1e-3)
        return q

    def step(self, s, q, syn, t, dt, noise):
        I_in = s["I_in"]
        with_input = SynInput(syn.current + I_in, syn.jump, tuple(syn.exp_terms) + ((I_in, q["input_tau"]),))
        ns, spk = LIF.step(self, {"v": s["v"], "last": s["last"]}, q, with_input, t, dt, noise)
        k = poisson_count(noise["u_in"], q["lam"]).astype(I_in.dtype)
        return {"v": ns["v"], "I_in": I_in * q["a_in"] + q["input_weight"] * k, "last": ns["last"]}, spk

