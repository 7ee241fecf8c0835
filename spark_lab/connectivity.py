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
    kind: ClassVar[str] = "connectivity"

    def connect(self, n_pre: int, n_post: int, rng: np.random.Generator, same_pool: bool):
        """Return (pre, post) int arrays of local indices."""
        raise NotImplementedError

    def explicit_weights(self):
        """Weights that come with the connectivity (FromMatrix), else None."""
        return None


def _drop_autapses(pre, post, keep):
    if keep:
        return pre, post
    m = pre != post
    return pre[m], post[m]


class AllToAll(Connectivity):
    """Every pre neuron to every post neuron (``autapses``: include i->i within one pool)."""
    name = "all_to_all"
    PARAMS = {"autapses": Param(0.0, "1", low=0, high=1, integer=True, per_neuron=False,
                                help="1 to keep self-connections inside one pool")}

    def connect(self, n_pre, n_post, rng, same_pool):
        pre, post = np.divmod(np.arange(n_pre * n_post), n_post)
        return _drop_autapses(pre, post, not same_pool or bool(self.values["autapses"]))


class OneToOne(Connectivity):
    """Neuron i to neuron i; both pools must have the same size."""
    name = "one_to_one"
    PARAMS = {}

    def connect(self, n_pre, n_post, rng, same_pool):
        if n_pre != n_post:
            raise NetworkError(f"OneToOne needs pools of equal size, got {n_pre} -> {n_post}")
        i = np.arange(n_pre)
        return i, i.copy()


class FixedProbability(Connectivity):
    """Each pair is connected independently with probability ``p``."""
    name = "fixed_probability"
    PARAMS = {
        "p": Param(0.1, "1", low=0, high=1, per_neuron=False, help="connection probability"),
        "autapses": Param(0.0, "1", low=0, high=1, integer=True, per_neuron=False,
                          help="1 to keep self-connections inside one pool"),
    }

    def connect(self, n_pre, n_post, rng, same_pool):
        m = rng.random((n_pre, n_post)) < float(self.values["p"])
        if same_pool and not self.values["autapses"]:
            np.fill_diagonal(m, False)
        pre, post = np.nonzero(m)
        return pre, post


class FixedInDegree(Connectivity):
    """Every post neuron receives exactly ``k`` synapses from distinct pre neurons."""
    name = "fixed_in_degree"
    PARAMS = {
        "k": Param(10.0, "1", low=0, integer=True, per_neuron=False, help="synapses per post neuron"),
        "autapses": Param(0.0, "1", low=0, high=1, integer=True, per_neuron=False,
                          help="1 to allow self-connections inside one pool"),
    }

    def connect(self, n_pre, n_post, rng, same_pool):
        k = int(self.values["k"])
        avail = n_pre - (1 if same_pool and not self.values["autapses"] else 0)
        if k > avail:
            raise NetworkError(f"FixedInDegree: k={k} but only {avail} distinct pre neurons are available")
        pres = np.empty((n_post, k), np.int64)
        for j in range(n_post):
            if same_pool and not self.values["autapses"]:
                cand = rng.choice(n_pre - 1, size=k, replace=False)
                cand = cand + (cand >= j)
            else:
                cand = rng.choice(n_pre, size=k, replace=False)
            pres[j] = np.sort(cand)
        return pres.ravel(), np.repeat(np.arange(n_post), k)


class FromList(Connectivity):
    """Explicit index lists: synapse s connects ``pre[s]`` to ``post[s]``."""
    name = "from_list"
    PARAMS = {}

    def __init__(self, pre, post):
        super().__init__()
        self.pre = np.asarray(pre, dtype=np.int64).ravel()
        self.post = np.asarray(post, dtype=np.int64).ravel()
        if self.pre.shape != self.post.shape:
            raise NetworkError(f"FromList: pre has {self.pre.size} entries but post has {self.post.size}")

    def connect(self, n_pre, n_post, rng, same_pool):
        for nm, a, n in (("pre", self.pre, n_pre), ("post", self.post, n_post)):
            if a.size and (a.min() < 0 or a.max() >= n):
                raise NetworkError(f"FromList: {nm} index {int(a.max() if a.max() >= n else a.min())} "
                                   f"is outside the pool of {n} neurons")
        return self.pre, self.post

    def __repr__(self):
        return f"FromList(<{self.pre.size} synapses>)"

    def __eq__(self, other):
        return (type(other) is FromList and np.array_equal(self.pre, other.pre)
                and np.array_equal(self.post, other.post))

    __hash__ = Component.__hash__


class FromMatrix(Connectivity):
    """A (n_pre, n_post) matrix: nonzero entries are synapses, their values the weights."""
    name = "from_matrix"
    PARAMS = {}

    def __init__(self, matrix):
        super().__init__()
        self.matrix = np.asarray(matrix, dtype=np.float64)
        if self.matrix.ndim != 2:
            raise NetworkError(f"FromMatrix: expected a 2-D matrix, got shape {self.matrix.shape}")
        if not np.all(np.isfinite(self.matrix)):
            raise NetworkError("FromMatrix: the matrix contains NaN or inf")

    def connect(self, n_pre, n_post, rng, same_pool):
        if self.matrix.shape != (n_pre, n_post):
            raise NetworkError(f"FromMatrix: matrix has shape {self.matrix.shape}, "
                               f"expected (n_pre, n_post) = ({n_pre}, {n_post})")
        return np.nonzero(self.matrix)

    def explicit_weights(self):
        return self.matrix[np.nonzero(self.matrix)]

    def __repr__(self):
        return f"FromMatrix(<{self.matrix.shape[0]}x{self.matrix.shape[1]}>)"

    def __eq__(self, other):
        return type(other) is FromMatrix and np.array_equal(self.matrix, other.matrix)

    __hash__ = Component.__hash__
