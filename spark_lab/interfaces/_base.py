"""Base classes of the input/output interfaces: encoders, decoders, routing.

All three are :class:`~spark_lab._component.Component` s: numeric parameters are
declared once in ``PARAMS`` (``Param``: unit, range, help), non-numeric options in
``OPTIONS`` (``Choice``). They run on the host, in numpy, once per ``run`` /
``run_chunk`` call (not once per step), so they cost nothing inside the compiled kernel.

Encoder (``kind = "encoder"``): observation values -> what drives a pool.

    state = enc.init(n)                                     # n: neurons it drives
    state, out = enc.encode(state, values, steps, dt, n)    # one call = one run / chunk
    out = enc(values, steps=..., dt=...)                    # stateless shortcut (fresh state)

``values`` (the encoder's own domain, e.g. an angle): a number (when ``dims`` = 1), an
array of shape ``(dims,)`` held for all ``steps``, or ``(steps, dims)`` with one row
per step (with ``dims`` = 1 also ``(steps,)``). ``OUTPUT`` says what comes out:

- ``"rate"``: firing rates in Hz for a PoissonSource pool, shape ``(n,)`` for a held
  value, ``(steps, n)`` for one row per step;
- ``"spikes"``: per-step 0/1 for a SpikeInput pool, always ``(steps, n)``;
- ``"current"``: input in the target pool's input unit, ``(n,)`` or ``(steps, n)``.

Decoder (``kind = "decoder"``): spikes of a source -> a value.

    state = dec.init(n)
    state, value = dec.step(state, x, steps, dt)   # x: counts (n,) over `steps` steps,
                                                   #    or spikes (steps, n)
    value = dec(x, steps=..., dt=...)               # stateless shortcut

Routing (``kind = "routing"``): which neurons of which pools a decoder reads
(see ``routing.py``).
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .. import _checks
from .._component import Component
from .._params import Param
from ..errors import ParameterError

#: the ``dims`` parameter every encoder declares
DIMS = Param(1, "1", low=1, integer=True, per_neuron=False,
             help="number of values in one observation (fixes the pool size at add_input)")


class Encoder(Component):
    """Observation values -> rates, spikes or current (see module docstring)."""

    kind: ClassVar[str] = "encoder"
    OUTPUT: ClassVar[str] = "rate"
    #: True: ``n`` may be any multiple of ``size()``; value k then drives the neurons
    #: ``[k c, (k+1) c)`` with ``c = n / dims`` (independent copies)
    COPIES: ClassVar[bool] = False

    def __init__(self, **params: Any):
        super().__init__(**params)
        self.dims = int(self.values["dims"])

    # ---- sizes
    def size(self) -> int:
        """Neurons needed for one observation (without copies)."""
        return self.dims

    def n_neurons(self, n: int | None = None, where: str | None = None) -> int:
        """The neuron count for a requested ``n`` (None: ``size()``); ParameterError if impossible."""
        where = where or self.describe()
        base = self.size()
        if n is None:
            return base
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ParameterError(where, "n", f"got {n!r}", "the number of neurons must be an integer >= 1")
        n = int(n)
        if self.COPIES and n % base == 0:
            return n
        if n != base:
            hint = (f"give a multiple of {base} (dims={self.dims}; each value drives n/dims neurons)"
                    if self.COPIES else f"this encoder drives exactly {base} neurons; leave n=None")
            raise ParameterError(where, "n", f"got {n}", hint)
        return n

    # ---- encoding
    def init(self, n: int | None = None) -> Any:
        """Fresh encoder state for ``n`` neurons (None for stateless encoders)."""
        return None

    def encode(self, state, values, steps: int = 1, dt: float = 0.1, n: int | None = None,
               where: str | None = None):
        """``(new state, output)`` for ``values`` over ``steps`` steps of ``dt`` ms.

        ``n``: neurons driven (default ``size()``). ``where`` names the encoder in errors
        (the network passes ``"input 'obs' (PoissonEncoder)"``)."""
        where = where or self.describe()
        n = self.n_neurons(n, where)
        steps = _checks.positive_int(steps, where, "steps")
        if isinstance(dt, (bool, np.bool_)) or not isinstance(dt, (int, float, np.integer, np.floating)) \
                or not np.isfinite(dt) or dt <= 0:
            raise ParameterError(where, "dt", f"got {dt!r}", "the time step must be a number > 0 ms")
        x = self.check_values(values, steps, where)
        return self._encode(state, x, steps, float(dt), n, where)

    def __call__(self, values, steps: int = 1, dt: float = 0.1, n: int | None = None):
        """The output for ``values`` from a fresh state (array-level use)."""
        return self.encode(self.init(self.n_neurons(n)), values, steps, dt, n)[1]

    def check_values(self, values, steps: int, where: str) -> np.ndarray:
        """``values`` as a float64 array of shape (1, dims) (held) or (steps, dims) (per step)."""
        d = self.dims
        if isinstance(values, (bool, np.bool_, str, bytes)) or values is None:
            raise ParameterError(where, "values", f"got {values!r}", "give numbers")
        try:
            x = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError(where, "values", f"got {_checks.brief(values)}",
                                 "give a number or an array of numbers") from None
        shape = x.shape
        if x.ndim == 0 and d == 1:
            x = x.reshape(1, 1)
        elif x.ndim == 1 and x.shape[0] == d:
            x = x.reshape(1, d)
        elif x.ndim == 1 and d == 1 and x.shape[0] == steps:
            x = x.reshape(steps, 1)
        elif not (x.ndim == 2 and x.shape == (steps, d)):
            one = "a number, " if d == 1 else ""
            raise ParameterError(where, "values", f"got shape {shape}",
                                 f"give {one}shape ({d},) held for all steps, or ({steps}, {d}) one row "
                                 f"per step (dims={d})")
        bad = ~np.isfinite(x)
        if bad.any():
            i = np.argwhere(bad)[0]
            at = f" at step {i[0]}, value {i[1]}" if x.shape[0] > 1 else f" at value {i[1]}"
            raise ParameterError(where, "values", f"got {x[tuple(i)]}{at}", "values must be finite numbers")
        return x

    def _encode(self, state, x: np.ndarray, steps: int, dt: float, n: int, where: str):
        raise NotImplementedError


class Decoder(Component):
    """Spike counts or spikes -> a value (see module docstring)."""

    kind: ClassVar[str] = "decoder"

    def init(self, n: int, where: str | None = None) -> dict:
        """Fresh state for a source of ``n`` neurons; ParameterError if ``n`` does not fit."""
        where = where or self.describe()
        n = _checks.positive_int(n, where, "n")
        self.check_size(n, where)
        return {"n": n}

    def check_size(self, n: int, where: str) -> None:
        """ParameterError naming ``where`` when the decoder cannot read ``n`` neurons."""

    def step(self, state: dict, x, steps: int | None = None, dt: float = 0.1, where: str | None = None):
        """``(new state, value)`` after ``steps`` more steps.

        x: spike counts per neuron (shape (n,)) during those ``steps`` steps, or the
        spikes themselves, shape (steps, n) (bool or 0/1; ``steps`` is then its length)."""
        where = where or self.describe()
        counts, spikes, steps = _counts(x, state["n"], steps, where)
        if isinstance(dt, (bool, np.bool_)) or not isinstance(dt, (int, float, np.integer, np.floating)) \
                or not np.isfinite(dt) or dt <= 0:
            raise ParameterError(where, "dt", f"got {dt!r}", "the time step must be a number > 0 ms")
        return self._step(dict(state), counts, spikes, steps, float(dt))

    def __call__(self, x, steps: int | None = None, dt: float = 0.1):
        """The value from a fresh state (array-level use); ``x`` as in ``step``."""
        n = np.shape(x)[-1] if np.ndim(x) else 0
        return self.step(self.init(n), x, steps, dt)[1]

    def _step(self, state, counts, spikes, steps, dt):
        raise NotImplementedError


def group_sums(counts: np.ndarray, groups: int) -> np.ndarray:
    """Sum of ``counts`` (..., n) over ``groups`` equal consecutive groups -> (..., groups)."""
    n = counts.shape[-1]
    return counts.reshape(counts.shape[:-1] + (groups, n // groups)).sum(-1)


def check_groups(groups: int, n: int, where: str) -> None:
    if n % groups:
        raise ParameterError(where, "groups", f"{groups} groups of a source of {n} neurons",
                             f"groups must divide the number of neurons ({n}) evenly")


def _counts(x, n: int, steps, where: str):
    """(counts (n,) float64, spikes (steps, n) or None, steps) from a decoder's input."""
    try:
        a = np.asarray(x)
    except (TypeError, ValueError):
        raise ParameterError(where, "spikes", f"got {_checks.brief(x)}",
                             "give counts (n,) or spikes (steps, n)") from None
    if a.dtype.kind not in "biuf":
        raise ParameterError(where, "spikes", f"got dtype {a.dtype}",
                             "give counts (n,) or spikes (steps, n) as numbers")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ParameterError(where, "spikes", "contains negative, NaN or inf values", "counts are whole numbers >= 0")
    if a.ndim == 2 and a.shape[1] == n:
        if steps is not None and steps != a.shape[0]:
            raise ParameterError(where, "steps", f"got steps={steps} with spikes of shape {a.shape}",
                                 "leave steps=None when passing per-step spikes")
        return a.sum(0), a, a.shape[0]
    if a.shape != (n,):
        raise ParameterError(where, "spikes", f"got shape {a.shape}",
                             f"give counts of shape ({n},) or spikes of shape (steps, {n})")
    if steps is not None:
        steps = _checks.positive_int(steps, where, "steps")
    return a, None, steps


def check_rate_limit(highest: float, dt: float, where: str, field: str) -> None:
    """ParameterError unless ``highest`` (Hz), the largest rate an encoder can give, is at
    most 1000/dt Hz: a Poisson neuron spikes at most once per step of ``dt`` ms, so a higher
    rate would silently saturate (the same limit PoissonSource's ``rate`` has)."""
    limit = 1000.0 / dt
    if highest > limit:
        raise ParameterError(where, field, f"rates up to {highest:g} Hz at dt = {dt:g} ms",
                             f"at most one spike per step: keep the highest rate <= 1000/dt = {limit:g} Hz")
