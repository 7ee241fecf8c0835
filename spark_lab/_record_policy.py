"""Recording policies: when a recorded variable keeps a sample, beside ``every``.

One spelling everywhere (``Network.record``, ``Session(record=...)``, the model file's
``record`` entries)::

    between=[t0_ms, t1_ms]                            steps with t0 <= t * dt < t1 (t1 None: no end)
    when={"rate": "exc", "above": 20.0, "window": 50.0}
                                                      while pool exc fired above 20 Hz over the last
                                                      50 ms (the current step included)
    when={"tag": "episode", "equals": [3, 4]}         while the input tag "episode" is 3 or 4

A tag is an integer given with the inputs, ``inputs={"tag.episode": 3}`` (one value for the
call) or an array of one value per step; it keeps its last value until given again (-1
before it is first given and after a reset). A rate window counts the pool's spikes of
the last ``round(window / dt)`` steps; steps before the window was set up count as silent.
The policies combine: a sample is kept at step t when ``t % every == 0``, t is within
``between`` and the condition holds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from .errors import ParameterError

#: the longest rate window, in steps (its ring of counts is one int32 per step)
MAX_WINDOW_STEPS = 1_000_000
TAG_PREFIX = "tag."
#: the chunk input holding the run-time policy values (``policy_rows``)
POLICY = "_policy"


@dataclass(frozen=True)
class When:
    """A recording condition. ``kind`` "rate": pool ``name`` above ``above`` Hz over
    ``window`` ms; ``kind`` "tag": the input tag ``name`` equals one of ``equals``."""
    kind: str
    name: str
    above: float = 0.0
    window: float = 0.0
    equals: tuple = ()

    def to_dict(self) -> dict:
        """The model-file spelling (``parse`` reads it back to an equal condition)."""
        if self.kind == "rate":
            return {"rate": self.name, "above": float(self.above), "window": float(self.window)}
        return {"tag": self.name, "equals": [int(v) for v in self.equals]}

    def window_steps(self, dt: float) -> int:
        """The rate window in steps of ``dt`` ms (at least 1)."""
        return max(1, int(round(self.window / dt)))

    def window_key(self, dt: float) -> str:
        """The input name of this condition's ring of per-step counts."""
        return f"win.{self.name}.{self.window_steps(dt)}"

    def renamed(self, old: str, new: str) -> When:
        return When(self.kind, new, self.above, self.window, self.equals) if \
            self.kind == "rate" and self.name == old else self


def parse_when(x, net, where: str) -> When | None:
    """A condition (a When, or a dict as in the module docstring) checked against ``net``."""
    if x is None:
        return None
    if isinstance(x, When):
        x = x.to_dict()
    if not isinstance(x, dict) or not (("rate" in x) ^ ("tag" in x)):
        raise ParameterError(where, "when", f"got {_checks.brief(x)}",
                             'give {"rate": pool, "above": Hz, "window": ms} or {"tag": name, "equals": [integers]}')
    allowed = ("rate", "above", "window") if "rate" in x else ("tag", "equals")
    extra = [k for k in x if k not in allowed]
    if extra:
        raise ParameterError(where, "when", f"unknown key {extra[0]!r}", f"allowed: {', '.join(allowed)}")
    if "rate" in x:
        pool = net.pool_name(x["rate"])
        above = _checks.number(x.get("above", 0.0), where, "when.above", "Hz", low=0.0)
        if "window" not in x:
            raise ParameterError(where, "when.window", "missing", "give the window in ms (> 0)")
        window = _checks.number(x["window"], where, "when.window", "ms", low=0.0)
        steps = window / net.dt
        if not 0.5 <= steps <= MAX_WINDOW_STEPS:
            raise ParameterError(where, "when.window", f"{window:g} ms is {steps:g} steps of dt={net.dt:g} ms",
                                 f"give a window of 1 to {MAX_WINDOW_STEPS:,} steps")
        return When("rate", pool, above, window)
    tag = x["tag"]
    if not isinstance(tag, str) or not _checks.is_name(tag):
        raise ParameterError(where, "when.tag", f"got {_checks.brief(tag)}",
                             "a tag name: letters, digits, '_' or '-'")
    eq = x.get("equals")
    values = eq if isinstance(eq, (list, tuple)) else [eq]
    if not values or not all(_checks.is_int(v) and -2 ** 31 <= v < 2 ** 31 for v in values):
        raise ParameterError(where, "when.equals", f"got {_checks.brief(eq)}",
                             "give an integer or a list of integers (32-bit)")
    return When("tag", tag, equals=tuple(sorted({int(v) for v in values})))


def parse_between(x, where: str) -> tuple | None:
    """``[t0_ms, t1_ms]`` (t1 None: no end) as a tuple of floats; 0 <= t0 < t1."""
    if x is None:
        return None
    if not isinstance(x, (list, tuple)) or len(x) != 2:
        raise ParameterError(where, "between", f"got {_checks.brief(x)}",
                             "give [t0, t1] in ms (t1 None: until the end)")
    t0 = _checks.number(x[0], where, "between", "ms", low=0.0)
    if x[1] is None:
        return (t0, None)
    t1 = _checks.number(x[1], where, "between", "ms", low=0.0)
    if not t1 > t0:
        raise ParameterError(where, "between", f"t1 = {t1:g} ms is not after t0 = {t0:g} ms",
                             "give t0 < t1")
    return (t0, t1)


