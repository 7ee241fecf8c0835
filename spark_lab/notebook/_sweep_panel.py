"""The sweep panel of the live lab: a parameter map computed by ``sl.sweep``, one click to
load a cell's setting into the running lab.

    lab = LiveLab(net, params=[("inh", "g_inh"), ("ext", "rate")], sweep=True)
    lab.sweep_panel.run(wait=True)      # what the Run button does, blocking
    lab.sweep_panel.load(2, 5)          # what a click on row 2, column 5 of the map does

Choose one or two parameters among the lab's slider addresses, their ranges (default: the
slider's range) and number of values, the seeds (the network's seed and the next ones),
the measured time and the transient; **Run** computes the grid with ``sl.sweep`` in a
background thread (the live run goes on) and shows the chosen measure as a heat map (mean
over seeds). Clicking a cell sets the sliders of its parameters to its values, which goes
the way a slider move goes (``commit``: ``session.set_param``, or in ``Lab`` the network).

The swept network is a copy of the running one with every slider's current value (``Lab``
gives its own Network instead: ``network=`` callable); the live run is not touched.
"""
from __future__ import annotations

import html
import math
import threading

import bqplot as bq
import ipywidgets as W
import numpy as np

from .._sweep import MEASURES, pivot, sweep
from ..errors import SparkLabError
from ._values import set_network_value

_NONE = "(none)"


