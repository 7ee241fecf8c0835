"""Synapse models (postsynaptic responses). Each module holds one model."""
from ._base import SynapseModel
from .biexponential import BiExponential
from .conductance import Conductance
from .delta import Delta
from .exponential import Exponential

__all__ = ["SynapseModel", "Delta", "Exponential", "BiExponential", "Conductance"]
