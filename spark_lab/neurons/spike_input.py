"""Spike input: a pool that spikes wherever its input in a step is above 0.5.

    spike_i(t) = input_i(t) > 0.5

Used by the spike encoders (LatencyEncoder, DeltaEncoder) through ``Network.add_input``:
the encoder computes the spikes on the host and passes them as per-step input (0 or 1),
and this model turns them into spikes inside the kernel. The input is the pool's total
input (external + synaptic), so projections into it would add to the given spikes; it
has no state and no parameters.
"""
from __future__ import annotations

from ._base import NeuronModel


class SpikeInput(NeuronModel):
    """Spikes where the per-step input exceeds 0.5 (see module docstring)."""

    name = "spike_input"
    PALETTE = False            # made by spike encoders (Network.add_input), not placed on its own
    INPUT_UNIT = "1"
    STATE = ()
    VOLTAGE = None
    PARAMS = {}

    def init_state(self, n, p, rng):
        return {}

    def step(self, s, q, syn, t, dt, noise):
        return {}, syn.current > 0.5
