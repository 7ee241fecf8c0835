"""The small checks every part of spark_lab shares: one rule each, one error wording.

    name(x, "pool")                     a pool, node or projection name (NetworkError)
    positive_int(x, where, field)       an integer >= 1, not a bool (ParameterError)
    is_int(x) / is_real(x)              integer / real number tests that refuse bools
    number(x, where, field, unit, low)  one finite real number, as float (ParameterError)
    number_array(x, where, field, ...)  numbers (or an array of them) as float64 (ParameterError)
    brief(x)                            a repr cut to fit in one line of an error message
    link_problem(path)                  "is a broken symbolic link (to ...)" / "is a symbolic
                                        link loop" for a link that leads nowhere, else None

Name rule: letters, digits, '_' or '-', starting with a letter or '_'. Projections may
also be named ``pre->post`` (optionally ``#k``), the automatic names of ``connect``.
"""
from __future__ import annotations

import errno
import math
import numbers
import os
import re

import numpy as np

from .errors import NetworkError, ParameterError

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
PROJECTION_NAME = re.compile(r"^([A-Za-z_][\w\-]*|[\w\-]+->[\w\-]+(#\d+)?)$")


def is_name(x, arrow: bool = False) -> bool:
    """True when ``x`` is an allowed name (``arrow``: the projection form ``pre->post`` too)."""
    return isinstance(x, str) and bool((PROJECTION_NAME if arrow else NAME).match(x))


def name(x, what: str, arrow: bool = False) -> str:
    """``x`` if it is an allowed name of a ``what`` ("pool", "projection", ...), else NetworkError."""
    if not is_name(x, arrow):
        raise NetworkError(f"{what} name {x!r} is not allowed: use letters, digits, '_' or '-', "
                           f"starting with a letter")
    return x


def is_real(x) -> bool:
    """A real number (Python or numpy), not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def is_int(x) -> bool:
    """An integer (Python or numpy), not a bool."""
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


def positive_int(x, where: str, field: str) -> int:
    """``x`` as an int when it is an integer >= 1 (not a bool), else ParameterError."""
    if not is_int(x) or x < 1:
        raise ParameterError(where, field, f"got {brief(x)}", "give an integer >= 1")
    return int(x)


def number(x, where: str, field: str, unit: str = "1", low: float | None = None, hint: str = "") -> float:
    """One finite real number (not a bool, string, complex or array) >= ``low``, as float."""
    u = "" if unit in ("", "1") else f" in {unit}"
    if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iuf":
        x = x[()]                                       # a 0-d array of a real number is that number
    if not is_real(x) or np.ndim(x) != 0:
        raise ParameterError(where, field, f"got {brief(x)}", f"give one number{u}")
    v = float(x)
    if not math.isfinite(v):
        raise ParameterError(where, field, f"got {brief(x)}", "must be a finite number")
    if low is not None and v < low:
        raise ParameterError(where, field, f"got {brief(x)}", hint or f"must be >= {low:g}{u.replace(' in', '')}")
    return v


def number_array(x, where: str, field: str, unit: str = "1", dtype=np.float64) -> np.ndarray:
    """A number or an array of real numbers as an array of ``dtype``; ParameterError naming
    ``where`` and ``field`` for strings, None, bools, complex or ragged input. Finiteness and
    shape are the caller's to check (the allowed shapes differ)."""
    u = "" if unit in ("", "1") else f" in {unit}"
    if isinstance(x, (bool, np.bool_, str, bytes)) or x is None:
        raise ParameterError(where, field, f"got {brief(x)}", f"give a number{u}")
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError):          # ragged nested lists
        raise ParameterError(where, field, f"got {brief(x)}", f"give a number{u}, or a flat array of numbers") from None
    if raw.dtype.kind not in "iuf":          # strings, objects (None), bools, complex
        raise ParameterError(where, field, f"got {brief(x)} (dtype {raw.dtype})",
                             f"give a number{u}, or an array of numbers")
    return raw.astype(dtype)


def brief(x, limit: int = 60) -> str:
    """``repr(x)``, cut to ``limit`` characters with '...'."""
    r = repr(x)
    return r if len(r) <= limit else r[:limit - 3] + "..."


def link_problem(path) -> str | None:
    """Why ``path`` cannot be followed when it is a symbolic link that leads nowhere:
    "is a symbolic link loop" (itself or a folder on the way) or "is a broken symbolic link
    (to 'target')"; None when it can be followed or is no link at all. The one wording
    files, checkpoints, exports and the CLI use."""
    try:
        os.stat(path)
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "is a symbolic link loop"
    if os.path.islink(path):
        return f"is a broken symbolic link (to {os.readlink(path)!r}, which does not exist)"
    return None