def between_steps(between, dt: float) -> tuple:
    """(first step, end step or None) of ``between`` on the grid of ``dt``: the steps t with
    t0 <= t * dt < t1 (each bound to within 1e-9 of a step)."""
    t0, t1 = between
    first = max(0, math.ceil(t0 / dt - 1e-9))
    return first, (None if t1 is None else max(first, math.ceil(t1 / dt - 1e-9)))


def policy_rows(specs, dt: float, sizes: dict, n_steps_cap: int = 2 ** 31 - 1) -> np.ndarray:
    """The run-time values of the policies of ``specs``: (specs, 4) int32 rows [every, first
    step, end step, rate threshold] (the chunk's POLICY input; ``sizes``: {pool: neurons}). The threshold of "above x Hz
    over W steps" of a pool of n neurons is the spike count x * n * W * dt / 1000, rounded
    down: a step is kept when the window holds more spikes than that."""
    rows = np.zeros((len(specs), 4), np.int64)
    for i, s in enumerate(specs):
        first, end = (0, None) if s.between is None else between_steps(s.between, dt)
        thr = 0
        if s.when is not None and s.when.kind == "rate":
            thr = math.floor(s.when.above * sizes[s.when.name] * s.when.window_steps(dt) * dt * 1e-3 + 1e-9)
        rows[i] = (s.every, first, n_steps_cap if end is None else min(end, n_steps_cap), min(thr, n_steps_cap))
    return rows.astype(np.int32)


def compile_key(spec) -> tuple:
    """What of ``spec`` is compiled into the chunk (the rest is the POLICY input): pool,
    variable, neurons, and the condition's kind, pool or tag, window and tag values."""
    w = spec.when
    cond = None if w is None else (w.kind, w.name, w.window, w.equals)
    return (spec.pool, spec.var, spec.neurons, cond)


def reads_pool(spec, pool: str) -> bool:
    """True when ``spec`` records ``pool`` or its condition reads that pool's rate."""
    return spec.pool == pool or (spec.when is not None and spec.when.kind == "rate" and spec.when.name == pool)


def split_tags(inputs: dict, steps: int) -> tuple:
    """(``inputs`` without its "tag.<name>" entries, {name: (steps,) int32}). A tag is an
    integer, or an array of ``steps`` integers (32-bit); anything else raises ParameterError."""
    rest, tags = {}, {}
    for nm, v in inputs.items():
        if not (isinstance(nm, str) and nm.startswith(TAG_PREFIX)):
            rest[nm] = v
            continue
        name = nm[len(TAG_PREFIX):]
        arr = np.asarray(v) if not isinstance(v, (str, bytes)) else np.asarray(0.5)
        ok = _checks.is_name(name) and arr.dtype.kind in "iub" and arr.shape in ((), (steps,))
        if not ok or (arr.size and (arr.min() < -2 ** 31 or arr.max() >= 2 ** 31)):
            raise ParameterError(f"input {nm!r}", "value", f"got {_checks.brief(v)}",
                                 f"a tag is an integer, or {steps} integers (one per step); its name "
                                 "letters, digits, '_' or '-'")
        tags[name] = np.broadcast_to(arr.astype(np.int32), (steps,))
    return rest, tags


def policy_inputs(specs, dt: float, sizes: dict, tags: dict, last_tags: dict, windows: dict, done: int,
                  k: int, agents: int | None = None) -> dict:
    """The chunk inputs the recording policies of ``specs`` read, for steps ``done .. done+k``
    of a call: "tag.<name>" (k,) (the tag given, else its last value, else -1) and each rate
    window's ring "win.<pool>.<W>" (from ``windows``, else zeros: a new window starts silent),
    and POLICY (``policy_rows``) when anything is recorded.

    ``agents``: None for one network; B for a batch of B (``BatchedSimulator``), where every
    input has a leading agent axis: ``tags`` (B, steps), ``last_tags`` (B,) arrays,
    ``windows`` (B, W), and so the outputs (POLICY the same rows for every agent)."""
    lead = () if agents is None else (agents,)
    out = {}
    if specs:
        rows = policy_rows(specs, dt, sizes)
        out[POLICY] = np.broadcast_to(rows, lead + rows.shape) if lead else rows
    for s in specs:
        w = s.when
        if w is None:
            continue
        if w.kind == "tag":
            given = tags.get(w.name)
            last = np.asarray(last_tags.get(w.name, -1))
            out[TAG_PREFIX + w.name] = (given[..., done:done + k] if given is not None else
                                        np.full(lead + (k,), last[..., None], np.int32))
        else:
            key = w.window_key(dt)
            out[key] = windows.get(key, np.zeros(lead + (w.window_steps(dt),), np.int32))
    return out


def kept_rows(arr, kept) -> np.ndarray:
    """The first ``kept`` rows of the device array ``arr`` as numpy. Fewer than half of the
    rows: only the next power of two of them leaves the device (a few slice shapes, each
    compiled once); else all of them, cut on the host."""
    kept, rows = int(kept), arr.shape[0]
    if kept == 0:
        return np.empty((0,) + tuple(arr.shape[1:]), arr.dtype)
    if kept > rows // 2:
        return np.asarray(arr)[:kept]
    return np.asarray(arr[:1 << (kept - 1).bit_length()])[:kept]
