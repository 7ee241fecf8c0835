"""Pair-based spike-timing-dependent plasticity (Song, Miller & Abbott 2000).

Traces x_pre (tau_plus) and x_post (tau_minus), decayed exactly each step:

    post spike:  w += a_plus  * x_pre    * f_plus(w)      (pre before post: potentiation)
    pre spike:   w -= a_minus * x_post   * f_minus(w)     (post before pre: depression)
    w clipped to [w_min, w_max] (hard limits, always)

so a single pair with ``dt_spk = t_post - t_pre`` changes the weight by
``a_plus exp(-dt_spk/tau_plus)`` if dt_spk > 0 and ``-a_minus exp(dt_spk/tau_minus)``
if dt_spk < 0 (0 for simultaneous spikes).

bounds="hard" (additive STDP): f_plus = f_minus = 1.
bounds="soft" (multiplicative, van Rossum et al. 2000): f_plus = (w_max - w),
f_minus = (w - w_min); a_plus, a_minus are then relative rates.
interaction="all": every pair counts (traces add up); "nearest": only the nearest
pre/post neighbours (traces reset to 1).
"""
from __future__ import annotations

from .._params import Choice, Param
from ._base import PlasticityRule, bump, check_bounds, clip, decay


def stdp_traces(s, q, ctx, nearest):
    """Decayed traces (read values) and the incremented traces to store."""
    x_pre = s["pre"]["x"] * q["d_plus"]
    x_post = s["post"]["y"] * q["d_minus"]
    new = {"pre": {"x": bump(x_pre, ctx.pre_spk, nearest)}, "post": {"y": bump(x_post, ctx.post_spk, nearest)}}
    return x_pre, x_post, new


def pair_terms(x_pre, x_post, ctx, w, q, soft):
    """(potentiation, depression) per synapse for this step."""
    ltp = q["a_plus"] * x_pre[ctx.pre] * ctx.post_spk[ctx.post]
    ltd = q["a_minus"] * x_post[ctx.post] * ctx.pre_spk[ctx.pre]
    if soft:
        ltp, ltd = ltp * (q["w_max"] - w), ltd * (w - q["w_min"])
    return ltp, ltd


_PAIR = {
    "a_plus": Param(0.01, "1", low=0, help="potentiation per pair (weight units; relative with soft bounds)",
                    per_neuron=False),
    "a_minus": Param(0.0105, "1", low=0, help="depression per pair (weight units; relative with soft bounds)",
                     per_neuron=False),
    "tau_plus": Param(20.0, "ms", low=0, low_open=True, help="time constant of the presynaptic trace", log=True,
                      per_neuron=False),
    "tau_minus": Param(20.0, "ms", low=0, low_open=True, help="time constant of the postsynaptic trace", log=True,
                       per_neuron=False),
    "w_min": Param(0.0, "1", help="lowest weight", per_neuron=False),
    "w_max": Param(1.0, "1", help="highest weight", per_neuron=False),
}


class STDP(PlasticityRule):
    """Pair-based STDP with hard or soft weight bounds (see module docstring)."""

    name = "stdp"
    PARAMS = dict(_PAIR)
    OPTIONS = {
        "bounds": Choice("hard", ("hard", "soft"), help="hard: additive STDP; soft: multiplicative (weight-dependent)"),
        "interaction": Choice("all", ("all", "nearest"), help="all spike pairs, or nearest neighbours only"),
    }
    PRE = ("x",)
    POST = ("y",)

    def validate(self, values, component):
        check_bounds(values, component)

    def prepare(self, p, dt):
        return {**p, "d_plus": decay(p["tau_plus"], dt), "d_minus": decay(p["tau_minus"], dt)}

    def update(self, s, q, w, ctx):
        x_pre, x_post, new = stdp_traces(s, q, ctx, self.options["interaction"] == "nearest")
        ltp, ltd = pair_terms(x_pre, x_post, ctx, w, q, self.options["bounds"] == "soft")
        return {**new, "syn": {}}, clip(w + ltp - ltd, q)
