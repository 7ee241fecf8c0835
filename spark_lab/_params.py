"""Parameter declarations: one place that states default, unit, valid range and help.

A component class lists its parameters once, as ``Param`` objects. That single
declaration validates user input, builds the runtime parameter pytree, and later
feeds the model file, the inspector and the sliders.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _checks
from .errors import ParameterError


@dataclass(frozen=True)
class Param:
    """Declaration of one numeric parameter.

    default: value used when the user gives none.
    unit:    physical unit as written in docs and UI ("ms", "mV", "Hz", "pA", "nS", "pF", "1").
    low, high: bounds; ``low_open``/``high_open`` make them exclusive (``tau > 0``: low=0, low_open=True).
    help:    one line shown as tooltip and in errors.
    log:     suggest a logarithmic slider (time constants, rates).
    per_neuron: may be a per-neuron array or an initializer (heterogeneous values).
    integer: value must be a whole number.
    typical: (low, high) of the values usually explored, for a slider's range where the
             declared bounds are open or absent (a time constant: (1, 100) ms). None: the
             views derive a range from the declared bounds and the default, never from the
             current value.
    """

    default: float
    unit: str = "1"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    help: str = ""
    log: bool = False
    per_neuron: bool = True
    integer: bool = False
    typical: tuple | None = None

    def range_text(self) -> str:
        """The allowed range in words with the unit, e.g. ``"> 0 ms"``, ``">= 0 and <= 1"``."""
        u = "" if self.unit in ("1", "") else f" {self.unit}"
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}{u}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}{u}")
        return " and ".join(parts) if parts else "any finite value"

    def check_values(self, values: np.ndarray, component: str, name: str) -> None:
        """Raise ParameterError unless every value is finite and within range."""
        arr = np.asarray(values, dtype=np.float64)
        u = "" if self.unit in ("1", "") else f" {self.unit}"
        what = f"{name} ({self.help})" if self.help else name
        bad = ~np.isfinite(arr)
        if bad.any():
            raise ParameterError(component, name, f"got {_show(arr, bad)}; values must be finite numbers",
                                 f"{what} must be {self.range_text()}")
        if self.low is not None:
            bad = arr <= self.low if self.low_open else arr < self.low
            if bad.any():
                raise ParameterError(component, name, f"got {_show(arr, bad, u)}",
                                     f"{what} must be {self.range_text()}")
        if self.high is not None:
            bad = arr >= self.high if self.high_open else arr > self.high
            if bad.any():
                raise ParameterError(component, name, f"got {_show(arr, bad, u)}",
                                     f"{what} must be {self.range_text()}")
        if self.integer and np.any(arr != np.round(arr)):
            raise ParameterError(component, name, f"got {_show(arr, arr != np.round(arr))}",
                                 "must be a whole number")


@dataclass(frozen=True)
class Choice:
    """Declaration of one non-numeric option (a mode, a flag, a name).

    default: value used when the user gives none; choices: the allowed values
    (strings or bools); help: one line for tooltips and errors. An option is part of
    the structure of a network (it selects code, not a number), so changing it means
    building the network again; numeric parameters (``Param``) change at run time.
    ``choices=None`` accepts any identifier-like string (e.g. a modulator channel name).
    """

    default: Any
    choices: tuple | None = None
    help: str = ""

    def check(self, value: Any, component: str, name: str) -> Any:
        """Return ``value`` if it is allowed; raise ParameterError naming the choices otherwise."""
        if self.choices is None:
            if not isinstance(value, str) or not value.isidentifier():
                raise ParameterError(component, name, f"got {_checks.brief(value)}",
                                     "give a name made of letters, digits and '_'")
            return value
        if isinstance(value, np.bool_):
            value = bool(value)
        ok = any(type(value) is type(c) and value == c for c in self.choices)
        if not ok:
            hint = (did_you_mean(value, [c for c in self.choices if isinstance(c, str)])
                    if isinstance(value, str) else "")
            raise ParameterError(component, name, f"got {_checks.brief(value)}",
                                 f"{hint}choose one of {', '.join(repr(c) for c in self.choices)}")
        return value


def validate_options(decls: dict[str, Choice], kwargs: dict[str, Any], component: str) -> dict[str, Any]:
    """Check option values; return the complete option dict (defaults filled in)."""
    return {k: (decls[k].check(kwargs[k], component, k) if k in kwargs else d.default) for k, d in decls.items()}


def _show(arr: np.ndarray, bad: np.ndarray, unit: str = "") -> str:
    """The first offending value with its unit, and its index when the values differ."""
    if arr.ndim == 0 or np.all(arr == arr.ravel()[0]):
        return f"{float(arr.ravel()[0]):g}{unit}"
    idx = int(np.flatnonzero(bad)[0])
    return f"{float(arr.ravel()[idx]):g}{unit} at index {idx}"


def resolve_value(value: Any, decl: Param, n: int | None, rng: np.random.Generator,
                  component: str, name: str) -> np.ndarray:
    """Turn a user value (number, array or Initializer) into a float64 numpy array.

    Returns shape () for a scalar when ``n`` is None, else shape (n,).
    """
    from .initializers import Initializer

    if isinstance(value, Initializer):
        if n is None:
            raise ParameterError(component, name, f"an initializer ({value!r}) was given",
                                 "this parameter takes one number, not per-neuron values")
        arr = np.asarray(value.sample(rng, (n,)), dtype=np.float64)
    else:
        arr = to_float_array(value, decl, component, name)
        if arr.ndim > 1:
            raise ParameterError(component, name, f"got an array of shape {arr.shape}",
                                 f"give one number or an array of shape ({n},)" if n is not None
                                 else "give one number")
        if arr.ndim == 1:
            if n is None or not decl.per_neuron:
                raise ParameterError(component, name, f"got an array of shape {arr.shape}",
                                     "this parameter takes one number")
            if arr.shape[0] != n:
                raise ParameterError(component, name, f"got an array of shape {arr.shape}",
                                     f"give one number or an array of shape ({n},), one value per neuron")
        elif n is not None:
            arr = np.full((n,), float(arr))
    decl.check_values(arr, component, name)
    return arr


def validate_kwargs(decls: dict[str, Param], kwargs: dict[str, Any], component: str) -> dict[str, Any]:
    """Check names and (for plain numbers) ranges; return the complete value dict."""
    from .initializers import Initializer

    unknown = set(kwargs) - set(decls)
    if unknown:
        name = sorted(unknown)[0]
        raise ParameterError(component, name, "unknown parameter",
                             f"{did_you_mean(name, decls)}allowed: {', '.join(decls)}")
    values = {k: d.default for k, d in decls.items()}
    for k, v in kwargs.items():
        d = decls[k]
        if isinstance(v, Initializer):
            if not d.per_neuron:
                raise ParameterError(component, k, f"an initializer ({v!r}) was given",
                                     "this parameter takes one number")
            v.check(d, component, k)
        else:
            arr = to_float_array(v, d, component, k)
            if arr.ndim == 0:
                resolve_value(arr, d, None, np.random.default_rng(0), component, k)
            elif arr.ndim == 1 and d.per_neuron:
                d.check_values(arr, component, k)
            elif arr.ndim == 1:
                raise ParameterError(component, k, f"got an array of shape {arr.shape}",
                                     "this parameter takes one number")
            else:
                raise ParameterError(component, k, f"got an array of shape {arr.shape}",
                                     "give one number or a 1-D array, one value per neuron"
                                     if d.per_neuron else "this parameter takes one number")
        values[k] = v
    return values


def did_you_mean(name: str, options) -> str:
    """``"did you mean 'x'? "`` for the closest of ``options``, or ``""``."""
    import difflib
    m = difflib.get_close_matches(name, list(options), n=1)
    return f"did you mean {m[0]!r}? " if m else ""


def to_float_array(value: Any, decl: Param, component: str, name: str) -> np.ndarray:
    """A user's number or array of numbers as a float64 array; ParameterError naming
    ``component`` and ``name`` for anything else (strings, None, bools, ragged lists...)."""
    return _checks.number_array(value, component, name, decl.unit)


def value_bounds(v) -> tuple[np.ndarray, np.ndarray]:
    """(lowest, highest) possible values of a parameter value: a number, a per-neuron
    array (elementwise: lo == hi == the array) or an Initializer (its support)."""
    from .initializers import Initializer
    if isinstance(v, Initializer):
        lo, hi = v.support()
        return np.float64(lo), np.float64(hi)
    a = np.asarray(v, np.float64)
    return a, a


def require_less(values: dict, component: str, a: str, b: str, strict: bool = True, hint: str = "") -> None:
    """Cross-field check ``values[a] < values[b]`` (``<=`` when not ``strict``); ParameterError on field ``a``.

    Numbers and per-neuron arrays are compared elementwise; where an Initializer is
    involved the check is conservative: every value it can draw must satisfy the relation.
    Arrays whose shapes do not match are left to the shape check at build.
    """
    from .initializers import Initializer
    va, vb = values[a], values[b]
    a_lo, a_hi = value_bounds(va)
    b_lo, b_hi = value_bounds(vb)
    if isinstance(va, Initializer) or isinstance(vb, Initializer):
        x, y = np.max(a_hi), np.min(b_lo)
    else:
        x, y = a_hi, b_lo
    try:
        bad = np.any(x >= y) if strict else np.any(x > y)
    except ValueError:                      # shapes differ: resolve_value rejects them at build
        return
    if bad:
        rel = "<" if strict else "<="
        raise ParameterError(component, a, f"{a}={_txt(va)} is not {rel} {b}={_txt(vb)}",
                             hint or f"need {a} {rel} {b}")


def _txt(v) -> str:
    from .initializers import Initializer
    if isinstance(v, Initializer):
        return repr(v)
    a = np.asarray(v)
    return f"{float(a):g}" if a.ndim == 0 else f"array(shape={a.shape})"
