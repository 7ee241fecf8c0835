"""GraphEditor without a browser: drive its handlers as the browser would and check the Network."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipycytoscape")

import spark_lab as sl
from spark_lab.notebook.editor import (
    EditorError,
    GraphEditor,
    _backend,
)
from spark_lab.notebook.editor._forms import is_invalid
from spark_lab.plasticity import STDP


def two_pools():
    ed = GraphEditor()
    ed.palette_buttons["LIF"].click()
    ed.palette_buttons["LIF"].click()
    return ed, "lif", "lif_2"


def canvas_node_ids(ed):
    return sorted(n.data["id"] for n in ed.canvas.widget.graph.nodes)


def canvas_edge_ids(ed):
    return sorted(e.data["id"] for e in ed.canvas.widget.graph.edges)


# ----------------------------------------------------------------------------- palette and add
def test_palette_is_grouped_by_kind():
    from spark_lab.notebook.editor import _palette
    groups = {g: [e.label for e in es] for g, es in _palette.entries().items()}
    assert "LIF" in groups["Neuron pools"] and "AdEx" in groups["Neuron pools"]
    assert groups["Inputs"] == ["PoissonSource", "CurrentEncoder", "DeltaEncoder", "LatencyEncoder",
                                "PoissonEncoder", "PopulationEncoder"]   # SpikeGenerator needs spike times
    assert groups["Outputs"] == ["CountDecoder", "PopulationDecoder", "RateDecoder", "WinnerTakeAll"]
    assert list(groups) == ["Neuron pools", "Inputs", "Outputs"]        # routings: the decoder's inspector
    buttons = GraphEditor().palette_buttons
    assert "SpikeGenerator" not in buttons and "SpikeInput" not in buttons and "Subset" not in buttons


def test_add_from_palette_unique_names_free_spots_and_canvas():
    ed, a, b = two_pools()
    net = ed.network
    assert list(net.pools) == [a, b]
    assert isinstance(net.pools[a].model, sl.LIF) and net.pools[a].n == 100
    assert net.layout[a] != net.layout[b]
    assert canvas_node_ids(ed) == [a, b]
    node = ed.canvas.nodes[b]
    assert node.data["label"] == "lif_2\nLIF × 100"
    assert node.position == {"x": net.layout[b][0], "y": net.layout[b][1]}
    assert ed.selected == b and ed.inspector.selected == b
    ed.palette_buttons["PoissonSource"].click()
    assert "input" in ed.canvas.nodes["poisson"].classes.split()


def test_canvas_handlers_are_registered_before_display():
    handlers = GraphEditor().canvas.widget._interaction_handlers
    assert set(handlers["node"]) == {"tap", "dragfree"} and set(handlers["edge"]) == {"tap"}
    assert GraphEditor().canvas.widget.cytoscape_layout["name"] == "preset"


# ----------------------------------------------------------------------------- connect
def test_connect_mode_by_clicks_and_self_projection():
    ed, a, b = two_pools()
    ed.connect_toggle.value = True
    ed.on_node_tap(a)
    assert ed.connect_source == a and "source" in ed.canvas.nodes[a].classes
    ed.on_node_tap(b)
    assert list(ed.network.projections) == [f"{a}->{b}"]
    pr = ed.network.projections[f"{a}->{b}"]
    assert isinstance(pr.synapse, sl.Exponential) and isinstance(pr.connectivity, sl.FixedProbability)
    assert canvas_edge_ids(ed) == [f"{a}->{b}"]
    assert ed.canvas.edges[f"{a}->{b}"].data["label"] == "Exponential"
    ed.on_node_tap(b)
    ed.on_node_tap(b)                                       # self-projection
    assert f"{b}->{b}" in ed.network.projections
    assert "loop" in ed.canvas.edges[f"{b}->{b}"].classes
    assert ed.selected == f"{b}->{b}"


def test_connect_into_an_input_is_refused_in_the_status_line():
    ed, a, _ = two_pools()
    ed.palette_buttons["PoissonSource"].click()
    ed.connect_mode = True
    undo_depth = len(ed.history)
    ed.on_node_tap(a)
    ed.on_node_tap("poisson")
    assert ed.network.projections == {}
    assert "input" in ed.status and "poisson" in ed.status
    assert "d00000" in ed.status_line.value                # shown as an error
    assert len(ed.history) == undo_depth
    ed.on_node_tap("poisson")                              # out of an input is fine
    ed.on_node_tap(a)
    assert list(ed.network.projections) == [f"poisson->{a}"]
    with pytest.raises(EditorError, match="input"):
        ed.connect(a, "poisson")


def test_connection_the_network_refuses_changes_nothing():
    ed, a, b = two_pools()
    ed.inspector.show(a)
    ed.inspector.fields["excitatory"].set("exc")
    assert ed.network.pools[a].excitatory.all()
    depth = len(ed.history)
    with pytest.raises(sl.ParameterError, match="Dale"):
        ed.connect(a, b, weight=-1.0)
    assert ed.network.projections == {} and len(ed.history) == depth


# ----------------------------------------------------------------------------- inspector
def test_inspector_form_from_declarations():
    ed, a, _ = two_pools()
    f = ed.inspector.fields
    assert f["tau_m"].widget.value == 20.0
    assert "membrane time constant" in f["tau_m"].tooltip and "> 0 ms" in f["tau_m"].tooltip
    assert "ms" in f["tau_m"].row.children[1].value             # unit and range next to the box
    ed.connect(a, a)
    ed.inspector.choosers["connectivity"].value = sl.AllToAll
    from ipywidgets import Checkbox, Dropdown
    assert isinstance(ed.inspector.fields["connectivity.autapses"].widget, Checkbox)   # integer 0/1 switch
    ed.inspector.choosers["plasticity"].value = STDP
    assert isinstance(ed.inspector.fields["plasticity.bounds"].widget, Dropdown)       # a Choice
    assert ed.inspector.fields["plasticity.bounds"].widget.options == (("hard", "hard"), ("soft", "soft"))


def test_inspector_edit_applies_valid_values_and_marks_invalid_ones():
    ed, a, _ = two_pools()
    ed.select(a)
    tau = ed.inspector.fields["tau_m"]
    assert tau.set(12.5)
    assert ed.network.pools[a].model.values["tau_m"] == 12.5
    assert not tau.set(-1.0)                                  # out of range
    assert is_invalid(tau.widget) and tau.widget.layout.border
    assert ed.network.pools[a].model.values["tau_m"] == 12.5
    assert "tau_m" in ed.inspector.message.value and "tau_m" in ed.status
    assert not ed.inspector.fields["v_reset"].set(-40.0)      # cross-field: v_reset < v_th
    assert ed.network.pools[a].model.values["v_reset"] == -65.0
    assert tau.set(30.0) and not is_invalid(tau.widget)
    assert ed.inspector.fields["n"].set(250)
    assert ed.network.pools[a].n == 250
    assert ed.canvas.nodes[a].data["label"].endswith("× 250")


def test_inspector_edge_choosers_and_fields():
    ed, a, b = two_pools()
    name = ed.connect(a, b)
    ins = ed.inspector
    assert ins.selected == name
    ins.choosers["synapse"].value = sl.Delta
    assert isinstance(ed.network.projections[name].synapse, sl.Delta)
    ins.choosers["plasticity"].value = STDP
    pr = ed.network.projections[name]
    assert [type(r) for r in pr.plasticity] == [STDP]
    assert ed.canvas.edges[name].data["label"] == "Delta + STDP"
    assert "plastic" in ed.canvas.edges[name].classes
    assert ins.fields["plasticity.bounds"].set("soft")
    assert ed.network.projections[name].plasticity[0].options["bounds"] == "soft"
    assert ins.fields["weight"].set(0.25) and ed.network.projections[name].weight == 0.25
    assert not ins.fields["delay"].set(0.25)                 # not a multiple of dt = 0.1 ms? 0.25 is not
    assert ed.network.projections[name].delay == 0.0
    assert ins.fields["delay"].set(1.5) and ed.network.projections[name].delay == 1.5
    assert ins.choosers["plasticity"].label == "STDP"
    ins.choosers["plasticity"].value = "none"
    assert ins.choosers["plasticity"].label == "(none)"
    assert ed.network.projections[name].plasticity == ()


def test_choosing_another_neuron_model_keeps_shared_values():
    ed, a, _ = two_pools()
    ed.select(a)
    ed.inspector.fields["tau_m"].set(15.0)
    ed.inspector.choosers["model"].value = sl.ALIF
    model = ed.network.pools[a].model
    assert isinstance(model, sl.ALIF) and model.values["tau_m"] == 15.0
    assert ed.canvas.nodes[a].data["label"] == "lif\nALIF × 100"


# ----------------------------------------------------------------------------- rename, delete, move
def test_rename_from_inspector_follows_everywhere():
    ed, a, b = two_pools()
    ed.connect(a, b)
    ed.select(a)
    ed.inspector.fields["name"].set("exc")
    net = ed.network
    assert list(net.pools) == ["exc", b] and "exc" in net.layout and a not in net.layout
    assert list(net.projections) == [f"exc->{b}"]
    assert canvas_node_ids(ed) == sorted(["exc", b]) and canvas_edge_ids(ed) == [f"exc->{b}"]
    assert ed.selected == "exc"
    assert not ed.inspector.fields["name"].set("1bad")
    assert "exc" in net.pools


def test_delete_selection_removes_node_and_its_edges():
    ed, a, b = two_pools()
    ed.connect(a, b)
    ed.connect(b, b)
    ed.select(b)
    ed.buttons["delete"].click()
    assert list(ed.network.pools) == [a] and ed.network.projections == {}
    assert canvas_node_ids(ed) == [a] and canvas_edge_ids(ed) == []
    ed.buttons["undo"].click()
    assert list(ed.network.pools) == [a, b]
    assert list(ed.network.projections) == [f"{a}->{b}", f"{b}->{b}"]
    assert canvas_edge_ids(ed) == sorted([f"{a}->{b}", f"{b}->{b}"])


def test_delete_in_the_middle_sends_the_removal_before_the_tail_comes_back():
    """ipycytoscape's browser side redraws every element after the first one that left the
    list and adds it before removing the old one, so cytoscape drops it: deleting 'b' made
    'c', 'd' and their edges vanish from the canvas. The canvas removes the tail in a message
    of its own and adds it back as new widgets."""
    net = sl.Network()
    for name in "abcd":
        net.add_pool(name, sl.LIF(), 10)
    net.connect("a", "c")
    net.connect("c", "d")
    net.connect("a", "b")
    ed = GraphEditor(net)
    graph = ed.canvas.widget.graph
    old = {k: w.model_id for k, w in {**ed.canvas.nodes, **ed.canvas.edges}.items()}
    sent, send_state = [], graph.send_state

    def record(key=None):
        sent.append(([n.data["id"] for n in graph.nodes], [e.data["id"] for e in graph.edges]))
        send_state(key)
    graph.send_state = record
    ed.delete("b")
    assert sent[0] == (["a"], [])                          # b, the nodes after it and their edges
    assert sent[-1] == (["a", "c", "d"], ["a->c", "c->d"])
    new = {k: w.model_id for k, w in {**ed.canvas.nodes, **ed.canvas.edges}.items()}
    assert new["a"] == old["a"] and new["a->c"] != old["a->c"]          # touches c: a new widget
    assert new["c"] != old["c"] and new["d"] != old["d"] and new["c->d"] != old["c->d"]
    assert canvas_node_ids(ed) == ["a", "c", "d"] and canvas_edge_ids(ed) == ["a->c", "c->d"]
    ed.undo()
    assert canvas_node_ids(ed) == ["a", "b", "c", "d"] and canvas_edge_ids(ed) == ["a->b", "a->c", "c->d"]


def test_drag_moves_node_and_is_undoable():
    ed, a, _ = two_pools()
    start = ed.network.layout[a]
    ed.on_node_moved(a, 333.33, 222.2)
    assert ed.network.layout[a] == (333.3, 222.2)
    assert ed.canvas.nodes[a].position == {"x": 333.3, "y": 222.2}
    ed.undo()
    assert ed.network.layout[a] == start
    assert ed.canvas.nodes[a].position == {"x": start[0], "y": start[1]}


# ----------------------------------------------------------------------------- undo / redo
def test_undo_redo_every_kind_of_edit():
    ed, a, b = two_pools()
    states = []

    def keep():
        states.append((list(ed.network.pools), list(ed.network.projections), dict(ed.network.layout),
                       {k: p.model for k, p in ed.network.pools.items()},
                       {k: (p.synapse, p.weight) for k, p in ed.network.projections.items()}))
    keep()
    ed.connect(a, b)
    keep()
    ed.update_projection(f"{a}->{b}", weight=2.0)
    keep()
    ed.update_pool(a, model=sl.LIF(tau_m=7.0))
    keep()
    ed.rename(b, "out")
    keep()
    ed.move(a, 10, 10)
    keep()
    ed.delete("out")
    keep()
    for want in reversed(states[:-1]):
        assert ed.undo()
        states.pop()
        keep()
        assert states[-1] == want
        states.pop()
    ed.redo()
    ed.redo()
    assert list(ed.network.projections) == [f"{a}->{b}"] and ed.network.projections[f"{a}->{b}"].weight == 2.0
    while ed.redo():
        pass
    assert list(ed.network.pools) == [a] and ed.network.layout[a] == (10.0, 10.0)


def test_at_least_fifty_undo_levels():
    ed, a, _ = two_pools()
    start = dict(ed.network.layout)
    for k in range(60):
        ed.move(a, 500 + k, 300)
    for _ in range(60):
        assert ed.undo()
    assert ed.network.layout == start
    for _ in range(60):
        assert ed.redo()
    assert ed.network.layout[a] == (559.0, 300.0)
    assert not ed.redo() and ed.status == "nothing to redo"


def test_undo_restores_pool_order():
    ed = GraphEditor()
    names = [ed.add("LIF") for _ in range(3)]
    ed.delete(names[0])
    ed.undo()
    assert list(ed.network.pools) == names


# ----------------------------------------------------------------------------- two-way binding
def test_code_changes_update_the_canvas_and_are_undoable():
    net = sl.Network(dt=0.1)
    net.add_pool("exc", sl.LIF(), 80, excitatory=True)
    ed = GraphEditor(net)
    assert canvas_node_ids(ed) == ["exc"] and "exc" in net.layout      # placed at a free spot
    net.add_pool("inh", sl.LIF(), 20, excitatory=False)
    net.connect("inh", "exc", weight=2.0)
    assert canvas_node_ids(ed) == ["exc", "inh"] and canvas_edge_ids(ed) == ["inh->exc"]
    assert "inhibitory" in ed.canvas.edges["inh->exc"].classes
    net.update_pool("exc", n=120)
    assert ed.canvas.nodes["exc"].data["label"] == "exc\nLIF × 120"
    net.rename_pool("inh", "i")
    assert canvas_node_ids(ed) == ["exc", "i"] and canvas_edge_ids(ed) == ["i->exc"]
    ed.undo()
    assert "inh" in net.pools and canvas_edge_ids(ed) == ["inh->exc"]
    ed.palette_buttons["LIF"].click()                                   # canvas edits reach the same object
    assert "lif" in net.pools


def test_inspector_follows_code_changes_of_the_selection():
    ed, a, _ = two_pools()
    ed.select(a)
    ed.network.update_pool(a, model=sl.LIF(tau_m=9.0))
    assert ed.inspector.fields["tau_m"].widget.value == 9.0
    ed.network.rename_pool(a, "renamed")
    assert ed.selected == "renamed" and ed.inspector.selected == "renamed"
    ed.network.remove_pool("renamed")
    assert ed.selected is None


# ----------------------------------------------------------------------------- validation, build
def test_validation_overlay_marks_and_lists_problems():
    ed, a, b = two_pools()
    name = ed.connect(a, b)
    ed.inspector.choosers["connectivity"].value = sl.OneToOne
    assert ed.issues == []
    ed.update_pool(b, n=50)
    assert [i.element for i in ed.issues] == [name]
    assert "invalid" in ed.canvas.edges[name].classes
    assert "OneToOne" in ed.issues_box.value and "1 problem" in ed.status
    ed.undo()
    assert ed.issues == [] and "invalid" not in ed.canvas.edges[name].classes and ed.issues_box.value == ""


def test_validation_of_projections_into_inputs_made_by_code():
    net = sl.Network()
    net.add_pool("src", sl.PoissonSource(), 10)
    net.add_pool("a", sl.LIF(), 10)
    net.connect("a", "src")
    ed = GraphEditor(net)
    assert [i.element for i in ed.issues] == ["a->src"]
    assert "invalid" in ed.canvas.edges["a->src"].classes


def test_build_gives_a_runnable_simulator():
    ed = GraphEditor(sl.Network(dt=0.1, seed=3))
    src = ed.add("PoissonSource", n=50, rate=200.0)
    exc = ed.add("LIF", n=40)
    ed.connect(src, exc, weight=20.0)
    ed.network.record(exc, "spikes")
    res = ed.build().run(200)
    assert res.records[f"{exc}.spikes"].shape == (200, 40)
    assert np.asarray(res.records[f"{exc}.spikes"]).sum() > 0


def test_add_rejects_unknown_components():
    with pytest.raises(EditorError, match="palette"):
        GraphEditor().add("NoSuchNeuron")


def test_edit_time_is_recorded():
    ed, a, _ = two_pools()
    ed.move(a, 1, 2)
    assert 0 < ed.last_edit_ms < 5000


# ----------------------------------------------------------------------------- files (after the merge)
def test_save_and_load_round_trip_with_layout(tmp_path):
    ed, a, b = two_pools()
    ed.connect(a, b, weight=0.5)
    ed.move(a, 123.0, 45.0)
    path = ed.save(tmp_path / "m.json")
    assert path.exists()
    other = GraphEditor()
    net_before = other.network
    other.load(path)
    assert other.network is net_before                        # loaded into the same object
    assert list(other.network.pools) == [a, b] and other.network.layout[a] == (123.0, 45.0)
    assert other.network.projections[f"{a}->{b}"].weight == 0.5
    assert canvas_node_ids(other) == [a, b]
    other.undo()
    assert other.network.pools == {}


def test_open_every_shipped_example_and_export_python():
    names = list(_backend.examples())
    assert names, "spark_lab.model ships examples"
    ed = GraphEditor()
    for name in names:
        ed.open_example(name)
        assert ed.network.pools, name
        code = ed.export_python()
        assert "Network" in code and ed.code.value == code and ed.code.layout.display is None
        ns: dict = {}
        exec(compile(code, f"<{name}>", "exec"), ns)  # noqa: S102 - the exported code must run
    ed.example_box.value = names[0]
    ed.buttons["open"].click()
    assert ed.status.startswith("opened example")


def test_inspector_rebuilds_do_not_leak_widgets():
    from ipywidgets.widgets.widget import _instances
    ed, a, b = two_pools()
    ed.connect(a, b)
    ed.select(a)
    before = len(_instances)
    for _ in range(10):
        ed.select(f"{a}->{b}")
        ed.select(a)
    assert len(_instances) == before
    ed.close()
    assert ed.widget.comm is None


def test_check_runs_the_model_file_validation():
    ed, a, b = two_pools()
    ed.connect(a, b, connectivity=sl.OneToOne())
    ed.update_pool(b, n=10)
    issues = ed.validate()
    assert [i.element for i in issues] == [f"{a}->{b}"]       # local and document issue merged into one
    ed.buttons["check"].click()
    assert ed.status.startswith("checked: 1 problem")


# ----------------------------------------------------------------------------- encoders and decoders
def pool_encoder_decoder():
    """A pool 'lif', an encoder 'poisson_encoder' -> lif, a decoder 'count_decoder' reading lif."""
    ed = GraphEditor()
    ed.palette_buttons["LIF"].click()
    ed.palette_buttons["PoissonEncoder"].click()
    ed.connect("poisson_encoder", "lif")
    ed.palette_buttons["CountDecoder"].click()
    ed.on_node_tap("lif")
    return ed


def test_encoder_from_the_palette_is_an_input_node_with_its_own_pool():
    ed = GraphEditor()
    ed.palette_buttons["PoissonEncoder"].click()
    net = ed.network
    nd = net.inputs["poisson_encoder"]
    assert nd.pool == "poisson_encoder" and isinstance(net.pools["poisson_encoder"].model, sl.PoissonSource)
    assert nd.n == 100 and isinstance(nd.encoder, sl.interfaces.PoissonEncoder)   # copies of dims = 1
    node = ed.canvas.nodes["poisson_encoder"]
    assert node.classes.split()[0] == "encoder" and node.data["label"] == "poisson_encoder\nPoissonEncoder × 100"
    ed.palette_buttons["LatencyEncoder"].click()                     # no copies: its own size
    assert net.inputs["latency_encoder"].n == net.inputs["latency_encoder"].encoder.size()
    assert isinstance(net.pools["latency_encoder"].model, sl.SpikeInput)


def test_encoder_inspector_from_declarations_and_edits():
    ed = GraphEditor()
    ed.palette_buttons["PoissonEncoder"].click()
    f = ed.inspector.fields
    assert ed.inspector.selected == "poisson_encoder"
    assert set(f) == {"name", "pool size", "dims", "gain", "offset", "max_rate"}
    assert "rate per unit of value" in f["gain"].tooltip and "Hz" in f["gain"].row.children[1].value
    assert f["gain"].set(40.0)
    assert ed.network.inputs["poisson_encoder"].encoder.values["gain"] == 40.0
    assert not f["max_rate"].set(-1.0) and is_invalid(f["max_rate"].widget)
    assert f["pool size"].set(30) and ed.network.pools["poisson_encoder"].n == 30
    assert not f["pool size"].set(0) and ed.network.pools["poisson_encoder"].n == 30
    ed.palette_buttons["PopulationEncoder"].click()
    from ipywidgets import Checkbox
    assert isinstance(ed.inspector.fields["circular"].widget, Checkbox)          # a Choice of True/False
    assert ed.inspector.fields["pool size"].widget.disabled                      # size fixed by its params
    assert ed.inspector.fields["n"].set(10)                                      # its own parameter n
    assert ed.network.pools["population_encoder"].n == 10


def test_connections_into_encoders_and_out_of_decoders_are_refused():
    ed = pool_encoder_decoder()
    net = ed.network
    assert list(net.projections) == ["poisson_encoder->lif"]                  # encoder -> pool: a projection
    depth = len(ed.history)
    ed.connect_mode = True
    ed.on_node_tap("lif")
    ed.on_node_tap("poisson_encoder")
    assert "takes no connections" in ed.status and "d00000" in ed.status_line.value
    ed.on_node_tap("count_decoder")                                           # as a source: refused at once
    assert ed.connect_source is None and "sends nothing into the network" in ed.status
    with pytest.raises(EditorError, match="sends nothing"):
        ed.connect("count_decoder", "lif")
    with pytest.raises(EditorError, match="takes no connections"):
        ed.connect("count_decoder", "poisson_encoder")
    assert list(net.projections) == ["poisson_encoder->lif"] and len(ed.history) == depth


def test_decoder_pick_then_connect_extends_its_source():
    ed = GraphEditor()
    ed.palette_buttons["LIF"].click()
    ed.palette_buttons["LIF"].click()
    with pytest.raises(EditorError, match="reads a pool"):
        ed.add("CountDecoder")
    ed.palette_buttons["RateDecoder"].click()
    assert ed.pending is not None and "click the pool it reads" in ed.status
    ed.on_node_tap("lif")
    net = ed.network
    assert ed.pending is None and net.outputs["rate_decoder"].source.pools() == ("lif",)
    assert ed.selected == "rate_decoder" and "rate_decoder" in net.layout
    assert canvas_edge_ids(ed) == ["lif~>rate_decoder"]
    assert ed.canvas.nodes["rate_decoder"].classes.split()[0] == "decoder"
    edge = ed.connect("lif_2", "rate_decoder")
    assert edge == "lif_2~>rate_decoder" and net.outputs["rate_decoder"].n == 200
    assert canvas_edge_ids(ed) == ["lif_2~>rate_decoder", "lif~>rate_decoder"]
    with pytest.raises(EditorError, match="reads 'lif' already"):
        ed.connect("lif", "rate_decoder")
    ed.delete("lif~>rate_decoder")                                         # an edge: drops that pool
    assert net.outputs["rate_decoder"].source.pools() == ("lif_2",)
    with pytest.raises(EditorError, match="at least one pool"):
        ed.delete("lif_2~>rate_decoder")
    ed.undo()
    assert net.outputs["rate_decoder"].source.pools() == ("lif", "lif_2")


def test_palette_pick_needs_a_pool_and_can_be_cancelled():
    ed, a, _ = two_pools()
    ed.palette_buttons["CountDecoder"].click()
    ed.palette_buttons["CountDecoder"].click()
    assert ed.pending is None and "cancelled" in ed.status
    ed.palette_buttons["CountDecoder"].click()
    ed.on_node_tap(a)
    ed.palette_buttons["WinnerTakeAll"].click()
    ed.on_node_tap("count_decoder")
    assert ed.pending is not None and "needs a pool" in ed.status
    ed.connect_mode = True                                                  # connect mode ends a pick
    assert ed.pending is None and list(ed.network.outputs) == ["count_decoder"]


def test_current_encoder_targets_the_picked_pool_and_refuses_a_second():
    ed, a, b = two_pools()
    ed.palette_buttons["CurrentEncoder"].click()
    ed.on_node_tap(a)
    net = ed.network
    nd = net.inputs["current_encoder"]
    assert nd.pool == a and nd.n == 100 and "current_encoder" not in net.pools
    assert "current" in ed.canvas.nodes["current_encoder"].classes.split()
    assert canvas_edge_ids(ed) == [f"current_encoder~>{a}"]
    with pytest.raises(EditorError, match="one target pool"):
        ed.connect("current_encoder", b)
    with pytest.raises(EditorError, match="already"):
        ed.connect("current_encoder", a)
    with pytest.raises(EditorError, match="needs its target"):
        ed.delete(f"current_encoder~>{a}")
    ed.select("current_encoder")
    assert ed.inspector.fields["target"].set(b)                             # the inspector moves it
    assert net.inputs["current_encoder"].pool == b and canvas_edge_ids(ed) == [f"current_encoder~>{b}"]


def test_decoder_inspector_routing_and_parameters():
    ed = pool_encoder_decoder()
    net = ed.network
    ed.select("count_decoder")
    ins = ed.inspector
    assert ins.choosers["routing"].value == "all" and "groups" in ins.fields
    assert ins.fields["groups"].set(4) and net.outputs["count_decoder"].decoder.values["groups"] == 4
    assert not ins.fields["groups"].set(3)                                   # 3 does not divide 100
    ins.choosers["routing"].value = "subset"
    src = net.outputs["count_decoder"].source
    assert type(src).__name__ == "Subset" and net.outputs["count_decoder"].n == 8     # the largest k <= 10 in 4 groups
    assert ed.inspector.fields["routing.k"].set(20) and net.outputs["count_decoder"].n == 20
    assert ed.canvas.edges["lif~>count_decoder"].data["label"] == "Subset k=20"
    ed.connect("poisson_encoder", "count_decoder")                           # a Subset draws from both
    assert net.outputs["count_decoder"].source.pools() == ("lif", "poisson_encoder")
    assert type(net.outputs["count_decoder"].source).__name__ == "Subset"
    ed.select("count_decoder")
    ed.inspector.choosers["routing"].value = "all"
    assert net.outputs["count_decoder"].n == 200


def test_delete_pool_detaches_decoders_and_current_encoders_undoably():
    ed = pool_encoder_decoder()
    net = ed.network
    ed.add("CurrentEncoder", target="lif")
    ed.connect("poisson_encoder", "count_decoder")
    ed.delete("lif")
    assert list(net.pools) == ["poisson_encoder"] and list(net.inputs) == ["poisson_encoder"]
    assert net.outputs["count_decoder"].source.pools() == ("poisson_encoder",)
    assert canvas_node_ids(ed) == ["count_decoder", "poisson_encoder"]
    assert canvas_edge_ids(ed) == ["poisson_encoder~>count_decoder"]
    ed.delete("poisson_encoder")                                             # the decoder has nothing left
    assert net.pools == {} and net.inputs == {} and net.outputs == {} and canvas_node_ids(ed) == []
    ed.undo()
    ed.undo()
    assert list(net.inputs) == ["poisson_encoder", "current_encoder"] and net.inputs["current_encoder"].pool == "lif"
    assert net.outputs["count_decoder"].source.pools() == ("lif", "poisson_encoder")
    assert list(net.projections) == ["poisson_encoder->lif"]
    assert canvas_edge_ids(ed) == ["current_encoder~>lif", "lif~>count_decoder", "poisson_encoder->lif",
                                   "poisson_encoder~>count_decoder"]


def test_rename_encoder_and_decoder_follow_everywhere():
    ed = pool_encoder_decoder()
    net = ed.network
    ed.select("poisson_encoder")
    ed.inspector.fields["name"].set("obs")
    assert list(net.inputs) == ["obs"] and "obs" in net.pools and list(net.projections) == ["obs->lif"]
    assert ed.selected == "obs" and "obs" in net.layout
    ed.rename("count_decoder", "counts")
    ed.rename("lif", "hidden")
    assert net.outputs["counts"].source.pools() == ("hidden",)
    assert canvas_node_ids(ed) == ["counts", "hidden", "obs"]
    assert canvas_edge_ids(ed) == ["hidden~>counts", "obs->hidden"]
    ed.select("counts")
    assert not ed.inspector.fields["name"].set("hidden")                     # a pool's name
    assert list(net.outputs) == ["counts"] and "taken" in ed.status


def test_code_add_input_and_output_appear_on_the_canvas_and_undo():
    net = sl.Network()
    net.add_pool("exc", sl.LIF(), 40)
    ed = GraphEditor(net)
    net.add_input("obs", sl.interfaces.PopulationEncoder(n=8))
    net.add_input("drive", sl.interfaces.CurrentEncoder(gain=3.0), target="exc")
    net.add_output("wta", sl.interfaces.WinnerTakeAll(groups=4), source="exc")
    assert canvas_node_ids(ed) == ["drive", "exc", "obs", "wta"]
    assert canvas_edge_ids(ed) == ["drive~>exc", "exc~>wta"]
    assert all(n in net.layout for n in ("obs", "drive", "wta"))
    assert ed.status == "network changed from code (add_output)"
    net.update_output("wta", decoder=sl.interfaces.WinnerTakeAll(groups=8))
    assert ed.canvas.nodes["wta"].data["label"] == "wta\nWinnerTakeAll (40)"
    ed.undo()
    assert net.outputs["wta"].decoder.values["groups"] == 4
    ed.undo()
    ed.undo()
    assert list(net.inputs) == ["obs"] and net.outputs == {} and canvas_node_ids(ed) == ["exc", "obs"]


def test_undo_redo_of_every_io_edit():
    ed = GraphEditor()
    states = []

    def keep():
        net = ed.network
        states.append((list(net.pools), list(net.projections), dict(net.inputs), dict(net.outputs),
                       dict(net.layout)))
    keep()
    ed.add("LIF")
    keep()
    ed.add("PoissonEncoder", n=20)
    keep()
    ed.connect("poisson_encoder", "lif")
    keep()
    ed.add("CountDecoder", source="lif")
    keep()
    ed.connect("poisson_encoder", "count_decoder")
    keep()
    ed.update_input("poisson_encoder", n=40)
    keep()
    ed.update_output("count_decoder", decoder=sl.interfaces.CountDecoder(groups=2))
    keep()
    ed.rename("poisson_encoder", "obs")
    keep()
    ed.move("count_decoder", 400, 300)
    keep()
    ed.delete("lif")
    keep()
    final = states[-1]
    for want in reversed(states[:-1]):
        assert ed.undo()
        states.pop()
        keep()
        assert states[-1] == want
        states.pop()
    while ed.redo():
        pass
    keep()
    assert states[-1] == final


def test_validation_marks_nodes_whose_pool_code_removed():
    ed = pool_encoder_decoder()
    ed.network.remove_pool("lif")                 # Network.remove_pool keeps the decoder (build reports it)
    assert [i.element for i in ed.issues] == ["count_decoder"]
    assert "invalid" in ed.canvas.nodes["count_decoder"].classes and "no longer" in ed.issues_box.value
    ed.delete("count_decoder")
    assert ed.issues == []


def test_build_runs_with_encoder_and_decoder_nodes():
    ed = GraphEditor(sl.Network(dt=0.1, seed=2))
    ed.add("PoissonEncoder", name="obs", n=50, gain=400.0)
    ed.add("LIF", name="out", n=20)
    ed.connect("obs", "out", weight=20.0)
    ed.add("CountDecoder", name="counts", source="out", groups=2)
    res = ed.build().run(300, inputs={"obs": 1.0})
    assert res.outputs["counts"].shape == (2,) and res.outputs["counts"].sum() > 0


def test_io_nodes_save_load_with_layout_and_export_python(tmp_path):
    ed = pool_encoder_decoder()
    ed.add("CurrentEncoder", target="lif", name="drive")
    ed.move("count_decoder", 321.0, 99.0)
    ed.move("drive", 11.0, 22.0)
    path = ed.save(tmp_path / "io.json")
    other = GraphEditor()
    other.load(path)
    net = other.network
    assert list(net.inputs) == ["poisson_encoder", "drive"] and list(net.outputs) == ["count_decoder"]
    assert net.layout["count_decoder"] == (321.0, 99.0) and net.layout["drive"] == (11.0, 22.0)
    assert canvas_edge_ids(other) == ["drive~>lif", "lif~>count_decoder", "poisson_encoder->lif"]
    code = other.export_python()
    assert "add_input('poisson_encoder'" in code and "add_output('count_decoder'" in code
    ns: dict = {}
    exec(compile(code, "<export>", "exec"), ns)  # noqa: S102 - the exported code must run
    rebuilt = ns["build_network"]()
    assert list(rebuilt.inputs) == ["poisson_encoder", "drive"] and rebuilt.layout == net.layout
    other.undo()
    assert net.inputs == {} and net.outputs == {} and canvas_node_ids(other) == []


def test_load_undo_and_redo_emit_change_events(tmp_path):
    ed, a, b = two_pools()
    ed.connect(a, b, weight=0.5)
    path = ed.save(tmp_path / "m.json")
    other = GraphEditor()
    events = []
    other.network.observe(events.append)
    other.load(path)
    assert [e["op"] for e in events] == ["replace"]                 # loading is one event
    other.undo()
    assert len(events) > 1 and other.network.pools == {}            # undo goes through public edits
    n = len(events)
    other.redo()
    assert len(events) > n and list(other.network.pools) == [a, b]
    other.network.update_pool(a, g_inh=2.0)                          # code edits: one undo step
    assert other.undo() and other.network.pools[a].g_inh == 1.0


# ----------------------------------------------------------------------------- canvas behaviour
def _classes(widget):
    out = set(getattr(widget, "_dom_classes", ()))
    for child in getattr(widget, "children", ()):
        out |= _classes(child)
    return out


def test_canvas_wheel_scrolls_the_page_and_fits_its_view():
    ed = GraphEditor()
    cy = ed.canvas.widget
    assert cy.user_zooming_enabled is False                 # the wheel is not cytoscape's
    assert "wheel_sensitivity" not in cy.keys               # any value given makes cytoscape warn
    assert cy.cytoscape_layout["name"] == "preset" and cy.cytoscape_layout["fit"] is True
    sent = []
    cy.send = lambda content, buffers=None: sent.append(content)
    ed.buttons["fit"].click()
    assert sent == [{"name": "layout"}]                     # the browser runs the (fitting) preset layout


def test_the_browser_script_is_loaded_and_finds_every_button_it_presses():
    import re

    from spark_lab.notebook.editor import _canvas
    ed = GraphEditor()
    outputs = [w for w in ed.widget.children if isinstance(w, type(_canvas.script_output()))]
    assert len(outputs) == 1 and outputs[0].layout.display == "none"
    data = outputs[0].outputs[0]["data"]
    assert data["application/javascript"] == _canvas.load_script()
    script = _canvas.load_script()
    pressed = set(re.findall(r"sl-ed-[a-z-]+", script))
    assert {"sl-ed-delete", "sl-ed-undo", "sl-ed-redo", "sl-ed-zoom-in", "sl-ed-zoom-out", "sl-ed-copy",
            "sl-ed-insert", "sl-ed-code"} <= pressed
    assert pressed <= _classes(ed.widget)
    assert "console.log" not in script


def test_code_built_network_is_laid_out_in_columns_by_signal_flow():
    from spark_lab.interfaces import PoissonEncoder, RateDecoder
    net = sl.Network()
    net.add_pool("ext", sl.PoissonSource(), 50)
    net.add_input("stim", PoissonEncoder(), n=20)
    for name in ("exc", "inh", "out"):
        net.add_pool(name, sl.LIF(), 30)
    net.connect("ext", "exc")
    net.connect("stim", "exc")
    net.connect("exc", "exc")
    net.connect("exc", "inh")
    net.connect("inh", "exc")
    net.connect("exc", "out")
    net.add_output("rate", RateDecoder(), source="out")
    GraphEditor(net)
    pos = net.layout
    assert pos["ext"][0] == pos["stim"][0] < pos["exc"][0] < pos["inh"][0] == pos["out"][0] < pos["rate"][0]
    assert len({y for _x, y in pos.values()}) > 1 and len({x for x, _y in pos.values()}) == 4
    pts = list(pos.values())
    assert min((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 for i, a in enumerate(pts) for b in pts[i + 1:]) >= 110 ** 2


def test_new_edges_are_highlighted_until_the_next_structural_edit_and_the_selection_too():
    ed, a, b = two_pools()
    ed.connect(a, b)
    assert "fresh" in ed.canvas.edges[f"{a}->{b}"].classes.split()
    assert "focus" in ed.canvas.edges[f"{a}->{b}"].classes.split()          # selected after connect
    ed.select(a)
    assert "fresh" in ed.canvas.edges[f"{a}->{b}"].classes.split()
    assert "focus" not in ed.canvas.edges[f"{a}->{b}"].classes.split()
    ed.connect(b, a)
    assert "fresh" not in ed.canvas.edges[f"{a}->{b}"].classes.split()
    assert "fresh" in ed.canvas.edges[f"{b}->{a}"].classes.split()
    ed.open_example("balanced_ei")
    assert not any("fresh" in e.classes.split() for e in ed.canvas.edges.values())   # a whole new graph


def test_undo_and_redo_say_what_each_step_was():
    ed, a, b = two_pools()
    ed.update_pool(a, model=ed.network.pools[a].model.replace(tau_m=12.0))
    assert ed.status == f"{a}.tau_m 20 -> 12"
    ed.update_pool(a, model=ed.network.pools[a].model.replace(tau_m=10.0))
    assert ed.history.labels[-2:] == [f"{a}.tau_m 20 -> 12", f"{a}.tau_m 12 -> 10"]
    assert ed.buttons["undo"].tooltip == f"undo {a}.tau_m 12 -> 10"
    ed.undo()
    assert ed.status == f"undid {a}.tau_m 12 -> 10"
    assert ed.network.pools[a].model.values["tau_m"] == 12.0
    assert ed.buttons["redo"].tooltip == f"redo {a}.tau_m 12 -> 10"
    ed.redo()
    assert ed.status == f"redid {a}.tau_m 12 -> 10"
    ed.connect(a, b)
    ed.undo()
    assert ed.status == f"undid connected {a} -> {b}"
    ed.network.update_pool(b, g_inh=3.0)
    assert ed.status == f"network changed from code ({b}.g_inh 1 -> 3)"
    ed.undo()
    assert ed.status == f"undid {b}.g_inh 1 -> 3" and ed.network.pools[b].g_inh == 1.0


def test_only_elements_that_come_or_go_change_the_graph_lists():
    ed, a, b = two_pools()
    ed.connect(a, b)
    n = ed.canvas.list_changes
    ed.select(a)
    ed.move(a, 300, 300)
    ed.update_pool(a, model=ed.network.pools[a].model.replace(tau_m=15.0))
    ed.show_activity({a: 5.0})
    assert ed.canvas.list_changes == n                   # no relayout in the browser for these
    ed.palette_buttons["LIF"].click()
    assert ed.canvas.list_changes == n + 1               # nodes and edges in one message
    ed.open_example("balanced_ei")
    assert ed.canvas.list_changes <= n + 3               # the old graph goes, the new one comes


def test_removed_elements_are_closed_one_removal_later_not_at_once():
    ed, a, b = two_pools()
    ed.connect(a, b)
    edge = ed.canvas.edges[f"{a}->{b}"]
    ed.delete(f"{a}->{b}")
    assert edge.comm is not None                          # the browser still reports its removal
    ed.delete(b)
    assert edge.comm is None                              # closed at the next removal
    node = ed.canvas.widget.graph.nodes[0]
    ed.close()
    assert node.comm is None and ed.canvas.widget.comm is None


def test_show_activity_labels_and_colours_nodes_and_clears():
    import threading
    ed, a, b = two_pools()
    t = threading.Thread(target=ed.show_activity, args=({a: 12.34, "nope": 3.0},))
    t.start()
    t.join()
    node = ed.canvas.nodes[a]
    assert node.data["rate"] == 12.3 and node.data["label"].endswith("\n12.3 Hz")
    assert "active" in node.classes.split() and "active" not in ed.canvas.nodes[b].classes.split()
    ed.update_pool(a, model=ed.network.pools[a].model.replace(tau_m=15.0))
    assert ed.canvas.nodes[a].data["rate"] == 12.3        # a refresh keeps what is shown
    ed.show_activity(None)
    assert "rate" not in node.data and "active" not in node.classes.split()
    assert node.data["label"] == f"{a}\nLIF × 100"
    ed.open_example("balanced_ei")
    ed.show_activity({"exc": 9.0})
    ed.open_example("balanced_ei")                        # another network: its rates are not known
    assert "active" not in ed.canvas.nodes["exc"].classes.split() and ed.canvas.activity == {}


def test_activity_monitor_rates_are_spikes_per_neuron_per_second_and_throttled():
    from spark_lab._monitor import Frame
    from spark_lab.notebook.editor._activity import ActivityMonitor
    shown = []
    mon = ActivityMonitor(shown.append, window_ms=20.0, max_fps=4.0)

    def frame(t, spikes_a):
        counts = {"a": np.r_[np.full(spikes_a, 1), np.zeros(10 - spikes_a, int)], "b": np.zeros(5, int)}
        return Frame(t, 100, 0.1, counts, {}, {}, {}, 0.0)
    for k in range(20):                                   # 20 chunks of 10 ms, at once
        mon.step(frame(100 * k, 4))
    assert len(shown) == 1                                # the throttle held the rest back
    mon.flush()
    assert len(shown) == 2
    # the last 20 ms: 2 chunks, 4 spikes each, 10 neurons -> 8 / 10 / 0.02 s = 40 Hz
    assert shown[-1] == pytest.approx({"a": 40.0, "b": 0.0})
    mon.close()
    assert shown[-1] is None


def test_lab_shows_the_running_network_rates_on_the_editor():
    from spark_lab.notebook import Lab
    from spark_lab.notebook.editor._activity import ActivityMonitor
    net = sl.Network(dt=0.5, seed=1)
    net.add_pool("ext", sl.PoissonSource(rate=50.0), 200)
    net.add_pool("exc", sl.LIF(), 20)
    net.connect("ext", "exc")
    lab = Lab(net, chunk=20, analysis=False)
    try:
        assert any(isinstance(m, ActivityMonitor) for m in lab.session.monitors)
        lab.session.step(400)
        node = lab.editor.canvas.nodes["ext"]
        assert "active" in node.classes.split()
        assert 30.0 < node.data["rate"] < 70.0                 # a 50 Hz Poisson source, 200 neurons, 100 ms
    finally:
        lab.close()
    assert "active" not in lab.editor.canvas.nodes["ext"].classes.split()


def test_export_pane_follows_every_edit_and_has_copy_and_insert():
    from spark_lab import model
    ed, a, b = two_pools()
    assert not ed.code_pane.visible
    code = ed.export_python()
    assert ed.code_pane.visible and ed.code.value == code
    ed.connect(a, b)
    assert ed.code.value == model.to_python(ed.network) and f"net.connect('{a}', '{b}'" in ed.code.value
    ed.network.update_pool(a, g_inh=2.0)                  # a change from code
    assert "g_inh=2.0" in ed.code.value
    ed.undo()
    assert ed.code.value == model.to_python(ed.network)
    ed.code_pane.copy_button.click()
    assert ed.code_pane.copies == 1 and "copied" in ed.status
    ed.code_pane.insert_button.click()
    assert ed.code_pane.inserts == 1 and "new cell" in ed.status
    ed.code_pane.hide_button.click()
    ed.palette_buttons["LIF"].click()
    assert not ed.code_pane.visible and "lif_3" not in ed.code.value


def test_a_free_spot_keeps_a_gap_to_nodes_placed_off_the_grid():
    from spark_lab.notebook.editor import _palette
    layout = {"exc": (260.0, 110.0), "inh": (260.0, 310.0), "ext": (80.0, 210.0), "stim": (80.0, 60.0)}
    x, y = _palette.free_spot(layout)
    assert all(abs(x - px) >= 150 or abs(y - py) >= 95 for px, py in layout.values()), (x, y)


def test_a_node_moved_from_code_refits_the_view_a_drag_does_not():
    ed, a, b = two_pools()
    sent = []
    ed.canvas.widget.send = lambda content, buffers=None: sent.append(content)
    ed.on_node_moved(a, 412.34, 250.0)                    # a drag in the browser
    assert ed.network.layout[a] == (412.3, 250.0) and sent == []
    ed.move(b, 900.0, 40.0)                               # from code: the node may be out of view
    assert sent == [{"name": "layout"}]
    ed.undo()                                             # moves b back: fits again
    assert len(sent) == 2


def test_undo_keeps_initial_values_and_pool_slices():
    net = sl.Network(dt=0.1, seed=1)
    net.add_pool("exc", sl.LIF(), n=10, init={"v": sl.initializers.Normal(-60.0, 2.0)})
    net.add_pool("inh", sl.LIF(), n=5)
    net.connect(net.pools["exc"][:4], "inh", synapse=sl.Exponential(tau=5.0), init={"I": 0.5})
    ed = GraphEditor(net)
    ed.delete("inh")                      # takes the sliced projection with it
    ed.update_pool("exc", g_inh=2.0)
    assert ed.undo() and ed.undo()
    back = ed.network
    assert back.pools["exc"].init == {"v": sl.initializers.Normal(-60.0, 2.0)}
    (pr,) = back.projections.values()
    assert pr.pre_range == (0, 4) and pr.post == "inh" and pr.init == {"I": 0.5}
    assert back.structure_signature() == net.structure_signature()
