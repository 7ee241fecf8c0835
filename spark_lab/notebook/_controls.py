"""Run controls of a Session: Run / Pause / Step / Step 1 / Reset, a speed selector and a status line.

The status line (simulated time, steps per second, recent rate of each pool, and any
message such as a divergence) is drawn by a throttled session monitor (``StatusMonitor``)
and whenever the session's status changes.
"""
from __future__ import annotations

import contextlib
import html
import threading
import time

import ipywidgets as W
import numpy as np

from ..session import DIVERGED, ERROR, PAUSED, RUNNING, STOPPED, Monitor
from ._throttle import Throttle

PROGRESS = "<progress style='width:6em;height:0.8em;vertical-align:middle'></progress>"   # indeterminate bar

SPEEDS = (("as fast as possible", "max"), ("10x real time", "10"), ("1x real time", "1"),
          ("0.5x", "0.5"), ("0.1x", "0.1"), ("0.01x", "0.01"))


class StatusMonitor(Monitor):
    """Keeps an HTML status line up to date (at most ``max_fps`` times per second)."""

    def __init__(self, html_widget: W.HTML, rate_window_ms: float = 100.0, max_fps: float = 5.0):
        self.html = html_widget
        self.rate_window_ms = rate_window_ms
        self.throttle = Throttle(max_fps)
        self.session = None

    def init(self, session):
        """Attach to ``session`` and show its status now."""
        self.session = session
        self.update()

    def step(self, frame):
        """After a chunk: redraw the status line if the throttle allows (at most ``max_fps`` per second)."""
        if self.throttle.due():
            t0 = time.perf_counter()
            self.update()
            self.throttle.record(t0)

    def flush(self):
        """The session went idle: show its final status."""
        self.update()

    def recent_rates(self) -> dict:
        """{pool: rate in Hz over the last ~rate_window_ms simulated}."""
        s = self.session
        starts, lengths, counts = s.chunk_history(last=200)
        if starts.size == 0:
            return {}
        keep = starts + lengths > s.t - self.rate_window_ms / s.sim.dt
        steps = lengths[keep].sum()
        sec = steps * s.sim.dt * 1e-3
        return {p: float(c[keep].sum()) / s.sim.net.pools[p].n / sec for p, c in counts.items()} if sec else {}

    def text(self) -> str:
        """The status line as HTML: "compiling... N s" while the first chunk of a shape compiles,
        else the status ("paused at t = ... ms", "diverged: ..."), speed and recent rates."""
        s = self.session
        compiling = s.compiling
        if compiling is not None:
            parts = [f"<b>compiling&hellip; {compiling:.0f} s</b> {PROGRESS}", f"t = {s.time_ms:,.1f} ms",
                     "the first chunk of this shape compiles once"]
        elif s.status == PAUSED:
            parts = [f"<b>paused at t = {s.time_ms:,.1f} ms</b>"]
        else:
            parts = [f"<b>{s.status}</b>", f"t = {s.time_ms:,.1f} ms"]
        if s.status == RUNNING and compiling is None:
            parts.append(f"{s.steps_per_s:,.0f} steps/s")
            parts.append(f"{s.steps_per_s * s.sim.dt * 1e-3:.3g}x real time")
        rates = self.recent_rates()
        if rates:
            parts.append("rate " + ", ".join(f"{p} {r:.1f} Hz" for p, r in rates.items()))
        line = " &middot; ".join(parts)
        if s.status in (DIVERGED, ERROR):
            why = s.message.removeprefix("paused: ") or "(no message)"
            line = f"<span style='color:#b00'><b>{s.status}:</b> {html.escape(why)}</span><br>{line}"
        elif s.message:
            line += f"<br><span style='color:#555'>{html.escape(s.message)}</span>"
        return f"<div class='spark-lab-status'>{line}</div>"

    def update(self):
        """Write ``text()`` into the HTML widget (nothing before a session is attached)."""
        if self.session is not None:
            self.html.value = self.text()


