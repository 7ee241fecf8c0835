"""Session command queue under load (issue 13): the probe's mix of 5,000 set_param calls and
220 run/pause/step/reset calls from 4 threads, plus the round-trip latency of single commands.

    python bench/session_commands.py            # prints one JSON line

Reports: wall time of the mix, errors (should be 0), steps asked vs. steps done by step(),
whether the last value set of each thread is the one in effect after pause(), and median /
max latency of step(1), run()+pause() and set_param while running. Timings only; no assertion.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]           # this checkout's spark_lab, not an installed one
from test_session import ei_net  # noqa: E402

from spark_lab.session import Session  # noqa: E402

OWNED = [("inh", "g_inh", 0.0, 8.0), ("exc", "tau_m", 5.0, 40.0), ("exc_inh", "weight", 0.0, 3.0),
         ("exc", "v_rest", -70.0, -60.0)]


def mix(s, seed=0):
    errors, last, asked = [], {}, [0]
    lock = threading.Lock()

    def worker(i):
        rng = np.random.default_rng([seed, i])
        target, name, lo, hi = OWNED[i]
        for k in range(1250 + 55):
            try:
                if k % 24 == 23:                      # 55 control commands per thread
                    op = ("run", "pause", "step", "reset")[int(rng.integers(4))]
                    if op == "step":
                        s.step(10, timeout=120)
                        with lock:
                            asked[0] += 10
                    else:
                        getattr(s, op)()
                else:
                    v = float(rng.uniform(lo, hi))
                    s.set_param(target, name, v)
                    last[(target, name)] = v
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    w0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    s.pause()
    wall = time.perf_counter() - w0
    held = all(np.all(s.sim.get_param(t, n) == v) for (t, n), v in last.items())
    return {"mix_wall_s": round(wall, 2), "mix_errors": len(errors), "first_errors": errors[:3],
            "last_value_in_effect": bool(held), "pending_after_pause": len(s.pending)}


def latencies(s, n=50):
    out = {}
    step = []
    for _ in range(n):
        w = time.perf_counter()
        s.step(1)
        step.append(time.perf_counter() - w)
    rp = []
    for _ in range(n):
        w = time.perf_counter()
        s.run()
        s.pause()
        rp.append(time.perf_counter() - w)
    s.run()
    sp = []
    for i in range(n * 10):
        w = time.perf_counter()
        s.set_param("inh", "g_inh", 1.0 + (i % 7))
        sp.append(time.perf_counter() - w)
    s.pause()
    for key, xs in (("step1", step), ("run_pause", rp), ("set_param_running", sp)):
        out[f"{key}_ms_median"] = round(statistics.median(xs) * 1e3, 3)
        out[f"{key}_ms_max"] = round(max(xs) * 1e3, 3)
    return out


def main():
    s = Session(ei_net(), chunk=50)
    s.step()
    s.step(10)
    s.step(1)                                         # the sizes used below compile once here
    res = mix(s)
    res.update(latencies(s))
    res["spark_lab"] = os.path.dirname(sys.modules["spark_lab"].__file__)
    s.stop()
    print(json.dumps(res))


if __name__ == "__main__":
    main()
