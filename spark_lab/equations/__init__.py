"""Models from equations: neurons and synapses written as differential equations with
units, parsed (never executed), unit-checked and integrated inside the compiled chunk.

    NeuronEquations    a neuron model (threshold, reset, refractoriness, input I)
    SynapseEquations   a receptor model (postsynaptic dynamics, current into the neuron)
    EquationError      what is wrong, in which equation, line and column, and the fix
"""
from ._errors import EquationError
from ._neuron import NeuronEquations
from ._synapse import SynapseEquations

__all__ = ["NeuronEquations", "SynapseEquations", "EquationError"]
