"""An equation-defined LIF network against the built-in LIF on the 7-pool benchmark
network (bench_common.py, ../shared/notes/benchmark.md), in the same process.

    python bench/equations_speed.py [--rounds 3] [--seconds 2] [--out bench/EQUATIONS.md]

Both networks are the benchmark's (7 x 1024 LIF, Dale, 49 projections from bench_common's
lists, one shared exponential synapse per target pool, Poisson input into pool 0); the
second is written as equations (``NeuronEquations`` LIF, ``SynapseEquations`` exponential
synapse). For K = 1, 10, 100 steps per chunk and both paths (native CPU propagation and
pure JAX) each network runs the closed loop (set the input rates, K steps, read pool 6's
counts) for about ``--seconds`` of wall time per round; rounds alternate between the two
networks and the best round counts (the machine is shared). The ratio is
built-in steps/s over equation steps/s (the issue's target: at most 1.2). The spike
counts of the two networks are compared as well (the equation LIF integrates exactly,
as the built-in does, so they are equal).
"""
import argparse
import datetime
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
import numpy as np  # noqa: E402
import spark_lab_net  # noqa: E402

import spark_lab as sl  # noqa: E402

LIF_EQ = dict(equations="dv/dt = (v_rest - v + I) / tau_m : mV", threshold="v > v_th", reset="v = v_reset",
              refractory="t_ref", init={"v": "v_rest"}, input_unit="mV",
              params={"tau_m": f"{bc.TAU_M * 1e3} ms", "v_rest": f"{bc.V_REST} mV", "v_th": f"{bc.V_TH} mV",
                      "v_reset": f"{bc.V_RESET} mV", "t_ref": f"{bc.T_REF * 1e3} ms"})
EXP_EQ = dict(equations="dI/dt = -I / tau : mV", current="I", on_spike="I += w",
              params={"tau": f"{bc.TAU_S * 1e3} ms"})


def build(d, equations: bool, native):
    """The benchmark network (bench/spark_lab_net.py) with built-in or equation-defined
    neuron and synapse models."""
    if not equations:
        return spark_lab_net.build(d, native=native)
    return spark_lab_net.build(d, native=native, neuron=sl.NeuronEquations(**LIF_EQ),
                               make_synapse=lambda: sl.SynapseEquations(**EXP_EQ))


def timed(sim, K, rates, n_chunks, start):
    """Seconds for ``n_chunks`` closed-loop chunks; the summed p6 counts."""
    total = 0
    t0 = time.perf_counter()
    for c in range(start, start + n_chunks):
        total += int(np.asarray(sim.run_chunk(K, {"input": rates[c % len(rates)]}, readout=("p6",))["p6"]).sum())
    return time.perf_counter() - t0, total


def measure(d, K, native, rounds, seconds):
    sims = {eq: build(d, eq, native) for eq in (False, True)}
    rates = bc.rate_schedule(64).astype(np.float32)
    for s in sims.values():                                   # compile and warm up
        timed(s, K, rates, max(2, 20 // K), 0)
    probe, _ = timed(sims[False], K, rates, max(2, 200 // K), 0)
    n_chunks = max(3, int(seconds / max(probe / max(2, 200 // K), 1e-6)))
    best = {False: np.inf, True: np.inf}
    for _ in range(rounds):
        for eq in (False, True):
            wall, _ = timed(sims[eq], K, rates, n_chunks, 0)
            best[eq] = min(best[eq], wall)
    # same spikes: both from the initial state, the same input rates
    counts = {}
    for eq, s in sims.items():
        s.reset()
        for a in range(bc.N_POOLS):
            s.set_state(f"p{a}", "v", d["v0"][a * bc.POOL_SIZE:(a + 1) * bc.POOL_SIZE])
        counts[eq] = [np.asarray(s.run_chunk(K, {"input": rates[c % len(rates)]}, readout=("p6",))["p6"])
                      for c in range(max(1, 300 // K))]
    same = all(np.array_equal(a, b) for a, b in zip(counts[False], counts[True]))
    steps = n_chunks * K
    return dict(K=K, native=bool(sims[False].native), builtin=steps / best[False], equations=steps / best[True],
                ratio=best[True] / best[False], same_spikes=same, method=sims[True].net.pools["p0"].model.method)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{cpu}, {os.cpu_count()} CPUs (load {load:.1f} at start), Python {platform.python_version()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=2.0, help="wall time of one round of one network")
    ap.add_argument("--K", type=int, nargs="*", default=[1, 10, 100])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "EQUATIONS.md"))
    args = ap.parse_args()
    from spark_lab import _native
    paths = [True, False] if _native.available() else [False]
    d = bc.build_network()
    where = machine()
    rows = []
    for native in paths:
        for K in args.K:
            r = measure(d, K, native, args.rounds, args.seconds)
            rows.append(r)
            print(f"K={K:4d} {'native' if r['native'] else 'jax':6s}: built-in {r['builtin']:9.0f} steps/s, "
                  f"equations {r['equations']:9.0f} steps/s, ratio {r['ratio']:.3f}, same spikes {r['same_spikes']}",
                  flush=True)
    worst = max(r["ratio"] for r in rows)
    lines = [
        "# Equation-defined LIF vs built-in LIF (bench/equations_speed.py)",
        "",
        f"{datetime.date.today().isoformat()}, {where}.",
        "",
        "The 7 x 1024 LIF benchmark network (bench_common.py) with the built-in `LIF` and `Exponential`, and",
        "the same network written as equations (`NeuronEquations` LIF, `SynapseEquations` exponential",
        f"synapse, method {rows[0]['method']!r}), in one process; closed loop per chunk of K steps;",
        f"best of {args.rounds} alternating rounds of about {args.seconds:g} s each. Ratio = built-in steps/s",
        "over equation steps/s (target: at most 1.2).",
        "",
        "| K | path | built-in steps/s | equations steps/s | ratio | same spikes |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['K']} | {'native' if r['native'] else 'pure JAX'} | {r['builtin']:,.0f} | "
                     f"{r['equations']:,.0f} | {r['ratio']:.3f} | {'yes' if r['same_spikes'] else 'NO'} |")
    lines += ["", f"Largest ratio: {worst:.3f} ({'within' if worst <= 1.2 else 'above'} the 1.2 target).", ""]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print(f"largest ratio {worst:.3f}; written to {args.out}")


if __name__ == "__main__":
    main()
