"""Neuron models. Each module holds one model, its equations and its parameters."""
from ._base import NeuronModel, SynInput
from .adex import AdEx
from .alif import ALIF
from .eif import EIF
from .izhikevich import Izhikevich
from .lif import LIF
from .lif_poisson import LIFPoissonInput
from .poisson import PoissonSource
from .spike_generator import SpikeGenerator
from .spike_input import SpikeInput

__all__ = ["NeuronModel", "SynInput", "LIF", "LIFPoissonInput", "ALIF", "AdEx", "Izhikevich", "EIF", "PoissonSource",
           "SpikeGenerator", "SpikeInput"]
