"""The ipycytoscape canvas, kept equal to a set of element specs by diffing.

Facts about ipycytoscape 1.3.3 this relies on (measured in JupyterLab 4.6.6 with
ipywidgets 8.1.9 in Chromium, and read in its source):

- handlers registered after the widget is displayed are silently ignored, so every
  handler is registered here, in the constructor;
- ``dragfree`` is not among ``MONITORED_USER_INTERACTIONS``; it is added to that
  tuple before registering (otherwise ``on`` raises); dragged positions reach
  Python only through such an event, never through ``Node.position``;
- adding an element re-runs the layout, so the layout is ``preset``: nodes keep the
  positions they have (set from Python through ``Node.position``);
- there is no edge drawing in the browser: edges are made by the editor's connect
  mode (tap the source, then the target);
- any change of the graph's node or edge list makes the browser run the layout on the
  whole graph (and print "whole cytoscape relayout" to the console), so the canvas
  changes those lists only when elements come or go, never for a changed label, class,
  position or activity (those are messages of the element's own widget); the layout
  is ``preset`` with ``fit``, so that run keeps every position and fits the view (an
  opened example or a new node is in view, self-loops included);
- the wheel over cytoscape zooms unless ``user_zooming_enabled`` is False; with it off
  the wheel scrolls the notebook. Cytoscape warns in the console ("You have set a custom
  wheel sensitivity") whenever it is given one, and ipycytoscape always gives it its
  ``wheel_sensitivity`` trait (default 1 included), so the canvas's widget class does not
  send that trait (``_CanvasWidget``): the browser then gives none;
- the zoom trait is not sent to the browser, and there are no key events: zoom buttons,
  Ctrl/Cmd+wheel and the Delete / Ctrl+Z / Ctrl+Y keys are done by a small script
  (widgets/editor-canvas.js) that a hidden Output widget of the editor runs in the page;
- a removed element's browser side reports its removal back (it saves ``removed``), so its
  widget is closed one removal later, not at once: closing it at once made that report
  fail with "no comm channel defined".
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

import ipycytoscape
import ipywidgets as W
import traitlets
from ipycytoscape import cytoscape as _cy

STYLE_FILE = Path(__file__).with_name("editor-style.json")   # a link to widgets/editor-style.json
SCRIPT_FILE = Path(__file__).with_name("editor-canvas.js")   # a link to widgets/editor-canvas.js
MIN_ZOOM, MAX_ZOOM = 0.2, 1.5
FIT_PADDING = 30            # pixels around the graph when the view is fitted
MIN_WIDTH = "300px"         # the narrowest the canvas gets in the editor's row
FRESH_MAX = 4               # at most this many new edges are highlighted (not a whole new graph)


def load_script() -> str:
    """The browser-side script of the canvas (widgets/editor-canvas.js)."""
    return SCRIPT_FILE.read_text()


def script_output() -> W.Output:
    """A hidden Output widget that runs ``load_script()`` where the editor is displayed."""
    out = W.Output(layout=W.Layout(display="none"))
    out.outputs = ({"output_type": "display_data", "metadata": {},
                    "data": {"application/javascript": load_script(), "text/plain": ""}},)
    return out


def load_style() -> list:
    """The cytoscape stylesheet (widgets/editor-style.json)."""
    return json.loads(STYLE_FILE.read_text())


def _monitor(event: str) -> None:
    if event not in _cy.MONITORED_USER_INTERACTIONS:
        _cy.MONITORED_USER_INTERACTIONS = tuple(_cy.MONITORED_USER_INTERACTIONS) + (event,)


class _CanvasWidget(ipycytoscape.CytoscapeWidget):
    """ipycytoscape's widget without syncing ``wheel_sensitivity`` (see the module docstring)."""
    wheel_sensitivity = traitlets.CFloat(1.0)


