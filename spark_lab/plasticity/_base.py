"""Interface every plasticity rule implements.

A rule belongs to one projection. Its state lives in the simulation state (so it is
saved in checkpoints and survives parameter changes): traces per presynaptic neuron
(``PRE``), per postsynaptic neuron (``POST``) and per synapse (``SYN``). The weights of
a plastic projection are per synapse and part of the state too.

Order within a step, after the neurons have spiked:

1. ``efficacy`` (short-term plasticity only): a factor per presynaptic neuron that
   scales what its spike delivers now;
2. the spikes are delivered through the weights (and the projection's delay);
3. ``update`` changes the weights from this step's pre- and postsynaptic spikes.

Traces follow one convention in every rule: a trace is decayed first, read, and only
then incremented by this step's spikes, so a pre and a post spike in the same step do
not interact and a spike ``m`` steps ago contributes ``exp(-m dt / tau)`` exactly.
Spike times are emission times (the projection's axonal delay is not part of the
learning window). Rule parameters are scalars, changeable at run time without
recompiling; options (``OPTIONS``) select code and need a rebuild.
"""
from __future__ import annotations

from typing import ClassVar, NamedTuple

import jax.numpy as jnp
import numpy as np

from .._component import Component
from ..errors import NetworkError, ParameterError


class Context(NamedTuple):
    """What ``update`` sees in one step."""
    pre_spk: jnp.ndarray      # (n_pre,) bool, this step's presynaptic spikes
    post_spk: jnp.ndarray     # (n_post,) bool, this step's postsynaptic spikes
    pre: jnp.ndarray          # (n_syn,) int32 presynaptic index of each synapse
    post: jnp.ndarray         # (n_syn,) int32 postsynaptic index of each synapse
    modulator: jnp.ndarray    # () float, this step's value of the rule's modulator channel (0 if none)
    dt: float                 # ms


class PlasticityRule(Component):
    """Base class: see the module docstring."""

    kind: ClassVar[str] = "plasticity"
    PRE: ClassVar[tuple[str, ...]] = ()     # state per presynaptic neuron
    POST: ClassVar[tuple[str, ...]] = ()    # state per postsynaptic neuron
    SYN: ClassVar[tuple[str, ...]] = ()     # state per synapse
    #: False for rules that only scale transmission (short-term plasticity)
    CHANGES_WEIGHTS: ClassVar[bool] = True

    # ---- construction-time checks
    def check_projection(self, net, pre: str, post: str, where: str) -> None:
        """Raise if the rule cannot work on this projection (called by ``Network.connect``)."""
        if self.CHANGES_WEIGHTS and net.pools[pre].excitatory is not None and "w_min" in self.values:
            lo = self.values["w_min"]
            if np.ndim(lo) == 0 and lo < 0:
                raise ParameterError(f"{type(self).__name__} rule of {where}", "w_min", f"got {lo:g}",
                                     f"pool {pre!r} follows Dale's law: weights are magnitudes, so w_min must be >= 0")

    @property
    def modulator(self) -> str | None:
        """Name of the neuromodulator channel this rule reads (three-factor rules), or None."""
        return self.options.get("modulator")

    def initial_weights(self, w: np.ndarray, where: str) -> np.ndarray:
        """Check the initial weights against the rule's bounds (hard limits clip nothing
        silently: a weight outside [w_min, w_max] is an error)."""
        if "w_min" in self.values and "w_max" in self.values:
            lo, hi = float(self.values["w_min"]), float(self.values["w_max"])
            if np.any(w < lo) or np.any(w > hi):
                bad = w[(w < lo) | (w > hi)][0]
                raise ParameterError(where, "weight", f"initial weight {bad:g} is outside [w_min, w_max] = "
                                     f"[{lo:g}, {hi:g}] of its {type(self).__name__} rule",
                                     "give initial weights within the rule's bounds")
        return w

    # ---- kernel
    def init_state(self, n_pre: int, n_post: int, n_syn: int) -> dict:
        """Initial traces: zeros for every name in ``PRE`` (per presynaptic neuron), ``POST`` (per
        postsynaptic neuron) and ``SYN`` (per synapse)."""
        return {"pre": {k: np.zeros(n_pre) for k in self.PRE},
                "post": {k: np.zeros(n_post) for k in self.POST},
                "syn": {k: np.zeros(n_syn) for k in self.SYN}}

    def prepare(self, p: dict, dt: float) -> dict:
        """Per-chunk constants from the parameters (traced arrays), e.g. trace decays. Default: the parameters."""
        return dict(p)

    def efficacy(self, s: dict, q: dict, pre_spk, dt: float):
        """(new state, factor per presynaptic neuron or None)."""
        return s, None

    def update(self, s: dict, q: dict, w, ctx: Context):
        """(new state, new weights)."""
        return s, w


def decay(tau, dt):
    """exp(-dt/tau), and 0 where tau == 0 (no memory)."""
    safe = jnp.where(tau > 0, tau, 1.0)
    return jnp.where(tau > 0, jnp.exp(-dt / safe), 0.0)


def bump(x, spk, nearest: bool):
    """Trace increment at a spike: +1 (all-to-all interaction) or reset to 1 (nearest spike)."""
    return jnp.where(spk, 1.0, x) if nearest else x + spk


def clip(w, q):
    return jnp.clip(w, q["w_min"], q["w_max"])


def check_bounds(values, component):
    from .._params import require_less
    require_less(values, component, "w_min", "w_max")


def no_plasticity_error(where, what):
    return NetworkError(f"{where}: {what}")


def rule_param_names(rules, canonical: bool = False) -> dict:
    """{address: (rule index, parameter)} of the parameters of a projection's ``rules``: a
    parameter's own name when only one rule has it, else "<rule name>.<parameter>". The
    "<rule name>.<parameter>" form is always accepted too; with ``canonical`` only one
    address per parameter is listed (the one a Network's ``values()`` and
    ``Simulator.parameters()`` use). The one rule for these addresses."""
    seen: dict = {}
    for i, r in enumerate(rules):
        for p in r.PARAMS:
            seen.setdefault(p, []).append(i)
    out = {}
    for i, r in enumerate(rules):
        for p in r.PARAMS:
            if len(seen[p]) == 1:
                out[p] = (i, p)
            if len(seen[p]) > 1 or not canonical:
                out[f"{r.name}.{p}"] = (i, p)
    return out
