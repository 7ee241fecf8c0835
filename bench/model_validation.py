"""Time model-file validation on large documents (issue 13: linear-time validation).

    python bench/model_validation.py            # every case, best of 3
    python bench/model_validation.py --quick    # one round, smaller scaling series

Cases: N pools with N projections (a ring), N pools alone, N pools with N records of
unknown pools (every record is an issue), N pools each with its own parameters (no
description repeats), N pools with N records, and the ring as ``save`` writes it (every
field written out).
Prints wall and CPU seconds of ``model.validate`` on the JSON text (best of the rounds), the
number of issues listed and the length of the ModelError text. On a shared machine the CPU
seconds are the steadier figure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from spark_lab import model  # noqa: E402
from spark_lab.errors import ModelError  # noqa: E402


def ring(n_pools: int, projections: bool = True, bad_records: int = 0, distinct: bool = False,
         records: int = 0) -> dict:
    pools = [{"name": f"p{i}", "component": "lif", "n": 10} for i in range(n_pools)]
    if distinct:                                 # every pool its own parameters: nothing is checked only once
        for i, p in enumerate(pools):
            p["params"] = {"tau_m": 10.0 + i * 1e-3}
    projs = [{"pre": f"p{i}", "post": f"p{(i + 1) % n_pools}",
              "connectivity": {"component": "fixed_probability", "params": {"p": 0.1}},
              "weight": 0.5, "delay": 1.0} for i in range(n_pools)] if projections else []
    record = [{"pool": f"q{i}", "var": "spikes"} for i in range(bad_records)]
    record += [{"pool": f"p{i}", "var": "v"} for i in range(records)]
    return {"format": model.FORMAT, "dt": 0.1, "pools": pools, "projections": projs, "record": record}


def timed(doc, rounds: int):
    text = json.dumps(doc)
    best, cpu, issues, msg = float("inf"), float("inf"), [], ""
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        issues = model.validate(text)
        best, cpu = min(best, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    if issues:
        try:
            model.loads(text)
        except ModelError as e:
            msg = str(e)
    return best, cpu, len(issues), len(msg), len(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rounds = 1 if args.quick else 3
    cases = [("pools+projections", n, ring(n)) for n in (1_000, 2_000, 4_000, 10_000)]
    cases += [("pools only", n, ring(n, projections=False)) for n in (8_000, 100_000 if not args.quick else 20_000)]
    cases += [("pools+unknown records", 2_000, ring(2_000, projections=False, bad_records=2_000))]
    cases += [("distinct pool params", 10_000, ring(10_000, distinct=True))]
    cases += [("pools+records", 10_000, ring(10_000, projections=False, records=10_000))]
    cases += [("as saved (save())", 10_000, model.to_dict(model.from_dict(ring(10_000))))]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'case':<24} {'N':>7} {'text MB':>8} {'wall s':>8} {'CPU s':>8} {'issues':>7} {'error chars':>12}")
    for name, n, doc in cases:
        s, c, k, m, size = timed(doc, rounds)
        print(f"{name:<24} {n:>7} {size / 1e6:>8.2f} {s:>8.3f} {c:>8.3f} {k:>7} {m:>12}", flush=True)


if __name__ == "__main__":
    main()
