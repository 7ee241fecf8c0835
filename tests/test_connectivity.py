"""Connectivity rules and weight initializers, checked through a built network
(``sim.synapses(name)`` returns the drawn (pre, post, signed weight) arrays)."""
from __future__ import annotations

import math
import time
import tracemalloc

import numpy as np
import pytest

from spark_lab import (
    LIF,
    AllToAll,
    Constant,
    FixedInDegree,
    FixedProbability,
    FromList,
    FromMatrix,
    LogNormal,
    Network,
    Normal,
    OneToOne,
    PoissonSource,
    Uniform,
)
from spark_lab.errors import NetworkError, ParameterError


def build(n_pre, n_post, conn, weight=1.0, same_pool=False, seed=0, **pool_kw):
    net = Network(dt=0.1, seed=seed)
    net.add_pool("a", LIF(), n_pre, **pool_kw)
    if same_pool:
        net.connect("a", "a", connectivity=conn, weight=weight, name="p")
    else:
        net.add_pool("b", LIF(), n_post)
        net.connect("a", "b", connectivity=conn, weight=weight, name="p")
    sim = net.build()
    return sim, sim.synapses("p")


def pairs(pre, post):
    return set(zip(pre.tolist(), post.tolist()))


# ---------------------------------------------------------------- rules
def test_all_to_all_between_pools():
    _, (pre, post, w) = build(7, 5, AllToAll())
    assert pre.size == 35
    assert pairs(pre, post) == {(i, j) for i in range(7) for j in range(5)}
    assert np.all(w == 1.0)


def test_all_to_all_within_pool_drops_autapses_unless_asked():
    _, (pre, post, _) = build(9, 9, AllToAll(), same_pool=True)
    assert pre.size == 9 * 8 and np.all(pre != post)
    _, (pre, post, _) = build(9, 9, AllToAll(autapses=1), same_pool=True)
    assert pre.size == 81


def test_one_to_one():
    _, (pre, post, _) = build(12, 12, OneToOne())
    assert np.array_equal(np.sort(pre), np.arange(12)) and np.array_equal(pre, post)
    with pytest.raises(NetworkError, match="OneToOne"):
        build(12, 10, OneToOne())


@pytest.mark.parametrize("p", [0.05, 0.3])
def test_fixed_probability_count_within_3_sigma(p):
    n, m = 200, 150
    _, (pre, post, _) = build(n, m, FixedProbability(p=p), seed=3)
    mean, sd = p * n * m, np.sqrt(n * m * p * (1 - p))
    assert abs(pre.size - mean) < 3 * sd, (pre.size, mean, sd)
    assert len(pairs(pre, post)) == pre.size                  # no multapses


def test_fixed_probability_no_autapses_by_default():
    n, p = 300, 0.2
    _, (pre, post, _) = build(n, n, FixedProbability(p=p), same_pool=True, seed=5)
    assert not np.any(pre == post)
    mean, sd = p * n * (n - 1), np.sqrt(n * (n - 1) * p * (1 - p))
    assert abs(pre.size - mean) < 3 * sd
    _, (pre, post, _) = build(n, n, FixedProbability(p=1.0, autapses=1), same_pool=True)
    assert np.sum(pre == post) == n


def test_fixed_probability_seeded():
    _, (a, b, _) = build(50, 50, FixedProbability(p=0.1), seed=7)
    _, (c, d, _) = build(50, 50, FixedProbability(p=0.1), seed=7)
    _, (e, f, _) = build(50, 50, FixedProbability(p=0.1), seed=8)
    assert np.array_equal(a, c) and np.array_equal(b, d)
    assert pairs(a, b) != pairs(e, f)


@pytest.mark.parametrize("same_pool", [False, True])
def test_fixed_in_degree_exactly_k_distinct(same_pool):
    n_pre, n_post, k = 40, 30, 13
    _, (pre, post, _) = build(n_pre, n_pre if same_pool else n_post, FixedInDegree(k=k), same_pool=same_pool)
    n_post = n_pre if same_pool else n_post
    assert np.array_equal(np.bincount(post, minlength=n_post), np.full(n_post, k))
    for j in range(n_post):
        src = pre[post == j]
        assert len(set(src.tolist())) == k                     # distinct presynaptic neurons
        if same_pool:
            assert j not in src
    with pytest.raises(NetworkError, match="k=41"):
        build(40, 5, FixedInDegree(k=41))


