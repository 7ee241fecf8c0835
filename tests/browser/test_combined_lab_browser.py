"""One value, many views, in a real JupyterLab: notebooks/04_live_lab.ipynb's ``full = Lab(...)``.

While it runs: drag the ``inh.g_inh`` slider to about 7 (the editor's network, the inspector
and the session show it), type 3 into the inspector's g_inh (the slider and the session show
it), add a pool from code and press Rebuild (the new session runs on with g_inh = 3, the slider
keeps its range and shows 3). No tracebacks, no widget errors, no errors in the console."""

from __future__ import annotations

import json
import re

import pytest
from harness import assert_no_news_toast, assert_no_tracebacks, assert_no_widget_errors, kernel_print, run_all

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(420)]

NOTEBOOK = "04_live_lab.ipynb"


def _kernel_eval(server, expr: str):
    """``json.dumps(expr)`` evaluated in the notebook's kernel (a second client), decoded."""
    return json.loads(kernel_print(server, NOTEBOOK, f"__import__('json').dumps({expr})"))


def _readout(slider) -> float:
    return float(slider.locator(".widget-readout").first.inner_text())


def _drag_to(page, slider, fraction: float) -> None:
    handle = slider.locator(".noUi-handle").first
    track = slider.locator(".noUi-target").first
    hb, tb = handle.bounding_box(), track.bounding_box()
    y = hb["y"] + hb["height"] / 2
    page.mouse.move(hb["x"] + hb["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(tb["x"] + fraction * tb["width"], y, steps=8)
    page.mouse.up()
    page.wait_for_timeout(1500)


def _wait_readout(page, slider, value: float, timeout_ms: int = 30_000) -> None:
    waited = 0
    while abs(_readout(slider) - value) > 1e-6:
        assert waited < timeout_ms, f"slider shows {_readout(slider)}, expected {value}"
        page.wait_for_timeout(200)
        waited += 200


def _wait_text(page, locator, text: str, timeout_ms: int = 30_000) -> None:
    """Wait until ``locator`` shows ``text``: a kernel reply to a second client can arrive
    before the widget messages the same code sent to the page."""
    waited = 0
    while text not in locator.inner_text():
        assert waited < timeout_ms, f"{text!r} not shown in {timeout_ms} ms"
        page.wait_for_timeout(200)
        waited += 200


def test_one_value_across_slider_inspector_session_and_rebuild(lab_server, lab_page, shot):
    page = lab_page
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    assert (lab_server.root_dir / NOTEBOOK).is_file(), f"notebooks/{NOTEBOOK} is missing"
    run_all(page, NOTEBOOK)
    assert_no_tracebacks(page)
    assert_no_widget_errors(page)
    assert_no_news_toast(page)

    full = page.locator(".spark-lab-lab").first
    full.wait_for(state="visible", timeout=60_000)
    live = full.locator(".spark-lab-live").first
    slider = live.locator(".widget-slider", has_text="inh.g_inh").first
    slider.scroll_into_view_if_needed()
    span = _kernel_eval(lab_server, "full.live.sliders[('inh', 'g_inh')].span")
    assert span[0] == 0.0 and span[1] >= 7.0                  # from the declaration, not from g_inh = 5

    # --- run, then drag the slider to about 7: network, inspector and session follow
    live.locator("button", has_text=re.compile(r"^\s*Run\s*$")).first.click()
    _drag_to(page, slider, 0.7)
    moved = _readout(slider)
    assert 6.0 < moved < 8.0, moved
    state = _kernel_eval(lab_server, "[full.network.pools['inh'].g_inh, float(full.session.get_param('inh', 'g_inh')),"
                                     " full.session.status]")
    assert state[0] == pytest.approx(moved, abs=0.01) and state[1] == pytest.approx(moved, abs=0.01), state
    assert state[2] == "running"
    _kernel_eval(lab_server, "full.editor.select('inh') or 0")
    g_box = full.locator(".widget-text", has=page.locator("label", has_text=re.compile(r"^g_inh$"))).locator("input")
    g_box.first.wait_for(state="visible", timeout=30_000)
    assert float(g_box.first.input_value()) == pytest.approx(moved, abs=0.01)
    shot(full, "combined-after-slider")

    # --- one screen: on a 1366 x 768 laptop screen the inspector and the raster are in view together
    page.set_viewport_size({"width": 1366, "height": 768})
    side_tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if side_tab.count():                          # close the file browser, as on a laptop screen
        side_tab.first.click()
    page.wait_for_timeout(1500)
    raster = live.locator(".bqplot").first
    g_box.first.scroll_into_view_if_needed()
    gb, rb = g_box.first.bounding_box(), raster.bounding_box()
    assert gb and rb, (gb, rb)
    assert 0 <= gb["y"] <= 768 - gb["height"], gb
    assert rb["y"] < 768 - 100 and rb["y"] + rb["height"] > 100, rb      # most of the raster is on screen
    assert rb["x"] > gb["x"], (gb, rb)                                   # side by side
    page.screenshot(path=str(shot(full, "combined-1366x768-element")).replace("element", "screen"))

    # --- type 3 into the inspector: the slider and the session follow
    g_box.first.fill("3")
    g_box.first.press("Enter")
    _wait_readout(page, slider, 3.0)
    state = _kernel_eval(lab_server, "[full.network.pools['inh'].g_inh, float(full.session.get_param('inh', 'g_inh'))]")
    assert state == [3.0, 3.0], state

    # --- a structural edit from code, then Rebuild while running: the live value and the run go on
    t_before = _kernel_eval(lab_server, "full.network.add_pool('extra', sl.LIF(), 5) and full.session.t")
    _wait_text(page, full, "structure changed")
    full.locator("button", has_text=re.compile(r"^\s*Rebuild\s*$")).first.click()
    seen = set()
    for _ in range(150):                      # rebuilding, then the new session's first chunk compiles
        text = full.inner_text()
        seen |= {w for w in ("rebuilding", "compiling") if w in text}
        if "compiling" in seen:
            break
        page.wait_for_timeout(100)
    assert "compiling" in seen, seen
    page.wait_for_timeout(3000)
    state = _kernel_eval(lab_server, "['extra' in full.session.sim.net.pools, full.session.status,"
                                     " float(full.session.get_param('inh', 'g_inh')),"
                                     " full.live.sliders[('inh', 'g_inh')].span, full.session.t]")
    assert state[0] and state[1] == "running" and state[2] == 3.0, state
    assert state[3] == span, state
    if _kernel_eval(lab_server, "hasattr(full.session.sim, 'set_state_tree')"):
        assert state[4] >= t_before, state                  # continues from the old time
    slider = full.locator(".spark-lab-live").first.locator(".widget-slider", has_text="inh.g_inh").first
    _wait_readout(page, slider, 3.0)
    shot(full, "combined-after-rebuild")
    _kernel_eval(lab_server, "full.session.pause() or 0")

    assert_no_widget_errors(page)
    assert_no_tracebacks(page)
    assert not console_errors, console_errors
