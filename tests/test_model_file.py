"""The model file: round trips (text, spikes, generated scripts), examples, registry, and
the issues that validation reports (every one, with path, component, field and hint)."""
from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import model, registry
from spark_lab.errors import ModelError, ModelIssue, RegistryError
from spark_lab.neurons import LIF

sys.path.insert(0, os.path.dirname(__file__))
from _model_nets import rich_network  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run_counts(net, steps=300):
    res = net.build().run(steps)
    return res.counts, res.records


def assert_same_run(a, b):
    (ca, ra), (cb, rb) = a, b
    assert ca.keys() == cb.keys() and ra.keys() == rb.keys()
    for k in ca:
        np.testing.assert_array_equal(ca[k], cb[k])
    for k in ra:
        np.testing.assert_array_equal(ra[k], rb[k])


# ---------------------------------------------------------------- round trips
def test_rich_network_round_trip_text_and_spikes(tmp_path):
    net = rich_network()
    path = tmp_path / "rich.json"
    model.save(net, path)
    text = path.read_text()
    back = model.load(path)
    assert model.dumps(back) == text                             # lossless: same canonical text
    assert back.pools["exc"].model == net.pools["exc"].model     # values, initializers and arrays
    assert back.projections["gen->exc"].synapse is back.projections["drive->exc"].synapse   # sharing kept
    assert back.layout == net.layout and back.records == net.records
    a = run_counts(net)
    assert sum(c.sum() for c in a[0].values()) > 0
    assert_same_run(a, run_counts(back))


def test_document_is_plain_json_with_the_documented_keys():
    doc = model.to_dict(rich_network())
    assert json.loads(json.dumps(doc)) == doc
    assert list(doc) == ["format", "dt", "seed", "dtype", "pools", "projections", "interfaces", "record", "layout"]
    assert doc["format"] == model.FORMAT == "spark_lab.model/1"
    exc = doc["pools"][2]
    assert exc["excitatory"] == 0.75 and exc["params"]["tau_m"] == {"initializer": "uniform",
                                                                      "params": {"low": 15.0, "high": 25.0}}
    assert isinstance(doc["pools"][3]["excitatory"], list)
    assert doc["projections"][1]["synapse"] == {"shared_with": "drive->exc"}
    assert doc["pools"][4]["data"] == {"times": [[2.0, 3.0], [], [5.5]]}
    assert doc["projections"][2]["plasticity"][0]["options"] == {"bounds": "soft", "interaction": "all"}
    assert doc["interfaces"] == {"inputs": [], "outputs": []}


@pytest.mark.parametrize("name", sorted(model.examples()))
def test_examples_are_canonical_and_load(name):
    path = model.examples()[name]
    with open(path, "rb") as f:
        raw = f.read()
    assert model.validate(raw) == []
    net = model.load(name)
    assert model.dumps(net).encode() == raw                      # save(load(f)) is byte-identical
    assert model.load(path).pools.keys() == net.pools.keys()


def test_examples_are_what_the_maker_script_makes():
    ns = runpy.run_path(str(ROOT / "tools" / "make_examples.py"))
    texts = ns["texts"]()
    assert sorted(texts) == sorted(model.examples())
    for name, text in texts.items():
        assert Path(model.examples()[name]).read_text() == text, f"rerun tools/make_examples.py ({name})"
    assert {"balanced_ei", "benchmark_7pool", "stdp", "three_factor", "synfire_chain"} <= set(texts)


def test_balanced_example_is_the_demo_network():
    from spark_lab.cli import demo_network
    a = demo_network(seed=42).build().run(200).counts
    b = model.load("balanced_ei").build().run(200).counts
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_examples_have_the_advertised_contents():
    bench = model.load("benchmark_7pool")
    assert [p for p in bench.pools] == [f"p{i}" for i in range(7)] + ["input"]
    assert all(p.n == 1024 and p.excitatory.sum() == 820 for nm, p in bench.pools.items() if nm != "input")
    assert len(bench.projections) == 50
    assert len({id(pr.synapse) for pr in bench.projections.values()}) == 7
    assert any(type(r).__name__ == "STDP" for pr in model.load("stdp").projections.values() for r in pr.plasticity)
    tf = [r for pr in model.load("three_factor").projections.values() for r in pr.plasticity]
    assert tf and tf[0].modulator == "reward"


