// Browser side of spark_lab's graph editor (spark_lab/notebook/editor/_canvas.py loads this
// file into a hidden Output widget of the editor; JupyterLab runs it with `element` = that
// output's node). It adds what ipycytoscape 1.3.3 has no option for:
//  - the mouse wheel scrolls the page (cytoscape's own wheel zoom is off: user_zooming_enabled
//    is False); Ctrl/Cmd + wheel zooms the canvas at the pointer;
//  - the toolbar's zoom buttons (.sl-ed-zoom-in / .sl-ed-zoom-out) zoom about the centre;
//  - after a click on the canvas, Delete / Backspace, Ctrl+Z, Ctrl+Y and Ctrl+Shift+Z press the
//    editor's Delete, Undo and Redo buttons (so the kernel does the edit, as for a click);
//    Escape or a click elsewhere ends that;
//  - Copy (.sl-ed-copy) puts the exported Python on the clipboard; Insert (.sl-ed-insert) puts it
//    in a new notebook cell below the editor's cell (JupyterLab's "insert cell below" button,
//    then the new cell's CodeMirror view: .cm-content's cmView.view, a CodeMirror 6 internal).
// The cytoscape instance is read at each event (ipycytoscape can replace it): el._cyreg.cy.
(function (out) {
  "use strict";
  const ZOOM_STEP = 1.25;
  const FIT_PADDING = 30;                                 // as _canvas.FIT_PADDING

  function cyOf(box) {
    return box && box._cyreg ? box._cyreg.cy : null;
  }

  function zoomAt(box, factor, x, y) {
    const cy = cyOf(box);
    if (!cy) return;
    const level = Math.min(cy.maxZoom(), Math.max(cy.minZoom(), cy.zoom() * factor));
    cy.zoom({ level: level, renderedPosition: { x: x, y: y } });
  }

  function press(root, cls) {
    const b = root.querySelector("button." + cls);
    if (b && !b.disabled) b.click();
  }

  function copyText(text, area) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { legacyCopy(area); });
    }
    legacyCopy(area);
    return Promise.resolve();
  }

  function legacyCopy(area) {
    if (!area) return;
    area.focus();
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays selected for Ctrl+C */ }
  }

  function codeArea(root) {
    return root.querySelector(".sl-ed-code textarea");
  }

  function editorView(cell) {
    const content = cell && cell.querySelector(".cm-content");
    return content && content.cmView ? content.cmView.view : null;
  }

  function insertCell(root, text) {
    const panel = root.closest(".jp-NotebookPanel");
    const own = root.closest(".jp-Cell");
    const button = panel && panel.querySelector('.jp-Toolbar [data-command="notebook:insert-cell-below"]');
    if (!button || !own) return false;
    // JupyterLab's toolbar buttons act on mousedown (a click() does nothing); the new cell goes
    // below the active cell, which the click on Insert made the editor's own
    const down = function (el) {
      el.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, cancelable: true, button: 0 }));
    };
    const prompt = own.querySelector(".jp-InputPrompt");
    if (!own.classList.contains("jp-mod-active") && prompt) down(prompt);
    down(button);
    let tries = 0;
    const fill = function () {
      const active = panel.querySelector(".jp-Notebook .jp-Cell.jp-mod-active");
      const view = active && active !== own ? editorView(active) : null;
      if (view) {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
        active.scrollIntoView({ block: "nearest" });
      } else if (tries++ < 40) {
        setTimeout(fill, 50);
      }
    };
    fill();
    return true;
  }

  function wire(root, box) {
    if (box._slCanvas) return;
    box._slCanvas = true;
    box.setAttribute("data-sl-canvas", "ready");
    let armed = false;
    const arm = function (on) {
      armed = on;
      box.style.boxShadow = on ? "0 0 0 2px #f2a900" : "";
      box.setAttribute("data-sl-keys", on ? "on" : "off");
    };
    // fit once the canvas has its size (the layout's own fit can run before it has one), and
    // again whenever its size changes (cytoscape keeps the size it measured last: resize())
    let size = [0, 0];
    const fitIfResized = function () {
      const cy = cyOf(box);
      if (!cy || box.clientWidth === 0 || box.clientHeight === 0) return;
      if (box.clientWidth === size[0] && box.clientHeight === size[1]) return;
      size = [box.clientWidth, box.clientHeight];
      cy.resize();
      cy.fit(undefined, FIT_PADDING);
      box.setAttribute("data-sl-fits", String(Number(box.getAttribute("data-sl-fits") || 0) + 1));
    };
    const sizeTimer = setInterval(function () {
      if (!document.body.contains(box)) { clearInterval(sizeTimer); return; }
      fitIfResized();
    }, 400);
    box.addEventListener("wheel", function (e) {
      if (!(e.ctrlKey || e.metaKey)) return;            // the page scrolls
      e.preventDefault();
      e.stopPropagation();
      const r = box.getBoundingClientRect();
      zoomAt(box, Math.exp(-e.deltaY * 0.002), e.clientX - r.left, e.clientY - r.top);
    }, { capture: true, passive: false });
    const zoomButton = function (cls, factor) {
      const b = root.querySelector("button." + cls);
      if (b) b.addEventListener("click", function () { zoomAt(box, factor, box.clientWidth / 2, box.clientHeight / 2); });
    };
    zoomButton("sl-ed-zoom-in", ZOOM_STEP);
    zoomButton("sl-ed-zoom-out", 1 / ZOOM_STEP);
    const copy = root.querySelector("button.sl-ed-copy");
    if (copy) copy.addEventListener("click", function () {
      const area = codeArea(root);
      if (area) copyText(area.value, area);
    });
    const insert = root.querySelector("button.sl-ed-insert");
    if (insert) insert.addEventListener("click", function () {
      const area = codeArea(root);
      if (area && !insertCell(root, area.value)) copyText(area.value, area);
    });
    box.addEventListener("pointerdown", function () { arm(true); }, true);
    const onDocPointer = function (e) {
      if (!box.contains(e.target)) arm(false);
    };
    const onKey = function (e) {
      if (!document.body.contains(box)) {                // the editor is gone: stop listening
        document.removeEventListener("keydown", onKey, true);
        document.removeEventListener("pointerdown", onDocPointer, true);
        return;
      }
      if (!armed) return;
      const t = e.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = (e.key || "").toLowerCase();
      let action = null;
      if (!mod && (e.key === "Delete" || e.key === "Backspace")) action = "sl-ed-delete";
      else if (mod && key === "z" && !e.shiftKey) action = "sl-ed-undo";
      else if (mod && (key === "y" || (key === "z" && e.shiftKey))) action = "sl-ed-redo";
      else if (e.key === "Escape") { arm(false); return; }
      if (!action) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      press(root, action);
    };
    document.addEventListener("pointerdown", onDocPointer, true);
    document.addEventListener("keydown", onKey, true);
  }

  let tries = 0;
  (function find() {
    const root = out && out.closest ? out.closest(".spark-lab-graph-editor") : null;
    const box = root && root.querySelector(".custom-widget");
    if (box && box._cyreg) {
      wire(root, box);
    } else if (tries++ < 600) {                           // the canvas is drawn after this runs
      setTimeout(find, 100);
    }
  })();
})(typeof element !== "undefined" ? (element.jquery ? element[0] : element) : null);