def test_from_list_reproduces_pairs():
    pre_l = [0, 3, 3, 1, 4]
    post_l = [2, 0, 1, 1, 2]
    _, (pre, post, w) = build(5, 3, FromList(pre_l, post_l), weight=0.7)
    assert sorted(zip(pre.tolist(), post.tolist())) == sorted(zip(pre_l, post_l))
    assert np.allclose(w, 0.7)
    with pytest.raises(NetworkError, match="outside"):
        build(5, 3, FromList([0, 5], [0, 0]))


def test_from_matrix_reproduces_pairs_and_weights():
    rng = np.random.default_rng(1)
    M = np.where(rng.random((6, 4)) < 0.5, rng.normal(0.0, 1.0, (6, 4)), 0.0)
    _, (pre, post, w) = build(6, 4, FromMatrix(M))
    assert pairs(pre, post) == set(zip(*map(np.ndarray.tolist, np.nonzero(M))))
    np.testing.assert_array_equal(w, M[pre, post])           # float64 host copy: exact
    with pytest.raises(NetworkError, match="shape"):
        build(6, 5, FromMatrix(M))


# ---------------------------------------------------------------- weight initializers
def test_constant_weights():
    _, (_, _, w) = build(30, 30, AllToAll(), weight=Constant(0.25))
    assert np.all(w == 0.25)


def test_uniform_weights_in_range():
    _, (_, _, w) = build(60, 60, AllToAll(), weight=Uniform(0.2, 0.5))
    assert w.size == 3600 and w.min() >= 0.2 and w.max() < 0.5
    assert abs(w.mean() - 0.35) < 4 * 0.3 / np.sqrt(12 * w.size)
    assert np.unique(w).size > 3000                         # per synapse, not one value


def test_normal_weights_mean_std():
    _, (_, _, w) = build(100, 100, AllToAll(), weight=Normal(1.0, 0.2))
    n = w.size
    assert abs(w.mean() - 1.0) < 4 * 0.2 / np.sqrt(n)
    assert abs(w.std() - 0.2) < 4 * 0.2 / np.sqrt(2 * n)


def test_lognormal_weights_positive_with_mean():
    _, (_, _, w) = build(100, 100, AllToAll(), weight=LogNormal(mean=0.5, sigma=0.4))
    assert np.all(w > 0)
    sd = 0.5 * np.sqrt(np.exp(0.4 ** 2) - 1)                # std of the log-normal
    assert abs(w.mean() - 0.5) < 4 * sd / np.sqrt(w.size)
    assert abs(np.log(w).std() - 0.4) < 0.01


# ---------------------------------------------------------------- Dale's law
@pytest.mark.parametrize("weight", [0.5, Uniform(0.1, 0.9)], ids=["scalar", "per-synapse"])
def test_dale_signs(weight):
    n, g = 50, 4.0
    _, (pre, post, w) = build(n, 20, AllToAll(), weight=weight, excitatory=0.8, g_inh=g)
    exc = pre < 40
    assert np.all(w[exc] > 0) and np.all(w[~exc] < 0)
    if not isinstance(weight, Uniform):
        assert np.all(w[exc] == 0.5) and np.all(w[~exc] == -g * 0.5)
    # the magnitudes come from the same initializer on both sides
    assert w[exc].min() >= 0.1 and (-w[~exc] / g).max() < 0.9


def test_dale_weights_act_with_their_sign():
    """A Dale pool: the first 80 % excite, the rest inhibit (measured on v of the targets)."""
    net = Network(dt=0.1, seed=0)
    net.add_pool("src", PoissonSource(rate=0.0), 10, excitatory=0.8, g_inh=2.0)
    net.add_pool("post", LIF(v_th=1e6), 10)
    from spark_lab.synapses.delta import Delta
    net.connect("src", "post", synapse=Delta(), connectivity=OneToOne(), weight=1.5, name="p")
    sim = net.build()
    res = sim.run(2, inputs={"src": np.full(10, 2e4)}, record=["post.v"])
    dv = res.records["post.v"][1] - (-65.0)
    np.testing.assert_allclose(dv, [1.5] * 8 + [-3.0] * 2, rtol=1e-6)


