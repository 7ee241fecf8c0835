"""Simulator behaviour found missing in review: seeded set_param draws, float64 runs,
initial-value parameters, divergence in transit, record thinning, Dale dynamics."""
import jax
import numpy as np
import pytest

import spark_lab as sl


def _drive_net(dtype="float32", weight=1.0, delay=0.0, n_pre=1, excitatory=None, g_inh=1.0,
               connectivity=None, synapse=None):
    """A source that spikes on chosen steps (SpikeGenerator) into passive LIF targets."""
    net = sl.Network(dt=0.1, seed=3, dtype=dtype)
    net.add_pool("src", sl.SpikeGenerator(times=[[1.0]] * n_pre), n_pre, excitatory=excitatory, g_inh=g_inh)
    net.add_pool("dst", sl.LIF(tau_m=1e6, v_rest=0.0, v_reset=0.0, v_th=1e9, v_init_low=0.0, v_init_high=0.0), 2)
    net.connect("src", "dst", synapse=synapse or sl.Delta(),
                connectivity=connectivity or sl.AllToAll(), weight=weight, delay=delay, name="p")
    net.record("dst", "v")
    return net


def test_set_param_with_initializer_is_seeded():
    vals = []
    for _ in range(2):
        net = sl.Network(dt=0.1, seed=7)
        net.add_pool("p", sl.LIF(), 50)
        sim = net.build()
        sim.set_param("p", "v_th", sl.Uniform(-52.0, -48.0))
        vals.append(sim.get_param("p", "v_th"))
    np.testing.assert_array_equal(vals[0], vals[1])
    assert len(np.unique(vals[0])) == 50 and vals[0].min() >= -52 and vals[0].max() < -48


def test_float64_network_keeps_double_precision():
    jax.config.update("jax_enable_x64", True)
    try:
        w = 1.0 + 1e-12
        sim = _drive_net(dtype="float64", weight=w).build()
        res = sim.run(20)
        v = res.records["dst.v"][-1]
        assert v.dtype == np.float64
        # v decays by exp(-dt/tau_m) per step after the jump; the 1e-12 must survive
        a = np.exp(-0.1 / 1e6)
        assert abs(v[0] - w * a ** (20 - 12)) < 1e-14
        assert v[0] != 1.0 * a ** (20 - 12)
    finally:
        jax.config.update("jax_enable_x64", False)


def test_initial_value_parameters_act_at_reset():
    net = sl.Network(dt=0.1, seed=1)
    net.add_pool("p", sl.LIF(v_init_low=-65.0, v_init_high=-65.0), 100)
    net.add_pool("z", sl.Izhikevich.preset("regular_spiking"), 3)
    sim = net.build()
    assert np.all(sim.state["pools"]["p"]["v"] == -65.0)
    sim.set_params({("p", "v_init_low"): -80.0, ("p", "v_init_high"): -70.0})
    sim.set_params({("z", "b"): 0.25, ("z", "v_init"): -70.0})
    sim.reset()
    v = sim.state["pools"]["p"]["v"]
    assert v.min() >= -80.0 and v.max() < -70.0 and len(np.unique(v)) > 90
    np.testing.assert_allclose(sim.state["pools"]["z"]["u"], 0.25 * -70.0)
    sim.reset()                                   # same seed: the same draw again
    np.testing.assert_array_equal(sim.state["pools"]["p"]["v"], v)


def test_divergence_of_spikes_in_transit_is_named():
    net = sl.Network(dt=0.1, seed=0)
    net.add_pool("src", sl.SpikeGenerator(times=[[0.0]]), 1)
    net.add_pool("dst", sl.LIF(), 1)
    syn = sl.Exponential()                  # one receptor: the two arrivals add up to inf
    net.connect("src", "dst", synapse=syn, connectivity=sl.AllToAll(), weight=3e38, delay=1.0, name="big")
    net.connect("src", "dst", synapse=syn, connectivity=sl.AllToAll(), weight=3e38, delay=1.0, name="big2")
    sim = net.build()
    with pytest.raises(sl.DivergenceError) as e:
        sim.run(5)
    assert e.value.problems and "big" in str(e.value) and "transit" in str(e.value)
    assert sim.t == 0


def test_changing_record_every_does_not_recompile():
    net = sl.Network(dt=0.1, seed=0)
    net.add_pool("p", sl.PoissonSource(rate=200.0), 10)
    sim = net.build()
    sim.run(20, record=[sl.RecordSpec("p", "spikes", every=1)])
    n = sim.compile_count
    r = sim.run(20, record=[sl.RecordSpec("p", "spikes", every=5)])
    assert sim.compile_count == n
    np.testing.assert_array_equal(r.times["p.spikes"], [20, 25, 30, 35])


def test_dale_signs_in_the_dynamics_per_synapse_and_at_run_time():
    # 4 sources, the last two inhibitory; per-synapse weights from an initializer
    conn = sl.FromList(pre=[0, 1, 2, 3], post=[0, 0, 1, 1])
    net = _drive_net(n_pre=4, excitatory=np.array([True, True, False, False]), g_inh=3.0,
                     connectivity=conn, weight=sl.Uniform(0.5, 0.5000001))
    sim = net.build()
    w = sim.synapses("p")[2]
    v = sim.run(15).records["dst.v"][-1]
    a = np.exp(-0.1 / 1e6) ** (15 - 12)
    np.testing.assert_allclose(v, [(w[0] + w[1]) * a, (w[2] + w[3]) * a], rtol=1e-6)
    assert v[0] > 0 > v[1] and np.isclose(v[1], -3.0 * v[0], rtol=1e-5)
    # run-time change of g_inh on a scalar-weight projection acts in the next run
    sim2 = _drive_net(n_pre=4, excitatory=np.array([True, True, False, False]), g_inh=1.0,
                      connectivity=conn, weight=0.5).build()
    sim2.set_param("src", "g_inh", 4.0)
    v2 = sim2.run(15).records["dst.v"][-1]
    np.testing.assert_allclose(v2, [1.0 * a, -4.0 * a], rtol=1e-6)
