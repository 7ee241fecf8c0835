"""Per-pool spike counts over the first N steps with deterministic input, as one JSON line.

    python bench/equivalence.py --who spark_lab [--steps 100] [--K 10]
    python bench/equivalence.py --who numpy_reference [--steps 100]

Run under .venv's python by bench/run.py for its equivalence check (the peers report the
same numbers in the "pool_counts" field of their JSON line). The input is the benchmark's
checking aid: BENCH_DETERMINISTIC_INPUT=5 (set here if the caller did not), i.e. channels
0-4 fire every step and the others never, so every simulator must give the same spikes.
The spark_lab side uses the closed-loop path of spark_lab_bench.py (run_chunk of K steps
with all seven pools read out).
"""
import argparse
import json
import os
import sys

os.environ.setdefault("BENCH_DETERMINISTIC_INPUT", "5")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
import numpy as np  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--who", choices=["spark_lab", "numpy_reference"], required=True)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--K", type=int, default=10)
    a = ap.parse_args()
    d = bc.build_network()
    n_chunks = a.steps // a.K
    rates = bc.rate_schedule(n_chunks)
    if a.who == "numpy_reference":
        c, _ = bc.numpy_reference(n_chunks * a.K, K=a.K, net=d, rates=rates)
        counts = c.reshape(bc.N_POOLS, bc.POOL_SIZE).sum(1)
    else:
        import spark_lab_net
        sim = spark_lab_net.build(d)
        pools = tuple(f"p{p}" for p in range(bc.N_POOLS))
        counts = np.zeros(bc.N_POOLS, np.int64)
        for c in range(n_chunks):
            out = sim.run_chunk(a.K, {"input": rates[c].astype(np.float32)}, readout=pools)
            counts += [int(np.asarray(out[p]).sum()) for p in pools]
    print(json.dumps(dict(who=a.who, steps=n_chunks * a.K, K=a.K, fingerprint=bc.fingerprint(d),
                          deterministic_input=os.environ["BENCH_DETERMINISTIC_INPUT"],
                          pool_counts=[int(x) for x in counts])), flush=True)


if __name__ == "__main__":
    main()
