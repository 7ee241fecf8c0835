"""The schema checks of a model document: each part on its own (types, unknown and
missing fields, names, registered component names, every value against its ``Param``),
every problem a ModelIssue with its JSON Pointer. ``_decode`` assembles the parts that
pass into a Network.

Bounded work on hostile documents: the first ``max_issues`` problems are kept in full, the
rest only counted (``MoreIssues`` closes the list); hints are written only for the problems
kept, a list of names in a hint shows at most ``NAMES_SHOWN`` of them, and did-you-mean
over a large set of names looks only at the names nearest in sort order (``suggest``).
"""
from __future__ import annotations

import bisect
import copy
import dataclasses
import difflib
import inspect
import json
import math

import numpy as np

from .. import _checks, registry
from .._checks import brief
from .._params import did_you_mean, validate_kwargs
from ..errors import ModelIssue, SparkLabError
from . import _format as F

#: problems listed in full by ``validate`` and ModelError; the rest are counted
MAX_ISSUES = 50
#: names shown in a hint such as "pools: a, b, c, ... (2,000 in all)"
NAMES_SHOWN = 20
#: above this many names, did-you-mean compares only the names nearest in sort order
_SUGGEST_ALL = 300
_NEIGHBOURS = 24
#: component kinds whose instances several parts of a network may share
SHARED_KINDS = ("neuron", "connectivity")
BUILD_ERRORS = (SparkLabError, ValueError, TypeError)     # what a component's own checks may raise
#: the value of a part that failed its checks (an issue says why); ``None`` means "not given"
FAILED = type("Failed", (), {"__repr__": lambda self: "FAILED", "__bool__": lambda self: False})()


def is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def kind_of(x) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(x), type(x).__name__)


class MoreIssues(ModelIssue):
    """The last entry of a capped list of issues: ``count`` more problems were found and
    not listed (``ModelError.count`` adds them to the total)."""

    __slots__ = ("count",)

    def __init__(self, count: int):
        super().__init__("", "model", "", f"{count:,} more problem{'s' if count != 1 else ''} not listed",
                         "fix the ones listed and validate again")
        self.count = count


def names_hint(known, what: str) -> str:
    """``"pools: a, b, c"``, at most NAMES_SHOWN names, then ``"... (2,000 in all)"``."""
    if not known:
        return f"{what}s: (none)"
    shown = [str(k) for _, k in zip(range(NAMES_SHOWN), known)]
    more = f", ... ({len(known):,} in all)" if len(known) > NAMES_SHOWN else ""
    return f"{what}s: {', '.join(shown)}{more}"


class _Index:
    """The names of a growing collection sorted forwards and backwards (for ``suggest``)."""

    def __init__(self, names):
        self.size = len(names)
        self.fwd = sorted(str(n) for n in names)
        self.back = sorted(str(n)[::-1] for n in names)

    def near(self, name: str) -> list[str]:
        out = []
        for keys, key, flip in ((self.fwd, name, False), (self.back, name[::-1], True)):
            i = bisect.bisect_left(keys, key)
            out += [k[::-1] if flip else k for k in keys[max(0, i - _NEIGHBOURS):i + _NEIGHBOURS]]
        return list(dict.fromkeys(out))


