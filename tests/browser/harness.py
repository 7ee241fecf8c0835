"""Playwright harness for driving a live JupyterLab in Debian's chromium.

Facts this relies on (measured with JupyterLab 4.6.6 and Debian 12's chromium):
- `playwright install` does not work here; use /usr/bin/chromium via executable_path.
- JupyterLab refuses to run as root without --allow-root.
- The "official Jupyter news" toast covers the bottom right of the page unless
  the notification plugin's `fetchNews` is set to "false" (widgets/jupyterlab-overrides.json).
- The notebook is an inner scroll container: screenshot elements, not the full page.

The fixtures in conftest.py build on these helpers; tests import the helpers:

    from harness import run_all, assert_no_widget_errors, assert_no_tracebacks
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "tests" / "artifacts" / "screenshots"
OVERRIDES_FILE = REPO_ROOT / "widgets" / "jupyterlab-overrides.json"

CHROMIUM = os.environ.get("SPARK_LAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Settings applied to the test server on top of widgets/jupyterlab-overrides.json.
# windowingMode "none" keeps every cell in the DOM, so the prompt/output
# selectors below see the whole notebook and not only the visible window.
TEST_ONLY_SETTINGS = {
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}

NEWS_TOAST_TEXT = "Would you like to get notified about official Jupyter news?"
WIDGET_ERROR_TEXTS = ("Error displaying widget", "Model not found")
IDLE_INDICATOR = '.jp-Notebook-ExecutionIndicator[data-status="idle"]'

DEFAULT_TIMEOUT_MS = 180_000


def ci_enabled() -> bool:
    """True when running under CI (env CI set to anything but '', '0', 'false')."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# --------------------------------------------------------------------------- server


@dataclass
class LabServer:
    """A JupyterLab process started by `start_lab`."""

    url: str  # http://127.0.0.1:<port>/
    token: str
    root_dir: Path  # what the file browser shows (a temporary copy of notebooks/)
    log_path: Path
    proc: subprocess.Popen = field(repr=False)

    def lab_url(self, notebook: str) -> str:
        return f"{self.url}lab/tree/{notebook}?reset&token={self.token}"

    def api(self, path: str) -> object:
        req = urllib.request.Request(
            self.url + path.lstrip("/"), headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read().decode())

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "<no log>"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (for servers a test starts itself)."""
    return _free_port()


def write_user_settings(settings_dir: Path, overrides: dict) -> None:
    """Write {"pkg:plugin": {...}} overrides as JupyterLab user settings files."""
    for plugin_id, values in overrides.items():
        pkg, _, plugin = plugin_id.partition(":")
        path = settings_dir / pkg / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))


def start_lab(
    workdir: Path,
    notebooks_src: Path | None = REPO_ROOT / "notebooks",
    timeout_s: float = 90.0,
) -> LabServer:
    """Start `sys.executable -m jupyter lab` on a free loopback port.

    The server's root is `workdir/notebooks`, a copy of `notebooks_src` (if it exists),
    so runs never write checkpoints or outputs into the repository. Settings come
    from widgets/jupyterlab-overrides.json (news toast off) plus TEST_ONLY_SETTINGS,
    written into an isolated JUPYTERLAB_SETTINGS_DIR; workspaces and the runtime dir
    are isolated too.
    """
    workdir = Path(workdir)
    root = workdir / "notebooks"
    if notebooks_src is not None and Path(notebooks_src).is_dir():
        shutil.copytree(
            notebooks_src, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
        )
    else:
        root.mkdir(parents=True)

    overrides = json.loads(OVERRIDES_FILE.read_text())
    for k, v in TEST_ONLY_SETTINGS.items():
        overrides.setdefault(k, {}).update(v)
    write_user_settings(workdir / "user-settings", overrides)

    env = dict(os.environ)
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(workdir / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
        PYTHONUNBUFFERED="1",
    )
    # Kernels get this too, so `import spark_lab` works even without an editable install.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
    )

    token = secrets.token_hex(16)
    port = _free_port()
    cmd = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    log_path = workdir / "jupyterlab.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root,
        start_new_session=True,  # own process group: teardown also reaps kernels
    )
    log.close()
    server = LabServer(f"http://127.0.0.1:{port}/", token, root, log_path, proc)

    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {proc.returncode} before answering.\n"
                f"command: {' '.join(cmd)}\n--- log ---\n{server.log_tail()}"
            )
        try:
            server.api("api/status")
            return server
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            stop_lab(server)
            raise TimeoutError(
                f"JupyterLab did not answer /api/status within {timeout_s:.0f} s\n"
                f"--- log ---\n{server.log_tail()}"
            )
        time.sleep(0.25)


def stop_lab(server: LabServer, timeout_s: float = 15.0) -> None:
    """SIGTERM the server (it shuts its kernels down), then SIGKILL its process group."""
    proc = server.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # leftovers (kernels) in its own group only
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait(timeout=5)


# --------------------------------------------------------------------------- browser

_active_server: LabServer | None = None


def set_active_server(server: LabServer | None) -> None:
    """Server that `run_all` uses when none is passed (set by the lab_server fixture)."""
    global _active_server
    _active_server = server


def launch_chromium(playwright, headless: bool = True):
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=headless
    )


_CELL_STATE_JS = r"""
() => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  const out = {total: cells.length, running: 0, done: 0, pending: []};
  cells.forEach((c, i) => {
    const p = (c.querySelector('.jp-InputArea-prompt')?.textContent || '').trim();
    const src = (c.querySelector('.cm-content')?.textContent || '').trim();
    if (p.includes('*')) out.running++;
    else if (/\[\d+\]/.test(p)) out.done++;
    else if (src) out.pending.push(i);
  });
  return out;
}
"""


def _cell_state(page) -> dict:
    return page.evaluate(_CELL_STATE_JS)


def _accept_kernel_dialog(page) -> bool:
    """Accept a "Select Kernel" dialog (default kernel) if one is showing."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and dialog.first.is_visible() and "Select Kernel" in dialog.first.inner_text():
        dialog.first.locator(".jp-mod-accept").first.click()
        return True
    return False


