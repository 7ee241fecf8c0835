"""The cortical microcircuit (Potjans & Diesmann 2014; spark_lab/examples/microcircuit.py):
per-layer rates against the NEST example's full-scale rates, with build, compile and run times.

    python bench/microcircuit.py [--scales 0.1] [--k-scale 0.1] [--background poisson,dc] [--chunk 500]
                                 [--presim 100] [--sim 500] [--native auto|on|off] [--weight-sd 0.1]
                                 [--md bench/MICROCIRCUIT.md]

One process per configuration (peak RSS is per process). ``presim`` ms are run and
discarded (the start-up transient), then rates are counted over ``sim`` ms (the NEST
example: 500 and 1000 ms). ``rtf``: wall seconds per simulated second of the measured
run (real-time factor; < 1 is faster than real time). ``bytes_per_synapse``: peak RSS less
the RSS before the network was described, per synapse; ``rss_built_mb`` / ``peak_built_mb``:
the RSS and the peak right after the build (where the memory went). ``cpu_s``: the process's CPU time of
the measured run (user + system; the machine is shared). ``--weight-sd 0``: one weight per
projection (the native kernel's compact layout; the full model needs it on a 24 GiB
machine). Prints one JSON line per run.
"""
import argparse
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_runs import child_row  # noqa: E402

