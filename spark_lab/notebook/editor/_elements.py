"""What the canvas shows: cytoscape elements made from a Network, and the problems found in it.

Nodes are pools, input nodes and output nodes (one namespace, so the names are the
ids); an input that made its own pool is one node (an encoder that is also a pool).
Edges are projections (id: the projection's name) and the *interface edges* of
input and output nodes, whose ids contain "~>", which no name can: a current
encoder's edge to its target pool (``drive~>exc``) and one edge from every pool a
decoder reads (``exc~>rate``).

Pure functions of the network (no widgets), so they are tested without a browser.
Problems come from two places: checks here that the Network API cannot make at the
time of an edit but ``build()`` would fail on (sizes that do not fit a connectivity
rule or a spike generator, projections into inputs made from code), and
``spark_lab.model.validate`` of the model document when that module is installed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ...errors import SparkLabError
from . import _backend
from ._palette import is_source

#: classes every edge carries: ipycytoscape's Graph bookkeeping reads them
EDGE_BASE_CLASSES = "directed multiple_edges"
IO_ARROW = "~>"


def io_edge_id(source: str, target: str) -> str:
    return f"{source}{IO_ARROW}{target}"


def io_edge_ends(edge_id) -> tuple[str, str] | None:
    """(source, target) of an interface edge id, None for other ids."""
    if not isinstance(edge_id, str) or IO_ARROW not in edge_id:
        return None
    a, b = edge_id.split(IO_ARROW, 1)
    return a, b


def renamed(event, name):
    """The new name of ``name`` if ``event`` (or one of its parts) renamed it, else None."""
    if name is None:
        return None
    if event.get("op", "").startswith("rename_") and event.get("old") == name:
        return event["new"]
    ends = io_edge_ends(name)
    if ends is not None:                      # an interface edge follows its ends
        a, b = (renamed(event, x) or x for x in ends)
        return io_edge_id(a, b) if (a, b) != ends else None
    for part in event.get("parts", ()):
        new = renamed(part, name)
        if new is not None:
            return new
    return event.get("projections", {}).get(name)


def node_kind(net, name) -> str | None:
    """"pool", "source" (a spike source pool such as PoissonSource), "encoder" (an input
    with its own pool), "current" (a current encoder's input node), "decoder", or None."""
    if name in net.inputs:
        return "encoder" if net.inputs[name].pool == name else "current"
    if name in net.outputs:
        return "decoder"
    if name in net.pools:
        return "source" if is_source(net.pools[name].model) else "pool"
    return None


def node_ids(net) -> list[str]:
    return list(net.pools) + [k for k, nd in net.inputs.items() if nd.pool != k] + list(net.outputs)


def source_label(source) -> str:
    """How a decoder's source is drawn on its edges: "" for all neurons of its pools."""
    if type(source).__name__ == "Concat" and all(isinstance(s, str) for s in source.sources):
        return ""
    if type(source).__name__ == "Subset":
        return f"Subset k={int(source.values['k'])}"
    return type(source).__name__


@dataclass(frozen=True)
class Issue:
    """A problem with ``element`` (a pool or projection name, or None for the whole network)."""
    element: str | None
    message: str

    def __str__(self):
        return f"{self.element}: {self.message}" if self.element else self.message


def node_spec(net, name: str, invalid: bool, focus: bool) -> dict:
    kind = node_kind(net, name)
    if kind in ("current", "decoder"):
        nd = net.inputs[name] if kind == "current" else net.outputs[name]
        comp = nd.encoder if kind == "current" else nd.decoder
        classes = ["encoder current" if kind == "current" else "decoder"] + ["invalid"] * invalid + ["focus"] * focus
        return {"data": {"id": name, "label": f"{name}\n{type(comp).__name__} ({nd.n})"}, "classes": " ".join(classes)}
    pool = net.pools[name]
    if kind == "encoder":
        classes = ["encoder"] + ["invalid"] * invalid + ["focus"] * focus
        return {"data": {"id": name, "label": f"{name}\n{type(net.inputs[name].encoder).__name__} × {pool.n}"},
                "classes": " ".join(classes)}
    model = type(pool.model).__name__
    classes = ["input" if is_source(pool.model) else "pool"]
    if pool.excitatory is not None:
        classes.append("exc" if pool.excitatory.all() else "inh" if not pool.excitatory.any() else "mixed")
    if invalid:
        classes.append("invalid")
    if focus:
        classes.append("focus")
    return {"data": {"id": name, "label": f"{name}\n{model} × {pool.n}"}, "classes": " ".join(classes)}


def edge_label(proj) -> str:
    rules = " + ".join(type(r).__name__ for r in proj.plasticity)
    return type(proj.synapse).__name__ + (f" + {rules}" if rules else "")


def edge_spec(net, name: str, invalid: bool, focus: bool) -> dict:
    pr = net.projections[name]
    classes = [EDGE_BASE_CLASSES]
    if pr.plasticity:
        classes.append("plastic")
    mask = net.pools[pr.pre].excitatory
    if mask is not None and not mask.any():
        classes.append("inhibitory")
    if pr.pre == pr.post:
        classes.append("loop")
    if invalid:
        classes.append("invalid")
    if focus:
        classes.append("focus")
    return {"data": {"id": name, "source": pr.pre, "target": pr.post, "label": edge_label(pr)},
            "classes": " ".join(classes)}


def io_edges(net) -> dict[str, tuple[str, str, str, str]]:
    """``{edge id: (source, target, label, class)}`` of the interface edges whose ends exist."""
    out = {}
    for nm, nd in net.inputs.items():
        if nd.pool != nm and nd.pool in net.pools:
            out[io_edge_id(nm, nd.pool)] = (nm, nd.pool, type(nd.encoder).__name__, "drive")
    for nm, nd in net.outputs.items():
        label = source_label(nd.source)
        for p in nd.source.pools():
            if p in net.pools:
                out[io_edge_id(p, nm)] = (p, nm, label, "readout")
    return out


def elements(net, invalid=frozenset(), focus=None) -> tuple[dict, dict]:
    """``({node id: spec}, {edge id: spec})``: pools, input and output nodes; projections
    (ids: their names) and interface edges (see the module docstring)."""
    nodes = {n: node_spec(net, n, n in invalid, n == focus) for n in node_ids(net)}
    edges = {e: edge_spec(net, e, e in invalid, e == focus) for e in net.projections}
    for eid, (a, b, label, cls) in io_edges(net).items():
        classes = [EDGE_BASE_CLASSES, cls] + ["focus"] * (eid == focus)
        edges[eid] = {"data": {"id": eid, "source": a, "target": b, "label": label}, "classes": " ".join(classes)}
    return nodes, edges


# ----------------------------------------------------------------------------- checks
def local_issues(net) -> list[Issue]:
    """Problems that ``net.build()`` would hit, found without building (cheap)."""
    out = []
    for name, pool in net.pools.items():
        if type(pool.model).structure is not _base_structure():   # e.g. SpikeGenerator sizes
            try:
                pool.model.structure(pool.n, net.dt)
            except SparkLabError as e:
                out.append(Issue(name, str(e)))
    for name, pr in net.projections.items():
        n_pre, n_post = pr.sizes(net)                   # slice sizes where a pool is sliced
        if is_source(net.pools[pr.post].model):
            out.append(Issue(name, f"pool {pr.post!r} is an input ({type(net.pools[pr.post].model).__name__}): "
                                   f"it takes no projections"))
        problem = _connectivity_problem(pr.connectivity, n_pre, n_post, pr.same_neurons)
        if problem:
            out.append(Issue(name, problem))
    return out + _interface_issues(net)


def _interface_issues(net) -> list[Issue]:
    """Input and output nodes whose pools are gone (``remove_pool`` from code keeps them)."""
    out = []
    for nm, nd in net.inputs.items():
        if nd.pool not in net.pools:
            out.append(Issue(nm, f"its pool {nd.pool!r} is no longer in the network; delete the input"))
    for nm, nd in net.outputs.items():
        gone = [p for p in nd.source.pools() if p not in net.pools]
        if gone:
            out.append(Issue(nm, f"its source pool {gone[0]!r} is no longer in the network; "
                                 f"delete the output"))
    return out


def _base_structure():
    from ...neurons._base import NeuronModel
    return NeuronModel.structure


def _connectivity_problem(conn, n_pre, n_post, same_pool) -> str | None:
    kind = type(conn).__name__
    if kind == "OneToOne" and n_pre != n_post:
        return f"OneToOne needs pools of equal size, got {n_pre} -> {n_post}"
    if kind == "FixedInDegree":
        k = int(conn.values["k"])
        avail = n_pre - (1 if same_pool and not conn.values["autapses"] else 0)
        if k > avail and not conn.values.get("multapses", 0):
            return f"FixedInDegree: k={k} but only {avail} distinct pre neurons are available"
    if kind == "FromMatrix" and np.shape(conn.matrix) != (n_pre, n_post):
        return f"FromMatrix: matrix has shape {np.shape(conn.matrix)}, expected ({n_pre}, {n_post})"
    if kind == "FromList":
        try:
            conn.connect(n_pre, n_post, None, same_pool)
        except SparkLabError as e:
            return str(e)
    return None


def document_issues(net) -> list[Issue]:
    """``spark_lab.model.validate`` issues, each tied to the pool or projection it names."""
    out = []
    for mi in _backend.validate_document(net):
        text = " ".join(str(getattr(mi, k, "") or "") for k in ("path", "component", "field"))
        msg = _issue_text(mi)
        out.append(Issue(_element_named(net, text), msg))
    return out


def _issue_text(mi) -> str:
    if isinstance(mi, Exception):
        return str(mi)
    parts = [str(getattr(mi, "component", "") or getattr(mi, "path", "")),
             str(getattr(mi, "field", "") or ""), str(getattr(mi, "problem", "") or "")]
    msg = ": ".join(p for p in parts if p)
    hint = getattr(mi, "hint", "")
    return f"{msg} ({hint})" if hint else msg


def _element_named(net, text: str) -> str | None:
    for name in sorted(net.projections, key=len, reverse=True):
        if name in text:
            return name
    for name in sorted(node_ids(net), key=len, reverse=True):
        if re.search(rf"(?<![\w\-]){re.escape(name)}(?![\w\-])", text):
            return name
    return None


def all_issues(net, document: bool = True) -> list[Issue]:
    """Local and (with ``document``) document problems; a document issue that repeats a
    local one is dropped."""
    local = local_issues(net)
    if not document:
        return local
    doc = [d for d in document_issues(net)
           if not any(x.element == d.element and x.message in d.message for x in local)]
    return local + doc