def _server_kernel_idle(server: LabServer, notebook_name: str) -> bool:
    """The server has a session for this notebook and its kernel is idle."""
    try:
        sessions = server.api("api/sessions")
    except Exception:  # noqa: BLE001 - not up yet counts as not ready
        return False
    for s in sessions:
        if s.get("path", "").endswith(notebook_name) and s.get("kernel"):
            return s["kernel"].get("execution_state") == "idle"
    return False


def _wait_kernel_ready(page, server: LabServer, notebook_name: str, timeout_ms: int) -> None:
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        # A notebook without kernelspec metadata asks which kernel to use: take the default.
        _accept_kernel_dialog(page)
        if (
            page.locator(IDLE_INDICATOR).count()
            and page.locator(".jp-Notebook .jp-Cell").count()
            and _server_kernel_idle(server, notebook_name)
        ):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{notebook_name}: kernel not idle after {timeout_ms / 1000:.0f} s\n"
                f"server log:\n{server.log_tail()}"
            )
        page.wait_for_timeout(250)


def open_notebook(page, notebook_name: str, server: LabServer | None = None,
                  timeout_ms: int = DEFAULT_TIMEOUT_MS) -> LabServer:
    """Open `lab/tree/<nb>?reset&token=…` and wait until its kernel is idle.

    "Idle" means both the notebook's execution indicator and the server's session
    for the notebook (GET /api/sessions) say so; the indicator alone can show idle
    before the page has attached the kernel.
    """
    server = server or _active_server
    if server is None:
        raise RuntimeError("no JupyterLab server: use the lab_server fixture or pass server=")
    page.goto(server.lab_url(notebook_name), wait_until="domcontentloaded", timeout=timeout_ms)
    _wait_kernel_ready(page, server, notebook_name, timeout_ms)
    page.wait_for_timeout(500)  # let the page finish attaching the kernel
    return server


def _click_run_all(page) -> None:
    page.locator('.lm-MenuBar-itemLabel:text-is("Run")').click()
    page.locator('.lm-Menu-itemLabel:text-is("Run All Cells")').click()


def run_all(page, notebook_name: str, server: LabServer | None = None,
            timeout_ms: int = DEFAULT_TIMEOUT_MS, settle_ms: int = 1500) -> dict:
    """Open a notebook, Run → Run All Cells, and wait until execution is over.

    Over means: no `[*]` prompt, the kernel indicator is idle, and both have held
    for `settle_ms`. Fails (AssertionError) if any non-empty code cell was left
    unexecuted, e.g. because an earlier cell raised; the message carries the
    tracebacks shown on the page. Returns the final cell counts.
    """
    server = open_notebook(page, notebook_name, server, timeout_ms)
    _click_run_all(page)

    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since = None
    retried = False
    while True:
        if _accept_kernel_dialog(page):
            # Run All reached a notebook whose kernel was not attached yet: JupyterLab
            # asks for a kernel and runs nothing. Accept, wait, and run again (once).
            state = _cell_state(page)
            if not retried and state["done"] == 0 and state["running"] == 0:
                retried = True
                _wait_kernel_ready(page, server, notebook_name, timeout_ms)
                page.wait_for_timeout(500)
                _click_run_all(page)
            quiet_since = None
        state = _cell_state(page)
        idle = page.locator(IDLE_INDICATOR).count() > 0
        started = state["done"] > 0 or state["running"] > 0
        if idle and started and state["running"] == 0:
            quiet_since = quiet_since or time.monotonic()
            if (time.monotonic() - quiet_since) * 1000 >= settle_ms:
                break
        else:
            quiet_since = None
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{notebook_name}: Run All not finished after {timeout_ms / 1000:.0f} s "
                f"(cells: {state}, kernel idle: {idle})"
            )
        page.wait_for_timeout(200)

    if state["pending"]:
        raise AssertionError(
            f"{notebook_name}: code cells {state['pending']} never ran "
            f"({state['done']}/{state['total']} executed).\n" + error_outputs_text(page)
        )
    return state


