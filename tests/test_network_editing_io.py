"""Network editing of input and output nodes: remove, update, rename, and their change events."""
from __future__ import annotations

import pytest

import spark_lab as sl
from spark_lab.errors import NetworkError, ParameterError
from spark_lab.interfaces import (
    Concat,
    CountDecoder,
    CurrentEncoder,
    PoissonEncoder,
    Subset,
    WinnerTakeAll,
)


def net_with_io():
    net = sl.Network(dt=0.1)
    net.add_pool("exc", sl.LIF(), 100)
    net.add_input("obs", PoissonEncoder(dims=2), n=10)
    net.add_input("drive", CurrentEncoder(gain=2.0), target="exc")
    net.connect("obs", "exc")
    net.add_output("c", CountDecoder(groups=2), source=["exc", "obs"])
    events = []
    net.observe(events.append)
    return net, events


def test_add_input_and_output_emit_one_event_each():
    net = sl.Network()
    events = []
    net.observe(events.append)
    net.add_pool("exc", sl.LIF(), 10)
    net.add_input("obs", PoissonEncoder())
    net.add_output("c", CountDecoder(), source="exc")
    assert [e["op"] for e in events] == ["add_pool", "add_input", "add_output"]
    assert [p["op"] for p in events[1]["parts"]] == ["add_pool"]      # the pool the input made
    with pytest.raises(NetworkError):
        net.add_input("obs", PoissonEncoder())
    assert len(events) == 3                                            # a refusal emits nothing


def test_one_namespace_for_pools_inputs_and_outputs():
    net, _ = net_with_io()
    for add in (lambda: net.add_pool("c", sl.LIF(), 2), lambda: net.add_pool("drive", sl.LIF(), 2),
                lambda: net.add_output("drive", CountDecoder(), source="exc"),
                lambda: net.add_input("c", CurrentEncoder(), target="exc")):
        with pytest.raises(NetworkError, match="taken"):
            add()
    with pytest.raises(NetworkError, match="taken"):
        net.rename_output("c", "drive")
    with pytest.raises(NetworkError, match="taken"):
        net.rename_pool("exc", "c")


def test_remove_input_takes_its_own_pool_and_projections():
    net, events = net_with_io()
    net.set_position("obs", 1.0, 2.0)
    net.remove_input("obs")
    assert "obs" not in net.inputs and "obs" not in net.pools and "obs" not in net.layout
    assert net.projections == {}
    assert events[-1]["op"] == "remove_input"
    assert {p["op"] for p in events[-1]["parts"]} == {"disconnect", "remove_pool"}
    net.remove_input("drive")                                          # a current input: the pool stays
    assert "exc" in net.pools and net.inputs == {}
    with pytest.raises(NetworkError, match="unknown input 'drive'"):
        net.remove_input("drive")


def test_remove_and_rename_output():
    net, events = net_with_io()
    net.set_position("c", 5.0, 5.0)
    net.rename_output("c", "counts")
    assert list(net.outputs) == ["counts"] and net.outputs["counts"].name == "counts"
    assert net.layout["counts"] == (5.0, 5.0) and "c" not in net.layout
    assert events[-1] == {"op": "rename_output", "old": "c", "new": "counts", "parts": []}
    net.remove_output("counts")
    assert net.outputs == {} and "counts" not in net.layout and events[-1]["op"] == "remove_output"


def test_update_output_source_and_decoder_all_or_nothing():
    net, events = net_with_io()
    new = net.update_output("c", source=Subset("exc", k=10, seed=1))
    assert new.n == 10 and net.outputs["c"].source.pools() == ("exc",)
    assert events[-1]["op"] == "update_output"
    net.update_output("c", decoder=WinnerTakeAll(groups=5))
    with pytest.raises(ParameterError, match="groups"):
        net.update_output("c", decoder=WinnerTakeAll(groups=3))       # 3 does not divide 10
    with pytest.raises(NetworkError, match="unknown pool"):
        net.update_output("c", source=["exc", "nope"])
    assert net.outputs["c"].decoder == WinnerTakeAll(groups=5) and net.outputs["c"].n == 10
    assert [e["op"] for e in events] == ["update_output", "update_output"]


