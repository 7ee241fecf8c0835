"""Compare stored runs (``spark_lab.runs``) in the notebook.

    from spark_lab.notebook import CompareRuns
    CompareRuns("runs/")                       # every run folder in runs/

A list of the runs of a folder (choose several), a pool, and for the chosen runs: their
population rates overlaid (one line per run, per chunk), their spike rasters overlaid (one
colour per run, at most ``max_spikes`` spikes per run from the start of its first epoch),
and a table of what differs between them: seed, dt, every model-file value that is not
the same in all of them, and each run's lab book (the parameter changes with their times).
"""
from __future__ import annotations

import html

import bqplot as bq
import ipywidgets as W
import numpy as np

from ..errors import ParameterError
from ..runs import list_runs
from ._monitors import COLOURS


def flatten(doc, prefix: str = "") -> dict:
    """{"pools/exc/model/params/tau_m": value, ...} of a model-file document: list entries
    with a "name" are keyed by it, other list entries by their index."""
    out = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.update(flatten(v, f"{prefix}{k}/"))
    elif isinstance(doc, list) and doc and all(isinstance(x, dict) and "name" in x for x in doc):
        for x in doc:
            out.update(flatten({k: v for k, v in x.items() if k != "name"}, f"{prefix}{x['name']}/"))
    elif isinstance(doc, list) and any(isinstance(x, (dict, list)) for x in doc):
        for i, x in enumerate(doc):
            out.update(flatten(x, f"{prefix}{i}/"))
    else:
        out[prefix.rstrip("/")] = doc
    return out


def differences(runs) -> list:
    """[(what, [value per run])] of everything that differs between ``runs``: "seed", "dt",
    each model-file value (by its flattened path; "layout" left out) and each start value
    not equal in all of them (arrays shown by their mean, min and max)."""
    from .. import model
    rows = [(k, [r.meta[k] for r in runs]) for k in ("seed", "dt") if len({r.meta[k] for r in runs}) > 1]
    docs = [flatten({k: v for k, v in model.to_dict(r.model).items() if k != "layout"}) for r in runs]
    for k in sorted(set().union(*docs)):
        vals = [d.get(k, "-") for d in docs]
        if any(v != vals[0] for v in vals[1:]):
            rows.append((k, vals))
    starts = [r.values() for r in runs]
    for k in sorted(set().union(*starts)):
        vals = [s.get(k) for s in starts]
        if any(v is None or vals[0] is None or v.shape != vals[0].shape or not np.array_equal(v, vals[0])
               for v in vals[1:]):
            rows.append((f"start value {k[0]}.{k[1]}", [_brief(v) for v in vals]))
    return rows


def _brief(v):
    if v is None:
        return "-"
    v = np.asarray(v)
    if v.size and np.all(v == v.flat[0]):
        return v.flat[0].item()
    return f"mean {v.mean():.4g} ({v.min():.4g} to {v.max():.4g}, {v.size} values)"


