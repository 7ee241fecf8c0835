"""Interface every synapse model implements.

A synapse model describes the postsynaptic response to a presynaptic spike. Because
these responses are linear in the weights, the state lives once per postsynaptic
neuron (a "receptor"), not once per synapse: every spike adds its weight to the
receptor state of its targets, and the receptor turns its state into input current.
Projections that share one synapse instance and one target pool share a receptor.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from .._component import Component


class SynapseModel(Component):
    """Receptor dynamics: ``STATE`` per postsynaptic neuron, updated every step by

    1. ``input(state, q, v)`` -> (current, jump, exp_terms) read at the start of the step,
    2. ``decay(state, q)``   after the neurons have integrated,
    3. ``receive(state, q, x)`` adds ``x``, the summed weights of the spikes arriving now.
    """

    kind: ClassVar[str] = "synapse"
    STATE: ClassVar[tuple[str, ...]] = ()
    #: True if the current depends on the postsynaptic membrane potential
    NEEDS_VOLTAGE: ClassVar[bool] = False

    def init_state(self, n: int) -> dict[str, np.ndarray]:
        """Initial state of ``n`` receptors: zeros for every name in ``STATE``."""
        return {k: np.zeros(n) for k in self.STATE}

    def state_units(self, input_unit: str) -> dict[str, str]:
        """{state variable: unit string} into a pool whose model has ``input_unit``; used to
        convert initial values given with a unit (``connect(..., init={"I": "5 mV"})``).
        Default: none declared (initial values are then plain numbers)."""
        return {}

    def prepare(self, p: dict, dt: float) -> dict:
        """Per-chunk constants from the parameters (traced arrays), e.g. decay factors. Default: the parameters."""
        return dict(p)

    def exp_taus(self, p: dict) -> tuple:
        """Time constants of the exponential terms ``input`` returns (for exact integration)."""
        return ()

    def input(self, s: dict, q: dict, v):
        """What the synapse delivers this step: ``(current, jump, exp_terms)`` in the post model's
        INPUT_UNIT; ``v`` is the postsynaptic potential (for conductance synapses)."""
        raise NotImplementedError

    def decay(self, s: dict, q: dict) -> dict:
        """State after one step without arriving spikes. Default: unchanged."""
        return s

    def receive(self, s: dict, q: dict, x) -> dict:
        """State after the weighted spikes ``x`` (per receptor, in weight units) arrived."""
        raise NotImplementedError