def test_update_input_encoder_size_and_target():
    net, events = net_with_io()
    net.update_input("obs", PoissonEncoder(dims=2, gain=7.0))          # the size 10 still fits
    assert net.pools["obs"].n == 10 and net.inputs["obs"].encoder.values["gain"] == 7.0
    net.update_input("obs", n=20)
    assert net.pools["obs"].n == 20 and net.inputs["obs"].n == 20 and net.outputs["c"].n == 120
    assert events[-1]["op"] == "update_input" and [p["op"] for p in events[-1]["parts"]] == ["update_pool"]
    with pytest.raises(ParameterError, match="multiple of 2"):
        net.update_input("obs", n=21)
    assert net.pools["obs"].n == 20
    net.add_pool("other", sl.LIF(), 30)
    net.update_input("drive", target="other")
    assert net.inputs["drive"].pool == "other" and net.inputs["drive"].n == 30
    with pytest.raises(NetworkError, match="remove the input and add it again"):
        net.update_input("drive", PoissonEncoder())
    with pytest.raises(ParameterError, match="n"):
        net.update_input("drive", n=30)


def test_rename_pool_and_input_follow_everywhere():
    net, events = net_with_io()
    net.rename_pool("exc", "e")
    assert net.inputs["drive"].pool == "e"
    assert net.outputs["c"].source == Concat("e", "obs")
    net.rename_input("obs", "o")
    assert list(net.inputs) == ["o", "drive"] and net.inputs["o"].pool == "o" and "o" in net.pools
    assert list(net.projections) == ["o->e"] and net.outputs["c"].source == Concat("e", "o")
    assert events[-1]["op"] == "rename_input" and events[-1]["parts"][0]["projections"] == {"obs->e": "o->e"}
    net.rename_input("drive", "push")
    assert list(net.inputs) == ["o", "push"] and net.inputs["push"].pool == "e"
    sim = net.build()                                                   # still a consistent network
    res = sim.run(20, inputs={"o": [0.5, 0.2], "push": 1.0})
    assert res.outputs["c"].shape == (2,)


def test_update_pool_resizes_attached_nodes_or_refuses():
    net, _ = net_with_io()
    net.update_pool("exc", n=60)
    assert net.inputs["drive"].n == 60 and net.outputs["c"].n == 70
    with pytest.raises(ParameterError, match="groups"):
        net.update_pool("exc", n=61)                                   # 71 neurons in 2 groups
    assert net.pools["exc"].n == 60 and net.outputs["c"].n == 70
    net.update_input("drive", CurrentEncoder(dims=3))
    with pytest.raises(ParameterError, match="multiple of 3"):
        net.update_pool("exc", n=64)


# ----------------------------------------------------------------------------- the network owns its changes
def small_net():
    net = sl.Network(dt=0.1, seed=3)
    net.add_pool("a", sl.LIF(), 10, excitatory=0.8)
    net.add_pool("b", sl.LIF(), 5)
    net.connect("a", "b", weight=0.5, delay=1.0)
    net.record("a", "v")
    net.set_position("a", 1.0, 2.0)
    return net


def test_views_cannot_be_written():
    net, _ = net_with_io()
    net.set_position("exc", 1.0, 2.0)
    for view, key in ((net.pools, "exc"), (net.projections, "obs->exc"), (net.inputs, "obs"),
                      (net.outputs, "c"), (net.layout, "exc")):
        with pytest.raises(TypeError):
            view[key] = view[key]
        with pytest.raises(TypeError):
            del view[key]
    assert isinstance(net.records, tuple)
    for attr in ("pools", "projections", "inputs", "outputs", "layout", "records", "dt", "seed", "dtype"):
        with pytest.raises(AttributeError):
            setattr(net, attr, getattr(net, attr))
    assert list(net.pools) == ["exc", "obs"] and net.layout == {"exc": (1.0, 2.0)}


