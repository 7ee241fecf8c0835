"""Invalid input raises ParameterError / NetworkError (subclasses of SparkLabError) whose
message names the component and the field and says what is allowed; a failed
set_param changes nothing."""
from __future__ import annotations

import numpy as np
import pytest

from spark_lab import (
    ALIF,
    EIF,
    LIF,
    AdEx,
    AllToAll,
    Exponential,
    FixedProbability,
    Izhikevich,
    Network,
    NetworkError,
    Normal,
    ParameterError,
    PoissonSource,
    SparkLabError,
    Uniform,
)
from spark_lab.synapses.biexponential import BiExponential
from spark_lab.synapses.conductance import Conductance


def check(err, component, field, allowed):
    """The error names the component and field and says what is allowed."""
    assert isinstance(err, SparkLabError)
    msg = str(err)
    assert component in msg, msg
    assert field in msg, msg
    for a in ([allowed] if isinstance(allowed, str) else allowed):
        assert a in msg, msg
    if isinstance(err, ParameterError):
        assert err.field == field and component in err.component and err.hint


def small_sim():
    net = Network(dt=0.1, seed=0)
    net.add_pool("inp", PoissonSource(rate=500.0), 10)
    net.add_pool("exc", LIF(), 8, excitatory=True)
    net.connect("inp", "exc", synapse=Exponential(tau=5.0), connectivity=AllToAll(), weight=3.0, name="ff")
    net.connect("exc", "exc", synapse=Exponential(), connectivity=AllToAll(), weight=Uniform(0.1, 0.3), name="rec")
    return net.build()


# ---------------------------------------------------------------- construction
@pytest.mark.parametrize("make,component,field,allowed", [
    (lambda: LIF(tau_m=-1), "LIF", "tau_m", "> 0 ms"),
    (lambda: LIF(tau_m=0), "LIF", "tau_m", "> 0 ms"),
    (lambda: Exponential(tau=0), "Exponential", "tau", "> 0 ms"),
    (lambda: Exponential(tau=-2.0), "Exponential", "tau", "> 0 ms"),
    (lambda: BiExponential(tau_rise=0.0), "BiExponential", "tau_rise", "> 0 ms"),
    (lambda: BiExponential(tau_rise=3.0, tau_decay=2.0), "BiExponential", "tau_rise", "tau_rise < tau_decay"),
    (lambda: Conductance(tau=-1.0), "Conductance", "tau", "> 0 ms"),
    (lambda: LIF(v_th=float("nan")), "LIF", "v_th", "finite"),
    (lambda: LIF(t_ref=-0.5), "LIF", "t_ref", ">= 0 ms"),
    (lambda: PoissonSource(rate=-3.0), "PoissonSource", "rate", ">= 0 Hz"),
    (lambda: LIF(tau_m=np.array([10.0, -1.0])), "LIF", "tau_m", "index 1"),
    (lambda: LIF(tau_m=Uniform(-1.0, 5.0)), "LIF", "tau_m", "> 0 ms"),
    (lambda: LIF(tau_mem=10.0), "LIF", "tau_mem", ["did you mean 'tau_m'", "allowed"]),
    (lambda: Exponential(tua=1.0), "Exponential", "tua", "did you mean 'tau'"),
    (lambda: FixedProbability(p=1.5), "FixedProbability", "p", "<= 1"),
    (lambda: Network(dt=0), "Network", "dt", "> 0"),
    (lambda: Network(dt=-0.1), "Network", "dt", "> 0"),
    (lambda: Network(dt=float("nan")), "Network", "dt", "> 0"),
], ids=lambda x: x if isinstance(x, str) else None)
def test_bad_values_at_construction(make, component, field, allowed):
    with pytest.raises(ParameterError) as e:
        make()
    check(e.value, component, field, allowed)


