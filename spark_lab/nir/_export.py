"""spark_lab Network -> NIR graph (see docs/nir.md): what NIR cannot say is refused, by name."""
from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ._mapping import NEVER_FIRES, NO_LEAK_MS

_NO_NIR = {
    "poisson": "NIR has no stochastic spike source; feed the spikes in through an Input (a spike_input pool)",
    "spike_generator": "NIR has no spike source with stored times; feed the spikes in through an Input",
    "adex": "NIR has no adaptive exponential model (its neurons: LIF, CubaLIF, IF, LI, CubaLI)",
    "izhikevich": "NIR has no Izhikevich model (its neurons: LIF, CubaLIF, IF, LI, CubaLI)",
    "eif": "NIR has no exponential integrate-and-fire model (its neurons: LIF, CubaLIF, IF, LI, CubaLI)",
    "alif": "NIR has no adaptive-threshold model (its neurons: LIF, CubaLIF, IF, LI, CubaLI)",
}


def to_graph(net, spike_area: float = 1.0, ms_per_unit: float = 1000.0):
    """The NIRGraph of ``net``; ParameterError naming the pool, projection or field NIR lacks."""
    import nir

    _check_network(net)
    sim = net.build()
    incoming = {p: [pr for pr in net.projections.values() if pr.post == p] for p in net.pools}
    nodes, edges = {}, []
    for name, pool in net.pools.items():
        nodes[name] = _pool_node(nir, sim, pool, incoming[name], spike_area, ms_per_unit)
    for name, pr in net.projections.items():
        pre, post, w = sim.synapses(name)
        mat = np.zeros((net.pools[pr.post].n, net.pools[pr.pre].n))
        np.add.at(mat, (post, pre), w)
        nodes[name] = nir.Linear(weight=mat)
        edges.append((pr.pre, name))
        if pr.delay > 0:
            nodes[f"{name}:delay"] = nir.Delay(delay=np.full(net.pools[pr.post].n, pr.delay / ms_per_unit))
            edges += [(name, f"{name}:delay"), (f"{name}:delay", pr.post)]
        else:
            edges.append((name, pr.post))
    recorded = {r.pool for r in net.records}
    sources = {pr.pre for pr in net.projections.values()}
    for name, pool in net.pools.items():
        if name in recorded or name not in sources:
            nodes[f"{name}:out"] = nir.Output(output_type=np.array([pool.n]))
            edges.append((name, f"{name}:out"))
    meta = {"spark_lab_dt_ms": float(net.dt), "spark_lab_spike_area": float(spike_area)}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta)


def _check_network(net) -> None:
    for kind, nodes in (("input", net.inputs), ("output", net.outputs)):
        if nodes:
            nm = next(iter(nodes))
            raise ParameterError(f"{kind} node {nm!r}", "", "is an encoder/decoder interface",
                                 "NIR has no encoders or decoders: remove the node and export the pools")
    for name, pr in net.projections.items():
        if pr.plasticity:
            raise ParameterError(f"projection {name!r}", "plasticity",
                                 f"has {', '.join(type(r).__name__ for r in pr.plasticity)}",
                                 "NIR graphs are fixed: it has no plasticity rules")


def _pool_node(nir, sim, pool, incoming, spike_area, ms):
    model = pool.model
    where = f"pool {pool.name!r} ({model.name})"
    if model.name == "spike_input":
        return nir.Input(input_type=np.array([pool.n]))
    if model.name != "lif" or type(model).__name__ != "LIF":
        raise ParameterError(where, "", "cannot be exported", _NO_NIR.get(
            model.name, "NIR's neurons are LIF, CubaLIF, IF, LI and CubaLI; spark_lab exports its LIF only"))
    p = {k: np.broadcast_to(np.asarray(sim.get_param(pool.name, k), np.float64), (pool.n,)).copy()
         for k in ("tau_m", "v_rest", "v_th", "v_reset", "t_ref", "v_init_low", "v_init_high")}
    if np.any(p["t_ref"] > 0):
        raise ParameterError(where, "t_ref", f"is {float(p['t_ref'].max())!r} ms",
                             "NIR's LIF has no refractory period: set t_ref = 0 to export")
    tau_syn = _synapse_tau(sim, pool, incoming)
    meta = {"spark_lab_v_init": np.array([p["v_init_low"][0], p["v_init_high"][0]])}
    a = float(spike_area)
    never = bool(np.all(p["v_th"] >= NEVER_FIRES))
    if tau_syn is not None:
        ts = tau_syn / ms
        common = {"tau_mem": p["tau_m"] / ms, "tau_syn": ts, "r": ts / a, "v_leak": p["v_rest"],
                  "w_in": np.ones(pool.n)}
        if never:
            return nir.CubaLI(**common, metadata=meta)
        return nir.CubaLIF(**common, v_threshold=p["v_th"], v_reset=p["v_reset"], metadata=meta)
    if np.all(p["tau_m"] >= NO_LEAK_MS):
        if np.any(p["v_rest"] != 0):
            raise ParameterError(where, "v_rest", "is not 0 in a pool without leak (tau_m = 1e30 ms)",
                                 "NIR's IF has no resting potential")
        return nir.IF(r=np.full(pool.n, 1.0 / a), v_threshold=p["v_th"], v_reset=p["v_reset"], metadata=meta)
    tau = p["tau_m"] / ms
    if never:
        return nir.LI(tau=tau, r=tau / a, v_leak=p["v_rest"], metadata=meta)
    return nir.LIF(tau=tau, r=tau / a, v_leak=p["v_rest"], v_threshold=p["v_th"], v_reset=p["v_reset"], metadata=meta)


def _synapse_tau(sim, pool, incoming):
    """None when every projection into the pool is a Delta synapse; the one time constant (ms,
    per neuron) when every one is Exponential with the same tau; else ParameterError."""
    kinds = {type(pr.synapse).__name__ for pr in incoming}
    for pr in incoming:
        if type(pr.synapse).__name__ not in ("Delta", "Exponential") or pr.synapse.name not in ("delta", "exponential"):
            raise ParameterError(f"projection {pr.name!r}", "synapse", f"is {pr.synapse.name}",
                                 "NIR has Dirac (delta) and single-exponential current synapses only "
                                 "(no conductance, no bi-exponential)")
    if kinds <= {"Delta"}:
        return None
    if kinds != {"Exponential"}:
        raise ParameterError(f"pool {pool.name!r}", "synapse", "receives delta and exponential synapses",
                             "a NIR neuron has one synaptic filter: use one kind for every projection into it")
    taus = [np.broadcast_to(np.asarray(sim.get_param(pr.name, "tau"), np.float64), (pool.n,)) for pr in incoming]
    if any(not np.array_equal(t, taus[0]) for t in taus[1:]):
        raise ParameterError(f"pool {pool.name!r}", "tau", "differs between the projections into it",
                             "CubaLIF has one synaptic time constant per neuron: give every projection the same tau")
    return taus[0].copy()
