"""Kernel guarantees: no recompilation on parameter changes, determinism, chunking and
recording invariance (checkpoints: test_checkpoint.py), dtype, record sampling, divergence handling."""
from __future__ import annotations

import logging
import os
import sys

import jax
import numpy as np
import pytest

import spark_lab as sl
from spark_lab import (
    LIF,
    AllToAll,
    DivergenceError,
    Exponential,
    Network,
    OneToOne,
    PoissonSource,
    Uniform,
)
from spark_lab.synapses.delta import Delta

sys.path.insert(0, os.path.dirname(__file__))
from _model_nets import make_net, spikes_of  # noqa: E402


# ---------------------------------------------------------------- compilation
def test_parameter_changes_never_recompile():
    sim = make_net().build()
    sim.run(20)
    cc = sim.compile_count
    assert cc >= 1
    fns = list(sim._compiled.values())
    sizes = [f._cache_size() for f in fns]
    n_syn = sim.synapses("rec")[0].size
    rng = np.random.default_rng(0)
    total = 0
    for i in range(100):
        which = i % 5
        if which == 0:
            sim.set_param("exc", "v_th", -50.0 + 0.01 * i)                    # scalar, pool
        elif which == 1:
            sim.set_param("exc", "tau_m", rng.uniform(10.0, 30.0, 60))        # per-neuron array
        elif which == 2:
            sim.set_param("ff", "tau", 3.0 + 0.02 * i)                        # synapse parameter
        elif which == 3:
            sim.set_param("rec", "weight", rng.uniform(0.0, 2.0, n_syn))      # per-synapse weights
        else:
            sim.set_param("ff", "weight", 2.0 + 0.01 * i)                     # scalar projection weight
            sim.set_param("exc", "g_inh", 1.0 + 0.01 * i)
        total += int(sim.run(20).counts["exc"].sum())
    assert sim.compile_count == cc
    assert [f._cache_size() for f in fns] == sizes == [1] * len(fns)
    assert len(sim._compiled) == len(fns)
    assert total > 0


def test_parameter_changes_log_no_compilation(caplog):
    sim = make_net().build()
    sim.run(10)
    with jax.log_compiles(True), caplog.at_level(logging.WARNING):
        caplog.clear()
        for i in range(10):
            sim.set_param("exc", "v_reset", -70.0 + i)
            sim.set_param("rec", "tau", 4.0 + i)
            sim.run(10)
    assert not [r for r in caplog.records if "Compiling" in r.getMessage() and "chunk" in r.getMessage()]


# ---------------------------------------------------------------- determinism
def test_same_seed_identical_different_seed_different():
    a = make_net(seed=1).build().run(500, record=["exc.spikes", "exc.v"])
    b = make_net(seed=1).build().run(500, record=["exc.spikes", "exc.v"])
    c = make_net(seed=2).build().run(500, record=["exc.spikes", "exc.v"])
    assert spikes_of(a).sum() > 50
    np.testing.assert_array_equal(spikes_of(a), spikes_of(b))
    np.testing.assert_array_equal(a.records["exc.v"], b.records["exc.v"])    # bit for bit
    assert not np.array_equal(spikes_of(a), spikes_of(c))


def test_reset_replays_the_same_run():
    sim = make_net(seed=4).build()
    a = sim.run(300, record=["exc.spikes"])
    sim.reset()
    b = sim.run(300, record=["exc.spikes"])
    assert sim.t == 300
    np.testing.assert_array_equal(spikes_of(a), spikes_of(b))


def test_recording_does_not_change_dynamics():
    r0 = make_net(seed=3).build().run(400, record=[])
    r1 = make_net(seed=3).build().run(400, record=["exc.spikes", "exc.v", "inp.spikes"])
    assert r0.records == {}
    assert r0.counts["exc"].sum() > 0
    for p in ("inp", "exc"):
        np.testing.assert_array_equal(r0.counts[p], r1.counts[p])
    np.testing.assert_array_equal(r1.counts["exc"], spikes_of(r1).sum(0))


@pytest.mark.parametrize("cut", [[1000], [500, 500], [300, 1, 699]])
def test_chunking_invariance(cut):
    ref = make_net(seed=5).build().run(1000, record=["exc.spikes", "inp.spikes", "exc.v"])
    sim = make_net(seed=5).build()
    parts = [sim.run(k, record=["exc.spikes", "inp.spikes", "exc.v"]) for k in cut]
    assert sim.t == 1000
    for key in ("exc.spikes", "inp.spikes", "exc.v"):
        got = np.concatenate([p.records[key] for p in parts])
        np.testing.assert_array_equal(got, ref.records[key], err_msg=key)
    assert spikes_of(ref).sum() > 50


def test_chunk_argument_invariance():
    """chunk=250 over 600 steps (250, 250, 100) with a per-step input current to exc."""
    drive = np.random.default_rng(0).uniform(0.0, 20.0, (600, 60))
    ref = make_net(seed=6).build().run(600, record=["exc.spikes"], inputs={"exc": drive})
    got = make_net(seed=6).build().run(600, record=["exc.spikes"], chunk=250, inputs={"exc": drive})
    assert spikes_of(ref).sum() > 50
    np.testing.assert_array_equal(spikes_of(got), spikes_of(ref))
    np.testing.assert_array_equal(got.times["exc.spikes"], np.arange(600))


# ---------------------------------------------------------------- dtype, records
def test_default_dtype_float32():
    sim = make_net().build()
    sim.run(5)
    st = sim.state
    assert st["pools"]["exc"]["v"].dtype == np.float32
    assert all(a.dtype == np.float32 for r in st["receptors"] for a in r.values())
    res = sim.run(5, record=["exc.v"])
    assert res.records["exc.v"].dtype == np.float32


