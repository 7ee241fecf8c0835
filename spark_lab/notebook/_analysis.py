"""Analysis panel of a live session: per-pool rates, ISI histogram and CV, and an F-I curve tool.

"Analyse" works on what the session keeps in its ring buffers (the recorded spikes of a
pool, at most ``buffer_steps`` steps); rates come from the spike counts since the last
reset. The F-I tool builds a separate one-pool network of the chosen pool's neuron model
at the pool's current parameter values (per-neuron values averaged), drives neuron i with
current i, and plots rate against current (``spark_lab.analysis.fi_curve``); the first
call for a model compiles (a few seconds).
"""
from __future__ import annotations

import html

import bqplot as bq
import ipywidgets as W
import numpy as np

from .. import analysis
from ..errors import SparkLabError


class AnalysisPanel:
    """Rates, ISI histogram and CV of a pool's kept spikes, and an F-I curve tool (see the module docstring).

    session: the ``Session`` whose recordings are analysed; fi_duration_ms: simulated time per
    point of an F-I curve, in ms. ``widget`` is the panel to display."""
    def __init__(self, session, fi_duration_ms: float = 500.0):
        self.session = session
        sim = session.sim
        self.fi_duration_ms = fi_duration_ms
        spike_pools = [k.split(".")[0] for k in session.recorded_keys() if k.endswith(".spikes")]
        self.pool = W.Dropdown(options=spike_pools or [""], description="pool", layout=W.Layout(width="200px"))
        self.analyse_button = W.Button(description="Analyse", icon="bar-chart", tooltip="from the kept recordings")
        self.summary = W.HTML("")
        self.hx, self.hy = bq.LinearScale(min=0.0), bq.LinearScale(min=0.0)
        self.hist = bq.Bars(x=np.zeros(0), y=np.zeros(0), scales={"x": self.hx, "y": self.hy}, colors=["#1f77b4"],
                            padding=0.05)
        self.hist_figure = bq.Figure(marks=[self.hist], title="ISI histogram", animation_duration=0,
                                     axes=[bq.Axis(scale=self.hx, label="ISI (ms)", num_ticks=6),
                                           bq.Axis(scale=self.hy, orientation="vertical", label="count")],
                                     fig_margin=dict(top=40, bottom=40, left=60, right=20),
                                     layout=W.Layout(width="50%", height="260px"))
        models = [p for p, pool in sim.net.pools.items() if getattr(pool.model, "VOLTAGE", None)]
        self.fi_pool = W.Dropdown(options=models or [""], description="model of", layout=W.Layout(width="200px"))
        unit = sim.net.pools[models[0]].model.INPUT_UNIT if models else ""
        self.fi_range = W.FloatRangeSlider(value=(0.0, 40.0), min=-20.0, max=200.0, step=0.5,
                                           description=f"input ({unit})", style={"description_width": "initial"},
                                           layout=W.Layout(width="420px"))
        self.fi_points = W.IntSlider(value=41, min=5, max=201, description="points")
        self.fi_button = W.Button(description="F-I curve", icon="line-chart",
                                  tooltip="run a one-pool network of this model over the input range")
        self.fx, self.fy = bq.LinearScale(), bq.LinearScale(min=0.0)
        self.fi_line = bq.Lines(x=np.zeros(0), y=np.zeros(0), scales={"x": self.fx, "y": self.fy},
                                marker="circle", marker_size=12, colors=["#d62728"])
        self.fi_figure = bq.Figure(marks=[self.fi_line], title="F-I curve", animation_duration=0,
                                   axes=[bq.Axis(scale=self.fx, label=f"input ({unit})", num_ticks=6),
                                         bq.Axis(scale=self.fy, orientation="vertical", label="rate (Hz)")],
                                   fig_margin=dict(top=40, bottom=40, left=60, right=20),
                                   layout=W.Layout(width="50%", height="260px"))
        self.fi_message = W.HTML("")
        # empty until ``show_figures``: a bqplot Figure first drawn inside a closed container
        # (LiveLab's collapsed Accordion) measures 0 x 0 and sets its plot area to minus the
        # margins, which the browser refuses ("<rect> attribute width: A negative value")
        self.figures = W.HBox([], layout=W.Layout(width="100%"))
        self.analyse_button.on_click(lambda _: self.analyse())
        self.fi_button.on_click(lambda _: self.fi_curve())
        self.widget = W.VBox([
            W.HBox([self.pool, self.analyse_button]), self.summary,
            W.HBox([self.fi_pool, self.fi_range, self.fi_points, self.fi_button]), self.fi_message,
            self.figures])

    def show_figures(self) -> None:
        """Put the ISI histogram and the F-I curve into ``widget``; call it once the panel is
        visible (LiveLab: when its Accordion opens), so the figures are drawn at their size."""
        if not self.figures.children:
            self.figures.children = (self.hist_figure, self.fi_figure)

    def analyse(self) -> dict:
        """Rates of every pool since reset; ISI histogram, mean CV and population Fano factor
        of the selected pool's kept spikes. Returns the numbers shown."""
        s = self.session
        rates = s.rates()
        out = {"rates_hz": rates}
        pool = self.pool.value
        lines = ["rate since reset: " + ", ".join(f"{p} {r:.2f} Hz" for p, r in rates.items())]
        if pool:
            _, sp = s.recorded(pool, "spikes")
            dt = s.sim.dt
            isis = analysis.isi(sp, dt)
            cv = analysis.cv_isi(sp, dt)
            fano = analysis.population_fano(sp, dt) if sp.shape[0] else float("nan")
            out.update(isi_ms=isis, cv_mean=float(np.nanmean(cv)) if np.any(np.isfinite(cv)) else float("nan"),
                       population_fano=fano, window_ms=sp.shape[0] * dt)
            lines.append(f"{pool}, last {sp.shape[0] * dt:,.0f} ms kept: {isis.size} ISIs, "
                         f"mean CV {out['cv_mean']:.2f} (1: Poisson-like, 0: regular), "
                         f"population Fano factor {fano:.2f} (about 1: asynchronous, much more: synchronous)")
            if isis.size:
                hi = float(np.percentile(isis, 99)) or dt
                counts, edges = np.histogram(isis, bins=40, range=(0.0, hi))
                with self.hist.hold_sync():
                    self.hist.x, self.hist.y = (edges[:-1] + edges[1:]) / 2, counts
            out["isi_hist"] = self.hist.y
        self.summary.value = "<br>".join(html.escape(x) for x in lines)
        return out

    def fi_curve(self):
        """Compute and plot the F-I curve; returns (inputs, rates)."""
        s, pool = self.session, self.fi_pool.value
        model = s.sim.net.pools[pool].model
        values = {k: float(np.mean(s.get_param(pool, k))) for k in model.PARAMS}
        lo, hi = self.fi_range.value
        try:
            m = type(model)(**values)
            x, r = analysis.fi_curve(m, np.linspace(lo, hi, int(self.fi_points.value)),
                                     duration_ms=self.fi_duration_ms, dt=s.sim.dt)
        except SparkLabError as e:
            self.fi_message.value = f"<span style='color:#b00'>{html.escape(str(e))}</span>"
            raise
        with self.fi_line.hold_sync():
            self.fi_line.x, self.fi_line.y = x, r
        self.fi_message.value = html.escape(f"{type(model).__name__} of pool {pool!r} at its current parameters "
                                            f"(per-neuron values averaged); {self.fi_duration_ms:g} ms per point")
        return x, r
