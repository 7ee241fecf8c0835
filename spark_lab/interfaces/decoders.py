"""Decoders of spike counts: counts per group, exponentially filtered rates, winner-take-all.

Each is stateful (``init(n)`` / ``step(state, x, steps, dt)``, see ``_base``). In a network
a decoder is stepped once per ``run`` / ``run_chunk`` call with the spike counts of that
call (one transfer of counts, nothing per step), so what it sees is chunk-resolved.
Groups: the ``n`` neurons of the source are split into ``groups`` equal consecutive
blocks (``groups`` must divide ``n``).
"""
from __future__ import annotations

import numpy as np

from .._params import Param
from ._base import Decoder, check_groups, group_sums

_GROUPS = Param(1, "1", low=1, integer=True, per_neuron=False, help="number of equal consecutive neuron groups")


class CountDecoder(Decoder):
    """Spike counts per group during the latest call: int64 array (groups,).

    The state also keeps ``state["total"]``, the counts since the last reset."""

    name = "count_decoder"
    PARAMS = {"groups": _GROUPS}

    def check_size(self, n, where):
        check_groups(int(self.values["groups"]), n, where)

    def init(self, n, where=None):
        st = super().init(n, where)
        st["total"] = np.zeros(int(self.values["groups"]), np.int64)
        return st

    def _step(self, state, counts, spikes, steps, dt):
        c = group_sums(counts, int(self.values["groups"])).astype(np.int64)
        state["total"] = state["total"] + c
        return state, c


class WinnerTakeAll(Decoder):
    """Index of the group with the most spikes during the latest call (an int).

    Ties go to the lowest group index; when no neuron spiked the value is -1."""

    name = "winner_take_all"
    PARAMS = {"groups": Param(2, "1", low=1, integer=True, per_neuron=False,
                              help="number of equal consecutive neuron groups (choices)")}

    def check_size(self, n, where):
        check_groups(int(self.values["groups"]), n, where)

    def _step(self, state, counts, spikes, steps, dt):
        c = group_sums(counts, int(self.values["groups"]))
        return state, int(np.argmax(c)) if c.max() > 0 else -1     # argmax: first maximum


class RateDecoder(Decoder):
    """Exponentially filtered firing rate in Hz per group (mean over its neurons).

    A first-order low-pass of the rate with time constant ``tau`` (ms), exact in steps:
    with lam = exp(-dt / tau), per step ``r <- lam r + (1 - lam) 1000 s / dt`` (s the 0/1
    spike of that step). So a neuron that starts firing at a constant rate nu at t = 0
    reads ``nu (1 - exp(-t / tau))`` (the analytic step response) and a steady rate reads nu.

    Given per-step spikes (steps, n) the update is exactly that recursion. Given counts
    over a call of K steps (what a network passes), the K steps are integrated as if the
    spikes were spread evenly over them: ``r <- Lam r + (1 - Lam) nu_K`` with
    Lam = exp(-K dt / tau) and nu_K = 1000 count / (K dt), which is exact for a rate that is
    constant within each call and loses the spike timing inside a call (use shorter
    calls, or ``record`` the spikes and pass them, for finer resolution).
    ``groups = 0`` (default) gives one rate per neuron. Value: float64 array (groups,) or (n,).
    """

    name = "rate_decoder"
    PARAMS = {
        "tau": Param(100.0, "ms", low=0, low_open=True, per_neuron=False, log=True, help="filter time constant"),
        "groups": Param(0, "1", low=0, integer=True, per_neuron=False,
                        help="number of equal neuron groups; 0 = one rate per neuron"),
    }

    def check_size(self, n, where):
        if int(self.values["groups"]):
            check_groups(int(self.values["groups"]), n, where)

    def init(self, n, where=None):
        st = super().init(n, where)
        g = int(self.values["groups"]) or st["n"]
        st["rate"] = np.zeros(g, np.float64)
        return st

    def _step(self, state, counts, spikes, steps, dt):
        from ..errors import ParameterError
        if steps is None:
            raise ParameterError(self.describe(), "steps", "counts were given without steps",
                                 "pass steps= (the number of steps the counts cover)")
        tau, g = float(self.values["tau"]), int(self.values["groups"])
        per = (lambda a: a) if not g else (lambda a: group_sums(a, g) / (a.shape[-1] / g))
        lam = np.exp(-dt / tau)
        if spikes is not None:                     # exact per-step recursion, vectorised over steps
            w = lam ** np.arange(steps - 1, -1, -1)             # weight of step k at the end
            drive = (1 - lam) * 1000.0 / dt * (w @ per(spikes))
            rate = lam ** steps * state["rate"] + drive
        else:
            big = np.exp(-steps * dt / tau)
            rate = big * state["rate"] + (1 - big) * per(counts) * 1000.0 / (steps * dt)
        state["rate"] = rate
        return state, rate.copy()
