"""Encoders and decoders as nodes of a network, and their state while it runs.

    net.add_input("obs", PopulationEncoder(n=16, low=-1, high=1))     # new pool "obs"
    net.add_input("drive", CurrentEncoder(gain=20.0), target="exc")   # into existing pool "exc"
    net.add_output("angle", PopulationDecoder(...), source="out")     # or [pools], or a routing
    sim = net.build()
    res = sim.run(1000, inputs={"obs": 0.3})       # encoder-domain values, not per-neuron input
    res.outputs["angle"]
    c = sim.run_chunk(100, inputs={"obs": x}, outputs=("angle",))     # c["angle"]

Inputs. ``add_input`` makes the pool the encoder drives: a PoissonSource with rate 0
for rate encoders (``OUTPUT == "rate"``: the encoded rate is the whole rate), a
SpikeInput for spike encoders (``"spikes"``), or, for current encoders (``"current"``),
no pool: ``target`` names an existing pool and the encoded current adds to its input.
At every ``run`` / ``run_chunk`` the simulator turns ``inputs[name]`` into per-neuron
input with the encoder (state such as the delta encoder's reference carries over from
call to call) and passes it on to the same checks as raw input. An input node that
is not given a value in a call gets no input in that call (rate 0, no spikes, no current).

Outputs. Every output node is stepped once per ``run`` / ``run_chunk`` call with the
spike counts of its source during that call (whether or not the call asks for its value),
so stateful decoders (RateDecoder) see all the time that passes. ``Simulator.reset()``
resets encoder and decoder states; checkpoints do not store them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._params import did_you_mean
from ..errors import NetworkError, ParameterError
from ._base import Decoder, Encoder
from .routing import Concat, Routing


@dataclass
class InputNode:
    """An encoder feeding pool ``pool`` (``n`` neurons); ``name`` is the key in ``run(inputs=...)``."""
    name: str
    encoder: Encoder
    pool: str
    n: int

    def where(self) -> str:
        return f"input {self.name!r} ({type(self.encoder).__name__})"


@dataclass
class OutputNode:
    """A decoder reading ``source`` (a routing over pools, ``n`` neurons in all)."""
    name: str
    decoder: Decoder
    source: Routing
    n: int

    def where(self) -> str:
        return f"output {self.name!r} ({type(self.decoder).__name__})"


def as_routing(source) -> Routing:
    """A decoder's source as a Routing: a list of pools becomes a Concat."""
    if isinstance(source, (list, tuple)):
        return Concat(*source)
    return source if isinstance(source, Routing) else Concat(source)


def add_input(net, name: str, encoder: Encoder, n: int | None = None, target=None) -> InputNode:
    """See ``Network.add_input``."""
    with net._change("add_input", name=name):
        return _add_input(net, name, encoder, n, target)


def _add_input(net, name, encoder, n, target) -> InputNode:
    from ..neurons import PoissonSource, SpikeInput
    from .editing import check_free

    net._check_name(name, "input")
    if name in net.inputs:
        raise NetworkError(f"an input named {name!r} exists already")
    if name in net.outputs:
        check_free(net, name, "input")
    if not isinstance(encoder, Encoder):
        raise NetworkError(f"input {name!r}: encoder must be an encoder such as PoissonEncoder(), got {encoder!r}")
    where = f"input {name!r} ({type(encoder).__name__})"
    if encoder.OUTPUT == "current":
        if target is None:
            raise NetworkError(f"{where}: a current encoder injects into an existing pool; give target='pool name'")
        pool = net._pool_name(target)
        if name in net.pools:
            raise NetworkError(f"{where}: the name {name!r} is a pool's; give the input its own name")
        if n is not None and n != net.pools[pool].n:
            raise ParameterError(where, "n", f"got {n!r}", f"leave n=None: the target pool has {net.pools[pool].n} neurons")
        size = encoder.n_neurons(net.pools[pool].n, where)
    else:
        if target is not None:
            raise NetworkError(f"{where}: target= is only for current encoders; this encoder gets its own pool {name!r}")
        size = encoder.n_neurons(n, where)
        model = {"rate": lambda: PoissonSource(rate=0.0), "spikes": SpikeInput}[encoder.OUTPUT]()
        pool = net.add_pool(name, model, size).name
    node = InputNode(name, encoder, pool, size)
    net.inputs[name] = node
    return node