class SweepPanel:
    """A sweep panel over the sliders of a LiveLab (see the module docstring).

    lab:     the LiveLab (its ``session`` and ``sliders``).
    network: ``network() -> Network`` to sweep (default: the running network with the
             sliders' current values).
    """

    def __init__(self, lab, network=None):
        self.lab, self.session = lab, lab.session
        self.sliders = lab.sliders.sliders
        self.network = network
        self.table = None                 # the last sweep's DataFrame
        self.error = None                 # the last sweep's error (SparkLabError), if it failed
        self._thread = None
        self.xs = self.ys = np.zeros(0)      # the map's x and y values
        labels = {f"{t}.{n}": (t, n) for t, n in self.sliders}
        self.addresses = labels
        first = list(labels)
        small = dict(style={"description_width": "initial"}, layout=W.Layout(width="150px"))
        self.x = W.Dropdown(options=first, value=first[0] if first else None, description="x",
                            layout=W.Layout(width="220px"))
        self.y = W.Dropdown(options=[_NONE, *first], value=first[1] if len(first) > 1 else _NONE, description="y",
                            layout=W.Layout(width="220px"))
        self.x_range = [W.FloatText(description="from", **small), W.FloatText(description="to", **small),
                        W.BoundedIntText(value=6, min=2, max=64, description="values", **small)]
        self.y_range = [W.FloatText(description="from", **small), W.FloatText(description="to", **small),
                        W.BoundedIntText(value=6, min=2, max=64, description="values", **small)]
        self.seeds = W.BoundedIntText(value=1, min=1, max=16, description="seeds", **small)
        self.measure_ms = W.BoundedFloatText(value=200.0, min=0.1, max=1e6, description="measure (ms)", **small)
        self.skip_ms = W.BoundedFloatText(value=100.0, min=0.0, max=1e6, description="transient (ms)", **small)
        pools = [p for p, pool in self.session.sim.net.pools.items() if getattr(pool.model, "VOLTAGE", None)]
        colours = [f"{m}.{p}" for m in MEASURES for p in pools]
        self.colour = W.Dropdown(options=colours, value=colours[0] if colours else None, description="map",
                                 layout=W.Layout(width="220px"))
        self.run_button = W.Button(description="Run sweep", icon="th", layout=W.Layout(width="auto"))
        self.status = W.HTML("")
        self.x.observe(lambda _: self._default_range(self.x, self.x_range), "value")
        self.y.observe(lambda _: self._default_range(self.y, self.y_range), "value")
        self._default_range(self.x, self.x_range)
        self._default_range(self.y, self.y_range)
        self.run_button.on_click(lambda _: self.run())
        self.colour.observe(lambda _: self.draw(), "value")
        self._make_map()
        self.widget = W.VBox([
            W.HBox([self.x, *self.x_range]), W.HBox([self.y, *self.y_range]),
            W.HBox([self.seeds, self.measure_ms, self.skip_ms, self.colour]),
            W.HBox([self.run_button, self.status]), self.map_box], layout=W.Layout(width="100%"))
        self.widget.add_class("spark-lab-sweep")

    def _make_map(self) -> None:
        self.col_scale, self.row_scale = bq.OrdinalScale(), bq.OrdinalScale()      # row 0 (lowest y) at the bottom
        self.colour_scale = bq.ColorScale(scheme="viridis")
        # no "select" interaction: bqplot sends a browser selection back as a list that it cannot
        # serialise again (ValueError "Unsupported dtype object", the observers never run); a click
        # comes as an element_click message instead, and the selection is set here (an int array)
        self.heatmap = bq.GridHeatMap(color=np.zeros((2, 2)), row=[0, 1], column=[0, 1],
                                      scales={"row": self.row_scale, "column": self.col_scale,
                                              "color": self.colour_scale},
                                      interactions={}, selected_style={"stroke": "red", "stroke-width": 3},
                                      stroke="white")
        self.heatmap.on_element_click(self._cell_clicked)
        self.x_axis = bq.Axis(scale=self.col_scale, label="")
        self.y_axis = bq.Axis(scale=self.row_scale, orientation="vertical", label="")
        self.colour_axis = bq.ColorAxis(scale=self.colour_scale, side="right", tick_format=".3g")
        self.figure = bq.Figure(marks=[self.heatmap], axes=[self.x_axis, self.y_axis, self.colour_axis],
                                layout=W.Layout(width="520px", height="380px"), title="run a sweep",
                                fig_margin={"top": 40, "bottom": 50, "left": 70, "right": 90})
        self.heatmap.observe(self._clicked, "selected")
        # the figure joins the panel with the first map: drawn inside the lab's closed accordion
        # (no size), bqplot would lay it out with negative widths (console errors)
        self.map_box = W.Box([W.HTML("<i>the map appears here after Run sweep</i>")])
        self.visible = True            # False while a closed container hides the panel (see ``show``)

    def _default_range(self, dropdown, fields) -> None:
        key = self.addresses.get(dropdown.value)
        for f in fields:
            f.disabled = key is None
        if key is not None:
            lo, hi = self.sliders[key].span
            fields[0].value, fields[1].value = float(f"{lo:.4g}"), float(f"{hi:.4g}")

    # ------------------------------------------------------------------ running
    def grid(self) -> dict:
        """{(target, name): values} from the choices (linear spacing, the ends included)."""
        out = {}
        for dd, (lo, hi, n) in ((self.x, self.x_range), (self.y, self.y_range)):
            key = self.addresses.get(dd.value)
            if key is None:
                continue
            if key in out:
                raise SparkLabError(f"sweep panel: x and y are both {dd.value}; choose two parameters or y = (none)")
            out[key] = [float(f"{v:.6g}") for v in np.linspace(lo.value, hi.value, int(n.value))]
        if not out:
            raise SparkLabError("sweep panel: the lab has no sliders to sweep; give LiveLab(params=...)")
        return out

    def swept_network(self):
        """The Network the panel sweeps (see the class docstring)."""
        if self.network is not None:
            return self.network()
        net = self.session.sim.net.copy()
        for (t, n) in self.sliders:
            v = np.asarray(self.session.get_param(t, n), np.float64).ravel()
            if v.size and np.all(v == v[0]):
                try:
                    set_network_value(net, t, n, float(v[0]))
                except SparkLabError:
                    pass               # a value the description cannot hold as one number: its own stays
        return net

    def run(self, wait: bool = False):
        """Compute the sweep in a background thread (``wait``: block until done); the
        DataFrame lands in ``self.table`` and the map. An error shows in the status line."""
        if self._thread is not None and self._thread.is_alive():
            self._say("a sweep is running")
            return self.table
        try:
            net, grid = self.swept_network(), self.grid()
        except SparkLabError as e:
            self.error = e
            self._say(str(e), error=True)
            return None
        dt = net.dt
        kw = dict(seeds=[(net.seed + i) % 2 ** 32 for i in range(int(self.seeds.value))],
                  steps=max(1, int(round(self.measure_ms.value / dt))), skip=int(round(self.skip_ms.value / dt)))
        points = int(np.prod([len(v) for v in grid.values()])) * len(kw["seeds"])
        self._say(f"running {points} networks ...")
        self.run_button.disabled = True
        self._thread = threading.Thread(target=self._work, args=(net, grid, kw), daemon=True, name="sweep-panel")
        self._thread.start()
        if wait:
            self._thread.join()
        return self.table

    def wait(self, timeout: float | None = None):
        """Block until the running sweep is done; its table."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.table

    def _work(self, net, grid, kw) -> None:
        try:
            self.table = sweep(net, grid, **kw)
            self.error = None
            a = self.table.attrs
            self._say(f"{len(self.table)} networks in {a['wall_s']:.1f} s ({a['batches']} batch(es), "
                      f"{a['compilations']} compilations); click a cell to load it")
            self.draw()
        except Exception as e:              # shown in the panel, not lost in the thread
            self.error = e
            self._say(str(e) if isinstance(e, SparkLabError) else f"{type(e).__name__}: {e}", error=True)
        finally:
            self.run_button.disabled = False

    # ------------------------------------------------------------------ the map
    def draw(self) -> None:
        """Show the chosen measure of the last table (mean over seeds)."""
        if self.table is None or self.colour.value not in self.table.columns:
            return
        params = self.table.attrs["params"]
        self.xs, self.ys, Z = pivot(self.table, self.colour.value)
        self.heatmap.selected = None
        with self.heatmap.hold_sync():
            self.heatmap.row = self.heatmap.column = None      # checked against the colour's shape
            self.heatmap.color = Z
            if len(params) > 1:                # bqplot squeezes a (1, n) map to one row without labels
                self.heatmap.row = [f"{v:.4g}" for v in self.ys]
                self.heatmap.column = [f"{v:.4g}" for v in self.xs]
        self.x_axis.label = params[0] if len(params) > 1 else (
            f"{params[0]}: {self.xs[0]:.4g} .. {self.xs[-1]:.4g}, {len(self.xs)} values")
        self.y_axis.label = params[1] if len(params) > 1 else ""
        self.figure.title = self.colour.value
        self._place_figure()

    def _place_figure(self) -> None:
        if self.visible and self.table is not None and self.map_box.children[0] is not self.figure:
            self.map_box.children = [self.figure]

    def show(self, visible: bool = True) -> None:
        """Tell the panel whether it can be seen (LiveLab: its Accordion opened or closed). A map
        drawn while hidden joins the panel when it is shown: bqplot lays a figure out at the size
        it has when it joins the page, and a hidden one has none."""
        self.visible = visible
        self._place_figure()

    def _cell_clicked(self, _mark, content) -> None:
        """A click on a cell in the browser: select it (which loads it; again if it was selected)."""
        d = content.get("data") or {}
        if "rowNum" not in d or "columnNum" not in d:
            return
        cell = [[int(d["rowNum"]), int(d["columnNum"])]]
        same = self.heatmap.selected is not None and np.array_equal(np.asarray(self.heatmap.selected), cell)
        if same:
            self.load(*cell[0])
        else:
            self.heatmap.selected = np.asarray(cell, np.int32)

    def _clicked(self, change) -> None:
        cells = change["new"]
        if cells is None or len(cells) == 0:
            return
        row, col = (int(v) for v in np.asarray(cells).reshape(-1, 2)[-1])
        self.load(row, col)

    def load(self, row: int, col: int) -> dict:
        """Set the sliders of the swept parameters to the values of cell (``row``, ``col``) of
        the map (row 0: the lowest y), as if they were dragged there. Returns {address: value}."""
        if self.table is None:
            raise SparkLabError("sweep panel: run a sweep first")
        params = self.table.attrs["params"]
        if not (0 <= col < len(self.xs) and 0 <= row < len(self.ys)):
            raise SparkLabError(f"sweep panel: no cell ({row}, {col}); the map has {len(self.ys)} x {len(self.xs)}")
        values = {self.addresses[params[0]]: float(self.xs[col])}
        if len(params) > 1:
            values[self.addresses[params[1]]] = float(self.ys[row])
        for key, v in values.items():
            _put(self.sliders[key], v)
        self._say("loaded " + ", ".join(f"{t}.{n} = {v:.4g}" for (t, n), v in values.items()))
        return values

    def _say(self, text, error=False) -> None:
        colour = "#b00020" if error else "#555"
        self.status.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"


def _put(slider, v: float) -> None:
    """Move ``slider`` (a ParamSlider) to ``v`` by its own path (``commit(target, name, v)``),
    first shifting its lower end down by less than one step so that ``v`` lies on its grid of
    steps (linear, or of log10 for a log slider): the browser snaps a value between grid
    points to one and sends that back, which would replace ``v`` by its neighbour (0.5 % off
    for a log slider of 200 steps over two decades). One message carries the new lower end
    and the value; the range only grows, so the value is never clamped."""
    slider.widen(v, v)
    w = slider.slider
    x = math.log10(v) if slider.log and v > 0 else v
    if w.step and w.step > 0:
        k = math.ceil((x - w.min) / w.step - 1e-9)
        low = min(w.min, x - k * w.step)
    else:
        low = w.min
    with w.hold_sync():
        w.min = low
        w.value = v
