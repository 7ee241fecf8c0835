"""Initial values of state variables in the network description (``add_pool(..., init=)``,
``connect(..., init=)``): drawn at build, honoured by reset, stored in the model file,
checked with errors that name the pool or projection and the variable."""
from __future__ import annotations

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import NetworkError, ParameterError, model
from spark_lab.equations import NeuronEquations, SynapseEquations

N = 4000


def _silent_source(net, name="src", n=10):
    """A pool that never spikes: the receptors it drives only decay."""
    net.add_pool(name, sl.PoissonSource(rate=0.0), n)


def _state(sim):
    return sim.state


def test_normal_v0_drawn_at_build_and_again_at_reset():
    net = sl.Network(seed=11)
    net.add_pool("e", sl.LIF(), N, init={"v": sl.Normal(-60.0, 5.0)})
    sim = net.build()
    v0 = _state(sim)["pools"]["e"]["v"].astype(np.float64)
    # moments of N(-60, 5) from N draws: standard errors 5/sqrt(N) and 5/sqrt(2N)
    assert abs(v0.mean() + 60.0) < 4 * 5.0 / np.sqrt(N)
    assert abs(v0.std() - 5.0) < 4 * 5.0 / np.sqrt(2 * N)
    sim.run(50)
    assert not np.array_equal(_state(sim)["pools"]["e"]["v"], v0)
    sim.reset()
    np.testing.assert_array_equal(_state(sim)["pools"]["e"]["v"], v0)


def test_init_replaces_the_models_own_range_and_keeps_the_other_variables():
    lif = sl.LIF(v_init_low=-70.0, v_init_high=-55.0)
    net = sl.Network(seed=2)
    net.add_pool("z", sl.Izhikevich(v_init=-70.0), 5, init={"u": "-14 mV/ms"})
    net.add_pool("l", lif, 5, init={"v": -58.0})
    st = net.build().state["pools"]
    np.testing.assert_array_equal(st["l"]["v"], np.full(5, -58.0, np.float32))
    np.testing.assert_array_equal(st["z"]["u"], np.full(5, -14.0, np.float32))
    np.testing.assert_array_equal(st["z"]["v"], np.full(5, -70.0, np.float32))   # the model's own


def test_an_init_changes_no_other_draw_of_the_network():
    def build(init):
        net = sl.Network(seed=5)
        net.add_pool("a", sl.LIF(v_init_low=-70.0, v_init_high=-50.0), 50)
        net.add_pool("b", sl.LIF(), 50, init=init)
        return net.build().state["pools"]
    plain, given = build(None), build({"v": sl.Uniform(-65.0, -55.0)})
    np.testing.assert_array_equal(plain["a"]["v"], given["a"]["v"])
    assert given["b"]["v"].min() >= -65.0 and given["b"]["v"].max() < -55.0


def test_conductance_g0_decays_exactly_from_the_given_values():
    tau, dt, steps = 5.0, 0.1, 30
    net = sl.Network(dt=dt, seed=1)
    _silent_source(net)
    net.add_pool("post", sl.LIF(), 200)
    net.connect("src", "post", sl.Conductance(tau=tau, E_rev=0.0), init={"g": sl.Uniform(0.0, 0.1)})
    sim = net.build()
    g0 = sim.state["receptors"][0]["g"].astype(np.float64)
    assert g0.min() >= 0.0 and g0.max() < 0.1 and g0.std() > 0.01
    sim.run(steps)
    np.testing.assert_allclose(sim.state["receptors"][0]["g"], g0 * np.exp(-steps * dt / tau), rtol=1e-5)
    sim.reset()
    np.testing.assert_array_equal(sim.state["receptors"][0]["g"], g0.astype(np.float32))


