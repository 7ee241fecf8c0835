"""Pool slices (``net.pools["exc"][:800]``) as a projection's source or target: the same
spikes as the network built with split pools and the same connectivity (native kernel and
pure JAX), the connectivity of a rule drawn on the slice exactly, the model file, errors."""
from __future__ import annotations

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import NetworkError, ParameterError, model
from spark_lab.network import PoolSlice

NE, NI, STEPS = 160, 40, 800


def _matrix(seed=0):
    """(NE + NI)^2 weights: excitatory rows +0.5 mV, inhibitory rows -1.5 mV, p = 0.08; multiples
    of 0.25 so that every sum is exact in float32 (the two networks may add in another order)."""
    rng = np.random.default_rng(seed)
    n = NE + NI
    m = (rng.random((n, n)) < 0.08).astype(np.float64)
    m[:NE] *= 0.5
    m[NE:] *= -1.5
    return m


def _drive(seed=1):
    return np.random.default_rng(seed).uniform(14.0, 17.0, NE + NI)     # mV; threshold is 15 mV above rest


def _sliced(native, m):
    net = sl.Network(dt=0.1, seed=2, native=native)
    p = net.add_pool("all", sl.LIF(), NE + NI)
    exc, inh = sl.Exponential(tau=5.0), sl.Exponential(tau=5.0)
    net.connect(p[:NE], p, exc, sl.FromMatrix(m[:NE]), delay=0.5, name="from_e")
    net.connect(p[NE:], p, inh, sl.FromMatrix(m[NE:]), delay=0.5, name="from_i")
    net.record("all", "spikes")
    return net.build().run(STEPS, inputs={"all": _drive()}).records["all.spikes"]


def _split(native, m):
    net = sl.Network(dt=0.1, seed=2, native=native)
    net.add_pool("e", sl.LIF(), NE)
    net.add_pool("i", sl.LIF(), NI)
    exc, inh = sl.Exponential(tau=5.0), sl.Exponential(tau=5.0)
    for pre, rows, syn in (("e", slice(0, NE), exc), ("i", slice(NE, None), inh)):
        net.connect(pre, "e", syn, sl.FromMatrix(m[rows, :NE]), delay=0.5, name=f"{pre}e")
        net.connect(pre, "i", syn, sl.FromMatrix(m[rows, NE:]), delay=0.5, name=f"{pre}i")
    net.record("e", "spikes")
    net.record("i", "spikes")
    drive = _drive()
    res = net.build().run(STEPS, inputs={"e": drive[:NE], "i": drive[NE:]})
    return np.concatenate([res.records["e.spikes"], res.records["i.spikes"]], axis=1)


def _native_ok():
    from spark_lab import _native
    return _native.available()


@pytest.mark.parametrize("native", [False, True], ids=["jax", "native"])
def test_sliced_network_spikes_like_the_split_network(native):
    if native and not _native_ok():
        pytest.skip("native kernel not built")
    m = _matrix()
    a, b = _sliced(native, m), _split(native, m)
    assert a.sum() > 50 and b[:, NE:].sum() > 0
    np.testing.assert_array_equal(a, b)
    # the recurrence matters: without it the spikes differ
    assert not np.array_equal(a, _sliced(native, np.zeros_like(m)))


def test_native_and_pure_jax_agree_on_the_sliced_network():
    if not _native_ok():
        pytest.skip("native kernel not built")
    m = _matrix(3)
    np.testing.assert_array_equal(_sliced(True, m), _sliced(False, m))


def _pairs(net, name):
    pre, post, _ = net.build().synapses(name)
    return pre, post


def test_a_rule_is_drawn_on_the_slice_exactly():
    rule = sl.FixedProbability(p=0.2)
    alone = sl.Network(seed=5)
    alone.add_pool("a", sl.LIF(), 20)
    alone.add_pool("b", sl.LIF(), 40)
    alone.connect("a", "b", connectivity=rule, name="x")
    sliced = sl.Network(seed=5)
    p = sliced.add_pool("p", sl.LIF(), 100)
    sliced.connect(p[10:30], p[50:90], connectivity=rule, name="x")
    (pa, qa), (pb, qb) = _pairs(alone, "x"), _pairs(sliced, "x")
    assert pa.size > 50
    np.testing.assert_array_equal(pb, pa + 10)
    np.testing.assert_array_equal(qb, qa + 50)


def test_one_slice_onto_itself_is_drawn_like_one_pool_onto_itself():
    rule = sl.FixedProbability(p=0.5)
    alone = sl.Network(seed=6)
    alone.add_pool("a", sl.LIF(), 20)
    alone.connect("a", "a", connectivity=rule, name="x")
    sliced = sl.Network(seed=6)
    p = sliced.add_pool("p", sl.LIF(), 50)
    sliced.connect(p[10:30], p[10:30], connectivity=rule, name="x")
    (pa, qa), (pb, qb) = _pairs(alone, "x"), _pairs(sliced, "x")
    np.testing.assert_array_equal(pb, pa + 10)
    np.testing.assert_array_equal(qb, qa + 10)


