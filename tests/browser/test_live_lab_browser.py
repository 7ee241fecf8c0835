"""notebooks/04_live_lab.ipynb in a real JupyterLab + chromium: Run All, then drive the live lab
with the mouse: Run, the raster changes, move the g_inh slider (the kernel gets it), Pause, Step."""

from __future__ import annotations

import io
import json
import re
import time

import numpy as np
import pytest
from harness import (
    SCREENSHOT_DIR as SHOTS,
)
from harness import (
    assert_no_news_toast,
    assert_no_tracebacks,
    assert_no_widget_errors,
    kernel_print,
    run_all,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(420)]

NOTEBOOK = "04_live_lab.ipynb"


def _button(lab, label):
    return lab.locator("button", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first


def _status(lab) -> str:
    return lab.locator(".spark-lab-status").first.inner_text()


def _t_ms(lab) -> float:
    m = re.search(r"t = ([\d,.]+) ms", _status(lab))
    assert m, _status(lab)
    return float(m.group(1).replace(",", ""))


def _wait_t(page, lab, at_least: float, timeout_s: float = 90.0) -> float:
    """Wait until the status line shows t >= at_least (ms); return the t it shows then."""
    deadline = time.monotonic() + timeout_s
    while (t := _t_ms(lab)) < at_least - 1e-6:
        assert time.monotonic() < deadline, f"status still at t = {t} ms, waiting for {at_least} ms"
        page.wait_for_timeout(200)
    page.wait_for_timeout(300)
    return _t_ms(lab)


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), np.int16)


def _kernel_eval(server, expr: str) -> str:
    """Print ``expr`` in the notebook's kernel (a second client on the same kernel) and return the text."""
    return kernel_print(server, NOTEBOOK, expr)


# Counts, in the page, how often the raster's <image> gets a new picture (bqplot sets a new
# blob: href per frame) and the first trace's path changes, and (with frames) how many animation
# frames the page painted; read back with _REDRAWS_READ. The frame counter is a requestAnimationFrame
# loop: it makes the page run a frame every vsync, which costs the browser CPU of its own, so CPU is
# measured without it.
_REDRAWS_START = """([sel, frames]) => {
  const lab = document.querySelector(sel);
  const figs = lab.querySelectorAll('.bqplot');
  const img = figs[0].querySelector('image');
  const path = figs.length > 1 ? figs[1].querySelector('path.line') : null;
  const w = window.__redraws = {raster: [], trace: [], frames: 0, t0: performance.now(), on: true};
  const obs = new MutationObserver(ms => {
    for (const m of ms) {
      if (m.target === img && m.attributeName === 'href') w.raster.push(performance.now());
      else if (path && m.target === path) w.trace.push(performance.now());
    }
  });
  obs.observe(img, {attributes: true, attributeFilter: ['href']});
  if (path) obs.observe(path, {attributes: true, attributeFilter: ['d']});
  w.obs = obs;
  const tick = () => { if (w.on) { w.frames++; requestAnimationFrame(tick); } };
  if (frames) requestAnimationFrame(tick);
}"""
_REDRAWS_READ = """() => { const w = window.__redraws; w.on = false; w.obs.disconnect();
  return {raster: w.raster, trace: w.trace, frames: w.frames, t0: w.t0, t1: performance.now()}; }"""


def _cpu_seconds(pids) -> float:
    import psutil
    total = 0.0
    for pid in pids:
        try:
            c = psutil.Process(pid).cpu_times()
            total += c.user + c.system
        except psutil.Error:
            pass
    return total


def _browser_pids() -> list:
    """The chromium processes this test process started (through playwright's driver)."""
    import psutil
    return [p.pid for p in psutil.Process().children(recursive=True) if "chrom" in p.name().lower()]


