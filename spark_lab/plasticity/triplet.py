"""Triplet STDP (Pfister & Gerstner 2006).

Two presynaptic traces r1 (tau_plus), r2 (tau_x) and two postsynaptic traces
o1 (tau_minus), o2 (tau_y):

    pre spike:   w -= o1 * (a2_minus + a3_minus * r2)        r2 read before its increment
    post spike:  w += r1 * (a2_plus  + a3_plus  * o2)        o2 read before its increment
    w clipped to [w_min, w_max]

The triplet terms make potentiation grow with the pairing frequency (the
frequency dependence of Sjöström et al. 2001 that pair STDP cannot produce).
Defaults: the paper's all-to-all fit to visual cortex data (Table 2,
"visual cortex, all-to-all, full model"); with interaction="nearest" use the
nearest-spike fit (tau_x=714, tau_y=40, a2_plus=8.8e-11, a3_plus=5.3e-2,
a2_minus=6.6e-3, a3_minus=3.1e-3 in the paper).
Weights are in weight units: the paper's amplitudes are relative to the initial weight.
"""
from __future__ import annotations

from .._params import Choice, Param
from ._base import PlasticityRule, bump, check_bounds, clip, decay


def _p(default, unit, help, log=False):
    return Param(default, unit, low=0, low_open=(unit == "ms"), help=help, log=log, per_neuron=False)


class TripletSTDP(PlasticityRule):
    """Triplet STDP (see module docstring)."""

    name = "triplet_stdp"
    PARAMS = {
        "a2_plus": _p(5e-10, "1", "pair potentiation amplitude"),
        "a3_plus": _p(6.2e-3, "1", "triplet potentiation amplitude"),
        "a2_minus": _p(7e-3, "1", "pair depression amplitude"),
        "a3_minus": _p(2.3e-4, "1", "triplet depression amplitude"),
        "tau_plus": _p(16.8, "ms", "presynaptic trace r1", log=True),
        "tau_minus": _p(33.7, "ms", "postsynaptic trace o1", log=True),
        "tau_x": _p(101.0, "ms", "presynaptic trace r2", log=True),
        "tau_y": _p(125.0, "ms", "postsynaptic trace o2", log=True),
        "w_min": Param(0.0, "1", help="lowest weight", per_neuron=False),
        "w_max": Param(1.0, "1", help="highest weight", per_neuron=False),
    }
    OPTIONS = {"interaction": Choice("all", ("all", "nearest"), help="all spike pairs, or nearest neighbours only")}
    PRE = ("r1", "r2")
    POST = ("o1", "o2")

    def validate(self, values, component):
        check_bounds(values, component)

    def prepare(self, p, dt):
        return {**p, **{f"d_{k}": decay(p[f"tau_{k}"], dt) for k in ("plus", "minus", "x", "y")}}

    def update(self, s, q, w, ctx):
        nearest = self.options["interaction"] == "nearest"
        r1, r2 = s["pre"]["r1"] * q["d_plus"], s["pre"]["r2"] * q["d_x"]
        o1, o2 = s["post"]["o1"] * q["d_minus"], s["post"]["o2"] * q["d_y"]
        pre_s, post_s = ctx.pre_spk[ctx.pre], ctx.post_spk[ctx.post]
        ltd = pre_s * o1[ctx.post] * (q["a2_minus"] + q["a3_minus"] * r2[ctx.pre])
        ltp = post_s * r1[ctx.pre] * (q["a2_plus"] + q["a3_plus"] * o2[ctx.post])
        new = {"pre": {"r1": bump(r1, ctx.pre_spk, nearest), "r2": bump(r2, ctx.pre_spk, nearest)},
               "post": {"o1": bump(o1, ctx.post_spk, nearest), "o2": bump(o2, ctx.post_spk, nearest)}, "syn": {}}
        return new, clip(w + ltp - ltd, q)
