"""The component registry (spark_lab/registry.py): the built-ins, registering a user's class,
lookup, the refusals, and the did-you-mean of an unknown name."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

import spark_lab as sl
from spark_lab import LIF, registry
from spark_lab.errors import ModelError, ModelIssue, RegistryError
from spark_lab.initializers import Initializer

BUILTIN = {
    "neuron": ["adex", "alif", "eif", "izhikevich", "lif", "poisson", "spike_generator", "spike_input"],
    "synapse": ["biexponential", "conductance", "delta", "exponential"],
    "connectivity": ["all_to_all", "fixed_in_degree", "fixed_probability", "from_list", "from_matrix",
                     "one_to_one"],
    "initializer": ["constant", "lognormal", "normal", "uniform"],
}


@pytest.fixture
def scratch():
    """Names registered by a test, removed again afterwards: ``scratch.append((kind, name))``."""
    added: list[tuple[str, str]] = []
    yield added
    for kind, name in added:
        registry._unregister(kind, name)


@pytest.mark.parametrize("kind", sorted(BUILTIN))
def test_builtins_are_registered_under_their_names(kind):
    comps = registry.components(kind)
    assert set(BUILTIN[kind]) <= set(comps)
    assert list(comps) == sorted(comps) == registry.names(kind)
    for name, cls in comps.items():
        assert cls.kind == kind and cls.name == name
        assert registry.get(kind, name) is cls


def test_builtin_classes_are_the_exported_ones():
    assert registry.get("neuron", "lif") is sl.LIF
    assert registry.get("synapse", "exponential") is sl.Exponential
    assert registry.get("connectivity", "fixed_probability") is sl.FixedProbability
    assert registry.get("initializer", "uniform") is sl.Uniform
    assert {"neuron", "synapse", "connectivity", "initializer", "plasticity", "encoder", "decoder",
            "routing"} <= set(registry.kinds())
    assert registry.kinds() == sorted(registry.kinds())


def test_register_returns_the_class_and_makes_it_nameable(scratch):
    class Quick(LIF):
        name = "test_quick"

    scratch.append(("neuron", "test_quick"))
    assert registry.register(Quick) is Quick
    assert registry.get("neuron", "test_quick") is Quick
    assert "test_quick" in registry.names("neuron") and registry.components("neuron")["test_quick"] is Quick
    assert registry.register(Quick) is Quick                # the same class again: a no-op


def test_a_new_kind_appears_in_kinds(scratch):
    class Probe:
        kind = "test_probe"
        name = "p1"

    scratch.append(("test_probe", "p1"))
    assert "test_probe" not in registry.kinds() and registry.names("test_probe") == []
    registry.register(Probe)
    assert "test_probe" in registry.kinds() and registry.names("test_probe") == ["p1"]


def test_a_user_initializer_dataclass_registers(scratch):
    @registry.register
    @dataclass(frozen=True)
    class Half(Initializer):
        name: ClassVar[str] = "test_half"
        value: float

    scratch.append(("initializer", "test_half"))
    assert registry.get("initializer", "test_half") is Half and "test_half" in registry.names("initializer")


def test_redefining_a_class_of_the_same_module_and_name_replaces_it(scratch):
    def define(tau):
        class Cell(LIF):                                    # same module and qualified name every call
            name = "test_cell"
            TAU = tau
        return Cell

    scratch.append(("neuron", "test_cell"))
    first, second = registry.register(define(1.0)), registry.register(define(2.0))
    assert first is not second and registry.get("neuron", "test_cell") is second


def test_a_taken_name_is_refused_and_the_old_class_kept(scratch):
    @registry.register
    class Owner(LIF):
        name = "test_owner"

    scratch.append(("neuron", "test_owner"))

    class Thief(LIF):
        name = "test_owner"

    with pytest.raises(RegistryError, match="taken") as e:
        registry.register(Thief)
    assert "Owner" in str(e.value) and "Thief" in str(e.value)
    assert registry.get("neuron", "test_owner") is Owner
    with pytest.raises(RegistryError, match="taken"):
        registry.register(type("Lif2", (LIF,), {}))          # inherits LIF's name "lif"
    assert registry.get("neuron", "lif") is LIF


@pytest.mark.parametrize("attrs, needle", [
    (dict(kind="neuron", name="bad-name"), "name"),
    (dict(kind="neuron", name=""), "name"),
    (dict(kind="neuron", name=3), "name"),
    (dict(kind="neuron"), "name"),
    (dict(name="orphan"), "kind"),
    (dict(kind="bad kind", name="x"), "kind"),
])
def test_classes_without_a_valid_kind_and_name_are_refused(attrs, needle):
    cls = type("Bad", (), attrs)
    with pytest.raises(RegistryError, match=needle):
        registry.register(cls)
    if isinstance(attrs.get("name"), str) and attrs.get("kind") == "neuron":
        assert attrs["name"] not in registry.names("neuron")


def test_the_base_class_name_is_refused():
    class Unnamed(sl.neurons.NeuronModel):                  # still named "component"
        pass

    with pytest.raises(RegistryError, match="base class"):
        registry.register(Unnamed)

    @dataclass(frozen=True)
    class Draw(Initializer):                                # still named "initializer"
        x: float

    with pytest.raises(RegistryError, match="base class"):
        registry.register(Draw)


def test_only_classes_register():
    with pytest.raises(RegistryError, match="takes a class"):
        registry.register(LIF())


def test_unknown_name_says_did_you_mean():
    with pytest.raises(ModelError) as e:
        registry.get("synapse", "exponentail")
    issue = e.value.issues[0]
    assert issue.field == "component" and "unknown synapse 'exponentail'" in issue.problem
    assert issue.hint.startswith("did you mean 'exponential'? ")
    assert "synapses: biexponential, conductance, delta, exponential" in issue.hint


def test_unknown_name_far_from_every_name_lists_them_only():
    issue = registry.unknown_issue("/pools/0/model", "connectivity", "zzzz", "pool 'a'")
    assert issue == ModelIssue("/pools/0/model", "pool 'a'", "component", "unknown connectivity 'zzzz'",
                               "connectivitys: " + ", ".join(registry.names("connectivity")))


def test_unknown_kind_says_there_are_none():
    with pytest.raises(ModelError) as e:
        registry.get("test_no_such_kind", "x")
    assert "has no test_no_such_kind components" in e.value.issues[0].hint
    assert registry.components("test_no_such_kind") == {}