def test_every_public_mutation_emits_exactly_one_event():
    net = small_net()
    net.add_input("obs", PoissonEncoder(), n=4)
    net.add_output("out", CountDecoder(), source="b")
    events = []
    net.observe(events.append)
    edits = [
        ("add_pool", lambda: net.add_pool("c", sl.LIF(), 3)),
        ("connect", lambda: net.connect("b", "c")),
        ("record", lambda: net.record("c", "spikes")),
        ("unrecord", lambda: net.unrecord("c.spikes")),
        ("update_pool", lambda: net.update_pool("c", g_inh=2.0)),
        ("update_projection", lambda: net.update_projection("b->c", weight=2.0)),
        ("rename_projection", lambda: net.rename_projection("b->c", "bc")),
        ("rename_pool", lambda: net.rename_pool("c", "d")),
        ("layout", lambda: net.set_position("d", 5.0, 5.0)),
        ("layout", lambda: net.remove_position("d")),
        ("configure", lambda: net.configure(seed=9)),
        ("reorder", lambda: net.reorder(pools=["b", "a", "d", "obs"])),
        ("update_input", lambda: net.update_input("obs", n=6)),
        ("rename_input", lambda: net.rename_input("obs", "o")),
        ("update_output", lambda: net.update_output("out", decoder=CountDecoder(groups=5))),
        ("rename_output", lambda: net.rename_output("out", "o2")),
        ("remove_output", lambda: net.remove_output("o2")),
        ("remove_input", lambda: net.remove_input("o")),
        ("disconnect", lambda: net.remove_projection("bc")),
        ("remove_pool", lambda: net.remove_pool("d")),
        ("replace", lambda: net.replace_with(small_net())),
    ]
    for op, edit in edits:
        before = len(events)
        edit()
        assert len(events) == before + 1 and events[-1]["op"] == op, op
    assert net.seed == 3 and list(net.pools) == ["a", "b"]              # replaced by small_net()'s content
    net.configure(seed=3)
    net.reorder(pools=["a", "b"])
    assert len(events) == len(edits)                                    # no change: no event


def test_remove_pool_is_one_event_with_its_steps_as_parts():
    net = small_net()
    events = []
    net.observe(events.append)
    net.remove_pool("a")
    assert [e["op"] for e in events] == ["remove_pool"]
    assert [p["op"] for p in events[0]["parts"]] == ["disconnect", "unrecord"]
    assert net.projections == {} and net.records == () and "a" not in net.layout


def test_configure_checks_delays_and_reorder_checks_names():
    net = small_net()
    with pytest.raises(ParameterError, match="multiple of 0.3"):
        net.configure(dt=0.3)                  # the delay of 1 ms is no whole number of 0.3 ms steps
    assert net.dt == 0.1
    net.configure(dt=0.5, native=False)
    assert net.dt == 0.5 and net.native is False
    with pytest.raises(ParameterError):
        net.configure(seed=-1)
    with pytest.raises(NetworkError, match="give each of"):
        net.reorder(pools=["a"])
    with pytest.raises(NetworkError, match="has no position"):
        net.remove_position("b")
    with pytest.raises(NetworkError, match="unknown change"):
        with net.transaction("add_pol"):
            pass


def test_replace_with_copies_the_whole_content():
    other = small_net()
    other.add_input("obs", PoissonEncoder(), n=4)
    net = sl.Network(dt=0.2, seed=1, native=False)
    net.replace_with(other)
    assert (net.dt, net.seed, net.native) == (0.1, 3, None)
    assert list(net.pools) == list(other.pools) and net.records == other.records and net.layout == other.layout
    assert net.structure_signature() == other.structure_signature() and net.values() == other.values()
    other.update_pool("a", g_inh=4.0)
    other.rename_pool("b", "bb")
    assert net.pools["a"].g_inh == 1.0 and "b" in net.pools and net.projections["a->b"].post == "b"
    with pytest.raises(NetworkError, match="takes a Network"):
        net.replace_with({"pools": {}})