class Schema:
    """Collects ModelIssues while checking the parts of a document: the first
    ``max_issues`` in ``issues``, the number of the others in ``more``."""

    def __init__(self, max_issues: int = MAX_ISSUES):
        self.issues: list[ModelIssue] = []
        self.more = 0
        self.max_issues = max(1, int(max_issues))
        self._indexes: dict = {}
        self.built: dict = {}           # cache_key -> component built from that description
        self.names_of: dict = {}        # kind -> registered names

    @property
    def full(self) -> bool:
        """True once ``max_issues`` problems are kept: later ones are only counted."""
        return len(self.issues) >= self.max_issues

    def result(self) -> list[ModelIssue]:
        """The issues kept, closed by a MoreIssues entry when others were only counted."""
        return self.issues + ([MoreIssues(self.more)] if self.more else [])

    def issue(self, path, component, field, problem, hint="") -> ModelIssue | None:
        """Keep (or, once full, count) one problem; ``hint`` may be a function that writes
        it, called only for a problem that is kept. Returns the issue kept, or None."""
        if self.full:
            self.more += 1
            return None
        i = ModelIssue(path, component, field, problem, hint() if callable(hint) else hint)
        self.issues.append(i)
        return i

    def add(self, i: ModelIssue) -> None:
        self.issue(i.path, i.component, i.field, i.problem, i.hint)

    def suggest(self, name: str, options) -> str:
        """``"did you mean 'x'? "`` for the closest of ``options`` (any sized collection of
        names), or ``""``; a large collection is indexed once per size, and only the names
        nearest to ``name`` in sort order (forwards and backwards) are compared."""
        if len(options) <= _SUGGEST_ALL:
            return did_you_mean(name, options)
        key = id(options)
        idx = self._indexes.get(key)
        if idx is None or idx.size != len(options):
            idx = self._indexes[key] = _Index(options)
        m = difflib.get_close_matches(name, idx.near(name), n=1)
        return f"did you mean {m[0]!r}? " if m else ""

    def from_error(self, e: Exception, path: str, component: str, fields=()) -> ModelIssue | None:
        """An exception of a constructor or of Network as an issue; the path goes down to
        the field when the error names one that is in ``fields``."""
        field = getattr(e, "field", "") or ""
        problem = getattr(e, "problem", None) or str(e)
        hint = getattr(e, "hint", "") or ""
        if not hasattr(e, "problem") and "; " in problem:      # NetworkError: "what is wrong; what to do"
            problem, hint = problem.split("; ", 1)
        return self.issue(F.pointer(path, field) if field in fields else path, component, field, problem, hint)

    def obj(self, x, path, component, what) -> bool:
        if isinstance(x, dict):
            return True
        self.issue(path, component, "", f"expected {what} (an object), got {kind_of(x)} {brief(x)}")
        return False

    def keys(self, x: dict, path, component, allowed, required=()) -> bool:
        ok = True
        for k in x:
            if k not in allowed:
                self.issue(F.pointer(path, k), component, str(k), "unknown field",
                           lambda k=k: f"{did_you_mean(str(k), allowed)}allowed: {', '.join(allowed)}")
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
                self.issue(path, component, field, f"got {kind_of(x)} {brief(x)}", "give a whole number")
                return None
        elif not is_num(x):
            self.issue(path, component, field, f"got {kind_of(x)} {brief(x)}", f"give a number{unit}")
            return None
        try:
            v = float(x)
        except OverflowError:
            v = math.inf
        if not math.isfinite(v):
            self.issue(path, component, field, f"got {brief(x)}", "must be a finite number")
            return None
        if decl is not None:
            try:
                decl.check_values(np.asarray(v), component, field)
            except SparkLabError as e:
                self.from_error(e, path, component)
                return None
        return x if integer else v

    def name(self, x, path, component, field, taken, what) -> str | None:
        if not _checks.is_name(x):
            self.issue(path, component, field, f"got {kind_of(x)} {brief(x)}",
                       "a name is letters, digits, '_' or '-', starting with a letter or '_'")
            return None
        if x in taken:
            self.issue(path, component, field, f"a {what} named {x!r} comes earlier already", "names must be unique")
            return None
        return x

    def ref(self, x, path, component, field, known, what) -> str | None:
        """A reference to a named thing of ``known`` (a dict or set of names: looked up in
        constant time; did-you-mean when unknown)."""
        if not isinstance(x, str):
            self.issue(path, component, field, f"got {kind_of(x)} {brief(x)}", f"give the name of a {what}")
            return None
        if x not in known:
            self.issue(path, component, field, f"unknown {what} {x!r}",
                       lambda: f"{self.suggest(x, known)}{names_hint(known, what)}")
            return None
        return x

    def value(self, x, path, where, name, decl, n):
        """A parameter value from the document: number, list (one per neuron) or initializer."""
        if isinstance(x, dict):
            v = self.initializer(x, path, where, name)
        elif isinstance(x, list):
            if not all(is_num(e) for e in x):
                bad = next(e for e in x if not is_num(e))
                self.issue(path, where, name, f"the list holds {kind_of(bad)} {brief(bad)}",
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
        elif is_num(x):
            v = self.number(x, path, where, name)
        else:
            unit = f" in {decl.unit}" if decl.unit not in ("", "1") else ""
            self.issue(path, where, name, f"got {kind_of(x)} {brief(x)}",
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
            self.issue(p, comp, "initializer", f"got {kind_of(nm)} {brief(nm)}", "give an initializer name")
            return None
        if nm not in self.registered("initializer"):
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
        except BUILD_ERRORS as e:
            self.from_error(e, pp, f"{comp} ({nm})", tuple(fields))
            return None

    def component(self, x: dict, path, kind, where, n=None, extra=()):
        """Build the component described by ``x``'s component/params/options/data, or None.

        A description met before in this document (same name, parameters and options, no
        data) is not checked again: neuron models and connectivity rules are descriptions
        without identity and are shared, other kinds (a synapse's identity is its state)
        get a copy of the first instance."""
        key = self.cache_key(x, kind, n) if not extra else None
        hit = self.built.get(key) if key is not None else None
        if hit is None:
            hit = self.new_component(x, path, kind, where, n, extra)
            if key is None or hit is None:
                return hit
            self.built[key] = hit
            return hit
        return hit if kind in SHARED_KINDS else copy.copy(hit)

    @staticmethod
    def cache_key(x: dict, kind: str, n):
        """The key of a component description (None: not cached, e.g. one with data)."""
        if "data" in x:
            return None
        params = x.get("params")
        try:
            text = json.dumps([x.get("component"), params, x.get("options")], sort_keys=True, allow_nan=False)
        except (TypeError, ValueError):
            return None
        lists = isinstance(params, dict) and any(isinstance(v, list) for v in params.values())
        return kind, text, n if lists else None

    def registered(self, kind: str) -> frozenset:
        """The registered names of ``kind`` (looked up once per document)."""
        names = self.names_of.get(kind)
        if names is None:
            names = self.names_of[kind] = frozenset(registry.names(kind))
        return names

    def new_component(self, x: dict, path, kind, where, n=None, extra=()):
        nm = x.get("component")
        if "component" not in x:
            self.issue(path, where, "component", "missing field",
                       lambda: f"name a {kind}: {', '.join(registry.names(kind))}")
            return None
        p = F.pointer(path, "component")
        if not isinstance(nm, str):
            self.issue(p, where, "component", f"got {kind_of(nm)} {brief(nm)}", f"give the name of a {kind}")
            return None
        if nm not in self.registered(kind):
            self.add(registry.unknown_issue(p, kind, nm, where))
            return None
        cls = registry.get(kind, nm)
        where = f"{where} ({nm})"
        from_data = getattr(cls, "FROM_DATA", False)
        if from_data:                                    # the class is made from the data (equations)
            from ._from_data import from_data as made_from
            cls, data = made_from(self, cls, x.get("data", {}), F.pointer(path, "data"), where)
            if cls is None:
                return None
        params, pok = self.component_fields(x, path, where, nm, cls, "params", n)
        options, ook = self.component_fields(x, path, where, nm, cls, "options")
        ok = pok and ook
        if not from_data:
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
        except BUILD_ERRORS as e:
            fields = tuple(cls.PARAMS) + tuple(cls.OPTIONS) + tuple(cls.DATA)
            field = getattr(e, "field", "")
            sub = "data" if field in cls.DATA else "options" if field in cls.OPTIONS else "params"
            self.from_error(e, F.pointer(path, sub) if field in fields else path, where, fields)
            return None

    def component_fields(self, x: dict, path, where, nm: str, cls, section: str, n=None) -> tuple:
        """The ``section`` ("params" or "options") of component ``x`` (registry name ``nm``,
        class ``cls``) checked: ({name: value}, ok). A name of the other section is an issue
        that says where it belongs; parameter values are read for ``n`` neurons."""
        params = section == "params"
        own, other = (cls.PARAMS, cls.OPTIONS) if params else (cls.OPTIONS, cls.PARAMS)
        word, other_word, other_section = ("parameter", "an option", "options") if params else \
            ("option", "a parameter", "params")
        raw = x.get(section, {})
        ptr = F.pointer(path, section)
        if not self.obj(raw, ptr, where, "parameters" if params else "options"):
            return {}, False
        ok, out = True, {}
        for k, v in raw.items():
            if k not in own:
                self.issue(F.pointer(ptr, k), where, str(k), f"unknown {word}",
                           lambda k=k: f"{k!r} is {other_word}: put it under {other_section}" if k in other else
                           f"{did_you_mean(str(k), own)}{word}s of {nm}: {', '.join(own) or '(none)'}")
                ok = False
                continue
            if params:
                val = self.value(v, F.pointer(ptr, k), where, k, own[k], n)
                ok = ok and val is not None
                out[k] = val
                continue
            try:
                out[k] = own[k].check(v, where, k)
            except SparkLabError as e:
                self.from_error(e, F.pointer(ptr, k), where)
                ok = False
        return out, ok

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
                self.issue(p, where, str(k), "unknown data",
                           lambda k=k: f"{did_you_mean(str(k), cls.DATA)}data of {cls.name}: {', '.join(cls.DATA)}")
                ok = False
                continue
            if v is None:
                continue
            flat = v if isinstance(v, list) else None
            if flat is not None and all(isinstance(e, list) for e in flat):
                flat = [y for e in flat for y in e]
            if flat is None or not all(is_num(e) for e in flat):
                self.issue(p, where, k, f"got {brief(v)}", "give a list of numbers, or a list of lists of numbers")
                ok = False
                continue
            if not all(math.isfinite(float(e)) if abs(e) < 1e308 else False for e in flat):
                self.issue(p, where, k, "holds a value that is not a finite number", "give finite numbers")
                ok = False
                continue
            out[k] = v
        return out, ok
