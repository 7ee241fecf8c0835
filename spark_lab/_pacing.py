"""Real-time pacing of a session's run: how long to wait before the next chunk."""
from __future__ import annotations

import time

import numpy as np

from .errors import ParameterError


def check_speed(x) -> float | None:
    """None (as fast as possible) or a real-time factor > 0 as a float; else ParameterError."""
    if x is None:
        return None
    if isinstance(x, (bool, str)) or not np.isscalar(x) or not np.isfinite(x) or x <= 0:
        raise ParameterError("Session", "speed", f"got {x!r}",
                             "give None (as fast as possible) or a real-time factor > 0 (1.0 = real time)")
    return float(x)


class Pacer:
    """Keeps simulated time at ``speed`` times wall-clock time (1.0 = one simulated second per
    wall-clock second; None: no pacing). Never ahead of the factor; when more than 0.25 s
    behind it starts counting afresh instead of catching up later. Not thread-safe: the
    session calls it under its own lock."""

    def __init__(self, speed=None):
        self.speed = check_speed(speed)
        self.anchor = None                  # (wall-clock s, simulated s) the pace counts from

    def restart(self) -> None:
        """Count from the next chunk on (a run starts, the speed changes)."""
        self.anchor = None

    def delay(self, sim_s: float) -> float:
        """Seconds to wait before the next chunk when ``sim_s`` simulated seconds are done."""
        if self.speed is None:
            self.anchor = None
            return 0.0
        now = time.monotonic()
        if self.anchor is None:
            self.anchor = (now, sim_s)
            return 0.0
        w0, s0 = self.anchor
        delay = w0 + (sim_s - s0) / self.speed - now
        if delay < -0.25:
            self.anchor = (now, sim_s)
        return max(delay, 0.0)
