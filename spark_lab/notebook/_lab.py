"""LiveLab: run controls, parameter sliders, live monitors and analysis for one network.

    lab = LiveLab(net, params=[("inh", "g_inh"), ("exc", "tau_m")], traces={"exc": (0, 1, 2)})
    lab                       # displays the layout; then press Run, or lab.session.run()

``Lab(model)`` (``_full_lab.py``) puts the graph editor above this.
"""
from __future__ import annotations

import ipywidgets as W

from ..session import Session
from ._analysis import AnalysisPanel
from ._controls import RunControls
from ._export import ExportPanel
from ._monitors import RasterMonitor, RateMonitor, TraceMonitor, WeightMonitor, spiking_pools
from ._sliders import ParamSliders
from ._sweep_panel import SweepPanel

PLACEHOLDER = "spark_lab {name} (run the cell to show it)"    # text/plain of a saved notebook's output


class LiveLab:
    """A Session with its controls, sliders and monitors laid out in one widget.

    sim_or_network: a Network (built here) or a Simulator; or a ready Session.
    params:   what to make sliders for: (target, name) pairs and/or pool/projection names
              (all their parameters). Default: ``g_inh`` of every Dale pool with inhibitory neurons.
    raster:   pools in the spike raster (default: every pool with a membrane), up to
              ``raster_neurons`` neurons shown.
    traces:   {pool: neuron indices} for membrane traces (default: 3 neurons of the first raster pool;
              {} for none).
    rates:    pools in the population-rate plot (default: the raster pools).
    weights:  projections whose weight histogram is shown (default: the plastic ones, at most 3; [] for none).
    window_ms: length of the rolling window of the raster and traces.
    analysis: add the analysis panel (ISI, CV, F-I curve).
    sweep:    add the sweep panel (a parameter map by ``sl.sweep``; ``_sweep_panel.py``): True, or
              ``network() -> Network`` to sweep (``Lab`` gives its own).
    export_dir: where the export buttons write files (None: the working directory, i.e. the
              notebook's folder).
    before_run: called when Run is pressed; returning False stops the press there (``Lab`` rebuilds).
    commit:   ``commit(target, name, value)`` applies a slider move (default: ``session.set_param``;
              ``Lab`` changes its Network instead).
    Other keywords go to Session (chunk, inputs, speed, buffer_steps, ...).
    """

    def __init__(self, sim_or_network, params=None, raster=None, raster_neurons: int = 1000, traces=None,
                 rates=None, weights=None, window_ms: float = 500.0, analysis: bool = True, max_fps: float = 10.0,
                 before_run=None, commit=None, sweep=False, export_dir=None, **session_kw):
        if isinstance(sim_or_network, Session):
            self.session = sim_or_network
        else:
            self.session = Session(sim_or_network, **session_kw)
        s = self.session
        sim = s.sim
        raster = [raster] if isinstance(raster, str) else list(raster) if raster is not None else spiking_pools(sim)
        self.controls = RunControls(s, before_run=before_run)
        if params is None:
            params = [(p, "g_inh") for p, pool in sim.net.pools.items()
                      if pool.excitatory is not None and not pool.excitatory.all()]
        self.sliders = ParamSliders(s, params, commit=commit)
        self.raster = s.add_monitor(RasterMonitor(sim, raster, max_neurons=raster_neurons, window_ms=window_ms,
                                                  max_fps=max_fps))
        if traces is None:
            traces = {raster[0]: (0, 1, 2)} if raster else {}
        self.traces = [s.add_monitor(TraceMonitor(sim, p, nrn, window_ms=window_ms, max_fps=max_fps))
                       for p, nrn in traces.items()]
        self.rates = s.add_monitor(RateMonitor(sim, rates if rates is not None else raster,
                                               window_ms=max(window_ms, 1000.0), max_fps=max_fps))
        if weights is None:
            weights = list(getattr(sim, "plastic", ()))[:3]
        self.weights = [s.add_monitor(WeightMonitor(sim, p)) for p in weights]
        self.analysis = AnalysisPanel(s) if analysis else None
        self.sweep_panel = SweepPanel(self, network=sweep if callable(sweep) else None) if sweep else None
        self.scrub = W.FloatSlider(value=0.0, min=-1.0, max=0.0, step=s.sim.dt * s.chunk, disabled=True,
                                   description="look back", readout_format=".1f", continuous_update=True,
                                   tooltip="while paused: move the raster, traces and rates back in time "
                                           "(ms before now, as far as the ring buffers reach)",
                                   style={"description_width": "70px"},
                                   layout=W.Layout(width="100%", max_width="420px"))
        self._scrubbing = False
        self.scrub.observe(lambda ch: None if self._scrubbing else self.look_back(-ch["new"]), "value")
        s.on_status(lambda _: self._status_changed())
        self._status_changed()
        self.export_panel = ExportPanel(self, directory=export_dir)
        self._small = W.HBox([t.figure for t in self.traces] + [self.rates.figure], layout=W.Layout(width="100%"))
        plots = [self.raster.figure, self._small]
        self.arrange(narrow=False)
        parts = [self.controls.widget]
        if self.sliders.sliders:
            parts.append(self.sliders.widget)
        parts += plots
        parts.append(W.HBox([self.scrub, W.HTML("ms (while paused)")]))
        parts.append(self.export_panel.widget)
        if self.weights:
            for m in self.weights:
                m.figure.layout.width = f"{100 // len(self.weights)}%"
            parts.append(W.HBox([m.figure for m in self.weights], layout=W.Layout(width="100%")))
        if self.analysis is not None:
            acc = W.Accordion(children=[self.analysis.widget])
            acc.set_title(0, "Analysis: rates, ISI, CV, F-I curve")
            acc.observe(self._analysis_opened, "selected_index")
            parts.append(acc)
        if self.sweep_panel is not None:
            acc = W.Accordion(children=[self.sweep_panel.widget])
            acc.set_title(0, "Sweep: a parameter map, click a cell to load it")
            self.sweep_panel.show(False)                       # the accordion starts closed
            acc.observe(lambda ch: self.sweep_panel.show(ch["new"] is not None), "selected_index")
            self.sweep_accordion = acc
            parts.append(acc)
        self.widget = W.VBox(parts, layout=W.Layout(width="100%"))
        self.widget.add_class("spark-lab-live")

    def arrange(self, narrow: bool) -> None:
        """Lay the small figures (traces, rates) out in one row (``narrow=False``) or one below
        the other (``narrow``: the lab shares the screen with the editor)."""
        k = len(self.traces) + 1
        self._small.layout.flex_flow = "column" if narrow else "row"
        for f in [t.figure for t in self.traces] + [self.rates.figure]:
            f.layout.width = "100%" if narrow else f"{100 // k}%"
        self.raster.figure.layout.height = "280px" if narrow else "320px"

    def look_back(self, ms: float) -> None:
        """Show the raster, traces and rates ending ``ms`` ms before now (0: now). Meant for a
        paused session: a run follows the present again. Reaches back as far as the ring
        buffers hold (``Session.buffer_steps`` steps), less one window."""
        s = self.session
        steps = int(round(max(0.0, float(ms)) / s.sim.dt))
        reach = self.max_look_back_steps()
        steps = min(steps, reach)
        for m in (self.raster, *self.traces, self.rates):
            m.look_back(steps)
        self._scrubbing = True                         # the slider shows it without applying it again
        try:
            self.scrub.min = -reach * s.sim.dt if reach > 0 else -1.0
            self.scrub.value = -steps * s.sim.dt
        finally:
            self._scrubbing = False

    def max_look_back_steps(self) -> int:
        """How far back (steps) the ring buffers let the window go now."""
        s = self.session
        return max(0, min(s.t, s.buffer_steps) - self.raster.window_steps())

    def _status_changed(self) -> None:
        """Scrubbing is for a paused lab: enabled then, with the reach of the buffers; a run
        snaps the views back to now."""
        s = self.session
        paused = not s.running and s.status != "stopped"
        reach = self.max_look_back_steps() * s.sim.dt
        if not paused and self.raster.back_steps:
            self.look_back(0.0)
        self.scrub.min = -reach if reach > 0 else -1.0
        self.scrub.disabled = not paused or reach <= 0

    def _analysis_opened(self, change) -> None:
        if change["new"] is not None:
            self.analysis.show_figures()

    @property
    def monitors(self):
        """The monitors this lab attached: raster, traces, rates and weight histograms, in that order."""
        return [self.raster, *self.traces, self.rates, *self.weights]

    def _repr_mimebundle_(self, **kw):
        bundle = self.widget._repr_mimebundle_(**kw)
        if isinstance(bundle, dict):      # a saved notebook shows this until the cell runs again
            bundle["text/plain"] = PLACEHOLDER.format(name="LiveLab")
        return bundle

    def export(self, prefix: str) -> list:
        """Write the kept recordings to ``prefix.npz`` and ``prefix.csv`` and the raster to
        ``prefix-raster.png`` (kernel side). Figures with axes: ``monitor.save_png()`` in the browser."""
        self.session.export_npz(f"{prefix}.npz")  # (the export buttons: ``export_panel``)
        self.session.export_csv(f"{prefix}.csv")
        self.raster.write_png(f"{prefix}-raster.png")
        return [f"{prefix}.npz", f"{prefix}.csv", f"{prefix}-raster.png"]

    def close(self):
        """Stop the session and close this lab's widgets (their front-end views disappear)."""
        self.session.stop()
        _close_tree(self.widget)
        for im in self.raster.images:           # the raster's second (off-screen) image
            im.close()
        if self.analysis is not None:           # its figures, if the panel was never opened
            _close_tree(self.analysis.hist_figure)
            _close_tree(self.analysis.fi_figure)


def _close_tree(w):
    """Close a widget and every widget it holds (children, marks, scales, axes, images)."""
    seen, todo = set(), [w]
    while todo:
        x = todo.pop()
        if id(x) in seen or not isinstance(x, W.Widget):
            continue
        seen.add(id(x))
        for name in x.keys:
            v = getattr(x, name, None)
            vals = v if isinstance(v, (list, tuple)) else list(v.values()) if isinstance(v, dict) else [v]
            todo.extend(i for i in vals if isinstance(i, W.Widget))
        x.close()