def measure_redraws(page, server, selector: str, seconds: float = 6.0, frames: bool = False) -> dict:
    """Raster and trace redraws per second seen in the page while the lab runs, the CPU
    (percent of one core) of the browser and of the kernel, and with ``frames`` the animation
    frames the page painted per second (0 without)."""
    import os
    kernel_pid = int(kernel_print(server, NOTEBOOK, "__import__('os').getpid()"))
    browser = _browser_pids()
    page.evaluate(_REDRAWS_START, [selector, frames])
    c0, k0, w0 = _cpu_seconds(browser), _cpu_seconds([kernel_pid]), time.monotonic()
    page.wait_for_timeout(int(seconds * 1000))
    c1, k1, w1 = _cpu_seconds(browser), _cpu_seconds([kernel_pid]), time.monotonic()
    r = page.evaluate(_REDRAWS_READ)
    span = (r["t1"] - r["t0"]) / 1000
    return {"raster_per_s": len(r["raster"]) / span, "trace_per_s": len(r["trace"]) / span,
            "frames_per_s": r["frames"] / span, "browser_cpu_pct": 100 * (c1 - c0) / (w1 - w0),
            "kernel_cpu_pct": 100 * (k1 - k0) / (w1 - w0), "load_avg_1min": os.getloadavg()[0]}