def test_exponential_current_with_a_unit_drives_the_neuron():
    """I(0) = 2 mV (given as "0.002 V") into a LIF at rest: v(t) = v_rest + I0 tau_s/(tau_s - tau_m)
    (e^{-t/tau_s} - e^{-t/tau_m}) (LIF integrates the exponential term exactly)."""
    tau_s, tau_m, dt, steps = 5.0, 20.0, 0.1, 40
    net = sl.Network(dt=dt)
    _silent_source(net)
    net.add_pool("post", sl.LIF(tau_m=tau_m), 3)
    net.connect("src", "post", sl.Exponential(tau=tau_s), init={"I": "0.002 V"})
    sim = net.build()
    np.testing.assert_array_equal(sim.state["receptors"][0]["I"], np.full(3, 2.0, np.float32))
    sim.run(steps)
    t = steps * dt
    want = -65.0 + 2.0 * tau_s / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))
    np.testing.assert_allclose(sim.state["pools"]["post"]["v"], want, atol=2e-4)


def test_projections_sharing_a_receptor_share_its_initial_value():
    syn = sl.Exponential()
    net = sl.Network()
    _silent_source(net, "a")
    _silent_source(net, "b")
    net.add_pool("post", sl.LIF(), 3)
    net.connect("a", "post", syn, init={"I": 1.0})
    net.connect("b", "post", syn)                                    # inherits the receptor's value
    net.connect("b", "post", syn, init={"I": 1.0}, name="again")      # the same value: fine
    with pytest.raises(ParameterError, match="share one receptor") as e:
        net.connect("b", "post", syn, init={"I": 2.0}, name="clash")
    assert e.value.field == "init['I']" and "clash" in e.value.component
    assert "clash" not in net.projections
    np.testing.assert_array_equal(net.build().state["receptors"][0]["I"], np.ones(3, np.float32))


def test_equation_models_take_initial_values_with_units():
    neuron = NeuronEquations("dv/dt = (v_rest - v) / tau : mV", threshold="v > v_th", reset="v = v_rest",
                             params={"tau": "10 ms", "v_rest": "-65 mV", "v_th": "-50 mV"}, init={"v": "v_rest"})
    alpha = SynapseEquations("dg/dt = (x - g) / tau : 1\ndx/dt = -x / tau : 1", current="g * (0*mV - v)",
                             on_spike="x += w", params={"tau": "2 ms"}, unit="mV", weight_unit="1")
    net = sl.Network(seed=4)
    _silent_source(net)
    net.add_pool("q", neuron, 100, init={"v": sl.Normal(-0.06 * 1000, 1.0)})
    net.add_pool("r", neuron, 2, init={"v": "-0.055 V"})
    net.connect("src", "r", alpha, init={"x": 0.5})
    st = net.build().state
    assert abs(st["pools"]["q"]["v"].mean() + 60.0) < 0.5
    np.testing.assert_allclose(st["pools"]["r"]["v"], -55.0, rtol=1e-6)
    np.testing.assert_array_equal(st["receptors"][0]["x"], np.full(2, 0.5, np.float32))
    np.testing.assert_array_equal(st["receptors"][0]["g"], np.zeros(2, np.float32))


@pytest.mark.parametrize("init, field, text", [
    ({"vv": -60.0}, "init['vv']", "did you mean 'v'"),
    ({"v": "5 ms"}, "init['v']", "has unit ms"),
    ({"v": "-60 mVolt"}, "init['v']", "unknown unit"),
    ({"v": True}, "init['v']", "give a number"),
    ({"v": float("nan")}, "init['v']", "finite"),
    ([("v", 1.0)], "init", "give a dict"),
], ids=["name", "dimension", "unit-name", "bool", "nan", "not-a-dict"])
def test_bad_pool_init_names_pool_and_variable(init, field, text):
    net = sl.Network()
    with pytest.raises(ParameterError, match=text) as e:
        net.add_pool("exc", sl.LIF(), 3, init=init)
    assert e.value.component == "pool 'exc'" and e.value.field == field
    assert "exc" not in net.pools                                    # nothing half-applied


