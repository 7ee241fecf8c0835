"""Input and output interfaces: encoders (data -> spikes), decoders (spikes -> data), routing.

Usable on plain arrays (``PoissonEncoder(gain=50.0)(x)``) and as nodes of a network
(``Network.add_input`` / ``Network.add_output``, see ``nodes``).
"""
from ._base import Decoder, Encoder
from .current import CurrentEncoder
from .decoders import CountDecoder, RateDecoder, WinnerTakeAll
from .delta import DeltaEncoder
from .latency import LatencyEncoder
from .nodes import InputNode, OutputNode
from .poisson import PoissonEncoder
from .population import PopulationDecoder, PopulationEncoder
from .routing import Concat, Routing, Subset

__all__ = [
    "Encoder", "Decoder", "Routing", "InputNode", "OutputNode",
    "PoissonEncoder", "CurrentEncoder", "PopulationEncoder", "LatencyEncoder", "DeltaEncoder",
    "CountDecoder", "RateDecoder", "WinnerTakeAll", "PopulationDecoder",
    "Concat", "Subset",
]
