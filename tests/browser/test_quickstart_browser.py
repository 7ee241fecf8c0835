"""Run notebooks/00_quickstart.ipynb in a real JupyterLab + chromium via Run All."""

from __future__ import annotations

import pytest
from harness import (
    ConsoleLog,
    assert_no_news_toast,
    assert_no_tracebacks,
    assert_no_widget_errors,
    run_all,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

NOTEBOOK = "00_quickstart.ipynb"


def test_quickstart_run_all(lab_server, lab_page, shot):
    page = lab_page
    assert (lab_server.root_dir / NOTEBOOK).is_file(), f"notebooks/{NOTEBOOK} is missing"

    log = ConsoleLog(page)
    state = run_all(page, NOTEBOOK)
    assert state["done"] > 0

    assert_no_tracebacks(page)
    assert_no_widget_errors(page)
    assert_no_news_toast(page)

    # The spike raster: at least one image output that actually decoded.
    img = page.locator(".jp-RenderedImage img").first
    img.wait_for(state="attached", timeout=30_000)
    img.scroll_into_view_if_needed()
    width = img.evaluate("el => el.complete ? el.naturalWidth : 0")
    assert width > 0, "raster image output did not load"
    path = shot(img, "raster")
    assert path.stat().st_size > 1000
    assert not log.problems(), "console problems:\n" + "\n".join(log.problems())
