"""spark_lab on the 7-pool closed-loop benchmark (../shared/notes/benchmark.md).

Same command line and one-line JSON output as the reference scripts:
    python bench/spark_lab_bench.py --K 100 --seconds 10 [--native auto|on|off]
Per chunk: set the 100 input rates, simulate K steps, read pool 6's spike counts
into a numpy array (the closed loop's host round trip). Besides wall-clock steps/s it
reports steps per second of process CPU time (``steps_per_cpu_s``: what the machine's other
processes take is not counted) and the load average at the end.
"""
import math
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
import numpy as np  # noqa: E402


def main():
    args = bc.parse_args(lambda ap: (ap.add_argument("--spike-batch", type=int, default=128),
                                     ap.add_argument("--native", choices=["auto", "on", "off"], default="auto",
                                                     help="C++ propagation kernel on the CPU (auto: when built)")))
    K = args.K
    t0 = time.perf_counter()
    import spark_lab_net
    d = bc.build_network()
    fp = bc.fingerprint(d)
    native = {"auto": None, "on": True, "off": False}[args.native]
    sim = spark_lab_net.build(d, spike_batch=args.spike_batch, native=native)
    setup_s = time.perf_counter() - t0
    n_chunks = max(1, int(round(args.seconds / (K * bc.DT))))
    warm = args.warmup_chunks if args.warmup_chunks is not None else max(1, min(3, math.ceil(20 / K)))
    rates = bc.rate_schedule(warm + n_chunks).astype(np.float32)
    ro = ("p6",)

    t0 = time.perf_counter()
    for c in range(warm):
        np.asarray(sim.run_chunk(K, {"input": rates[c]}, readout=ro)["p6"])
    compile_s = time.perf_counter() - t0
    t0, cpu0 = time.perf_counter(), time.process_time()
    for c in range(warm, warm + n_chunks):
        out = np.asarray(sim.run_chunk(K, {"input": rates[c]}, readout=ro)["p6"])
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    steps = n_chunks * K
    # firing rates of the timed part: the same chunks again from the initial state with
    # every pool's counts read out (not timed; same seed and inputs give the same spikes)
    counts = np.zeros(bc.N, np.int64)
    sim2 = sim
    sim2.reset()
    for a in range(bc.N_POOLS):           # v(0) of the definition, as spark_lab_net.build sets it
        sim2.set_state(f"p{a}", "v", d["v0"][a * bc.POOL_SIZE:(a + 1) * bc.POOL_SIZE])
    for c in range(warm):
        sim2.run_chunk(K, {"input": rates[c]}, readout=())
    for c in range(warm, warm + n_chunks):
        cnt = sim2.run_chunk(K, {"input": rates[c]}, readout=tuple(f"p{a}" for a in range(7)))
        counts += np.concatenate([np.asarray(cnt[f"p{a}"]) for a in range(7)])
    sim_s = steps * bc.DT
    st = bc.rate_stats(counts, sim_s)
    from spark_lab import _runtime
    bc.emit(dict(simulator="spark_lab", variant="native" if sim.native else "jax", K=K, seconds=sim_s, steps=steps,
                 xla_serial_loops=_runtime.STATE["serial_loops"],
                 steps_per_s=round(steps / wall, 1), wall_s=round(wall, 3), cpu_s=round(cpu, 3),
                 steps_per_cpu_s=round(steps / cpu, 1), load_avg=round(os.getloadavg()[0], 2),
                 setup_s=round(setup_s, 2),
                 compile_s=round(compile_s, 2), fingerprint=fp, last_readout_sum=int(out.sum()),
                 peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), **st))


if __name__ == "__main__":
    main()
