"""Silent wrong results (issue 13): the refractory schedule against Brian2, float64
honoured or refused, Poisson rates above 1/dt refused.

The Brian2 reference is tests/data/brian2_refractory.json, written by
bench/brian2_refractory_reference.py with Brian2 2.9.0 (numpy target, numpy 2.2.6,
Python 3.11); the file records the versions. Brian2 is not needed here.

Record alignment: Brian2's StateMonitor records v at the start of step k (time k dt);
spark_lab's record of step k is the state after step k, i.e. Brian2's sample k + 1.
"""
from __future__ import annotations

import json
import pathlib

import jax
import numpy as np
import pytest

import spark_lab as sl
from spark_lab.errors import ParameterError
from spark_lab.neurons.spike_generator import SpikeGenerator

REF = json.loads((pathlib.Path(__file__).parent / "data" / "brian2_refractory.json").read_text())
TIMES = REF["times"]
M = len(TIMES)
STEPS = int(round(REF["t_end"] / REF["dt"]))


def _spark(case):
    """The reference's network in spark_lab: neuron k gets a delta jump at TIMES[k], neuron
    M + k (LIF only) an exponential current at TIMES[k], the last neuron nothing. -> (v (n, steps), spikes)."""
    net = sl.Network(dt=REF["dt"])
    net.add_pool("src", SpikeGenerator(times=[[t] for t in TIMES]), M)
    if case["model"] == "lif":
        p = REF["lif"]
        model = sl.LIF(tau_m=p["tau_m"], v_rest=p["v_rest"], v_th=p["v_th"], v_reset=p["v_reset"],
                       t_ref=case["t_ref"], v_init_low=p["v0"], v_init_high=p["v0"])
        net.add_pool("p", model, 2 * M + 1)
        net.connect("src", "p", synapse=sl.Exponential(tau=p["tau_s"]), name="cur",
                    connectivity=sl.FromList(np.arange(M), M + np.arange(M)), weight=REF["w_exp"])
    else:
        p = {k: v for k, v in REF["adex"].items() if k != "v0"}
        v0 = REF["adex"]["v0"]
        net.add_pool("p", sl.AdEx(**p, t_ref=case["t_ref"], v_init_low=v0, v_init_high=v0), M + 1)
    net.connect("src", "p", synapse=sl.Delta(), connectivity=sl.FromList(np.arange(M), np.arange(M)),
                weight=REF["w_delta"], name="jump")
    res = net.build().run(STEPS, record=["p.v", "p.spikes"])
    return res.records["p.v"].T.astype(np.float64), res.records["p.spikes"].T


CASES = {f"{c['model']}-t_ref={c['t_ref']:g}": c for c in REF["cases"]}


@pytest.mark.parametrize("name", list(CASES))
def test_refractory_schedule_matches_brian2(name):
    case = CASES[name]
    b_v = np.asarray(case["v"])                       # (n, steps), sample k = start of step k
    v, spikes = _spark(case)
    # the same spikes: every neuron once, at t = 0
    steps_b = np.round(np.asarray(case["spike_t"]) / REF["dt"]).astype(int)
    assert sorted(zip(case["spike_i"], steps_b)) == sorted(zip(*np.nonzero(spikes)))
    # which jumps count: kept iff Brian2 keeps it (dropped when it arrives while refractory)
    b_gain = b_v[:M, -1] - b_v[-1, -1]                 # jump's trace above the control at the end
    s_gain = v[:M, -2] - v[-1, -2]                     # the same time in spark_lab's records
    kept_b, kept_s = b_gain > 1.0, s_gain > 1.0
    assert np.all((b_gain > 1.0) | (np.abs(b_gain) < 1e-9)) and np.all((s_gain > 1.0) | (np.abs(s_gain) < 1e-4))
    assert kept_s.tolist() == kept_b.tolist(), dict(zip(TIMES, zip(kept_s.tolist(), kept_b.tolist())))
    if case["model"] == "lif":
        # LIF: spark_lab adds a kept jump after the step's leak, Brian2 before it (module
        # docstring of neurons/lif.py): one factor a = exp(-dt/tau_m) less decay, exactly
        a = np.exp(-REF["dt"] / REF["lif"]["tau_m"])
        np.testing.assert_allclose(s_gain[kept_b], b_gain[kept_b] / a, rtol=2e-5)
        # exponential currents: v integrates nothing while refractory, the current decays
        # on; the whole trace equals Brian2's method="exact" (float32: ~1e-5 mV)
        np.testing.assert_allclose(v[M:, :-1], b_v[M:, 1:], rtol=0, atol=1e-4)