def test_to_python_script_rebuilds_the_same_spikes(tmp_path):
    net = rich_network()
    script = tmp_path / "rebuild.py"
    script.write_text(model.to_python(net))
    out = tmp_path / "counts.npz"
    code = ("import runpy, sys, numpy as np\n"
            f"net = runpy.run_path({str(script)!r})['build_network']()\n"
            "res = net.build().run(300)\n"
            f"np.savez({str(out)!r}, **res.counts, **{{'rec:' + k: v for k, v in res.records.items()}})\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts, records = run_counts(net)
    with np.load(out) as got:
        for k, v in counts.items():
            np.testing.assert_array_equal(got[k], v)
        for k, v in records.items():
            np.testing.assert_array_equal(got["rec:" + k], v)
    # the script names only the public API and the components' own modules
    text = script.read_text()
    assert "eval(" not in text and "pickle" not in text
    assert "from spark_lab.synapses.exponential import Exponential" in text


# ---------------------------------------------------------------- registry
def test_registry_lists_every_builtin_kind():
    assert {"neuron", "synapse", "connectivity", "initializer", "plasticity"} <= set(registry.kinds())
    assert registry.get("neuron", "lif") is LIF
    assert registry.names("initializer") == ["constant", "lognormal", "normal", "uniform"]
    assert registry.components("synapse")["exponential"] is sl.Exponential
    assert "three_factor" in registry.names("plasticity")
    with pytest.raises(ModelError) as e:
        registry.get("neuron", "lfi")
    assert "did you mean 'lif'" in str(e.value) and e.value.issues[0].field == "component"


def test_user_component_registers_saves_and_loads(tmp_path):
    @registry.register
    class Leaky(LIF):
        """A LIF under its own name (a user's component)."""
        name = "test_leaky"

    try:
        net = sl.Network(dt=0.1, seed=1)
        net.add_pool("a", Leaky(tau_m=12.0), 4)
        path = tmp_path / "user.json"
        model.save(net, path)
        assert '"component": "test_leaky"' in path.read_text()
        back = model.load(path)
        assert type(back.pools["a"].model) is Leaky and back.pools["a"].model.values["tau_m"] == 12.0

        class Other(LIF):
            name = "test_leaky"
        with pytest.raises(RegistryError, match="taken"):
            registry.register(Other)
        with pytest.raises(RegistryError, match="taken"):
            class Impostor(LIF):                     # inherits name "lif"
                pass
            registry.register(Impostor)
    finally:
        registry._unregister("neuron", "test_leaky")
    with pytest.raises(ModelError, match="test_leaky"):
        model.load(path)                             # no longer registered: the file cannot name it


def test_unregistered_component_cannot_be_saved():
    class Unnamed(LIF):
        name = "never_registered"
    net = sl.Network()
    net.add_pool("a", Unnamed(), 2)
    with pytest.raises(ModelError, match="register"):
        model.to_dict(net)


# ---------------------------------------------------------------- issues
def base_doc():
    return model.to_dict(rich_network(n=6))


def set_in(doc, path, value):
    *head, last = path
    obj = doc
    for k in head:
        obj = obj[k]
    obj[last] = value
    return doc


def issues_of(doc):
    found = model.validate(doc)
    with pytest.raises(ModelError) as e:
        model.from_dict(doc)
    assert [str(i) for i in e.value.issues] == [str(i) for i in found]
    return found


def pool_idx(doc, name):
    return next(i for i, p in enumerate(doc["pools"]) if p["name"] == name)


CASES = [
    # (mutation, path, component substring, field, hint substring)
    (lambda d: set_in(d, ["pools", 2, "component"], "lfi"), "/pools/2/component", "pool 'exc'", "component",
     "did you mean 'lif'?"),
    (lambda d: set_in(d, ["pools", 2, "params", "t_ref"], -1.0), "/pools/2/params/t_ref", "pool 'exc' (lif)",
     "t_ref", ">= 0 ms"),
    (lambda d: set_in(d, ["pools", 2, "params", "tau_mm"], 3.0), "/pools/2/params/tau_mm", "pool 'exc' (lif)",
     "tau_mm", "did you mean 'tau_m'?"),
    (lambda d: set_in(d, ["pools", 2, "params", "v_th"], [1.0, 2.0]), "/pools/2/params/v_th", "pool 'exc'",
     "v_th", "list of 6 numbers"),
    (lambda d: set_in(d, ["pools", 2, "params", "tau_m"], {"initializer": "unifrom", "params": {}}),
     "/pools/2/params/tau_m/initializer", "pool 'exc' (lif): tau_m", "initializer", "did you mean 'uniform'?"),
    (lambda d: set_in(d, ["pools", 2, "params", "tau_m"],
                      {"initializer": "uniform", "params": {"low": -1.0, "high": 2.0}}),
     "/pools/2/params/tau_m", "pool 'exc' (lif)", "tau_m", "> 0 ms"),
    (lambda d: set_in(d, ["pool"], []), "/pool", "model", "pool", "did you mean 'pools'?"),
    (lambda d: d["pools"][0].pop("n") and d, "/pools/0", "pool 'drive'", "n", "give n"),
    (lambda d: set_in(d, ["pools", 0, "n"], 2.5), "/pools/0/n", "pool 'drive'", "n", "whole number"),
    (lambda d: set_in(d, ["pools", 2, "excitatory"], 1.5), "/pools/2/excitatory", "pool 'exc'", "excitatory",
     "between 0 and 1"),
    (lambda d: set_in(d, ["projections", 2, "plasticity", 0, "options", "bounds"], "sfot"),
     "/projections/2/plasticity/0/options/bounds", "plasticity rule 0 of projection 'plastic' (stdp)", "bounds",
     "did you mean 'soft'?"),
    (lambda d: set_in(d, ["projections", 0, "post"], "exd"), "/projections/0/post", "projection 'drive->exc'",
     "post", "did you mean 'exc'?"),
    (lambda d: set_in(d, ["projections", 0, "delay"], 0.25), "/projections/0/delay", "projection 'drive->exc'",
     "delay", "multiple of 0.1 ms"),
    (lambda d: set_in(d, ["projections", 0, "delay"], -1.0), "/projections/0/delay", "projection 'drive->exc'",
     "delay", ">= 0 ms"),
    (lambda d: set_in(d, ["projections", 2, "weight"], -1.0), "/projections/2/weight", "projection 'plastic'",
     "weight", "Dale"),
    (lambda d: set_in(d, ["projections", 1, "synapse"], {"shared_with": "drive->exx"}),
     "/projections/1/synapse/shared_with", "projection 'gen->exc'", "shared_with", "did you mean 'drive->exc'?"),
    (lambda d: set_in(d, ["projections", 1, "connectivity", "data", "post"], [1, 2, 99]),
     "/projections/1/connectivity", "projection 'gen->exc'", "", "pool 'gen' has 3 neurons"),
    (lambda d: set_in(d, ["projections", 1, "connectivity", "data", "pre"], ["a"]),
     "/projections/1/connectivity/data/pre", "connectivity of projection 'gen->exc' (from_list)", "pre",
     "list of numbers"),
    (lambda d: set_in(d, ["projections", 2, "plasticity", 0, "params", "w_min"], 5.0),
     "/projections/2/plasticity/0/params/w_min", "plasticity rule 0 of projection 'plastic' (stdp)", "w_min",
     "w_min < w_max"),
    (lambda d: set_in(d, ["projections", 2, "synapse", "params", "tau"], 1.0),
     "/projections/2/synapse/params/tau", "synapse of projection 'plastic' (biexponential)", "tau",
     "tau_rise, tau_decay"),
    (lambda d: set_in(d, ["record", 1, "var"], "w"), "/record/1/var", "record mix.w", "var", ""),
    (lambda d: set_in(d, ["record", 1, "neurons"], [0, 99]), "/record/1/neurons", "record mix.v", "neurons",
     "has 6 neurons"),
    (lambda d: set_in(d, ["layout", "exx"], [1.0, 2.0]), "/layout/exx", "layout", "exx", "did you mean 'exc'?"),
    (lambda d: set_in(d, ["layout", "exc"], [1.0]), "/layout/exc", "layout", "exc", "[x, y]"),
    (lambda d: set_in(d, ["format"], "spark_lab.model/9"), "/format", "model", "format", "spark_lab.model/1"),
    (lambda d: set_in(d, ["dt"], 0.0), "/dt", "model", "dt", "ms"),
    (lambda d: set_in(d, ["seed"], -1), "/seed", "model", "seed", "2**32"),
    (lambda d: set_in(d, ["pools", 1, "data", "indices"], [0, 1, 2, 7]), "/pools/1/data", "pool 'gen'", "indices",
     "3 neurons"),
    (lambda d: set_in(d, ["pools", 2, "options"], {"mode": "x"}), "/pools/2/options/mode", "pool 'exc' (lif)",
     "mode", "options of lif"),
    (lambda d: set_in(d, ["interfaces", "inputs"], [{"name": "obs", "component": "poisson_rate"}]),
     "/interfaces/inputs/0/component", "input 'obs'", "component", "encoder"),
    # a name of the other section: the hint says where it belongs
    (lambda d: set_in(d, ["projections", 2, "plasticity", 0, "params", "bounds"], "soft"),
     "/projections/2/plasticity/0/params/bounds", "plasticity rule 0 of projection 'plastic' (stdp)", "bounds",
     "'bounds' is an option: put it under options"),
    (lambda d: set_in(d, ["projections", 2, "plasticity", 0, "options", "w_min"], 0.0),
     "/projections/2/plasticity/0/options/w_min", "plasticity rule 0 of projection 'plastic' (stdp)", "w_min",
     "'w_min' is a parameter: put it under params"),
]


@pytest.mark.parametrize("mutate,path,component,field,hint", CASES)
def test_each_issue_has_path_component_field_and_hint(mutate, path, component, field, hint):
    found = issues_of(mutate(base_doc()))
    assert len(found) == 1, "\n".join(map(str, found))
    i = found[0]
    assert isinstance(i, ModelIssue)
    assert (i.path, i.field) == (path, field), str(i)
    assert component in i.component, str(i)
    assert hint in i.hint and i.hint, str(i)
    assert path in str(i) and i.problem in str(i)


def test_every_issue_of_a_document_is_reported():
    doc = base_doc()
    for mutate, *_ in CASES[:1] + CASES[6:7] + CASES[11:12] + CASES[13:14] + CASES[20:21] + CASES[22:23]:
        doc = mutate(doc)
    doc["pools"][0]["params"]["rate"] = -5.0
    found = issues_of(doc)
    paths = [i.path for i in found]
    assert paths == ["/pool", "/pools/0/params/rate", "/pools/2/component", "/projections/0/post",
                     "/projections/0/delay", "/record/1/var", "/layout/exx"], "\n".join(map(str, found))
    msg = str(pytest.raises(ModelError, model.from_dict, doc).value)
    assert msg.startswith(f"{len(found)} problems") and all(str(i) in msg for i in found)


def test_missing_parts_fall_back_to_defaults_but_unknown_fields_never_pass():
    doc = {"format": "spark_lab.model/1", "pools": [{"name": "a", "component": "lif", "n": 3}]}
    net = model.from_dict(doc)
    assert net.dt == 0.1 and net.pools["a"].model == LIF()
    doc["pools"][0]["colour"] = "red"
    assert [i.path for i in model.validate(doc)] == ["/pools/0/colour"]
    assert model.validate({"pools": []})[0].field == "format"


@pytest.mark.parametrize("text,problem", [
    ('{"format": "spark_lab.model/1", "dt": NaN}', "NaN"),
    ('{"format": "spark_lab.model/1", "dt": Infinity}', "Infinity"),
    ('{"format": "spark_lab.model/1", "format": "x"}', "twice"),
    ('{"format": "spark_lab.model/1", "pools": [', "not valid JSON"),
    ("[" * 100000, "nested"),
    (b"\xff\xfe", "UTF-8"),
    ('{"format": "spark_lab.model/1", "seed": 1' + "0" * 5000 + "}", "cannot read"),
    ('"just a string"', "a model document"),
])
def test_text_that_is_not_a_model(text, problem):
    with pytest.raises(ModelError) as e:
        model.loads(text)
    assert problem in str(e.value)
    assert model.validate(text)


def test_load_names_missing_files_and_suggests_examples(tmp_path):
    with pytest.raises(ModelError, match="did you mean 'stdp'"):
        model.load("stpd")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "spark_lab.model/1", "pools": [{"name": "a", "component": "lfi", "n": 1}]}')
    with pytest.raises(ModelError) as e:
        model.load(bad)
    assert e.value.source == str(bad) and str(bad) in str(e.value)