def test_live_lab_in_the_browser(lab_server, lab_page, shot):
    page = lab_page
    console = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    assert (lab_server.root_dir / NOTEBOOK).is_file(), f"notebooks/{NOTEBOOK} is missing"
    run_all(page, NOTEBOOK)
    assert_no_tracebacks(page)
    assert_no_widget_errors(page)
    assert_no_news_toast(page)

    lab = page.locator(".spark-lab-live").first
    lab.wait_for(state="visible", timeout=60_000)
    lab.scroll_into_view_if_needed()
    raster = lab.locator(".bqplot").first
    raster.wait_for(state="visible", timeout=30_000)
    shot(lab, "lab-after-run-all")
    assert "paused" in _status(lab)

    # --- Run: the raster scrolls
    _button(lab, "Run").click()
    page.wait_for_function("() => document.querySelector('.spark-lab-status')?.innerText.includes('running')",
                           timeout=30_000)
    page.wait_for_timeout(1500)
    a = raster.screenshot()
    page.wait_for_timeout(1500)
    b = raster.screenshot()
    shot(raster, "raster-running-1")
    pa, pb = _pixels(a), _pixels(b)
    assert pa.shape == pb.shape
    changed = np.mean(np.any(np.abs(pa - pb) > 30, axis=2))
    assert changed > 0.01, f"the raster did not change while running ({changed:.4f} of the pixels)"

    # --- how fast the raster redraws in the page while the kernel runs (bench/LIVE_LAB.md)
    rates = measure_redraws(page, lab_server, ".spark-lab-live")
    rates["frames_per_s"] = measure_redraws(page, lab_server, ".spark-lab-live", 2.0, frames=True)["frames_per_s"]
    print("live lab redraws:", json.dumps({k: round(v, 2) for k, v in rates.items()}))
    out = lab_server.root_dir.parent / "live_lab_redraws.json"
    out.write_text(json.dumps(rates))
    assert rates["raster_per_s"] > 0.5, rates

    # --- move the g_inh slider to about 3 by dragging its handle: synchronous firing
    slider = lab.locator(".widget-slider", has_text="inh.g_inh").first
    handle = slider.locator(".noUi-handle").first
    track = slider.locator(".noUi-target").first
    hb, tb = handle.bounding_box(), track.bounding_box()
    page.evaluate(_REDRAWS_START, [".spark-lab-live", False])
    page.evaluate("() => document.addEventListener('pointerup', () => { window.__up = performance.now(); },"
                  " {capture: true, once: true})")
    page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
    page.mouse.down()
    page.mouse.move(tb["x"] + 0.25 * tb["width"], hb["y"] + hb["height"] / 2, steps=8)
    page.mouse.up()
    page.wait_for_timeout(1500)
    up, r = page.evaluate("() => window.__up"), page.evaluate(_REDRAWS_READ)
    after = [t - up for t in r["raster"] if t > up]
    # the first repaint after mouse-up may show a frame computed before the kernel applied the
    # value (it is applied at the next chunk boundary); the second cannot: an upper bound
    print("slider to raster repaint (ms):", json.dumps({"first": round(after[0]) if after else None,
                                                         "second": round(after[1]) if len(after) > 1 else None}))
    readout = float(slider.locator(".widget-readout").first.inner_text())
    assert 2.0 < readout < 4.0, readout
    g_kernel = float(_kernel_eval(lab_server, "float(lab.session.get_param('inh', 'g_inh'))"))
    assert abs(g_kernel - readout) < 0.05, (g_kernel, readout)
    page.wait_for_timeout(1500)
    shot(raster, "raster-after-g3")
    shot(lab, "lab-running-g3")

    # --- Pause: time stops
    _button(lab, "Pause").click()
    page.wait_for_function("() => document.querySelector('.spark-lab-status')?.innerText.includes('paused')",
                           timeout=30_000)
    page.wait_for_timeout(500)
    t1 = _t_ms(lab)
    page.wait_for_timeout(800)
    assert _t_ms(lab) == t1

    # --- Step: one chunk of 100 steps = 10 ms; Step 1: one step = 0.1 ms
    _button(lab, "Step").click()
    assert _wait_t(page, lab, t1 + 10.0) == pytest.approx(t1 + 10.0, abs=1e-6)
    _button(lab, "Step 1").click()                    # compiles a 1-step chunk the first time
    seen = ""
    for _ in range(100):                              # the status says so while it compiles
        seen = _status(lab)
        if "compiling" in seen or "10.1" in seen.split("t = ")[-1][:12]:
            break
        page.wait_for_timeout(100)
    assert "compiling" in seen, seen
    box = lab.locator(".spark-lab-status").first.bounding_box()
    if box:                                           # the line is replaced as it counts: clip the page
        page.screenshot(path=str(SHOTS / "test_live_lab_in_the_browser-status-compiling.png"),
                        clip={"x": box["x"], "y": box["y"], "width": max(box["width"], 400), "height": 40})
    assert _wait_t(page, lab, t1 + 10.1) == pytest.approx(t1 + 10.1, abs=1e-6)
    assert "paused at t =" in _status(lab)
    state = json.loads(_kernel_eval(lab_server,
                                    "__import__('json').dumps([lab.session.status, lab.session.sim.compile_count])"))
    assert state[0] == "paused"
    shot(lab, "lab-paused-after-step")

    # --- export buttons: the raster as PNG and SVG, the recordings as NPZ, next to the notebook
    export = lab.locator(".spark-lab-export").first
    export.scroll_into_view_if_needed()
    for label in ("PNG", "SVG", "NPZ"):
        before = _export_message(export)
        _button(export, label).click()
        name = _wait_export(page, export, before)
        assert name.endswith("." + label.lower()), name
        path = lab_server.root_dir / name
        assert path.is_file() and path.stat().st_size > 100, path
    shot(export, "export-row")

    # --- look back while paused: the raster shows an earlier window
    scrub = lab.locator(".widget-slider", has_text="look back").first
    hb, tb = scrub.locator(".noUi-handle").first.bounding_box(), scrub.locator(".noUi-target").first.bounding_box()
    page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
    page.mouse.down()
    page.mouse.move(tb["x"] + 0.3 * tb["width"], hb["y"] + hb["height"] / 2, steps=8)
    page.mouse.up()
    page.wait_for_timeout(1500)
    back = float(_kernel_eval(lab_server, "lab.raster.back_steps"))
    assert back > 0, back
    end_ms = json.loads(_kernel_eval(lab_server,
                                     "__import__('json').dumps([lab.raster.image()[2], lab.session.time_ms])"))
    assert end_ms[0] < end_ms[1] - 1.0, end_ms             # the window ends before now
    page.wait_for_function("() => [...document.querySelectorAll('.spark-lab-live .bqplot text.axislabel')]"
                           ".some(t => t.textContent.includes('relative to t ='))", timeout=30_000)
    shot(lab, "lab-looking-back")
    assert_no_widget_errors(page)
    assert_no_tracebacks(page)
    bad = [c for c in console if "negative value" in c or "spark" in c.lower() or c.startswith("pageerror")]
    assert not bad, bad


def _export_message(export) -> str:
    loc = export.locator(".spark-lab-export-file")
    return loc.first.inner_text() if loc.count() else ""


def _wait_export(page, export, before: str, timeout_ms: int = 30_000) -> str:
    """The file name the export row shows once it changed from ``before``."""
    waited = 0
    while (text := _export_message(export)) == before:
        assert waited < timeout_ms, "the export row did not name a file"
        page.wait_for_timeout(200)
        waited += 200
    return text.removeprefix("wrote").strip()
