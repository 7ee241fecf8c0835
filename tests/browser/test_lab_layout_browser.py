"""``Lab(model, view="side")`` on a 1366 x 768 laptop screen with JupyterLab's left side bar open.

The lab is the combined one (graph editor and live lab) on the shipped ``balanced_ei`` example,
in a notebook the test writes into the server's root. With the file browser open, the output area
is about 900 px wide: the editor and the live lab stay side by side (the editor narrower, its
inspector below the canvas), so the canvas and the raster are in view together with the Lab's top
at the top of the notebook, the canvas is not squeezed, and after a click on a node the inspector's
first fields and the raster are in view together too. A screenshot of the screen is kept
(tests/artifacts/screenshots/test_side_by_side_at_1366x768_with_the_side_bar_open-screen.png).
"""

from __future__ import annotations

import json
import time

import pytest
from harness import ConsoleLog, assert_no_tracebacks, assert_no_widget_errors, kernel_print, run_all

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(420)]

NOTEBOOK = "lab_1366x768.ipynb"
WIDTH, HEIGHT = 1366, 768
MIN_CANVAS = (360, 290)          # px: the canvas at least this wide and high
MIN_RASTER = (300, 200)

CELLS = [
    "from spark_lab.notebook import Lab\n\nfull = Lab('balanced_ei', view='side', analysis=False)\nfull",
]

# the rectangle of the notebook's scrolled area on the screen, and the boxes of the parts
_JS_BOXES = """() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
                        return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const lab = document.querySelector('.spark-lab-lab');
  let s = lab ? lab.parentElement : null;
  while (s && !(s.scrollHeight > s.clientHeight + 10 && /(auto|scroll)/.test(getComputedStyle(s).overflowY))) {
    s = s.parentElement;
  }
  return {lab: box(lab), scroller: box(s),
          canvas: box(document.querySelector('.spark-lab-graph-editor .custom-widget')),
          raster: box(document.querySelector('.spark-lab-live .bqplot')),
          g_inh: box(Array.from(document.querySelectorAll('.sl-ed-inspector .widget-text'))
                       .filter(w => (w.querySelector('label') || {}).textContent === 'g_inh')
                       .map(w => w.querySelector('input'))[0]),
          output: box(lab ? lab.closest('.jp-OutputArea-output') : null),
          sidebar: box(document.querySelector('#jp-left-stack'))};
}"""


def _write_notebook(root) -> None:
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src}
             for src in CELLS]
    nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                      "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    (root / NOTEBOOK).write_text(json.dumps(nb))


def _inside(inner, outer, what: str) -> None:
    assert inner is not None and outer is not None, (what, inner, outer)
    tol = 1.0
    assert inner["x"] >= outer["x"] - tol and inner["y"] >= outer["y"] - tol, (what, inner, outer)
    assert inner["x"] + inner["w"] <= outer["x"] + outer["w"] + tol, (what, inner, outer)
    assert inner["y"] + inner["h"] <= outer["y"] + outer["h"] + tol, (what, inner, outer)


def _lab_at_top(page) -> dict:
    page.evaluate("() => document.querySelector('.spark-lab-lab').scrollIntoView({block: 'start'})")
    time.sleep(1.0)
    return page.evaluate(_JS_BOXES)


def test_side_by_side_at_1366x768_with_the_side_bar_open(lab_server, lab_page, shot):
    page = lab_page
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    log = ConsoleLog(page)
    _write_notebook(lab_server.root_dir)
    run_all(page, NOTEBOOK)
    assert_no_tracebacks(page)
    assert_no_widget_errors(page)
    left = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab")
    if not page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").count():
        left.first.click()                            # open the file browser: the side bar as a user has it
    page.locator(".spark-lab-graph-editor .custom-widget").first.wait_for(state="visible", timeout=60_000)
    page.locator(".spark-lab-live .bqplot").first.wait_for(state="visible", timeout=60_000)
    time.sleep(1.5)                                   # the canvas script refits after the size settles
    boxes = _lab_at_top(page)
    print("boxes at 1366x768, side bar open:", boxes)
    assert boxes["sidebar"] and boxes["sidebar"]["w"] > 150, f"the left side bar is not open: {boxes}"
    screen = {"x": 0, "y": 0, "w": WIDTH, "h": HEIGHT}
    view = boxes["scroller"] or screen
    _inside(boxes["canvas"], view, "canvas in view")
    _inside(boxes["raster"], view, "raster in view")
    assert boxes["raster"]["x"] >= boxes["canvas"]["x"] + boxes["canvas"]["w"] - 1, f"side by side: {boxes}"
    assert boxes["canvas"]["w"] >= MIN_CANVAS[0] and boxes["canvas"]["h"] >= MIN_CANVAS[1], boxes["canvas"]
    assert boxes["raster"]["w"] >= MIN_RASTER[0] and boxes["raster"]["h"] >= MIN_RASTER[1], boxes["raster"]
    shot(page, "screen")

    # --- a node clicked (here from code): its inspector's first field and the raster in view together
    kernel_print(lab_server, NOTEBOOK, "full.editor.select('inh') or 0")
    page.locator(".sl-ed-inspector .widget-text:has(label:text-is('g_inh')) input").first.wait_for(
        state="attached", timeout=30_000)
    time.sleep(1.0)
    boxes = page.evaluate(_JS_BOXES)
    print("after selecting inh:", boxes)
    _inside(boxes["g_inh"], view, "the inspector's g_inh field in view")
    _inside(boxes["raster"], view, "raster in view with the inspector")
    shot(page, "screen-inspector")
    assert not log.problems(), "console problems:\n" + "\n".join(log.problems())