class CompareRuns(W.VBox):
    """The runs of ``folder`` side by side (see the module docstring). ``select``: the run
    names to show first (default: the last two); ``pool``: the pool to plot (default: the
    first pool with stored spikes in them, else the first pool)."""

    def __init__(self, folder, select=None, pool: str | None = None, max_spikes: int = 20_000):
        self.folder, self.max_spikes = folder, int(max_spikes)
        self.runs = {r.name: r for r in list_runs(folder)}
        names = list(self.runs)
        chosen = list(select) if select is not None else names[-2:]
        unknown = [n for n in chosen if n not in self.runs]
        if unknown:
            raise ParameterError("CompareRuns", "select", f"no run {unknown[0]!r} in {folder!r}",
                                 f"runs: {', '.join(names) or '(none)'}")
        self.picker = W.SelectMultiple(options=names, value=tuple(chosen), description="runs", rows=6)
        pools = list(dict.fromkeys(p for r in self.runs.values() for p in r.pools))
        spiking = [p for p in pools if any(f"{p}.spikes" in r.keys() for r in self.runs.values())]
        self.pool = W.Dropdown(options=pools, value=pool or (spiking or pools or [None])[0], description="pool")
        self.rate_x, self.rate_y = bq.LinearScale(), bq.LinearScale(min=0.0)
        self.rate_figure = bq.Figure(axes=[bq.Axis(scale=self.rate_x, label="time (ms)"),
                                           bq.Axis(scale=self.rate_y, orientation="vertical", label="rate (Hz)")],
                                     title="population rate", animation_duration=0,
                                     layout=W.Layout(width="100%", height="240px"))
        self.raster_x, self.raster_y = bq.LinearScale(), bq.LinearScale()
        self.raster_figure = bq.Figure(axes=[bq.Axis(scale=self.raster_x, label="time (ms)"),
                                             bq.Axis(scale=self.raster_y, orientation="vertical", label="neuron")],
                                       title="spikes", animation_duration=0,
                                       layout=W.Layout(width="100%", height="300px"))
        self.table = W.HTML()
        self.refresh_button = W.Button(description="Refresh", tooltip="list the folder's runs again")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.picker.observe(lambda _: self.draw(), "value")
        self.pool.observe(lambda _: self.draw(), "value")
        super().__init__([W.HBox([self.picker, W.VBox([self.pool, self.refresh_button])]),
                          self.rate_figure, self.raster_figure, self.table])
        self.add_class("spark-lab-compare")
        self.draw()

    @property
    def selected(self) -> list:
        """The chosen runs (Run objects), in the folder's order."""
        return [self.runs[n] for n in self.picker.value]

    def refresh(self) -> None:
        """List the folder's runs again (new runs appear; the choice is kept where it can be)."""
        self.runs = {r.name: r for r in list_runs(self.folder)}
        keep = tuple(n for n in self.picker.value if n in self.runs)
        self.picker.options = list(self.runs)
        self.picker.value = keep
        self.draw()

    def draw(self) -> None:
        """Redraw the rates, the rasters and the differences of the chosen runs."""
        runs, pool = self.selected, self.pool.value
        rate_marks, raster_marks = [], []
        for i, r in enumerate(runs):
            colour = COLOURS[i % len(COLOURS)]
            if pool in r.pools:
                t, rates = r.rates(epoch=0)
                rate_marks.append(bq.Lines(x=t, y=rates[pool], colors=[colour], labels=[r.name], display_legend=True,
                                           scales={"x": self.rate_x, "y": self.rate_y}))
            if f"{pool}.spikes" in r.keys():
                st, sn = r.spike_trains(pool, epoch=0)
                raster_marks.append(bq.Scatter(x=st[:self.max_spikes], y=sn[:self.max_spikes], colors=[colour],
                                               default_size=4, marker="square", labels=[r.name], display_legend=True,
                                               scales={"x": self.raster_x, "y": self.raster_y}))
        self.rate_figure.marks, self.raster_figure.marks = rate_marks, raster_marks
        self.table.value = self.table_html(runs)

    def table_html(self, runs) -> str:
        """The differences (``differences``) and each run's lab book, as an HTML table."""
        if not runs:
            return "<i>choose one or more runs</i>"
        esc = html.escape
        head = "".join(f"<th>{esc(r.name)}</th>" for r in runs)
        rows = [] if len(runs) < 2 else [
            f"<tr><td>{esc(str(k))}</td>{''.join(f'<td>{esc(str(v))}</td>' for v in vals)}</tr>"
            for k, vals in differences(runs)]
        if len(runs) > 1 and not rows:
            rows.append(f"<tr><td colspan='{len(runs) + 1}'><i>same model, seed and start values</i></td></tr>")
        book = [" <br>".join(f"{t:g} ms: {esc(tg)}.{esc(nm)} = {esc(str(_brief(v)))}"
                             + (f" (epoch {e})" if e else "") for t, e, tg, nm, v in r.param_log()) or "-"
                for r in runs]
        rows.append(f"<tr><td>lab book</td>{''.join(f'<td>{b}</td>' for b in book)}</tr>")
        return f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"
