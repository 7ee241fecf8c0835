"""Scaling curve: steps/s and peak memory of spark_lab against network size.

LIF networks of N neurons (80 % excitatory, Dale, g_inh = 5) with a fixed in-degree
(k = 100 recurrent synapses per neuron) driven by a Poisson pool (N/10 channels,
in-degree 20), dt = 1 ms, the benchmark's LIF parameters. One process per size
(peak RSS is per process); closed loop at K steps per chunk as in the benchmark.
``build_s``: ``net.build()`` alone (drawing and laying out the connectivity, the device
copies); ``bytes_per_synapse``: the peak RSS of the process (build and run) less its RSS
before the network was described, per synapse (neurons and the runtime are in it too: at
1k neurons it is dominated by them); ``built_peak_mb``: the peak once built, before the run.

    python bench/scaling.py [--sizes 1000,7000,50000,200000] [--K 100] [--seconds 2] [--native auto|on|off]
Prints one JSON line per size; `--out FILE` appends them to FILE; `--md FILE` writes a
Markdown table (bench/SCALING.md in the repository).
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_runs import child_row, scaling_network, timed_chunks  # noqa: E402


def one(n, K, seconds, native):
    import spark_lab  # noqa: F401 - before rss0 and t0: the runtime is neither set-up time nor per synapse

    rss0 = _rss_mb()
    t0 = time.perf_counter()
    net = scaling_network(n, native={"auto": None, "on": True, "off": False}[native])
    from spark_lab import _memory
    est = _memory.estimate(net)
    t1 = time.perf_counter()
    sim = net.build()
    build_s = time.perf_counter() - t1
    setup_s = time.perf_counter() - t0
    built_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # only the rows the loop uses (the first rows of the same draw: the same rates as drawing all
    # 10,000, without the 2.4 GB that held at 200k neurons, which bytes_per_synapse then counted)
    rows = 2 + min(9000, max(2, int(seconds * 1000 / K)))
    rates = np.random.default_rng(5678).uniform(0, 50, size=(rows, max(10, n // 10))).astype(np.float32)
    loop = timed_chunks(sim, K, seconds, rates)
    n_syn = sum(p.n_syn for p in sim.layout.projections.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(neurons=n, synapses=n_syn, K=K, native=sim.native, steps_per_s=loop["steps_per_s"],
                mean_rate_hz=loop["mean_rate_hz"], setup_s=round(setup_s, 2),
                build_s=round(build_s, 2), compile_s=loop["compile_s"], estimate_mb=round(est.total / 2 ** 20, 1),
                peak_rss_mb=round(peak, 1), built_peak_mb=round(built_peak, 1),
                bytes_per_synapse=round((peak - rss0) * 2 ** 20 / max(n_syn, 1), 1),
                load=round(os.getloadavg()[0], 1))


def _rss_mb():
    """The resident set size of this process now, in MB (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,7000,50000,200000")
    ap.add_argument("--K", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--native", default="auto", choices=["auto", "on", "off"])
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out")
    ap.add_argument("--md")
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one, a.K, a.seconds, a.native)), flush=True)
        return
    rows = []
    for native in (["on", "off"] if a.md else [a.native]):
        for n in (int(x) for x in a.sizes.split(",")):
            rows.append(child_row(os.path.abspath(__file__), ["--one", n, "--K", a.K, "--seconds", a.seconds,
                                                              "--native", native], out=a.out))
    if a.md:
        out = ["# Scaling: spark_lab against network size", "",
               f"`python bench/scaling.py --md bench/SCALING.md` (K = {a.K}, {a.seconds:g} s simulated per size, "
               "one process per size; see the docstring of bench/scaling.py for the network).", "",
               "| neurons | synapses | kernel | steps/s | mean rate (Hz) | set-up s | build s | compile s "
               "| peak RSS (MB) | bytes/synapse | load |",
               "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            out.append(f"| {r['neurons']:,} | {r['synapses']:,} | {'native' if r['native'] else 'pure JAX'} | "
                       f"{r['steps_per_s']:,.0f} | {r['mean_rate_hz']} | {r['setup_s']} | {r['build_s']} | "
                       f"{r['compile_s']} | {r['peak_rss_mb']:,.0f} | {r['bytes_per_synapse']} | {r['load']} |")
        with open(a.md, "w") as fh:
            fh.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