# ---------------------------------------------------------------- set_param on weights
def test_per_synapse_weights_set_param_take_effect():
    """Changing per-synapse weights with set_param changes what arrives (Delta synapse: v jumps by w)."""
    net = Network(dt=0.1, seed=0)
    net.add_pool("src", PoissonSource(rate=0.0), 4)
    net.add_pool("post", LIF(v_th=1e6, tau_m=1e6), 3)
    from spark_lab.synapses.delta import Delta
    net.connect("src", "post", synapse=Delta(), connectivity=AllToAll(), weight=Uniform(0.0, 1.0), name="p")
    sim = net.build()
    pre, post, _ = sim.synapses("p")
    new = np.arange(1, pre.size + 1, dtype=float) / 10
    sim.set_param("p", "weight", new)
    np.testing.assert_array_equal(sim.get_param("p", "weight"), new)
    np.testing.assert_array_equal(sim.synapses("p")[2], new)
    res = sim.run(2, inputs={"src": np.full(4, 2e4)}, record=["post.v"])
    expected = np.bincount(post, weights=new, minlength=3)
    np.testing.assert_allclose(res.records["post.v"][1] + 65.0, expected, rtol=1e-5)
    # a scalar sets every synapse
    sim.set_param("p", "weight", 0.5)
    assert np.all(sim.synapses("p")[2] == 0.5)


def test_scalar_weight_set_param_takes_effect():
    net = Network(dt=0.1, seed=0)
    net.add_pool("src", PoissonSource(rate=0.0), 2)
    net.add_pool("post", LIF(v_th=1e6, tau_m=1e6), 2)
    from spark_lab.synapses.delta import Delta
    net.connect("src", "post", synapse=Delta(), connectivity=OneToOne(), weight=1.0, name="p")
    sim = net.build()
    sim.set_param("p", "weight", 2.5)
    res = sim.run(2, inputs={"src": np.full(2, 2e4)}, record=["post.v"])
    np.testing.assert_allclose(res.records["post.v"][1] + 65.0, [2.5, 2.5], rtol=1e-6)


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


# ---------------------------------------------------------------- defaults in the signature; statistics of the
# vectorised draws (the drawn synapses for a seed changed with them; their distributions did not)
@pytest.mark.parametrize("cls, defaults", [
    (FixedProbability, {"p": 0.1, "autapses": 0}), (FixedInDegree, {"k": 10, "autapses": 0, "multapses": 0}),
    (AllToAll, {"autapses": 0}),
], ids=["fixed_probability", "fixed_in_degree", "all_to_all"])
def test_autapses_default_is_in_the_signature_and_docstring(cls, defaults):
    """Brian2's connect(p=) keeps i -> i; spark_lab drops it unless autapses=1: visible where a
    user looks (signature, help) and stored in the model file like any parameter."""
    import inspect
    sig = inspect.signature(cls)
    assert {k: sig.parameters[k].default for k in defaults} == defaults
    assert "autapses=0" in cls.__doc__ and "autapses=1" in cls.__doc__
    with pytest.raises(ParameterError, match="unknown parameter"):
        cls(autapse=1)
    from spark_lab import model
    net = Network(dt=0.1)
    net.add_pool("a", LIF(), 5)
    net.connect("a", "a", connectivity=cls())
    assert '"autapses": 0' in model.dumps(net)


def test_fixed_probability_docstring_names_brian2():
    assert "Brian2" in FixedProbability.__doc__ and "connect(p=" in FixedProbability.__doc__


@pytest.mark.parametrize("n_pre, n_post, k, same", [(2000, 1500, 40, False), (300, 300, 100, True),
                                                    (40, 3000, 30, False)], ids=["sparse", "same-pool", "dense"])
def test_fixed_in_degree_statistics(n_pre, n_post, k, same):
    """Exact in-degree k from distinct pre neurons; each pre neuron's out-degree is then
    Binomial(n_post, k / m) (m candidates per post neuron): mean and variance; every pre
    neuron equally likely (chi-square)."""
    pre, post = FixedInDegree(k=k).connect(n_pre, n_post, np.random.default_rng(4), same)
    assert np.array_equal(np.bincount(post, minlength=n_post), np.full(n_post, k))
    key = pre * n_post + post
    assert np.all(np.diff(key) > 0)                            # sorted by (pre, post), no repeated pair
    if same:
        assert not np.any(pre == post)
    m = n_pre - 1 if same else n_pre
    q = k / m
    out = np.bincount(pre, minlength=n_pre)
    mean, var = n_post * q * (m / n_pre if same else 1), n_post * q * (1 - q)
    assert abs(out.mean() - mean) < 1e-9 + 4 * np.sqrt(var / n_pre)
    assert 0.75 < out.var() / var < 1.25
    chi2 = ((out - out.mean()) ** 2 / out.mean()).sum()       # ~ chi2(n_pre - 1) scaled by (1 - q)
    assert chi2 < (n_pre - 1) + 5 * np.sqrt(2 * (n_pre - 1))


