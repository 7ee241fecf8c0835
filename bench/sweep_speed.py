"""Speed of ``sl.sweep`` against a loop of single runs, in one process, on one grid.

    PYTHONPATH=. python bench/sweep_speed.py [--n 4] [--seeds 2] [--ne 320] [--skip 500] [--steps 1000]

The network is the scaled-down Brunel (2000) model A of notebooks/08_sweeps.ipynb: ``ne``
excitatory + ``ne/4`` inhibitory LIF neurons, in-degree 10 % (C_E = ne/10, C_I = C_E/4,
C_ext = C_E Poisson sources per neuron), J = 100 mV / C_E, delay 1.5 ms, dt 0.1 ms. The
grid: ``n`` values of g (``inh.g_inh``, 2..8) x ``n`` of nu_ext (``ext.rate``, 1..4 nu_thr)
x ``seeds``; every point runs ``skip`` + ``steps`` steps and is measured (rate, CV,
synchrony of both pools). Three ways, each timed end to end (builds and compilations in):

- sweep:   ``sl.sweep`` (one simulator per seed, every point in one vmapped batch);
- cold:    what a loop written by hand does: per point, build the network with its seed and
           values and run it (every build compiles its own chunk);
- warm:    the fastest single path: one simulator per seed (the C++ propagation kernel
           where built), per point ``set_params`` + ``reset`` + run, nothing recompiled;
- warm_jax: the same with ``native=False`` (the pure-JAX code the sweep vmaps).

``sweep_1_step_s`` is the same sweep for one step with only rates: its builds and
compilations, nearly all of it. Every row of the tables is checked equal (sweep vs cold: the same spikes; warm: the
same numbers when the kernel is pure JAX). Prints one JSON line.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import time

import numpy as np

import spark_lab as sl
from spark_lab import analysis


def brunel(ne=320, g=5.0, eta=2.0, seed=1, native=None):
    """Brunel (2000) model A scaled to ``ne`` excitatory neurons (see the module docstring)."""
    ce = ne // 10
    ci, cx, j = max(1, ce // 4), ce, 100.0 / ce
    nu_thr = 20.0 / (j * ce * 20.0) * 1e3                    # Hz: the rate that just reaches threshold
    net = sl.Network(dt=0.1, seed=seed, native=native)
    lif = sl.LIF(tau_m=20.0, v_rest=0.0, v_th=20.0, v_reset=10.0, t_ref=2.0, v_init_low=0.0, v_init_high=20.0)
    net.add_pool("exc", lif, ne, excitatory=True)
    net.add_pool("inh", lif, ne // 4, excitatory=False, g_inh=g)
    net.add_pool("ext", sl.PoissonSource(rate=eta * nu_thr), ne + ne // 4)
    delta = sl.Delta()
    for pre, k in (("exc", ce), ("inh", ci), ("ext", cx)):
        for post in ("exc", "inh"):
            net.connect(pre, post, synapse=delta, connectivity=sl.FixedInDegree(k=k), weight=j, delay=1.5)
    return net, nu_thr


def measures(spikes: dict, dt: float) -> list:
    out = []
    for fn in (analysis.rate_hz, lambda s, d: _nanmean(analysis.cv_isi(s, d)), analysis.population_fano):
        out += [fn(spikes[p], dt) for p in ("exc", "inh")]
    return out


def _nanmean(x):
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else float("nan")


def run_one(sim, skip, steps):
    if skip:
        sim.run(skip, record=[])
    res = sim.run(steps, record=["exc.spikes", "inh.spikes"])
    return {p: res.records[f"{p}.spikes"] for p in ("exc", "inh")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--ne", type=int, default=320)
    ap.add_argument("--skip", type=int, default=500)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--no-cold", action="store_true", help="skip the cold loop (about 3.5 s per network here)")
    a = ap.parse_args()
    net, nu_thr = brunel(a.ne)
    grid = {("inh", "g_inh"): list(np.linspace(2.0, 8.0, a.n)), ("ext", "rate"): list(np.linspace(1, 4, a.n) * nu_thr)}
    seeds = list(range(1, a.seeds + 1))
    points = [dict(zip(grid, v)) for v in itertools.product(*grid.values())]

    t0 = time.perf_counter()
    sl.sweep(net, grid, seeds=seeds, steps=1, skip=0, measure="rate")   # builds and compiles: 1 step
    t_setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    df = sl.sweep(net, grid, seeds=seeds, steps=a.steps, skip=a.skip)
    t_sweep = time.perf_counter() - t0
    cols = [f"{m}.{p}" for m in ("rate", "cv", "synchrony") for p in ("exc", "inh")]
    swept = df[cols].to_numpy()

    t0 = time.perf_counter()
    cold = []
    for point in points if not a.no_cold else ():
        for s in seeds:
            n, _ = brunel(a.ne, g=point[("inh", "g_inh")], seed=s, native=False)
            n.update_pool("ext", model=n.pools["ext"].model.replace(rate=point[("ext", "rate")]))
            cold.append(measures(run_one(n.build(), a.skip, a.steps), n.dt))
    t_cold = time.perf_counter() - t0

    def warm_loop(native):
        t0 = time.perf_counter()
        sims = {s: brunel(a.ne, seed=s, native=native)[0].build() for s in seeds}
        rows = []
        for point in points:
            for s in seeds:
                sims[s].set_params(point)
                sims[s].reset()
                rows.append(measures(run_one(sims[s], a.skip, a.steps), net.dt))
        return time.perf_counter() - t0, rows, bool(next(iter(sims.values())).native)

    t_warm, warm, native = warm_loop(None)
    t_warm_jax, warm_jax, _ = warm_loop(False)

    same_cold = bool(np.allclose(swept, np.array(cold), rtol=1e-12, equal_nan=True)) if cold else None
    same_warm = bool(np.allclose(swept, np.array(warm), rtol=1e-12, equal_nan=True)
                     and np.allclose(swept, np.array(warm_jax), rtol=1e-12, equal_nan=True))
    print(json.dumps(dict(
        networks=len(df), ne=a.ne, neurons=a.ne + a.ne // 4, skip=a.skip, steps=a.steps, batch=df.attrs["batch"],
        sweep_s=round(t_sweep, 2), sweep_1_step_s=round(t_setup, 2), cold_loop_s=round(t_cold, 2) if cold else None,
        warm_loop_s=round(t_warm, 2),
        warm_jax_loop_s=round(t_warm_jax, 2),
        speedup_vs_cold=round(t_cold / t_sweep, 2) if cold else None, speedup_vs_warm=round(t_warm / t_sweep, 2),
        speedup_vs_warm_jax=round(t_warm_jax / t_sweep, 2),
        warm_native_kernel=native, same_as_cold=same_cold, same_as_warm=same_warm,
        load_avg=os.getloadavg()[0], cpus=os.cpu_count())))


if __name__ == "__main__":
    main()