def test_per_neuron_array_of_wrong_shape_at_build():
    net = Network(dt=0.1)
    net.add_pool("exc", LIF(v_th=np.full(5, -50.0)), 10)
    with pytest.raises(ParameterError) as e:
        net.build()
    check(e.value, "pool 'exc'", "v_th", ["(5,)", "(10,)"])


def test_projection_to_unknown_pool_suggests_name():
    net = Network(dt=0.1)
    net.add_pool("exc", LIF(), 10)
    net.add_pool("inh", LIF(), 5)
    with pytest.raises(NetworkError) as e:
        net.connect("exc", "inhh")
    msg = str(e.value)
    assert "'inhh'" in msg and "did you mean 'inh'" in msg and "exc" in msg


def test_delay_not_a_multiple_of_dt():
    net = Network(dt=0.1)
    net.add_pool("a", LIF(), 3)
    with pytest.raises(ParameterError) as e:
        net.connect("a", "a", delay=0.25, name="aa")
    check(e.value, "projection 'aa'", "delay", "multiple of 0.1 ms")
    with pytest.raises(ParameterError) as e:
        net.connect("a", "a", delay=-0.1, name="ab")
    check(e.value, "projection 'ab'", "delay", ">= 0")
    net.connect("a", "a", delay=0.3, name="ok")                # 3 steps (0.3/0.1 = 2.9999999999999996)


def test_negative_weight_from_dale_pool():
    net = Network(dt=0.1)
    net.add_pool("exc", LIF(), 10, excitatory=0.8)
    net.add_pool("b", LIF(), 4)
    with pytest.raises(ParameterError) as e:
        net.connect("exc", "b", weight=-1.0, name="p")
    check(e.value, "projection 'p'", "weight", [">= 0", "exc"])
    with pytest.raises(ParameterError) as e:
        net.connect("exc", "b", weight=Uniform(-1.0, 1.0), name="q")
    check(e.value, "projection 'q'", "weight", ">= 0")


def test_bad_network_arguments():
    net = Network(dt=0.1)
    net.add_pool("a", LIF(), 3)
    with pytest.raises(NetworkError, match="exists already"):
        net.add_pool("a", LIF(), 3)
    with pytest.raises(ParameterError) as e:
        net.add_pool("b", LIF(), 0)
    check(e.value, "pool 'b'", "n", ">= 1")
    with pytest.raises(NetworkError, match="neuron model"):
        net.add_pool("c", Exponential(), 3)
    with pytest.raises(NetworkError, match="synapse model"):
        net.connect("a", "a", synapse=LIF())


# ---------------------------------------------------------------- set_param
def test_set_param_errors_leave_old_value_and_sim_runs():
    sim = small_sim()
    sim.run(100)
    cc = sim.compile_count
    old_tau = sim.get_param("exc", "tau_m").copy()
    old_w = sim.get_param("rec", "weight").copy()
    old_syn = sim.get_param("ff", "tau").copy()
    cases = [
        (("exc", "tau_m", -5.0), ParameterError, ("LIF pool 'exc'", "tau_m", "> 0 ms")),
        (("exc", "tau_m", np.full(7, 10.0)), ParameterError, ("LIF pool 'exc'", "tau_m", ["(7,)", "(8,)"])),
        (("exc", "tau_m", float("nan")), ParameterError, ("LIF pool 'exc'", "tau_m", "finite")),
        (("exc", "tau_mm", 10.0), ParameterError, ("LIF pool 'exc'", "tau_mm", "did you mean 'tau_m'")),
        (("ff", "tau", 0.0), ParameterError, ("synapse of projection 'ff'", "tau", "> 0 ms")),
        (("ff", "tauu", 1.0), ParameterError, ("projection 'ff'", "tauu", "did you mean 'tau'")),
        (("rec", "weight", -0.5), ParameterError, ("projection 'rec'", "weight", ">= 0")),
        (("rec", "weight", np.ones(3)), ParameterError, ("projection 'rec'", "weight", "(3,)")),
        (("ff", "weight", np.ones(80)), ParameterError, ("projection 'ff'", "weight", "one weight")),
        (("exc", "g_inh", -1.0), ParameterError, ("pool 'exc'", "g_inh", ">= 0")),
    ]
    for (target, name, value), exc, (comp, field, allowed) in cases:
        with pytest.raises(exc) as e:
            sim.set_param(target, name, value)
        check(e.value, comp, field, allowed)
    with pytest.raises(NetworkError) as e:
        sim.set_param("exd", "tau_m", 10.0)
    assert "did you mean 'exc'" in str(e.value)
    # all-or-none: the valid first change of a failing batch is not applied
    with pytest.raises(ParameterError):
        sim.set_params({("exc", "v_th"): -40.0, ("exc", "tau_m"): -1.0})
    np.testing.assert_array_equal(sim.get_param("exc", "v_th"), np.full(8, -50.0))
    np.testing.assert_array_equal(sim.get_param("exc", "tau_m"), old_tau)
    np.testing.assert_array_equal(sim.get_param("rec", "weight"), old_w)
    np.testing.assert_array_equal(sim.get_param("ff", "tau"), old_syn)
    res = sim.run(100)
    assert sim.t == 200 and sim.compile_count == cc
    assert res.counts["exc"].sum() > 0


