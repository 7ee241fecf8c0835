"""Spike-train analysis for recordings and live sessions (numpy only).

Spike recordings are boolean arrays of shape (steps, neurons), as ``RunResult.records``
and ``Session.recorded`` return them; ``dt`` is the step in ms.
"""
from __future__ import annotations

import numpy as np

from .errors import ParameterError


def _spikes(spikes, where):
    s = np.asarray(spikes)
    if s.ndim != 2:
        raise ParameterError(where, "spikes", f"got an array of shape {s.shape}",
                             "give a (steps, neurons) array of spikes")
    return s.astype(bool, copy=False)


def isi(spikes, dt: float) -> np.ndarray:
    """All inter-spike intervals in ms (pooled over neurons) of a (steps, neurons) spike array."""
    s = _spikes(spikes, "isi")
    n, t = np.nonzero(s.T)                 # sorted by neuron, then time
    if t.size < 2:
        return np.zeros(0)
    same = np.diff(n) == 0
    return (np.diff(t)[same] * float(dt)).astype(np.float64)


def cv_isi(spikes, dt: float, min_spikes: int = 3) -> np.ndarray:
    """Coefficient of variation (std/mean) of the ISIs of each neuron with at least
    ``min_spikes`` spikes (1 for a Poisson process, 0 for a clock); NaN for the others."""
    s = _spikes(spikes, "cv_isi")
    out = np.full(s.shape[1], np.nan)
    for j in np.flatnonzero(s.sum(0) >= min_spikes):
        iv = np.diff(np.flatnonzero(s[:, j])) * float(dt)
        m = iv.mean()
        out[j] = iv.std() / m if m > 0 else np.nan
    return out


def population_fano(spikes, dt: float, bin_ms: float = 1.0) -> float:
    """Fano factor (variance / mean) of the population spike count in bins of ``bin_ms``:
    about 1 when neurons fire independently (asynchronous), much larger when they fire
    together (synchronous). NaN without spikes or with fewer than two bins."""
    s = _spikes(spikes, "population_fano")
    b = max(1, int(round(bin_ms / dt)))
    nb = s.shape[0] // b
    if nb < 2:
        return float("nan")
    c = s[:nb * b].sum(1).reshape(nb, b).sum(1).astype(np.float64)
    m = c.mean()
    return float(c.var() / m) if m > 0 else float("nan")


def rate_hz(spikes, dt: float) -> float:
    """Mean firing rate in Hz of a (steps, neurons) spike array."""
    s = _spikes(spikes, "rate_hz")
    if s.size == 0:
        return 0.0
    return float(s.sum()) / s.shape[1] / (s.shape[0] * dt * 1e-3)


def fi_curve(model, currents, duration_ms: float = 500.0, dt: float = 0.1, skip_ms: float = 100.0,
             seed: int = 0):
    """Firing rate (Hz) of ``model`` against a constant input, one neuron per input value.

    Builds one pool of ``len(currents)`` neurons of ``model`` (input in the model's
    ``INPUT_UNIT``: mV of drive for LIF, pA for AdEx, ...), drives neuron i with
    ``currents[i]`` for ``duration_ms``, and counts spikes after the first ``skip_ms``
    (the transient). One compiled run for the whole curve. Returns (currents, rates).
    """
    from .network import Network
    cur = np.asarray(currents, np.float64)
    if cur.ndim != 1 or cur.size == 0 or not np.all(np.isfinite(cur)):
        raise ParameterError("fi_curve", "currents", f"got shape {cur.shape}", "give a 1-D array of finite numbers")
    if not (np.isfinite(duration_ms) and duration_ms > skip_ms >= 0):
        raise ParameterError("fi_curve", "duration_ms", f"got {duration_ms!r} (skip_ms {skip_ms!r})",
                             "need duration_ms > skip_ms >= 0")
    net = Network(dt=dt, seed=seed)
    net.add_pool("fi", model, int(cur.size))
    sim = net.build()
    skip = int(round(skip_ms / dt))
    total = int(round(duration_ms / dt))
    if skip:
        sim.run(skip, inputs={"fi": cur}, record=[])
    res = sim.run(total - skip, inputs={"fi": cur}, record=[])
    rates = np.asarray(res.counts["fi"], np.float64) / ((total - skip) * dt * 1e-3)
    return cur, rates
