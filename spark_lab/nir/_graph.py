"""Reading a NIR graph: the file or the object, nested graphs flattened, node kinds and shapes.

A nested ``NIRGraph`` is inlined: its nodes get the prefix ``"<graph>."``, its ``Input`` and
``Output`` nodes become pass-through nodes, and an edge to (from) the subgraph goes to its
only ``Input`` (comes from its only ``Output``); ``"<graph>.<input>"`` names one of several.
"""
from __future__ import annotations

import pathlib
from typing import NamedTuple

import numpy as np

from ..errors import ParameterError

#: node types and how spark_lab treats them (see docs/nir.md)
SPIKING = ("LIF", "CubaLIF", "IF")
READOUT = ("LI", "CubaLI")
LINEAR = ("Linear", "Affine", "Scale", "Delay", "Flatten", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Identity")
REFUSED = {
    "I": "an integrator without leak or threshold emits a voltage, not spikes; spark_lab projections carry "
         "spikes only (use IF for a spiking integrator, or LI for a readout)",
    "Threshold": "a threshold without membrane dynamics has no spark_lab neuron model (use LIF or IF)",
}


def node_label(name: str, node) -> str:
    """How errors name a NIR node: ``NIR node 'lif1' (CubaLIF)``."""
    return f"NIR node {name!r} ({type(node).__name__})"


class Flat(NamedTuple):
    """A NIR graph without nesting: nodes by full name (in graph order), their kinds
    ("input", "output", "spiking", "readout", "linear"), and each node's predecessors."""
    nodes: dict
    kinds: dict
    preds: dict


def read(source, nir):
    """The NIRGraph of ``source``: a NIRGraph, or the path of a NIR (HDF5) file."""
    if isinstance(source, nir.NIRGraph):
        return source
    if isinstance(source, nir.NIRNode):
        return nir.NIRGraph.from_list(source, type_check=False)
    if not isinstance(source, (str, pathlib.Path)):
        raise ParameterError("sl.nir.load", "source", f"got {type(source).__name__}",
                             "give a nir.NIRGraph or the path of a .nir file")
    path = pathlib.Path(source)
    if not path.is_file():
        raise ParameterError(f"NIR file '{path}'", "", "does not exist or is not a file",
                             "give the path of a .nir file")
    try:
        return nir.read(str(path), type_check=False)
    except (OSError, KeyError, ValueError, TypeError, AssertionError, AttributeError) as e:
        raise ParameterError(f"NIR file '{path}'", "", f"cannot be read as a NIR graph ({type(e).__name__}: {e})",
                             "a NIR file is HDF5 as written by nir.write(); is it one?") from None


def flatten(graph) -> Flat:
    """Inline nested graphs (see the module docstring) and check the edges."""
    nodes, kinds, edges = {}, {}, []
    _inline(graph, "", nodes, kinds, edges, top=True)
    preds = {k: [] for k in nodes}
    seen = set()
    for a, b in edges:
        if (a, b) in seen:
            raise ParameterError(f"NIR edge ({a!r}, {b!r})", "", "appears twice", "each edge once")
        seen.add((a, b))
        if kinds[b] == "input":
            raise ParameterError(node_label(b, nodes[b]), "", f"has an incoming edge from {a!r}",
                                 "an Input node of the top graph takes no edges")
        if kinds[a] == "output":
            raise ParameterError(node_label(a, nodes[a]), "", f"has an outgoing edge to {b!r}",
                                 "an Output node of the top graph ends the graph")
        preds[b].append(a)
    return Flat(nodes, kinds, preds)


def _inline(graph, prefix, nodes, kinds, edges, top):
    """Add the nodes and edges of ``graph`` under ``prefix``; return its {input name}, {output name}."""
    nir = _nir()
    ports, ins, outs = {}, {}, {}
    for key, node in graph.nodes.items():
        full = prefix + str(key)
        if isinstance(node, nir.NIRGraph):
            ports[str(key)] = _inline(node, full + ".", nodes, kinds, edges, top=False)
            continue
        kinds[full] = _kind(full, node, nir, top)
        nodes[full] = node
        if isinstance(node, nir.Input):
            ins[str(key)] = full
        elif isinstance(node, nir.Output):
            outs[str(key)] = full
    for a, b in graph.edges:
        a, b = _str(a), _str(b)
        edges.append((_end(a, prefix, ports, nodes, 1, graph), _end(b, prefix, ports, nodes, 0, graph)))
    return ins, outs


def _end(ref, prefix, ports, nodes, side, graph):
    """The full node name an edge end ``ref`` of ``graph`` means (side 0: destination, 1: source)."""
    head, _, tail = ref.partition(".")
    if ref in ports or head in ports:
        sub = ports[ref if ref in ports else head]
        choices = sub[side] if ref in ports else {tail: sub[side].get(tail)}
        if len(choices) != 1 or None in choices.values():
            what = ("Output" if side else "Input")
            raise ParameterError(f"NIR edge end {ref!r}", "", f"subgraph has {len(sub[side])} {what} nodes "
                                 f"({', '.join(sub[side]) or 'none'})", f"name one as '<subgraph>.<{what.lower()}>'")
        return next(iter(choices.values()))
    if prefix + ref not in nodes:
        raise ParameterError(f"NIR edge end {ref!r}", "", "names no node of the graph",
                             f"nodes: {', '.join(map(str, graph.nodes))}")
    return prefix + ref


def _kind(name, node, nir, top):
    t = type(node).__name__
    if isinstance(node, nir.Input):
        return "input" if top else "linear"
    if isinstance(node, nir.Output):
        return "output" if top else "linear"
    if t in SPIKING:
        return "spiking"
    if t in READOUT:
        return "readout"
    if t in LINEAR:
        return "linear"
    why = REFUSED.get(t, "spark_lab knows no such NIR node type; supported: "
                      + ", ".join(("Input", "Output", "NIRGraph") + SPIKING + READOUT + LINEAR))
    raise ParameterError(node_label(name, node), "", "cannot be imported", why)


def _str(x) -> str:
    return x.decode("utf8") if isinstance(x, bytes) else str(x)


def _nir():
    import nir
    return nir


def shape_of(name, node, kind) -> tuple | None:
    """The output shape a node states itself (None where it depends on its input)."""
    t = type(node).__name__
    if kind == "input":
        return _shape(node.input_type["input"], name, node)
    field = {"LIF": "v_threshold", "CubaLIF": "v_threshold", "IF": "v_threshold", "LI": "tau", "CubaLI": "tau_mem",
             "Scale": "scale", "Delay": "delay"}.get(t)
    if field:
        return np.shape(np.asarray(getattr(node, field)))
    if t in ("Linear", "Affine"):
        w = np.asarray(node.weight)
        if w.ndim != 2:
            raise ParameterError(node_label(name, node), "weight", f"has shape {w.shape}",
                                 "spark_lab imports 2-D (out, in) weight matrices")
        return (w.shape[0],)
    return None


def _shape(x, name, node):
    if x is None:
        raise ParameterError(node_label(name, node), "shape", "is not given", "an Input node states its shape")
    return tuple(int(v) for v in np.atleast_1d(np.asarray(x)))
