"""Connectivity rules: which presynaptic neuron connects to which postsynaptic one.

Each rule returns two index arrays ``(pre, post)`` (local indices within the pools)
when the network is built, drawn from numpy's ``default_rng`` seeded by the network
seed. Weights are given separately (a number or an initializer).
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from ._component import Component
from ._params import Param
from .errors import NetworkError


class Connectivity(Component):
    """Base class of connectivity rules: which (pre, post) pairs a projection connects.

    A rule is drawn once, when the network is built (its parameters are structure), from the
    network's seed; ``connect`` returns the local indices of the pairs."""
    kind: ClassVar[str] = "connectivity"

    def connect(self, n_pre: int, n_post: int, rng: np.random.Generator, same_pool: bool):
        """Return (pre, post) int arrays of local indices."""
        raise NotImplementedError

    def explicit_weights(self):
        """Weights that come with the connectivity (FromMatrix), else None."""
        return None

    def check_sizes(self, n_pre: int, n_post: int, same_pool: bool) -> None:
        """Raise NetworkError if the rule cannot connect pools of these sizes (checked
        without drawing anything, e.g. when a model file is validated); default: any size."""


def _drop_autapses(pre, post, keep):
    if keep:
        return pre, post
    m = pre != post
    return pre[m], post[m]


class AllToAll(Connectivity):
    """Every pre neuron to every post neuron. Inside one pool the self-connections i -> i
    are left out by default (``autapses=0``); ``autapses=1`` keeps them."""
    name = "all_to_all"
    PARAMS = {"autapses": Param(0.0, "1", low=0, high=1, integer=True, per_neuron=False,
                                help="1 to keep self-connections inside one pool")}

    def __init__(self, autapses=0, **unknown):
        super().__init__(autapses=autapses, **unknown)

    def connect(self, n_pre, n_post, rng, same_pool):
        pre, post = np.divmod(np.arange(n_pre * n_post), n_post)
        return _drop_autapses(pre, post, not same_pool or bool(self.values["autapses"]))


class OneToOne(Connectivity):
    """Neuron i to neuron i; both pools must have the same size."""
    name = "one_to_one"
    PARAMS = {}

    def check_sizes(self, n_pre, n_post, same_pool):
        if n_pre != n_post:
            raise NetworkError(f"OneToOne needs pools of equal size, got {n_pre} -> {n_post}")

    def connect(self, n_pre, n_post, rng, same_pool):
        self.check_sizes(n_pre, n_post, same_pool)
        i = np.arange(n_pre)
        return i, i.copy()


