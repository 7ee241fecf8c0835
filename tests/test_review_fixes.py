"""Regression tests for the fixes of a code review (one test per behaviour)."""
from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from spark_lab import (ALIF, EIF, LIF, AdEx, FixedProbability, FromList, FromMatrix, Izhikevich, LogNormal,
                       Network, Normal, Uniform)
from spark_lab.errors import NetworkError, ParameterError
from spark_lab.neurons.spike_generator import SpikeGenerator


# ---------------------------------------------------------------- 1. FixedProbability
def test_fixed_probability_count_and_row_counts_are_binomial():
    n, m, p = 400, 300, 0.05
    pre, post = FixedProbability(p=p).connect(n, m, np.random.default_rng(1), False)
    mean, sd = p * n * m, np.sqrt(n * m * p * (1 - p))
    assert abs(pre.size - mean) < 3 * sd
    assert pre.min() >= 0 and pre.max() < n and post.min() >= 0 and post.max() < m
    assert len(set(zip(pre.tolist(), post.tolist()))) == pre.size          # no multapses
    rows = np.bincount(pre, minlength=n)
    # per-row counts ~ Binomial(m, p): mean m p, variance m p (1 - p)
    assert abs(rows.mean() - m * p) < 3 * np.sqrt(m * p * (1 - p) / n)
    assert 0.7 < rows.var() / (m * p * (1 - p)) < 1.3


@pytest.mark.parametrize("p", [0.04, 0.3, 0.8])      # sparse and dense paths
def test_fixed_probability_every_pair_bernoulli_p_and_no_autapses(p):
    n, reps = 5, 3000
    freq = np.zeros((n, n))
    rng = np.random.default_rng(2)
    for _ in range(reps):
        pre, post = FixedProbability(p=p).connect(n, n, rng, True)
        assert np.all(pre != post)
        freq[pre, post] += 1
    freq /= reps
    off = ~np.eye(n, dtype=bool)
    assert np.all(np.diag(freq) == 0)
    assert np.all(np.abs(freq[off] - p) < 4 * np.sqrt(p * (1 - p) / reps)), freq


def test_fixed_probability_edge_probabilities():
    pre, post = FixedProbability(p=1.0).connect(6, 6, np.random.default_rng(0), True)
    assert pre.size == 30 and np.all(pre != post)
    pre, _ = FixedProbability(p=1.0, autapses=1).connect(6, 6, np.random.default_rng(0), True)
    assert pre.size == 36
    pre, _ = FixedProbability(p=0.0).connect(6, 6, np.random.default_rng(0), False)
    assert pre.size == 0
    pre, _ = FixedProbability(p=0.5).connect(1, 1, np.random.default_rng(0), True)
    assert pre.size == 0


def test_fixed_probability_large_sparse_is_fast_and_small():
    n, p = 20_000, 0.01
    tracemalloc.start()
    try:
        t0 = time.perf_counter()
        pre, post = FixedProbability(p=p).connect(n, n, np.random.default_rng(0), True)
        wall = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    mean, sd = p * n * (n - 1), np.sqrt(n * (n - 1) * p * (1 - p))
    assert abs(pre.size - mean) < 3 * sd
    assert not np.any(pre == post)
    assert peak < 500e6, f"peak {peak / 1e6:.0f} MB"
    assert wall < 15.0, wall


# ---------------------------------------------------------------- 2. initializers
@pytest.mark.parametrize("kw, field", [
    (dict(clip_low=np.nan), "clip_low"), (dict(clip_high=np.inf), "clip_high"),
    (dict(clip_low="a"), "clip_low"), (dict(clip_low=2.0, clip_high=1.0), "clip_high"),
])
def test_normal_validates_clip_bounds(kw, field):
    with pytest.raises(ParameterError) as e:
        Normal(0.0, 1.0, **kw)
    assert e.value.component == "Normal" and e.value.field == field


def test_normal_support_applies_clip_when_std_zero():
    init = Normal(5.0, 0.0, clip_high=2.0)
    assert init.support() == (2.0, 2.0)
    assert np.all(init.sample(np.random.default_rng(0), (4,)) == 2.0)
    LIF(tau_m=init)                                     # draws 2.0: allowed
    with pytest.raises(ParameterError):
        LIF(tau_m=Normal(5.0, 0.0, clip_high=-1.0))     # draws -1.0: not allowed


