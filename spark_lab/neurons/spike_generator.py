"""Spike generator: emits spikes at given times (Brian2's SpikeGeneratorGroup).

    SpikeGenerator(times=[[1.0, 5.0], [], [2.5]])            # one list per neuron, ms
    SpikeGenerator(indices=[0, 2, 0], times=[1.0, 2.5, 5.0])   # spike k: neuron indices[k] at times[k]

Neuron i spikes at step t when ``floor(time / dt + 0.5) == t`` (rounding half up) for
one of its times (time in ms, t the step index; the run starts at step 0); a time whose
step exceeds the int32 range is refused when the network is built. Times that round to the same
step give one spike in that step. Input to the pool is ignored. With per-neuron
lists the pool must have exactly that many neurons; with ``indices`` it must have
more neurons than the largest index.

The step indices travel to the device as an int32 (n, k) array (k: most spikes of
one neuron, padded with -1) and are compared with the step counter every step, so
the cost per step grows with n * k: fine for stimuli, not for millions of spikes.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ..errors import ParameterError
from ._base import NeuronModel


class SpikeGenerator(NeuronModel):
    """Spikes at given times (see module docstring)."""

    name = "spike_generator"
    INPUT_UNIT = "1"
    STATE = ()
    VOLTAGE = None
    PARAMS = {}
    DATA = ("times", "indices")

    def __init__(self, times, indices=None):
        super().__init__()
        where = "SpikeGenerator"
        if indices is None:
            if isinstance(times, np.ndarray) and times.ndim == 2:
                per = [np.asarray(r, np.float64) for r in times]
            else:
                try:
                    per = [np.asarray(r, np.float64).ravel() for r in times]
                except (TypeError, ValueError):
                    raise ParameterError(where, "times", f"got {times!r}",
                                         "give one list of times (ms) per neuron, or indices= and times=") from None
            for i, r in enumerate(per):
                _check_times(r, where, f"times[{i}]")
            self.indices = np.concatenate([np.full(r.size, i, np.int64) for i, r in enumerate(per)]
                                          or [np.zeros(0, np.int64)])
            self.times = np.concatenate(per or [np.zeros(0)])
            self.n_fixed = len(per)
        else:
            try:
                idx = np.asarray(indices, np.float64).ravel()
                tms = np.asarray(times, np.float64).ravel()
            except (TypeError, ValueError):
                raise ParameterError(where, "times", "indices and times must be numbers",
                                     "give two flat lists") from None
            if idx.shape != tms.shape:
                raise ParameterError(where, "indices", f"got {idx.size} indices for {tms.size} times",
                                     "give one neuron index per spike time")
            if idx.size and (not np.all(np.isfinite(idx)) or np.any(idx != np.round(idx)) or idx.min() < 0
                             or idx.max() > 2.0 ** 62):
                bad = np.flatnonzero(~np.isfinite(idx) | (idx != np.round(idx)) | (idx < 0) | (idx > 2.0 ** 62))[0]
                raise ParameterError(where, "indices", f"got {idx[bad]:g} at position {bad}",
                                     "indices are whole numbers >= 0")
            _check_times(tms, where, "times")
            self.indices = idx.astype(np.int64)
            self.times = tms
            self.n_fixed = None

    def data(self):
        """As given: ``{"times": one list per neuron}``, or ``{"indices", "times"}`` (flat)."""
        if self.n_fixed is not None:
            return {"times": [self.times[self.indices == i] for i in range(self.n_fixed)]}
        return {"times": self.times, "indices": self.indices}

    def structure(self, n, dt):
        where = "SpikeGenerator"
        if self.n_fixed is not None and self.n_fixed != n:
            raise ParameterError(where, "times", f"{self.n_fixed} lists of times for a pool of {n} neurons",
                                 "give one list per neuron")
        if self.indices.size and self.indices.max() >= n:
            raise ParameterError(where, "indices", f"index {int(self.indices.max())} is outside the pool",
                                 f"the pool has {n} neurons (0..{n - 1})")
        counts = np.bincount(self.indices, minlength=n)
        out = np.full((n, max(1, int(counts.max(initial=0)))), -1, np.int32)
        order = np.lexsort((self.times, self.indices))
        idx, tms = self.indices[order], self.times[order]
        pos = np.arange(idx.size) - np.searchsorted(idx, idx)
        steps = np.floor(tms / dt + 0.5)               # round half up, as documented
        if steps.size and steps.max() > np.iinfo(np.int32).max:
            i = int(np.argmax(steps))
            raise ParameterError(where, "times", f"{tms[i]:g} ms is step {steps[i]:.0f} of dt={dt:g} ms",
                                 f"spike times must be below {np.iinfo(np.int32).max * dt:g} ms (int32 steps)")
        out[idx, pos] = steps.astype(np.int32)
        return {"steps": out}

    def init_state(self, n, p, rng):
        return {}

    def step(self, s, q, syn, t, dt, noise):
        return {}, jnp.any(q["_struct"]["steps"] == t, axis=1)

    def __repr__(self):
        return f"SpikeGenerator(<{self.times.size} spikes>)"

    def __eq__(self, other):
        return (type(other) is SpikeGenerator and self.n_fixed == other.n_fixed
                and np.array_equal(self.indices, other.indices) and np.array_equal(self.times, other.times))

    __hash__ = NeuronModel.__hash__

    def replace(self, **params):
        if params:
            raise ParameterError("SpikeGenerator", sorted(params)[0], "unknown parameter",
                                 "a SpikeGenerator has no parameters; make a new one with other times")
        return self


def _check_times(t, where, field):
    bad = ~np.isfinite(t)
    if bad.any():
        raise ParameterError(where, field, f"got {t[bad][0]!r}", "spike times must be finite numbers in ms")
    if t.size and t.min() < 0:
        raise ParameterError(where, field, f"got {t.min():g} ms", "spike times must be >= 0 ms")
