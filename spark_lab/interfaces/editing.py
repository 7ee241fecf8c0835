"""Editing the input and output nodes of a Network after ``add_input`` / ``add_output``.

These are the bodies of ``Network.remove_input``, ``update_input``, ``rename_input``,
``remove_output``, ``update_output`` and ``rename_output``. Each checks the whole change
before it changes anything (all or nothing) and the network emits one change event
for it (``Network.observe``), so an editor showing the network follows.

Names: pools, input nodes and output nodes share one namespace (an input that makes
its own pool has the pool's name), so every node of a graph editor has its own name.
"""
from __future__ import annotations

from .._params import did_you_mean
from ..errors import NetworkError, ParameterError
from ._base import Decoder, Encoder
from .nodes import InputNode, OutputNode, as_routing


def owns_pool(nd: InputNode) -> bool:
    """True when the input made its pool (``add_input`` names it after the input)."""
    return nd.pool == nd.name


def check_free(net, name, what: str, keep: str | None = None) -> None:
    """NetworkError unless ``name`` is a valid name that no pool or node other than ``keep`` has."""
    net._check_name(name, what)
    for kind, names in (("pool", net.pools), ("input", net.inputs), ("output", net.outputs)):
        if name in names and name != keep:
            raise NetworkError(f"the name {name!r} is taken by {'an' if kind[0] in 'io' else 'a'} {kind}; "
                               f"give the {what} its own name")


def _node(nodes: dict, name, kind: str):
    if name not in nodes:
        raise NetworkError(f"unknown {kind} {name!r}; {did_you_mean(str(name), nodes)}"
                           f"{kind}s: {', '.join(nodes) or '(none)'}")
    return nodes[name]


def refit(net, sizes: dict) -> tuple[dict, dict]:
    """The input and output nodes for pools of the given sizes ({pool: n}).

    Nodes whose pools are gone are kept as they are (``build`` reports them). Raises
    ParameterError when an encoder or decoder cannot take a new size."""
    inputs = {}
    for nm, nd in net.inputs.items():
        if nd.pool in sizes and sizes[nd.pool] != nd.n:
            n = nd.encoder.n_neurons(sizes[nd.pool], nd.where())
            nd = InputNode(nd.name, nd.encoder, nd.pool, n)
        inputs[nm] = nd
    outputs = {}
    for nm, nd in net.outputs.items():
        if all(p in sizes for p in nd.source.pools()):
            n = nd.source.size(sizes)
            if n != nd.n:
                nd.decoder.init(n, nd.where())
                nd = OutputNode(nd.name, nd.decoder, nd.source, n)
        outputs[nm] = nd
    return inputs, outputs


# ----------------------------------------------------------------------------- inputs
def remove_input(net, name) -> None:
    nd = _node(net.inputs, name, "input")
    with net._change("remove_input", name=name):
        del net.inputs[name]
        if owns_pool(nd) and nd.pool in net.pools:
            net.remove_pool(nd.pool)
        net.layout.pop(name, None)


def update_input(net, name, encoder=None, n=None, target=None) -> InputNode:
    nd = _node(net.inputs, name, "input")
    enc = nd.encoder if encoder is None else encoder
    if not isinstance(enc, Encoder):
        raise NetworkError(f"{nd.where()}: encoder must be an encoder such as PoissonEncoder(), got {enc!r}")
    where = f"input {name!r} ({type(enc).__name__})"
    current = enc.OUTPUT == "current"
    if current != (nd.encoder.OUTPUT == "current"):
        raise NetworkError(f"{where}: a current encoder injects into a pool, other encoders make their own; "
                           f"remove the input and add it again to change between them")
    if current:
        if n is not None:
            raise ParameterError(where, "n", f"got {n!r}", "leave n=None: a current encoder drives its whole target")
        pool = nd.pool if target is None else net._pool_name(target)
        new = InputNode(name, enc, pool, enc.n_neurons(net.pools[pool].n, where))
        with net._change("update_input", name=name):
            net.inputs[name] = new
        return new
    if target is not None:
        raise NetworkError(f"{where}: target= is only for current encoders; this encoder has its own pool {name!r}")
    try:
        size = enc.n_neurons(nd.n if n is None else n, where)
    except ParameterError:
        if n is not None:
            raise
        size = enc.n_neurons(None, where)           # e.g. dims changed: the encoder's own size
    new = InputNode(name, enc, nd.pool, size)
    model = None
    if enc.OUTPUT != nd.encoder.OUTPUT:
        from ..neurons import PoissonSource, SpikeInput
        model = PoissonSource(rate=0.0) if enc.OUTPUT == "rate" else SpikeInput()
    old_inputs = dict(net.inputs)
    with net._change("update_input", name=name):
        net.inputs[name] = new                      # seen by update_pool's checks of the new size
        if model is not None or size != net.pools[nd.pool].n:
            try:
                net.update_pool(nd.pool, model=model, n=size)
            except Exception:
                net.inputs = old_inputs
                raise
    return new


def rename_input(net, old, new: str) -> None:
    nd = _node(net.inputs, old, "input")
    if new == old:
        return
    if owns_pool(nd):
        with net._change("rename_input", old=old, new=new):
            net.rename_pool(old, new)               # renames the input with its pool
        return
    check_free(net, new, "input")
    with net._change("rename_input", old=old, new=new):
        net.inputs = {(new if k == old else k): (InputNode(new, v.encoder, v.pool, v.n) if k == old else v)
                      for k, v in net.inputs.items()}
        if old in net.layout:
            net.layout[new] = net.layout.pop(old)


def follow_pool_rename(net, old: str, new: str) -> None:
    """After pool ``old`` became ``new``: inputs into it and outputs reading it follow
    (an input that made the pool is renamed with it). Called by ``Network.rename_pool``."""
    inputs = {}
    for k, nd in net.inputs.items():
        if nd.pool == old:
            k = new if owns_pool(nd) else k
            nd = InputNode(k, nd.encoder, new, nd.n)
        inputs[k] = nd
    net.inputs = inputs
    for k, nd in list(net.outputs.items()):
        if old in nd.source.pools():
            net.outputs[k] = OutputNode(k, nd.decoder, nd.source.rename_pool(old, new), nd.n)


# ----------------------------------------------------------------------------- outputs
def remove_output(net, name) -> None:
    _node(net.outputs, name, "output")
    with net._change("remove_output", name=name):
        del net.outputs[name]
        net.layout.pop(name, None)


def update_output(net, name, decoder=None, source=None) -> OutputNode:
    nd = _node(net.outputs, name, "output")
    dec = nd.decoder if decoder is None else decoder
    if not isinstance(dec, Decoder):
        raise NetworkError(f"{nd.where()}: decoder must be a decoder such as CountDecoder(), got {dec!r}")
    src = nd.source if source is None else as_routing(source)
    for p in src.pools():
        net._pool_name(p)
    where = f"output {name!r} ({type(dec).__name__})"
    n = src.size({k: p.n for k, p in net.pools.items()})
    dec.init(n, where)
    new = OutputNode(name, dec, src, n)
    with net._change("update_output", name=name):
        net.outputs[name] = new
    return new


def rename_output(net, old, new: str) -> None:
    _node(net.outputs, old, "output")
    if new == old:
        return
    check_free(net, new, "output")
    with net._change("rename_output", old=old, new=new):
        net.outputs = {(new if k == old else k): (OutputNode(new, v.decoder, v.source, v.n) if k == old else v)
                       for k, v in net.outputs.items()}
        if old in net.layout:
            net.layout[new] = net.layout.pop(old)
