"""Constants of the model format and the canonical JSON text (key order, indentation).

The document's keys are emitted in the order of the tuples below; lists of numbers
stay on one line, lists of such lists get one line per inner list, everything else
one item per line (indent 2). Numbers are written with Python's shortest round-trip
``repr``, so writing and reading a canonical file gives the same bytes.
"""
from __future__ import annotations

import json
import math
from dataclasses import replace

from .. import _netparams

#: the format a model file states in its "format" field; other versions are refused
FORMAT = "spark_lab.model/1"

TOP_KEYS = ("format", "dt", "seed", "dtype", "pools", "projections", "interfaces", "record", "layout")
POOL_KEYS = ("name", "component", "n", "params", "options", "data", "excitatory", "g_inh", "init")
PROJECTION_KEYS = ("name", "pre", "post", "synapse", "connectivity", "weight", "delay", "plasticity", "init")
COMPONENT_KEYS = ("component", "params", "options", "data")
INITIALIZER_KEYS = ("initializer", "params")
RECORD_KEYS = ("pool", "var", "every", "neurons", "between", "when")
INTERFACE_KEYS = ("inputs", "outputs")
INPUT_KEYS = ("name", "component", "params", "options", "data", "n", "target")
OUTPUT_KEYS = ("name", "component", "params", "options", "data", "source")
ROUTING_KEYS = ("component", "params", "options", "data", "source")

#: limits the file format puts on top of the components' own ranges (they keep huge
#: or absurd values from reaching allocations and integer conversions)
MAX_NEURONS = 100_000_000
#: the network-level declarations (spark_lab._netparams) with the file's caps on top: a
#: step under 1 ns or over 1 s, a delay over 1e7 ms (a delay buffer of 1e8 steps at dt =
#: 0.1 ms), a gain over 1e12 and an ``every`` beyond a 32-bit step count are refused when
#: read, before they reach buffer sizes and integer conversions
DT = replace(_netparams.DT, low=1e-6, low_open=False, high=1000.0)
DELAY = replace(_netparams.delay_param(_netparams.DT.default), help="axonal delay", high=1e7)
G_INH = replace(_netparams.G_INH, high=1e12)
EVERY = replace(_netparams.EVERY, high=2 ** 31 - 1)


def dump_text(doc) -> str:
    """The canonical text of a document (ends with a newline)."""
    return _emit(doc, 0) + "\n"


def _scalar(x) -> str:
    if isinstance(x, float) and not math.isfinite(x):
        raise ValueError(f"cannot write {x!r} to a model file")
    return json.dumps(x, ensure_ascii=False)


def _is_scalar(x) -> bool:
    return x is None or isinstance(x, (bool, int, float, str))


def _emit(obj, depth: int) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {_emit(v, depth + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(_is_scalar(x) for x in obj):
            return "[" + ", ".join(_scalar(x) for x in obj) + "]"
        if all(isinstance(x, (list, tuple)) and all(_is_scalar(y) for y in x) for x in obj):
            rows = [inner + "[" + ", ".join(_scalar(y) for y in x) + "]" for x in obj]
            return "[\n" + ",\n".join(rows) + "\n" + pad + "]"
        return "[\n" + ",\n".join(inner + _emit(x, depth + 1) for x in obj) + "\n" + pad + "]"
    return _scalar(obj)


def pointer(path: str, key) -> str:
    """``path`` extended by one JSON Pointer token (``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"
