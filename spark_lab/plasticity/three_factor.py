"""Three-factor rule: STDP builds an eligibility trace, a neuromodulator turns it into
weight change (Izhikevich 2007; Frémaux & Gerstner 2016).

    e  <- e * exp(-dt/tau_e) + (a_plus x_pre [post spike] - a_minus x_post [pre spike])
    dw/dt = eta * M(t) * e            (w clipped to [w_min, w_max])

M(t) is the value of the modulator channel ``modulator`` (reward, dopamine...), given
per step like an input: ``sim.run(n, inputs={"reward": r})`` with a number or an array
of shape (steps,); it is 0 in steps where nothing is given, and then no weight changes.
eta is in 1/s per unit of M: a modulator pulse of one step with value M changes a
weight by ``eta * M * e * dt / 1000``.
"""
from __future__ import annotations

from .._params import Choice, Param
from ._base import PlasticityRule, check_bounds, clip, decay
from .stdp import _PAIR, pair_terms, stdp_traces


class ThreeFactor(PlasticityRule):
    """Modulated STDP with an eligibility trace (see module docstring)."""

    name = "three_factor"
    PARAMS = {
        **_PAIR,
        "tau_e": Param(1000.0, "ms", low=0, low_open=True, help="eligibility trace time constant", log=True,
                       per_neuron=False),
        "eta": Param(1.0, "1/s", low=0, help="learning rate per unit of modulator", log=True, per_neuron=False),
    }
    OPTIONS = {
        "modulator": Choice("reward", None, help="name of the neuromodulator channel (an input name)"),
        "interaction": Choice("all", ("all", "nearest"), help="all spike pairs, or nearest neighbours only"),
    }
    PRE = ("x",)
    POST = ("y",)
    SYN = ("e",)

    def validate(self, values, component):
        check_bounds(values, component)

    def prepare(self, p, dt):
        return {**p, "d_plus": decay(p["tau_plus"], dt), "d_minus": decay(p["tau_minus"], dt),
                "d_e": decay(p["tau_e"], dt), "rate": p["eta"] * (dt * 1e-3)}

    def update(self, s, q, w, ctx):
        x_pre, x_post, new = stdp_traces(s, q, ctx, self.options["interaction"] == "nearest")
        ltp, ltd = pair_terms(x_pre, x_post, ctx, w, q, soft=False)
        e = s["syn"]["e"] * q["d_e"] + ltp - ltd
        return {**new, "syn": {"e": e}}, clip(w + q["rate"] * ctx.modulator * e, q)
