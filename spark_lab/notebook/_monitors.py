"""Live bqplot monitors of a Session: spike raster, membrane traces, population rates.

Each monitor is a ``spark_lab.session.Monitor``: the session calls ``step`` on its own thread
after every chunk; the monitor draws at most ``max_fps`` times per second (default 10, what
bqplot's browser side keeps up with: Chromium drew a 2000-point Scatter 5-13 times per
second, and queued messages pile up without back-pressure) and drops the
frames in between; ``flush`` draws the last state when the session goes idle. Data come from
the session's ring buffers, so a monitor holds no growing state. Every update of a mark is
sent as one message (``hold_sync``).

Figures: ``monitor.figure`` (a bqplot Figure). ``save_png``/``save_svg`` ask the browser to
render and download the figure (bqplot does this in the front-end: it needs the figure to be
displayed in a live notebook page; it cannot write a file from a kernel alone). The raster
is also available as kernel-side PNG bytes (``RasterMonitor.png``) for files and tests.
"""
from __future__ import annotations

import threading
import time

import bqplot as bq
import ipywidgets as W
import numpy as np

from ..errors import ParameterError
from ..network import RecordSpec
from ..session import Monitor
from ._axis_range import sticky_range
from ._png import encode_indexed, hex_rgb
from ._throttle import Throttle

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf")
COLOUR_NAMES = ("blue", "red", "green", "orange", "purple", "brown", "pink", "grey", "olive", "cyan")


def spiking_pools(sim):
    """Pools with a membrane (everything but spike sources such as PoissonSource)."""
    return [p for p, pool in sim.net.pools.items() if getattr(pool.model, "VOLTAGE", None)]


class _FigureMonitor(Monitor):
    """Common part: throttling, the rolling time axis, thread-safe drawing."""

    def __init__(self, title: str, window_ms: float, max_fps: float, height: str):
        if not window_ms > 0:
            raise ParameterError(type(self).__name__, "window_ms", f"got {window_ms!r}", "must be > 0 ms")
        self.window_ms = float(window_ms)
        self.throttle = Throttle(max_fps)
        self.session = None
        self._lock = threading.RLock()
        self._dirty = False
        # a fixed axis of time relative to now: a frame then changes one mark only (a rolling
        # absolute axis would need a second model, and the browser can paint between the two)
        self.xscale = bq.LinearScale(min=-self.window_ms, max=0.0, allow_padding=False)
        self.xaxis = bq.Axis(scale=self.xscale, label="time relative to now (ms)", num_ticks=6)
        self.title = title
        self._height = height
        self.back_steps = 0              # how far back from now the window ends (time scrubbing, paused)

    def _figure(self, marks, axes, **kw):
        # a minimum size: a figure laid out at zero width (not yet in the page) draws negative
        # <rect> widths, which the browser reports as errors
        self.figure = bq.Figure(marks=marks, axes=axes, title=self.title, animation_duration=0,
                                fig_margin=dict(top=40, bottom=40, left=60, right=20),
                                layout=W.Layout(width="100%", height=self._height, min_width="240px",
                                                min_height="160px"), **kw)

    def _fit_y(self, values, floor=None) -> None:
        """Give the y scale a range that holds ``values`` (``sticky_range``: it changes only when
        the data leave it or shrink well inside it, so the axis is not redrawn every frame)."""
        cur = (self.yscale.min, self.yscale.max) if self.yscale.max is not None else None
        new = sticky_range(cur, values, floor=floor)
        if new is not None and new != cur:
            with self.yscale.hold_sync():
                self.yscale.min, self.yscale.max = new

    def end_step(self) -> int:
        """The step the window ends at: now, or ``back_steps`` before it while scrubbing."""
        return max(0, self.session.t - self.back_steps)

    def look_back(self, steps: int) -> None:
        """End the window ``steps`` steps before now (0: follow the run) and redraw. The data
        come from the ring buffers: at most ``Session.buffer_steps`` steps back are held."""
        self.back_steps = max(0, int(steps))
        self.xaxis.label = ("time relative to now (ms)" if not self.back_steps else
                            f"time (ms) relative to t = {self.end_step() * self.session.sim.dt:,.1f} ms")
        self.draw_now()

    def window_steps(self) -> int:
        s = self.session
        return max(1, min(int(round(self.window_ms / s.sim.dt)), s.buffer_steps))

    def init(self, session):
        self.session = session
        self._dirty = True
        self.flush()

    def step(self, frame):
        if self.throttle.due():
            self.draw_now()
        else:
            self._dirty = True

    def flush(self):
        if self._dirty and self.session is not None:
            self.draw_now()

    def draw_now(self):
        with self._lock:
            t0, cpu0 = time.perf_counter(), time.thread_time()
            self._draw()
            self._dirty = False
            self.throttle.record(t0, cpu0)

    def close(self):
        self.session = None

    def save_png(self, filename: str = "figure.png"):
        """Browser-side: the displayed figure is rendered and downloaded by the browser."""
        self.figure.save_png(filename)

    def save_svg(self, filename: str = "figure.svg"):
        """Browser-side, as ``save_png``."""
        self.figure.save_svg(filename)


