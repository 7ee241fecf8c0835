"""Positions for nodes that have none (networks built in code): columns by signal flow.

Inputs (spike sources and encoders) go in the first column, every other pool one column
right of the nearest input that reaches it through projections (pools no input reaches:
the second column), decoders right of the pools they read. Within a column nodes are
stacked top to bottom, each column centred on the tallest, so a network of a few pools
uses the canvas's width and height instead of one row; the canvas fits its view to the
result. Self-projections change no column; their loops are drawn above-right of a node,
and the spacing leaves room for them.
"""
from __future__ import annotations

from collections import deque

from . import _elements

COLUMN_DX = 230.0           # canvas pixels between columns (a node is ~120 px wide)
ROW_DY = 120.0              # between rows (a node is ~54 px high, a loop ~50 px above it)
ORIGIN = (90.0, 70.0)


def columns(net) -> dict[str, int]:
    """``{node id: column}`` of every node (see the module docstring)."""
    ids = _elements.node_ids(net)
    kinds = {n: _elements.node_kind(net, n) for n in ids}
    succ: dict[str, set] = {n: set() for n in ids}
    for pr in net.projections.values():
        if pr.pre != pr.post and pr.pre in succ:
            succ[pr.pre].add(pr.post)
    for a, b, _label, cls in _elements.io_edges(net).values():
        if cls == "drive" and a in succ:
            succ[a].add(b)
    roots = [n for n in ids if kinds[n] in ("source", "encoder", "current")]
    col = {n: 0 for n in roots}
    queue = deque(roots)
    while queue:                                   # breadth first: the nearest input decides
        n = queue.popleft()
        for m in sorted(succ[n]):
            if m not in col and kinds[m] != "decoder":
                col[m] = col[n] + 1
                queue.append(m)
    for n in ids:
        if n not in col and kinds[n] != "decoder":
            col[n] = 1 if roots else 0
    reads: dict[str, list] = {n: [] for n in ids if kinds[n] == "decoder"}
    for a, b, _label, cls in _elements.io_edges(net).values():
        if cls == "readout" and b in reads:
            reads[b].append(col.get(a, 0))
    for n, cols in reads.items():
        col[n] = max(cols, default=max(col.values(), default=0)) + 1
    return col


def place(net, names) -> dict[str, tuple[float, float]]:
    """Positions for ``names`` (node ids without one): the columns of ``columns(net)``,
    below every node that has a position already."""
    names = [n for n in _elements.node_ids(net) if n in set(names)]
    if not names:
        return {}
    col = columns(net)
    used = sorted({col[n] for n in names})
    index = {c: i for i, c in enumerate(used)}               # no empty columns
    stacks: dict[int, list] = {}
    for n in names:
        stacks.setdefault(index[col[n]], []).append(n)
    tallest = max(len(s) for s in stacks.values())
    placed = [y for k, (_x, y) in net.layout.items() if k not in names]
    top = max(placed) + ROW_DY * 1.4 if placed else ORIGIN[1]
    out = {}
    for c, stack in stacks.items():
        offset = (tallest - len(stack)) * ROW_DY / 2
        for r, n in enumerate(stack):
            out[n] = (ORIGIN[0] + c * COLUMN_DX, round(top + offset + r * ROW_DY, 1))
    return out