def test_fixed_in_degree_subsets_equally_likely():
    """Every k-subset of the candidates equally likely, on both draws (redrawn duplicates for
    k well below m, a random permutation above m / 4): all 6 pairs of 4, all 10 triples of 5."""
    from itertools import combinations
    for n_pre, k in ((4, 2), (5, 3), (40, 2)):
        n_post = 6000 if n_pre < 10 else 60000
        pre, post = FixedInDegree(k=k).connect(n_pre, n_post, np.random.default_rng(k + n_pre), False)
        sets = pre[np.argsort(post, kind="stable")].reshape(n_post, k)
        if n_pre < 10:
            counts = {c: 0 for c in combinations(range(n_pre), k)}
            for row in map(tuple, np.sort(sets, axis=1)):
                counts[row] += 1
            c = np.array(list(counts.values()), float)
        else:                                                  # 780 pairs: pair inclusion counts
            lo, hi = np.sort(sets, axis=1).T
            c = np.bincount(lo * n_pre + hi, minlength=n_pre * n_pre)[np.triu_indices(n_pre, 1)[0] * n_pre
                                                                       + np.triu_indices(n_pre, 1)[1]].astype(float)
        e = c.sum() / c.size
        chi2 = ((c - e) ** 2 / e).sum()
        assert chi2 < (c.size - 1) + 5 * np.sqrt(2 * (c.size - 1)), (n_pre, k, chi2)


def test_fixed_in_degree_multapses_draw_with_replacement():
    """multapses=1: k above the pool size is allowed; each of the k draws uniform over the
    pre pool (repeated pairs kept), autapses still left out unless asked."""
    with pytest.raises(NetworkError, match="multapses=1"):
        FixedInDegree(k=12).connect(10, 5, np.random.default_rng(0), False)
    n_pre, n_post, k = 10, 4000, 12
    pre, post = FixedInDegree(k=k, multapses=1).connect(n_pre, n_post, np.random.default_rng(0), False)
    assert np.array_equal(np.bincount(post, minlength=n_post), np.full(n_post, k))
    counts = np.bincount(pre, minlength=n_pre).astype(float)
    e = counts.sum() / n_pre
    assert ((counts - e) ** 2 / e).sum() < 9 + 5 * np.sqrt(18)
    repeats = np.mean([np.unique(pre[post == j]).size < k for j in range(200)])
    assert repeats == 1.0                                      # 12 draws from 10: always a repeat
    pre, post = FixedInDegree(k=k, multapses=1).connect(n_pre, n_pre, np.random.default_rng(1), True)
    assert pre.size == k * n_pre and not np.any(pre == post)
    counts = np.bincount(pre * n_pre + post, minlength=n_pre * n_pre).reshape(n_pre, n_pre)
    assert np.all(counts[~np.eye(n_pre, dtype=bool)].sum() == pre.size)
    pre, post = FixedInDegree(k=3, autapses=1, multapses=1).connect(1, 5, np.random.default_rng(0), True)
    assert np.all(pre == 0) and pre.size == 15


def test_fixed_probability_in_and_out_degrees_binomial():
    n, m, p = 1500, 1200, 0.02
    pre, post = FixedProbability(p=p).connect(n, m, np.random.default_rng(9), False)
    assert np.all(np.diff(pre * m + post) > 0)                # sorted by (pre, post), no repeated pair
    for deg, trials, cells in ((np.bincount(pre, minlength=n), m, n), (np.bincount(post, minlength=m), n, m)):
        assert abs(deg.mean() - trials * p) < 4 * np.sqrt(trials * p * (1 - p) / cells)
        assert 0.8 < deg.var() / (trials * p * (1 - p)) < 1.2
    assert abs(pre.size / (n * m) - p) < 4 * np.sqrt(p * (1 - p) / (n * m))


