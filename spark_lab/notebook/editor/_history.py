"""Undo and redo: snapshots of a Network, and restoring one through the Network's editing API.

A snapshot holds references to the (immutable) components and copies of everything
mutable, so taking one is cheap (no deep copy); input and output nodes are replaced,
never changed, by the Network's editing methods, so the snapshot keeps the node objects.
``restore`` brings a network back to a snapshot with the public editing calls
(remove/add/update/connect/record/set_position, add_input/add_output, configure ...),
so observers see ordinary change events, and then puts pools, projections, nodes and
records back in the snapshot's order with ``Network.reorder``.
Input and output nodes that differ from the snapshot's are removed first and added
again after the pools, so no intermediate state has a node that does not fit its pools.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...initializers import Initializer


@dataclass(frozen=True)
class PoolState:
    name: str
    model: object
    n: int
    excitatory: object          # bool mask or None
    g_inh: float
    init: tuple = ()            # (var, value) pairs: the pool's initial values


@dataclass(frozen=True)
class ProjectionState:
    name: str
    pre: object                 # a pool name or a PoolSlice (the projection's source)
    post: object                # a pool name or a PoolSlice (its target)
    synapse: object
    connectivity: object
    weight: object
    delay: float
    plasticity: tuple
    init: tuple = ()            # (var, value) pairs: the receptor's initial values


@dataclass(frozen=True)
class Snapshot:
    dt: float
    seed: int
    pools: tuple
    projections: tuple
    records: tuple
    layout: tuple
    inputs: tuple = ()          # InputNode objects
    outputs: tuple = ()         # OutputNode objects
    settings: tuple = ()        # (dtype, spike_batch, native)


def snapshot(net) -> Snapshot:
    """The state of ``net`` that the editor can change."""
    return Snapshot(
        net.dt, net.seed,
        tuple(PoolState(p.name, p.model, p.n, p.excitatory, p.g_inh, tuple(p.init.items()))
              for p in net.pools.values()),
        tuple(ProjectionState(p.name, p.source, p.target, p.synapse, p.connectivity, p.weight, p.delay,
                              tuple(p.plasticity), tuple(p.init.items())) for p in net.projections.values()),
        tuple(net.records),
        tuple(net.layout.items()),
        tuple(net.inputs.values()),
        tuple(net.outputs.values()),
        (net.dtype, net.spike_batch, net.native))


def same_node(a, b) -> bool:
    """Input or output nodes with equal fields (components compared by value)."""
    return a == b


def _same_value(a, b) -> bool:
    if isinstance(a, Initializer) or isinstance(b, Initializer):
        return type(a) is type(b) and a == b
    return np.array_equal(np.asarray(a), np.asarray(b))


def same_pool(a: PoolState, b: PoolState) -> bool:
    mask_same = (a.excitatory is None and b.excitatory is None) or (
        a.excitatory is not None and b.excitatory is not None and np.array_equal(a.excitatory, b.excitatory))
    return (a.name == b.name and a.n == b.n and a.g_inh == b.g_inh and mask_same and a.model == b.model
            and _same_init(a.init, b.init))


def _same_init(a: tuple, b: tuple) -> bool:
    return [k for k, _ in a] == [k for k, _ in b] and all(_same_value(x, y) for (_, x), (_, y) in zip(a, b))


def same_projection(a: ProjectionState, b: ProjectionState) -> bool:
    """Equal fields; the synapse must be the same *instance* (instances are shared receptors)."""
    return (a.name == b.name and a.pre == b.pre and a.post == b.post and a.delay == b.delay
            and a.synapse is b.synapse and a.connectivity == b.connectivity
            and _same_value(a.weight, b.weight) and len(a.plasticity) == len(b.plasticity)
            and all(x == y for x, y in zip(a.plasticity, b.plasticity)) and _same_init(a.init, b.init))


def restore(net, snap: Snapshot) -> None:
    """Make ``net`` equal to ``snap`` (see the module docstring)."""
    want_pools = {p.name: p for p in snap.pools}
    want_proj = {p.name: p for p in snap.projections}
    have = snapshot(net)
    have_proj = {p.name: p for p in have.projections}
    # 1. projections that are not exactly as wanted go (they come back in step 6)
    for name, p in have_proj.items():
        if name not in want_proj or not same_projection(p, want_proj[name]):
            net.remove_projection(name)
    # the projections left are the wanted ones, whose delays fit the wanted dt
    net.configure(dt=snap.dt, seed=snap.seed, **dict(zip(("dtype", "spike_batch", "native"), snap.settings)))
    # 2. records that are not wanted
    want_keys = {r.key: r for r in snap.records}
    for r in list(net.records):
        if want_keys.get(r.key) != r:
            net.unrecord(r.key)
    # 3. input and output nodes that are not exactly as wanted, or touch a pool whose size
    #    changes (they come back in steps 5 and 6)
    want_in = {nd.name: nd for nd in snap.inputs}
    want_out = {nd.name: nd for nd in snap.outputs}
    resized = {k for k, p in net.pools.items() if k not in want_pools or want_pools[k].n != p.n}
    for name in [k for k, nd in net.outputs.items()
                 if not same_node(nd, want_out.get(k)) or resized & set(nd.source.pools())]:
        net.remove_output(name)
    for name in [k for k, nd in net.inputs.items() if not same_node(nd, want_in.get(k)) or nd.pool in resized]:
        net.remove_input(name)
    own = {k for k, nd in want_in.items() if nd.pool == k}      # pools the wanted inputs make
    # 4. pools: remove, update, add
    for name in [n for n in net.pools if n not in want_pools or (n in own and n not in net.inputs)]:
        net.remove_pool(name)
    for name, w in want_pools.items():
        if name in own:
            continue
        if name in net.pools:
            cur = net.pools[name]
            if not same_pool(PoolState(name, cur.model, cur.n, cur.excitatory, cur.g_inh, tuple(cur.init.items())), w):
                net.update_pool(name, model=w.model, n=w.n, excitatory=w.excitatory, g_inh=w.g_inh, init=dict(w.init))
        else:
            net.add_pool(name, w.model, w.n, excitatory=w.excitatory, g_inh=w.g_inh, init=dict(w.init) or None)
    # 5. input nodes (with the pools they make), in the wanted order
    for name, w in want_in.items():
        if name not in net.inputs:
            own_pool = w.pool == name
            net.add_input(name, w.encoder, n=w.n if own_pool else None, target=None if own_pool else w.pool)
    net.reorder(inputs=list(want_in), pools=list(want_pools))
    # 6. projections, then output nodes
    for name, w in want_proj.items():
        if name not in net.projections:
            net.connect(w.pre, w.post, synapse=w.synapse, connectivity=w.connectivity, weight=w.weight,
                        delay=w.delay, name=name, plasticity=list(w.plasticity) or None, init=dict(w.init) or None)
    net.reorder(projections=list(want_proj))
    for name, w in want_out.items():
        if name not in net.outputs:
            net.add_output(name, w.decoder, w.source)
    net.reorder(outputs=list(want_out))
    # 7. records, in the wanted order
    have_keys = {r.key for r in net.records}
    for r in snap.records:
        if r.key not in have_keys:
            net.record(r.pool, r.var, r.every, r.neurons)
    net.reorder(records=[r.key for r in snap.records])
    # 8. layout
    want_layout = dict(snap.layout)
    for name in [n for n in net.layout if n not in want_layout]:
        net.remove_position(name)
    for name, (x, y) in want_layout.items():
        if net.layout.get(name) != (x, y):
            net.set_position(name, x, y)


def _brief(v) -> str:
    """A value as the history writes it: ``12``, ``0.1``, ``Uniform(...)``, ``[40 values]``."""
    if isinstance(v, Initializer):
        return type(v).__name__
    a = np.asarray(v)
    if a.ndim == 0:
        x = a.item()
        return f"{x:g}" if isinstance(x, float) else str(x)
    return f"[{a.size} values]"


def _param_changes(prefix: str, a, b) -> list[str]:
    """``["inh.tau_m 12 -> 10", ...]`` for the parameters of component ``b`` that differ from
    ``a`` (components of one class); [] when they differ in class (a new model)."""
    if type(a) is not type(b):
        return []
    out = []
    for k in getattr(b, "values", {}):
        x, y = a.values.get(k), b.values[k]
        if not _same_value(x, y):
            out.append(f"{prefix}.{k} {_brief(x)} -> {_brief(y)}")
    for k in getattr(b, "options", {}):
        if a.options.get(k) != b.options[k]:
            out.append(f"{prefix}.{k} {a.options.get(k)!r} -> {b.options[k]!r}")
    return out


def describe(before: Snapshot, after: Snapshot) -> str:
    """What changed from ``before`` to ``after`` in the words of the values a user edits
    (``"inh.tau_m 12 -> 10"``, ``"exc->inh.weight 1 -> 2"``), "" when it is not such a change
    (added, removed, renamed or re-typed elements: the edit's own description says it)."""
    pools_a = {p.name: p for p in before.pools}
    proj_a = {p.name: p for p in before.projections}
    if set(pools_a) != {p.name for p in after.pools} or set(proj_a) != {p.name for p in after.projections}:
        return ""
    out = []
    for p in after.pools:
        a = pools_a[p.name]
        out += _param_changes(p.name, a.model, p.model)
        for field in ("n", "g_inh"):
            if getattr(a, field) != getattr(p, field):
                out.append(f"{p.name}.{field} {_brief(getattr(a, field))} -> {_brief(getattr(p, field))}")
    for p in after.projections:
        a = proj_a[p.name]
        out += _param_changes(p.name, a.synapse, p.synapse) + _param_changes(p.name, a.connectivity, p.connectivity)
        for field in ("weight", "delay"):
            if not _same_value(getattr(a, field), getattr(p, field)):
                out.append(f"{p.name}.{field} {_brief(getattr(a, field))} -> {_brief(getattr(p, field))}")
        for i, (x, y) in enumerate(zip(a.plasticity, p.plasticity)):
            out += _param_changes(f"{p.name}.{type(y).__name__.lower()}" if i == 0 else f"{p.name}.rule{i}", x, y)
    return ", ".join(out[:3]) + (f" (+{len(out) - 3} more)" if len(out) > 3 else "")


class History:
    """Bounded undo and redo stacks of snapshots (``limit`` levels, default 100), each with
    the words of the edit it undoes (``labels``: oldest first)."""

    def __init__(self, limit: int = 100):
        self.limit = limit
        self._undo: list[tuple[Snapshot, str]] = []
        self._redo: list[tuple[Snapshot, str]] = []
        self.last_label = ""            # the edit the last undo or redo took back or made again

    def push(self, before: Snapshot, label: str = "an edit") -> None:
        """Record the state before an edit described by ``label``; a new edit clears the redo stack."""
        self._undo.append((before, label))
        del self._undo[:-self.limit]
        self._redo.clear()

    def undo(self, current: Snapshot) -> Snapshot | None:
        """The state to go back to (``current`` goes onto the redo stack), or None;
        ``last_label`` then says which edit was undone."""
        return self._step(self._undo, self._redo, current)

    def redo(self, current: Snapshot) -> Snapshot | None:
        """The state an undone edit made (``current`` goes back onto the undo stack), or None;
        ``last_label`` then says which edit was redone."""
        return self._step(self._redo, self._undo, current)

    def _step(self, source: list, target: list, current: Snapshot) -> Snapshot | None:
        """Undo and redo alike: the newest snapshot of ``source`` (None when it is empty), its
        label as ``last_label``; ``current`` goes onto ``target`` under that label."""
        if not source:
            return None
        snapshot, self.last_label = source.pop()
        target.append((current, self.last_label))
        return snapshot

    @property
    def labels(self) -> list[str]:
        """The edits that Undo would take back, oldest first."""
        return [label for _, label in self._undo]

    @property
    def redo_labels(self) -> list[str]:
        """The edits that Redo would make again, the next one last."""
        return [label for _, label in self._redo]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def __len__(self) -> int:
        return len(self._undo)
