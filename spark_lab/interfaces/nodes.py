"""Encoders and decoders as nodes of a network (their state while it runs: ``spark_lab._io``).

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

from .. import _checks
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
        """How errors name this node: ``input 'name' (EncoderClass)``."""
        return f"input {self.name!r} ({type(self.encoder).__name__})"


@dataclass
class OutputNode:
    """A decoder reading ``source`` (a routing over pools, ``n`` neurons in all)."""
    name: str
    decoder: Decoder
    source: Routing
    n: int

    def where(self) -> str:
        """How errors name this node: ``output 'name' (DecoderClass)``."""
        return f"output {self.name!r} ({type(self.decoder).__name__})"


def as_routing(source) -> Routing:
    """A decoder's source as a Routing: a list of pools becomes a Concat."""
    if isinstance(source, (list, tuple)):
        return Concat(*source)
    return source if isinstance(source, Routing) else Concat(source)


def plan_input(net, name: str, encoder: Encoder, n: int | None = None, target=None) -> tuple:
    """Check an input node for ``Network.add_input`` without changing ``net``; returns
    ``(pool, model, size)``: the pool it feeds, the neuron model of the pool to make for
    it (None for a current encoder, which feeds the existing pool ``target``) and the
    number of neurons it drives."""
    from ..neurons import PoissonSource, SpikeInput

    _checks.name(name, "input")
    if name in net.inputs:
        raise NetworkError(f"an input named {name!r} exists already")
    net.check_free(name, "input")
    if not isinstance(encoder, Encoder):
        raise NetworkError(f"input {name!r}: encoder must be an encoder such as PoissonEncoder(), got {encoder!r}")
    where = f"input {name!r} ({type(encoder).__name__})"
    if encoder.OUTPUT == "current":
        if target is None:
            raise NetworkError(f"{where}: a current encoder injects into an existing pool; give target='pool name'")
        pool = net.pool_name(target)
        if n is not None and n != net.pools[pool].n:
            raise ParameterError(where, "n", f"got {n!r}",
                                 f"leave n=None: the target pool has {net.pools[pool].n} neurons")
        return pool, None, encoder.n_neurons(net.pools[pool].n, where)
    if target is not None:
        raise NetworkError(f"{where}: target= is only for current encoders; this encoder gets its own pool {name!r}")
    size = encoder.n_neurons(n, where)
    model = {"rate": lambda: PoissonSource(rate=0.0), "spikes": SpikeInput}[encoder.OUTPUT]()
    return name, model, size


def plan_output(net, name: str, decoder: Decoder, source) -> OutputNode:
    """Check an output node for ``Network.add_output`` (or a changed one for
    ``update_output``) without changing ``net``; returns the node."""
    _checks.name(name, "output")
    if not isinstance(decoder, Decoder):
        raise NetworkError(f"output {name!r}: decoder must be a decoder such as CountDecoder(), got {decoder!r}")
    source = as_routing(source)
    for p in source.pools():
        net.pool_name(p)                       # NetworkError with did-you-mean
    where = f"output {name!r} ({type(decoder).__name__})"
    n = source.size({nm: p.n for nm, p in net.pools.items()})
    decoder.init(n, where)                     # ParameterError if the decoder cannot read n neurons
    return OutputNode(name, decoder, source, n)

