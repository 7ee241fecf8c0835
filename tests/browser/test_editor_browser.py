"""The graph editor in a real JupyterLab + chromium: notebooks/03_graph_editor.ipynb.

Run All, then use the editor like a user: add two pools from the palette, connect
them by clicking source and target on the canvas, add an encoder from the palette and
connect it to a pool (a connection into it is refused), change a parameter in the
inspector (a valid and an invalid value), drag a node; after each step the model in
the kernel is read through a second kernel client (jupyter_client) and checked.
Screenshots: tests/artifacts/screenshots/test_editor_*.png.
"""

from __future__ import annotations

import time
import warnings

import pytest
from harness import (
    SCREENSHOT_DIR,
    WIDGET_WARNING_PATTERNS,
    ConsoleLog,
    assert_no_news_toast,
    assert_no_tracebacks,
    assert_no_widget_errors,
    error_outputs_text,
    run_all,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(420)]

NOTEBOOK = "03_graph_editor.ipynb"
EDITOR = ".spark-lab-graph-editor"

# Position of a node on the page, through the cytoscape instance of the editor's canvas
# (``_cyreg.cy`` is a cytoscape.js internal that ipycytoscape 1.3.3 leaves on its element).
_JS_NODE = """(id) => {
  const el = document.querySelector('.spark-lab-graph-editor .custom-widget');
  if (!el || !el._cyreg) return null;
  const n = el._cyreg.cy.getElementById(id);
  if (n.empty()) return null;
  const r = el.getBoundingClientRect(), p = n.renderedPosition();
  return {x: r.left + p.x, y: r.top + p.y, classes: n.classes()};
}"""
_JS_HAS_EDGE = """(id) => {
  const el = document.querySelector('.spark-lab-graph-editor .custom-widget');
  return !!el && !!el._cyreg && el._cyreg.cy.getElementById(id).nonempty();
}"""