class RunControls:
    """Buttons and speed selector driving ``session``; ``widget`` is the row to display."""

    def __init__(self, session, before_run=None):
        self.session = session
        self.before_run = before_run      # called on Run; returning False means "handled, do not run"
        mk = lambda d, icon, tip: W.Button(description=d, icon=icon, tooltip=tip, layout=W.Layout(width="auto"))  # noqa: E731
        self.run_button = mk("Run", "play", "run in the background until Pause")
        self.pause_button = mk("Pause", "pause", "stop after the chunk in flight")
        self.step_button = mk("Step", "step-forward", f"run one chunk ({session.chunk} steps)")
        self.step1_button = mk("Step 1", "forward", "run exactly one step")
        self.reset_button = mk("Reset", "undo", "back to the initial state (same seed)")
        self.speed = W.Dropdown(options=SPEEDS, value=_speed_key(session.speed), description="speed",
                                layout=W.Layout(width="240px"))
        self.status = W.HTML("")
        self.run_button.on_click(lambda _: self._run())
        self.pause_button.on_click(lambda _: self.session.pause())
        self.step_button.on_click(lambda _: self.session.step())
        self.step1_button.on_click(lambda _: self.session.step_one())
        self.reset_button.on_click(lambda _: self.session.reset())
        self.speed.observe(self._speed_changed, names="value")
        self.monitor = session.add_monitor(StatusMonitor(self.status))
        self._ticker = None
        session.on_status(lambda s: self._sync())
        # wraps rather than squeezes the labels when the lab shares the screen with the editor
        self.widget = W.VBox([W.HBox([self.run_button, self.pause_button, self.step_button, self.step1_button,
                                      self.reset_button, self.speed], layout=W.Layout(flex_flow="row wrap")),
                              self.status])
        self._sync()

    def _run(self):
        if self.before_run is not None and self.before_run() is False:
            return
        self.session.run()

    def _speed_changed(self, change):
        self.session.speed = None if change["new"] == "max" else float(change["new"])

    def _sync(self):
        st = self.session.status
        running = st == RUNNING
        self.run_button.disabled = running or st == STOPPED
        self.pause_button.disabled = not running
        for b in (self.step_button, self.step1_button, self.reset_button):
            b.disabled = st == STOPPED
        self.run_button.button_style = "success" if running else ""
        self.monitor.update()
        if self.session.compiling is not None and (self._ticker is None or not self._ticker.is_alive()):
            self._ticker = threading.Thread(target=self._tick, name="spark_lab-compiling", daemon=True)
            self._ticker.start()

    def _tick(self):
        """While a chunk compiles (the session thread is inside it), count the seconds on the status line."""
        while self.session.compiling is not None:
            self.monitor.update()
            time.sleep(0.5)
        self.monitor.update()


@contextlib.contextmanager
def busy(html_widget: W.HTML, label: str, after_s: float = 1.0):
    """Show ``label... N s`` and a progress bar in ``html_widget`` (a line kept for this) while
    the ``with`` block runs, once it has taken ``after_s`` seconds; counted on a helper thread
    every 0.5 s, so a blocking call in the kernel's main thread shows progress. Cleared after."""
    done = threading.Event()
    t0 = time.perf_counter()

    def tick():
        if done.wait(after_s):
            return
        while not done.is_set():
            html_widget.value = (f"<span class='spark-lab-busy' style='color:#555'><b>{html.escape(label)}"
                                 f"&hellip; {time.perf_counter() - t0:.0f} s</b> {PROGRESS}</span>")
            done.wait(0.5)

    th = threading.Thread(target=tick, name="spark_lab-busy", daemon=True)
    th.start()
    try:
        yield
    finally:
        done.set()
        th.join()
        html_widget.value = ""


def _speed_key(speed):
    if speed is None:
        return "max"
    keys = [k for _, k in SPEEDS if k != "max"]
    return min(keys, key=lambda k: abs(np.log(float(k) / speed)))
