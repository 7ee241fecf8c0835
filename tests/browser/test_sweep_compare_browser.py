"""The sweep panel and the run comparison in a real JupyterLab + chromium. A small notebook
(written into the server's folder) builds a 100-neuron E/I lab with the sweep panel and two
saved runs; the mouse opens the panel, presses Run sweep (a 3 x 2 map of g x nu_ext), clicks a
cell of the map (the sliders move there and the running lab gets those values), and the
comparison widget lists both runs, overlays their rates and rasters, and follows the picker.
The browser console is checked for errors."""

from __future__ import annotations

import json
import re
import time

import nbformat
import pytest
from harness import (
    assert_no_news_toast,
    assert_no_tracebacks,
    assert_no_widget_errors,
    kernel_print,
    run_all,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

NOTEBOOK = "sweep_compare_test.ipynb"

SETUP = """\
import numpy as np
import spark_lab as sl
from spark_lab.notebook import CompareRuns, LiveLab
from spark_lab.session import Session

def brunel(g=6.0, seed=1):
    net = sl.Network(dt=0.1, seed=seed)
    lif = sl.LIF(tau_m=20.0, v_rest=0.0, v_th=20.0, v_reset=10.0, t_ref=2.0, v_init_low=0.0, v_init_high=20.0)
    net.add_pool("exc", lif, 80, excitatory=True)
    net.add_pool("inh", lif, 20, excitatory=False, g_inh=g)
    net.add_pool("ext", sl.PoissonSource(rate=20.0), 100)
    for pre, k in (("exc", 8), ("inh", 2), ("ext", 8)):
        for post in ("exc", "inh"):
            net.connect(pre, post, synapse=sl.Delta(), connectivity=sl.FixedInDegree(k=k), weight=12.5, delay=1.5)
    return net
"""

LAB = """\
lab = LiveLab(brunel(), chunk=100, params=[("inh", "g_inh"), ("ext", "rate")], sweep=True,
              raster=["exc"], traces={}, window_ms=100.0, analysis=False)
panel = lab.sweep_panel
panel.x_range[0].value, panel.x_range[1].value, panel.x_range[2].value = 2.0, 8.0, 3
panel.y_range[0].value, panel.y_range[1].value, panel.y_range[2].value = 10.0, 40.0, 2
panel.measure_ms.value, panel.skip_ms.value = 20.0, 10.0
panel.colour.value = "rate.exc"
lab
"""

RUNS = """\
import tempfile
folder = tempfile.mkdtemp(prefix="runs-")
for name, g in (("g3", 3.0), ("g7", 7.0)):
    net = brunel(g=g)
    net.record("exc")
    with Session(net, chunk=100) as s:
        s.save_run(f"{folder}/{name}")
        s.step(300)
        s.set_param("ext", "rate", 30.0)
        s.step(200)
cmp = CompareRuns(folder)
cmp
"""


def _write_notebook(root):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in (SETUP, LAB, RUNS)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(root / NOTEBOOK))


