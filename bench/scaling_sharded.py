"""Steps/s of one network on one device (pure JAX) against the sharded simulator on 2 and 4
devices (``net.build(devices=jax.devices())``), CPU devices forced with
``XLA_FLAGS=--xla_force_host_platform_device_count=D`` (one process per device count and size).

The network of bench/scaling.py (``bench_runs.scaling_network``): LIF, 80 % excitatory (Dale,
g_inh = 5), fixed in-degree k = 100, a Poisson pool of N/10 channels (in-degree 20), dt = 1 ms,
closed loop of K steps per call with new input rates each call (``bench_runs.timed_chunks``).

    python bench/scaling_sharded.py [--sizes 1000,10000,50000] [--devices 1,2,4] [--K 100] [--seconds 1]
        [--md bench/SHARDED.md]

D = 1 is the single-device Simulator (native=False); D > 1 the ShardedSimulator. Forced host
devices share the machine's cores: on a CPU they measure the cost of the exchange and of the
split, not a speed-up (that needs devices with their own cores or chips: a GPU per device,
or hosts under jax.distributed).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_runs import child_row, scaling_network, timed_chunks  # noqa: E402


def one(n, D, K, seconds):
    import jax
    t0 = time.perf_counter()
    net = scaling_network(n, native=False)
    sim = net.build() if D == 1 else net.build(devices=jax.devices()[:D])
    setup_s = time.perf_counter() - t0
    rates = np.random.default_rng(5678).uniform(0, 50, size=(64, max(10, n // 10))).astype(np.float32)
    loop = timed_chunks(sim, K, seconds, rates[:62], min_chunks=3)
    n_syn = sum(p.n_syn for p in sim.layout.projections.values())
    if D == 1:
        table = sum(g.targets.nbytes for g in sim.layout.groups)
    else:
        table = max(sum(sim.plan.targets(g.gid)[d].nbytes for g in sim.layout.groups) for d in range(D))
    return dict(neurons=n, synapses=n_syn, devices=D, K=K, steps_per_s=loop["steps_per_s"],
                mean_rate_hz=loop["mean_rate_hz"], setup_s=round(setup_s, 2),
                compile_s=loop["compile_s"], target_bytes_per_device=int(table),
                bytes_per_synapse_per_device=round(table / n_syn, 2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--devices", default="1,2,4")
    ap.add_argument("--K", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--one", nargs=2, type=int, help=argparse.SUPPRESS)
    ap.add_argument("--md")
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one[0], a.one[1], a.K, a.seconds)), flush=True)
        return
    rows = []
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for n in (int(x) for x in a.sizes.split(",")):
        for D in (int(x) for x in a.devices.split(",")):
            env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={D}",
                       PYTHONPATH=os.environ.get("PYTHONPATH", root))
            row = child_row(os.path.abspath(__file__), ["--one", n, D, "--K", a.K, "--seconds", a.seconds], env=env,
                            failed=f"{n} neurons on {D} devices")
            if row is not None:
                rows.append(row)
    if a.md:
        single = {r["neurons"]: r["steps_per_s"] for r in rows if r["devices"] == 1}
        out = ["| neurons | synapses | devices | steps/s | vs 1 device | mean rate (Hz) | set-up s | compile s | "
               "ELL bytes/synapse per device |", "|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            ratio = r["steps_per_s"] / single[r["neurons"]] if r["neurons"] in single else float("nan")
            out.append(f"| {r['neurons']:,} | {r['synapses']:,} | {r['devices']} | {r['steps_per_s']:,.0f} | "
                       f"{ratio:.2f} | {r['mean_rate_hz']} | {r['setup_s']} | {r['compile_s']} | "
                       f"{r['bytes_per_synapse_per_device']} |")
        with open(a.md, "w") as fh:
            fh.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
