"""The 7-pool benchmark network of bench_common.py, built with spark_lab's public API.

7 pools of 1024 LIF neurons (820 excitatory, 204 inhibitory: Dale), 49 projections
with the synapse lists drawn by bench_common (fingerprint 03dfb4ec9d85fe44), one
shared exponential synapse per target pool, and a Poisson input pool of 100
channels projecting to pool 0.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

import spark_lab as sl  # noqa: E402


def build(net_data=None, spike_batch=128, record=(), native=None, neuron=None, make_synapse=None):
    """The benchmark network as a Simulator. ``neuron`` (default: the definition's LIF) and
    ``make_synapse`` (a function returning a fresh synapse model, one shared per target pool;
    default: the definition's Exponential) let other scripts swap the models (bench/equations_speed.py)."""
    d = net_data or bc.build_network()
    net = sl.Network(dt=bc.DT * 1e3, seed=0, spike_batch=spike_batch, native=native)
    exc = np.arange(bc.POOL_SIZE) < bc.N_E_PER_POOL
    tau_m, tau_s = bc.TAU_M * 1e3, bc.TAU_S * 1e3
    if neuron is None:
        neuron = sl.LIF(tau_m=tau_m, v_rest=bc.V_REST, v_th=bc.V_TH, v_reset=bc.V_RESET, t_ref=bc.T_REF * 1e3)
    if make_synapse is None:
        def make_synapse():
            return sl.Exponential(tau=tau_s)
    for a in range(bc.N_POOLS):
        net.add_pool(f"p{a}", neuron, bc.POOL_SIZE, excitatory=exc, g_inh=bc.G_INH)
    net.add_pool("input", sl.PoissonSource(rate=0.0), bc.N_IN)
    syn = {b: make_synapse() for b in range(bc.N_POOLS)}
    pre, post = d["pre"], d["post"]
    pa, pb = pre // bc.POOL_SIZE, post // bc.POOL_SIZE
    for a in range(bc.N_POOLS):
        for b in range(bc.N_POOLS):
            m = (pa == a) & (pb == b)
            net.connect(f"p{a}", f"p{b}", synapse=syn[b],
                        connectivity=sl.FromList(pre[m] - a * bc.POOL_SIZE, post[m] - b * bc.POOL_SIZE),
                        weight=bc.J_E)
    net.connect("input", "p0", synapse=syn[0], connectivity=sl.FromList(d["in_pre"], d["in_post"]), weight=bc.J_IN)
    for r in record:
        net.record(*r)
    sim = net.build()
    # v(0) from the shared definition (stored as float32)
    for a in range(bc.N_POOLS):
        sim.set_state(f"p{a}", "v", d["v0"][a * bc.POOL_SIZE:(a + 1) * bc.POOL_SIZE])
    return sim
