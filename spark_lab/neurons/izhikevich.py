"""Izhikevich's simple model (Izhikevich 2003, IEEE Trans. Neural Netw. 14:1569).

    dv/dt = 0.04 v^2 + 5 v + 140 - u + I
    du/dt = a (b v - u)
    v >= v_peak (30 mV)  ->  spike, v <- c, u <- u + d

Time in ms, v in mV. The coefficients make the right-hand side a rate of change of
v, so u and the input I are in mV/ms (``INPUT_UNIT = "mV/ms"``); the paper calls I a
current in dimensionless units. Hence 0.04 is in 1/(mV ms), 5 in 1/ms and 140 in
mV/ms; ``a`` (rate of u) and ``b`` (u per mV of v, b v in mV/ms) are in 1/ms; ``c``
and ``v_peak`` in mV; ``d`` (jump of u) in mV/ms. Its figures use I around 10 (tonic firing); the same
number works here. The model has no refractory period.

Integration as in the paper's code (which used dt = 1 ms): v takes two forward-Euler
half-steps of dt/2, then u one Euler step of dt with the new v. The peak is checked
after each half-step: if the first half-step reaches v_peak the neuron spikes and
the second half-step starts from v_peak, so v cannot run away to inf. u is updated
with ``min(v, v_peak)``. Forward Euler is first order: with dt = 0.1 ms the ISIs of
the presets at I = 10 differ from a dt = 0.01 ms solution by 1-7 % (most for the
short fast-spiking and intra-burst ISIs).

Presets (``Izhikevich.preset(name)``, from the paper's Fig. 2): regular_spiking,
fast_spiking, intrinsically_bursting, chattering.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._params import Param, did_you_mean, require_less
from ..errors import ParameterError
from ._base import NeuronModel


class Izhikevich(NeuronModel):
    """Izhikevich (2003) neuron (see module docstring)."""

    name = "izhikevich"
    INPUT_UNIT = "mV/ms"
    PARAMS = {
        "a": Param(0.02, "1/ms", low=0, low_open=True, help="recovery rate of u", log=True),
        "b": Param(0.2, "1/ms", help="sensitivity of u to v"),
        "c": Param(-65.0, "mV", help="reset potential after a spike"),
        "d": Param(8.0, "mV/ms", help="increase of u after a spike"),
        "v_peak": Param(30.0, "mV", help="spike cut: a spike is counted when v reaches it"),
        "v_init": Param(-65.0, "mV", help="initial v (initial u = b v_init)", per_neuron=False),
    }
    STATE = ("v", "u")
    PRESETS = {
        "regular_spiking": dict(a=0.02, b=0.2, c=-65.0, d=8.0),
        "fast_spiking": dict(a=0.1, b=0.2, c=-65.0, d=2.0),
        "intrinsically_bursting": dict(a=0.02, b=0.2, c=-55.0, d=4.0),
        "chattering": dict(a=0.02, b=0.2, c=-50.0, d=2.0),
    }

    def validate(self, values, component):
        """Cross-field check: c < v_peak (the reset lies below the spike cut)."""
        require_less(values, component, "c", "v_peak")

    @classmethod
    def preset(cls, name: str, **overrides) -> Izhikevich:
        """A model with the parameters of a published firing pattern; ``overrides`` change some."""
        if name not in cls.PRESETS:
            raise ParameterError("Izhikevich.preset", "name", f"unknown preset {name!r}",
                                 f"{did_you_mean(name, cls.PRESETS)}presets: {', '.join(cls.PRESETS)}")
        return cls(**{**cls.PRESETS[name], **overrides})

    def init_state(self, n, p, rng):
        v = np.full(n, float(p["v_init"]))
        return {"v": v, "u": np.broadcast_to(p["b"], (n,)) * v}

    def step(self, s, q, syn, t, dt, noise):
        v, u = s["v"], s["u"]
        drive = syn.current - u + 140.0
        h = 0.5 * dt
        v1 = v + syn.jump + h * (0.04 * v * v + 5.0 * v + drive)
        hit1 = v1 >= q["v_peak"]
        v1 = jnp.minimum(v1, q["v_peak"])
        v2 = v1 + h * (0.04 * v1 * v1 + 5.0 * v1 + drive)
        spk = hit1 | (v2 >= q["v_peak"])
        v2 = jnp.minimum(v2, q["v_peak"])
        u = u + dt * q["a"] * (q["b"] * v2 - u)
        return {"v": jnp.where(spk, q["c"], v2), "u": jnp.where(spk, u + q["d"], u)}, spk