def test_record_spec_parse_is_the_one_record_check():
    net = small_net()
    assert sl.RecordSpec.parse("a.v", net) == sl.RecordSpec("a", "v")
    assert sl.RecordSpec.parse("b", net) == sl.RecordSpec("b", "spikes")
    assert sl.RecordSpec.parse(sl.RecordSpec("a", "v", 2, [3, 1]), net).neurons == (3, 1)
    with pytest.raises(NetworkError, match="unknown pool 'c'"):
        sl.RecordSpec.parse("c.v", net)
    with pytest.raises(NetworkError, match="has no variable 'w'.*recordable: spikes"):
        sl.RecordSpec.parse("a.w", net)
    with pytest.raises(ParameterError) as e:
        sl.RecordSpec.parse(sl.RecordSpec("a", "v", every=0), net)
    assert e.value.field == "every" and e.value.component == "record a.v"
    with pytest.raises(ParameterError) as e:
        sl.RecordSpec.parse(sl.RecordSpec("b", "v", neurons=(0, 5)), net)
    assert e.value.field == "neurons" and "outside the pool" in str(e.value)
    with pytest.raises(ParameterError, match="RecordSpec"):
        sl.RecordSpec.parse(("a", "v"), net)
    with pytest.raises(ParameterError) as e:
        net.record("a", "v", neurons=[])                # net.record checks through RecordSpec.parse
    assert e.value.field == "neurons"


def test_structure_signature_tells_structure_from_values():
    from spark_lab.plasticity import Oja, SynapticScaling
    net = small_net()
    net.connect("b", "b", weight=0.1, name="rec", plasticity=[Oja(), SynapticScaling()])
    sig, vals = net.structure_signature(), net.values()
    hash(sig)
    assert vals[("a", "g_inh")] == 1.0 and vals[("a->b", "weight")] == 0.5 and vals[("a->b", "tau")] == 5.0
    assert ("rec", "oja.eta") in vals and ("rec", "synaptic_scaling.eta") in vals and ("rec", "target") in vals
    assert ("rec", "eta") not in vals
    value_edits = [lambda: net.update_pool("a", g_inh=3.0), lambda: net.update_pool("b", model=sl.LIF(tau_m=7.0)),
                   lambda: net.update_projection("a->b", weight=0.7),
                   lambda: net.update_projection("a->b", synapse=sl.Exponential(tau=2.0))]
    for edit in value_edits:
        edit()
        assert net.structure_signature() == sig and net.values() != vals
        vals = net.values()
    structural = [lambda: net.update_pool("b", n=6), lambda: net.update_projection("a->b", delay=2.0),
                  lambda: net.update_projection("a->b", connectivity=sl.FixedProbability(p=0.2)),
                  lambda: net.update_projection("a->b", weight=sl.Uniform(0.0, 1.0)),
                  lambda: net.record("b", "v"), lambda: net.configure(seed=4),
                  lambda: net.add_output("o", CountDecoder(), source="b"),
                  lambda: net.update_pool("a", excitatory=0.5)]
    for edit in structural:
        edit()
        assert net.structure_signature() != sig
        sig = net.structure_signature()
    net.set_position("b", 3.0, 3.0)                 # the editor layout is neither
    assert net.structure_signature() == sig


def test_shared_synapse_instance_is_structure():
    net = sl.Network()
    for p in ("a", "b", "c"):
        net.add_pool(p, sl.LIF(), 4)
    syn = sl.Exponential()
    net.connect("a", "c", synapse=syn)
    net.connect("b", "c", synapse=syn)
    shared = net.structure_signature()
    net.update_projection("b->c", synapse=sl.Exponential())          # equal values, its own instance
    assert net.structure_signature() != shared
