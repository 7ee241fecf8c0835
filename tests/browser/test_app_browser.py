"""App mode and first steps in a real browser.

``spark-lab app balanced_ei`` (Voilà): the page loads with no code on it, Run runs the
network (the status line counts simulated time), and moving the inh.g_inh slider changes
the excitatory rate the status line reports. ``spark-lab lab``'s command line: the server's
root is the folder it starts in (README, docs and notebooks in the file browser) and the
quickstart notebook is what opens.

Console: Voilà 0.5's page template asks a CDN for Font Awesome's CSS; with no network (as
here) that request fails; the test answers it with an empty stylesheet (the icons come
from the widget bundle anyway) and then requires a console with no error at all.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from harness import REPO_ROOT, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(420)]

STATUS_RE = re.compile(r"t = ([\d,.]+) ms.*rate exc ([\d.]+) Hz")


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 120.0) -> None:
    """Wait until ``url`` answers (an /api/ URL), or for any other URL until its port accepts a
    connection: a GET of a Voilà page would start and run a kernel of its own."""
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if "/api/" in url:
                with urllib.request.urlopen(url, timeout=5):
                    return
            else:
                host, port = url.split("//")[1].strip("/").split(":")
                socket.create_connection((host, int(port)), timeout=5).close()
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer in {timeout_s:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)


def _start(cmd: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", ""))
                                                       if p), PYTHONUNBUFFERED="1",
               JUPYTER_RUNTIME_DIR=str(cwd / "runtime"))
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _status(page) -> tuple[float, float] | None:
    text = page.locator(".widget-html:has-text('steps/s')").last.inner_text()
    m = STATUS_RE.search(text)
    return None if m is None else (float(m.group(1).replace(",", "")), float(m.group(2)))


def _mean_rate(page, seconds: float) -> float:
    """Mean of the exc rates the status line shows over ``seconds`` (it refreshes several times a second)."""
    seen = []
    for _ in range(int(seconds * 4)):
        s = _status(page)
        if s is not None:
            seen.append(s[1])
        page.wait_for_timeout(250)
    assert seen, "the status line never showed a rate"
    return sum(seen) / len(seen)


def test_app_page_runs_and_a_slider_changes_the_rate(browser, tmp_path, shot):
    port = free_port()
    log = tmp_path / "voila.log"
    proc = _start([sys.executable, "-m", "spark_lab", "app", "balanced_ei", "--no-browser", f"--port={port}"],
                  tmp_path, log)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_http(url, proc, log)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.route(re.compile(r"https://cdn\.jsdelivr\.net/.*\.css"),
                      lambda route: route.fulfill(status=200, content_type="text/css", body=""))
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, timeout=240_000)
        run = page.get_by_role("button", name=re.compile(r"^\W*Run$")).first
        try:
            run.wait_for(timeout=240_000)
        except Exception:
            shot(page, "not-loaded")
            raise
        assert "from spark_lab" not in page.content(), "app mode shows the notebook's code"
        assert page.locator(".cm-editor, .CodeMirror, .jp-InputPrompt").count() == 0
        shot(page, "loaded")

        run.click()
        deadline = time.monotonic() + 120
        while (s := _status(page)) is None or s[0] < 500:
            assert time.monotonic() < deadline, "the network did not run 500 ms after Run"
            page.wait_for_timeout(500)
        before = _mean_rate(page, 4)

        slider = page.locator(".widget-slider:has(.widget-label:text-is('inh.g_inh'))").first
        slider.scroll_into_view_if_needed()
        value = slider.locator(".widget-readout").first
        value.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("1")
        page.keyboard.press("Enter")
        page.wait_for_timeout(3000)           # the change reaches the next chunks
        after = _mean_rate(page, 4)
        shot(page, "g_inh-1")
        assert after > 1.5 * before, f"exc rate {before:.1f} Hz at g_inh 5 -> {after:.1f} Hz at g_inh 1"
        assert not errors, f"console errors: {errors}"
        context.close()
    finally:
        _stop(proc)


def test_lab_command_opens_the_quickstart_at_the_repository_root(browser, tmp_path):
    from spark_lab._serve import lab_command

    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(REPO_ROOT / "README.md", root / "README.md")
    shutil.copytree(REPO_ROOT / "docs", root / "docs", ignore=shutil.ignore_patterns("_build"))
    port, token = free_port(), secrets.token_hex(8)
    cmd = lab_command(str(root), "notebooks/00_quickstart.ipynb", port, open_browser=False)
    cmd += [f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1", "--allow-root"]
    proc = _start(cmd, root, tmp_path / "lab.log")
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/status?token={token}", proc, tmp_path / "lab.log")
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/?token={token}", timeout=180_000)
        tab = page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
        tab.filter(has_text="00_quickstart.ipynb").first.wait_for(timeout=120_000)
        listing = page.locator(".jp-DirListing-content")
        listing.wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        names = [t.strip() for t in page.locator(".jp-DirListing-itemText").all_inner_texts()]
        if "README.md" not in names:          # the browser shows the notebook's folder: go to the root
            page.locator(".jp-BreadCrumbs-home").first.click()
            page.wait_for_timeout(1500)
            names = [t.strip() for t in page.locator(".jp-DirListing-itemText").all_inner_texts()]
        assert {"README.md", "docs", "notebooks"} <= set(names), names
        page.close()
    finally:
        _stop(proc)
