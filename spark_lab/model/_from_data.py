"""Components whose class is made from their data (``FROM_DATA``: ``NeuronEquations``,
``SynapseEquations``): the file's "data" is plain JSON (the equations, parameter
declarations, initial values) from which the registered class makes the model's own
class; its parameters are then checked against that class's declarations."""
from __future__ import annotations

import re

from .._checks import brief
from .._params import did_you_mean
from ..equations import EquationError
from . import _format as F
from ._schema import BUILD_ERRORS, is_num, kind_of

MAX_DEPTH = 6                       # data -> params -> name -> declaration -> typical -> bound
_FIELD = re.compile(r"^(\w+)(?:\[(['\"])(.*?)\2\])?(?:\.(\w+))?$")


def from_data(schema, cls, raw, path: str, where: str):
    """``(class, data)`` for the registered ``cls`` and the document's ``raw`` data, or
    ``(None, None)`` after issues on ``schema`` (each with its JSON Pointer)."""
    if not schema.obj(raw, path, where, "data"):
        return None, None
    ok, data = True, {}
    for k, v in raw.items():
        p = F.pointer(path, k)
        if k not in cls.DATA:
            schema.issue(p, where, str(k), "unknown data",
                         f"{did_you_mean(str(k), cls.DATA)}data of {cls.name}: {', '.join(cls.DATA)}")
            ok = False
            continue
        val = _plain(schema, v, p, where, k, 0, k == "init")
        ok = ok and val is not _BAD
        data[k] = val
    if not ok:
        return None, None
    try:
        made = cls(**data)
    except EquationError as e:
        schema.issue(_pointer(path, e.field), where, e.field,
                     f"{e.problem} (line {e.line}, column {e.column}: {e.equation.strip()!r})", e.hint)
        return None, None
    except BUILD_ERRORS as e:
        schema.from_error(e, path, where, cls.DATA)
        return None, None
    return type(made), data


_BAD = object()


def _plain(schema, v, path, where, field, depth, initializers):
    """``v`` if it is plain JSON (initializer objects made into initializers in ``init``)."""
    if v is None or isinstance(v, (str, bool)) or is_num(v):
        if is_num(v) and schema.number(v, path, where, field) is None:
            return _BAD
        return v
    if depth >= MAX_DEPTH:
        schema.issue(path, where, field, "nested too deeply", "data holds text, numbers and small objects")
        return _BAD
    if isinstance(v, dict):
        if initializers and depth == 1 and "initializer" in v:
            made = schema.initializer(v, path, where, field)
            return _BAD if made is None else made
        out = {k: _plain(schema, x, F.pointer(path, k), where, field, depth + 1, initializers) for k, x in v.items()}
        return _BAD if any(x is _BAD for x in out.values()) else out
    if isinstance(v, list):
        out = [_plain(schema, x, F.pointer(path, i), where, field, depth + 1, initializers) for i, x in enumerate(v)]
        return _BAD if any(x is _BAD for x in out) else out
    schema.issue(path, where, field, f"got {kind_of(v)} {brief(v)}", "give text, numbers, lists or objects")
    return _BAD


def _pointer(path: str, field: str) -> str:
    """The JSON Pointer of an EquationError's field: ``params['tau'].unit`` -> ``.../params/tau/unit``."""
    m = _FIELD.match(field or "")
    if m is None:
        return path
    out = F.pointer(path, m.group(1))
    if m.group(3) is not None:
        out = F.pointer(out, m.group(3))
    if m.group(4):
        out = F.pointer(out, m.group(4))
    return out
