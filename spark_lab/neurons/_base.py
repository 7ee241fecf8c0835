"""Interface every neuron model implements.

Units: time in ms, potentials in mV (or the model's own units, stated in its
docstring). ``INPUT_UNIT`` is the unit of the synaptic and external input a pool of
this model receives; projection weights into the pool are in that unit.
"""
from __future__ import annotations

from typing import ClassVar, NamedTuple

import jax.numpy as jnp
import numpy as np

from .._component import Component
from .._params import require_less


class SynInput(NamedTuple):
    """Input to one pool for one step.

    current:   total input current at the start of the step (synaptic + external),
               in the model's INPUT_UNIT.
    jump:      instantaneous jumps of the membrane potential (delta synapses), in mV.
    exp_terms: the parts of ``current`` that decay exponentially during the step, as
               ``(I, tau)`` pairs; linear models integrate them exactly.
    """
    current: jnp.ndarray
    jump: jnp.ndarray
    exp_terms: tuple = ()


class NeuronModel(Component):
    """A neuron model: parameters, state variables, and one time step.

    Subclasses define ``PARAMS``, ``STATE`` (float state variables that can be
    recorded, checked for NaN and checkpointed) and implement ``init_state`` and
    ``step``. ``prepare`` turns parameters into per-chunk constants (propagators)
    outside the time loop.
    """

    kind: ClassVar[str] = "neuron"
    INPUT_UNIT: ClassVar[str] = "mV"
    STATE: ClassVar[tuple[str, ...]] = ("v",)
    #: integer state (e.g. step of the last spike); checkpointed, not NaN-checked
    INT_STATE: ClassVar[tuple[str, ...]] = ()
    #: names of the uniform [0, 1) random numbers the model needs, one per neuron and step
    #: (``step`` gets them as ``noise[name]``); empty for deterministic models
    NOISE: ClassVar[tuple[str, ...]] = ()
    #: name of the membrane potential for conductance synapses, or None
    VOLTAGE: ClassVar[str | None] = "v"

    def init_state(self, n: int, p: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Initial state of ``n`` neurons: ``{name: (n,) array}`` for every name in ``STATE`` and
        ``INT_STATE``; ``p`` holds the resolved parameters, ``rng`` is the network's seeded generator."""
        raise NotImplementedError

    def prepare(self, p: dict, dt: float, exp_taus: tuple) -> dict:
        """Per-chunk constants from parameters (traced arrays). Default: the parameters."""
        return dict(p)

    def step(self, state: dict, q: dict, syn: SynInput, t, dt: float, noise) -> tuple[dict, jnp.ndarray]:
        """Advance one step of ``dt`` ms at step index ``t``; return (new state, spikes bool)."""
        raise NotImplementedError

    def check_dt(self, values: dict, dt: float, component: str) -> None:
        """Checks that need the time step ``dt`` (ms), e.g. a rate limit of 1/dt; raise
        ParameterError. Called when the network is built and by ``set_param`` with the
        resolved values (per-neuron arrays). Default: nothing."""

    def structure(self, n: int, dt: float) -> dict[str, np.ndarray]:
        """Structural data that is not a parameter (e.g. the spike steps of a generator);
        passed to ``step`` as ``q["_struct"]``."""
        return {}


def refractory_free(t, last, t_ref, dt):
    """True where the neuron may integrate: at least ``t_ref`` ms (in whole steps) since its last spike.

    Brian2 semantics: a neuron that spiked at step s with t_ref = 2 dt is clamped at s+1
    and may spike again at s+2.
    """
    ref_steps = jnp.round(t_ref / dt).astype(jnp.int32)
    return (t - last) >= ref_steps


def jump_accepted(t, last, t_ref, dt):
    """True where a voltage jump that arrived in the previous step (``t - 1``) counts.

    Brian2's schedule: a synapse's ``v += w`` lands after the threshold of the step the
    spike arrives in, and (with ``(unless refractory)``) is dropped while the neuron is
    refractory in that step; a jump arriving in the step the neuron spikes is lost (the
    neuron is refractory from its spike on, and the reset overwrites v even when
    t_ref = 0). spark_lab adds the jump in the next step, so the test is on ``t - 1``:
    at least ``max(1, t_ref/dt)`` whole steps after the last spike.
    """
    ref_steps = jnp.maximum(jnp.round(t_ref / dt).astype(jnp.int32), 1)
    return (t - 1 - last) >= ref_steps


NEVER = -(2 ** 30)   # "last spike" before any spike; t - NEVER stays inside int32


#: clip of the argument of exp() in the exponential models (EIF, AdEx): the drive
#: delta_T e^20 carries v past any sensible spike cut within one step, so the clip
#: changes no spike and keeps the state finite
EXP_ARG_MAX = 20.0


def initial_v(n: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    """Initial membrane potentials: uniform in [v_init_low, v_init_high), or all
    v_init_low when the range is empty."""
    lo, hi = float(p["v_init_low"]), float(p["v_init_high"])
    return np.full(n, lo) if hi <= lo else rng.uniform(lo, hi, n)


def check_v_init(values: dict, component: str) -> None:
    """Cross-field check of the initial-v range: v_init_low <= v_init_high."""
    require_less(values, component, "v_init_low", "v_init_high", strict=False)