def test_slicing_follows_python_and_the_whole_pool_is_no_slice():
    net = sl.Network()
    p = net.add_pool("p", sl.LIF(), 10)
    assert p[:4] == PoolSlice("p", 0, 4) and p[-3:] == PoolSlice("p", 7, 10) and p[range(2, 5)].n == 3
    pr = net.connect(p[:], p[0:10], name="whole")
    assert pr.pre_range is None and pr.post_range is None and pr.source == "p"


@pytest.mark.parametrize("key", [slice(5, 5), slice(0, 8, 2), 3, range(8, 12)], ids=["empty", "step", "int", "range"])
def test_bad_slices_are_refused(key):
    net = sl.Network()
    p = net.add_pool("p", sl.LIF(), 10)
    with pytest.raises(ParameterError, match="pool 'p'") as e:
        p[key]
    assert e.value.field == "slice"


def test_a_slice_that_no_longer_fits_is_refused_and_nothing_changes():
    net = sl.Network()
    p = net.add_pool("p", sl.LIF(), 10)
    net.add_pool("q", sl.LIF(), 5)
    with pytest.raises(ParameterError, match="not within the pool"):
        net.connect(PoolSlice("p", 5, 12), "q")
    net.connect(p[6:], "q", name="tail")
    with pytest.raises(ParameterError, match="not within the pool"):
        net.update_pool("p", n=8)
    assert net.pools["p"].n == 10 and net.projections["tail"].pre_range == (6, 10)
    net.rename_pool("p", "r")
    assert repr(net.projections["tail"].source) == "r[6:10]"


def test_mixed_dale_error_points_to_the_slice_and_the_excitatory_slice_is_accepted():
    net = sl.Network()
    p = net.add_pool("all", sl.LIF(), 100, excitatory=0.8)
    with pytest.raises(NetworkError, match=r"net.pools\['all'\]\[0:80\].*E_rev=-80"):
        net.connect("all", "all", sl.Conductance())
    net.connect(p[:80], p, sl.Conductance(E_rev=0.0), name="ampa")
    with pytest.raises(NetworkError, match="inhibitory neurons"):
        net.connect(p[70:], p, sl.Conductance(E_rev=-80.0))
    free = sl.Network()                               # COBA: the reversal potentials carry the sign
    q = free.add_pool("all", sl.LIF(), 100)
    free.connect(q[:80], q, sl.Conductance(E_rev=0.0), name="ge")
    free.connect(q[80:], q, sl.Conductance(E_rev=-80.0), name="gi")
    pre, _, w = free.build().synapses("gi")
    assert pre.min() >= 80 and np.all(w > 0)


def test_model_file_and_python_export_keep_slices():
    net = sl.Network(seed=8)
    p = net.add_pool("p", sl.LIF(), 50)
    net.connect(p[:40], p[40:], connectivity=sl.FixedProbability(p=0.3), name="fwd")
    net.connect(p[40:], "p", name="back")
    text = model.dumps(net)
    assert '"pre": {' in text and '"start": 40' in text
    back = model.loads(text)
    assert model.dumps(back) == text
    scope: dict = {}
    exec(compile(model.to_python(net), "<export>", "exec"), scope)     # the generated script (trusted)
    for other in (back, scope["build_network"]()):
        for name in ("fwd", "back"):
            for x, y in zip(_pairs(other, name), _pairs(net, name)):
                np.testing.assert_array_equal(x, y)


def test_model_file_slice_errors_point_at_the_end():
    net = sl.Network()
    p = net.add_pool("p", sl.LIF(), 10)
    net.connect(p[:4], "p", name="x")
    text = model.dumps(net)
    with pytest.raises(sl.ModelError) as e:
        model.loads(text.replace('"stop": 4', '"stop": 40'))
    assert e.value.issues[0].path == "/projections/0/pre"
    with pytest.raises(sl.ModelError) as e:
        model.loads(text.replace('"stop": 4', '"stop": 4.5'))
    assert e.value.issues[0].path == "/projections/0/pre/stop"


def _plastic(split):
    net = sl.Network(seed=1)
    net.add_pool("src", sl.PoissonSource(rate=200.0), 12)
    if split:
        net.add_pool("a", sl.LIF(), 12)
        net.add_pool("b", sl.LIF(), 6)
        pre, post = "a", "b"
    else:
        p = net.add_pool("p", sl.LIF(), 18)
        pre, post = p[:12], p[12:]
    net.connect("src", pre, connectivity=sl.OneToOne(), weight=30.0, name="drive")
    net.connect(pre, post, connectivity=sl.AllToAll(), weight=3.0, plasticity=sl.STDP(w_max=5.0), name="plastic")
    sim = net.build()
    drive = {"b": 10.0} if split else {"p": np.r_[np.zeros(12), np.full(6, 10.0)]}      # mV: helps b spike
    sim.run(600, inputs=drive)
    return sim.state["plastic"]["plastic"]["w"], sim.synapses("plastic")[:2]


def test_plastic_projection_between_slices_learns_like_split_pools():
    (w_sliced, (pre, post)), (w_split, (pre_s, post_s)) = _plastic(False), _plastic(True)
    np.testing.assert_array_equal(pre, pre_s)
    np.testing.assert_array_equal(post, post_s + 12)
    assert not np.allclose(w_split, 3.0)                 # STDP changed the weights
    np.testing.assert_array_equal(w_sliced, w_split)
