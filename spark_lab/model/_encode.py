"""Network -> document (``to_dict``): every field stated, in a fixed order."""
from __future__ import annotations

import dataclasses

import numpy as np

from .. import registry
from ..errors import ModelError, ModelIssue
from ..initializers import Initializer
from ._format import FORMAT


def to_dict(net) -> dict:
    """The model document of ``net`` (plain dicts, lists, numbers and strings).

    Every parameter and option of every component is written, defaults included, so
    a file keeps its meaning if a default changes. Raises ModelError when a component
    class is not registered (``spark_lab.registry.register``): a file could not name it.
    """
    inputs = dict(getattr(net, "inputs", None) or {})
    outputs = dict(getattr(net, "outputs", None) or {})
    own = {nd.pool for nd in inputs.values() if getattr(nd, "pool", None) == nd.name}    # pools made by add_input
    problems: list[ModelIssue] = []
    enc = _Encoder(problems)
    doc = {
        "format": FORMAT,
        "dt": float(net.dt),
        "seed": int(net.seed),
        "dtype": net.dtype,
        "pools": [enc.pool(p) for name, p in net.pools.items() if name not in own],
        "projections": enc.projections(net),
        "interfaces": {"inputs": [enc.input(nd) for nd in inputs.values()],
                       "outputs": [enc.output(nd) for nd in outputs.values()]},
        "record": [r.to_dict() for r in net.records],
        "layout": {str(k): [float(x), float(y)] for k, (x, y) in net.layout.items()},
    }
    if problems:
        raise ModelError(problems)
    return doc


class _Encoder:
    def __init__(self, problems):
        self.problems = problems

    def _name(self, obj, where: str) -> str:
        cls = type(obj)
        if not registry.registered(cls):
            self.problems.append(ModelIssue(
                "", where, "component", f"{cls.__qualname__} is not registered as {cls.kind} {cls.name!r}",
                "decorate the class with @spark_lab.registry.register (and give it its own name)"))
        return cls.name

    def component(self, c, where: str) -> dict:
        d = {"component": self._name(c, where),
             "params": {k: self.value(v, where) for k, v in c.values.items()},
             "options": {k: (bool(v) if isinstance(v, np.bool_) else v) for k, v in c.options.items()}}
        if c.DATA:
            plain = getattr(type(c), "FROM_DATA", False)
            d["data"] = {k: self.plain(v, where) if plain else _array(v) for k, v in c.data().items() if v is not None}
        return d

    def plain(self, v, where: str):
        """Data of a class made from its data (equations): strings, numbers, booleans, null,
        objects and lists as they are; initializers as initializer objects."""
        if isinstance(v, Initializer):
            return self.initializer(v, where)
        if isinstance(v, dict):
            return {str(k): self.plain(x, where) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [self.plain(x, where) for x in v]
        if isinstance(v, (np.generic, np.ndarray)) and np.ndim(v) == 0:
            v = v.item()
        if v is None or isinstance(v, (str, bool, int, float)):
            return v
        self.problems.append(ModelIssue("", where, "data", f"cannot store {type(v).__name__} {v!r:.60}",
                                        "give numbers, strings, lists, dicts or initializers"))
        return None

    def value(self, v, where: str):
        if isinstance(v, Initializer):
            return self.initializer(v, where)
        if np.ndim(v) > 0:
            return [float(x) for x in np.asarray(v, np.float64).ravel()]
        return float(v)

    def initializer(self, init, where: str) -> dict:
        name = self._name(init, where)
        if not dataclasses.is_dataclass(init):
            self.problems.append(ModelIssue("", where, "initializer", f"{type(init).__qualname__} is not a dataclass",
                                            "registered initializers must be dataclasses (their fields are stored)"))
            return {"initializer": name, "params": {}}
        fields = {f.name: getattr(init, f.name) for f in dataclasses.fields(init)}
        return {"initializer": name, "params": {k: float(v) for k, v in fields.items() if v is not None}}

    def pool(self, p) -> dict:
        where = f"pool {p.name!r}"
        c = self.component(p.model, where)
        d = {"name": p.name, "component": c.pop("component"), "n": int(p.n)}
        d.update(c)
        d["excitatory"] = _dale(p.excitatory)
        d["g_inh"] = float(p.g_inh)
        if p.init:                      # written only when given: files without it keep their bytes
            d["init"] = {k: self.value(v, where) for k, v in p.init.items()}
        return d

    def projections(self, net) -> list:
        out, first_use = [], {}
        for pr in net.projections.values():
            where = f"projection {pr.name!r}"
            sid = id(pr.synapse)
            syn = ({"shared_with": first_use[sid]} if sid in first_use
                   else self.component(pr.synapse, where))
            first_use.setdefault(sid, pr.name)
            d = {
                "name": pr.name, "pre": _end(pr.pre, pr.pre_range), "post": _end(pr.post, pr.post_range),
                "synapse": syn,
                "connectivity": self.component(pr.connectivity, where),
                "weight": self.value(pr.weight, where),
                "delay": float(pr.delay),
                "plasticity": [self.component(r, where) for r in pr.plasticity],
            }
            if pr.init:
                d["init"] = {k: self.value(v, where) for k, v in pr.init.items()}
            out.append(d)
        return out

    def input(self, nd) -> dict:
        c = self.component(nd.encoder, f"input {nd.name!r}")
        own = nd.pool == nd.name
        d = {"name": nd.name, "component": c.pop("component")}
        d.update(c)
        d["n"] = int(nd.n) if own else None
        d["target"] = None if own else nd.pool
        return d

    def output(self, nd) -> dict:
        where = f"output {nd.name!r}"
        c = self.component(nd.decoder, where)
        d = {"name": nd.name, "component": c.pop("component")}
        d.update(c)
        src = nd.source
        concat = getattr(src, "kind", "") == "routing" and getattr(src, "name", "") == "concat"
        d["source"] = self.sources(src.sources, where) if concat else [self.routing(src, where)]
        return d

    def sources(self, sources, where: str) -> list:
        return [s if isinstance(s, str) else self.routing(s, where) for s in sources]

    def routing(self, r, where: str) -> dict:
        d = self.component(r, where)
        d["source"] = self.sources(getattr(r, "sources", ()), where)
        return d


def _end(pool: str, rng):
    """A projection's end: the pool name, or ``{"pool", "start", "stop"}`` for a pool slice."""
    return pool if rng is None else {"pool": pool, "start": int(rng[0]), "stop": int(rng[1])}


def _dale(mask):
    """None, True, False, the excitatory fraction (a prefix mask), or one bool per neuron."""
    if mask is None:
        return None
    mask = np.asarray(mask, bool)
    k, n = int(mask.sum()), mask.size
    if k == n:
        return True
    if k == 0:
        return False
    if mask[:k].all() and round(k / n * n) == k:
        return k / n
    return [bool(x) for x in mask]


def _array(v):
    """Structural data as nested lists (ints stay ints)."""
    if isinstance(v, (list, tuple)) and any(np.ndim(x) > 0 for x in v):
        return [_array(x) for x in v]
    a = np.asarray(v)
    if a.dtype.kind in "iu":
        return a.tolist()
    if a.dtype.kind == "b":
        return a.tolist()
    return np.asarray(a, np.float64).tolist()