def test_failed_set_param_does_not_change_the_run():
    """A rejected change leaves the dynamics exactly as if it had never been tried."""
    a = small_sim()
    b = small_sim()
    with pytest.raises(ParameterError):
        b.set_param("exc", "tau_m", np.array([10.0] * 7 + [-1.0]))
    with pytest.raises(ParameterError):
        b.set_param("rec", "weight", np.full(a.synapses("rec")[0].size, np.nan))
    ra, rb = a.run(200, record=["exc.v"]), b.run(200, record=["exc.v"])
    np.testing.assert_array_equal(ra.records["exc.v"], rb.records["exc.v"])


def test_bad_run_arguments():
    sim = small_sim()
    for steps in (0, -5, 2.5, True):
        with pytest.raises(ParameterError) as e:
            sim.run(steps)
        assert e.value.field == "steps"
    with pytest.raises(NetworkError, match="did you mean 'exc'"):
        sim.run(5, inputs={"exx": 1.0})
    with pytest.raises(ParameterError) as e:
        sim.run(5, inputs={"exc": np.ones(3)})
    check(e.value, "input to pool 'exc'", "shape", "(8,)")
    with pytest.raises(ParameterError):
        sim.run(5, inputs={"exc": np.full(8, np.inf)})
    with pytest.raises(NetworkError, match="recordable"):
        sim.run(5, record=["exc.u"])
    assert sim.t == 0


@pytest.mark.parametrize("value", [[1.0, "x"], [1.0, None], ["1", "2"], [[1.0, 2.0]], [[1.0], [1.0, 2.0]],
                                   [True, False], [1 + 2j]])
def test_bad_array_parameter_names_component_and_field(value):
    with pytest.raises(ParameterError) as e:
        LIF(tau_m=value)
    assert e.value.component == "LIF" and e.value.field == "tau_m"


def test_bad_array_in_set_param_names_field():
    net = Network()
    net.add_pool("a", LIF(), 2)
    sim = net.build()
    for value in ([1.0, "x"], [[1.0, 2.0]], ["1", "2"]):
        with pytest.raises(ParameterError) as e:
            sim.set_param("a", "tau_m", value)
        assert e.value.field == "tau_m"


def test_record_empty_neuron_list_rejected():
    net = Network()
    net.add_pool("a", LIF(), 3)
    with pytest.raises(ParameterError) as e:
        net.record("a", "v", neurons=[])
    assert e.value.field == "neurons"
    with pytest.raises(ParameterError) as e:
        net.record("a", "v", neurons=[0.5])
    assert e.value.field == "neurons"


