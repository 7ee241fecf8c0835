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
  mode (tap the source, then the target).
"""
from __future__ import annotations

import json
from pathlib import Path

import ipycytoscape
from ipycytoscape import cytoscape as _cy

STYLE_FILE = Path(__file__).with_name("editor-style.json")   # a link to widgets/editor-style.json


def load_style() -> list:
    """The cytoscape stylesheet (widgets/editor-style.json)."""
    return json.loads(STYLE_FILE.read_text())


def _monitor(event: str) -> None:
    if event not in _cy.MONITORED_USER_INTERACTIONS:
        _cy.MONITORED_USER_INTERACTIONS = tuple(_cy.MONITORED_USER_INTERACTIONS) + (event,)


class Canvas:
    """A CytoscapeWidget plus the map from element ids to its Node/Edge widgets.

    ``on_node_tap(id)``, ``on_edge_tap(id)`` and ``on_node_moved(id, x, y)`` are called
    with what the browser reports.
    """

    def __init__(self, on_node_tap, on_edge_tap, on_node_moved, height: str = "460px"):
        # in the editor's row the canvas takes the width that palette and inspector leave;
        # min_width 0 lets it shrink below the size of cytoscape's own canvases
        self.widget = ipycytoscape.CytoscapeWidget(layout={"height": height, "width": "auto", "min_width": "0",
                                                           "flex": "1 1 0%", "border": "1px solid #d0d7de"})
        self.widget.set_layout(name="preset", fit=False, animate=False)
        self.widget.set_style(load_style())
        self.widget.min_zoom, self.widget.max_zoom, self.widget.zoom = 0.3, 2.0, 1.0
        self.widget.wheel_sensitivity = 0.3
        self.widget.auto_unselectify = True
        self.widget.tooltip_source = "_no_tooltip"
        self.nodes: dict[str, ipycytoscape.Node] = {}
        self.edges: dict[str, ipycytoscape.Edge] = {}
        self._specs: dict[str, dict] = {}
        _monitor("dragfree")
        self.widget.on("node", "tap", lambda ev: on_node_tap(ev["data"]["id"]))
        self.widget.on("edge", "tap", lambda ev: on_edge_tap(ev["data"]["id"]))

        def moved(ev):
            pos = ev.get("position") or {}
            if "x" in pos and "y" in pos:
                on_node_moved(ev["data"]["id"], float(pos["x"]), float(pos["y"]))
        self.widget.on("node", "dragfree", moved)

    def sync(self, nodes: dict, edges: dict, layout: dict) -> None:
        """Make the canvas show exactly ``nodes`` and ``edges`` (``{id: spec}``) at ``layout``."""
        self._drop(nodes, edges)
        graph = self.widget.graph
        with graph.hold_sync():
            new_nodes = []
            for nid, spec in nodes.items():
                x, y = layout.get(nid, (0.0, 0.0))
                pos = {"x": float(x), "y": float(y)}
                node = self.nodes.get(nid)
                if node is None:
                    node = ipycytoscape.Node(data=dict(spec["data"]), classes=spec["classes"], position=pos)
                    self.nodes[nid] = node
                    new_nodes.append(node)
                else:
                    self._update(node, "n:" + nid, spec)
                    if dict(node.position) != pos:
                        node.position = pos
                self._specs["n:" + nid] = spec
            if new_nodes:
                graph.add_nodes(new_nodes)
            new_edges = []
            for eid, spec in edges.items():
                edge = self.edges.get(eid)
                if edge is None:
                    edge = ipycytoscape.Edge(data=dict(spec["data"]), classes=spec["classes"])
                    self.edges[eid] = edge
                    new_edges.append(edge)
                else:
                    self._update(edge, "e:" + eid, spec)
                self._specs["e:" + eid] = spec
            if new_edges:
                graph.add_edges(new_edges, directed=True, multiple_edges=True)

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
        with graph.hold_sync():
            for eid in drop_edges:
                edge = self.edges.pop(eid)
                graph.remove_edge(edge)
                edge.close()
                self._specs.pop("e:" + eid, None)
            for nid in [n for n in self.nodes if n in drop_nodes]:
                node = self.nodes.pop(nid)
                graph.remove_node(node)
                node.close()
                self._specs.pop("n:" + nid, None)

    def _update(self, element, key, spec) -> None:
        old = self._specs.get(key)
        if old is None or old["data"] != spec["data"]:
            element.data = dict(spec["data"])
        if old is None or old["classes"] != spec["classes"]:
            element.classes = spec["classes"]