POPS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")
# the NEST example's full-scale mean rates (network_params.py, 'full_mean_rates'), Hz
NEST_RATES = (0.971, 2.868, 4.746, 5.396, 8.142, 9.078, 0.991, 7.523)


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def one(scale, k_scale, background, presim, sim_ms, native, chunk, weight_sd=0.1, delay_bins=8):
    import spark_lab as sl
    from spark_lab import _memory
    from spark_lab.examples import microcircuit as mc

    rss0 = _rss_mb()
    t0 = time.perf_counter()
    net = sl.load("microcircuit", scale=scale, k_scale=k_scale, background=background, weight_sd=weight_sd,
                  delay_bins=delay_bins,
                  native={"auto": None, "on": True, "off": False}[native])
    describe_s = time.perf_counter() - t0
    est = _memory.estimate(net)
    t0 = time.perf_counter()
    sim = net.build()
    build_s = time.perf_counter() - t0
    built_rss, built_peak = _rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    steps_pre, steps = int(round(presim / net.dt)), int(round(sim_ms / net.dt))
    t0 = time.perf_counter()
    sim.run(steps_pre, chunk=chunk)
    presim_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    res = sim.run(steps, chunk=chunk)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rates = mc.rates(res, net, sim_ms)
    n_syn = sum(p.n_syn for p in sim.layout.projections.values())
    rec = sum(p.n_syn for nm, p in sim.layout.projections.items() if not nm.startswith("bg_"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(scale=scale, k_scale=k_scale, background=background, weight_sd=weight_sd, delay_bins=delay_bins,
                native=sim.native,
                neurons=sum(net.pools[p].n for p in POPS), synapses=n_syn, recurrent_synapses=rec,
                rates={p: round(rates[p], 3) for p in POPS}, describe_s=round(describe_s, 2),
                build_s=round(build_s, 2), presim_s=round(presim_s, 2), sim_ms=sim_ms, wall_s=round(wall, 2),
                cpu_s=round(cpu, 2), rss_before_mb=round(rss0, 1), rss_built_mb=round(built_rss, 1),
                peak_built_mb=round(built_peak, 1),
                rtf=round(wall / (sim_ms * 1e-3), 2), steps_per_s=round(steps / wall, 1),
                estimate_mb=round(est.total / 2 ** 20, 1), peak_rss_mb=round(peak, 1),
                bytes_per_synapse=round((peak - rss0) * 2 ** 20 / max(n_syn, 1), 1),
                load=round(os.getloadavg()[0], 1))


def markdown(rows, args):
    out = ["# The cortical microcircuit (Potjans & Diesmann 2014)", "",
           f"`python bench/microcircuit.py --scales {args.scales} --k-scale {args.k_scale} --background "
           f"{args.background} --presim {args.presim:g} --sim {args.sim:g} --chunk {args.chunk}` (one process per "
           "row; see its docstring).",
           "", "## Rates (Hz) per population", "",
           "| run | " + " | ".join(POPS) + " |", "|---|" + "---|" * len(POPS),
           "| NEST example, full scale (`full_mean_rates`) | " + " | ".join(f"{r:g}" for r in NEST_RATES) + " |"]
    for r in rows:
        out.append(f"| spark_lab scale {r['scale']:g}, k_scale {r['k_scale']:g}, {r['background']} | "
                   + " | ".join(f"{r['rates'][p]:.2f}" for p in POPS) + " |")
    out += ["", "## Times and memory", "",
            "| run | kernel | neurons | synapses | build s | presim s | sim ms | wall s | RTF | steps/s "
            "| estimate (MB) | peak RSS (MB) | bytes/synapse | load |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| scale {r['scale']:g}, k {r['k_scale']:g}, {r['background']} | "
                   f"{'native' if r['native'] else 'pure JAX'} | {r['neurons']:,} | {r['synapses']:,} | "
                   f"{r['build_s']} | {r['presim_s']} | {r['sim_ms']:g} | {r['wall_s']} | {r['rtf']} | "
                   f"{r['steps_per_s']:,.0f} | {r['estimate_mb']:,.0f} | {r['peak_rss_mb']:,.0f} | "
                   f"{r['bytes_per_synapse']} | {r['load']} |")
    out += ["", NOTES]
    return "\n".join(out) + "\n"


NOTES = """## Notes

* Reference: the NEST example's `full_mean_rates` (pynest/examples/Potjans_2014/network_params.py), the
  rates of its full-scale model, which the example also uses to compensate scaled in-degrees. Potjans &
  Diesmann (2014) show their rates as box plots (their Fig. 6), not as a table; they are not restated here.
* spark_lab's model differs from the NEST example in three documented ways (spark_lab/examples/microcircuit.py):
  one delay per projection (the means, 1.5 and 0.8 ms) where NEST draws normal delays; a fixed in-degree
  per neuron where NEST draws a fixed total number; a uniform initial v with the example's "optimized"
  means and sds where NEST draws normal ones. The Poisson background is NEST's: one Poisson count per
  neuron and step at 8 Hz x K_ext (`LIFPoissonInput`; before 2026-12-02, m private sources per neuron,
  variance 1 - p of Poisson's). Rows with `weight_sd 0` have one weight per projection (NEST: normal
  weights, relative sd 0.1), which the full model needs on this machine.
* Rates are counted over `sim` ms after `presim` ms; a short window gives noisy rates for the sparse L23E
  and L6E (a 500 ms window at scale 0.1: about 1,000 spikes from L23E).
* Times are wall-clock on a shared machine: the `load` column is the 1-minute load average when the row
  finished (2 cores); compare rows of one table only."""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="0.1")
    ap.add_argument("--k-scale", type=float, default=0.1)
    ap.add_argument("--chunk", type=int, default=500, help="steps per compiled call (bounds the run's memory)")
    ap.add_argument("--background", default="poisson,dc")
    ap.add_argument("--presim", type=float, default=100.0)
    ap.add_argument("--sim", type=float, default=500.0)
    ap.add_argument("--native", default="auto", choices=["auto", "on", "off"])
    ap.add_argument("--weight-sd", type=float, default=0.1, help="relative sd of the weights (0: one per projection)")
    ap.add_argument("--delay-bins", type=int, default=8, help="NEST's normal delays in this many bins (1: the means)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--out")
    ap.add_argument("--md")
    a = ap.parse_args()
    if a.one:
        scale, bg = a.one.split(":")
        print(json.dumps(one(float(scale), a.k_scale, bg, a.presim, a.sim, a.native, a.chunk, a.weight_sd,
                                 a.delay_bins)),
              flush=True)
        return
    rows = []
    for scale in a.scales.split(","):
        for bg in a.background.split(","):
            row = child_row(os.path.abspath(__file__), ["--one", f"{scale}:{bg}", "--k-scale", a.k_scale,
                                                         "--presim", a.presim, "--sim", a.sim, "--native", a.native,
                                                         "--chunk", a.chunk, "--weight-sd", a.weight_sd,
                                                         "--delay-bins", a.delay_bins],
                            out=a.out, failed=f"scale {scale} {bg}")
            if row is not None:
                rows.append(row)
    if a.md and rows:
        with open(a.md, "w") as fh:
            fh.write(markdown(rows, a))


if __name__ == "__main__":
    main()
