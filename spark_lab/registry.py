"""Registry of component classes by (kind, name): how a model file names its components.

A model file says ``"component": "lif"``; the registry turns that name into the class
``LIF`` (kind "neuron"). Nothing named by a file is imported or executed: only classes
registered here (the built-ins, and the user's own ones) can be named.

    from spark_lab import registry
    from spark_lab.neurons import NeuronModel

    @registry.register
    class MyNeuron(NeuronModel):
        kind = "neuron"            # inherited from NeuronModel
        name = "my_neuron"         # the name model files use
        ...

    registry.get("neuron", "my_neuron")      # -> MyNeuron
    registry.names("synapse")                # ['biexponential', 'conductance', 'delta', 'exponential',
                                             #  'synapse_equations']

Kinds of the kernel: "neuron", "synapse", "connectivity", "initializer", "plasticity"
(the interfaces add "encoder", "decoder", "routing"). Initializers are not Components;
registered initializers must be dataclasses, whose fields are what a file stores.

A class that declares ``FROM_DATA = True`` (``NeuronEquations``, ``SynapseEquations``)
makes one subclass per distinct data (its equations); those subclasses are named by the
registered class, and a file stores the data from which the class rebuilds them
(``registered`` accepts them, ``get`` returns the registered class).

Registering a second class under a (kind, name) that is taken raises RegistryError,
except when the new class has the same module and qualified name as the old one (a
notebook cell defining the class run again): then the new definition replaces the old.
"""
from __future__ import annotations

import importlib
import re

from ._params import did_you_mean
from .errors import ModelError, ModelIssue, RegistryError

_REGISTRY: dict[tuple[str, str], type] = {}
# component names are identifiers (no '-'): a different rule from the names of pools and
# nodes (``spark_lab._checks.name``), since a file's "component": "lif" reads like Python
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: the built-in components, registered on first use of the registry (module, class names)
_BUILTINS = (
    ("spark_lab.neurons", ("LIF", "LIFPoissonInput", "ALIF", "AdEx", "Izhikevich", "EIF", "PoissonSource",
                           "SpikeGenerator", "SpikeInput")),
    ("spark_lab.synapses", ("Delta", "Exponential", "BiExponential", "Conductance")),
    ("spark_lab.equations", ("NeuronEquations", "SynapseEquations")),
    ("spark_lab.connectivity", ("AllToAll", "OneToOne", "FixedProbability", "FixedInDegree", "FromList",
                                "FromMatrix")),
    ("spark_lab.initializers", ("Constant", "Uniform", "Normal", "LogNormal")),
    ("spark_lab.plasticity", ("STDP", "TripletSTDP", "ThreeFactor", "Oja", "SynapticScaling", "TsodyksMarkram")),
    ("spark_lab.interfaces", ("PoissonEncoder", "CurrentEncoder", "PopulationEncoder", "LatencyEncoder",
                              "DeltaEncoder", "CountDecoder", "RateDecoder", "WinnerTakeAll", "PopulationDecoder",
                              "Concat", "Subset")),
)
_loaded = False


def _ensure_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module, classes in _BUILTINS:
        mod = importlib.import_module(module)
        for c in classes:
            _add(getattr(mod, c))


def _add(cls) -> type:
    kind, name = getattr(cls, "kind", None), getattr(cls, "name", None)
    if not isinstance(cls, type):
        raise RegistryError(f"register() takes a class, got {cls!r}")
    for what, v in (("kind", kind), ("name", name)):
        if not isinstance(v, str) or not _NAME.match(v):
            raise RegistryError(f"{cls.__qualname__}: give the class a {what} (a string of letters, digits "
                                f"and '_'), got {v!r}")
    if name in ("component", "initializer"):
        raise RegistryError(f"{cls.__qualname__}: set the class attribute name to the name model files should "
                            f"use (it still has the base class's name {name!r})")
    old = _REGISTRY.get((kind, name))
    if old is not None and old is not cls and (old.__module__, old.__qualname__) != (cls.__module__, cls.__qualname__):
        raise RegistryError(f"the {kind} name {name!r} is taken by {old.__module__}.{old.__qualname__}; "
                            f"give {cls.__qualname__} another name")
    _REGISTRY[(kind, name)] = cls
    return cls


def register(cls):
    """Class decorator: make ``cls`` nameable in model files as (``cls.kind``, ``cls.name``).

    Returns ``cls`` unchanged. Raises RegistryError for a taken name (see the module docstring)."""
    _ensure_builtins()
    return _add(cls)


def get(kind: str, name: str) -> type:
    """The class registered as (kind, name); ModelError with a did-you-mean hint otherwise."""
    _ensure_builtins()
    cls = _REGISTRY.get((kind, name))
    if cls is None:
        raise ModelError([unknown_issue("", kind, name)])
    return cls


def registered(cls) -> bool:
    """True when a model file can name ``cls``: it is the class registered under its
    (kind, name), or a subclass that such a class made from its data (``FROM_DATA``)."""
    try:
        reg = get(getattr(cls, "kind", ""), getattr(cls, "name", ""))
    except ModelError:
        return False
    return reg is cls or (reg.__dict__.get("FROM_DATA", False) is True and isinstance(cls, type)
                          and issubclass(cls, reg) and cls.__module__ == reg.__module__
                          and cls.__qualname__ == reg.__qualname__)


def unknown_issue(path: str, kind: str, name, component: str = "") -> ModelIssue:
    """The issue for an unregistered component name (did-you-mean among the kind's names)."""
    known = names(kind)
    if not known:
        return ModelIssue(path, component, "component", f"unknown {kind} {name!r}",
                          f"this version of spark_lab has no {kind} components")
    return ModelIssue(path, component, "component", f"unknown {kind} {name!r}",
                      f"{did_you_mean(str(name), known)}{kind}s: {', '.join(known)}")


def names(kind: str) -> list[str]:
    """Registered names of one kind, sorted."""
    _ensure_builtins()
    return sorted(n for k, n in _REGISTRY if k == kind)


def kinds() -> list[str]:
    """Kinds that have at least one registered class, sorted."""
    _ensure_builtins()
    return sorted({k for k, _ in _REGISTRY})


def components(kind: str) -> dict[str, type]:
    """{name: class} of one kind, sorted by name."""
    _ensure_builtins()
    return {n: _REGISTRY[(kind, n)] for n in names(kind)}


def _unregister(kind: str, name: str) -> None:
    """Remove an entry (for tests)."""
    _REGISTRY.pop((kind, name), None)