def kernel_print(server: LabServer, notebook_name: str, code: str) -> str:
    """Run ``print(code)`` in the kernel of the open notebook ``notebook_name`` (a second
    client on the same kernel, as a user's console would be) and return what it printed."""
    from jupyter_client import BlockingKernelClient
    sess = next(s for s in server.api("api/sessions") if s["path"].endswith(notebook_name))
    conn = server.root_dir.parent / "runtime" / f"kernel-{sess['kernel']['id']}.json"
    kc = BlockingKernelClient(connection_file=str(conn))
    kc.load_connection_file()
    kc.start_channels()
    texts = []
    try:
        reply = kc.execute_interactive(f"print({code})", timeout=60, store_history=False,
                                       output_hook=lambda msg: texts.append(msg["content"].get("text", ""))
                                       if msg["msg_type"] == "stream" else None)
    finally:
        kc.stop_channels()
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(texts).strip()


def error_outputs_text(page) -> str:
    """Text of every stderr/error output on the page (tracebacks included)."""
    sel = ('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"], '
           '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    return "\n---\n".join(t.strip() for t in page.locator(sel).all_inner_texts() if t.strip())


def assert_no_tracebacks(page) -> None:
    """Fail if any stderr/error output contains a Python traceback."""
    text = error_outputs_text(page)
    if "Traceback" in text:
        raise AssertionError(f"error output in the notebook:\n{text}")


def assert_no_widget_errors(page, loading_timeout_ms: int = 30_000) -> None:
    """Fail if a widget failed to render ("Error displaying widget", "Model not found").

    Waits (bounded) for "Loading widget..." placeholders to resolve first.
    """
    deadline = time.monotonic() + loading_timeout_ms / 1000
    while page.get_by_text("Loading widget...", exact=False).count():
        if time.monotonic() > deadline:
            break
        page.wait_for_timeout(250)
    found = []
    for text in WIDGET_ERROR_TEXTS:
        loc = page.get_by_text(text, exact=False)
        if loc.count():
            found.append(f"{text!r} x{loc.count()}: {loc.first.inner_text()[:300]!r}")
    if found:
        raise AssertionError("widget errors on the page:\n" + "\n".join(found))


# Warnings that come from spark_lab's widgets being drawn or closed badly (the lab UX issue):
# a figure laid out at zero size, a comm used after it closed, cytoscape's custom wheel
# sensitivity. Warnings from JupyterLab's own plumbing (shared-module versions) are not ours.
WIDGET_WARNING_PATTERNS = (
    re.compile(r"attribute (width|height): A negative value"),
    re.compile(r"no comm channel", re.I),
    re.compile(r"wheel sensitivity", re.I),
)


class ConsoleLog:
    """Every console message and page error of a page, from ``ConsoleLog(page)`` on.

    ``problems()``: the errors, and the warnings that match WIDGET_WARNING_PATTERNS.
    ``count(text)``: how many messages contain ``text`` (e.g. a debug ``console.log``)."""

    def __init__(self, page):
        self.messages: list[tuple[str, str]] = []
        page.on("console", lambda m: self.messages.append((m.type, m.text)))
        page.on("pageerror", lambda e: self.messages.append(("error", str(e))))

    def problems(self) -> list[str]:
        return [f"{kind}: {text[:300]}" for kind, text in self.messages
                if kind == "error" or any(p.search(text) for p in WIDGET_WARNING_PATTERNS)]

    def count(self, text: str) -> int:
        return sum(text in t for _, t in self.messages)


def assert_no_news_toast(page) -> None:
    """Fail if JupyterLab's 'official Jupyter news' toast is showing."""
    n = page.get_by_text(NEWS_TOAST_TEXT, exact=False).count()
    if n:
        raise AssertionError("the Jupyter news toast is showing; the overrides were not applied")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "x"


def screenshot(target, test_name: str, name: str) -> Path:
    """Screenshot `target` (a Locator, or a Page for the viewport) to
    tests/artifacts/screenshots/<test>-<name>.png and return the path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{_safe(test_name)}-{_safe(name)}.png"
    if hasattr(target, "scroll_into_view_if_needed"):
        target.scroll_into_view_if_needed()
    target.screenshot(path=str(path))
    return path
