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