def add_output(net, name: str, decoder: Decoder, source) -> OutputNode:
    """See ``Network.add_output``."""
    from .editing import check_free

    net._check_name(name, "output")
    if name in net.outputs:
        raise NetworkError(f"an output named {name!r} exists already")
    if name in net.pools:
        raise NetworkError(f"output {name!r}: the name is a pool's (run_chunk returns both in one dict); "
                           f"give the output its own name")
    check_free(net, name, "output")
    if not isinstance(decoder, Decoder):
        raise NetworkError(f"output {name!r}: decoder must be a decoder such as CountDecoder(), got {decoder!r}")
    source = as_routing(source)
    for p in source.pools():
        net._pool_name(p)                      # NetworkError with did-you-mean
    where = f"output {name!r} ({type(decoder).__name__})"
    n = source.size({nm: p.n for nm, p in net.pools.items()})
    decoder.init(n, where)                     # ParameterError if the decoder cannot read n neurons
    node = OutputNode(name, decoder, source, n)
    with net._change("add_output", name=name):
        net.outputs[name] = node
    return node


class IOState:
    """Encoder and decoder states of one simulator (made fresh by ``reset``)."""

    def __init__(self, net, dt: float):
        self.net, self.dt = net, dt
        for nm, nd in net.inputs.items():           # pools can be removed or renamed after add_input
            if nd.pool not in net.pools:
                raise NetworkError(f"{nd.where()}: its pool {nd.pool!r} is no longer in the network; "
                                   f"delete the node (del net.inputs[{nm!r}]) or add it again")
        for nm, nd in net.outputs.items():
            gone = [p for p in nd.source.pools() if p not in net.pools]
            if gone:
                raise NetworkError(f"{nd.where()}: its source pool {gone[0]!r} is no longer in the network; "
                                   f"delete the node (del net.outputs[{nm!r}]) or add it again")
        self.enc = {nm: nd.encoder.init(nd.n) for nm, nd in net.inputs.items()}
        self.dec = {nm: nd.decoder.init(nd.n, nd.where()) for nm, nd in net.outputs.items()}
        sizes = {nm: p.n for nm, p in net.pools.items()}
        self.routes = {nm: nd.source.resolve(sizes) for nm, nd in net.outputs.items()}

    def encode(self, inputs: dict, steps: int, check) -> tuple[dict, dict]:
        """(per-pool inputs, new encoder states) for a call of ``steps`` steps.

        ``inputs`` mixes input-node names (encoder-domain values) and pool names (raw
        input); ``check`` is the simulator's raw-input check. Encoded currents add to raw
        input of the same pool. States are returned, not stored: see ``commit``."""
        if not isinstance(inputs, dict):
            raise ParameterError("run", "inputs", f"got {type(inputs).__name__}",
                                 "give a dict {input or pool name: values}")
        nodes = self.net.inputs
        if not nodes:
            return inputs, self.enc            # no input nodes: raw input only, checked by the simulator
        # other keys (pools, modulator channels, unknown names) are left to the simulator's check
        if not any(k in nodes for k in inputs):
            return inputs, self.enc            # raw input only: untouched (the closed-loop fast path)
        raw = {k: v for k, v in inputs.items() if k not in nodes}
        targets = {nodes[k].pool for k in inputs if k in nodes}
        if any(k in targets for k in raw):     # raw input to a pool a current encoder also feeds: check it first
            pre = check({k: v for k, v in raw.items() if k in targets}, steps)
            raw.update({k: pre[k] for k in targets if k in pre})
        states = dict(self.enc)
        for nm, v in inputs.items():
            if nm not in nodes:
                continue
            nd = nodes[nm]
            states[nm], out = nd.encoder.encode(self.enc[nm], v, steps, self.dt, nd.n, nd.where())
            out = np.asarray(out)
            if not np.all(np.isfinite(out)):
                raise ParameterError(nd.where(), "values", "the encoded input contains NaN or inf",
                                     "lower the encoder's gain or the values")
            raw[nd.pool] = raw[nd.pool] + out if nd.pool in raw else out
        return raw, states

    def commit(self, states: dict) -> None:
        self.enc = states

    def pools_needed(self) -> tuple[str, ...]:
        out = []
        for nd in self.net.outputs.values():
            out.extend(p for p in nd.source.pools() if p not in out)
        return tuple(out)

    def decode(self, counts: dict, steps: int) -> dict:
        """Step every decoder with the counts of a call of ``steps`` steps; {output name: value}."""
        values = {}
        for nm, nd in self.net.outputs.items():
            c = np.concatenate([np.asarray(counts[p])[idx] for p, idx in self.routes[nm]])
            self.dec[nm], values[nm] = nd.decoder.step(self.dec[nm], c, steps, self.dt, nd.where())
        return values

    def check_names(self, names) -> tuple[str, ...]:
        if isinstance(names, str):
            names = (names,)
        names = tuple(names)
        for nm in names:
            if nm not in self.net.outputs:
                raise NetworkError(f"unknown output {nm!r}; {did_you_mean(str(nm), self.net.outputs)}"
                                   f"outputs: {', '.join(self.net.outputs) or '(none; add one with add_output)'}")
        return names

