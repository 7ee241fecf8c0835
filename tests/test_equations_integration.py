"""Equation models everywhere a built-in works: the model file (data round trip, issues
with JSON pointers, export to Python), Simulator.parameters, sliders, set_param without
recompiling, checkpoints, BatchedSimulator, the native CPU kernel, and the editor's
palette and inspector (Python level, no browser). References are the built-ins and
independent runs, never the equation models themselves."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import _native, model, registry
from spark_lab.batch import BatchedSimulator
from spark_lab.equations import NeuronEquations, SynapseEquations

ROOT = Path(__file__).resolve().parents[1]

QIF = dict(equations="dv/dt = (k*(v - v_rest)*(v - v_crit) + I) / tau : mV",
           threshold="v > v_peak", reset="v = v_reset", refractory="t_ref",
           params={"tau": "10 ms", "v_rest": "-65 mV", "v_crit": "-50 mV", "k": "0.04 /mV",
                   "v_peak": "30 mV", "v_reset": "-70 mV", "t_ref": {"value": "2 ms", "low": 0, "help": "dead time"}},
           init={"v": sl.Uniform(-70.0, -55.0)}, input_unit="mV")
ALPHA = dict(equations="dg/dt = (x - g) / tau : mV\ndx/dt = -x / tau : mV", current="g", on_spike="x += w",
             params={"tau": {"value": "3 ms", "low": 0, "low_open": True, "log": True}})


def eq_net(native=False, seed=4):
    """A network with an equation neuron (QIF), the equation LIF, an equation synapse (alpha)
    and the editor's exponential as equations, driven by a Poisson source."""
    net = sl.Network(dt=0.1, seed=seed, native=native)
    net.add_pool("q", NeuronEquations(**QIF, k=0.05), 60)
    net.add_pool("l", NeuronEquations.example(), 40, excitatory=True)
    net.add_pool("src", sl.PoissonSource(rate=50.0), 80)
    net.connect("src", "q", SynapseEquations(**ALPHA), sl.FixedInDegree(k=16), weight=4.0)
    net.connect("src", "l", SynapseEquations.example(), sl.FixedInDegree(k=12), weight=sl.Uniform(2.0, 4.0))
    net.connect("l", "q", SynapseEquations.example().replace(tau=8.0), sl.FixedInDegree(k=4),
                weight=1.0, delay=1.0)
    for p in ("q", "l"):
        net.record(p, "spikes")
        net.record(p, "v")
    return net


def spikes(sim, steps=1500, **kw):
    res = sim.run(steps, **kw)
    return {k: np.asarray(v) for k, v in res.records.items()}


def assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


