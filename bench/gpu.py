"""`make bench-gpu`: spark_lab's pure-JAX path on whatever accelerator JAX sees.

    python bench/gpu.py [--seconds 2] [--ks 1,10,100,1000] [--micro-scale 1.0] [--micro-ms 200]
                        [--micro-k 100] [--json bench/results/gpu.json] [--md bench/GPU.md]

Runs, on ``jax.devices()[0]`` (a GPU or TPU where JAX has one, else the CPU: the output says
which), with the pure-JAX kernel (``native=False``: the C++ kernel is CPU-only):

* the 7-pool closed-loop benchmark (bench_common.py, ../shared/notes/benchmark.md) at
  K = 1, 10, 100, 1000 steps per call: per call the 100 input rates go in and pool 6's spike
  counts come back to the host, as in bench/spark_lab_bench.py;
* the Potjans & Diesmann (2014) cortical microcircuit, ``sl.load("microcircuit", scale=...)``
  (full scale by default: 77k neurons, ~0.3 billion synapses), run in calls of ``--micro-k``
  steps with every population's counts read back; skipped with a message where this
  spark_lab has no such example.

Per configuration: steps/s, the real-time factor (wall-clock time / simulated time: below 1
is faster than real time), build and compile time (the first call, compilation included),
device memory (``memory_stats()`` where the backend has it: bytes in use and peak; on the CPU
the process's peak RSS instead) and mean rates. Writes one JSON file and a markdown table.
Short: about a minute on a GPU at the defaults, a few minutes on a 2-core CPU (where
``--micro-scale 0.1`` is the sensible choice).
"""
import argparse
import json
import os
import platform
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import numpy as np  # noqa: E402


def device_info() -> dict:
    import jax
    d = jax.devices()[0]
    return dict(platform=d.platform, device_kind=getattr(d, "device_kind", d.platform), n_devices=len(jax.devices()),
                jax=jax.__version__, python=platform.python_version(), host=platform.node(), cpus=os.cpu_count())


def memory() -> dict:
    """Device memory in MiB (bytes in use, peak) where the backend reports it, else peak RSS."""
    import jax
    stats = None
    try:
        stats = jax.devices()[0].memory_stats()
    except Exception:  # noqa: BLE001 - a backend without memory statistics
        stats = None
    rss = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if stats and "bytes_in_use" in stats:
        return dict(device_mib=round(stats["bytes_in_use"] / 2**20, 1),
                    device_peak_mib=round(stats.get("peak_bytes_in_use", stats["bytes_in_use"]) / 2**20, 1),
                    host_peak_rss_mib=rss)
    return dict(device_mib=None, device_peak_mib=None, host_peak_rss_mib=rss)


def seven_pool(ks, seconds: float) -> list:
    import bench_common as bc
    import spark_lab_net
    t0 = time.perf_counter()
    sim = spark_lab_net.build(bc.build_network(), native=False)
    build_s = time.perf_counter() - t0
    rows = []
    for K in ks:
        sim.reset()
        n_chunks = max(2, int(round(seconds / (K * bc.DT))))
        rates = bc.rate_schedule(n_chunks + 1).astype(np.float32)
        t0 = time.perf_counter()
        np.asarray(sim.run_chunk(K, {"input": rates[0]}, readout=("p6",))["p6"])
        compile_s = time.perf_counter() - t0
        for _ in range(3):                        # untimed: the first calls after compiling
            np.asarray(sim.run_chunk(K, {"input": rates[0]}, readout=("p6",))["p6"])
        total = 0
        t0 = time.perf_counter()
        for c in range(1, n_chunks + 1):
            total += int(np.asarray(sim.run_chunk(K, {"input": rates[c]}, readout=("p6",))["p6"]).sum())
        wall = time.perf_counter() - t0
        steps = n_chunks * K
        sim_s = steps * bc.DT
        rows.append(dict(config="7-pool benchmark", K=K, neurons=bc.N, steps=steps, simulated_s=round(sim_s, 3),
                         wall_s=round(wall, 3), steps_per_s=round(steps / wall, 1), rtf=round(wall / sim_s, 4),
                         build_s=round(build_s, 2), compile_s=round(compile_s, 2),
                         pool6_rate_hz=round(total / bc.POOL_SIZE / sim_s, 2), **memory()))
        print(json.dumps(rows[-1]), flush=True)
    return rows


def microcircuit(scale: float, sim_ms: float, K: int) -> dict:
    import spark_lab as sl
    t0 = time.perf_counter()
    try:
        net = sl.load("microcircuit", scale=scale)
    except (TypeError, sl.ModelError) as e:       # no such example (or no scale option) in this spark_lab
        return dict(config="microcircuit", scale=scale,
                    skipped=f"sl.load('microcircuit', scale=...) is not available here ({type(e).__name__}: "
                            f"{str(e).splitlines()[0][:160]})")
    net.configure(native=False)
    try:
        sim = net.build()
    except (MemoryError, sl.SparkLabError) as e:
        return dict(config="microcircuit", scale=scale, skipped=f"build refused: {type(e).__name__}: {e}"[:400])
    build_s = time.perf_counter() - t0
    pools = tuple(sim.layout.pools)
    sizes = {nm: p.n for nm, p in sim.layout.pools.items()}
    n_chunks = max(2, int(round(sim_ms / (K * sim.dt))))
    t0 = time.perf_counter()
    sim.run_chunk(K, readout=pools)
    compile_s = time.perf_counter() - t0
    sim.run_chunk(K, readout=pools)
    counts = dict.fromkeys(pools, 0)
    t0 = time.perf_counter()
    for _ in range(n_chunks):
        c = sim.run_chunk(K, readout=pools)
        for nm in pools:
            counts[nm] += int(np.asarray(c[nm]).sum())
    wall = time.perf_counter() - t0
    steps = n_chunks * K
    sim_s = steps * sim.dt * 1e-3
    n_syn = sum(p.n_syn for p in sim.layout.projections.values())
    return dict(config="microcircuit", scale=scale, K=K, neurons=sum(sizes.values()), synapses=n_syn, steps=steps,
                simulated_s=round(sim_s, 3), wall_s=round(wall, 3), steps_per_s=round(steps / wall, 1),
                rtf=round(wall / sim_s, 4), build_s=round(build_s, 2), compile_s=round(compile_s, 2),
                rates_hz={nm: round(counts[nm] / sizes[nm] / sim_s, 2) for nm in pools}, **memory())