class Canvas:
    """A CytoscapeWidget plus the map from element ids to its Node/Edge widgets.

    ``on_node_tap(id)``, ``on_edge_tap(id)`` and ``on_node_moved(id, x, y)`` are called
    with what the browser reports. ``fresh``: ids of the edges the last change added
    (drawn highlighted until the next change); ``activity``: ``{node id: rate in Hz}``
    shown on the nodes (``show_activity``).
    """

    def __init__(self, on_node_tap, on_edge_tap, on_node_moved, height: str = "460px"):
        # in the editor's row the canvas takes the width that palette and inspector leave, down to
        # its min_width (``set_size``); narrower, the row wraps
        self.widget = _CanvasWidget(layout={"height": height, "width": "auto", "min_width": MIN_WIDTH,
                                            "flex": "1 1 0%", "border": "1px solid #d0d7de"})
        self.widget.cytoscape_layout = {"name": "preset", "fit": True, "padding": FIT_PADDING, "animate": False}
        self.widget.set_style(load_style())
        self.widget.min_zoom, self.widget.max_zoom, self.widget.zoom = MIN_ZOOM, MAX_ZOOM, 1.0
        self.widget.user_zooming_enabled = False            # the wheel scrolls the page
        self.widget.auto_unselectify = True
        self.widget.tooltip_source = "_no_tooltip"
        self.nodes: dict[str, ipycytoscape.Node] = {}
        self.edges: dict[str, ipycytoscape.Edge] = {}
        self.fresh: set[str] = set()
        self.activity: dict[str, float] = {}
        self.list_changes = 0                               # messages that make the browser relayout
        self._specs: dict[str, dict] = {}
        self._retired: list = []                            # removed widgets, closed at the next removal
        self._synced = False
        self._dragged: dict[str, dict] = {}               # positions the browser reported (drags)
        self.fits = 0                                       # fits asked for besides the layout's own
        self._lock = threading.RLock()                      # activity comes from the session's thread
        _monitor("dragfree")
        self.widget.on("node", "tap", lambda ev: on_node_tap(ev["data"]["id"]))
        self.widget.on("edge", "tap", lambda ev: on_edge_tap(ev["data"]["id"]))

        def moved(ev):
            pos = ev.get("position") or {}
            if "x" in pos and "y" in pos:
                on_node_moved(ev["data"]["id"], float(pos["x"]), float(pos["y"]))
        self.widget.on("node", "dragfree", moved)

    def set_size(self, height: str, min_width: str) -> None:
        """The canvas's height and the width it keeps in the editor's row (CSS lengths): below
        that the row wraps (the inspector goes under the canvas) instead of squeezing it."""
        self.widget.layout.height = height
        self.widget.layout.min_width = min_width

    def fit(self) -> None:
        """Fit the view to the whole graph (the browser runs the preset layout: no node moves)."""
        self.fits += 1
        self.widget.relayout()

    def dragged(self, nid: str, x: float, y: float) -> None:
        """The browser moved node ``nid`` to (x, y): showing that position needs no new fit
        (a node moved from code does: the view fits again, as when elements come or go)."""
        self._dragged[nid] = {"x": float(x), "y": float(y)}

    def show_activity(self, rates) -> None:
        """Show ``{node id: rate in Hz}`` on those nodes (label line and colour); None or {}
        clears it. Only nodes whose shown rate (0.1 Hz) changes get a message."""
        new = {k: round(float(v), 1) for k, v in (rates or {}).items() if k in self.nodes}
        with self._lock:
            for nid in set(self.activity) | set(new):
                if self.activity.get(nid) == new.get(nid) or nid not in self.nodes:
                    continue
                self.activity[nid] = new[nid] if nid in new else None
                spec = self._specs.get("n:" + nid)
                if spec is not None:
                    node = self.nodes[nid]
                    with node.hold_sync():
                        node.data = self._node_data(nid, spec)
                        node.classes = self._node_classes(nid, spec)
            self.activity = {k: v for k, v in self.activity.items() if v is not None}

    def _node_data(self, nid, spec) -> dict:
        data = dict(spec["data"])
        rate = self.activity.get(nid)
        if rate is not None:
            data["rate"] = rate
            data["label"] = f"{data.get('label', nid)}\n{rate:.1f} Hz"
        return data

    def _node_classes(self, nid, spec) -> str:
        return spec["classes"] + (" active" if self.activity.get(nid) is not None else "")

    def _edge_classes(self, eid, spec) -> str:
        return spec["classes"] + (" fresh" if eid in self.fresh else "")

    def sync(self, nodes: dict, edges: dict, layout: dict) -> None:
        """Make the canvas show exactly ``nodes`` and ``edges`` (``{id: spec}``) at ``layout``."""
        with self._lock:
            before, kept = set(self.edges), set(self.nodes) & set(nodes)
            first, self._synced = not self._synced, True
            self._drop(nodes, edges)
            added = set(edges) - before
            if added and kept and not first and len(added) <= FRESH_MAX:
                self.fresh = added
            elif added or before - set(edges):
                self.fresh = set()
            lists = self.list_changes
            if self._sync(nodes, edges, layout) and self.list_changes == lists:
                self.fit()

    def _sync(self, nodes: dict, edges: dict, layout: dict) -> bool:
        """Update the widgets; True if a node was moved other than by a drag."""
        graph = self.widget.graph
        moved = False
        with graph.hold_sync():
            new_nodes = []
            for nid, spec in nodes.items():
                x, y = layout.get(nid, (0.0, 0.0))
                pos = {"x": float(x), "y": float(y)}
                node = self.nodes.get(nid)
                if node is None:
                    node = ipycytoscape.Node(data=self._node_data(nid, spec), classes=self._node_classes(nid, spec),
                                             position=pos)
                    self.nodes[nid] = node
                    new_nodes.append(node)
                else:
                    self._update(node, "n:" + nid, spec)
                    if dict(node.position) != pos:
                        node.position = pos
                        moved |= self._dragged.get(nid) != pos
                self._dragged.pop(nid, None)
                self._specs["n:" + nid] = spec
            if new_nodes:
                graph.add_nodes(new_nodes)
                self.list_changes += 1
            new_edges = []
            for eid, spec in edges.items():
                edge = self.edges.get(eid)
                if edge is None:
                    edge = ipycytoscape.Edge(data=dict(spec["data"]), classes=self._edge_classes(eid, spec))
                    self.edges[eid] = edge
                    new_edges.append(edge)
                else:
                    self._update(edge, "e:" + eid, spec)
                self._specs["e:" + eid] = spec
            if new_edges:
                graph.add_edges(new_edges, directed=True, multiple_edges=True)
                self.list_changes += 0 if new_nodes else 1          # one message with the nodes
        return moved

    def _drop(self, nodes: dict, edges: dict) -> None:
        """Remove the elements that are gone, in a message of its own, with every element
        after the first one gone from its list and the edges of every node removed.

        ipycytoscape's browser side (a ViewList) redraws every element after the first one
        that left the list: it adds them again before it removes the old ones, cytoscape
        refuses a second element with the same id, and the removal then takes them off the
        canvas (deleting a pool in the middle made the nodes and edges after it vanish);
        cytoscape also removes the edges of a removed node. So those go too, and ``sync``
        adds them back as new widgets after this message."""
        graph = self.widget.graph
        order = [n.data["id"] for n in graph.nodes]
        gone = [i for i, nid in enumerate(order) if nid not in nodes]
        drop_nodes = set(order[gone[0]:]) if gone else set()

        def stale(eid, edge):
            spec = edges.get(eid)
            ends = (edge.data["source"], edge.data["target"])
            return spec is None or (spec["data"]["source"], spec["data"]["target"]) != ends \
                or not set(ends) <= set(nodes) or bool(drop_nodes & set(ends))
        order = [e.data["id"] for e in graph.edges]
        gone = [i for i, eid in enumerate(order) if stale(eid, self.edges[eid])]
        drop_edges = order[gone[0]:] if gone else []
        if not drop_nodes and not drop_edges:
            return
        self.close_retired()
        with graph.hold_sync():
            for eid in drop_edges:
                edge = self.edges.pop(eid)
                graph.remove_edge(edge)
                self._retired.append(edge)
                self._specs.pop("e:" + eid, None)
            for nid in [n for n in self.nodes if n in drop_nodes]:
                node = self.nodes.pop(nid)
                graph.remove_node(node)
                self._retired.append(node)
                self._specs.pop("n:" + nid, None)
                self.activity.pop(nid, None)
        self.list_changes += 1

    def close_retired(self) -> None:
        """Close the widgets of elements removed earlier (see the module docstring)."""
        for w in self._retired:
            w.close()
        self._retired = []

    def close(self) -> None:
        """Close every element widget and the canvas."""
        with self._lock:
            self.close_retired()
            for w in list(self.nodes.values()) + list(self.edges.values()):
                w.close()
            self.widget.close()

    def _update(self, element, key, spec) -> None:
        old = self._specs.get(key)
        eid = key[2:]
        if old is None or old["data"] != spec["data"]:
            element.data = self._node_data(eid, spec) if key.startswith("n:") else dict(spec["data"])
        classes = self._node_classes(eid, spec) if key.startswith("n:") else self._edge_classes(eid, spec)
        if element.classes != classes:
            element.classes = classes