def test_lognormal_sigma_zero_checks_upper_bound():
    from spark_lab.connectivity import FixedProbability as FP
    with pytest.raises(ParameterError) as e:
        LogNormal(2.0, 0.0).check(FP.PARAMS["p"], "FixedProbability", "p")
    assert e.value.field == "p"
    LogNormal(0.5, 0.0).check(FP.PARAMS["p"], "FixedProbability", "p")


# ---------------------------------------------------------------- 3. parameter conversion
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


# ---------------------------------------------------------------- 4. FromList / FromMatrix
@pytest.mark.parametrize("pre, post, field", [
    ([0.7, 1], [0, 1], "pre"), ([0, 1], [0, 1.5], "post"), ([np.nan], [0], "pre"), ([0], [np.inf], "post"),
    (["a"], [0], "pre"),
])
def test_from_list_rejects_non_integer_indices(pre, post, field):
    with pytest.raises((ParameterError, NetworkError)) as e:
        FromList(pre, post)
    assert field in str(e.value)


def test_from_list_accepts_whole_floats():
    c = FromList([0.0, 1.0], np.array([1, 0]))
    assert c.pre.tolist() == [0, 1] and c.post.tolist() == [1, 0]


def test_from_matrix_with_explicit_weight_is_refused():
    net = Network()
    net.add_pool("a", LIF(), 2)
    net.add_pool("b", LIF(), 2)
    with pytest.raises(NetworkError, match="FromMatrix"):
        net.connect("a", "b", connectivity=FromMatrix(np.eye(2)), weight=0.5)
    with pytest.raises(NetworkError, match="FromMatrix"):
        net.connect("a", "b", connectivity=FromMatrix(np.eye(2)), weight=Uniform(0.0, 1.0))
    net.connect("a", "b", connectivity=FromMatrix(np.eye(2)))
    net.connect("a", "b", connectivity=FromMatrix(np.eye(2)), weight=1.0)


# ---------------------------------------------------------------- 5. record
def test_record_empty_neuron_list_rejected():
    net = Network()
    net.add_pool("a", LIF(), 3)
    with pytest.raises(ParameterError) as e:
        net.record("a", "v", neurons=[])
    assert e.value.field == "neurons"
    with pytest.raises(ParameterError) as e:
        net.record("a", "v", neurons=[0.5])
    assert e.value.field == "neurons"


# ---------------------------------------------------------------- 6. cross-field validate
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


def test_v_init_helper_shared_by_models():
    from spark_lab.neurons import _base
    assert hasattr(_base, "initial_v")
    for model in (LIF(v_init_low=-70.0, v_init_high=-60.0), ALIF(v_init_low=-70.0, v_init_high=-60.0),
                  EIF(v_init_low=-70.0, v_init_high=-60.0), AdEx(v_init_low=-70.0, v_init_high=-60.0)):
        p = {"v_init_low": np.float64(-70.0), "v_init_high": np.float64(-60.0)}
        v = model.init_state(50, p, np.random.default_rng(0))["v"]
        assert np.array_equal(v, _base.initial_v(50, p, np.random.default_rng(0)))
        assert v.min() >= -70.0 and v.max() < -60.0


# ---------------------------------------------------------------- 7. numpy scalars in Network
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


# ---------------------------------------------------------------- 8. spike generator
def test_spike_generator_rounds_half_up():
    g = SpikeGenerator(times=[[0.25, 1.25, 0.75]])
    # dt = 0.5: the times are exactly 0.5, 2.5 and 1.5 steps; half-up gives 1, 3, 2 (half-even: 0, 2, 2)
    assert sorted(g.structure(1, 0.5)["steps"][0].tolist()) == [1, 2, 3]


def test_spike_generator_rejects_steps_beyond_int32():
    g = SpikeGenerator(times=[[1e9]])
    with pytest.raises(ParameterError) as e:
        g.structure(1, 0.1)
    assert e.value.field == "times"


# ---------------------------------------------------------------- 9. dead code
def test_dead_code_removed():
    from spark_lab import _params
    from spark_lab.neurons import _base, adex, eif
    from spark_lab.synapses import _base as syn_base
    assert not hasattr(syn_base, "zeros_like_v")
    assert not hasattr(_params, "is_finite_number") and not hasattr(_params, "_did_you_mean")
    assert _params.did_you_mean("tau_n", ["tau_m"]).startswith("did you mean 'tau_m'")
    assert adex.EXP_ARG_MAX is _base.EXP_ARG_MAX and eif.EXP_ARG_MAX is _base.EXP_ARG_MAX