class FixedProbability(Connectivity):
    """Each pair is connected independently with probability ``p`` (0 <= p <= 1).

    Self-connections: inside one pool (pre and post the same pool) the pairs i -> i are
    left out by default (``autapses=0``): each neuron then has n - 1 candidate targets.
    Brian2's ``connect(p=...)`` keeps them; ``autapses=1`` does the same here. Between two
    pools there are no self-connections and ``autapses`` does nothing.

    The draw is row-wise and sparse (memory and time grow with the number of synapses,
    not with n_pre * n_post): for each pre neuron the number of targets is drawn as
    ``k ~ Binomial(m, p)`` (m = n_post, or n_post - 1 inside one pool without
    autapses) and then k distinct targets uniformly among the m candidates. That is
    exactly an independent Bernoulli(p) draw per pair, but a given seed picks other
    synapses than a dense ``random((n_pre, n_post)) < p`` draw would. For p > 0.05,
    where that is faster, the same distribution is drawn directly, one Bernoulli per
    pair, a block of rows at a time (memory: the synapses plus one block). The pairs come
    out sorted by (pre, post).
    """
    name = "fixed_probability"
    PARAMS = {
        "p": Param(0.1, "1", low=0, high=1, per_neuron=False, help="connection probability"),
        "autapses": Param(0.0, "1", low=0, high=1, integer=True, per_neuron=False,
                          help="1 to keep self-connections inside one pool (Brian2's connect(p=) keeps them)"),
    }

    def __init__(self, p=0.1, autapses=0, **unknown):
        super().__init__(p=p, autapses=autapses, **unknown)

    def connect(self, n_pre, n_post, rng, same_pool):
        p = float(self.values["p"])
        no_self = same_pool and not self.values["autapses"]
        m = n_post - 1 if no_self else n_post
        if n_pre <= 0 or m <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        if p <= _SPARSE_P:
            keys = _distinct_per_row(rng.binomial(m, p, size=n_pre), m, rng)
        else:                                   # dense: one Bernoulli draw per pair, a block of rows at a time
            rows = max(1, _BLOCK // m)
            keys = np.concatenate([np.flatnonzero(rng.random((min(rows, n_pre - r0), m)) < p) + r0 * m
                                   for r0 in range(0, n_pre, rows)])
        pre, post = np.divmod(keys, m)
        if no_self:                             # candidate c of row i is neuron c, or c + 1 from i on
            post += post >= pre
        return pre, post


_SPARSE_P = 0.05       # above: drawing every pair (in blocks of rows) is faster
_BLOCK = 1 << 22        # random numbers per block of rows in the dense case
_DENSE_ROW = 0.25       # k / m above which a row's k distinct columns come from a partial sort


def _distinct_per_row(k, m, rng):
    """Sorted keys ``row * m + col``: ``k[row]`` distinct columns in [0, m) per row, a uniformly
    random subset each.

    Rows with k well below m: columns drawn with replacement, the duplicates redrawn until
    none is left (all columns alike, so each k-subset is equally likely); the keys are
    sorted once and each redraw is merged into them. Rows with k > m / 4: the k smallest of
    m uniform numbers per row (a random k-subset too), a block of rows at a time."""
    k = np.asarray(k, np.int64)
    dense = k > _DENSE_ROW * m
    parts = []
    if dense.any():
        parts.append(_dense_rows(np.flatnonzero(dense), k[dense], m, rng))
    sparse = np.flatnonzero(~dense) if dense.any() else np.arange(k.size, dtype=np.int64)
    ks = k[sparse]
    rows = np.repeat(sparse, ks)
    keys = np.sort(rows * m + rng.integers(0, m, rows.size))
    while True:
        dup = np.flatnonzero(keys[1:] == keys[:-1]) + 1
        if dup.size == 0:
            break
        redraw = np.sort((keys[dup] // m) * m + rng.integers(0, m, dup.size))
        keys = np.delete(keys, dup)
        keys = np.insert(keys, np.searchsorted(keys, redraw), redraw)
    parts.append(keys)
    return np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0]


def _dense_rows(rows, k, m, rng):
    """Keys ``row * m + col`` of k[i] distinct uniform columns for each row in ``rows``."""
    out = []
    step = max(1, _BLOCK // m)
    for b in range(0, rows.size, step):
        r, kb = rows[b:b + step], k[b:b + step]
        u = rng.random((r.size, m))
        rank = np.argsort(u, axis=1)                 # a uniform random permutation per row
        take = np.arange(m)[None, :] < kb[:, None]
        cols = np.sort(np.where(take, rank, m), axis=1)
        keep = cols < m
        out.append((r[:, None] * m + cols)[keep])
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def by_pre(pre, post, n_post):
    """(pre, post) sorted by pre, then post, as int64 (one sort of a combined key)."""
    key = np.sort(np.asarray(pre, np.int64) * max(int(n_post), 1) + np.asarray(post, np.int64))
    return np.divmod(key, max(int(n_post), 1))


class FixedInDegree(Connectivity):
    """Every post neuron receives exactly ``k`` synapses: from k distinct pre neurons, a
    uniformly random k-subset each, or with ``multapses=1`` from k pre neurons drawn
    independently (with replacement: a pair may be connected more than once, as NEST's
    ``allow_multapses``). Inside one pool i -> i is left out by default (``autapses=0``;
    ``autapses=1`` allows it); ``multapses=0`` by default. The pairs come out sorted by
    (pre, post)."""
    name = "fixed_in_degree"
    PARAMS = {
        "k": Param(10.0, "1", low=0, integer=True, per_neuron=False, help="synapses per post neuron"),
        "autapses": Param(0.0, "1", low=0, high=1, integer=True, per_neuron=False,
                          help="1 to allow self-connections inside one pool"),
        "multapses": Param(0.0, "1", low=0, high=1, integer=True, per_neuron=False,
                           help="1 to draw the k pre neurons with replacement (repeated pairs allowed)"),
    }

    def __init__(self, k=10, autapses=0, multapses=0, **unknown):
        super().__init__(k=k, autapses=autapses, multapses=multapses, **unknown)

    def check_sizes(self, n_pre, n_post, same_pool):
        k = int(self.values["k"])
        avail = n_pre - (1 if same_pool and not self.values["autapses"] else 0)
        if self.values["multapses"] and k > 0 and n_post > 0 and avail < 1:
            raise NetworkError(f"FixedInDegree: k={k} but no pre neuron is available")
        if k > avail and not self.values["multapses"]:
            raise NetworkError(f"FixedInDegree: k={k} but only {avail} distinct pre neurons are available "
                               f"(multapses=1 allows repeated pairs)")

    def connect(self, n_pre, n_post, rng, same_pool):
        self.check_sizes(n_pre, n_post, same_pool)
        k = int(self.values["k"])
        no_self = same_pool and not self.values["autapses"]
        m = n_pre - 1 if no_self else n_pre
        if k == 0 or n_post == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        if self.values["multapses"]:
            post = np.repeat(np.arange(n_post, dtype=np.int64), k)
            pre = rng.integers(0, m, post.size)
            if no_self:
                pre += pre >= post
            return by_pre(pre, post, n_post)
        if k > _DENSE_ROW * m:                  # most candidates taken: k-subsets from random permutations
            post, pre = np.divmod(_dense_rows(np.arange(n_post), np.full(n_post, k), m, rng), m)
            if no_self:
                pre += pre >= post
            return by_pre(pre, post, n_post)
        return np.divmod(_in_degree_keys(n_pre, n_post, k, m, no_self, rng), n_post)


def _in_degree_keys(n_pre, n_post, k, m, no_self, rng):
    """Sorted keys ``pre * n_post + post``: k distinct pre neurons per post neuron, drawn with
    replacement among the m candidates and duplicates redrawn (each k-subset equally likely,
    as in ``_distinct_per_row``); drawn straight in (pre, post) order: one sort."""
    def draw(post):
        pre = rng.integers(0, m, post.size)
        if no_self:                             # candidate c of post j is neuron c, or c + 1 from j on
            pre += pre >= post
        return pre * n_post + post
    keys = draw(np.repeat(np.arange(n_post, dtype=np.int64), k))
    keys.sort()
    while True:
        dup = np.flatnonzero(keys[1:] == keys[:-1]) + 1
        if dup.size == 0:
            return keys
        redraw = np.sort(draw(keys[dup] % n_post))
        keys = np.delete(keys, dup)
        keys = np.insert(keys, np.searchsorted(keys, redraw), redraw)


class FromList(Connectivity):
    """Explicit index lists: synapse s connects ``pre[s]`` to ``post[s]``."""
    name = "from_list"
    PARAMS = {}
    DATA = ("pre", "post")

    def __init__(self, pre, post):
        super().__init__()
        self.pre = _index_array(pre, "pre")
        self.post = _index_array(post, "post")
        if self.pre.shape != self.post.shape:
            raise NetworkError(f"FromList: pre has {self.pre.size} entries but post has {self.post.size}")

    def check_sizes(self, n_pre, n_post, same_pool):
        for nm, a, n in (("pre", self.pre, n_pre), ("post", self.post, n_post)):
            if a.size and (a.min() < 0 or a.max() >= n):
                raise NetworkError(f"FromList: {nm} index {int(a.max() if a.max() >= n else a.min())} "
                                   f"is outside the pool of {n} neurons")

    def connect(self, n_pre, n_post, rng, same_pool):
        self.check_sizes(n_pre, n_post, same_pool)
        return self.pre, self.post

    def __repr__(self):
        return f"FromList(<{self.pre.size} synapses>)"

    def __eq__(self, other):
        return (type(other) is FromList and np.array_equal(self.pre, other.pre)
                and np.array_equal(self.post, other.post))

    __hash__ = Component.__hash__


def _index_array(a, field):
    """Neuron indices as int64; whole-number floats are accepted, anything else is refused."""
    from .errors import ParameterError
    try:
        raw = np.asarray(a)
    except (TypeError, ValueError):
        raise ParameterError("FromList", field, "is not a list of numbers", "give whole neuron indices >= 0") from None
    if raw.dtype.kind not in "iuf":
        raise ParameterError("FromList", field, f"got an array of dtype {raw.dtype}", "give whole neuron indices >= 0")
    raw = raw.ravel()
    if raw.dtype.kind == "f":
        bad = ~np.isfinite(raw) | (raw != np.round(raw)) | (np.abs(raw) > 2.0 ** 62)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ParameterError("FromList", field, f"got {raw[i]!r} at position {i}",
                                 "indices must be whole numbers (neuron indices), not truncated floats")
    return raw.astype(np.int64)


class FromMatrix(Connectivity):
    """A (n_pre, n_post) matrix: nonzero entries are synapses, their values the weights."""
    name = "from_matrix"
    PARAMS = {}
    DATA = ("matrix",)

    def __init__(self, matrix):
        super().__init__()
        self.matrix = np.asarray(matrix, dtype=np.float64)
        if self.matrix.ndim != 2:
            raise NetworkError(f"FromMatrix: expected a 2-D matrix, got shape {self.matrix.shape}")
        if not np.all(np.isfinite(self.matrix)):
            raise NetworkError("FromMatrix: the matrix contains NaN or inf")

    def check_sizes(self, n_pre, n_post, same_pool):
        if self.matrix.shape != (n_pre, n_post):
            raise NetworkError(f"FromMatrix: matrix has shape {self.matrix.shape}, "
                               f"expected (n_pre, n_post) = ({n_pre}, {n_post})")

    def connect(self, n_pre, n_post, rng, same_pool):
        self.check_sizes(n_pre, n_post, same_pool)
        return np.nonzero(self.matrix)

    def explicit_weights(self):
        return self.matrix[np.nonzero(self.matrix)]

    def __repr__(self):
        return f"FromMatrix(<{self.matrix.shape[0]}x{self.matrix.shape[1]}>)"

    def __eq__(self, other):
        return type(other) is FromMatrix and np.array_equal(self.matrix, other.matrix)

    __hash__ = Component.__hash__
