"""Rate-based rules on spike-rate traces: Hebbian learning with Oja's normalisation,
and homeostatic synaptic scaling.

Rates are estimated online by exponential traces of the spike trains,
``r <- r exp(-dt/tau) + 1000/tau [spike]`` (Hz), so their mean is the firing rate.
"""
from __future__ import annotations

from .._params import Param
from ._base import PlasticityRule, check_bounds, clip, decay


def oja_delta(w, x, y, rate):
    """Oja's rule, one step: ``rate * (y x - y^2 w)`` (elementwise; x, y broadcast).

    Applied to a linear unit y = w.x it converges to the unit-norm principal
    eigenvector of the input covariance (Oja 1982)."""
    return rate * (y * x - y * y * w)


def rate_trace(r, spk, q):
    return r * q["d_rate"] + spk * q["jump"]


class _RateRule(PlasticityRule):
    """Shared parts of the rules on rate traces: eta, tau_rate, [w_min, w_max]."""

    def validate(self, values, component):
        check_bounds(values, component)

    def prepare(self, p, dt):
        return {**p, "d_rate": decay(p["tau_rate"], dt), "jump": 1000.0 / p["tau_rate"], "rate": p["eta"] * dt * 1e-3}


class Oja(_RateRule):
    """Hebbian plasticity with Oja's normalisation on rate traces:

        dw/dt = eta (r_post r_pre - r_post^2 w)        rates in Hz, eta in 1/(Hz^2 s)

    The weights stay bounded (|w| tends to 1 per postsynaptic neuron for a linear
    unit); they are also clipped to [w_min, w_max]."""

    name = "oja"
    PARAMS = {
        "eta": Param(1e-5, "1/(Hz^2 s)", low=0, help="learning rate", log=True, per_neuron=False),
        "tau_rate": Param(100.0, "ms", low=0, low_open=True, help="time constant of the rate traces", log=True,
                          per_neuron=False),
        "w_min": Param(-10.0, "1", help="lowest weight", per_neuron=False),
        "w_max": Param(10.0, "1", help="highest weight", per_neuron=False),
    }
    PRE = ("r",)
    POST = ("r",)

    def update(self, s, q, w, ctx):
        x = rate_trace(s["pre"]["r"], ctx.pre_spk, q)
        y = rate_trace(s["post"]["r"], ctx.post_spk, q)
        w = clip(w + oja_delta(w, x[ctx.pre], y[ctx.post], q["rate"]), q)
        return {"pre": {"r": x}, "post": {"r": y}, "syn": {}}, w


class SynapticScaling(_RateRule):
    """Homeostatic synaptic scaling (Turrigiano 1998; van Rossum et al. 2000):

        dw/dt = eta (target - r_post) w        r_post in Hz, eta in 1/(Hz s)

    Every incoming weight of a neuron is scaled by the same factor, up when it fires
    below ``target`` and down when above, so relative weights (what STDP learned) are
    kept. Weights clipped to [w_min, w_max]."""

    name = "synaptic_scaling"
    PARAMS = {
        "eta": Param(1e-3, "1/(Hz s)", low=0, help="scaling rate", log=True, per_neuron=False),
        "target": Param(5.0, "Hz", low=0, help="target firing rate", per_neuron=False),
        "tau_rate": Param(1000.0, "ms", low=0, low_open=True, help="time constant of the rate estimate", log=True,
                          per_neuron=False),
        "w_min": Param(0.0, "1", help="lowest weight", per_neuron=False),
        "w_max": Param(10.0, "1", help="highest weight", per_neuron=False),
    }
    POST = ("r",)

    def update(self, s, q, w, ctx):
        y = rate_trace(s["post"]["r"], ctx.post_spk, q)
        w = clip(w * (1.0 + q["rate"] * (q["target"] - y[ctx.post])), q)
        return {"pre": {}, "post": {"r": y}, "syn": {}}, w


__all__ = ["Oja", "SynapticScaling", "oja_delta"]
