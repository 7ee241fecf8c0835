"""Export buttons of a live lab: each figure as PNG or SVG, the recordings as NPZ or CSV.

Files are written by the kernel into ``directory`` (default: the kernel's working directory,
which for a notebook is the notebook's folder), named ``<prefix>-<what>-t<ms>ms.<ext>``
(a number is appended rather than overwrite a file), and the panel shows the names written.
Figures are drawn from the monitors' data with matplotlib's object API (no pyplot, so the
notebook's own plotting state is untouched): this works without a browser and writes the file
the same way in every front end, unlike bqplot's ``save_png``, which makes the browser download it.
"""
from __future__ import annotations

import html
import os

import ipywidgets as W

from ..errors import ParameterError, SparkLabError
from ._controls import busy

FIGURE_FORMATS = ("png", "svg")


class ExportPanel:
    """Buttons writing the figures and recordings of ``lab`` (a LiveLab) to files.

    directory: where files go (None: the current working directory, read at each export).
    prefix:    start of every file name.
    ``widget`` is the row to display; ``written`` lists the paths written, newest last.
    """

    def __init__(self, lab, directory=None, prefix: str = "spark_lab"):
        self.lab = lab
        self.directory = directory
        self.prefix = str(prefix)
        self.written: list[str] = []
        names = list(self.figures())
        self.figure_choice = W.Dropdown(options=names, value=names[0], description="figure",
                                        layout=W.Layout(width="220px"))
        mk = lambda d, tip: W.Button(description=d, tooltip=tip, icon="download",  # noqa: E731
                                     layout=W.Layout(width="auto"))
        self.buttons = {"png": mk("PNG", "the chosen figure as a PNG image, next to the notebook"),
                        "svg": mk("SVG", "the chosen figure as an SVG drawing, next to the notebook"),
                        "npz": mk("NPZ", "the kept recordings (ring buffers) as a NumPy .npz file"),
                        "csv": mk("CSV", "the kept recordings as a long-format CSV file")}
        for kind, b in self.buttons.items():
            b.on_click(lambda _, k=kind: self._clicked(k))
        self.message = W.HTML()
        self.progress = W.HTML()
        self.widget = W.HBox([W.HTML("<b>export</b>"), self.figure_choice, *self.buttons.values(),
                              self.progress, self.message],
                             layout=W.Layout(flex_flow="row wrap", align_items="center"))
        self.widget.add_class("spark-lab-export")

    def figures(self) -> dict:
        """{name: monitor} of the figures that can be exported ("raster", "trace <pool>", ...)."""
        lab = self.lab
        out = {"raster": lab.raster}
        for i, t in enumerate(lab.traces):
            out[f"trace {t.pool}" + (f" {i}" if sum(x.pool == t.pool for x in lab.traces) > 1 else "")] = t
        out["rates"] = lab.rates
        for w in lab.weights:
            out[f"weights {w.projection}"] = w
        return out

    def _path(self, what: str, ext: str, directory=None) -> str:
        directory = self.directory if directory is None else directory
        folder = os.getcwd() if directory is None else os.fspath(directory)
        stem = f"{self.prefix}-{what.replace(' ', '-')}-t{self.lab.session.time_ms:.0f}ms"
        path, k = os.path.join(folder, f"{stem}.{ext}"), 1
        while os.path.exists(path):
            k += 1
            path = os.path.join(folder, f"{stem}-{k}.{ext}")
        return path

    def save_figure(self, name: str, fmt: str = "png", directory=None) -> str:
        """Write figure ``name`` (see ``figures``) as ``fmt`` ("png" or "svg") into ``directory``
        (None: the panel's); returns the path."""
        figs = self.figures()
        if name not in figs:
            raise ParameterError("ExportPanel", "figure", f"unknown figure {name!r}", f"figures: {', '.join(figs)}")
        if fmt not in FIGURE_FORMATS:
            raise ParameterError("ExportPanel", "format", f"got {fmt!r}", "give 'png' or 'svg'")
        from matplotlib.figure import Figure  # object API: no pyplot, no backend switch

        fig = Figure(figsize=(8, 3.2), layout="constrained")
        figs[name].plot(fig.add_subplot())
        path = self._path(name, fmt, directory)
        fig.savefig(path, format=fmt, dpi=120)
        return self._done(path)

    def save_recordings(self, fmt: str = "npz", directory=None) -> str:
        """Write the session's kept recordings as ``fmt`` ("npz" or "csv") into ``directory``
        (None: the panel's); returns the path."""
        if fmt not in ("npz", "csv"):
            raise ParameterError("ExportPanel", "format", f"got {fmt!r}", "give 'npz' or 'csv'")
        path = self._path("recordings", fmt, directory)
        s = self.lab.session
        (s.export_npz if fmt == "npz" else s.export_csv)(path)
        return self._done(path)

    def _done(self, path: str) -> str:
        self.written.append(path)
        return path

    def _clicked(self, kind: str) -> None:
        try:
            with busy(self.progress, f"writing {kind.upper()}"):
                path = (self.save_figure(self.figure_choice.value, kind) if kind in FIGURE_FORMATS
                        else self.save_recordings(kind))
        except (SparkLabError, OSError, ValueError) as e:
            self.message.value = f"<span style='color:#b00020'>export failed: {html.escape(str(e))}</span>"
            return
        self.message.value = (f"<span class='spark-lab-export-file'>wrote <code>{html.escape(os.path.basename(path))}"
                              f"</code></span> <span style='color:#777'>in {html.escape(os.path.dirname(path))}</span>")
