"""spark_lab: spiking neural networks on JAX, built for the notebook.

The kernel (this package) is pure JAX and imports no UI library; the notebook
layer lives in ``spark_lab.notebook``. On import it switches JAX's CPU dispatch to
synchronous (faster closed loops; see spark_lab/_runtime.py for why and how to opt out).
"""
from . import _runtime

_runtime.configure()
from . import analysis, connectivity, initializers, interfaces, model, neurons, nir, plasticity, registry, synapses
from ._params import Choice, Param
from ._sweep import sweep, sweep_heatmap
from .batch import BatchedSimulator
from .connectivity import AllToAll, Connectivity, FixedInDegree, FixedProbability, FromList, FromMatrix, OneToOne
from .equations import EquationError, NeuronEquations, SynapseEquations
from .errors import (
    CheckpointError,
    DivergenceError,
    ModelError,
    ModelIssue,
    NetworkError,
    ParameterError,
    RegistryError,
    SparkLabError,
)
from .initializers import Constant, Initializer, LogNormal, Normal, Uniform
from .interfaces import (
    Concat,
    CountDecoder,
    CurrentEncoder,
    DeltaEncoder,
    LatencyEncoder,
    PoissonEncoder,
    PopulationDecoder,
    PopulationEncoder,
    RateDecoder,
    Subset,
    WinnerTakeAll,
)
from .model import dumps, load, loads, save
from .network import Network, RecordSpec
from .neurons import (
    ALIF,
    EIF,
    LIF,
    AdEx,
    Izhikevich,
    LIFPoissonInput,
    NeuronModel,
    PoissonSource,
    SpikeGenerator,
    SpikeInput,
)
from .plasticity import STDP, Oja, PlasticityRule, SynapticScaling, ThreeFactor, TripletSTDP, TsodyksMarkram
from .runs import list_runs, open_run
from .session import Frame, Monitor, Session, SessionError
from .simulator import RunResult, Simulator
from .synapses import BiExponential, Conductance, Delta, Exponential, SynapseModel

__version__ = "0.1.0"

__all__ = [
    "analysis", "connectivity", "initializers", "interfaces", "neurons", "plasticity", "synapses",
    "Network", "Simulator", "BatchedSimulator", "sweep", "sweep_heatmap", "RunResult", "RecordSpec",
    "Param", "Choice", "Session", "SessionError", "Monitor", "Frame", "open_run", "list_runs",
    "NeuronModel", "SynapseModel", "PlasticityRule", "Connectivity", "Initializer",
    "LIF", "LIFPoissonInput", "ALIF", "AdEx", "Izhikevich", "EIF", "PoissonSource", "SpikeGenerator", "SpikeInput",
    "Exponential", "Delta", "BiExponential", "Conductance", "NeuronEquations", "SynapseEquations", "EquationError",
    "AllToAll", "OneToOne", "FixedProbability", "FixedInDegree", "FromList", "FromMatrix",
    "Constant", "Uniform", "Normal", "LogNormal",
    "STDP", "TripletSTDP", "ThreeFactor", "Oja", "SynapticScaling", "TsodyksMarkram",
    "PoissonEncoder", "CurrentEncoder", "PopulationEncoder", "LatencyEncoder", "DeltaEncoder",
    "CountDecoder", "RateDecoder", "WinnerTakeAll", "PopulationDecoder", "Concat", "Subset",
    "SparkLabError", "ParameterError", "NetworkError", "CheckpointError",
    "DivergenceError", "ModelError", "ModelIssue", "RegistryError",
    "model", "registry", "load", "save", "loads", "dumps", "nir",
]