def markdown(info: dict, rows: list, micro: dict, args) -> str:
    where = "cpu (no accelerator: these are CPU figures)" if info["platform"] == "cpu" else info["device_kind"]
    out = [f"# spark_lab on {where}", "",
           f"Generated by `make bench-gpu` (bench/gpu.py) on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
           f"pure-JAX path on `{info['platform']}` ({info['device_kind']}, {info['n_devices']} device(s) seen, "
           f"the first used), jax {info['jax']}, host {info['cpus']} CPUs, load average {os.getloadavg()[0]:.1f} "
           f"at the end.", "",
           "Real-time factor: wall-clock time / simulated time (below 1: faster than real time). Compile: the "
           "first call of each K, compilation included. Memory: device bytes in use / peak after the run "
           "(`memory_stats()`), or the process's peak RSS where the backend has no statistics.", "",
           "## 7-pool closed-loop benchmark (7,168 LIF neurons, host round trip every K steps)", "",
           "| K | steps/s | real-time factor | simulated s | compile s | device MiB (peak) | host peak RSS MiB |"
           " pool-6 Hz |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        dev = "n/a" if r["device_mib"] is None else f"{r['device_mib']:,.0f} ({r['device_peak_mib']:,.0f})"
        out.append(f"| {r['K']} | {r['steps_per_s']:,.0f} | {r['rtf']:.3g} | {r['simulated_s']} | {r['compile_s']} | "
                   f"{dev} | {r['host_peak_rss_mib']:,.0f} | {r['pool6_rate_hz']} |")
    out += ["", f"Network build (before the first K): {rows[0]['build_s']} s." if rows else "", "",
            f"## Cortical microcircuit (Potjans & Diesmann 2014), scale {args.micro_scale}", ""]
    if "skipped" in micro:
        out.append(f"Skipped: {micro['skipped']}")
    else:
        dev = "n/a" if micro["device_mib"] is None else f"{micro['device_mib']:,.0f} ({micro['device_peak_mib']:,.0f})"
        out += ["| neurons | synapses | K | steps/s | real-time factor | simulated s | build s | compile s |"
                " device MiB (peak) | host peak RSS MiB |", "|---|---|---|---|---|---|---|---|---|---|",
                f"| {micro['neurons']:,} | {micro['synapses']:,} | {micro['K']} | {micro['steps_per_s']:,.0f} | "
                f"{micro['rtf']:.3g} | {micro['simulated_s']} | {micro['build_s']} | {micro['compile_s']} | {dev} | "
                f"{micro['host_peak_rss_mib']:,.0f} |", "",
                "Rates (Hz): " + ", ".join(f"{k} {v}" for k, v in micro["rates_hz"].items())]
    if info["platform"] == "cpu":
        out += ["", "No accelerator was visible to JAX here: the GPU figures need a run of `make bench-gpu` "
                "on a machine with a GPU and a CUDA build of JAX (e.g. `pip install -U \"jax[cuda12]\"`)."]
    out += ["", "Raw: bench/results/gpu.json. On a machine with a GPU: `make bench-gpu` (JAX with CUDA installed)."]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="simulated seconds per K (7-pool benchmark)")
    ap.add_argument("--ks", default="1,10,100,1000")
    ap.add_argument("--micro-scale", type=float, default=1.0, help="microcircuit scale (neurons and in-degrees)")
    ap.add_argument("--micro-ms", type=float, default=200.0, help="simulated ms of the microcircuit")
    ap.add_argument("--micro-k", type=int, default=100, help="microcircuit steps per call")
    ap.add_argument("--json", default=os.path.join(HERE, "results", "gpu.json"))
    ap.add_argument("--md", default=os.path.join(HERE, "GPU.md"))
    args = ap.parse_args()
    import spark_lab  # noqa: F401 - its JAX settings before the first JAX computation
    info = device_info()
    print(f"bench/gpu.py: running on {info['platform']} ({info['device_kind']})", flush=True)
    rows = seven_pool([int(k) for k in args.ks.split(",")], args.seconds)
    micro = microcircuit(args.micro_scale, args.micro_ms, args.micro_k)
    print(json.dumps(micro), flush=True)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(dict(device=info, seven_pool=rows, microcircuit=micro), f, indent=1)
    with open(args.md, "w") as f:
        f.write(markdown(info, rows, micro, args))
    print(f"bench/gpu.py: wrote {args.json} and {args.md}")


if __name__ == "__main__":
    main()
