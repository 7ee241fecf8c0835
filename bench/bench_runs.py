"""How the bench scripts run and time: one child process per configuration (``child_row``)
and the closed loop of the scaling networks (``scaling_network``, ``timed_chunks``), shared
by bench/scaling.py, bench/scaling_sharded.py and bench/microcircuit.py.

The scripts import it as ``bench_runs`` (their own folder is the first entry of sys.path
when they are run as ``python bench/<script>.py``).
"""
import json
import subprocess
import sys
import time


def child_row(script, args, *, env=None, out=None, failed=None):
    """Run ``python script *args`` in a fresh process (peak RSS, the JAX backend and its
    device count are per process) and return the JSON object of its last stdout line,
    printed as it is and, with ``out``, appended to that file.

    A child that fails: with ``failed`` None, subprocess.CalledProcessError; else the line
    "<failed>: failed: <its last stderr line>" is printed, the end of its stderr written to
    stderr, and None returned."""
    res = subprocess.run([sys.executable, script, *map(str, args)], capture_output=True, text=True, env=env,
                         check=failed is None)
    if res.returncode != 0:
        print(f"{failed}: failed: {res.stderr.strip().splitlines()[-1:]}", flush=True)
        sys.stderr.write(res.stderr[-2000:])
        return None
    line = res.stdout.strip().splitlines()[-1]
    print(line, flush=True)
    if out:
        with open(out, "a") as fh:
            fh.write(line + "\n")
    return json.loads(line)


def scaling_network(n, native=None):
    """The scaling network of N = ``n`` LIF neurons: 80 % excitatory (Dale, g_inh = 5), fixed
    in-degree k = 100 (weight 0.4), driven by a Poisson pool "input" of max(10, N/10) channels
    (in-degree 20, weight 0.3), Exponential synapses (tau 5 ms), dt = 1 ms, seed 1."""
    import spark_lab as sl

    net = sl.Network(dt=1.0, seed=1, native=native)
    lif = sl.LIF(tau_m=20.0, v_rest=0.0, v_th=1.0, v_reset=0.0, t_ref=2.0, v_init_low=0.0, v_init_high=1.0)
    net.add_pool("net", lif, n, excitatory=0.8, g_inh=5.0)
    net.add_pool("input", sl.PoissonSource(rate=0.0), max(10, n // 10))
    syn = sl.Exponential(tau=5.0)
    net.connect("net", "net", synapse=syn, connectivity=sl.FixedInDegree(k=100), weight=0.4)
    net.connect("input", "net", synapse=syn, connectivity=sl.FixedInDegree(k=20), weight=0.3)
    return net


def timed_chunks(sim, K, seconds, rates, min_chunks=2):
    """The closed loop of a scaling network's simulator ``sim``: two untimed chunks of ``K``
    steps with the input rates ``rates[0]`` and ``rates[1]`` (compilation), then
    max(min_chunks, seconds * 1000 / K) timed chunks cycling through ``rates[2:]``, each
    reading out the counts of pool "net". Returns {"compile_s", "steps_per_s",
    "mean_rate_hz"} (compile seconds rounded to 0.01, rates to 0.1 steps/s and 0.01 Hz)."""
    t0 = time.perf_counter()
    for c in range(2):
        sim.run_chunk(K, {"input": rates[c]}, readout=("net",))
    compile_s = time.perf_counter() - t0
    cycle = rates[2:]
    n_chunks = max(min_chunks, int(seconds * 1000 / K))
    spikes = 0
    t0 = time.perf_counter()
    for c in range(n_chunks):
        spikes += int(sim.run_chunk(K, {"input": cycle[c % len(cycle)]}, readout=("net",))["net"].sum())
    wall = time.perf_counter() - t0
    n = sim.layout.pools["net"].n
    return dict(compile_s=round(compile_s, 2), steps_per_s=round(n_chunks * K / wall, 1),
                mean_rate_hz=round(spikes / n / (n_chunks * K * 1e-3), 2))
