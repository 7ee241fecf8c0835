"""Writes the model files shipped in spark_lab/examples/ (run from the repository root:
``python tools/make_examples.py``). tests/test_model_file.py checks that the shipped
files are what this script makes, so edit the networks here, not the JSON."""
from __future__ import annotations

import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))

import spark_lab as sl  # noqa: E402
from spark_lab.plasticity import STDP, ThreeFactor  # noqa: E402


def balanced_ei():
    """The quickstart's balanced E/I network (``spark-lab demo``): 800 exc + 200 inh LIF, 1000 Poisson inputs."""
    from spark_lab.cli import demo_network
    net = demo_network(seed=42)
    net.record("exc", "spikes")
    net.record("inh", "spikes")
    for name, xy in (("ext", (0, 100)), ("exc", (200, 40)), ("inh", (200, 180))):
        net.set_position(name, *xy)
    return net


def benchmark_7pool():
    """The 7 x 1024 LIF benchmark of bench/ (BENCHMARK.md): the same pools, Dale masks, pool-to-pool
    connection probabilities, weights and shared synapse per target pool. The synapses are drawn by
    FixedProbability from this file's seed, so they follow the benchmark's statistics but are not its
    exact index lists (1.6 million pairs, which bench/spark_lab_net.py passes as FromList)."""
    import bench_common as bc
    P, _ = bc.pool_probabilities()
    net = sl.Network(dt=bc.DT * 1e3, seed=1234)
    lif = sl.LIF(tau_m=bc.TAU_M * 1e3, v_rest=bc.V_REST, v_th=bc.V_TH, v_reset=bc.V_RESET, t_ref=bc.T_REF * 1e3,
                 v_init_low=bc.V_RESET, v_init_high=bc.V_TH)
    for a in range(bc.N_POOLS):
        net.add_pool(f"p{a}", lif, bc.POOL_SIZE, excitatory=bc.N_E_PER_POOL / bc.POOL_SIZE, g_inh=bc.G_INH)
    net.add_pool("input", sl.PoissonSource(rate=(bc.RATE_LOW + bc.RATE_HIGH) / 2), bc.N_IN)
    syn = {b: sl.Exponential(tau=bc.TAU_S * 1e3) for b in range(bc.N_POOLS)}
    for a in range(bc.N_POOLS):
        for b in range(bc.N_POOLS):
            net.connect(f"p{a}", f"p{b}", synapse=syn[b], connectivity=sl.FixedProbability(p=float(P[a, b])),
                        weight=bc.J_E)
    net.connect("input", "p0", synapse=syn[0], connectivity=sl.FixedProbability(p=bc.P_IN), weight=bc.J_IN)
    net.record(f"p{bc.READOUT_POOL}", "spikes")
    net.set_position("input", 0, 200)
    for a in range(bc.N_POOLS):
        ang = 2 * np.pi * a / bc.N_POOLS
        net.set_position(f"p{a}", round(300 + 150 * np.cos(ang), 1), round(200 + 150 * np.sin(ang), 1))
    return net


def stdp():
    """Pair-based STDP (Song, Miller & Abbott 2000): 200 Poisson inputs at 15 Hz drive 10 LIF neurons
    through plastic all-to-all synapses with hard bounds; record the output spikes."""
    net = sl.Network(dt=0.1, seed=7)
    net.add_pool("inputs", sl.PoissonSource(rate=15.0), 200)
    net.add_pool("out", sl.LIF(tau_m=20.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0,
                               v_init_low=-65.0, v_init_high=-55.0), 10)
    net.connect("inputs", "out", synapse=sl.Exponential(tau=5.0), connectivity=sl.AllToAll(),
                weight=sl.Uniform(0.5, 2.0), name="plastic",
                plasticity=STDP(a_plus=0.02, a_minus=0.021, tau_plus=20.0, tau_minus=20.0, w_min=0.0, w_max=2.0))
    net.record("out", "spikes")
    net.record("out", "v", neurons=[0, 1])
    net.set_position("inputs", 0, 100)
    net.set_position("out", 250, 100)
    return net


def three_factor():
    """A three-factor rule: STDP builds an eligibility trace per synapse, the modulator channel "reward"
    (``sim.run(n, inputs={"reward": r})``) turns it into weight change; without reward nothing changes."""
    net = sl.Network(dt=0.1, seed=11)
    net.add_pool("cue", sl.PoissonSource(rate=20.0), 100)
    net.add_pool("actor", sl.LIF(tau_m=20.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0,
                                 v_init_low=-65.0, v_init_high=-55.0), 20)
    net.connect("cue", "actor", synapse=sl.Exponential(tau=5.0), connectivity=sl.AllToAll(),
                weight=sl.Uniform(1.0, 3.0), name="learned",
                plasticity=ThreeFactor(a_plus=0.01, a_minus=0.0105, tau_e=500.0, eta=50.0, w_min=0.0, w_max=4.0,
                                       modulator="reward"))
    net.record("actor", "spikes")
    net.set_position("cue", 0, 100)
    net.set_position("actor", 250, 100)
    return net


def synfire_chain():
    """A synfire chain (Abeles 1991): a volley of 100 spikes (times 5 ms +- 0.5 ms) enters the first of
    6 groups of 100 LIF neurons; each group excites the next (p = 0.3, 1 mV jumps, 2 ms delay), so the
    volley travels down the chain, one group every few ms."""
    net = sl.Network(dt=0.1, seed=3)
    times = np.round(5.0 + np.random.default_rng(0).uniform(-0.5, 0.5, 100), 1)
    net.add_pool("volley", sl.SpikeGenerator(times=[[float(t)] for t in times]), 100)
    lif = sl.LIF(tau_m=20.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=5.0)
    prev = "volley"
    for i in range(6):
        net.add_pool(f"g{i}", lif, 100)
        net.connect(prev, f"g{i}", synapse=sl.Delta(), connectivity=sl.FixedProbability(p=0.3), weight=1.0,
                    delay=2.0)
        net.record(f"g{i}", "spikes")
        prev = f"g{i}"
    for i, name in enumerate(["volley"] + [f"g{i}" for i in range(6)]):
        net.set_position(name, 120 * i, 100)
    return net


EXAMPLES = {"balanced_ei": balanced_ei, "benchmark_7pool": benchmark_7pool, "stdp": stdp,
            "three_factor": three_factor, "synfire_chain": synfire_chain}


def texts() -> dict[str, str]:
    return {name: sl.dumps(make()) for name, make in EXAMPLES.items()}


if __name__ == "__main__":
    out = os.path.join(ROOT, "spark_lab", "examples")
    for name, text in texts().items():
        with open(os.path.join(out, f"{name}.json"), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        print(f"wrote {name}.json ({len(text):,} bytes)")