def _button(scope, label):
    return scope.locator("button", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first


def _kernel(server, expr):
    return kernel_print(server, NOTEBOOK, expr)


def _outside_legend(figure, css) -> int:
    """How many ``css`` elements the bqplot ``figure`` draws outside its legend."""
    return figure.evaluate("(f, css) => [...f.querySelectorAll(css)].filter(e => !e.closest('.g_legend')).length", css)


def _slider_value(lab, label) -> float:
    slider = lab.locator(".widget-slider", has_text=label).first
    return float(slider.locator(".widget-readout").first.inner_text())


LOADED = re.compile(r"loaded inh.g_inh = ([\d.]+), ext.rate = ([\d.]+)")


def _wait_loaded(page, panel, server, before, timeout_s=60.0):
    """The (g, nu) the panel's status says it loaded, once it names a cell not in ``before``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m = LOADED.search(panel.inner_text())
        if m and tuple(float(v) for v in m.groups()) not in before:
            page.wait_for_timeout(1500)
            return tuple(float(v) for v in m.groups())
        page.wait_for_timeout(250)
    state = _kernel(server, "repr(panel.heatmap.selected), panel.status.value, repr(panel.error)")
    raise AssertionError(f"no cell loaded after the click; kernel: {state}")


def test_sweep_panel_and_run_comparison(lab_server, lab_page, shot):
    page = lab_page
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    _write_notebook(lab_server.root_dir)
    run_all(page, NOTEBOOK)
    assert_no_tracebacks(page)
    assert_no_widget_errors(page)
    assert_no_news_toast(page)

    lab = page.locator(".spark-lab-live").first
    lab.wait_for(state="visible", timeout=60_000)
    g0, nu0 = _slider_value(lab, "inh.g_inh"), _slider_value(lab, "ext.rate")
    assert (g0, nu0) == (6.0, 20.0)

    # --- open the sweep accordion, press Run sweep: the map fills with 3 x 2 cells
    lab.locator(".jupyter-widget-Collapse-header, .lm-AccordionPanel-title, .p-Accordion-title",
                has_text="Sweep").first.click()
    panel = lab.locator(".spark-lab-sweep").first
    panel.wait_for(state="visible", timeout=30_000)
    panel.scroll_into_view_if_needed()
    _button(panel, "Run sweep").click()
    page.wait_for_function(
        "() => document.querySelector('.spark-lab-sweep')?.innerText.includes('click a cell to load it')",
        timeout=240_000)
    page.wait_for_function(          # the status is set just before the map is redrawn
        "() => document.querySelectorAll('.spark-lab-sweep rect.heatmapcell').length === 6", timeout=30_000)
    page.wait_for_timeout(1000)
    cells = panel.locator("rect.heatmapcell")
    shot(panel, "sweep-map")
    table = json.loads(_kernel(lab_server, "panel.table[['inh.g_inh', 'ext.rate', 'rate.exc']]"
                                           ".to_json(orient='values')"))
    assert sorted({(g, nu) for g, nu, _ in table}) == [(g, nu) for g in (2.0, 5.0, 8.0) for nu in (10.0, 40.0)]
    assert len({round(r, 6) for _, _, r in table}) > 1            # the map is not flat

    # row 0 (the lowest nu_ext) is drawn at the bottom
    assert cells.nth(0).bounding_box()["y"] > cells.nth(3).bounding_box()["y"]

    # --- click the cells: each loads its setting; the sliders move and the session has it
    seen = set()
    for i, want in ((0, (2.0, 10.0)), (5, (8.0, 40.0))):           # bottom left, top right
        cells.nth(i).click()
        g, nu = _wait_loaded(page, panel, lab_server, before=seen)
        assert (g, nu) == want
        # the readouts show where the handles are: on the slider's grid (200 steps, ext.rate in log steps)
        assert _slider_value(lab, "inh.g_inh") == pytest.approx(g, abs=0.06)
        assert _slider_value(lab, "ext.rate") == pytest.approx(nu, rel=0.02)
        live = json.loads(_kernel(lab_server, "__import__('json').dumps([float(lab.session.get_param('inh', "
                                              "'g_inh')), float(np.mean(lab.session.get_param('ext', 'rate')))])"))
        assert live == pytest.approx([g, nu], abs=1e-9)
        seen.add((g, nu))
        shot(lab, f"after-click-{i}")
    assert len(seen) == 2 and (g0, nu0) not in seen

    # --- the comparison widget: both runs listed, overlaid, the picker chooses
    cmp = page.locator(".spark-lab-compare").first
    cmp.scroll_into_view_if_needed()
    options = cmp.locator("select[multiple] option")
    assert options.all_inner_texts() == ["g3", "g7"]
    rate_fig, raster_fig = cmp.locator(".bqplot").nth(0), cmp.locator(".bqplot").nth(1)
    rate_fig.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(1000)
    assert _outside_legend(rate_fig, "path.line") == 2               # one rate line per run
    assert _outside_legend(raster_fig, ".dot") > 50                  # the runs' spikes
    legend = " ".join(cmp.locator(".legendtext").all_text_contents())
    assert "g3" in legend and "g7" in legend
    text = cmp.inner_text()
    assert "g_inh" in text and "ext.rate = 30" in text              # the difference, the lab book
    shot(cmp, "compare-two-runs")
    options.nth(0).click()                                           # only g3 now
    page.wait_for_timeout(1500)
    assert _outside_legend(rate_fig, "path.line") == 1
    assert json.loads(_kernel(lab_server, "__import__('json').dumps([r.name for r in cmp.selected])")) == ["g3"]
    shot(cmp, "compare-one-run")

    assert_no_widget_errors(page)
    assert_no_tracebacks(page)
    assert not errors, "browser console errors:\n" + "\n".join(errors)
