"""The Brunel (2000) phase diagram, g x nu_ext, computed by ``sl.sweep``, stored for the notebook.

    PYTHONPATH=. nice python bench/brunel_phase.py [--ne 1000] [--n 8] [--seeds 1 2] [--skip 500] [--steps 1000]

Brunel (2000) model A (``sweep_speed.brunel``): ``ne`` excitatory and ``ne/4`` inhibitory LIF
neurons (tau_m 20 ms, theta 20 mV, V_r 10 mV, t_ref 2 ms), in-degree 10 % (C_E = ne/10,
C_I = C_E/4, C_ext = C_E Poisson sources per neuron), J = 100 mV / C_E (0.1 mV at Brunel's
full size, ne = 10,000), inhibitory spikes -g J, delay 1.5 ms, dt 0.1 ms. The grid: ``n``
values of g (``inh.g_inh``, 2..8) x ``n`` of nu_ext (``ext.rate``, 1..4 nu_thr) x ``seeds``;
every network runs ``skip`` steps of transient, then ``steps`` measured steps (rate, CV,
synchrony of both pools: ``spark_lab.analysis``). Writes bench/results/brunel_phase.csv (the
sweep's DataFrame) and bench/results/brunel_phase.json (scale, wall time, load average,
date, the command line), and prints the JSON.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time

import numpy as np

import spark_lab as sl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep_speed import brunel  # noqa: E402  (bench/ is not a package)

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ne", type=int, default=1000, help="excitatory neurons (Brunel: 10,000)")
    ap.add_argument("--n", type=int, default=8, help="values per axis")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--skip", type=int, default=500, help="transient steps (0.1 ms)")
    ap.add_argument("--steps", type=int, default=1000, help="measured steps (0.1 ms)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "brunel_phase"))
    a = ap.parse_args(argv)
    net, nu_thr = brunel(ne=a.ne, g=5.0, eta=2.0, seed=a.seeds[0])
    grid = {("inh", "g_inh"): np.linspace(2.0, 8.0, a.n),
            ("ext", "rate"): np.round(np.linspace(1.0, 4.0, a.n) * nu_thr, 3)}
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    df = sl.sweep(net, grid, seeds=tuple(a.seeds), steps=a.steps, skip=a.skip, measure=("rate", "cv", "synchrony"))
    wall = time.perf_counter() - t0
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    df.to_csv(a.out + ".csv", index=False)
    ce = a.ne // 10
    meta = {"model": "Brunel 2000 model A", "N_E": a.ne, "N_I": a.ne // 4, "C_E": ce, "C_I": max(1, ce // 4),
            "C_ext": ce, "J_mV": 100.0 / ce, "nu_thr_Hz": nu_thr, "dt_ms": 0.1, "g": list(grid[("inh", "g_inh")]),
            "nu_ext_Hz": list(grid[("ext", "rate")]), "seeds": a.seeds, "skip_ms": a.skip * 0.1,
            "measured_ms": a.steps * 0.1, "networks": len(df), "wall_s": round(wall, 1),
            "batch": df.attrs["batch"], "batches": df.attrs["batches"], "compilations": df.attrs["compilations"],
            "load_average_before": [round(x, 2) for x in load0],
            "load_average_after": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
            "machine": platform.platform(), "jax": sl.__dict__.get("jax_version") or __import__("jax").__version__,
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": "PYTHONPATH=. nice python bench/brunel_phase.py " + " ".join(argv or sys.argv[1:])}
    with open(a.out + ".json", "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))
    return meta


if __name__ == "__main__":
    main()
