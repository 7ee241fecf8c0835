"""GraphEditor: edit a Network in the notebook on an ipycytoscape canvas.

    from spark_lab.notebook.editor import GraphEditor
    editor = GraphEditor(net)        # or GraphEditor() for an empty Network
    editor                           # shows palette, canvas, inspector, toolbar, status
    sim = editor.build()             # the edited network, compiled

The editor edits ``editor.network`` in place through the Network's editing API, and
listens to the network's change events, so code that changes the same Network
object updates the canvas (two-way binding). Every edit, from the canvas or from
code, is one step of undo/redo (100 levels); an edit the network refuses changes
nothing and its reason goes to the status line.

Nodes are pools, input nodes (encoders) and output nodes (decoders); see
``_palette`` for the groups and ``_io_edits`` for what connecting and deleting do with
encoders and decoders. A palette click on a decoder or a CurrentEncoder starts a
*pick*: the next pool clicked on the canvas is the pool the decoder reads or the
encoder injects into (clicking the palette button again cancels it).

The canvas fits its view to the graph when elements come or go and on Fit; the wheel
scrolls the notebook, Ctrl/Cmd+wheel and the zoom buttons zoom; after a click on the
canvas, Delete, Ctrl+Z and Ctrl+Y (Ctrl+Shift+Z) delete, undo and redo. Undo and Redo say
which edit they take back (``"undid inh.tau_m 12 -> 10"``; ``history.labels``). Nodes
without a position (a network built in code) are placed in columns by signal flow
(``_autolayout``). ``show_activity({pool: rate_hz})`` shows live rates on the nodes.

The methods below are what the buttons and canvas events call; use them from code
too. ``on_node_tap``, ``on_edge_tap`` and ``on_node_moved`` are the canvas event
handlers (the browser calls them with the tapped id and the dragged position).
"""
from __future__ import annotations

import html
import time
from pathlib import Path

import ipywidgets as W

from ...errors import SparkLabError
from ...network import Network
from . import _autolayout, _backend, _elements, _io_edits, _palette
from ._backend import EditorError
from ._canvas import MIN_WIDTH, Canvas, script_output
from ._code_pane import CodePane
from ._history import History, describe, restore, snapshot
from ._inspector import Inspector

UNDO_LEVELS = 100
# (palette, its buttons, canvas height (None: the editor's own), (file box, example box)); narrow:
# palette and canvas 300 px high, so that the inspector below them starts in view at 768 px
WIDE = ("150px", "140px", None, ("160px", "150px"))
NARROW = ("124px", "116px", "300px", ("120px", "130px"))
PALETTE_HEIGHT = "520px"


