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
    """At most ``max_fps`` frames a second, paced by a schedule of due times.

    Frames can only be drawn at chunk boundaries, so measuring the interval from the last
    draw would lose the wait for the next boundary on every frame (with 10 ms chunks a
    10 fps throttle drew ~8.5 frames a second). Instead each frame is due one interval after
    the previous frame's *due time*; a frame that comes late does not push the schedule back,
    so the average reaches ``max_fps`` when chunks are short. The schedule never runs ahead
    of the clock by more than one interval (no burst of catch-up frames after a pause), and a
    slow draw still spaces frames by ``cost_factor`` times its CPU cost.
    """

    def __init__(self, max_fps: float = 10.0, cost_factor: float = 5.0):
        if not max_fps > 0:
            raise ValueError(f"Throttle: max_fps must be > 0, got {max_fps!r}")
        self.min_interval = 1.0 / max_fps
        self.cost_factor = cost_factor
        self.last = -1e9
        self.last_cost = 0.0
        self.next_due = -1e9
        self.drawn = 0
        self.dropped = 0

    def due(self) -> bool:
        now = time.perf_counter()
        ok = now >= self.next_due and now - self.last >= self.cost_factor * self.last_cost
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
        # the next frame is due one interval after this one was due; after a gap (a pause, a
        # slow draw) the schedule restarts from this frame instead of catching up
        due = self.next_due if started - self.next_due < self.min_interval else started
        self.next_due = min(due, now) + self.min_interval
        self.last, self.last_cost = now, cost
        self.drawn += 1