@pytest.mark.parametrize("every", [1, 3, 7])
def test_record_every_n_steps_sample_times(every):
    full = make_net(seed=8).build().run(100, record=["exc.v"])
    sim = make_net(seed=8).build()
    from spark_lab import RecordSpec
    spec = RecordSpec("exc", "v", every=every, neurons=(0, 5, 59))
    r1 = sim.run(50, record=[spec])
    r2 = sim.run(50, record=[spec])
    times = np.concatenate([r1.times["exc.v"], r2.times["exc.v"]])
    np.testing.assert_array_equal(times, np.arange(0, 100, every))   # global step index multiples of every
    vals = np.concatenate([r1.records["exc.v"], r2.records["exc.v"]])
    np.testing.assert_array_equal(vals, full.records["exc.v"][times][:, [0, 5, 59]])


@pytest.mark.parametrize("neurons", [(4, 5, 6, 7), (7, 3, 5), (0,)], ids=["range", "scattered", "one"])
def test_record_neuron_subsets_match_full_record(neurons):
    """A contiguous range of neurons is recorded by a slice, others by a gather: same values."""
    full = make_net(seed=8).build().run(60, record=["exc.v", "exc.spikes"])
    from spark_lab import RecordSpec
    res = make_net(seed=8).build().run(60, record=[RecordSpec("exc", "v", neurons=neurons),
                                                   RecordSpec("exc", "spikes", neurons=neurons)])
    for var in ("v", "spikes"):
        np.testing.assert_array_equal(res.records[f"exc.{var}"], full.records[f"exc.{var}"][:, list(neurons)])


# ---------------------------------------------------------------- divergence
def diverging_net():
    """A synaptic current that overflows float32: Poisson firing every step (p = 1) onto an
    exponential synapse of weight 3e38: I = 3e38 after the first spike, 3e38 (1 + a) = inf after
    the second; the LIF (t_ref = 0, so v is not clamped) then gets inf - inf = NaN in v."""
    net = Network(dt=0.1, seed=0)
    net.add_pool("src", PoissonSource(rate=1e4), 2)
    net.add_pool("cell", LIF(t_ref=0.0), 2)
    net.connect("src", "cell", synapse=Exponential(tau=5.0), connectivity=OneToOne(), weight=3e38, name="big")
    return net


def test_divergence_raises_and_keeps_state():
    sim = diverging_net().build()
    sim.set_param("src", "rate", 0.0)
    sim.run(50)                                                    # silent source: fine
    before = sim.state
    sim.set_param("src", "rate", 1e4)
    with pytest.raises(DivergenceError) as e:
        sim.run(20)
    err = e.value
    msg = str(err)
    assert ("cell", "v", 0) in err.problems, err.problems
    assert any(v == "I" and "big" in p for p, v, _ in err.problems), err.problems
    assert "cell.v" in msg and "big" in msg
    assert err.t_start == 50 and err.steps == 20
    # the state from before the chunk is kept
    assert sim.t == 50
    after = sim.state
    np.testing.assert_array_equal(after["pools"]["cell"]["v"], before["pools"]["cell"]["v"])
    np.testing.assert_array_equal(after["receptors"][0]["I"], before["receptors"][0]["I"])
    assert np.all(np.isfinite(after["pools"]["cell"]["v"]))
    # fix the parameter and continue
    sim.set_param("big", "weight", 1.0)
    res = sim.run(20, record=["cell.v"])
    assert sim.t == 70 and np.all(np.isfinite(res.records["cell.v"]))
    assert res.records["cell.v"][-1, 0] > -65.0


def test_divergence_check_can_be_disabled():
    sim = diverging_net().build()
    sim.run(5, check_finite=False)
    assert sim.t == 5
    assert np.all(np.isnan(sim.state["pools"]["cell"]["v"]))
    assert np.all(np.isinf(sim.state["receptors"][0]["I"]))


@pytest.mark.parametrize("batch", [4, 128])
def test_no_spike_dropped_when_more_spikes_than_batch(batch):
    """40 sources fire every step onto 3 integrators (tau_m = 1e9 ms, Delta synapses): v must
    grow by exactly the summed weight per step, whether the spikes fit in one batch or not
    (spike_batch=4 needs 10 batches); the per-synapse projection arrives 2 steps later."""
    net = Network(dt=0.1, spike_batch=batch)
    net.add_pool("s", PoissonSource(rate=0.0), 40)
    net.add_pool("p", LIF(v_th=1e6, tau_m=1e9), 3)
    net.connect("s", "p", synapse=Delta(), connectivity=AllToAll(), weight=0.25, name="a")
    net.connect("s", "p", synapse=Delta(), connectivity=AllToAll(), weight=Uniform(0.0, 1.0), delay=0.2, name="b")
    sim = net.build()
    _, post, w = sim.synapses("b")
    wb = np.bincount(post, weights=w, minlength=3)
    res = sim.run(6, inputs={"s": np.full(40, 2e4)}, record=["p.v"])
    dv = res.records["p.v"].astype(np.float64) + 65.0
    expected = np.stack([np.zeros(3)] + [10.0 * k + wb * max(0, k - 2) for k in range(1, 6)])
    np.testing.assert_allclose(dv, expected, rtol=1e-5, atol=1e-5)


# simulator behaviour found missing in review (was tests/test_simulator_extra.py): seeded set_param
# draws, float64 runs, initial-value parameters, divergence in transit, record thinning, Dale dynamics
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
