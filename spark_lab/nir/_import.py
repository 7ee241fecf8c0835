"""NIR graph -> spark_lab Network (see docs/nir.md for the mapping)."""
from __future__ import annotations

import re

import numpy as np

from .. import _checks
from ..errors import ParameterError
from . import _graph, _linear, _mapping


def to_network(source, dt=None, spike_area: float = 1.0, ms_per_unit: float = 1000.0):
    """A Network made from ``source`` (a nir.NIRGraph or a .nir path); nothing is half-made:
    every node and edge is checked before the Network is returned."""
    import nir

    from ..connectivity import FromMatrix
    from ..network import Network
    from ..neurons import SpikeInput
    from ..synapses import Delta, Exponential

    graph = _graph.read(source, nir)
    meta = graph.metadata if isinstance(graph.metadata, dict) else {}
    dt = float(meta.get("spark_lab_dt_ms", 0.1)) if dt is None else dt
    dt = _positive(dt, "dt")
    spike_area = _positive(spike_area, "spike_area")
    ms_per_unit = _positive(ms_per_unit, "ms_per_unit")
    flat = _graph.flatten(graph)
    red = _linear.Reducer(flat, dt, ms_per_unit)
    names = _pool_names(flat)
    net = Network(dt=dt)
    synapses, mapped = {}, {}
    for nm, kind in flat.kinds.items():
        node = flat.nodes[nm]
        n = int(np.prod(red.shape(nm)))
        if kind == "input":
            net.add_pool(names[nm], SpikeInput(), n)
        elif kind in ("spiking", "readout"):
            ins = red.inputs(nm)
            if flat.preds[nm] and ins.n != n:
                raise ParameterError(_graph.node_label(nm, node), "input", f"gets {ins.n} values for {n} neurons",
                                     "the edges into a neuron node carry one value per neuron")
            m = _mapping.to_lif(nm, node, n, ins.bias, spike_area, ms_per_unit)
            lif = _mapping.make_lif(nm, node, m, _v_init(node))
            net.add_pool(names[nm], lif, n)
            mapped[nm] = m
            synapses[nm] = Delta() if m.tau_syn_ms is None else Exponential(tau=_mapping.compact(m.tau_syn_ms))
    for nm, m in mapped.items():
        for (src, steps), mat in sorted(red.inputs(nm).mats.items()):
            w = mat * m.scale[None, :]
            if np.any(w):
                net.connect(names[src], names[nm], synapse=synapses[nm], connectivity=FromMatrix(w),
                            delay=steps * dt)
    for nm, kind in flat.kinds.items():
        if kind == "output":
            src = _recorded(nm, flat.nodes[nm], red.inputs(nm))
            if src is not None:
                net.record(names[src], "v" if flat.kinds[src] == "readout" else "spikes")
    _place(net, flat, names)
    return net


def _positive(x, field):
    v = _checks.number(x, "sl.nir", field)
    if v <= 0:
        raise ParameterError("sl.nir", field, f"got {v!r}", "must be > 0")
    return v


def _v_init(node):
    """The initial range spark_lab's export stored in the node's metadata, or None."""
    meta = getattr(node, "metadata", None) or {}
    if "spark_lab_v_init" in meta:
        lo, hi = np.asarray(meta["spark_lab_v_init"], np.float64).ravel()[:2]
        return float(lo), float(hi)
    return None


def _recorded(name, node, ins):
    """The population an Output node shows, or None when nothing reaches it."""
    if not ins.mats:
        return None
    (src, steps), mat = next(iter(ins.mats.items()))
    if len(ins.mats) == 1 and steps == 0 and mat.shape[0] == mat.shape[1] and np.array_equal(mat, np.eye(len(mat))) \
            and not np.any(ins.bias):
        return src
    raise ParameterError(_graph.node_label(name, node), "", "reads a weighted or delayed sum of populations",
                         "spark_lab records populations: connect the Output straight to one neuron or Input node")


def _pool_names(flat) -> dict:
    """A spark_lab pool name for every Input and neuron node ('0' -> 'n0', 'a.b' -> 'a_b')."""
    out, used = {}, set()
    for nm, kind in flat.kinds.items():
        if kind not in ("input", "spiking", "readout"):
            continue
        base = re.sub(r"[^A-Za-z0-9_\-]", "_", nm)
        base = base if re.match(r"[A-Za-z_]", base) else "n" + base
        cand, i = base, 1
        while cand in used:
            i += 1
            cand = f"{base}_{i}"
        used.add(cand)
        out[nm] = cand
    return out


def _place(net, flat, names) -> None:
    """Editor positions: columns by the number of populations from an input, rows in graph order."""
    depth = {nm: 0 for nm, k in flat.kinds.items() if k == "input"}
    succ = {nm: [b for b, ps in flat.preds.items() if nm in ps] for nm in flat.nodes}
    frontier = list(depth)
    while frontier:
        nxt = []
        for a in frontier:
            for b in succ[a]:
                step = 1 if b in names else 0
                if b not in depth:
                    depth[b] = depth[a] + step
                    nxt.append(b)
        frontier = nxt
    rows = {}
    for nm in names:
        col = depth.get(nm, 0)
        net.set_position(names[nm], 60.0 + 220.0 * col, 60.0 + 110.0 * rows.get(col, 0))
        rows[col] = rows.get(col, 0) + 1
