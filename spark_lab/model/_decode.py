"""Document -> Network, collecting every problem on the way (``validate``, ``from_dict``).

One pass does both: each part of the document is checked on its own (types, unknown
and missing fields, registered component names, every value against its ``Param``),
the parts that pass are built into a Network (which adds the checks across parts:
Dale's law, delays in whole steps, pool sizes of connectivity rules...), and every
problem becomes a ModelIssue with its JSON Pointer. A part that fails is left out
of the network, and whatever depends on it is not reported again.
"""
from __future__ import annotations

import dataclasses
import inspect
import math
import re

import numpy as np

from .. import registry
from .._params import did_you_mean, validate_kwargs
from ..errors import ModelIssue, SparkLabError
from ..initializers import Initializer
from ..network import Network
from . import _format as F

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_BUILD_ERRORS = (SparkLabError, ValueError, TypeError)     # what a component's own checks may raise


def build(doc) -> tuple[Network | None, list[ModelIssue]]:
    """(network or None, issues); the network is None whenever there is an issue."""
    b = _Builder()
    try:
        net = b.document(doc)
    except RecursionError:
        b.issue("", "model", "", "the document is nested too deeply", "a model file is at most a few levels deep")
        net = None
    return (None if b.issues else net), b.issues


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _kind_of(x) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(x), type(x).__name__)


def _show(x) -> str:
    r = repr(x)
    return r if len(r) <= 60 else r[:57] + "..."


