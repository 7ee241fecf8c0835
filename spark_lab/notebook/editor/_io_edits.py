"""What the editor's edits do to a Network when input or output nodes are involved.

Each ``*_plan`` function checks an edit against the node kinds (``_elements.node_kind``)
and returns ``(message, fn)``: ``fn()`` changes the network through its public editing
methods (the editor runs it as one undoable step), ``message`` goes to the status line.
A connection that makes no sense raises EditorError with the reason:

- nothing goes *into* an encoder (it makes its own spikes, or injects a current);
- nothing comes *out of* a decoder into the network (it turns spikes into values);
- a current encoder has one target pool: it is chosen when the encoder is added, and
  changed in its inspector, not by a second connection.

Connecting a pool to a decoder adds the pool to the decoder's source; deleting that
edge takes it out again (not the last one: a decoder reads at least one pool).
Deleting a pool first detaches what is attached to it: decoders stop reading it (a
decoder left with nothing to read is deleted), current encoders injecting into it are
deleted; then the pool goes with its projections.
"""
from __future__ import annotations

from ...errors import SparkLabError
from ...interfaces import Concat, Routing, Subset
from ._backend import EditorError
from ._elements import io_edge_ends, node_kind

_WHAT = {"pool": "pool", "source": "input", "encoder": "input encoder", "current": "current encoder",
         "decoder": "output decoder"}


def describe(net, name) -> str:
    """"input encoder 'obs' (PoissonEncoder)" and the like."""
    kind = node_kind(net, name)
    comp = (net.inputs[name].encoder if kind in ("encoder", "current") else
            net.outputs[name].decoder if kind == "decoder" else net.pools[name].model)
    return f"{_WHAT[kind]} {name!r} ({type(comp).__name__})"


def without_pool(source, pool: str):
    """``source`` (a routing or a pool name) without the neurons of ``pool``; None if nothing is left."""
    if isinstance(source, str):
        return None if source == pool else source
    kept = [x for x in (without_pool(s, pool) for s in source.sources) if x is not None]
    return type(source)(*kept, **{**source.values, **source.options}) if kept else None


def with_pool(source: Routing, pool: str) -> Routing:
    """``source`` followed by all neurons of ``pool``; a Subset of one source draws from
    that source and ``pool``."""
    if isinstance(source, Concat):
        return Concat(*source.sources, pool)
    if isinstance(source, Subset) and len(source.sources) == 1:
        inner = source.sources[0]
        inner = with_pool(inner if isinstance(inner, Routing) else Concat(inner), pool)
        return Subset(inner, **{**source.values, **source.options})
    return Concat(source, pool)


# ----------------------------------------------------------------------------- connect
def connect_plan(net, pre: str, post: str):
    """(message, fn, name of what is selected after) for a connection that is not a plain
    projection; None for a projection between pools (the editor makes it)."""
    kp, kq = node_kind(net, pre), node_kind(net, post)
    for name, kind in ((pre, kp), (post, kq)):
        if kind is None:
            raise EditorError(f"no node {name!r} to connect")
    head = f"cannot connect {pre!r} -> {post!r}"
    if kq in ("encoder", "current"):
        raise EditorError(f"{head}: {describe(net, post)} is an input; it takes no connections")
    if kq == "source":
        raise EditorError(f"{head}: {post!r} is an input ({type(net.pools[post].model).__name__}); "
                          f"it makes its own spikes and takes no projections")
    if kp == "decoder":
        raise EditorError(f"{head}: {describe(net, pre)} is an output; it turns spikes into values and "
                          f"sends nothing into the network")
    if kp == "current":
        target = net.inputs[pre].pool
        if post == target:
            raise EditorError(f"{head}: {pre!r} injects into {target!r} already")
        raise EditorError(f"{head}: a current encoder has one target pool, {target!r}; choose another target "
                          f"in its inspector")
    if kq == "decoder":
        nd = net.outputs[post]
        if pre in nd.source.pools():
            raise EditorError(f"{head}: {post!r} reads {pre!r} already")
        src = with_pool(nd.source, pre)
        return (f"{post!r} reads {pre!r} too", lambda: net.update_output(post, source=src), post)
    return None


# ----------------------------------------------------------------------------- delete
def detach(net, pool: str) -> None:
    """Decoders stop reading ``pool`` (deleted when nothing is left or they no longer fit);
    current encoders injecting into it are deleted."""
    for nm, nd in list(net.outputs.items()):
        if pool in nd.source.pools():
            src = without_pool(nd.source, pool)
            try:
                if src is None:
                    raise EditorError("nothing left to read")
                net.update_output(nm, source=src)
            except SparkLabError:
                net.remove_output(nm)
    for nm, nd in list(net.inputs.items()):
        if nd.pool == pool and nm != pool:
            net.remove_input(nm)


def delete_plan(net, name):
    """(message, fn) deleting the node, projection or interface edge ``name``."""
    ends = io_edge_ends(name)
    if ends is not None:
        a, b = ends
        if node_kind(net, a) == "current":
            raise EditorError(f"a current encoder needs its target pool: delete {a!r} itself, or choose another "
                              f"target in its inspector")
        nd = net.outputs.get(b)
        if nd is None or a not in nd.source.pools():
            raise EditorError(f"nothing named {name!r}")
        src = without_pool(nd.source, a)
        if src is None:
            raise EditorError(f"{b!r} reads only {a!r}; a decoder reads at least one pool: delete {b!r} itself")
        return f"{b!r} no longer reads {a!r}", lambda: net.update_output(b, source=src)
    kind = node_kind(net, name)
    if kind == "decoder":
        return f"deleted output {name!r}", lambda: net.remove_output(name)
    if kind == "current":
        return f"deleted input {name!r}", lambda: net.remove_input(name)
    if kind == "encoder":
        return f"deleted input {name!r}", lambda: (detach(net, name), net.remove_input(name))
    if kind is not None:
        return f"deleted pool {name!r}", lambda: (detach(net, name), net.remove_pool(name))
    return None


def rename_fn(net, old: str, new: str):
    """The Network call renaming node ``old``, or None when ``old`` is not a node."""
    kind = node_kind(net, old)
    if kind in ("encoder", "current"):
        return lambda: net.rename_input(old, new)
    if kind == "decoder":
        return lambda: net.rename_output(old, new)
    if kind is not None:
        return lambda: net.rename_pool(old, new)
    return None