class GraphEditor:
    """Palette, canvas, inspector, toolbar and status line around one Network.

    model: the Network to edit (edited in place), None for a new empty Network,
    or a model file path / shipped example name (needs ``spark_lab.model``).
    """

    def __init__(self, model=None, height: str = "460px"):
        if model is None:
            model = Network()
        elif isinstance(model, (str, Path)):
            model = _backend.load(model)
        if not isinstance(model, Network):
            raise EditorError(f"GraphEditor edits a spark_lab Network, got {type(model).__name__}")
        self.network: Network = model
        self.history = History(UNDO_LEVELS)
        self.selected: str | None = None
        self.connect_source: str | None = None
        self.pending: _palette.Entry | None = None      # a palette pick waiting for its pool
        self.issues: list[_elements.Issue] = []
        self.last_edit_ms = 0.0
        self._applying = False
        self._events = 0
        self._message = ""
        self._build_widgets(height)
        self._last = snapshot(self.network)
        self.network.observe(self._on_network_event)
        self._refresh(inspector=True, validate="full")
        self._say("Ready. Add nodes from the palette; Connect, then click source and target.")

    # ================================================================== widgets
    def _build_widgets(self, height: str) -> None:
        self.canvas = Canvas(self.on_node_tap, self.on_edge_tap, self.on_node_moved, height=height)
        self.inspector = Inspector(self)
        # palette
        self.palette_buttons: dict[str, W.Button] = {}
        rows = []
        for group, entries in _palette.entries().items():
            if not entries:
                continue
            rows.append(W.HTML(f"<b>{html.escape(group)}</b>", layout=W.Layout(flex="0 0 auto")))
            for e in entries:
                b = W.Button(description=e.label, tooltip=e.help, layout=W.Layout(width="140px", flex="0 0 auto"))
                b.on_click(lambda _b, entry=e: self._ui(lambda: self.palette_click(entry.label)))
                self.palette_buttons[e.label] = b
                rows.append(b)
        self.palette = W.VBox(rows, layout=W.Layout(width="150px", flex="0 0 150px", overflow="auto",
                                                    max_height=PALETTE_HEIGHT))
        # toolbar
        self.connect_toggle = W.ToggleButton(description="Connect", icon="link",
                                             tooltip="connect mode: click the source node, then the target")
        self.connect_toggle.observe(lambda ch: self._set_connect_mode(ch["new"]), names="value")
        self.buttons = {
            "delete": W.Button(description="Delete", icon="trash", tooltip="delete the selected node or edge"),
            "undo": W.Button(description="Undo", icon="undo"),
            "redo": W.Button(description="Redo", icon="repeat"),
            "save": W.Button(description="Save", icon="save", tooltip="save the model file (with the layout)"),
            "load": W.Button(description="Load", icon="folder-open", tooltip="load a model file"),
            "open": W.Button(description="Open example", tooltip="replace the network by a shipped example"),
            "export": W.Button(description="Export Python", icon="code", tooltip="show the model as Python code"),
            "check": W.Button(description="Check", icon="check",
                              tooltip="check the whole model (also against the model-file rules)"),
            "fit": W.Button(description="Fit", icon="expand", tooltip="fit the view to the whole graph"),
            "zoom_in": W.Button(icon="search-plus", tooltip="zoom in (or Ctrl/Cmd + wheel over the canvas)"),
            "zoom_out": W.Button(icon="search-minus", tooltip="zoom out (or Ctrl/Cmd + wheel over the canvas)"),
        }
        for key, b in self.buttons.items():
            b.layout = W.Layout(width="auto")
            b.add_class("sl-ed-" + key.replace("_", "-"))       # what widgets/editor-canvas.js presses
        self.buttons["delete"].on_click(lambda _b: self._ui(lambda: self.delete(self.selected)))
        self.buttons["undo"].on_click(lambda _b: self._ui(self.undo))
        self.buttons["redo"].on_click(lambda _b: self._ui(self.redo))
        self.path_box = W.Text(value="model.json", placeholder="model file", layout=W.Layout(width="160px"))
        self.buttons["save"].on_click(lambda _b: self._ui(lambda: self.save(self.path_box.value)))
        self.buttons["load"].on_click(lambda _b: self._ui(lambda: self.load(self.path_box.value)))
        names = list(_backend.examples())
        self.example_box = W.Dropdown(options=names, value=names[0] if names else None,
                                      layout=W.Layout(width="150px"), disabled=not names)
        self.buttons["open"].disabled = not names
        self.buttons["open"].on_click(lambda _b: self._ui(lambda: self.open_example(self.example_box.value)))
        self.buttons["export"].on_click(lambda _b: self._ui(self.export_python))
        self.buttons["check"].on_click(lambda _b: self._ui(self.validate))
        self.buttons["fit"].on_click(lambda _b: self.fit())
        self.toolbar = W.HBox([self.connect_toggle] + [self.buttons[k] for k in ("delete", "undo", "redo")]
                              + [self.path_box, self.buttons["save"], self.buttons["load"], self.example_box]
                              + [self.buttons[k] for k in ("open", "export", "check", "fit", "zoom_in", "zoom_out")],
                              layout=W.Layout(flex_flow="row wrap"))
        # status, issues, code
        self.status_line = W.HTML(layout=W.Layout(min_height="22px"))
        self.issues_box = W.HTML()
        self.code_pane = CodePane(self._say)
        self.code = self.code_pane.text
        # a row that wraps: too narrow for palette, canvas (its min width) and inspector, the
        # inspector goes below the canvas (``arrange``)
        body = W.HBox([self.palette, self.canvas.widget, self.inspector.widget],
                      layout=W.Layout(width="100%", align_items="flex-start", flex_flow="row wrap"))
        self.widget = W.VBox([self.toolbar, body, self.status_line, self.issues_box, self.code_pane.widget,
                              script_output()], layout=W.Layout(width="100%"))
        self.widget.add_class("spark-lab-graph-editor")
        self._height = height

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ================================================================== status
    @property
    def status(self) -> str:
        """The last message of the status line, as plain text."""
        return self._message

    def _say(self, text: str, error: bool = False) -> None:
        self._message = text
        colour = "#d00000" if error else "#24292f"
        self.status_line.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"

    def status_error(self, text: str) -> None:
        """Show ``text`` in the status line as an error (red)."""
        self._say(text, error=True)

    def _ui(self, fn) -> bool:
        """Run a button's action; a refusal goes to the status line instead of raising."""
        try:
            fn()
        except SparkLabError as e:
            self._say(str(e), error=True)
            return False
        return True

    # ================================================================== editing core
    def _edit(self, what: str, fn, inspector: bool = True, validate: bool = True):
        """Apply ``fn`` (changes the network) as one undoable step; refresh everything."""
        t0 = time.perf_counter()
        before = self._last
        self._applying, self._events = True, 0
        try:
            result = fn()
        finally:
            self._applying = False
        if self._events:
            label = describe(before, snapshot(self.network)) or what
            self.history.push(before, label)
            self._refresh(inspector=inspector, validate=validate)
            self._say(label + self._issue_suffix())
        self.last_edit_ms = (time.perf_counter() - t0) * 1e3
        return result

    def _on_network_event(self, event: dict) -> None:
        for attr in ("selected", "connect_source"):          # follow renames
            new = _elements.renamed(event, getattr(self, attr))
            if new is not None:
                setattr(self, attr, new)
        if self._applying:
            self._events += 1
            return
        # a change made by code on the same Network: one undo step per event
        change = describe(self._last, snapshot(self.network))
        self.history.push(self._last, change or f"{event['op']} (from code)")
        self._refresh(inspector=True, validate=event.get("op") != "layout")
        self._say(f"network changed from code ({change or event['op']})" + self._issue_suffix())

    def _exists(self, name) -> bool:
        """``name`` is a node, a projection or an interface edge of the network."""
        net = self.network
        return (_elements.node_kind(net, name) is not None or name in net.projections
                or name in _elements.io_edges(net))

    def _refresh(self, inspector: bool = True, validate: bool | str = True) -> None:
        """Bring canvas, inspector, buttons and problem list up to date with the network.

        ``validate``: True runs the cheap local checks (every edit); "full" adds
        ``spark_lab.model.validate`` of the whole document (``validate()``, the Check
        button, loading: it rebuilds every component, ~50-130 ms for 250 elements here,
        and finds nothing new in a network edited through the validated Network API);
        False keeps the last list (selection, connect mode, positions)."""
        net = self.network
        self._last = snapshot(net)
        if not self._exists(self.selected):
            self.selected = None
        if _elements.node_kind(net, self.connect_source) is None:
            self.connect_source = None
        if validate:
            self.issues = _elements.all_issues(net, document=validate == "full")
        invalid = {i.element for i in self.issues if i.element}
        nodes, edges = _elements.elements(net, invalid, self.selected)
        if self.connect_source:
            nodes[self.connect_source]["classes"] += " source"
        missing = [n for n in _elements.node_ids(net) if n not in net.layout]
        applying, self._applying = self._applying, True     # placing them is no edit of its own
        try:                                    # nodes made by code without a position
            spots = _autolayout.place(net, missing) if len(missing) > 1 else {
                n: _palette.free_spot(net.layout) for n in missing}
            for n, (x, y) in spots.items():
                net.set_position(n, x, y)
        finally:
            self._applying = applying
        if missing:
            self._last = snapshot(net)
        with self.widget.hold_sync():
            self.canvas.sync(nodes, edges, net.layout)
            if inspector or self.inspector.selected != self.selected:
                self.inspector.show(self.selected)
            self.buttons["undo"].disabled = not self.history.can_undo
            self.buttons["redo"].disabled = not self.history.can_redo
            self.buttons["delete"].disabled = self.selected is None
            self.buttons["undo"].tooltip = f"undo {self.history.labels[-1]}" if self.history.can_undo else "undo"
            self.buttons["redo"].tooltip = (f"redo {self.history.redo_labels[-1]}" if self.history.can_redo
                                            else "redo")
            self.issues_box.value = self._issues_html()
            if self.code_pane.visible:
                self.code_pane.update(self._python_or_reason())

    def _issue_suffix(self) -> str:
        n = len(self.issues)
        return f" — {n} problem{'s' if n != 1 else ''} (red)" if n else ""

    def _issues_html(self) -> str:
        if not self.issues:
            return ""
        items = "".join(f"<li>{html.escape(str(i))}</li>" for i in self.issues)
        return f"<div style='color:#d00000'><b>Problems</b><ul style='margin:2px 0'>{items}</ul></div>"

    # ================================================================== public actions
    def add(self, component="LIF", name: str | None = None, n: int | None = None, position=None,
            source=None, target=None, **params) -> str:
        """Add a node of the palette's ``component`` (class or registry name, or an
        instance) at a free spot (or ``position``); returns its unique name.

        A neuron model makes a pool of ``n`` neurons (default 100). An encoder makes an
        input node (``Network.add_input``): its own pool of ``n`` neurons (default: 100
        when the encoder takes copies, else its own size), or, for a CurrentEncoder, no
        pool: it injects into the pool ``target``. A decoder makes an output node
        (``Network.add_output``) reading ``source`` (a pool, a list of pools or a routing).
        """
        from ...interfaces import Decoder, Encoder
        from ...neurons._base import NeuronModel
        if isinstance(component, (NeuronModel, Encoder, Decoder)):
            comp, base = component.replace(**params) if params else component, type(component).name
        else:
            entry = _palette.find(component)
            comp, base = entry.cls(**params), entry.name
        net = self.network
        name = name or _palette.unique_name(base, _elements.node_ids(net) + list(net.inputs))
        anchor = target if isinstance(comp, Encoder) and target is not None else None
        if isinstance(comp, Decoder):
            if source is None:
                raise EditorError(f"a {type(comp).__name__} reads a pool: click it in the palette, then click the "
                                  f"pool (from code: add(..., source='pool'))")
            anchor = source if isinstance(source, str) else None
        near = None
        if anchor in net.layout:
            near = (net.layout[anchor][0] + 160.0, net.layout[anchor][1])
        x, y = position if position is not None else _palette.free_spot(net.layout, near=near)

        def do():
            if isinstance(comp, NeuronModel):
                net.add_pool(name, comp, _palette.DEFAULT_N if n is None else n)
            elif isinstance(comp, Encoder):
                if comp.OUTPUT == "current" and target is None:
                    raise EditorError(f"a {type(comp).__name__} injects into a pool: click it in the palette, then "
                                      f"click the pool (from code: add(..., target='pool'))")
                size = n if n is not None or comp.OUTPUT == "current" else _palette.default_size(comp)
                net.add_input(name, comp, size, target)
            else:
                net.add_output(name, comp, source)
            net.set_position(name, x, y)
        self._edit(f"added {type(comp).__name__} {name!r}", do)
        self.select(name)
        return name

    def palette_click(self, label: str) -> None:
        """What a palette button does: add the component, or (decoders, CurrentEncoder)
        start a pick of the pool it reads or injects into; the same button again cancels."""
        entry = _palette.find(label)
        if not _palette.needs_pool(entry):
            self.pending = None
            self.add(label)
            return
        if self.pending is not None and self.pending.label == entry.label:
            self.pending = None
            self._say(f"{entry.label}: cancelled")
            return
        self.connect_mode = False
        self.pending = entry
        verb = "reads" if entry.kind == "decoder" else "injects into"
        self._say(f"{entry.label}: now click the pool it {verb} (click {entry.label} again to cancel)")

    def connect(self, pre: str, post: str, **fields) -> str:
        """Connect node ``pre`` to node ``post``: a projection between pools, with defaults
        (Exponential synapse, FixedProbability(p=0.1), weight 1, no delay) unless
        ``fields`` say otherwise; from a pool into a decoder: the decoder reads the pool
        too. Refused (EditorError with the reason) into an input or encoder, out of a
        decoder, and from a current encoder (see ``_io_edits``). Returns the name of the
        projection or of the interface edge."""
        net = self.network
        plan = _io_edits.connect_plan(net, pre, post)
        if plan is not None:
            what, fn, _ = plan
            self._edit(what, fn)
            edge = _elements.io_edge_id(pre, post)
            self.select(edge)
            return edge
        proj = self._edit(f"connected {pre} -> {post}", lambda: net.connect(pre, post, **fields))
        self.select(proj.name)
        return proj.name

    def delete(self, name: str | None = None) -> None:
        """Delete a node (with its projections; see ``_io_edits`` for encoders and
        decoders), a projection or an interface edge; default: the selection."""
        name = name if name is not None else self.selected
        net = self.network
        plan = _io_edits.delete_plan(net, name) if name is not None else None
        if plan is not None:
            self._edit(*plan)
        elif name in net.projections:
            self._edit(f"deleted projection {name!r}", lambda: net.remove_projection(name))
        else:
            raise EditorError("select a node or an edge to delete" if name is None else f"nothing named {name!r}")

    def rename(self, old: str, new: str) -> None:
        """Rename a node or a projection (projections named after pools follow)."""
        net = self.network
        fn = _io_edits.rename_fn(net, old, new)
        if fn is not None:
            self._edit(f"renamed {old!r} to {new!r}", fn)
        elif old in net.projections:
            self._edit(f"renamed projection {old!r} to {new!r}", lambda: net.rename_projection(old, new))
        else:
            raise EditorError(f"nothing named {old!r}")

    def move(self, name: str, x: float, y: float) -> None:
        """Place node ``name`` at canvas position (x, y); kept in ``network.layout``."""
        if _elements.node_kind(self.network, name) is None:
            raise EditorError(f"no node {name!r}")
        x, y = round(float(x), 1), round(float(y), 1)
        if self.network.layout.get(name) == (x, y):
            return
        self._edit(f"moved {name!r}", lambda: self.network.set_position(name, x, y), inspector=False,
                   validate=False)

    def update_pool(self, name: str, **fields) -> None:
        """``network.update_pool`` as an undoable edit (what the inspector calls)."""
        self._edit(f"changed pool {name!r}", lambda: self.network.update_pool(name, **fields), inspector=False)

    def update_projection(self, name: str, **fields) -> None:
        """``network.update_projection`` as an undoable edit (what the inspector calls)."""
        self._edit(f"changed projection {name!r}", lambda: self.network.update_projection(name, **fields),
                   inspector=False)

    def update_input(self, name: str, **fields) -> None:
        """``network.update_input`` as an undoable edit (what the inspector calls)."""
        self._edit(f"changed input {name!r}", lambda: self.network.update_input(name, **fields), inspector=False)

    def update_output(self, name: str, **fields) -> None:
        """``network.update_output`` as an undoable edit (what the inspector calls)."""
        self._edit(f"changed output {name!r}", lambda: self.network.update_output(name, **fields),
                   inspector=False)

    def select(self, name: str | None) -> None:
        """Show ``name`` (node, projection or interface edge; None: nothing) in the inspector."""
        if name is not None and not self._exists(name):
            raise EditorError(f"nothing named {name!r}")
        self.selected = name
        self._refresh(inspector=True, validate=False)

    def undo(self) -> bool:
        """Undo the last edit (the status says which: "undid inh.tau_m 12 -> 10"); False if there is none."""
        return self._travel(self.history.undo, "undid", "nothing to undo")

    def redo(self) -> bool:
        """Apply again the last edit undone; False (and a status message) when there is none."""
        return self._travel(self.history.redo, "redid", "nothing to redo")

    def _travel(self, step, done: str, none: str) -> bool:
        target = step(snapshot(self.network))
        if target is None:
            self._say(none)
            return False
        self._applying = True
        try:
            restore(self.network, target)
        finally:
            self._applying = False
        self._refresh(inspector=True)
        self._say(f"{done} {self.history.last_label}" + self._issue_suffix())
        return True

    # ------------------------------------------------------------------ connect mode
    @property
    def connect_mode(self) -> bool:
        """True while the Connect toggle is on: a click on a source, then on a target, connects them."""
        return self.connect_toggle.value

    @connect_mode.setter
    def connect_mode(self, on: bool) -> None:
        self.connect_toggle.value = bool(on)

    def _set_connect_mode(self, on: bool) -> None:
        self.connect_source = None
        if on:
            self.pending = None
        self._refresh(inspector=False, validate=False)
        self._say("Connect: click the source node, then the target." if on else "Connect mode off.")

    # ------------------------------------------------------------------ canvas events
    def on_node_tap(self, node_id: str) -> None:
        """A node was clicked: select it, or in connect mode pick source / target, or
        finish a palette pick (the pool a decoder reads or a CurrentEncoder drives)."""
        kind = _elements.node_kind(self.network, node_id)
        if kind is None:
            return
        if self.pending is not None:
            self._finish_pick(node_id, kind)
            return
        if not self.connect_mode:
            self.select(node_id)
            return
        if self.connect_source is None:
            if kind == "decoder":
                self._say(f"cannot connect from {_io_edits.describe(self.network, node_id)}: a decoder turns "
                          f"spikes into values and sends nothing into the network", error=True)
                return
            self.connect_source = node_id
            self._refresh(inspector=False, validate=False)
            self._say(f"Connect: source {node_id!r}; now click the target (the same node makes a self-projection).")
            return
        pre, self.connect_source = self.connect_source, None
        if not self._ui(lambda: self.connect(pre, node_id)):
            self._refresh(inspector=False, validate=False)

    def _finish_pick(self, node_id: str, kind: str) -> None:
        entry = self.pending
        if kind not in ("pool", "source", "encoder"):
            self._say(f"{entry.label} needs a pool; {_io_edits.describe(self.network, node_id)} is not one "
                      f"(click {entry.label} again to cancel)", error=True)
            return
        self.pending = None
        where = {"source": node_id} if entry.kind == "decoder" else {"target": node_id}
        self._ui(lambda: self.add(entry.label, **where))

    def on_edge_tap(self, edge_id: str) -> None:
        """Canvas handler: a click on an edge (a projection or an input/output edge) selects it."""
        if edge_id in self.network.projections or _elements.io_edge_ends(edge_id):
            self.connect_source = None
            self._ui(lambda: self.select(edge_id))

    def on_node_moved(self, node_id: str, x: float, y: float) -> None:
        """A node was dragged to (x, y) (model coordinates)."""
        if _elements.node_kind(self.network, node_id) is not None:
            self.canvas.dragged(node_id, round(float(x), 1), round(float(y), 1))
            self._ui(lambda: self.move(node_id, x, y))

    # ================================================================== files and code
    def save(self, path) -> Path:
        """Write the model file (JSON, with the layout) to ``path``."""
        path = Path(path)
        _backend.save(self.network, path)
        self._say(f"saved {path}")
        return path

    def load(self, path_or_example) -> None:
        """Replace the network's content by a model file's (one undoable edit; the
        Network object stays the same, so code holding it sees the change)."""
        loaded = _backend.load(path_or_example)
        self._replace_with(loaded, f"loaded {path_or_example}")

    def open_example(self, name: str) -> None:
        """Replace the network's content by the shipped example ``name``."""
        known = _backend.examples()
        if name not in known:
            raise EditorError(f"no example {name!r}; examples: {', '.join(known) or '(none)'}")
        self._replace_with(_backend.load(known[name]), f"opened example {name!r}")

    def _replace_with(self, other: Network, what: str) -> None:
        self.selected = self.connect_source = self.pending = None
        self.canvas.show_activity(None)            # the rates were those of the network replaced
        self._edit(what, lambda: self.network.replace_with(other), validate="full")

    def export_python(self) -> str:
        """The model as Python code; also shown in the editor's code pane, which from then
        on follows every change of the network (Copy, "Insert as cell", Hide)."""
        code = _backend.to_python(self.network)
        self.code_pane.show(code)
        self._say("Python code below: it follows every edit (Copy, Insert as cell)")
        return code

    def _python_or_reason(self) -> str:
        try:
            return _backend.to_python(self.network)
        except SparkLabError as e:
            return f"# this network cannot be written as a script: {e}"

    # ================================================================== view
    def arrange(self, narrow: bool) -> None:
        """Size the editor for the room it has: ``narrow`` (beside the live lab, ``Lab(view="side")``)
        makes palette and toolbar boxes narrower and palette and canvas lower; either way the
        inspector goes below the canvas where the row is too narrow for all three (the canvas is
        not squeezed below its minimum width)."""
        palette, button, canvas, boxes = NARROW if narrow else WIDE
        self.palette.layout.width, self.palette.layout.flex = palette, f"0 0 {palette}"
        self.palette.layout.max_height = canvas or PALETTE_HEIGHT
        for b in self.palette_buttons.values():
            b.layout.width = button
        self.canvas.set_size(canvas or self._height, "280px" if narrow else MIN_WIDTH)
        self.path_box.layout.width, self.example_box.layout.width = boxes

    def fit(self) -> None:
        """Fit the canvas's view to the whole graph (what the Fit button does)."""
        self.canvas.fit()

    def show_activity(self, rates) -> None:
        """Show each pool's current rate, ``{pool: rate_hz}``, on its node (a line of the
        label and a colour from white, 0 Hz, to orange, 50 Hz and more); None or {}
        clears it. Safe from another thread (the live lab's session calls it); the caller
        throttles (``_activity.ActivityMonitor``: a few times a second)."""
        self.canvas.show_activity(rates)

    def activity_monitor(self, window_ms: float = 200.0, max_fps: float = 4.0):
        """A session monitor that shows the session's pool rates on this editor's nodes
        (``session.add_monitor(editor.activity_monitor())``; see ``_activity``)."""
        from ._activity import ActivityMonitor
        return ActivityMonitor(self.show_activity, window_ms, max_fps)

    def validate(self) -> list:
        """Check the network now, including ``spark_lab.model.validate`` of its document
        when installed; the problems are returned, listed and shown in red."""
        self._refresh(inspector=False, validate="full")
        n = len(self.issues)
        self._say(f"checked: {n} problem{'s' if n != 1 else ''}" + (" (red)" if n else ""), error=bool(n))
        return list(self.issues)

    def build(self):
        """``network.build()``: a Simulator of the edited network."""
        return self.network.build()

    def close(self) -> None:
        """Stop following the network and close the widgets."""
        from ._forms import close_tree
        self.network.unobserve(self._on_network_event)
        self.canvas.close()
        close_tree(self.widget)

    def __repr__(self):
        return f"GraphEditor({self.network!r})"
