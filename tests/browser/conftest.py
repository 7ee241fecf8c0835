"""Fixtures for browser tests: a JupyterLab server and Playwright pages in chromium.

    lab_server   (session)  LabServer: JupyterLab on 127.0.0.1:<free port>, token auth,
                            root = temporary copy of notebooks/, news toast disabled
    browser      (session)  Playwright Browser: Debian's /usr/bin/chromium
    lab_page     (function) Page in a fresh context (1400x900), base_url = the server;
                            on failure a viewport screenshot goes to tests/artifacts/screenshots/
    shot         (function) shot(locator_or_page, name) -> Path, named <test>-<name>.png

Without chromium (or the playwright package) browser tests are skipped, unless CI
is set: then they fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from harness import (
    CHROMIUM,
    ci_enabled,
    launch_chromium,
    screenshot,
    set_active_server,
    start_lab,
    stop_lab,
)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


def _unavailable(reason: str):
    if ci_enabled():
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _playwright():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"browser test needs chromium at {CHROMIUM} (run `make test-deps`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("browser test needs the playwright package (run `make test-deps`)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    b = launch_chromium(_playwright)
    yield b
    b.close()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory, _playwright):
    server = start_lab(tmp_path_factory.mktemp("jupyterlab"))
    set_active_server(server)
    yield server
    set_active_server(None)
    stop_lab(server)


@pytest.fixture
def lab_page(browser, lab_server, request):
    context = browser.new_context(
        base_url=lab_server.url, viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        try:
            screenshot(page, request.node.name, "failure")
        except Exception:  # noqa: BLE001 - best effort; never mask the real failure
            pass
    context.close()


@pytest.fixture
def shot(request):
    def _shot(target, name: str) -> Path:
        return screenshot(target, request.node.name, name)

    return _shot