class RasterMonitor(_FigureMonitor):
    """Rolling spike raster of up to ``max_neurons`` neurons as one bqplot Image mark.

    The spikes of the last ``window_ms`` are drawn into a palette image of at most
    ``width`` x ``height`` pixels (time bins x neuron rows; a pixel is coloured when any of
    its neurons spiked in its time bin, in the colour of the pool), so the cost does not
    depend on how many spikes there are. Neurons: the first ones of each pool, shared out in
    proportion to the pool sizes. Rows from the bottom: pools in order.
    """

    def __init__(self, sim, pools=None, max_neurons: int = 1000, window_ms: float = 500.0,
                 width: int = 500, height: int = 300, max_fps: float = 10.0, colours=COLOURS):
        super().__init__("spikes", window_ms, max_fps, "320px")
        pools = [pools] if isinstance(pools, str) else list(pools) if pools is not None else spiking_pools(sim)
        unknown = [p for p in pools if p not in sim.net.pools]
        if unknown or not pools:
            raise ParameterError("RasterMonitor", "pools", f"unknown pool {unknown[0]!r}" if unknown else
                                 "no pools to show", f"pools: {', '.join(sim.net.pools)}")
        sizes = np.array([sim.net.pools[p].n for p in pools])
        share = np.maximum(1, np.floor(sizes * min(1.0, max_neurons / sizes.sum()))).astype(int)
        self.pools = [(p, tuple(range(k))) for p, k in zip(pools, share)]
        self.n_rows = int(share.sum())
        self.width, self.height = int(width), int(height)
        self.records = tuple(RecordSpec(p, "spikes", 1, sel) for p, sel in self.pools)
        self.palette = [(255, 255, 255)] + [hex_rgb(colours[i % len(colours)]) for i in range(len(pools))]
        offs = np.concatenate([[0], np.cumsum(share)])
        names = COLOUR_NAMES if colours is COLOURS else colours
        self.title = "spikes: " + ", ".join(
            f"{p} {offs[i]}-{offs[i + 1] - 1} ({names[i % len(names)]})" for i, (p, _) in enumerate(self.pools))
        self._offsets = offs[:-1]
        self.yscale = bq.LinearScale(min=0.0, max=float(self.n_rows), allow_padding=False)
        # bqplot's Image view redraws only when the mark's ``image`` changes to another widget, not
        # when the widget's value changes: two Image widgets take turns (no widget is created per frame)
        blank = encode_indexed(np.zeros((1, 1), np.uint8), self.palette, alpha=(0,))
        self._images = [W.Image(value=blank, format="png"), W.Image(value=blank, format="png")]
        self.mark = bq.Image(image=self._images[0], scales={"x": self.xscale, "y": self.yscale},
                             x=[-self.window_ms, 0.0], y=[0.0, float(self.n_rows)], pixelated=True)
        yaxis = bq.Axis(scale=self.yscale, orientation="vertical", label="neuron", num_ticks=5)
        self._figure([self.mark], [self.xaxis, yaxis])
        self._cols = {}
        self._png = blank
        self._x = (-self.window_ms, 0.0)

    def _columns(self, pool, sel):
        have = self.session.recorded_neurons(pool, "spikes")
        key = (pool, have)
        if key not in self._cols:
            self._cols[key] = np.arange(len(sel)) if have is None else \
                np.searchsorted(np.asarray(have), np.asarray(sel))
        return self._cols[key]

    def image(self):
        """(pixels (rows, cols) uint8 palette indices, first row at the top; t0_ms, t1_ms)."""
        s = self.session
        w_steps = self.window_steps()
        bt = max(1, -(-w_steps // self.width))               # steps per pixel column
        bn = max(1, -(-self.n_rows // self.height))          # neurons per pixel row
        ncol, nrow = -(-w_steps // bt), -(-self.n_rows // bn)
        end = self.end_step()
        end_bin = -(-end // bt)
        first_bin = end_bin - ncol
        px = np.zeros((nrow, ncol), np.uint8)
        up = px[::-1]                                        # row 0 at the bottom
        for code, ((pool, sel), off) in enumerate(zip(self.pools, self._offsets), 1):
            ts, sp = s.recorded(pool, "spikes", last=w_steps + s.t - end)
            if end < s.t:
                keep = ts < end
                ts, sp = ts[keep], sp[keep]
            if ts.size == 0:
                continue
            cols = self._columns(pool, sel)
            if cols.size != sp.shape[1] or cols[-1] != cols.size - 1:   # not simply all kept columns
                sp = sp[:, cols]
            if ts[-1] - ts[0] != ts.size - 1:                # not contiguous (thinned recording)
                b = ts // bt
                binned = np.zeros((b[-1] - b[0] + 1, sp.shape[1]), bool)
                np.logical_or.at(binned, b - b[0], sp)
                b0 = int(b[0])
            else:
                b0, binned = _pool_rows(sp, int(ts[0]), bt)
            lead = int(off) % bn
            n = binned.shape[1]
            padded = np.zeros((-(-(lead + n) // bn) * bn, binned.shape[0]), bool)
            padded[lead:lead + n] = binned.T
            rows = padded.reshape(-1, bn, binned.shape[0]).any(1)      # (pixel rows, time bins)
            r0, c0 = int(off) // bn, b0 - first_bin
            c_lo, c_hi = max(c0, 0), min(c0 + rows.shape[1], ncol)
            if c_hi <= c_lo:
                continue
            r_hi = min(r0 + rows.shape[0], nrow)
            region = up[r0:r_hi, c_lo:c_hi]
            region[rows[:r_hi - r0, c_lo - c0:c_hi - c0]] = code
        return px, first_bin * bt * s.sim.dt, end_bin * bt * s.sim.dt

    def _draw(self):
        px, t0, t1 = self.image()
        self._png = encode_indexed(px, self.palette, alpha=(0,))
        nxt = self._images[1] if self.mark.image is self._images[0] else self._images[0]
        nxt.value = self._png
        with self.mark.hold_sync():
            self.mark.image = nxt
            if self._x != (t0 - t1, 0.0):            # the same span every frame once running: not resent
                self._x = (t0 - t1, 0.0)
                self.mark.x = list(self._x)

    @property
    def images(self) -> tuple:
        """The two ipywidgets Images the mark takes turns showing (``close`` them with the mark)."""
        return tuple(self._images)

    @property
    def image_widget(self) -> W.Image:
        """The ipywidgets Image the raster mark shows now."""
        return self.mark.image

    def plot(self, ax) -> None:
        """Draw the current raster on a matplotlib Axes, with axes in ms and neuron rows."""
        px, t0, t1 = self.image()
        rgb = np.asarray(self.palette, np.uint8)[px]
        ax.imshow(rgb, aspect="auto", interpolation="nearest", extent=(t0, t1, 0, self.n_rows))
        ax.set(xlabel="time (ms)", ylabel="neuron", title=self.title)

    def png(self) -> bytes:
        """The raster image last drawn, as PNG bytes (kernel side; no axes)."""
        return self._png

    def write_png(self, path) -> None:
        """Draw the current raster and write it to ``path`` as a PNG (kernel side; no axes)."""
        self.draw_now()
        with open(path, "wb") as fh:
            fh.write(self._png)


class TraceMonitor(_FigureMonitor):
    """Rolling traces of a state variable (default: the membrane potential) of chosen neurons."""

    def __init__(self, sim, pool: str, neurons=(0, 1, 2), var: str | None = None, window_ms: float = 500.0,
                 max_points: int = 500, max_fps: float = 10.0):
        if pool not in sim.net.pools:
            raise ParameterError("TraceMonitor", "pool", f"unknown pool {pool!r}", f"pools: {', '.join(sim.net.pools)}")
        model = sim.net.pools[pool].model
        var = var or model.VOLTAGE
        if var not in model.STATE:
            raise ParameterError("TraceMonitor", "var", f"pool {pool!r} has no state variable {var!r}",
                                 f"state: {', '.join(model.STATE) or '(none)'}")
        self.pool, self.var, self.neurons = pool, var, tuple(int(i) for i in neurons)
        names = ", ".join(f"{i} ({COLOUR_NAMES[k % len(COLOUR_NAMES)]})" for k, i in enumerate(self.neurons))
        super().__init__(f"{pool}.{var} of neurons {names}", window_ms, max_fps, "240px")
        self.max_points = int(max_points)
        self.records = (RecordSpec(pool, var, 1, self.neurons),)
        unit = "mV" if var == "v" else ""
        self.yscale = bq.LinearScale(allow_padding=False)
        self.mark = bq.Lines(x=np.zeros(0), y=np.zeros((len(self.neurons), 0)),
                             scales={"x": self.xscale, "y": self.yscale},
                             colors=list(COLOURS[:len(self.neurons)]), stroke_width=1.2,
                             labels=[f"{pool}[{i}]" for i in self.neurons])
        yaxis = bq.Axis(scale=self.yscale, orientation="vertical", label=f"{var} ({unit})" if unit else var)
        self._figure([self.mark], [self.xaxis, yaxis])

    def data(self):
        """(times in ms (T,), values (neurons, T)) of the current window, thinned to max_points."""
        s = self.session
        end = self.end_step()
        ts, vals = s.recorded(self.pool, self.var, neurons=self.neurons, last=self.window_steps() + s.t - end)
        if end < s.t:
            keep = ts < end
            ts, vals = ts[keep], vals[keep]
        stride = max(1, -(-ts.size // self.max_points))
        return ts[::stride] * s.sim.dt, vals[::stride].T

    def _draw(self):
        x, y = self.data()
        self._fit_y(y)
        _set_lines(self.mark, x - self.end_step() * self.session.sim.dt, y)

    def plot(self, ax) -> None:
        """Draw the current window on a matplotlib Axes (for export files)."""
        x, y = self.data()
        for k, (i, row) in enumerate(zip(self.neurons, y)):
            ax.plot(x, row, color=COLOURS[k % len(COLOURS)], lw=0.8, label=f"{self.pool}[{i}]")
        ax.set(xlabel="time (ms)", ylabel=self.var, title=self.title)
        ax.legend(loc="upper right", fontsize="small")


class RateMonitor(_FigureMonitor):
    """Rolling population rate (Hz) of each pool, in bins of ``bin_ms`` (or one chunk, if longer).

    Chunks are put in the bin where they end; a bin is shown once it holds ``bin_ms`` of
    steps (so a single ``step_one`` does not show up as a one-step rate)."""

    def __init__(self, sim, pools=None, window_ms: float = 1000.0, bin_ms: float = 10.0, max_fps: float = 10.0):
        pools = [pools] if isinstance(pools, str) else list(pools) if pools is not None else spiking_pools(sim)
        unknown = [p for p in pools if p not in sim.net.pools]
        if unknown:
            raise ParameterError("RateMonitor", "pools", f"unknown pool {unknown[0]!r}",
                                 f"pools: {', '.join(sim.net.pools)}")
        super().__init__("population rate: " + ", ".join(
            f"{p} ({COLOUR_NAMES[i % len(COLOUR_NAMES)]})" for i, p in enumerate(pools)), window_ms, max_fps, "240px")
        self.pools, self.bin_ms = pools, float(bin_ms)
        self.sizes = np.array([sim.net.pools[p].n for p in pools], np.float64)
        self.yscale = bq.LinearScale(min=0.0, allow_padding=False)
        self.mark = bq.Lines(x=np.zeros(0), y=np.zeros((len(pools), 0)), scales={"x": self.xscale, "y": self.yscale},
                             colors=[COLOURS[i % len(COLOURS)] for i in range(len(pools))], labels=pools,
                             stroke_width=1.5)
        yaxis = bq.Axis(scale=self.yscale, orientation="vertical", label="rate (Hz)")
        self._figure([self.mark], [self.xaxis, yaxis])

    def data(self):
        """(bin centres in ms (B,), rates in Hz (pools, B)) of the current window."""
        s = self.session
        dt = s.sim.dt
        starts, lengths, counts = s.chunk_history()
        if starts.size == 0:
            return np.zeros(0), np.zeros((len(self.pools), 0))
        end = self.end_step()
        keep = (starts + lengths > end - self.window_steps()) & (starts + lengths <= end)
        starts, lengths = starts[keep], lengths[keep]
        c = np.stack([counts[p][keep] for p in self.pools]).astype(np.float64)
        bin_steps = max(1, int(round(self.bin_ms / dt)))
        ids = (starts + lengths - 1) // bin_steps
        first = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        steps = np.add.reduceat(lengths, first).astype(np.float64)
        summed = np.add.reduceat(c, first, axis=1)
        if steps[-1] < bin_steps:                                   # the newest bin is not full yet
            first, steps, summed = first[:-1], steps[:-1], summed[:, :-1]
        if steps.size == 0:
            return np.zeros(0), np.zeros((len(self.pools), 0))
        rates = summed / self.sizes[:, None] / (steps * dt * 1e-3)
        centres = (starts[first] + steps / 2) * dt
        return centres, rates

    def _draw(self):
        x, y = self.data()
        self._fit_y(np.append(np.ravel(y), 0.0), floor=0.0)         # rates from 0 Hz
        _set_lines(self.mark, x - self.end_step() * self.session.sim.dt, y)

    def plot(self, ax) -> None:
        """Draw the current window on a matplotlib Axes (for export files)."""
        x, y = self.data()
        for k, (p, row) in enumerate(zip(self.pools, y)):
            ax.plot(x, row, color=COLOURS[k % len(COLOURS)], lw=1.0, label=p)
        ax.set(xlabel="time (ms)", ylabel="rate (Hz)", title="population rate")
        ax.legend(loc="upper right", fontsize="small")


def _set_lines(mark, x, y):
    """Show lines ``y`` (lines, points) over ``x`` (points,) in the bqplot Lines ``mark``, as one message.

    bqplot squeezes the arrays it is given: one point per line, (lines, 1), would become one
    line through the lines' values (lines,), or, for a single line, a 0-d array that the trait
    refuses (a TraitError in the session's thread: the first full rate bin after a Run or a
    Rebuild, a trace after Reset and Step 1). A single point draws no line anyway, so below
    two points the mark is emptied, keeping its number of lines."""
    x, y = np.asarray(x), np.asarray(y)
    if x.size < 2:
        x, y = x[:0], y[:, :0]
    with mark.hold_sync():
        mark.x, mark.y = x, y


def _pool_rows(sp, t0, bt):
    """OR of the rows of ``sp`` (consecutive steps from step t0) in bins of ``bt`` steps aligned
    to multiples of bt: (index of the first bin, (bins, columns) bool)."""
    m = sp.shape[0]
    head = min((-t0) % bt, m)
    body = (m - head) // bt * bt
    blocks = []
    if head:
        blocks.append(sp[:head].any(0, keepdims=True))
    if body:
        blocks.append(sp[head:head + body].reshape(-1, bt, sp.shape[1]).any(1))
    if head + body < m:
        blocks.append(sp[head + body:].any(0, keepdims=True))
    return t0 // bt, np.concatenate(blocks)


class WeightMonitor(_FigureMonitor):
    """Histogram of the weights of a projection as they learn (plastic projections), redrawn at
    most ``max_fps`` times per second from ``Simulator.get_param(projection, "weight")``.

    Bins span the rule's current [w_min, w_max] when it has them, else the weights' range.
    The title shows the mean weight and the simulated time of the frame.
    """

    def __init__(self, sim, projection: str, bins: int = 40, max_fps: float = 2.0):
        if projection not in sim.net.projections:
            raise ParameterError("WeightMonitor", "projection", f"unknown projection {projection!r}",
                                 f"projections: {', '.join(sim.net.projections)}")
        super().__init__(f"weights of {projection}", 1.0, max_fps, "240px")
        self.projection, self.bins = projection, int(bins)
        self.hx = bq.LinearScale(allow_padding=False)
        self.hy = bq.LinearScale(min=0.0)
        self.mark = bq.Bars(x=np.zeros(0), y=np.zeros(0), scales={"x": self.hx, "y": self.hy},
                            colors=["#2ca02c"], padding=0.05)
        self._figure([self.mark], [bq.Axis(scale=self.hx, label="weight", num_ticks=6),
                                   bq.Axis(scale=self.hy, orientation="vertical", label="synapses")])

    def _bounds(self, w):
        rules = getattr(self.session.sim.net.projections[self.projection], "plasticity", ()) or ()
        for r in rules:
            if "w_min" in r.PARAMS and "w_max" in r.PARAMS:
                lo = float(self.session.sim.get_param(self.projection, f"{r.name}.w_min"))
                hi = float(self.session.sim.get_param(self.projection, f"{r.name}.w_max"))
                return lo, hi
        lo, hi = float(np.min(w)), float(np.max(w))
        return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)

    def data(self):
        """(bin centres, counts, mean weight) of the current weights."""
        w = np.ravel(self.session.sim.get_param(self.projection, "weight"))
        lo, hi = self._bounds(w)
        counts, edges = np.histogram(w, bins=self.bins, range=(lo, hi))
        return (edges[:-1] + edges[1:]) / 2, counts, float(np.mean(w)) if w.size else float("nan")

    def plot(self, ax) -> None:
        """Draw the current histogram on a matplotlib Axes."""
        x, c, mean = self.data()
        ax.bar(x, c, width=(x[1] - x[0]) if x.size > 1 else 1.0, color="#2ca02c")
        ax.set(xlabel="weight", ylabel="synapses", title=f"weights of {self.projection}: mean {mean:.4g}")

    def _draw(self):
        x, c, mean = self.data()
        with self.mark.hold_sync():
            self.mark.x, self.mark.y = x, c
        self.figure.title = f"weights of {self.projection}: mean {mean:.4g} at t = {self.session.time_ms:,.0f} ms"
