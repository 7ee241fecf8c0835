"""Runtime state of a network's input and output nodes while a simulator runs.

``IOState(net, dt)`` holds the encoder states (e.g. the delta encoder's reference) and the
decoder states (e.g. a rate decoder's running average) of one simulator, encodes the
encoder-domain values of ``run(inputs=...)`` into per-pool input and steps the decoders
with the spike counts of each call. The nodes themselves (what is connected to what)
are part of the description: ``spark_lab.interfaces.nodes``. ``dt`` is in ms.
"""
from __future__ import annotations

import numpy as np

from ._params import did_you_mean
from .errors import NetworkError, ParameterError


class IOState:
    """Encoder and decoder states of one simulator (made fresh by ``reset``)."""

    def __init__(self, net, dt: float):
        self.net, self.dt = net, dt
        for nm, nd in net.inputs.items():           # pools can be removed or renamed after add_input
            if nd.pool not in net.pools:
                raise NetworkError(f"{nd.where()}: its pool {nd.pool!r} is no longer in the network; "
                                   f"remove the node (net.remove_input({nm!r})) or add it again")
        for nm, nd in net.outputs.items():
            gone = [p for p in nd.source.pools() if p not in net.pools]
            if gone:
                raise NetworkError(f"{nd.where()}: its source pool {gone[0]!r} is no longer in the network; "
                                   f"remove the node (net.remove_output({nm!r})) or add it again")
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

