"""The run-time-changeable values of a network, by slider address ``(target, name)``.

``target`` is a pool or a projection; ``name`` is a parameter of the pool's neuron model,
``g_inh``, ``weight``, a parameter of the projection's synapse, or a plasticity rule's
parameter (``a_plus``, or ``<rule>.a_plus`` where two rules of the projection have it).

    declaration(sim, target, name)     the Param that declares it (unit, bounds, typical range)
    network_value(net, target, name)   the value the Network holds (number, array, Initializer)
    set_network_value(net, target, name, value)
                                       change it through the Network's public operations
                                       (``update_pool`` / ``update_projection``): one event

A synapse shared by several projections is one receptor in the simulator: changing its
parameter replaces it by one new synapse object in every projection that shared it, so
they still share it (one event per projection).
"""
from __future__ import annotations

from .._params import did_you_mean
from ..errors import ParameterError, SparkLabError
from ..plasticity._base import rule_param_names


def declaration(sim, target: str, name: str):
    """The Param of parameter ``target.name`` of simulator ``sim`` (SparkLabError if it has none).

    ``sim.parameters()`` declares every parameter, ``g_inh`` and ``weight`` included (from
    ``spark_lab._netparams``, the declarations the Network validates with)."""
    decls = sim.parameters()
    if target not in decls or name not in decls[target]:
        known = ", ".join(f"{t}.{n}" for t in decls for n in decls[t])
        raise SparkLabError(f"ParamSlider: no parameter {target}.{name}; parameters: {known}")
    return decls[target][name]


def network_value(net, target: str, name: str):
    """The value of ``target.name`` held by Network ``net``."""
    if target in net.pools:
        pool = net.pools[target]
        return pool.g_inh if name == "g_inh" else _component_value(pool.model, f"pool {target!r}", name)
    pr = _projection(net, target)
    if name == "weight":
        return pr.weight
    if name in pr.synapse.PARAMS:
        return pr.synapse.values[name]
    i, pname = _rule(pr, name)
    return pr.plasticity[i].values[pname]


def set_network_value(net, target: str, name: str, value) -> None:
    """Give ``target.name`` the ``value`` in Network ``net`` through its public operations
    (validated there: a refused value raises SparkLabError and changes nothing)."""
    if target in net.pools:
        if name == "g_inh":
            net.update_pool(target, g_inh=value)
        else:
            model = net.pools[target].model
            _component_value(model, f"pool {target!r}", name)
            net.update_pool(target, model=model.replace(**{name: value}))
        return
    pr = _projection(net, target)
    if name == "weight":
        net.update_projection(target, weight=value)
    elif name in pr.synapse.PARAMS:
        old = pr.synapse
        new = old.replace(**{name: value})
        sharing = [p.name for p in net.projections.values() if p.synapse is old]
        for p in sharing:
            net.update_projection(p, synapse=new)
    else:
        i, pname = _rule(pr, name)
        rules = list(pr.plasticity)
        rules[i] = rules[i].replace(**{pname: value})
        net.update_projection(target, plasticity=rules)


def _component_value(component, where: str, name: str):
    if name not in component.PARAMS:
        raise ParameterError(where, name, "unknown parameter", f"parameters: {', '.join(component.PARAMS)}, g_inh")
    return component.values[name]


def _projection(net, target: str):
    if target not in net.projections:
        raise SparkLabError(f"no pool or projection {target!r}; known: {', '.join([*net.pools, *net.projections])}")
    return net.projections[target]


def _rule(pr, name: str) -> tuple:
    """(rule index, parameter) of the plasticity parameter ``name`` of projection ``pr``."""
    names = rule_param_names(pr.plasticity)
    if name not in names:
        allowed = ["weight", *pr.synapse.PARAMS, *rule_param_names(pr.plasticity, canonical=True)]
        raise ParameterError(f"projection {pr.name!r}", name, "unknown parameter",
                             f"{did_you_mean(name, allowed)}parameters: {', '.join(allowed)}")
    return names[name]
