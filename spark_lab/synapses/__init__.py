"""Synapse models (postsynaptic responses). Each module holds one model."""
from ._base import SynapseModel
from .delta import Delta
from .exponential import Exponential

__all__ = ["SynapseModel", "Delta", "Exponential"]
