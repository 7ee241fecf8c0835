"""`make bench`: spark_lab on the 7-pool closed-loop benchmark for K in {1, 10, 100, 1000}.

Every configuration runs in its own process (bench/spark_lab_bench.py), rounds are
interleaved, and the summary gives the median and min-max steps/s per K. Raw result
lines go to bench/results/spark_lab.jsonl; the summary is printed as one JSON line.

    python bench/run.py [--quick] [--rounds 3] [--seconds 10]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_one(K, seconds):
    out = subprocess.run([sys.executable, os.path.join(HERE, "spark_lab_bench.py"), "--K", str(K),
                          "--seconds", str(seconds)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one round of 2 simulated seconds per K")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--K", default="1,10,100,1000")
    a = ap.parse_args()
    rounds, seconds = (1, 2.0) if a.quick else (a.rounds, a.seconds)
    Ks = [int(k) for k in a.K.split(",")]
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    lines = []
    with open(os.path.join(HERE, "results", "spark_lab.jsonl"), "a") as fh:
        for r in range(rounds):
            for K in Ks:
                res = run_one(K, seconds)
                res["round"] = r
                fh.write(json.dumps(res) + "\n")
                print(json.dumps(res), flush=True)
                lines.append(res)
    summary = {}
    for K in Ks:
        v = [x["steps_per_s"] for x in lines if x["K"] == K]
        c = [x["compile_s"] for x in lines if x["K"] == K]
        summary[str(K)] = {"steps_per_s_median": round(statistics.median(v)), "min": round(min(v)),
                           "max": round(max(v)), "n": len(v), "compile_s_median": round(statistics.median(c), 2),
                           "mean_rate_hz": round(statistics.median(x["mean_rate_hz"] for x in lines if x["K"] == K), 2)}
    print(json.dumps({"benchmark": "7x1024 LIF closed loop (bench/bench_common.py)", "simulator": "spark_lab",
                      "fingerprint": lines[0]["fingerprint"], "steps_per_s": summary}))


if __name__ == "__main__":
    main()
