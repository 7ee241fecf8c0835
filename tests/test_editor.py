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

needs_model = pytest.mark.skipif(not _backend.HAS_MODEL, reason="needs spark_lab.model (model-file issue)")


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
    assert groups["Inputs"] == ["PoissonSource"]            # SpikeGenerator needs spike times
    assert "SpikeGenerator" not in GraphEditor().palette_buttons


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
    ed.connect(a, b); keep()
    ed.update_projection(f"{a}->{b}", weight=2.0); keep()
    ed.update_pool(a, model=sl.LIF(tau_m=7.0)); keep()
    ed.rename(b, "out"); keep()
    ed.move(a, 10, 10); keep()
    ed.delete("out"); keep()
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
@needs_model
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


@needs_model
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


def test_file_buttons_without_model_module_say_so():
    if _backend.HAS_MODEL:
        pytest.skip("spark_lab.model is installed")
    ed, _, _ = two_pools()
    ed.buttons["save"].click()
    assert "spark_lab.model" in ed.status
    with pytest.raises(EditorError, match="spark_lab.model"):
        ed.export_python()


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


@needs_model
def test_check_runs_the_model_file_validation():
    ed, a, b = two_pools()
    ed.connect(a, b, connectivity=sl.OneToOne())
    ed.update_pool(b, n=10)
    issues = ed.validate()
    assert [i.element for i in issues] == [f"{a}->{b}"]       # local and document issue merged into one
    ed.buttons["check"].click()
    assert ed.status.startswith("checked: 1 problem")