def test_top_level_exports():
    assert sl.load is model.load and sl.save is model.save and sl.ModelError is ModelError
    assert issubclass(ModelError, sl.SparkLabError)


def test_the_documented_example_is_a_valid_model():
    text = (ROOT / "docs" / "model-format.md").read_text()
    block = text.split("```json\n", 1)[1].split("```", 1)[0]
    net = model.loads(block)
    assert model.dumps(net) == block                 # the page shows canonical text
    assert net.pools["out"].model.values["v_th"][2] == -49.0


# ---------------------------------------------------------------- interfaces
def interfaces_network():
    net = sl.Network(dt=0.5, seed=3)
    net.add_pool("exc", LIF(tau_m=10.0), 30)
    net.add_input("obs", sl.PopulationEncoder(dims=2, n=8, low=-1.0, high=1.0, max_rate=200.0))
    net.add_input("drive", sl.CurrentEncoder(gain=5.0), target="exc")
    net.add_pool("inh", LIF(), 10)                          # an ordinary pool added after an input
    net.add_input("cue", sl.PoissonEncoder(gain=50.0), n=5)
    net.connect("obs", "exc", connectivity=sl.FixedProbability(p=0.5), weight=4.0)
    net.connect("cue", "inh", weight=3.0)
    net.connect("exc", "inh", weight=1.0)
    net.add_output("count", sl.CountDecoder(groups=2), ["exc", sl.Subset("inh", k=4, seed=1)])
    net.add_output("choice", sl.WinnerTakeAll(groups=2), "exc")
    net.set_position("obs", 1.0, 2.0)
    return net


