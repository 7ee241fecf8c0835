"""What a network is made of, split in two: its structure (what a change of needs a new
build) and its values (what a running simulator can change in place).

    structure_signature(net)   a hashable tuple; equal for networks that build the same
                               simulator up to run-time values
    values(net)                {(target, name): value} of every run-time-changeable value
                               (the addresses of ``Simulator.set_param``)

Structure: dt, seed, dtype, native, spike_batch; each pool's name, model class, options,
structural data, size, Dale mask and initial values (``init``: drawn at build and reset);
each projection's name, pre, post (and their pool slices), synapse class and options, which projection's synapse
instance it shares (a shared instance is one receptor), connectivity (class and all its
values: they decide the drawn synapses), delay, plasticity rule classes and options,
receptor initial values, and whether its weights are one value or one per synapse (with
the initializer that draws them); the input and output nodes; the records.
Values: the PARAMS of every pool model, synapse and plasticity rule, ``g_inh`` of every
pool and ``weight`` of every projection. A rule parameter is addressed by its own name
when only one rule of the projection has it, else as "<rule name>.<param>".
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..initializers import Constant, Initializer
from ..plasticity._base import rule_param_names


def per_synapse(pr) -> bool:
    """True when projection ``pr`` has one weight per synapse (drawn, explicit or plastic)."""
    return (pr.connectivity.explicit_weights() is not None or bool(pr.plasticity)
            or (isinstance(pr.weight, Initializer) and not isinstance(pr.weight, Constant)))


def freeze(x):
    """A hashable stand-in for ``x`` (numbers, strings, arrays, containers, components,
    initializers, routings); equal for equal values."""
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return ("array", x.shape, x.dtype.str, x.tobytes())
    if isinstance(x, dict):
        return tuple(sorted((str(k), freeze(v)) for k, v in x.items()))
    if isinstance(x, (list, tuple)):
        return tuple(freeze(v) for v in x)
    kind = f"{type(x).__module__}.{type(x).__qualname__}"
    if hasattr(x, "values") and hasattr(x, "options"):          # a Component
        data = x.data() if hasattr(x, "data") else {}
        return (kind, freeze(x.values), freeze(x.options), freeze(data))
    if dataclasses.is_dataclass(x):
        return (kind, freeze({f.name: getattr(x, f.name) for f in dataclasses.fields(x)}))
    return (kind, freeze(vars(x)))


def _kind(x) -> str:
    return f"{type(x).__module__}.{type(x).__qualname__}"


def _component_structure(c) -> tuple:
    """Class, options and structural data of a component (its run-time values left out)."""
    return (_kind(c), freeze(c.options), freeze(c.data()))


def structure_signature(net, seed: bool = True) -> tuple:
    """See the module docstring; ``seed=False`` leaves the seed out."""
    pools = tuple((p.name, _component_structure(p.model), p.n, freeze(p.excitatory), freeze(p.init))
                  for p in net.pools.values())
    receptor_of: dict = {}
    projections = []
    for pr in net.projections.values():
        shared = receptor_of.setdefault((pr.post, id(pr.synapse)), pr.name)
        per_syn = per_synapse(pr)
        drawn = freeze(pr.weight) if per_syn and isinstance(pr.weight, Initializer) else None
        projections.append((pr.name, pr.pre, pr.post, _component_structure(pr.synapse), shared,
                            freeze(pr.connectivity), float(pr.delay),
                            tuple(_component_structure(r) for r in pr.plasticity), per_syn, drawn, freeze(pr.init),
                            pr.pre_range, pr.post_range))
    inputs = tuple((nd.name, freeze(nd.encoder), nd.pool, nd.n) for nd in net.inputs.values())
    outputs = tuple((nd.name, freeze(nd.decoder), freeze(nd.source), nd.n) for nd in net.outputs.values())
    records = tuple((r.pool, r.var, r.every, r.neurons) for r in net.records)
    settings = (net.dt, net.seed if seed else None, net.dtype, net.native, net.spike_batch)
    return (settings, pools, tuple(projections), inputs, outputs, records)


def values(net) -> dict:
    """See the module docstring."""
    out = {}
    for p in net.pools.values():
        for k in p.model.PARAMS:
            out[(p.name, k)] = p.model.values[k]
        out[(p.name, "g_inh")] = p.g_inh
    for pr in net.projections.values():
        out[(pr.name, "weight")] = pr.weight
        for k in pr.synapse.PARAMS:
            out[(pr.name, k)] = pr.synapse.values[k]
        for address, (i, k) in rule_param_names(pr.plasticity, canonical=True).items():
            out[(pr.name, address)] = pr.plasticity[i].values[k]
    return out
