"""Routing: which neurons of which pools a decoder reads.

    Concat("exc", "inh")              # the neurons of exc, then those of inh
    Subset("exc", k=50, seed=3)       # a fixed random subset of 50 neurons of exc
    Subset(Concat("a", "b"), k=10)    # routings nest

Sources are pool names, Pools (from ``add_pool``) or other routings. In a network,
``resolve(sizes)`` gives the neurons as ``[(pool, indices), ...]`` in output order.
On plain arrays (neurons on the last axis):

    Concat()(a, b)                   # == np.concatenate([a, b], axis=-1)
    Concat("a", "b")({"a": A, "b": B})
    Subset(k=10, seed=0)(x)          # x[..., idx], idx = Subset(...).indices(x.shape[-1])

The subset is ``numpy.random.default_rng(seed).choice(n, k, replace=False)``, sorted
ascending: the same seed and n always give the same neurons, independent of the network seed.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from .._component import Component
from .._params import Param
from ..errors import NetworkError, ParameterError


def _source_name(s):
    if isinstance(s, (str, Routing)):
        return s
    if hasattr(s, "name") and hasattr(s, "model"):          # a Pool
        return s.name
    raise NetworkError(f"a routing source must be a pool name, a Pool or a routing (Concat, Subset), got {s!r}")


class Routing(Component):
    """Base class: a selection of neurons from one or more pools."""

    kind: ClassVar[str] = "routing"

    def __init__(self, *sources, **params):
        super().__init__(**params)
        self.sources = tuple(_source_name(s) for s in sources)

    def resolve(self, sizes: dict) -> list[tuple[str, np.ndarray]]:
        """``[(pool, neuron indices), ...]`` for pools of the given sizes ({pool: n})."""
        raise NotImplementedError

    def size(self, sizes: dict) -> int:
        """Number of neurons routed, given ``{pool: size}``."""
        return sum(len(i) for _, i in self.resolve(sizes))

    def pools(self) -> tuple[str, ...]:
        """The pool names this routing reads, in order of first use."""
        out = []
        for s in self.sources:
            for p in (s.pools() if isinstance(s, Routing) else (s,)):
                if p not in out:
                    out.append(p)
        return tuple(out)

    def gather(self, arrays: dict) -> np.ndarray:
        """The selected neurons' entries of ``{pool: array (..., n_pool)}``, concatenated on the last axis."""
        sizes = {p: np.shape(arrays[p])[-1] for p in self.pools() if p in arrays}
        missing = [p for p in self.pools() if p not in arrays]
        if missing:
            raise NetworkError(f"{self.describe()}: no data for pool {missing[0]!r}")
        return np.concatenate([np.asarray(arrays[p])[..., idx] for p, idx in self.resolve(sizes)], axis=-1)

    def _resolve_sources(self, sizes):
        segs = []
        for s in self.sources:
            if isinstance(s, Routing):
                segs.extend(s.resolve(sizes))
            else:
                if s not in sizes:
                    raise NetworkError(f"{self.describe()}: unknown pool {s!r}; pools: {', '.join(sizes) or '(none)'}")
                segs.append((s, np.arange(sizes[s])))
        return segs

    def __repr__(self):
        base = super().__repr__()
        src = ", ".join(repr(s) for s in self.sources)
        inner = base[base.index("(") + 1:-1]
        return f"{type(self).__name__}({', '.join(x for x in (src, inner) if x)})"

    def __eq__(self, other):
        return super().__eq__(other) and self.sources == other.sources

    __hash__ = Component.__hash__

    def replace(self, **params):
        return type(self)(*self.sources, **{**self.values, **self.options, **params})

    def rename_pool(self, old: str, new: str) -> Routing:
        """The same routing with pool ``old`` read as ``new`` (nested routings too)."""
        srcs = [s.rename_pool(old, new) if isinstance(s, Routing) else (new if s == old else s)
                for s in self.sources]
        return type(self)(*srcs, **{**self.values, **self.options})


class Concat(Routing):
    """The neurons of several sources, one after the other (see module docstring)."""

    name = "concat"

    def resolve(self, sizes):
        return self._resolve_sources(sizes)

    def __call__(self, *arrays):
        """Concatenate arrays on the last axis; one dict argument: look up this routing's sources."""
        if len(arrays) == 1 and isinstance(arrays[0], dict):
            return self.gather(arrays[0])
        if not arrays:
            raise ParameterError(self.describe(), "arrays", "got none", "give at least one array")
        return np.concatenate([np.asarray(a) for a in arrays], axis=-1)


class Subset(Routing):
    """A fixed, seeded random subset of ``k`` neurons of one source (see module docstring)."""

    name = "subset"
    PARAMS = {
        "k": Param(1, "1", low=1, integer=True, per_neuron=False, help="number of neurons kept"),
        "seed": Param(0, "1", low=0, high=2 ** 32 - 1, integer=True, per_neuron=False,
                      help="seed of the draw (numpy default_rng)"),
    }

    def __init__(self, source=None, **params):
        super().__init__(*(() if source is None else (source,)), **params)

    def indices(self, n: int) -> np.ndarray:
        """The kept neuron indices (sorted) out of ``n``."""
        k = int(self.values["k"])
        if k > n:
            raise ParameterError(self.describe(), "k", f"k={k} neurons out of a source of {n}",
                                 f"k must be <= {n}")
        return np.sort(np.random.default_rng(int(self.values["seed"])).choice(n, k, replace=False))

    def resolve(self, sizes):
        if not self.sources:
            raise NetworkError(f"{self.describe()}: no source; give one, e.g. Subset('exc', k=10)")
        segs = self._resolve_sources(sizes)
        pool = np.concatenate([np.full(len(i), j) for j, (_, i) in enumerate(segs)])
        idx = np.concatenate([i for _, i in segs])
        keep = self.indices(idx.size)
        out = []
        for j, (p, _) in enumerate(segs):            # regroup the kept neurons by segment, in order
            sel = idx[keep[pool[keep] == j]]
            if sel.size:
                out.append((p, sel))
        return out

    def __call__(self, x):
        """``x[..., indices(x.shape[-1])]`` for an array with neurons on the last axis."""
        x = np.asarray(x)
        return x[..., self.indices(x.shape[-1])]
