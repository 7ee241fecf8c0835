"""Document -> Network, collecting every problem on the way (``validate``, ``from_dict``).

One pass does both: each part of the document is checked on its own (types, unknown
and missing fields, registered component names, every value against its ``Param``),
the parts that pass are built into a Network (which adds the checks across parts:
Dale's law, delays in whole steps, pool sizes of connectivity rules...), and every
problem becomes a ModelIssue with its JSON Pointer. A part that fails is left out
of the network, and whatever depends on it is not reported again.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _checks, _memory
from .._checks import brief
from ..errors import ModelIssue, SparkLabError
from ..initializers import Initializer
from ..network import Network, PoolSlice
from . import _format as F
from ._schema import BUILD_ERRORS, FAILED, MAX_ISSUES, Schema, is_num, kind_of, names_hint


def build(doc, max_issues: int = MAX_ISSUES, memory_limit=None) -> tuple[Network | None, list[ModelIssue]]:
    """(network or None, issues); the network is None whenever there is an issue.

    At most ``max_issues`` issues are listed, then one ``MoreIssues`` with the count of the
    rest. A network whose estimated memory (``spark_lab._memory``) exceeds ``memory_limit``
    (bytes; None: ``SPARK_LAB_MEMORY_LIMIT`` or the memory available now) is refused with an
    issue at the field that needs the most (``/pools/0/n``, ``/projections/0/delay``)."""
    b = _Builder(max_issues, memory_limit)
    try:
        net = b.document(doc)
        if net is not None and not (b.issues or b.more):
            b.check_memory(net)
    except RecursionError:
        b.issue("", "model", "", "the document is nested too deeply", "a model file is at most a few levels deep")
        net = None
    return (None if b.issues or b.more else net), b.result()


class _Builder(Schema):
    """Assembles a Network from the parts of a document that pass ``Schema``'s checks."""

    def __init__(self, max_issues: int, memory_limit=None):
        super().__init__(max_issues)
        self.limit, self.limit_source = _memory.limit(memory_limit)

    # ------------------------------------------------------------------ memory
    def pool_fits(self, model, n: int, path: str, where: str) -> bool:
        """False (after an issue at ``path``) when ``n`` neurons alone exceed the memory limit."""
        need = _memory.Need("pool", "", "n", _memory.pool_bytes(model, n, 8 if self.net.dtype == "float64" else 4),
                            f"{n:,} neurons of {type(model).__name__}")
        if need.bytes <= self.limit:
            return True
        self.issue(path, where, "n", *_memory.refusal(need, _memory.Estimate((need,)), self.limit, self.limit_source))
        return False

    def check_memory(self, net) -> None:
        """An issue at the field that needs the most when the whole network exceeds the limit."""
        est = _memory.estimate(net)
        if est.total <= self.limit:
            return
        need = est.largest()
        path = F.pointer(self.paths.get((need.kind, need.name), ""), need.field)
        self.issue(path, f"{need.kind} {need.name!r}", need.field,
                   *_memory.refusal(need, est, self.limit, self.limit_source))

    # ------------------------------------------------------------------ the document
    def document(self, doc):
        if not self.obj(doc, "", "model", "a model document"):
            return None
        self.keys(doc, "", "model", F.TOP_KEYS, ("format",))
        fmt = doc.get("format")
        if "format" in doc and fmt != F.FORMAT:
            self.issue("/format", "model", "format", f"got {brief(fmt)}",
                       f"this version of spark_lab reads {F.FORMAT!r}")
        if fmt is not None and fmt != F.FORMAT and isinstance(fmt, str) and fmt.startswith("spark_lab.model/"):
            return None                                  # another version: its fields would mislead
        dt = self.number(doc.get("dt", F.DT.default), "/dt", "model", "dt", F.DT)
        seed = doc.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2 ** 32:
            self.issue("/seed", "model", "seed", f"got {brief(seed)}", "give a whole number 0 <= seed < 2**32")
            seed = 0
        dtype = doc.get("dtype", "float32")
        if dtype not in ("float32", "float64"):
            self.issue("/dtype", "model", "dtype", f"got {brief(dtype)}", "use 'float32' or 'float64'")
            dtype = "float32"
        net = Network(dt=dt if dt is not None else F.DT.default, seed=seed, dtype=dtype)
        self.net = net
        self.declared: dict[str, None] = {}             # every pool name the document gives (built or not), in order
        self.paths: dict[tuple[str, str], str] = {}     # ("pool" | "projection", name) -> its JSON Pointer
        self._nodes: dict[str, None] = {}
        pools = self.list(doc, "pools")
        projections = self.list(doc, "projections")
        interfaces = doc.get("interfaces", {})
        if not self.obj(interfaces, "/interfaces", "interfaces", "interfaces"):
            interfaces = {}
        self.keys(interfaces, "/interfaces", "interfaces", F.INTERFACE_KEYS)
        inputs = self.list(interfaces, "inputs", "/interfaces/inputs")
        outputs = self.list(interfaces, "outputs", "/interfaces/outputs")
        for i, p in enumerate(pools):
            self.pool(p, f"/pools/{i}")
        for i, x in enumerate(inputs):
            self.input(x, f"/interfaces/inputs/{i}")
        self.proj_names: dict[str, None] = {}
        self.synapse_of: dict = {}
        for i, x in enumerate(projections):
            self.projection(x, f"/projections/{i}")
        for i, x in enumerate(outputs):
            self.output(x, f"/interfaces/outputs/{i}")
        for i, x in enumerate(self.list(doc, "record")):
            self.record(x, f"/record/{i}")
        self.layout(doc.get("layout", {}))
        return net

    def list(self, doc, key, path=None):
        path = path or f"/{key}"
        x = doc.get(key, [])
        if not isinstance(x, list):
            self.issue(path, key, "", f"expected a list, got {kind_of(x)} {brief(x)}")
            return []
        return x

    # ------------------------------------------------------------------ pools
    def pool(self, x, path):
        if not self.obj(x, path, "pool", "a pool"):
            return
        nm = x.get("name")
        where = f"pool {nm!r}" if isinstance(nm, str) else f"pool {path}"
        ok = self.keys(x, path, where, F.POOL_KEYS, ("name", "component", "n"))
        name = self.name(nm, f"{path}/name", where, "name", self.declared, "pool") if "name" in x else None
        if name is not None:
            self.declared[name] = None
        n = None
        if "n" in x:
            n = self.number(x["n"], f"{path}/n", where, "n", integer=True)
            if n is not None and not 1 <= n <= F.MAX_NEURONS:
                self.issue(f"{path}/n", where, "n", f"got {n}", f"a pool has 1 to {F.MAX_NEURONS:,} neurons")
                n = None
        model = self.component(x, path, "neuron", where, n) if "component" in x else None
        if model is not None and n is not None and not self.pool_fits(model, n, f"{path}/n", where):
            return
        exc = x.get("excitatory")
        if exc is not None and not isinstance(exc, bool):
            if is_num(exc):
                if self.number(exc, f"{path}/excitatory", where, "excitatory") is None:
                    exc = FAILED
                elif not 0.0 <= exc <= 1.0:
                    self.issue(f"{path}/excitatory", where, "excitatory", f"got {exc!r}",
                               "a fraction of excitatory neurons is between 0 and 1")
                    exc = FAILED
            elif isinstance(exc, list) and all(isinstance(e, bool) for e in exc):
                if n is not None and len(exc) != n:
                    self.issue(f"{path}/excitatory", where, "excitatory", f"got {len(exc)} values",
                               f"give one true/false per neuron ({n})")
                    exc = FAILED
                else:
                    exc = np.asarray(exc, bool)
            else:
                self.issue(f"{path}/excitatory", where, "excitatory", f"got {kind_of(exc)} {brief(exc)}",
                           "give null (no Dale's law), true, false, a fraction, or a list of true/false per neuron")
                exc = FAILED
        g_inh = self.number(x.get("g_inh", 1.0), f"{path}/g_inh", where, "g_inh", F.G_INH)
        init = self.init_values(x, path, where)
        if not ok or name is None or n is None or model is None or exc is FAILED or g_inh is None or init is FAILED:
            return
        try:
            self.net.add_pool(name, model, n, excitatory=exc, g_inh=g_inh, init=init)
        except SparkLabError as e:
            self.init_error(e, path, where, F.POOL_KEYS)
            return
        self.paths["pool", name] = path
        try:
            model.structure(n, self.net.dt)
        except BUILD_ERRORS as e:
            self.from_error(e, f"{path}/data", where)
            self.net.remove_pool(name)

    # ------------------------------------------------------------------ projections
    def projection(self, x, path):
        if not self.obj(x, path, "projection", "a projection"):
            return
        nm = x.get("name")
        pre_post = f"{x.get('pre')}->{x.get('post')}"
        where = f"projection {nm if isinstance(nm, str) else pre_post!r}"
        ok = self.keys(x, path, where, F.PROJECTION_KEYS, ("pre", "post"))
        name = None
        if "name" in x:
            if not isinstance(nm, str) or not _checks.is_name(nm, arrow=True):
                self.issue(f"{path}/name", where, "name", f"got {kind_of(nm)} {brief(nm)}",
                           "letters, digits, '_' or '-' (or 'pre->post')")
                ok = False
            elif nm in self.proj_names:
                self.issue(f"{path}/name", where, "name", f"a projection named {nm!r} comes earlier already",
                           "names must be unique")
                ok = False
            else:
                name = nm
                self.proj_names[nm] = None
        ends, slices = {}, {}
        for end in ("pre", "post"):
            if end in x:
                ends[end], slices[end] = self.end(x[end], f"{path}/{end}", where, end)
        pre, post = ends.get("pre"), ends.get("post")
        built = pre in self.net.pools and post in self.net.pools and FAILED not in slices.values()
        post_n = self.net.pools[post].n if post in self.net.pools else None
        syn = FAILED
        if "synapse" in x:
            s = x["synapse"]
            if self.obj(s, f"{path}/synapse", where, "a synapse"):
                if "shared_with" in s:
                    if self.keys(s, f"{path}/synapse", where, ("shared_with",)):
                        other = self.ref(s["shared_with"], f"{path}/synapse/shared_with", where, "shared_with",
                                         self.proj_names, "projection")
                        if other is not None and other == name:
                            self.issue(f"{path}/synapse/shared_with", where, "shared_with",
                                       f"projection {name!r} cannot share its own synapse",
                                       "name another projection that comes earlier")
                            other = None
                        syn = self.synapse_of.get(other)
                        if other is not None and syn is None:
                            syn = FAILED                         # that projection's synapse failed: reported there
                else:
                    self.keys(s, f"{path}/synapse", where, F.COMPONENT_KEYS)
                    syn = self.component(s, f"{path}/synapse", "synapse", f"synapse of {where}", post_n) or FAILED
        else:
            syn = None
        conn = None
        if "connectivity" in x:
            c = x["connectivity"]
            conn = FAILED
            if self.obj(c, f"{path}/connectivity", where, "a connectivity rule"):
                self.keys(c, f"{path}/connectivity", where, F.COMPONENT_KEYS)
                conn = self.component(c, f"{path}/connectivity", "connectivity", f"connectivity of {where}") or FAILED
        weight = x.get("weight", 1.0)
        if isinstance(weight, dict):
            weight = self.initializer(weight, f"{path}/weight", where, "weight") or FAILED
        elif self.number(weight, f"{path}/weight", where, "weight") is None:
            weight = FAILED
        delay = self.number(x.get("delay", 0.0), f"{path}/delay", where, "delay", F.DELAY)
        rules = []
        for i, r in enumerate(self.list(x, "plasticity", f"{path}/plasticity")):
            rp = f"{path}/plasticity/{i}"
            if self.obj(r, rp, where, "a plasticity rule"):
                self.keys(r, rp, where, F.COMPONENT_KEYS)
                rules.append(self.component(r, rp, "plasticity", f"plasticity rule {i} of {where}") or FAILED)
        init = self.init_values(x, path, where)
        if not ok or not built or FAILED in (syn, conn, weight, init) or delay is None or FAILED in rules:
            return
        try:
            pr = self.net.connect(slices.get("pre") or pre, slices.get("post") or post, synapse=syn,
                                  connectivity=conn, weight=weight, delay=delay, name=name, plasticity=rules, init=init)
        except SparkLabError as e:
            if getattr(e, "field", "") == "slice":
                self.from_error(e, f"{path}/{getattr(e, 'component', 'pre').split()[0]}", where)
            else:
                self.init_error(e, path, where, F.PROJECTION_KEYS)
            return
        self.synapse_of[pr.name] = pr.synapse
        self.paths["projection", pr.name] = path
        try:
            pr.connectivity.check_sizes(*pr.sizes(self.net), pr.same_neurons)
        except SparkLabError as e:
            n_pre, n_post = pr.sizes(self.net)
            self.issue(f"{path}/connectivity", where, "", str(e),
                       f"{_end_text(pr.source)} has {n_pre} neurons, {_end_text(pr.target)} {n_post}")
        self.check_initial_weights(pr, path, where)

    def end(self, x, path, where, field):
        """A projection's pre or post: a pool name, or ``{"pool", "start", "stop"}`` (a pool
        slice). -> (pool name or None, PoolSlice, None or FAILED)."""
        if not isinstance(x, dict):
            return self.ref(x, path, where, field, self.declared, "pool"), None
        if not self.keys(x, path, where, ("pool", "start", "stop"), ("pool", "start", "stop")):
            return None, FAILED
        pool = self.ref(x["pool"], f"{path}/pool", where, field, self.declared, "pool")
        a = self.number(x["start"], f"{path}/start", where, "start", integer=True)
        b = self.number(x["stop"], f"{path}/stop", where, "stop", integer=True)
        if pool is None or a is None or b is None:
            return pool, FAILED
        return pool, PoolSlice(pool, a, b)

    def init_values(self, x, path, where):
        """The ``init`` object of a pool or projection: {variable: number, string with a unit
        or initializer object}; None when absent, FAILED after an issue."""
        if "init" not in x:
            return None
        raw, p = x["init"], f"{path}/init"
        if not self.obj(raw, p, where, "the initial values"):
            return FAILED
        out = {}
        for k, v in raw.items():
            vp = F.pointer(p, k)
            if isinstance(v, dict):
                v = self.initializer(v, vp, where, f"init[{k!r}]") or FAILED
            elif not isinstance(v, str) and self.number(v, vp, where, f"init[{k!r}]") is None:
                v = FAILED
            out[k] = v
        return FAILED if FAILED in out.values() else out

    def init_error(self, e, path, where, fields):
        """An error of add_pool / connect: at /init/<variable> when it names an initial value."""
        field = getattr(e, "field", "") or ""
        if field.startswith("init[") and field.endswith("]"):
            var = field[5:-1].strip("'\"")
            self.issue(F.pointer(f"{path}/init", var), where, field, getattr(e, "problem", str(e)),
                       getattr(e, "hint", ""))
        else:
            self.from_error(e, path, where, fields)

    def check_initial_weights(self, pr, path, where):
        if isinstance(pr.weight, Initializer):
            lo, hi = pr.weight.support()
            if not (np.isfinite(lo) and np.isfinite(hi)):
                if any("w_min" in r.values and r.CHANGES_WEIGHTS for r in pr.plasticity):
                    self.issue(f"{path}/weight", where, "weight", f"{pr.weight!r} can draw any value",
                               "a plastic projection's weights must lie within its rule's [w_min, w_max]; "
                               "use Uniform or a clipped Normal")
                return
            w = np.array([lo, hi], np.float64)
        elif pr.connectivity.explicit_weights() is not None:
            w = np.asarray(pr.connectivity.explicit_weights(), np.float64)
        else:
            w = np.array([float(pr.weight)])
        for r in pr.plasticity:
            try:
                r.initial_weights(w, where)
            except SparkLabError as e:
                self.from_error(e, f"{path}/weight", where)
                return

    # ------------------------------------------------------------------ records, layout
    def record(self, x, path):
        if not self.obj(x, path, "record", "a record entry"):
            return
        where = f"record {x.get('pool')}.{x.get('var', 'spikes')}"
        ok = self.keys(x, path, where, F.RECORD_KEYS, ("pool",))
        pool = self.ref(x["pool"], f"{path}/pool", where, "pool", self.declared, "pool") if "pool" in x else None
        var = x.get("var", "spikes")
        if not isinstance(var, str):
            self.issue(f"{path}/var", where, "var", f"got {kind_of(var)} {brief(var)}", "give a variable name")
            ok = False
        every = self.number(x.get("every", 1), f"{path}/every", where, "every", F.EVERY, integer=True)
        neurons = x.get("neurons")
        if neurons is not None and not (isinstance(neurons, list) and all(
                isinstance(i, int) and not isinstance(i, bool) for i in neurons)):
            self.issue(f"{path}/neurons", where, "neurons", f"got {brief(neurons)}",
                       "give null (all neurons) or a list of neuron indices")
            ok = False
        if not ok or pool not in self.net.pools or every is None:
            return
        try:
            self.net.record(pool, var, every, neurons, between=x.get("between"), when=x.get("when"))
        except SparkLabError as e:
            i = self.from_error(e, path, where, F.RECORD_KEYS)
            if i is not None and getattr(e, "field", None) is None:        # NetworkError: the variable
                i.path, i.field = f"{path}/var", "var"
            elif i is not None and str(i.field).startswith("when."):
                i.path = f"{path}/when/{i.field[5:]}"

    def layout(self, x):
        if not self.obj(x, "/layout", "layout", "the layout ({name: [x, y]})"):
            return
        nodes = {**self.declared, **self._nodes}
        for k, v in x.items():
            p = F.pointer("/layout", k)
            if k not in nodes:
                self.issue(p, "layout", str(k), f"no pool or interface node named {k!r}",
                           lambda k=k: f"{self.suggest(str(k), nodes)}{names_hint(nodes, 'node')}")
                continue
            if not (isinstance(v, list) and len(v) == 2 and all(is_num(c) for c in v)
                    and all(abs(c) < 1e300 and math.isfinite(c) for c in v)):
                self.issue(p, "layout", str(k), f"got {brief(v)}", "give [x, y], two finite numbers")
                continue
            self.net.set_position(k, float(v[0]), float(v[1]))

    # ------------------------------------------------------------------ interfaces
    def _node(self, x, path, kind, keys, required):
        if not self.obj(x, path, kind, f"an {kind}"):
            return None, None, False
        nm = x.get("name")
        where = f"{kind} {nm!r}" if isinstance(nm, str) else f"{kind} {path}"
        ok = self.keys(x, path, where, keys, required)
        name = self.name(nm, f"{path}/name", where, "name", self._nodes, kind) if "name" in x else None
        if name is not None:
            self._nodes[name] = None
        return name, where, ok and name is not None

    def input(self, x, path):
        name, where, ok = self._node(x, path, "input", F.INPUT_KEYS, ("name", "component"))
        if where is None:
            return
        if name is not None and name not in self.declared:
            self.declared[name] = None                   # projections and records may use its pool
        enc = self.component(x, path, "encoder", where) if "component" in x else None
        n = x.get("n")
        if n is not None:
            n = self.number(n, f"{path}/n", where, "n", integer=True)
            if n is not None and not 1 <= n <= F.MAX_NEURONS:
                self.issue(f"{path}/n", where, "n", f"got {n}", f"a pool has 1 to {F.MAX_NEURONS:,} neurons")
                n = None
            ok = ok and n is not None
        target = x.get("target")
        if target is not None:
            target = self.ref(target, f"{path}/target", where, "target", self.declared, "pool")
            ok = ok and target is not None
        if not ok or enc is None:
            return
        try:
            self.net.add_input(name, enc, n, **({"target": target} if target is not None else {}))
        except BUILD_ERRORS as e:
            self.from_error(e, path, where, F.INPUT_KEYS)
            return
        if target is None and name in self.net.pools:
            self.paths["pool", name] = path

    def output(self, x, path):
        name, where, ok = self._node(x, path, "output", F.OUTPUT_KEYS, ("name", "component", "source"))
        if where is None:
            return
        dec = self.component(x, path, "decoder", where) if "component" in x else None
        src = self.sources(x["source"], f"{path}/source", where) if "source" in x else None
        if not ok or dec is None or src is None:
            return
        try:
            self.net.add_output(name, dec, source=src)
        except BUILD_ERRORS as e:
            self.from_error(e, path, where, F.OUTPUT_KEYS)

    def sources(self, x, path, where):
        """A list of pool names and routing objects, or None (after issues)."""
        if not isinstance(x, list) or not x:
            self.issue(path, where, "source", f"got {kind_of(x)} {brief(x)}",
                       "give a list of pool names and routing objects")
            return None
        out = []
        for i, s in enumerate(x):
            p = f"{path}/{i}"
            if isinstance(s, str):
                out.append(self.ref(s, p, where, "source", self.declared, "pool"))
            elif isinstance(s, dict):
                self.keys(s, p, where, F.ROUTING_KEYS, ("component",))
                inner = self.sources(s.get("source"), f"{p}/source", where) if "source" in s else ()
                out.append(None if inner is None else self.component(s, p, "routing", where, extra=tuple(inner)))
            else:
                self.issue(p, where, "source", f"got {kind_of(s)} {brief(s)}", "give a pool name or a routing object")
                out.append(None)
        return None if any(s is None for s in out) else out


def _end_text(end) -> str:
    """A projection end in a hint: "pool 'exc'" or "slice exc[0:800]"."""
    return f"pool {end!r}" if isinstance(end, str) else f"slice {end!r}"