def test_jump_at_end_of_refractory_period_is_dropped_as_in_brian2():
    # issue 13: spike at t = 0, t_ref = 2 ms, a 5 mV jump arriving at 1.9 ms
    case = CASES["lif-t_ref=2"]
    k = TIMES.index(1.9)
    v, _ = _spark(case)
    at = int(round(2.5 / REF["dt"]))                   # v at 2.5 ms: spark_lab record at - 1
    b_v = np.asarray(case["v"])
    assert b_v[k, at] == pytest.approx(b_v[-1, at], abs=1e-9)       # Brian2: dropped
    assert v[k, at - 1] == pytest.approx(b_v[k, at], abs=1e-4)      # spark_lab: the same v
    assert v[k, at - 1] == v[-1, at - 1]


# ---------------------------------------------------------------- float64
def _double_net(dtype):
    net = sl.Network(dt=0.1, dtype=dtype)
    net.add_pool("p", sl.LIF(tau_m=1e6, v_rest=0.0, v_reset=0.0, v_th=1e9, v_init_low=1.0, v_init_high=1.0), 1)
    return net


def test_float64_without_x64_is_refused_at_build():
    assert not jax.config.jax_enable_x64
    net = _double_net("float64")
    with pytest.raises(ParameterError) as e:
        net.build()
    assert e.value.field == "dtype" and "jax_enable_x64" in str(e.value)
    assert net.dtype == "float64" and list(net.pools) == ["p"]        # the network is untouched
    net.configure(dtype="float32")
    assert net.build().fdtype == np.float32


def test_float64_with_x64_runs_in_double_precision():
    with jax.enable_x64(True):
        sim = _double_net("float64").build()
        v = sim.run(10, record=["p.v"]).records["p.v"][:, 0]
    assert sim.fdtype == np.float64 and v.dtype == np.float64
    # 1 decaying with tau_m = 1e6 ms: exp(-1e-7) per step, below float32's resolution at 1.0
    expected = np.exp(-0.1 / 1e6 * np.arange(1, 11))
    np.testing.assert_allclose(v, expected, rtol=1e-14, atol=0)
    assert np.all(v < 1.0)


# ---------------------------------------------------------------- Poisson rates
def _poisson_net(rate, dt=0.1, n=1):
    net = sl.Network(dt=dt)
    net.add_pool("src", sl.PoissonSource(rate=rate), n)
    return net


def test_poisson_rate_above_one_per_step_refused_at_build():
    with pytest.raises(ParameterError) as e:
        _poisson_net(20000.0).build()
    assert e.value.field == "rate"
    msg = str(e.value)
    assert "20000" in msg and "10000" in msg and "1/dt" in msg


def test_poisson_rate_above_one_per_step_refused_per_neuron_and_at_other_dt():
    with pytest.raises(ParameterError, match="neuron 2"):
        _poisson_net(np.array([10.0, 20.0, 4001.0, 5.0]), dt=0.25, n=4).build()
    _poisson_net(np.array([10.0, 4000.0]), dt=0.25, n=2).build()          # 1/dt exactly is fine


def test_poisson_rate_above_one_per_step_refused_by_set_param():
    sim = _poisson_net(50.0, n=3).build()
    for bad in (20000.0, np.array([1.0, 2.0, 10000.5]), sl.Uniform(9000.0, 30000.0)):
        with pytest.raises(ParameterError) as e:
            sim.set_param("src", "rate", bad)
        assert e.value.field == "rate" and "10000" in str(e.value)
        np.testing.assert_array_equal(sim.get_param("src", "rate"), 50.0)   # nothing applied
    sim.set_param("src", "rate", 10000.0)
    res = sim.run(50, record=["src.spikes"])
    assert res.records["src.spikes"].all()                  # 1/dt: a spike every step


def test_poisson_delivers_the_rate_below_the_limit():
    res = _poisson_net(5000.0, n=2000).build().run(500)
    assert res.rate("src") == pytest.approx(5000.0, rel=0.01)  # p = 0.5, 10^6 draws: sd 0.1 %
