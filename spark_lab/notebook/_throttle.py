"""Frame throttling for live figures.

The browser keeps up with about 10 bqplot updates per second (measured in Chromium: a
2000-point Scatter updated under ``hold_sync`` was drawn 5-13 times per second; throttled
to 10 Hz it kept up, at 30 Hz it ended 9 s behind the kernel) and queues every message
without back-pressure, so a monitor must decide in the kernel which frames to draw.
``Throttle.due()`` says whether a new frame may be drawn now: at most ``max_fps`` per
second, and never more often than every ``cost_factor`` times the time the last draw
took (so drawing takes at most ~1/cost_factor of the session thread). Frames that are
not due are dropped; the monitor draws the latest data at the next due frame, or when
the session goes idle (``flush``).
"""
from __future__ import annotations

import time


class Throttle:
    def __init__(self, max_fps: float = 10.0, cost_factor: float = 5.0):
        if not max_fps > 0:
            raise ValueError(f"Throttle: max_fps must be > 0, got {max_fps!r}")
        self.min_interval = 1.0 / max_fps
        self.cost_factor = cost_factor
        self.last = -1e9
        self.last_cost = 0.0
        self.drawn = 0
        self.dropped = 0

    def due(self) -> bool:
        ok = time.perf_counter() - self.last >= max(self.min_interval, self.cost_factor * self.last_cost)
        if not ok:
            self.dropped += 1
        return ok

    def record(self, started: float, cpu_started: float | None = None) -> None:
        """Note a draw that began at ``started`` (time.perf_counter()). With ``cpu_started``
        (time.thread_time() at the start) its cost is the CPU time the drawing thread spent,
        not the wall time: on a loaded machine the wall time of a 3 ms draw can be 30 ms of
        waiting for a core, and the frame rate would then fall for nothing."""
        now = time.perf_counter()
        cost = now - started if cpu_started is None else time.thread_time() - cpu_started
        self.last, self.last_cost = now, cost
        self.drawn += 1
