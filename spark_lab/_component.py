"""Base class of every component (neuron model, synapse model, connectivity rule).

A component is a small immutable description: its class declares its parameters
once (``PARAMS``), an instance holds the user's values (numbers, arrays or
initializers), validated at construction. The arrays that flow through ``jit`` are
made from these values when a network is built; changing them later never
recompiles.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ._params import Choice, Param, did_you_mean, validate_kwargs, validate_options
from .errors import ParameterError
from .initializers import Initializer


class Component:
    """Parameters declared in ``PARAMS``; values passed as keyword arguments."""

    kind: ClassVar[str] = "component"
    name: ClassVar[str] = "component"          # registry name, e.g. "lif"
    PARAMS: ClassVar[dict[str, Param]] = {}
    #: non-numeric options (modes, flags, names): structural, fixed once a network is built
    OPTIONS: ClassVar[dict[str, Choice]] = {}
    #: names of structural constructor arguments that are neither parameters nor options
    #: (index lists, matrices, spike times); ``data()`` returns them and the model file
    #: stores them under "data", so ``cls(**params, **options, **data)`` rebuilds the component
    DATA: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **params: Any):
        where = self.describe()
        both = set(self.PARAMS) & set(self.OPTIONS)
        assert not both, f"{where}: {both} declared as parameter and option"
        unknown = set(params) - set(self.PARAMS) - set(self.OPTIONS)
        if unknown:
            name = sorted(unknown)[0]
            allowed = list(self.PARAMS) + list(self.OPTIONS)
            raise ParameterError(where, name, "unknown parameter",
                                 f"{did_you_mean(name, allowed)}allowed: {', '.join(allowed) or '(none)'}")
        self.options = validate_options(self.OPTIONS, {k: v for k, v in params.items() if k in self.OPTIONS}, where)
        self.values = validate_kwargs(self.PARAMS, {k: v for k, v in params.items() if k in self.PARAMS}, where)
        self.validate(self.values, where)

    def validate(self, values: dict, component: str) -> None:
        """Checks across fields (e.g. tau_rise < tau_decay); raise ParameterError.

        Called at construction and by ``Simulator.set_param`` with the new values
        (numbers, per-neuron arrays or initializers). Per-field ranges are checked
        from ``PARAMS`` already; the default does nothing more. For order relations use
        ``_params.require_less``, which handles all three kinds of value."""

    def data(self) -> dict[str, Any]:
        """The structural arguments named in ``DATA`` (default: attributes of the same names)."""
        return {k: getattr(self, k) for k in self.DATA}

    @classmethod
    def describe(cls, where: str = "") -> str:
        return f"{cls.__name__}{' ' + where if where else ''}"

    def replace(self, **params: Any) -> Component:
        """A copy with some parameter values changed (validated)."""
        vals = {**self.values, **self.options}
        vals.update(params)
        return type(self)(**vals)

    def __repr__(self) -> str:
        diff = {k: v for k, v in self.values.items()
                if isinstance(v, Initializer) or np.ndim(v) > 0 or v != self.PARAMS[k].default}
        diff.update({k: v for k, v in self.options.items() if v != self.OPTIONS[k].default})
        args = ", ".join(f"{k}={_fmt(v)}" for k, v in diff.items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return (type(self) is type(other) and _values_equal(self.values, other.values)
                and self.options == other.options)

    def __hash__(self):
        return id(self)


def _fmt(v):
    if isinstance(v, Initializer):
        return repr(v)
    if np.ndim(v) > 0:
        return f"array(shape={np.shape(v)})"
    return f"{v!r}"


def _values_equal(a, b):
    if a.keys() != b.keys():
        return False
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, Initializer) or isinstance(y, Initializer):
            if x != y:
                return False
        elif not np.array_equal(np.asarray(x), np.asarray(y)):
            return False
    return True
