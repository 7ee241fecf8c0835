"""The lean closed loop on the native kernel (repeated ``run_chunk`` calls keep the state packed
in one buffer, spark_lab/_packed.py) against the general path (``run``, flat state leaves) of
the same network: the same spikes call by call and the same state bit for bit, with the state
read, overwritten and checkpointed between calls, and a diverging call refused with nothing
changed."""
import os

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import _native


def _require_native():
    if not _native.available():
        if os.environ.get("CI"):
            pytest.fail("the native CPU kernel must be built by `make install` in CI")
        pytest.skip("native CPU kernel not built")


def _net():
    net = sl.Network(dt=0.1, seed=4, native=True)
    net.add_pool("exc", sl.LIF(v_init_low=-65.0, v_init_high=-50.5), 40, excitatory=np.arange(40) < 32, g_inh=3.0)
    net.add_pool("ext", sl.PoissonSource(rate=50.0), 10)
    net.connect("ext", "exc", connectivity=sl.FixedInDegree(k=4), weight=4.0)
    net.connect("exc", "exc", connectivity=sl.FixedProbability(p=0.2), weight=1.0, delay=0.3)
    return net


def _inputs(n, seed=1):
    rng = np.random.default_rng(seed)
    return [{"ext": rng.uniform(100, 900, 10).astype(np.float32), "exc": rng.uniform(10, 60, 40).astype(np.float32)}
            for _ in range(n)]


def _v(sim):
    return sim.state["pools"]["exc"]["v"]


def test_lean_calls_equal_run_with_the_state_read_set_and_checkpointed_between(tmp_path):
    _require_native()
    lean, ref = _net().build(), _net().build()
    assert lean.native and ref.native
    xs, spikes = _inputs(60), 0
    for i, x in enumerate(xs):
        got = lean.run_chunk(1, x, readout=("exc",))["exc"]
        spikes += int(got.sum())
        np.testing.assert_array_equal(got, ref.run(1, inputs=x).counts["exc"], err_msg=f"call {i}")
        if i == 20:                                   # read between calls, then go on
            np.testing.assert_array_equal(_v(lean), _v(ref))
            assert lean.t == ref.t == 21
        if i == 30:                                   # overwrite between calls
            for s in (lean, ref):
                s.set_state("exc", "v", np.linspace(-65.0, -51.0, 40))
        if i == 40:                                   # checkpoint and restore into a fresh simulator
            lean.save_checkpoint(tmp_path / "lean.npz")
            lean = _net().build()
            lean.load_checkpoint(tmp_path / "lean.npz")
            assert lean.t == ref.t
    np.testing.assert_array_equal(_v(lean), _v(ref))
    assert lean.t == ref.t == 60 and spikes > 20      # the comparison is not of silent pools


def _flat(state):
    return np.concatenate([np.ravel(np.asarray(v, np.float64)) for v in _leaves(state)])


def _leaves(tree):
    if isinstance(tree, dict):
        return [x for k in sorted(tree) for x in _leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [x for v in tree for x in _leaves(v)]
    return [tree]


def test_a_diverging_lean_call_changes_nothing():
    """A weight that is finite but overflows the synaptic current when two spikes arrive
    together: the lean call that makes it inf raises DivergenceError, and the state and t
    are those from before that call; the loop then goes on from a restored state."""
    _require_native()
    sim, ref = _net().build(), _net().build()
    xs = _inputs(6)
    for x in xs[:3]:
        sim.run_chunk(1, x, readout=("exc",))
        ref.run(1, inputs=x)
    tree = sim.get_state_tree()
    sim.set_param("ext->exc", "weight", 3e38)
    loud = dict(xs[3], ext=np.full(10, 5000.0, np.float32))
    with pytest.raises(sl.DivergenceError, match="diverged"):
        for _ in range(20):
            t, before = sim.t, _flat(sim.state)
            sim.run_chunk(1, loud, readout=("exc",))
    assert sim.t == t and np.isfinite(before).all()
    np.testing.assert_array_equal(_flat(sim.state), before)
    sim.set_param("ext->exc", "weight", 4.0)
    sim.set_state_tree(tree, 3)
    for x in xs[3:]:                                  # the loop goes on from the restored state
        np.testing.assert_array_equal(sim.run_chunk(1, x, readout=("exc",))["exc"], ref.run(1, inputs=x).counts["exc"])
    np.testing.assert_array_equal(_v(sim), _v(ref))
