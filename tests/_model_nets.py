"""Small networks shared by the tests: one that uses every feature of the model file, and a
Poisson -> Dale LIF pool with recurrence for the kernel and checkpoint tests."""
from __future__ import annotations

import numpy as np

import spark_lab as sl
from spark_lab.plasticity import STDP, TsodyksMarkram


def rich_network(n: int = 20) -> sl.Network:
    """Per-neuron arrays and initializers, every kind of structural data (FromList, FromMatrix,
    SpikeGenerator in both forms), Dale masks (fraction and per-neuron), a shared synapse,
    plasticity (long- and short-term), delays, records with neuron subsets and a layout."""
    rng = np.random.default_rng(5)
    net = sl.Network(dt=0.1, seed=9)
    net.add_pool("drive", sl.PoissonSource(rate=rng.uniform(200, 400, n)), n)
    net.add_pool("gen", sl.SpikeGenerator(indices=[0, 1, 2, 0], times=[1.0, 2.5, 4.0, 8.0]), 3)
    net.add_pool("exc", sl.LIF(tau_m=sl.Uniform(15.0, 25.0), v_th=list(rng.uniform(-52, -48, n)),
                               v_init_low=-65.0, v_init_high=-55.0), n, excitatory=0.75, g_inh=3.0)
    mask = np.zeros(n, bool)
    mask[::3] = True
    net.add_pool("mix", sl.ALIF(), n, excitatory=mask)
    net.add_pool("burst", sl.SpikeGenerator(times=[[2.0, 3.0], [], [5.5]]), 3)
    shared = sl.Exponential(tau=4.0)
    net.connect("drive", "exc", synapse=shared, connectivity=sl.FixedProbability(p=0.3),
                weight=sl.Normal(3.0, 0.5, clip_low=0.0, clip_high=6.0), delay=0.5,
                plasticity=[TsodyksMarkram(U=0.4, tau_rec=200.0)])
    net.connect("gen", "exc", synapse=shared, connectivity=sl.FromList([0, 1, 2], [1, 2, 3]), weight=20.0)
    net.connect("exc", "mix", synapse=sl.BiExponential(), connectivity=sl.FixedInDegree(k=4),
                weight=sl.Uniform(0.5, 1.5), plasticity=STDP(bounds="soft", w_max=2.0), name="plastic")
    net.connect("mix", "exc", synapse=sl.Delta(),
                connectivity=sl.FromMatrix(rng.random((n, n)) * (rng.random((n, n)) < 0.2)),
                delay=1.0)
    net.connect("burst", "mix", connectivity=sl.OneToOne() if n == 3 else sl.AllToAll(), weight=15.0)
    net.record("exc", "spikes")
    net.record("mix", "v", every=2, neurons=[0, 3, 5])
    net.set_position("exc", 10.5, -3.0)
    net.set_position("drive", 0.0, 0.0)
    return net


def make_net(seed=0, n_in=40, n=60, rate=200.0):
    """Poisson input -> Dale LIF pool with recurrence: scalar + per-synapse weights, a delay."""
    net = sl.Network(dt=0.1, seed=seed)
    net.add_pool("inp", sl.PoissonSource(rate=rate), n_in)
    net.add_pool("exc", sl.LIF(tau_m=sl.Uniform(15.0, 25.0), v_init_low=-65.0, v_init_high=-55.0), n,
                 excitatory=0.8, g_inh=3.0)
    syn = sl.Exponential(tau=5.0)
    net.connect("inp", "exc", synapse=syn, connectivity=sl.FixedProbability(p=0.3), weight=4.0, name="ff")
    net.connect("exc", "exc", synapse=syn, connectivity=sl.FixedProbability(p=0.2), weight=sl.Uniform(0.5, 1.5),
                delay=0.5, name="rec")
    return net


def spikes_of(res, pool="exc"):
    return np.asarray(res.records[f"{pool}.spikes"])


def small_ei(seed=3, native=None, dt=0.1) -> sl.Network:
    """30 excitatory + 10 inhibitory LIF (Dale) driven by 40 Poisson inputs, fixed in-degrees:
    spikes from the first steps (the recording-policy and run-store tests)."""
    n = sl.Network(dt=dt, seed=seed, native=native)
    lif = sl.LIF(tau_m=10.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0, v_init_low=-65.0, v_init_high=-50.0)
    n.add_pool("exc", lif, 30, excitatory=True)
    n.add_pool("inh", lif, 10, excitatory=False, g_inh=3.0)
    n.add_pool("ext", sl.PoissonSource(rate=80.0), 40)
    for pre in ("exc", "inh"):
        for post in ("exc", "inh"):
            n.connect(pre, post, connectivity=sl.FixedInDegree(k=4), weight=1.0, delay=0.5)
    n.connect("ext", "exc", connectivity=sl.FixedInDegree(k=8), weight=9.0)
    n.connect("ext", "inh", connectivity=sl.FixedInDegree(k=8), weight=9.0)
    return n