class _Builder:
    def __init__(self):
        self.issues: list[ModelIssue] = []

    def issue(self, path, component, field, problem, hint=""):
        self.issues.append(ModelIssue(path, component, field, problem, hint))

    def from_error(self, e: Exception, path: str, component: str, fields=()):
        """An exception of a constructor or of Network as an issue; the path goes down to
        the field when the error names one that is in ``fields``."""
        field = getattr(e, "field", "") or ""
        problem = getattr(e, "problem", None) or str(e)
        hint = getattr(e, "hint", "") or ""
        if not hasattr(e, "problem") and "; " in problem:      # NetworkError: "what is wrong; what to do"
            problem, hint = problem.split("; ", 1)
        self.issue(F.pointer(path, field) if field in fields else path, component, field, problem, hint)

    # ------------------------------------------------------------------ generic checks
    def obj(self, x, path, component, what) -> bool:
        if isinstance(x, dict):
            return True
        self.issue(path, component, "", f"expected {what} (an object), got {_kind_of(x)} {_show(x)}")
        return False

    def keys(self, x: dict, path, component, allowed, required=()) -> bool:
        ok = True
        for k in x:
            if k not in allowed:
                self.issue(F.pointer(path, k), component, str(k), "unknown field",
                           f"{did_you_mean(str(k), allowed)}allowed: {', '.join(allowed)}")
                ok = False
        for k in required:
            if k not in x:
                self.issue(path, component, k, "missing field", f"give {k}")
                ok = False
        return ok

    def number(self, x, path, component, field, decl=None, integer=False):
        """A finite number within ``decl``'s range, or None (after an issue)."""
        unit = f" in {decl.unit}" if decl is not None and decl.unit not in ("", "1") else ""
        if integer:
            if not isinstance(x, int) or isinstance(x, bool):
                self.issue(path, component, field, f"got {_kind_of(x)} {_show(x)}", "give a whole number")
                return None
        elif not _is_num(x):
            self.issue(path, component, field, f"got {_kind_of(x)} {_show(x)}", f"give a number{unit}")
            return None
        try:
            v = float(x)
        except OverflowError:
            v = math.inf
        if not math.isfinite(v):
            self.issue(path, component, field, f"got {_show(x)}", "must be a finite number")
            return None
        if decl is not None:
            try:
                decl.check_values(np.asarray(v), component, field)
            except SparkLabError as e:
                self.from_error(e, path, component)
                return None
        return x if integer else v

    def name(self, x, path, component, field, taken, what) -> str | None:
        if not isinstance(x, str) or not _NAME.match(x):
            self.issue(path, component, field, f"got {_kind_of(x)} {_show(x)}",
                       "a name is letters, digits, '_' or '-', starting with a letter or '_'")
            return None
        if x in taken:
            self.issue(path, component, field, f"a {what} named {x!r} comes earlier already", "names must be unique")
            return None
        return x

    def ref(self, x, path, component, field, known, what) -> str | None:
        """A reference to a named thing of ``known`` (did-you-mean when unknown)."""
        if not isinstance(x, str):
            self.issue(path, component, field, f"got {_kind_of(x)} {_show(x)}", f"give the name of a {what}")
            return None
        if x not in known:
            self.issue(path, component, field, f"unknown {what} {x!r}",
                       f"{did_you_mean(x, known)}{what}s: {', '.join(known) or '(none)'}")
            return None
        return x

    # ------------------------------------------------------------------ values
    def value(self, x, path, where, name, decl, n):
        """A parameter value from the document: number, list (one per neuron) or initializer."""
        if isinstance(x, dict):
            v = self.initializer(x, path, where, name)
        elif isinstance(x, list):
            if not all(_is_num(e) for e in x):
                bad = next(e for e in x if not _is_num(e))
                self.issue(path, where, name, f"the list holds {_kind_of(bad)} {_show(bad)}",
                           "a per-neuron list holds only numbers")
                return None
            try:
                v = np.asarray(x, np.float64)
            except OverflowError:
                self.issue(path, where, name, "a number in the list is too large", "give finite numbers")
                return None
            if n is not None and decl.per_neuron and v.shape != (n,):
                self.issue(path, where, name, f"got {v.size} values",
                           f"give one number or a list of {n} numbers, one per neuron")
                return None
        elif _is_num(x):
            v = self.number(x, path, where, name)
        else:
            unit = f" in {decl.unit}" if decl.unit not in ("", "1") else ""
            self.issue(path, where, name, f"got {_kind_of(x)} {_show(x)}",
                       f"give a number{unit}" + (", a list (one per neuron) or an initializer object"
                                                 if decl.per_neuron else ""))
            return None
        if v is None:
            return None
        try:
            return validate_kwargs({name: decl}, {name: v}, where)[name]
        except SparkLabError as e:
            self.from_error(e, path, where)
            return None

    def initializer(self, x, path, where, field):
        comp = f"{where}: {field}" if field else where
        if not self.keys(x, path, comp, F.INITIALIZER_KEYS, ("initializer",)):
            return None
        nm = x["initializer"]
        p = F.pointer(path, "initializer")
        if not isinstance(nm, str):
            self.issue(p, comp, "initializer", f"got {_kind_of(nm)} {_show(nm)}", "give an initializer name")
            return None
        if nm not in registry.names("initializer"):
            i = registry.unknown_issue(p, "initializer", nm, comp)
            self.issue(i.path, i.component, "initializer", i.problem, i.hint)
            return None
        cls = registry.get("initializer", nm)
        params = x.get("params", {})
        pp = F.pointer(path, "params")
        if not self.obj(params, pp, comp, "the initializer's parameters"):
            return None
        fields = {f.name: f for f in dataclasses.fields(cls)}
        required = [k for k, f in fields.items()
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
        ok = self.keys(params, pp, f"{comp} ({nm})", tuple(fields), required)
        vals = {}
        for k, v in params.items():
            if k in fields:
                num = self.number(v, F.pointer(pp, k), f"{comp} ({nm})", k)
                ok = ok and num is not None
                vals[k] = num
        if not ok:
            return None
        try:
            return cls(**vals)
        except _BUILD_ERRORS as e:
            self.from_error(e, pp, f"{comp} ({nm})", tuple(fields))
            return None

    # ------------------------------------------------------------------ components
    def component(self, x: dict, path, kind, where, n=None, extra=()):
        """Build the component described by ``x``'s component/params/options/data, or None."""
        nm = x.get("component")
        if "component" not in x:
            self.issue(path, where, "component", "missing field", f"name a {kind}: {', '.join(registry.names(kind))}")
            return None
        p = F.pointer(path, "component")
        if not isinstance(nm, str):
            self.issue(p, where, "component", f"got {_kind_of(nm)} {_show(nm)}", f"give the name of a {kind}")
            return None
        if nm not in registry.names(kind):
            i = registry.unknown_issue(p, kind, nm, where)
            self.issues.append(i)
            return None
        cls = registry.get(kind, nm)
        where = f"{where} ({nm})"
        ok = True
        params = {}
        raw = x.get("params", {})
        pp = F.pointer(path, "params")
        if self.obj(raw, pp, where, "parameters"):
            for k, v in raw.items():
                if k not in cls.PARAMS:
                    hint = (f"{k!r} is an option: put it under options" if k in cls.OPTIONS else
                            f"{did_you_mean(str(k), cls.PARAMS)}parameters of {nm}: {', '.join(cls.PARAMS) or '(none)'}")
                    self.issue(F.pointer(pp, k), where, str(k), "unknown parameter", hint)
                    ok = False
                    continue
                val = self.value(v, F.pointer(pp, k), where, k, cls.PARAMS[k], n)
                ok = ok and val is not None
                params[k] = val
        else:
            ok = False
        options = {}
        raw = x.get("options", {})
        po = F.pointer(path, "options")
        if self.obj(raw, po, where, "options"):
            for k, v in raw.items():
                if k not in cls.OPTIONS:
                    hint = (f"{k!r} is a parameter: put it under params" if k in cls.PARAMS else
                            f"{did_you_mean(str(k), cls.OPTIONS)}options of {nm}: {', '.join(cls.OPTIONS) or '(none)'}")
                    self.issue(F.pointer(po, k), where, str(k), "unknown option", hint)
                    ok = False
                    continue
                try:
                    options[k] = cls.OPTIONS[k].check(v, where, k)
                except SparkLabError as e:
                    self.from_error(e, F.pointer(po, k), where)
                    ok = False
        else:
            ok = False
        data = {}
        if "data" in x and not cls.DATA:
            self.issue(F.pointer(path, "data"), where, "data", "unknown field", f"{nm} takes no data")
            ok = False
        elif cls.DATA:
            data, dok = self.data(x.get("data", {}), F.pointer(path, "data"), where, cls)
            ok = ok and dok
        if not ok:
            return None
        try:
            return cls(*extra, **params, **options, **data)
        except _BUILD_ERRORS as e:
            fields = tuple(cls.PARAMS) + tuple(cls.OPTIONS) + tuple(cls.DATA)
            field = getattr(e, "field", "")
            sub = "data" if field in cls.DATA else "options" if field in cls.OPTIONS else "params"
            self.from_error(e, F.pointer(path, sub) if field in fields else path, where, fields)
            return None

    def data(self, raw, path, where, cls):
        if not self.obj(raw, path, where, "data"):
            return {}, False
        ok = True
        sig = inspect.signature(cls.__init__).parameters
        for k in cls.DATA:
            if k not in raw and k in sig and sig[k].default is inspect.Parameter.empty:
                self.issue(path, where, k, "missing data", f"{cls.name} needs {k}")
                ok = False
        out = {}
        for k, v in raw.items():
            p = F.pointer(path, k)
            if k not in cls.DATA:
                self.issue(p, where, str(k), "unknown data", f"{did_you_mean(str(k), cls.DATA)}data of {cls.name}: "
                           f"{', '.join(cls.DATA)}")
                ok = False
                continue
            if v is None:
                continue
            flat = v if isinstance(v, list) else None
            if flat is not None and all(isinstance(e, list) for e in flat):
                flat = [y for e in flat for y in e]
            if flat is None or not all(_is_num(e) for e in flat):
                self.issue(p, where, k, f"got {_show(v)}", "give a list of numbers, or a list of lists of numbers")
                ok = False
                continue
            if not all(math.isfinite(float(e)) if abs(e) < 1e308 else False for e in flat):
                self.issue(p, where, k, "holds a value that is not a finite number", "give finite numbers")
                ok = False
                continue
            out[k] = v
        return out, ok

    # ------------------------------------------------------------------ the document
    def document(self, doc):
        if not self.obj(doc, "", "model", "a model document"):
            return None
        self.keys(doc, "", "model", F.TOP_KEYS, ("format",))
        fmt = doc.get("format")
        if "format" in doc and fmt != F.FORMAT:
            self.issue("/format", "model", "format", f"got {_show(fmt)}",
                       f"this version of spark_lab reads {F.FORMAT!r}")
        if fmt is not None and fmt != F.FORMAT and isinstance(fmt, str) and fmt.startswith("spark_lab.model/"):
            return None                                  # another version: its fields would mislead
        dt = self.number(doc.get("dt", F.DT.default), "/dt", "model", "dt", F.DT)
        seed = doc.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2 ** 32:
            self.issue("/seed", "model", "seed", f"got {_show(seed)}", "give a whole number 0 <= seed < 2**32")
            seed = 0
        dtype = doc.get("dtype", "float32")
        if dtype not in ("float32", "float64"):
            self.issue("/dtype", "model", "dtype", f"got {_show(dtype)}", "use 'float32' or 'float64'")
            dtype = "float32"
        net = Network(dt=dt if dt is not None else F.DT.default, seed=seed, dtype=dtype)
        self.net = net
        self.declared: list[str] = []                    # every pool name the document gives (built or not)
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
        self.proj_names: list[str] = []
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
            self.issue(path, key, "", f"expected a list, got {_kind_of(x)} {_show(x)}")
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
            self.declared.append(name)
        n = None
        if "n" in x:
            n = self.number(x["n"], f"{path}/n", where, "n", integer=True)
            if n is not None and not 1 <= n <= F.MAX_NEURONS:
                self.issue(f"{path}/n", where, "n", f"got {n}", f"a pool has 1 to {F.MAX_NEURONS:,} neurons")
                n = None
        model = self.component(x, path, "neuron", where, n) if "component" in x else None
        exc = x.get("excitatory")
        if exc is not None and not isinstance(exc, bool):
            if _is_num(exc):
                if self.number(exc, f"{path}/excitatory", where, "excitatory") is None:
                    exc = ...
                elif not 0.0 <= exc <= 1.0:
                    self.issue(f"{path}/excitatory", where, "excitatory", f"got {exc!r}",
                               "a fraction of excitatory neurons is between 0 and 1")
                    exc = ...
            elif isinstance(exc, list) and all(isinstance(e, bool) for e in exc):
                if n is not None and len(exc) != n:
                    self.issue(f"{path}/excitatory", where, "excitatory", f"got {len(exc)} values",
                               f"give one true/false per neuron ({n})")
                    exc = ...
                else:
                    exc = np.asarray(exc, bool)
            else:
                self.issue(f"{path}/excitatory", where, "excitatory", f"got {_kind_of(exc)} {_show(exc)}",
                           "give null (no Dale's law), true, false, a fraction, or a list of true/false per neuron")
                exc = ...
        g_inh = self.number(x.get("g_inh", 1.0), f"{path}/g_inh", where, "g_inh", F.G_INH)
        if not ok or name is None or n is None or model is None or exc is ... or g_inh is None:
            return
        try:
            self.net.add_pool(name, model, n, excitatory=exc, g_inh=g_inh)
        except SparkLabError as e:
            self.from_error(e, path, where, F.POOL_KEYS)
            return
        try:
            model.structure(n, self.net.dt)
        except _BUILD_ERRORS as e:
            self.from_error(e, f"{path}/data", where)
            self.net.pools.pop(name)

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
            if not isinstance(nm, str) or not re.match(r"^([A-Za-z_][\w\-]*|[\w\-]+->[\w\-]+(#\d+)?)$", nm):
                self.issue(f"{path}/name", where, "name", f"got {_kind_of(nm)} {_show(nm)}",
                           "letters, digits, '_' or '-' (or 'pre->post')")
                ok = False
            elif nm in self.proj_names:
                self.issue(f"{path}/name", where, "name", f"a projection named {nm!r} comes earlier already",
                           "names must be unique")
                ok = False
            else:
                name = nm
                self.proj_names.append(nm)
        ends = {}
        for end in ("pre", "post"):
            if end in x:
                ends[end] = self.ref(x[end], f"{path}/{end}", where, end, self.declared, "pool")
        pre, post = ends.get("pre"), ends.get("post")
        built = pre in self.net.pools and post in self.net.pools
        post_n = self.net.pools[post].n if post in self.net.pools else None
        syn = ...
        if "synapse" in x:
            s = x["synapse"]
            if self.obj(s, f"{path}/synapse", where, "a synapse"):
                if "shared_with" in s:
                    if self.keys(s, f"{path}/synapse", where, ("shared_with",)):
                        other = self.ref(s["shared_with"], f"{path}/synapse/shared_with", where, "shared_with",
                                         [p for p in self.proj_names if p != name], "projection")
                        syn = self.synapse_of.get(other)
                        if other is not None and syn is None:
                            syn = ...                         # that projection's synapse failed: reported there
                else:
                    self.keys(s, f"{path}/synapse", where, F.COMPONENT_KEYS)
                    syn = self.component(s, f"{path}/synapse", "synapse", f"synapse of {where}", post_n) or ...
        else:
            syn = None
        conn = None
        if "connectivity" in x:
            c = x["connectivity"]
            conn = ...
            if self.obj(c, f"{path}/connectivity", where, "a connectivity rule"):
                self.keys(c, f"{path}/connectivity", where, F.COMPONENT_KEYS)
                conn = self.component(c, f"{path}/connectivity", "connectivity", f"connectivity of {where}") or ...
        weight = x.get("weight", 1.0)
        if isinstance(weight, dict):
            weight = self.initializer(weight, f"{path}/weight", where, "weight") or ...
        elif self.number(weight, f"{path}/weight", where, "weight") is None:
            weight = ...
        delay = self.number(x.get("delay", 0.0), f"{path}/delay", where, "delay", F.DELAY)
        rules = []
        for i, r in enumerate(self.list(x, "plasticity", f"{path}/plasticity")):
            rp = f"{path}/plasticity/{i}"
            if self.obj(r, rp, where, "a plasticity rule"):
                self.keys(r, rp, where, F.COMPONENT_KEYS)
                rules.append(self.component(r, rp, "plasticity", f"plasticity rule {i} of {where}") or ...)
        if not ok or not built or ... in (syn, conn, weight) or delay is None or ... in rules:
            return
        try:
            pr = self.net.connect(pre, post, synapse=syn, connectivity=conn, weight=weight, delay=delay,
                                  name=name, plasticity=rules)
        except SparkLabError as e:
            self.from_error(e, path, where, F.PROJECTION_KEYS)
            return
        self.synapse_of[pr.name] = pr.synapse
        try:
            pr.connectivity.check_sizes(self.net.pools[pre].n, self.net.pools[post].n, pre == post)
        except SparkLabError as e:
            self.issue(f"{path}/connectivity", where, "", str(e),
                       f"pool {pre!r} has {self.net.pools[pre].n} neurons, pool {post!r} {self.net.pools[post].n}")
        self.check_initial_weights(pr, path, where)

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
            self.issue(f"{path}/var", where, "var", f"got {_kind_of(var)} {_show(var)}", "give a variable name")
            ok = False
        every = self.number(x.get("every", 1), f"{path}/every", where, "every", F.EVERY, integer=True)
        neurons = x.get("neurons")
        if neurons is not None and not (isinstance(neurons, list) and all(
                isinstance(i, int) and not isinstance(i, bool) for i in neurons)):
            self.issue(f"{path}/neurons", where, "neurons", f"got {_show(neurons)}",
                       "give null (all neurons) or a list of neuron indices")
            ok = False
        if not ok or pool not in self.net.pools or every is None:
            return
        try:
            self.net.record(pool, var, every, neurons)
        except SparkLabError as e:
            self.from_error(e, path, where, F.RECORD_KEYS)
            if getattr(e, "field", None) is None:        # NetworkError: the variable
                self.issues[-1].path, self.issues[-1].field = f"{path}/var", "var"

    def layout(self, x):
        if not self.obj(x, "/layout", "layout", "the layout ({name: [x, y]})"):
            return
        nodes = self.declared + [n for n in self.node_names if n not in self.declared]
        for k, v in x.items():
            p = F.pointer("/layout", k)
            if k not in nodes:
                self.issue(p, "layout", str(k), f"no pool or interface node named {k!r}",
                           f"{did_you_mean(str(k), nodes)}nodes: {', '.join(nodes) or '(none)'}")
                continue
            if not (isinstance(v, list) and len(v) == 2 and all(_is_num(c) for c in v)
                    and all(abs(c) < 1e300 and math.isfinite(c) for c in v)):
                self.issue(p, "layout", str(k), f"got {_show(v)}", "give [x, y], two finite numbers")
                continue
            self.net.set_position(k, float(v[0]), float(v[1]))

    # ------------------------------------------------------------------ interfaces
    @property
    def node_names(self) -> list[str]:
        return getattr(self, "_nodes", [])

    def _node(self, x, path, kind, keys, required):
        if not self.obj(x, path, kind, f"an {kind}"):
            return None, None, False
        nm = x.get("name")
        where = f"{kind} {nm!r}" if isinstance(nm, str) else f"{kind} {path}"
        ok = self.keys(x, path, where, keys, required)
        name = self.name(nm, f"{path}/name", where, "name", self.node_names, kind) if "name" in x else None
        if name is not None:
            self._nodes = self.node_names + [name]
        return name, where, ok and name is not None

    def input(self, x, path):
        name, where, ok = self._node(x, path, "input", F.INPUT_KEYS, ("name", "component"))
        if where is None:
            return
        if name is not None and name not in self.declared:
            self.declared.append(name)                   # projections and records may use its pool
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
        if not hasattr(self.net, "add_input"):
            self.issue(path, where, "", "this version of spark_lab has no input interfaces", "remove the input")
            return
        try:
            self.net.add_input(name, enc, n, **({"target": target} if target is not None else {}))
        except _BUILD_ERRORS as e:
            self.from_error(e, path, where, F.INPUT_KEYS)

    def output(self, x, path):
        name, where, ok = self._node(x, path, "output", F.OUTPUT_KEYS, ("name", "component", "source"))
        if where is None:
            return
        dec = self.component(x, path, "decoder", where) if "component" in x else None
        src = self.sources(x["source"], f"{path}/source", where) if "source" in x else None
        if not ok or dec is None or src is None:
            return
        if not hasattr(self.net, "add_output"):
            self.issue(path, where, "", "this version of spark_lab has no output interfaces", "remove the output")
            return
        try:
            self.net.add_output(name, dec, source=src)
        except _BUILD_ERRORS as e:
            self.from_error(e, path, where, F.OUTPUT_KEYS)

    def sources(self, x, path, where):
        """A list of pool names and routing objects, or None (after issues)."""
        if not isinstance(x, list) or not x:
            self.issue(path, where, "source", f"got {_kind_of(x)} {_show(x)}",
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
                self.issue(p, where, "source", f"got {_kind_of(s)} {_show(s)}", "give a pool name or a routing object")
                out.append(None)
        return None if any(s is None for s in out) else out
