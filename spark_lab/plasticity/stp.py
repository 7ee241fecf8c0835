"""Short-term plasticity: the Tsodyks–Markram model (Tsodyks & Markram 1997;
Markram, Wang & Tsodyks 1998), depression and facilitation.

Per presynaptic neuron: the fraction of resources available R (recovers to 1 with
tau_rec) and the utilisation u. At the n-th spike, after an interval T:

    u_n   = U + u_{n-1} (1 - U) exp(-T / tau_facil)      (u_1 = U; tau_facil = 0: u_n = U)
    R_n   = 1 + (R_{n-1} - u_{n-1} R_{n-1} - 1) exp(-T / tau_rec)    (R_1 = 1)
    delivered weight = w * u_n * R_n

For a regular train of period T the amplitude settles at
``w u* R*`` with ``u* = U / (1 - (1 - U) e^{-T/tau_facil})`` and
``R* = (1 - e^{-T/tau_rec}) / (1 - (1 - u*) e^{-T/tau_rec})``.
The weights themselves do not change (combine with a long-term rule for that).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._params import Param
from ._base import PlasticityRule, decay


class TsodyksMarkram(PlasticityRule):
    """Short-term depression and facilitation (see module docstring)."""

    name = "tsodyks_markram"
    PARAMS = {
        "U": Param(0.5, "1", low=0, low_open=True, high=1, help="utilisation of resources by a spike",
                   per_neuron=False),
        "tau_rec": Param(800.0, "ms", low=0, low_open=True, help="recovery time constant (depression)", log=True,
                         per_neuron=False),
        "tau_facil": Param(0.0, "ms", low=0, help="facilitation time constant (0 = none)", per_neuron=False),
    }
    PRE = ("a", "R")          # a = u_{n-1} (1 - U), decaying to 0; R recovering to 1
    CHANGES_WEIGHTS = False

    def init_state(self, n_pre, n_post, n_syn):
        s = super().init_state(n_pre, n_post, n_syn)
        s["pre"]["R"] = np.ones(n_pre)
        return s

    def prepare(self, p, dt):
        return {**p, "d_rec": decay(p["tau_rec"], dt), "d_facil": decay(p["tau_facil"], dt)}

    def efficacy(self, s, q, pre_spk, dt):
        a = s["pre"]["a"] * q["d_facil"]
        R = 1.0 + (s["pre"]["R"] - 1.0) * q["d_rec"]
        u = q["U"] + a
        eff = u * R
        R = jnp.where(pre_spk, R - eff, R)
        a = jnp.where(pre_spk, u * (1.0 - q["U"]), a)
        return {"pre": {"a": a, "R": R}, "post": {}, "syn": {}}, eff
