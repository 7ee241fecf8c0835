"""Plasticity rules for projections: ``net.connect(..., plasticity=STDP())``.

Long-term: STDP (pair, additive or multiplicative), TripletSTDP, ThreeFactor
(eligibility x neuromodulator), Oja (Hebbian with normalisation), SynapticScaling
(homeostatic). Short-term: TsodyksMarkram. See ``_base`` for the shared conventions.
"""
from ._base import Context, PlasticityRule
from .hebbian import Oja, SynapticScaling, oja_delta
from .stdp import STDP
from .stp import TsodyksMarkram
from .three_factor import ThreeFactor
from .triplet import TripletSTDP

__all__ = ["PlasticityRule", "Context", "STDP", "TripletSTDP", "ThreeFactor", "Oja", "SynapticScaling",
           "TsodyksMarkram", "oja_delta"]