# ---------------------------------------------------------------- the model file
def test_registered_and_file_round_trip_is_byte_identical(tmp_path):
    assert registry.get("neuron", "neuron_equations") is NeuronEquations
    assert registry.get("synapse", "synapse_equations") is SynapseEquations
    net = eq_net()
    path = tmp_path / "eq.json"
    model.save(net, path)
    text = path.read_text()
    doc = model.to_dict(net)
    assert doc["pools"][0]["data"]["equations"] == QIF["equations"]            # the equations, as data
    assert doc["pools"][0]["data"]["init"]["v"] == {"initializer": "uniform", "params": {"low": -70.0, "high": -55.0}}
    assert doc["pools"][0]["params"]["k"] == 0.05
    back = model.load(path)
    model.save(back, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == text                       # save(load(f)) == f
    assert model.dumps(model.loads(text)) == text
    assert back.pools["q"].model.data() == net.pools["q"].model.data()
    assert type(back.pools["q"].model) is type(net.pools["q"].model)
    assert_same(spikes(net.build()), spikes(back.build()))
    assert spikes(back.build())["q.spikes"].sum() > 20


def _issues(mutate):
    doc = model.to_dict(eq_net())
    mutate(doc)
    return model.validate(doc)


@pytest.mark.parametrize("mutate, path, words", [
    (lambda d: d["pools"][0]["data"].__setitem__("equations", "dv/dt = (v_rest - v + I) / tau_x : mV"),
     "/pools/0/data/equations", ["tau_x", "column 28"]),
    (lambda d: d["pools"][0]["data"].__setitem__("equations", "dv/dt = (v_rest - v + I) : mV"),
     "/pools/0/data/equations", ["mV/ms", "column"]),
    (lambda d: d["pools"][0]["data"]["params"].__setitem__("tau", "10 mV"),
     "/pools/0/data/equations", ["unit"]),
    (lambda d: d["pools"][0]["data"]["params"].__setitem__("tau", "ten ms"),
     "/pools/0/data/params/tau", ["ten"]),
    (lambda d: d["pools"][0]["data"].__setitem__("threshold", "v >"),
     "/pools/0/data/threshold", ["column"]),
    (lambda d: d["pools"][0]["data"]["init"].__setitem__("v", {"initializer": "uniformm", "params": {}}),
     "/pools/0/data/init/v/initializer", ["uniform"]),
    (lambda d: d["pools"][0]["data"].__setitem__("thresold", "v > 0*mV"),
     "/pools/0/data/thresold", ["threshold"]),
    (lambda d: d["pools"][0]["params"].__setitem__("tau_x", 3.0),
     "/pools/0/params/tau_x", ["tau"]),
    (lambda d: d["pools"][0]["params"].__setitem__("t_ref", -1.0),
     "/pools/0/params/t_ref", [">= 0"]),
    (lambda d: d["projections"][0]["synapse"]["data"].__setitem__("on_spike", "x = w"),
     "/projections/0/synapse/data/on_spike", ["x += w"]),
    (lambda d: d["projections"][0]["synapse"]["data"].__setitem__("params", ["tau"]),
     "/projections/0/synapse/data/params", ["dict"]),
])
def test_bad_equations_in_a_file_are_model_issues_with_pointers(mutate, path, words):
    issues = _issues(mutate)
    assert issues, "no issue reported"
    hit = [i for i in issues if i.path == path]
    assert hit, [str(i) for i in issues]
    text = str(hit[0])
    for w in words:
        assert w in text, text
    with pytest.raises(sl.ModelError):
        doc = model.to_dict(eq_net())
        mutate(doc)
        model.from_dict(doc)


def test_a_subclass_of_the_equation_class_is_not_named_by_its_registered_name():
    class Mine(NeuronEquations):
        pass
    assert registry.registered(type(NeuronEquations.example()))
    assert not registry.registered(Mine)


def test_to_python_script_rebuilds_the_same_spikes(tmp_path):
    net = eq_net()
    script = tmp_path / "rebuild.py"
    script.write_text(model.to_python(net))
    out = tmp_path / "rec.npz"
    code = ("import runpy, numpy as np\n"
            f"net = runpy.run_path({str(script)!r})['build_network']()\n"
            "res = net.build().run(1500)\n"
            f"np.savez({str(out)!r}, **res.records)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ref = spikes(net.build())
    with np.load(out) as got:
        assert_same(ref, {k: got[k] for k in got.files})
    text = script.read_text()
    assert "eval(" not in text and "Uniform(low=-70.0, high=-55.0)" in text


# ---------------------------------------------------------------- the simulator's parts
def test_parameters_set_param_without_recompiling_and_checkpoints(tmp_path):
    sim = eq_net().build()
    decls = sim.parameters()
    assert decls["q"]["k"].unit == "1/mV" and decls["q"]["t_ref"].help == "dead time"
    assert decls["l"]["tau_m"].log and decls["l"]["tau_m"].low == 0
    assert decls["src->q"]["tau"].unit == "ms" and "weight" in decls["src->q"]
    sim.run(500)
    count = sim.compile_count
    sim.set_param("q", "k", 0.08)
    sim.set_param("src->q", "tau", 5.0)
    with pytest.raises(sl.ParameterError, match="t_ref"):
        sim.set_param("q", "t_ref", -1.0)
    sim.run(500)
    assert sim.compile_count == count
    assert float(np.mean(sim.get_param("q", "k"))) == pytest.approx(0.08)
    path = tmp_path / "ck.npz"
    sim.save_checkpoint(path)
    cont = spikes(sim, 800)
    other = eq_net().build()
    other.load_checkpoint(path)
    assert other.t == 1000 and float(np.mean(other.get_param("src->q", "tau"))) == pytest.approx(5.0)
    assert_same(cont, spikes(other, 800))                              # continues bit-exactly


def test_set_param_changes_the_run_like_a_fresh_build():
    a = eq_net().build()
    a.set_param("q", "k", 0.02)
    ref_net = eq_net()
    ref_net.update_pool("q", model=ref_net.pools["q"].model.replace(k=0.02))
    assert_same(spikes(a), spikes(ref_net.build()))


def test_batched_simulator_equals_separate_runs():
    bs = BatchedSimulator([eq_net(seed=1), eq_net(seed=2)])
    res = bs.run(1000, chunk=500)
    for b, seed in enumerate((1, 2)):
        ref = spikes(eq_net(seed=seed).build(), 1000, chunk=500)
        got = {k: np.asarray(v) for k, v in res[b].records.items()}
        assert_same(ref, got)
    assert not np.array_equal(res[0].records["q.spikes"], res[1].records["q.spikes"])


def test_native_cpu_kernel_gives_the_same_spikes():
    if not _native.available():
        pytest.skip("native CPU kernel not built")
    a, b = eq_net(native=False).build(), eq_net(native=None).build()
    assert not a.native and b.native
    assert_same(spikes(a, 1000, chunk=250), spikes(b, 1000, chunk=250))


def test_live_lab_sliders_move_equation_parameters_live():
    from spark_lab.notebook import LiveLab
    lab = LiveLab(eq_net(), chunk=50, params=[("q", "k"), ("l", "tau_m"), ("src->q", "tau")], traces={},
                  analysis=False)
    try:
        s = lab.session
        s.step()
        before = s.sim.compile_count
        k = lab.sliders[("q", "k")].slider
        assert k.description == "q.k (1/mV)" and k.min < 0.05 < k.max
        k.value = 0.07
        lab.sliders[("l", "tau_m")].slider.value = 12.0
        s.step()
        assert float(np.mean(s.sim.get_param("q", "k"))) == pytest.approx(0.07)
        assert float(np.mean(s.sim.get_param("l", "tau_m"))) == pytest.approx(12.0)
        assert s.sim.compile_count == before
        assert lab.sliders[("src->q", "tau")].log                        # declared log=True in params
        assert lab.sliders[("src->q", "tau")].slider.description == "src->q.tau (ms)"
    finally:
        lab.close()


# ---------------------------------------------------------------- the editor (no browser)
QIF_TEXT = "dv/dt = (k*(v - v_rest)*(v - v_crit) + I) / tau_m : mV"
QIF_PARAMS = ("tau_m = 10 ms\nv_rest = -65 mV\nv_crit = -50 mV\nk = 0.04 /mV\nv_th = 30 mV\nv_reset = -70 mV\n"
              "t_ref = {\"value\": \"2 ms\", \"low\": 0}")


def _editor():
    pytest.importorskip("ipycytoscape")
    from spark_lab.notebook.editor import GraphEditor
    ed = GraphEditor()
    ed.palette_buttons["LIF"].click()
    ed.palette_buttons["from equations"].click()
    return ed, "lif", "neuron_equations"


def test_palette_from_equations_adds_a_lif_written_as_equations():
    from spark_lab.notebook.editor import _palette
    groups = {g: [e.label for e in es] for g, es in _palette.entries().items()}
    assert "from equations" in groups["Neuron pools"] and "from equations" not in groups["Inputs"]
    ed, lif, eq = _editor()
    m = ed.network.pools[eq].model
    assert isinstance(m, NeuronEquations) and m.data()["equations"] == "dv/dt = (v_rest - v + I) / tau_m : mV"
    form = ed.inspector.equation_forms["model"]
    assert form.texts["equations"].value == m.data()["equations"]
    assert form.texts["threshold"].value == "v > v_th" and form.texts["reset"].value == "v = v_reset"
    assert form.texts["refractory"].value == "t_ref"
    assert "tau_m = {" in form.texts["params"].value and "v_rest = " in form.texts["params"].value
    assert form.texts["init"].value == "v = v_rest"
    assert ed.inspector.choosers["model"].label == "from equations"
    assert "tau_m" in ed.inspector.fields                           # the values, as for a built-in
    # the equation LIF in the editor spikes like the built-in LIF next to it
    ed.network.update_pool(lif, model=sl.LIF(v_init_low=-65.0, v_init_high=-65.0))
    for p in (lif, eq):
        ed.network.record(p, "spikes")
    res = ed.network.build().run(2000, inputs={lif: np.full(100, 20.0), eq: np.full(100, 20.0)})
    assert res.records[f"{lif}.spikes"].sum() > 100
    np.testing.assert_array_equal(res.records[f"{lif}.spikes"], res.records[f"{eq}.spikes"])


@pytest.mark.parametrize("field, text, marked, words", [
    ("equations", "dv/dt = (v_rest - v + I) : mV", "equations", ["NeuronEquations: equations, line 1", "mV/ms"]),
    ("equations", "dv/dt = (v_rest - v + I / tau_m : mV", "equations", ["equations, line 1, column"]),
    ("threshold", "v > 3", "threshold", ["threshold", "unit"]),
    ("reset", "v_th = v_reset", "reset", ["reset", "parameter"]),
    ("params", "tau_m = 20 mV\nv_rest = -65 mV\nv_th = -50 mV\nv_reset = -65 mV\nt_ref = 2 ms", "equations",
     ["tau_m", "mV"]),
    ("params", "tau_m = 20 ms\nv_rest = -65 mV", "threshold", ["unknown name &#x27;v_th&#x27;"]),
    ("params", "tau_m 20 ms", "params", ["params, line 1", "name = value"]),
    ("init", "v = {\"initializer\": \"uniform\", \"params\": {\"low\": 1}}", "init", ["init, line 1"]),
])
def test_inspector_shows_parse_and_unit_errors_in_red_and_applies_nothing(field, text, marked, words):
    from spark_lab.notebook.editor._forms import is_invalid
    ed, _, eq = _editor()
    before = ed.network.pools[eq].model
    form = ed.inspector.equation_forms["model"]
    form.texts[field].value = text
    assert not form.apply_edit()
    msg = ed.inspector.message.value
    assert "#d00000" in msg, msg
    for w in words:
        assert w in msg, msg
    assert is_invalid(form.texts[marked])
    assert ed.network.pools[eq].model is before                    # nothing applied
    assert ed.inspector.equation_forms["model"] is form


def test_a_good_edit_updates_the_pool_keeps_unchanged_values_and_undoes():
    ed, _, eq = _editor()
    assert ed.inspector.fields["v_reset"].set(-70.0)                 # a value (not the declaration)
    form = ed.inspector.equation_forms["model"]
    form.texts["threshold"].value = "v > v_th + 1*mV"
    assert form.apply_edit()
    m = ed.network.pools[eq].model
    assert m.data()["threshold"] == "v > v_th + 1*mV" and m.values["v_reset"] == -70.0
    form = ed.inspector.equation_forms["model"]                      # rebuilt for the new model
    form.texts["equations"].value = QIF_TEXT
    form.texts["params"].value = QIF_PARAMS
    form.texts["threshold"].value = "v > v_th"
    assert form.apply_edit(), ed.inspector.message.value
    m = ed.network.pools[eq].model
    assert m.data()["equations"] == QIF_TEXT and m.values["k"] == pytest.approx(0.04)
    assert m.PARAMS["t_ref"].low == 0 and "k" in ed.inspector.fields
    assert ed.inspector.fields["k"].set(0.05) and ed.network.pools[eq].model.values["k"] == 0.05
    assert ed.undo() and ed.undo()
    assert ed.network.pools[eq].model.data()["threshold"] == "v > v_th + 1*mV"


def test_synapse_from_equations_in_the_projection_inspector():
    from spark_lab.notebook.editor._forms import is_invalid
    ed, lif, eq = _editor()
    name = ed.connect(lif, eq)
    ins = ed.inspector
    labels = [k for k, _ in ins.choosers["synapse"].options]
    assert "from equations" in labels
    ins.choosers["synapse"].value = dict(ins.choosers["synapse"].options)["from equations"]
    syn = ed.network.projections[name].synapse
    assert isinstance(syn, SynapseEquations) and syn.values["tau"] == 5.0       # Exponential's tau kept
    form = ins.equation_forms["synapse"]
    assert form.texts["on_spike"].value == "I += w" and form.texts["current"].value == "I"
    form.texts["on_spike"].value = "I = w"
    assert not form.apply_edit() and is_invalid(form.texts["on_spike"])
    assert "on_spike" in ins.message.value and ed.network.projections[name].synapse is syn
    form.texts["on_spike"].value = "I += 2*w"
    assert form.apply_edit()
    assert ed.network.projections[name].synapse.data()["on_spike"] == "I += 2*w"
    assert ins.fields["synapse.tau"].set(7.0)
    assert ed.network.projections[name].synapse.values["tau"] == 7.0