def test_layout_of_a_multi_projection_group_matches_the_drawn_synapses():
    """Three projections with different pools and receptors fused into one class group and one
    synapse group: every drawn synapse appears once in the ELL rows and in the native CSR with
    its projection (the layout is read off the sorted draws without a general sort)."""
    from spark_lab import Exponential, _sparse
    net = Network(dt=0.1, seed=2)
    for nm, n in (("a", 70), ("b", 50), ("c", 30)):
        net.add_pool(nm, LIF(), n)
    e1, e2 = Exponential(tau=2.0), Exponential(tau=5.0)
    net.connect("a", "b", synapse=e1, connectivity=FixedProbability(p=0.2), weight=0.5, name="ab")
    net.connect("c", "b", synapse=e2, connectivity=FixedInDegree(k=7), weight=0.2, name="cb")
    net.connect("b", "b", synapse=e1, connectivity=FixedInDegree(k=5, multapses=1), weight=0.1, name="bb")
    net.connect("a", "c", synapse=e2, connectivity=FromList([3, 1, 3, 0], [2, 2, 0, 1]), weight=Uniform(0.1, 0.2),
                name="ac")
    sim = net.build()
    lay = sim.layout
    for g in lay.groups:
        T = (g.targets.view(np.uint16) if g.packed else g.targets).astype(np.int64).reshape(-1, g.width)
        got = {}
        for r, c in zip(*np.nonzero(T < g.n_classes * lay.n_slots)):
            got.setdefault(int(r), []).append(int(T[r, c]))
        want = {}
        for nm in g.projections:
            p = lay.projections[nm]
            rows = p.pre + lay.pools[p.pre_pool].offset
            tg = p.post + lay.receptors[p.receptor].offset + g.klass.get(nm, 0) * lay.n_slots
            for r, t in zip(rows.tolist(), tg.tolist()):
                want.setdefault(r, []).append(t)
        assert {r: sorted(v) for r, v in got.items()} == {r: sorted(v) for r, v in want.items()}
        assert all(v == sorted(v) for v in got.values())            # ascending target order in a row
        csr = _sparse.build_csr(g, lay.n_slots, lay.cls_index.get(g.gid))
        syn = csr.rows[0::2]
        assert syn[-1] == sum(map(len, want.values()))
        for r, v in got.items():                                    # the CSR row holds the same slots
            slots = np.asarray(csr.targets).view(np.uint16)[syn[r]:syn[r + 1]] if csr.packed else None
            assert sorted(slots.tolist()) == sorted(t % lay.n_slots for t in v)


def test_memory_estimate_per_propagation_path():
    """The estimate before building counts bytes per synapse by path (native CPU kernel or pure
    JAX), and says which it assumed."""
    from spark_lab import _memory
    net = Network(dt=0.1, native=False)
    net.add_pool("a", LIF(), 1000)
    net.connect("a", "a", connectivity=FixedInDegree(k=50), name="p")
    est = _memory.estimate(net)
    assert est.path == "jax" and est.synapses == 50_000
    drawing = _memory.PADDED_DRAW_BYTES                 # one drawn projection: the largest
    assert est.bytes_per_synapse == _memory.SYNAPSE_BYTES["jax"] + drawing
    nat = _memory.estimate(net, path_="native")
    assert nat.bytes_per_synapse == _memory.SYNAPSE_BYTES["native"] + drawing
    need = next(n for n in nat.needs if n.name == "p" and n.field == "connectivity")
    assert f"about {_memory.SYNAPSE_BYTES['native']} bytes each" in need.what
    with pytest.raises(ParameterError, match=r"memory limit is 1\.0 MiB"):
        net.build(memory_limit=2 ** 20)


def test_memory_estimate_counts_a_chunk_of_noise():
    """A Poisson pool draws its noise for a whole chunk at once: 10,000 steps x 1e5 sources is
    gigabytes, and the estimate for a run of that many steps says so (none without steps)."""
    from spark_lab import _memory
    net = Network(dt=0.1)
    net.add_pool("bg", PoissonSource(rate=5.0), 100_000)
    assert not [n for n in _memory.estimate(net).needs if n.field == "chunk"]
    need = next(n for n in _memory.estimate(net, steps=50_000).needs if n.field == "chunk")
    assert need.bytes == 3 * 10_000 * 100_000 * 4 and "10,000 steps" in need.what
    with pytest.raises(ParameterError, match="shorter chunks"):
        _memory.check(net, memory_limit=2 ** 30, steps=50_000)


def test_memory_estimate_counts_the_padded_table():
    """Propagation tables have one row per neuron of the network, as wide as the largest
    out-degree: 20,000 silent neurons beside 100 that each reach 2,000 cost more in padding
    than in synapses, and the estimate says so."""
    from spark_lab import _memory
    net = Network(dt=0.1)
    net.add_pool("hub", LIF(), 100)
    net.add_pool("quiet", LIF(), 20_000)
    net.connect("hub", "quiet", connectivity=FixedInDegree(k=10), name="p")
    est = _memory.estimate(net)
    table = next(n for n in est.needs if n.what.startswith("the padded propagation table"))
    rows, width = 20_101, 2000 + 4 * math.sqrt(2000) + 2
    assert table.bytes == int(rows * width * _memory.TABLE_COPIES * 2)
    assert table.bytes > _memory.SYNAPSE_BYTES[est.path] * 200_000