def test_interfaces_round_trip_text_and_spikes(tmp_path):
    net = interfaces_network()
    doc = model.to_dict(net)
    assert [p["name"] for p in doc["pools"]] == ["exc", "inh"]      # input pools belong to their inputs
    assert [x["name"] for x in doc["interfaces"]["inputs"]] == ["obs", "drive", "cue"]
    assert doc["interfaces"]["inputs"][1]["target"] == "exc"
    model.save(net, tmp_path / "io.json")
    back = model.load(tmp_path / "io.json")
    assert model.dumps(back) == (tmp_path / "io.json").read_text()
    assert list(back.pools) == list(net.pools)                       # same simulation layout
    values = {"obs": [0.3, -0.5], "drive": 0.4, "cue": 0.8}
    ra, rb = net.build().run(400, inputs=values), back.build().run(400, inputs=values)
    assert ra.counts["exc"].sum() > 0
    for k in ra.counts:
        np.testing.assert_array_equal(ra.counts[k], rb.counts[k])
    for k in ra.outputs:
        np.testing.assert_array_equal(ra.outputs[k], rb.outputs[k])


def test_interface_errors_have_places():
    doc = model.to_dict(interfaces_network())
    doc["interfaces"]["outputs"][0]["source"][1]["params"]["k"] = 0.0
    doc["interfaces"]["inputs"][1]["target"] = "exd"
    doc["interfaces"]["inputs"][0]["component"] = "population_encodr"
    issues = model.validate(doc)
    paths = [i.path for i in issues]
    assert "/interfaces/inputs/1/target" in paths
    assert "/interfaces/outputs/0/source/1/params/k" in paths
    assert any("population_encoder" in i.hint for i in issues if i.path.startswith("/interfaces/inputs/0"))
