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

Integration (option ``method``, fixed when the network is built):

* ``"clamped"`` (default): v takes two forward-Euler half-steps of dt/2, then u one
  Euler step of dt with the new v. The peak is checked after each half-step: if the
  first half-step reaches v_peak the neuron spikes and the second half-step starts
  from v_peak, so v cannot run away to inf; u is updated with ``min(v, v_peak)`` and
  the spike is reported in the step that crosses v_peak. This is *not* the paper's
  code: at dt = 1 ms, I = 10 the clamp shortens the presets' mean ISI by 11-51 %. Forward
  Euler is first order: with dt = 0.1 ms the ISIs of the presets at I = 10 differ from
  a dt = 0.01 ms solution by 1-7 % (most for the short fast-spiking and intra-burst ISIs).
* ``"paper"``: the paper's MATLAB code (Izhikevich 2003, Fig. 3 / spnet), written for
  dt = 1 ms: at the start of a step, a neuron whose v >= v_peak spikes (v <- c,
  u <- u + d); then v takes two forward-Euler half-steps of dt/2 with the same u and I,
  and u one Euler step of dt with the new v (not clamped: v may overshoot v_peak, and
  the overshoot enters u, as in the paper). A spike is therefore reported one step
  after the step in which v crossed v_peak, and the recorded v may lie above v_peak.
  Voltage jumps (delta synapses) are added after the reset, before the half-steps.

Presets (``Izhikevich.preset(name)``, a, b, c, d from the paper's Fig. 2):
regular_spiking (RS), intrinsically_bursting (IB), chattering (CH), fast_spiking
(FS), low_threshold_spiking (LTS), resonator (RZ), thalamo_cortical (TC).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._params import Choice, Param, did_you_mean, require_less
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
    OPTIONS = {"method": Choice("clamped", ("clamped", "paper"),
                                help="clamped: peak checked after each half-step; paper: the paper's code")}
    STATE = ("v", "u")
    #: units of the state variables (initial values given with a unit are converted to them)
    STATE_UNITS = {"v": "mV", "u": "mV/ms"}
    PRESETS = {
        "regular_spiking": dict(a=0.02, b=0.2, c=-65.0, d=8.0),
        "fast_spiking": dict(a=0.1, b=0.2, c=-65.0, d=2.0),
        "intrinsically_bursting": dict(a=0.02, b=0.2, c=-55.0, d=4.0),
        "chattering": dict(a=0.02, b=0.2, c=-50.0, d=2.0),
        "low_threshold_spiking": dict(a=0.02, b=0.25, c=-65.0, d=2.0),
        "resonator": dict(a=0.1, b=0.26, c=-65.0, d=2.0),
        "thalamo_cortical": dict(a=0.02, b=0.25, c=-65.0, d=0.05),
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
        """One step of ``dt`` ms by the selected ``method`` (module docstring)."""
        if self.options["method"] == "paper":
            return _paper_step(s, q, syn, dt)
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


def _paper_step(s, q, syn, dt):
    """The paper's step: spike and reset on the v of the previous step, two half-steps, then u."""
    spk = s["v"] >= q["v_peak"]
    v = jnp.where(spk, q["c"], s["v"]) + syn.jump
    u = jnp.where(spk, s["u"] + q["d"], s["u"])
    drive = syn.current - u + 140.0
    h = 0.5 * dt
    v = v + h * (0.04 * v * v + 5.0 * v + drive)
    v = v + h * (0.04 * v * v + 5.0 * v + drive)
    u = u + dt * q["a"] * (q["b"] * v - u)
    return {"v": v, "u": u}, spk
