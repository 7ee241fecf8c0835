"""Live activity on the graph: a session monitor that hands each pool's rate to the editor.

    monitor = ActivityMonitor(editor.show_activity)
    session.add_monitor(monitor)          # what Lab does for its running network

The rate of a pool is its spikes in the last ``window_ms`` divided by its size and by
that time (Hz), from the spike counts of every chunk (``Frame.counts``: the session's
monitor API; nothing extra is recorded). Like the figure monitors it is throttled in the
kernel (``max_fps`` updates a second at most, a few node labels each), shows what a
throttle held back when the session goes idle, and clears the nodes when it is closed.
"""
from __future__ import annotations

import time
from collections import deque

import numpy as np

from ...errors import ParameterError
from ...session import Monitor
from .._throttle import Throttle


class ActivityMonitor(Monitor):
    """Calls ``show({pool: rate_hz})`` a few times a second while a session runs, and
    ``show(None)`` when closed. ``window_ms``: the time the rate is averaged over (> 0)."""

    records = ()

    def __init__(self, show, window_ms: float = 200.0, max_fps: float = 4.0):
        if not window_ms > 0:
            raise ParameterError("ActivityMonitor", "window_ms", f"got {window_ms!r}", "must be > 0 ms")
        self.show = show
        self.window_ms = float(window_ms)
        self.throttle = Throttle(max_fps)
        self._chunks: deque = deque()          # (steps, {pool: spikes}) of the newest chunks
        self._dt = None
        self._sizes: dict = {}
        self._dirty = False
        self.last: dict = {}

    def init(self, session) -> None:
        """Attached, or the session was reset: forget the chunks seen."""
        self._chunks.clear()
        self._dt = session.sim.dt
        self._sizes = {}
        self._dirty = False

    def step(self, frame) -> None:
        """Note the chunk's spike counts; show the rates when the throttle allows."""
        self._dt = frame.dt
        self._chunks.append((frame.steps, {p: int(np.sum(c)) for p, c in frame.counts.items()}))
        self._sizes.update({p: int(np.size(c)) for p, c in frame.counts.items()})
        keep = max(1, int(round(self.window_ms / frame.dt)))
        total = sum(s for s, _ in self._chunks)
        while len(self._chunks) > 1 and total - self._chunks[0][0] >= keep:
            total -= self._chunks.popleft()[0]
        if self.throttle.due():
            self._draw()
        else:
            self._dirty = True

    def rates(self) -> dict:
        """``{pool: rate in Hz}`` over the chunks kept (at least ``window_ms`` when there are enough)."""
        steps = sum(s for s, _ in self._chunks)
        if not steps or not self._dt:
            return {}
        seconds = steps * self._dt * 1e-3
        out = {}
        for pool, n in self._sizes.items():
            spikes = sum(c.get(pool, 0) for _, c in self._chunks)
            out[pool] = spikes / max(n, 1) / seconds
        return out

    def _draw(self) -> None:
        t0 = time.perf_counter()
        self.last = self.rates()
        self.show(self.last)
        self._dirty = False
        self.throttle.record(t0)

    def flush(self) -> None:
        """The session went idle: show what the throttle held back."""
        if self._dirty:
            self._draw()

    def close(self) -> None:
        """Detached or the session stopped: clear the nodes."""
        self._chunks.clear()
        self.show(None)