@pytest.mark.parametrize("make, field", [
    (lambda: LIF(v_reset=-50.0, v_th=-50.0), "v_reset"),
    (lambda: LIF(v_reset=np.array([-60.0, -40.0]), v_th=-50.0), "v_reset"),
    (lambda: LIF(v_reset=Uniform(-60.0, -49.0), v_th=-50.0), "v_reset"),
    (lambda: LIF(v_reset=-60.0, v_th=Uniform(-61.0, -50.0)), "v_reset"),
    (lambda: LIF(v_init_low=-50.0, v_init_high=-60.0), "v_init_low"),
    (lambda: ALIF(v_reset=-40.0), "v_reset"),
    (lambda: ALIF(v_init_low=-50.0, v_init_high=-60.0), "v_init_low"),
    (lambda: EIF(v_reset=-20.0), "v_reset"),
    (lambda: EIF(v_T=-25.0), "v_T"),
    (lambda: EIF(v_init_low=-50.0, v_init_high=-60.0), "v_init_low"),
    (lambda: AdEx(V_r=1.0), "V_r"),
    (lambda: AdEx(v_init_low=-50.0, v_init_high=-60.0), "v_init_low"),
    (lambda: Izhikevich(c=30.0), "c"),
])
def test_cross_field_validation_at_construction(make, field):
    with pytest.raises(ParameterError) as e:
        make()
    assert e.value.field == field


def test_cross_field_validation_accepts_valid_heterogeneous_values():
    LIF(v_reset=np.array([-70.0, -55.0]), v_th=np.array([-60.0, -50.0]))   # per neuron: fine
    LIF(v_reset=Uniform(-70.0, -60.0), v_th=Normal(-50.0, 1.0, clip_low=-55.0))
    LIF(v_init_low=-60.0, v_init_high=-60.0)
    EIF(v_T=-50.0, v_peak=-30.0, v_reset=-65.0)


def test_cross_field_validation_in_set_param():
    net = Network()
    net.add_pool("a", LIF(), 3)
    net.add_pool("z", Izhikevich(), 2)
    sim = net.build()
    with pytest.raises(ParameterError) as e:
        sim.set_param("a", "v_reset", -40.0)
    assert e.value.field == "v_reset"
    with pytest.raises(ParameterError):
        sim.set_param("a", "v_th", np.array([-50.0, -70.0, -50.0]))
    with pytest.raises(ParameterError):
        sim.set_param("z", "c", 40.0)
    sim.set_param("a", "v_reset", -55.0)
    assert np.all(sim.get_param("a", "v_reset") == -55.0)


def test_network_accepts_numpy_scalars():
    net = Network(dt=np.float32(0.1), seed=np.int64(3), spike_batch=np.int64(64))
    assert isinstance(net.dt, float) and abs(net.dt - 0.1) < 1e-7 and net.seed == 3 and net.spike_batch == 64
    Network(dt=np.float64(0.1), seed=np.uint8(2))
    net.add_pool("a", LIF(), 2)
    net.record("a", "v", every=np.int64(2))
    for kw in (dict(dt=True), dict(seed=True), dict(seed=np.bool_(True)), dict(dt=np.float32("nan")),
               dict(spike_batch=True)):
        with pytest.raises(ParameterError):
            Network(**kw)


def test_a_zero_dimensional_array_is_one_number_for_g_inh_and_weight():
    """np.asarray(3.0) is one number (checkpoints and numpy code pass these); a 0-d bool or
    complex array is still refused."""
    net = Network(dt=0.1, seed=1)
    net.add_pool("a", LIF(), n=10, excitatory=0.8)
    net.connect("a", "a", weight=0.5)
    sim = net.build()
    sim.set_param("a", "g_inh", np.asarray(3.0))
    sim.set_param("a->a", "weight", np.asarray(0.25))
    assert sim.get_param("a", "g_inh") == 3.0 and sim.get_param("a->a", "weight") == 0.25
    for bad in (np.asarray(True), np.asarray(1 + 1j)):
        with pytest.raises(ParameterError):
            sim.set_param("a", "g_inh", bad)
