"""The lean loop's one-step native call (spark_lab/_onestep.py, spark_lab/_native/onestep.cc)
against the XLA chunk it replaces (``SPARK_LAB_NATIVE_STEP=0``) and the pure-JAX path: the same
counts call by call and the same packed state bit for bit, through inputs to LIF and Poisson
pools (constant and per step), two receptor types with different time constants, refractory
periods, per-neuron parameters changed mid-run and a diverging call."""
import os

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import _native
from spark_lab._onestep import HostStep
from spark_lab.errors import DivergenceError


def _require_native():
    if not _native.available():
        if os.environ.get("CI"):
            pytest.fail("the native CPU kernel must be built by `make install` in CI")
        pytest.skip("native CPU kernel not built")


def _net(native=True, delay=0.0, dt=0.1):
    net = sl.Network(dt=dt, seed=7, native=native)
    lif = sl.LIF(tau_m=12.0, v_init_low=-65.0, v_init_high=-50.5, t_ref=1.5)
    net.add_pool("a", lif, 48, excitatory=np.arange(48) < 38, g_inh=4.0)
    net.add_pool("b", sl.LIF(tau_m=25.0, v_init_low=-60.0, v_init_high=-51.0), 30)
    net.add_pool("ext", sl.PoissonSource(rate=40.0), 12)
    fast, slow = sl.Exponential(tau=2.0), sl.Exponential(tau=8.0)
    net.connect("ext", "a", synapse=fast, connectivity=sl.FixedInDegree(k=5), weight=5.0)
    net.connect("a", "a", synapse=slow, connectivity=sl.FixedProbability(p=0.2), weight=1.5, delay=delay)
    net.connect("a", "b", synapse=fast, connectivity=sl.FixedProbability(p=0.3), weight=2.0)
    net.connect("b", "a", synapse=slow, connectivity=sl.FixedProbability(p=0.2), weight=1.0)
    return net


def _inputs(n, seed=3):
    rng = np.random.default_rng(seed)
    return [{"ext": rng.uniform(0, 900, 12).astype(np.float32),
             "a": rng.uniform(0, 40, (1, 48)).astype(np.float32),
             "b": rng.uniform(5, 30, 30).astype(np.float32)} for _ in range(n)]


def _pair(monkeypatch, **kw):
    """(simulator on the one-step call, the same network on the XLA chunk), each after its first
    lean call has fixed its plan."""
    sims = []
    for flag in ("1", "0"):
        monkeypatch.setenv("SPARK_LAB_NATIVE_STEP", flag)
        sim = _net(**kw).build()
        sims.append(sim)
    return sims


def _one_step_used(sim) -> bool:
    (plan,) = sim._plans.values()          # noqa: SLF001 - which compiled form the plan holds
    return isinstance(plan[2], HostStep)


def test_one_step_call_equals_the_xla_chunk_bit_for_bit(monkeypatch):
    _require_native()
    one, xla = _pair(monkeypatch)
    xs, spikes = _inputs(150), 0
    for i, x in enumerate(xs):
        for nm, sim in (("one", one), ("xla", xla)):
            monkeypatch.setenv("SPARK_LAB_NATIVE_STEP", "1" if nm == "one" else "0")
            got = sim.run_chunk(1, x, readout=("b", "a"))
            if nm == "one":
                first = got
        np.testing.assert_array_equal(first["a"], got["a"], err_msg=f"call {i}")
        np.testing.assert_array_equal(first["b"], got["b"], err_msg=f"call {i}")
        spikes += int(first["a"].sum() + first["b"].sum())
        if i == 60:       # per-neuron parameters changed mid-run, on both
            for sim in (one, xla):
                sim.set_param("a", "v_th", np.linspace(-52.0, -48.0, 48))
                sim.set_param("b", "t_ref", 3.0)
    assert _one_step_used(one) and not _one_step_used(xla)
    np.testing.assert_array_equal(np.asarray(one._packed), np.asarray(xla._packed))  # noqa: SLF001
    assert one.t == xla.t == 150 and spikes > 100


def test_one_step_call_equals_the_pure_jax_path():
    _require_native()
    one, ref = _net().build(), _net(native=False).build()
    for i, x in enumerate(_inputs(80, seed=5)):
        got = one.run_chunk(1, x, readout=("a", "b"))
        want = ref.run(1, inputs=x).counts
        for nm in ("a", "b"):
            np.testing.assert_array_equal(got[nm], want[nm], err_msg=f"call {i}, pool {nm}")
    np.testing.assert_allclose(one.state["pools"]["a"]["v"], ref.state["pools"]["a"]["v"], rtol=0, atol=1e-4)
    assert _one_step_used(one)


def test_networks_outside_its_scope_keep_the_xla_chunk():
    _require_native()
    delayed = _net(delay=0.3).build()
    delayed.run_chunk(1, _inputs(1)[0], readout=("a",))
    assert not _one_step_used(delayed)
    longer = _net().build()
    longer.run_chunk(2, {"ext": np.ones(12, np.float32)}, readout=("a",))
    assert not _one_step_used(longer)


def _flat(sim):
    return np.concatenate([np.ravel(np.asarray(sim.state["pools"][nm]["v"], np.float64)) for nm in ("a", "b")])


def test_a_diverging_one_step_call_changes_nothing():
    """A finite weight that overflows the current when spikes arrive together: the one-step call
    that makes it inf raises DivergenceError with state and t as before it; a NaN input is
    refused naming the pool; the loop then goes on."""
    _require_native()
    sim = _net().build()
    xs = _inputs(6)
    for x in xs[:3]:
        sim.run_chunk(1, x, readout=("a",))
    assert _one_step_used(sim)
    sim.set_param("ext->a", "weight", 3e38)
    loud = dict(xs[3], ext=np.full(12, 9000.0, np.float32))
    with pytest.raises(DivergenceError, match="diverged"):
        for _ in range(20):
            t, before = sim.t, _flat(sim)
            sim.run_chunk(1, loud, readout=("a",))
    assert sim.t == t and np.isfinite(before).all()
    np.testing.assert_array_equal(_flat(sim), before)
    sim.set_param("ext->a", "weight", 5.0)
    with pytest.raises(sl.ParameterError, match="ext"):
        sim.run_chunk(1, dict(xs[4], ext=np.full(12, np.nan, np.float32)), readout=("a",))
    assert sim.t == t
    sim.run_chunk(1, xs[5], readout=("a",))
    assert sim.t == t + 1


def test_counts_and_state_outlive_the_calls_after_them():
    """The one-step call writes two buffers in turn: the counts a call returned and a state read
    between calls stay as they were while the loop goes on, and equal the XLA chunk's."""
    _require_native()
    one, ref = _net().build(), _net(native=False).build()
    kept, states = [], []
    for i, x in enumerate(_inputs(40, seed=11)):
        kept.append((one.run_chunk(1, x, readout=("a",)), ref.run(1, inputs=x).counts["a"]))
        if i % 10 == 3:
            states.append((np.array(one.state["pools"]["b"]["v"]), one.state["pools"]["b"]["v"]))
    assert _one_step_used(one)
    for i, (got, want) in enumerate(kept):
        np.testing.assert_array_equal(got["a"], want, err_msg=f"call {i}")
    for copy, view in states:
        np.testing.assert_array_equal(np.asarray(view), copy)
    assert sum(int(w.sum()) for _, w in kept) > 5