def test_a_unit_where_the_model_declares_none_is_refused():
    net = sl.Network()
    with pytest.raises(ParameterError, match="unit is not declared") as e:
        net.add_pool("a", sl.ALIF(), 3, init={"a": "1 mV"})
    assert e.value.field == "init['a']"
    net.add_pool("a", sl.ALIF(), 3, init={"a": 1.0})                 # a number in the model's unit


def test_bad_projection_init_names_projection_and_variable():
    net = sl.Network()
    _silent_source(net)
    net.add_pool("post", sl.LIF(), 3)
    with pytest.raises(ParameterError, match="Conductance has no state variable 'I'") as e:
        net.connect("src", "post", sl.Conductance(), init={"I": 1.0}, name="in")
    assert e.value.component == "projection 'in'"
    with pytest.raises(ParameterError, match="has unit mV") as e:
        net.connect("src", "post", sl.Conductance(), init={"g": "1 mV"}, name="in")
    assert not net.projections


def test_model_file_round_trip_and_python_export():
    net = sl.Network(seed=9)
    _silent_source(net)
    net.add_pool("e", sl.LIF(), 20, init={"v": sl.Normal(-60.0, 5.0, clip_high=-50.0)})
    net.connect("src", "e", sl.Conductance(E_rev=-80.0), init={"g": 0.05})
    text = model.dumps(net)
    back = model.loads(text)
    assert model.dumps(back) == text
    assert back.pools["e"].init == net.pools["e"].init
    scope: dict = {}
    exec(compile(model.to_python(net), "<export>", "exec"), scope)     # the generated script (trusted)
    again = scope["build_network"]()
    for built in (back, again):
        np.testing.assert_array_equal(built.build().state["pools"]["e"]["v"], net.build().state["pools"]["e"]["v"])
        np.testing.assert_array_equal(built.build().state["receptors"][0]["g"], np.full(20, 0.05, np.float32))


def test_files_without_init_keep_their_bytes():
    net = sl.Network()
    net.add_pool("e", sl.LIF(), 2)
    assert '"init"' not in model.dumps(net)


def test_model_file_init_errors_point_at_the_variable():
    net = sl.Network()
    net.add_pool("e", sl.LIF(), 2, init={"v": -60.0})
    bad = model.dumps(net).replace('"v": -60.0', '"w": -60.0')
    with pytest.raises(sl.ModelError) as e:
        model.loads(bad)
    assert e.value.issues[0].path == "/pools/0/init/w"
    bad = model.dumps(net).replace('"v": -60.0', '"v": [1, 2]')
    with pytest.raises(sl.ModelError) as e:
        model.loads(bad)
    assert e.value.issues[0].path == "/pools/0/init/v"


def test_updates_keep_and_replace_initial_values():
    net = sl.Network()
    _silent_source(net)
    net.add_pool("e", sl.Izhikevich(), 3, init={"v": -70.0, "u": -14.0})
    net.connect("src", "e", sl.Exponential(), name="p", init={"I": 1.0})
    sig = net.structure_signature()
    net.update_pool("e", n=4)
    assert net.pools["e"].init == {"v": -70.0, "u": -14.0}
    net.update_pool("e", model=sl.LIF())                              # LIF has no u: dropped
    assert net.pools["e"].init == {"v": -70.0}
    net.update_pool("e", init={"v": sl.Uniform(-70.0, -60.0)})
    assert isinstance(net.pools["e"].init["v"], sl.Uniform)
    net.update_projection("p", init={"I": 2.0})
    assert net.projections["p"].init == {"I": 2.0}
    assert net.structure_signature() != sig
    with pytest.raises(ParameterError):
        net.update_pool("e", init={"u": 1.0})
    assert isinstance(net.pools["e"].init["v"], sl.Uniform)           # unchanged by the refusal
    with pytest.raises(NetworkError):
        net.update_projection("p", inits={"I": 2.0})


def test_structure_signature_sees_the_initial_values():
    def sig(init):
        net = sl.Network()
        net.add_pool("e", sl.LIF(), 2, init=init)
        return net.structure_signature()
    assert sig({"v": -60.0}) != sig({"v": -61.0}) != sig(None)