def kernel_print(server, code: str, timeout: float = 60.0) -> str:
    """Run ``code`` in the notebook's kernel (a second client) and return its stdout."""
    from jupyter_client import BlockingKernelClient

    sessions = [s for s in server.api("api/sessions") if s["path"].endswith(NOTEBOOK)]
    kid = sessions[0]["kernel"]["id"]
    kc = BlockingKernelClient(connection_file=str(server.root_dir.parent / "runtime" / f"kernel-{kid}.json"))
    kc.load_connection_file()
    kc.start_channels()
    out = []
    try:
        reply = kc.execute_interactive(
            code, store_history=False, timeout=timeout,
            output_hook=lambda m: out.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        kc.stop_channels()
    return "".join(out).strip()


def wait_for(fn, what: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def click_node(page, node_id: str) -> None:
    # the whole canvas in the viewport (a node low on the canvas can be below the fold)
    page.evaluate("() => document.querySelector('.spark-lab-graph-editor .custom-widget')"
                  ".scrollIntoView({block: 'center'})")
    pos = wait_for(lambda: page.evaluate(_JS_NODE, node_id), f"node {node_id!r} on the canvas")
    while True:                                        # the scroll may be animated: wait until it stops
        time.sleep(0.15)
        now = page.evaluate(_JS_NODE, node_id)
        if (now["x"], now["y"]) == (pos["x"], pos["y"]):
            break
        pos = now
    page.mouse.click(pos["x"], pos["y"])


def _run_and_wait_drawn(page) -> None:
    run_all(page, NOTEBOOK)
    assert_no_tracebacks(page)
    assert_no_widget_errors(page)
    assert_no_news_toast(page)
    page.locator(EDITOR).first.scroll_into_view_if_needed()
    # the browser can still be drawing what Run All sent when the kernel is idle (exc is
    # from cell 2, stim and exc_rate from cell 4): wait for each element checked here
    for node in ("exc", "stim", "exc_rate"):
        wait_for(lambda node=node: page.evaluate(_JS_NODE, node), f"node {node!r} of the notebook on the canvas")


# what a page that lost the notebook's later nodes is asked (see _not_drawn_report)
_JS_DRAWN = """() => ({
  canvases: Array.from(document.querySelectorAll('.spark-lab-graph-editor .custom-widget'))
    .map(el => el._cyreg ? el._cyreg.cy.nodes().map(n => n.id()) : 'no cytoscape'),
  prompts: Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt'))
    .map(p => p.textContent.trim())})"""
# console lines that name the known ways a widget model loses updates in ipywidgets 8: a failed update
# (its model then drops every later one), a lost or reconnected kernel connection (the widget manager
# then re-applies a snapshot of every model's state)
_CLUES = ("error", "could not", "not found", "websocket", "connection", "reconnect", "restart")


def _not_drawn_report(page, server, log, error, name="test_editor_in_jupyterlab-first-run-all-not-drawn") -> str:
    """Write what the page and the kernel hold, with the console's clues, next to the screenshot."""
    try:
        drawn = page.evaluate(_JS_DRAWN)
    except Exception as e:  # noqa: BLE001 - a report, best effort
        drawn = f"page not readable: {e}"
    try:
        kernel = kernel_print(server, "print([n.data['id'] for n in editor.canvas.widget.graph.nodes])", 20)
    except Exception as e:  # noqa: BLE001
        kernel = f"kernel not readable: {e}"
    clues = [f"{k}: {t[:400]}" for k, t in log.messages if any(c in t.lower() for c in _CLUES)
             and "whole cytoscape relayout" not in t]
    # the server drops iopub messages (widget updates included) above its rate limit and says so in
    # its log and as stderr in the notebook; both are kept here too
    text = "\n".join([f"first Run All failed: {error}", f"page: {drawn}", f"kernel canvas nodes: {kernel}",
                      "console clues:", *clues, "stderr on the page:", error_outputs_text(page)[-2000:],
                      "server log (tail):", server.log_tail(40)])
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    (SCREENSHOT_DIR / f"{name}.txt").write_text(text)
    return text


def test_editor_in_jupyterlab(lab_server, lab_page, shot):
    page = lab_page
    log = ConsoleLog(page)
    # Known intermittent fault (open in issue 18; about half of the runs of this file in session 2, none in
    # 6 runs of it without this retry in session 3): after Run All the page never draws the nodes cells 3-4 add
    # (the kernel has them), or one prompt stays [*]. One second Run All of a reloaded page is allowed;
    # the first failure is kept as a screenshot and a report of page, kernel and console (a warning
    # says so). Two failures fail the test.
    try:
        _run_and_wait_drawn(page)
    except (AssertionError, TimeoutError) as e:
        shot(page, "first-run-all-not-drawn")
        warnings.warn("the first Run All did not draw the notebook's nodes:\n"
                      + _not_drawn_report(page, lab_server, log, e), stacklevel=1)
        _run_and_wait_drawn(page)
    first_ok = len(log.messages)
    editor = page.locator(EDITOR).first
    for edge in ("inh->exc", "exc~>exc_rate"):
        wait_for(lambda edge=edge: page.evaluate(_JS_HAS_EDGE, edge), f"edge {edge!r} on the canvas")
    assert "encoder" in page.evaluate(_JS_NODE, "stim")["classes"]           # the notebook's encoder ...
    assert "decoder" in page.evaluate(_JS_NODE, "exc_rate")["classes"]       # ... and decoder
    shot(editor, "after-run-all")

    # --- add two pools from the palette
    palette_lif = editor.get_by_role("button", name="LIF", exact=True)
    palette_lif.click()
    wait_for(lambda: page.evaluate(_JS_NODE, "lif"), "node 'lif'")
    palette_lif.click()
    wait_for(lambda: page.evaluate(_JS_NODE, "lif_2"), "node 'lif_2'")
    pools = kernel_print(lab_server, "print(sorted(editor.network.pools))")
    assert pools == "['exc', 'ext', 'inh', 'lif', 'lif_2', 'stim']", pools

    # --- connect them by clicking source and target
    editor.get_by_role("button", name="Connect").click()
    time.sleep(0.5)
    click_node(page, "lif")
    wait_for(lambda: "source" in (page.evaluate(_JS_NODE, "lif") or {}).get("classes", []), "lif marked as source")
    click_node(page, "lif_2")
    wait_for(lambda: page.evaluate(_JS_HAS_EDGE, "lif->lif_2"), "edge lif->lif_2 on the canvas")
    proj = kernel_print(lab_server, "print(net.projections['lif->lif_2'])")
    assert "lif -> lif_2" in proj and "Exponential" in proj, proj
    shot(editor, "connected")

    # --- a connection into an input is refused in the status line
    click_node(page, "lif")
    time.sleep(0.3)
    click_node(page, "ext")
    wait_for(lambda: "input" in editor.locator(".widget-html").filter(has_text="cannot connect").inner_text()
             if editor.locator(".widget-html").filter(has_text="cannot connect").count() else False,
             "the refusal in the status line")
    assert "lif->ext" not in kernel_print(lab_server, "print(list(net.projections))")

    # --- an encoder from the palette, connected to a pool; nothing goes into it
    editor.get_by_role("button", name="PoissonEncoder", exact=True).click()
    wait_for(lambda: page.evaluate(_JS_NODE, "poisson_encoder"), "node 'poisson_encoder'")
    assert "encoder" in page.evaluate(_JS_NODE, "poisson_encoder")["classes"]
    assert kernel_print(lab_server, "print(net.inputs['poisson_encoder'].pool, net.pools['poisson_encoder'].n)") \
        == "poisson_encoder 100"
    click_node(page, "poisson_encoder")
    wait_for(lambda: "source" in (page.evaluate(_JS_NODE, "poisson_encoder") or {}).get("classes", []),
             "poisson_encoder marked as source")
    click_node(page, "lif")
    wait_for(lambda: page.evaluate(_JS_HAS_EDGE, "poisson_encoder->lif"), "edge poisson_encoder->lif")
    assert "poisson_encoder -> lif" in kernel_print(lab_server, "print(net.projections['poisson_encoder->lif'])")
    click_node(page, "lif")
    time.sleep(0.3)
    click_node(page, "poisson_encoder")
    refusal = editor.locator(".widget-html").filter(has_text="takes no connections")
    wait_for(lambda: refusal.count() > 0, "the refusal of a connection into the encoder")
    assert "lif->poisson_encoder" not in kernel_print(lab_server, "print(list(net.projections))")
    shot(editor, "encoder-connected")
    editor.get_by_role("button", name="Connect").click()            # connect mode off
    time.sleep(0.5)

    # --- inspector: select the node, change tau_m (valid, then invalid)
    click_node(page, "lif")
    tau = editor.locator(".widget-text:has(label:text-is('tau_m')) input")
    wait_for(lambda: tau.count() == 1, "the tau_m field of pool lif")
    tau.fill("12.5")
    tau.press("Enter")
    wait_for(lambda: kernel_print(lab_server, "print(net.pools['lif'].model.values['tau_m'])") == "12.5",
             "tau_m = 12.5 in the kernel")
    tau = editor.locator(".widget-text:has(label:text-is('tau_m')) input")
    tau.fill("-3")
    tau.press("Enter")
    wait_for(lambda: editor.locator(".widget-text.sl-invalid").count() == 1, "tau_m marked invalid")
    assert kernel_print(lab_server, "print(net.pools['lif'].model.values['tau_m'])") == "12.5"
    # the reason is a widget of its own, drawn a moment after the red mark (seen: not there yet, load 17)
    wait_for(lambda: editor.get_by_text("must be > 0 ms").count() >= 1, "the reason next to the field")
    shot(editor, "inspector-invalid")

    # --- drag a node: its position reaches net.layout
    before = kernel_print(lab_server, "print(net.layout['lif_2'])")
    pos = page.evaluate(_JS_NODE, "lif_2")
    page.mouse.move(pos["x"], pos["y"])
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(pos["x"] + 6 * k, pos["y"] + 5 * k)
    page.mouse.up()
    wait_for(lambda: kernel_print(lab_server, "print(net.layout['lif_2'])") != before, "the dragged position")
    x0, y0 = eval(before)
    x1, y1 = eval(kernel_print(lab_server, "print(net.layout['lif_2'])"))
    assert 40 < x1 - x0 < 80 and 30 < y1 - y0 < 70, (before, x1, y1)

    # --- undo in the browser takes the drag back
    editor.get_by_role("button", name="Undo").click()
    wait_for(lambda: kernel_print(lab_server, "print(net.layout['lif_2'])") == before, "undo of the drag")
    assert_no_widget_errors(page)
    shot(editor, "final")
    problems = [f"{k}: {t[:300]}" for k, t in log.messages[first_ok:]
                if k == "error" or any(p.search(t) for p in WIDGET_WARNING_PATTERNS)]
    assert not problems, "console problems:\n" + "\n".join(problems)


# ----------------------------------------------------------------------------- the canvas as a user meets it
_JS_CANVAS = """() => {
  const el = document.querySelector('.spark-lab-graph-editor .custom-widget');
  if (!el || !el._cyreg) return null;
  const cy = el._cyreg.cy, bb = cy.elements().boundingBox(), ex = cy.extent();
  let s = el.parentElement;
  while (s && !(s.scrollHeight > s.clientHeight + 10 && /(auto|scroll)/.test(getComputedStyle(s).overflowY))) {
    s = s.parentElement;
  }
  const r = el.getBoundingClientRect();
  return {bb: [bb.x1, bb.y1, bb.x2, bb.y2], ex: [ex.x1, ex.y1, ex.x2, ex.y2],
          w: el.clientWidth, h: el.clientHeight, fits: el.getAttribute('data-sl-fits'),
          zoom: cy.zoom(), ready: el.getAttribute('data-sl-canvas'), keys: el.getAttribute('data-sl-keys'),
          inside: bb.x1 >= ex.x1 - 1 && bb.x2 <= ex.x2 + 1 && bb.y1 >= ex.y1 - 1 && bb.y2 <= ex.y2 + 1,
          scrollTop: s ? s.scrollTop : null, room: s ? s.scrollHeight - s.clientHeight - s.scrollTop : 0,
          cx: r.left + r.width / 2, cy: r.top + r.height / 2};
}"""
_JS_EDGE_CLASSES = """(id) => {
  const el = document.querySelector('.spark-lab-graph-editor .custom-widget');
  const e = el && el._cyreg ? el._cyreg.cy.getElementById(id) : null;
  return e && e.nonempty() ? e.classes() : null;
}"""
RELAYOUT_LOG = "whole cytoscape relayout"


def _canvas(page):
    return page.evaluate(_JS_CANVAS)


def _status(editor) -> str:
    return " ".join(editor.locator(".widget-html").all_inner_texts())


def _center_canvas(page):
    page.evaluate("() => document.querySelector('.spark-lab-graph-editor .custom-widget')"
                  ".scrollIntoView({block: 'center'})")
    time.sleep(0.6)


def test_editor_canvas_wheel_fit_keys_and_export(lab_server, lab_page, shot):
    page = lab_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=lab_server.url.rstrip("/"))
    console = []
    page.on("console", lambda m: console.append((m.type, m.text)))
    log = ConsoleLog(page)
    try:                  # the same fault can end this Run All (one prompt left at [*]): say what was held
        run_all(page, NOTEBOOK)
    except (AssertionError, TimeoutError) as e:
        raise AssertionError(_not_drawn_report(page, lab_server, log, e, name="test_editor_canvas-run-all")) from e
    assert_no_tracebacks(page)
    editor = page.locator(EDITOR).first
    for node in ("exc", "stim", "exc_rate"):
        wait_for(lambda node=node: page.evaluate(_JS_NODE, node), f"node {node!r} on the canvas")
    wait_for(lambda: (_canvas(page) or {}).get("ready") == "ready", "widgets/editor-canvas.js running in the page")
    lists0 = int(kernel_print(lab_server, "print(editor.canvas.list_changes)"))
    logs0 = sum(RELAYOUT_LOG in t for _k, t in console)
    deadline = time.monotonic() + 10.0
    while not _canvas(page)["inside"] and time.monotonic() < deadline:
        time.sleep(0.25)
    assert _canvas(page)["inside"], f"the whole graph in view after Run All (fitted): {_canvas(page)}"

    # --- the wheel over the canvas scrolls the notebook; the zoom stays
    _center_canvas(page)
    c0 = _canvas(page)
    page.mouse.move(c0["cx"], c0["cy"])
    page.mouse.wheel(0, 240 if c0["room"] > 300 else -240)
    time.sleep(0.8)
    c1 = _canvas(page)
    assert c1["scrollTop"] != c0["scrollTop"], (c0, c1)
    assert c1["zoom"] == c0["zoom"], (c0, c1)

    # --- Ctrl + wheel zooms the canvas, the notebook stays
    _center_canvas(page)
    c0 = _canvas(page)
    page.mouse.move(c0["cx"], c0["cy"])
    page.keyboard.down("Control")
    page.mouse.wheel(0, -240)
    page.keyboard.up("Control")
    time.sleep(0.8)
    c1 = _canvas(page)
    assert c1["zoom"] > c0["zoom"] * 1.2 and c1["scrollTop"] == c0["scrollTop"], (c0, c1)

    # --- zoom buttons, then Fit brings the whole graph back in view
    editor.locator("button.sl-ed-zoom-in").click()
    editor.locator("button.sl-ed-zoom-in").click()
    wait_for(lambda: not _canvas(page)["inside"], "zoomed in past the graph's edges")
    shot(editor, "zoomed-in")
    editor.locator("button.sl-ed-fit").click()
    wait_for(lambda: _canvas(page)["inside"], "Fit: the whole graph in view")

    # --- a new edge is highlighted
    editor.get_by_role("button", name="LIF", exact=True).click()
    wait_for(lambda: page.evaluate(_JS_NODE, "lif"), "node 'lif'")
    wait_for(lambda: _canvas(page)["inside"], "the view fitted after the add")
    editor.get_by_role("button", name="Connect").click()
    time.sleep(0.4)
    click_node(page, "lif")
    wait_for(lambda: "source" in (page.evaluate(_JS_NODE, "lif") or {}).get("classes", []), "lif marked as source")
    click_node(page, "exc")
    wait_for(lambda: "fresh" in (page.evaluate(_JS_EDGE_CLASSES, "lif->exc") or []), "the new edge highlighted")
    shot(editor, "new-edge")
    editor.get_by_role("button", name="Connect").click()
    time.sleep(0.4)

    # --- Delete and Ctrl+Z / Ctrl+Y on the canvas
    click_node(page, "lif")
    wait_for(lambda: "focus" in (page.evaluate(_JS_NODE, "lif") or {}).get("classes", []), "lif selected")
    assert _canvas(page)["keys"] == "on"
    page.keyboard.press("Delete")
    wait_for(lambda: kernel_print(lab_server, "print('lif' in net.pools)") == "False", "Delete removed lif")
    wait_for(lambda: page.evaluate(_JS_NODE, "lif") is None, "lif gone from the canvas")
    page.keyboard.press("Control+z")
    wait_for(lambda: kernel_print(lab_server, "print('lif' in net.pools, 'lif->exc' in net.projections)")
             == "True True", "Ctrl+Z brought lif and its projection back")
    wait_for(lambda: "undid" in _status(editor), "the status names the undone step")
    page.keyboard.press("Control+y")
    wait_for(lambda: kernel_print(lab_server, "print('lif' in net.pools)") == "False", "Ctrl+Y deleted it again")
    page.keyboard.press("Control+z")
    wait_for(lambda: kernel_print(lab_server, "print('lif' in net.pools)") == "True", "and Ctrl+Z again")
    wait_for(lambda: "undid deleted pool 'lif'" in _status(editor), "the status names the step undone")

    # --- Export Python: the pane, Copy, Insert as cell
    editor.get_by_role("button", name="Export Python").click()
    area = editor.locator(".sl-ed-code textarea")
    wait_for(lambda: "def build_network" in area.input_value(), "the exported script in the pane")
    click_node(page, "lif")
    wait_for(lambda: "focus" in (page.evaluate(_JS_NODE, "lif") or {}).get("classes", []), "lif selected")
    editor.get_by_role("button", name="Delete").click()           # an edit: the pane follows
    wait_for(lambda: "'lif'" not in area.input_value(), "the pane follows the edit")
    editor.locator("button.sl-ed-copy").click()
    wait_for(lambda: "def build_network" in page.evaluate("() => navigator.clipboard.readText()"),
             "the script on the clipboard")
    cells = page.locator(".jp-Notebook .jp-Cell").count()
    editor.locator("button.sl-ed-insert").click()
    wait_for(lambda: page.locator(".jp-Notebook .jp-Cell").count() == cells + 1, "a new cell")
    wait_for(lambda: "def build_network" in page.locator(".jp-Notebook .jp-Cell.jp-mod-active .cm-content")
             .inner_text(), "the script in the new cell")
    shot(page.locator(".jp-Notebook .jp-Cell.jp-mod-active"), "inserted-cell")

    # --- Open example and Undo: no comm errors
    editor.locator(".widget-dropdown select").first.select_option("balanced_ei")
    editor.get_by_role("button", name="Open example").click()
    wait_for(lambda: page.evaluate(_JS_NODE, "ext") and not page.evaluate(_JS_NODE, "stim"), "the example shown")
    wait_for(lambda: _canvas(page)["inside"], "the example fitted in view")
    shot(editor, "example")
    editor.get_by_role("button", name="Undo").click()
    wait_for(lambda: page.evaluate(_JS_NODE, "stim"), "Undo brought the notebook's network back")
    time.sleep(1.5)
    assert_no_widget_errors(page)
    shot(editor, "canvas-final")

    lists = int(kernel_print(lab_server, "print(editor.canvas.list_changes)"))
    logs = sum(RELAYOUT_LOG in t for _k, t in console)
    print(f"relayout logs: {logs - logs0} for {lists - lists0} list changes")
    assert logs - logs0 == lists - lists0, (logs - logs0, lists - lists0)
    errors = [t for k, t in console if k == "error"]
    assert not errors, errors
    assert not [t for _k, t in console if "wheel sensitivity" in t]
