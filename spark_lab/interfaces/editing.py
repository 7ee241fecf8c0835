"""Checks and plans for editing the input and output nodes of a Network.

``Network.update_input``, ``rename_input``, ``update_output``, ``rename_output``,
``update_pool`` and ``rename_pool`` call these to check a whole change before they make
it (all or nothing): each function reads the network and returns the new nodes without
changing anything; the Network stores them and emits one change event
(``Network.observe``), so an editor showing the network follows.

Names: pools, input nodes and output nodes share one namespace (an input that makes
its own pool has the pool's name), so every node of a graph editor has its own name.
"""
from __future__ import annotations

from .._params import did_you_mean
from ..errors import NetworkError, ParameterError
from ._base import Decoder, Encoder
from .nodes import InputNode, OutputNode, as_routing, plan_output


def owns_pool(nd: InputNode) -> bool:
    """True when the input made its pool (``add_input`` names it after the input)."""
    return nd.pool == nd.name


def node(nodes, name, kind: str):
    """``nodes[name]``, or NetworkError naming the known ``kind`` ("input", "output") nodes."""
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


def plan_update_input(net, name, encoder=None, n=None, target=None) -> tuple:
    """``(new node, model, size)`` for ``Network.update_input``: the new InputNode and,
    for an input that made its pool, the neuron model the pool must change to (None: keep)
    and the pool's new size (None for a current encoder)."""
    nd = node(net.inputs, name, "input")
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
        pool = nd.pool if target is None else net.pool_name(target)
        return InputNode(name, enc, pool, enc.n_neurons(net.pools[pool].n, where)), None, None
    if target is not None:
        raise NetworkError(f"{where}: target= is only for current encoders; this encoder has its own pool {name!r}")
    try:
        size = enc.n_neurons(nd.n if n is None else n, where)
    except ParameterError:
        if n is not None:
            raise
        size = enc.n_neurons(None, where)           # e.g. dims changed: the encoder's own size
    model = None
    if enc.OUTPUT != nd.encoder.OUTPUT:
        from ..neurons import PoissonSource, SpikeInput
        model = PoissonSource(rate=0.0) if enc.OUTPUT == "rate" else SpikeInput()
    return InputNode(name, enc, nd.pool, size), model, size


def plan_update_output(net, name, decoder=None, source=None) -> OutputNode:
    """The new OutputNode for ``Network.update_output``."""
    nd = node(net.outputs, name, "output")
    dec = nd.decoder if decoder is None else decoder
    if not isinstance(dec, Decoder):
        raise NetworkError(f"{nd.where()}: decoder must be a decoder such as CountDecoder(), got {dec!r}")
    return plan_output(net, name, dec, nd.source if source is None else as_routing(source))


def renamed_input(nodes: dict, old: str, new: str) -> dict:
    """``nodes`` (name -> InputNode) with input ``old`` named ``new``, in the same order."""
    return {(new if k == old else k): (InputNode(new, v.encoder, v.pool, v.n) if k == old else v)
            for k, v in nodes.items()}


def renamed_output(nodes: dict, old: str, new: str) -> dict:
    """``nodes`` (name -> OutputNode) with output ``old`` named ``new``, in the same order."""
    return {(new if k == old else k): (OutputNode(new, v.decoder, v.source, v.n) if k == old else v)
            for k, v in nodes.items()}


def follow_pool_rename(inputs: dict, outputs: dict, old: str, new: str) -> tuple[dict, dict]:
    """The input and output nodes after pool ``old`` became ``new``: inputs into it and
    outputs reading it follow (an input that made the pool is renamed with it)."""
    new_inputs = {}
    for k, nd in inputs.items():
        if nd.pool == old:
            k = new if owns_pool(nd) else k
            nd = InputNode(k, nd.encoder, new, nd.n)
        new_inputs[k] = nd
    new_outputs = {k: (OutputNode(k, nd.decoder, nd.source.rename_pool(old, new), nd.n)
                       if old in nd.source.pools() else nd) for k, nd in outputs.items()}
    return new_inputs, new_outputs
