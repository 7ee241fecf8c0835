"""What the canvas shows: cytoscape elements made from a Network, and the problems found in it.

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


@dataclass(frozen=True)
class Issue:
    """A problem with ``element`` (a pool or projection name, or None for the whole network)."""
    element: str | None
    message: str

    def __str__(self):
        return f"{self.element}: {self.message}" if self.element else self.message


def node_spec(net, name: str, invalid: bool, focus: bool) -> dict:
    pool = net.pools[name]
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


def elements(net, invalid=frozenset(), focus=None) -> tuple[dict, dict]:
    """``({node id: spec}, {edge id: spec})``; ids are the pool and projection names."""
    nodes = {n: node_spec(net, n, n in invalid, n == focus) for n in net.pools}
    edges = {e: edge_spec(net, e, e in invalid, e == focus) for e in net.projections}
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
        n_pre, n_post = net.pools[pr.pre].n, net.pools[pr.post].n
        if is_source(net.pools[pr.post].model):
            out.append(Issue(name, f"pool {pr.post!r} is an input ({type(net.pools[pr.post].model).__name__}): "
                                   f"it takes no projections"))
        problem = _connectivity_problem(pr.connectivity, n_pre, n_post, pr.pre == pr.post)
        if problem:
            out.append(Issue(name, problem))
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
        if k > avail:
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
    for name in sorted(net.pools, key=len, reverse=True):
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
