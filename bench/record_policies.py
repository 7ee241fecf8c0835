"""Cost of recording with policies: 5000 steps of the demo E/I network (1000 LIF + 1000
Poisson), chunks of 100, best of 3, recording exc.v at every step, exc.v every 10th step
(thinned on the device, only kept rows leave it) and exc.spikes.

    python bench/record_policies.py

Measured (2-core CPU, native kernel; the code before the policies thinned on the host):
exc.v 0.250 -> 0.254 s, exc.v every 10 0.232 -> 0.101 s, exc.spikes 0.231 -> 0.206 s.
"""
import time

import spark_lab as sl
from spark_lab.cli import demo_network


def main():
    sim = demo_network().build()
    for rec in (["exc.v"], [sl.RecordSpec("exc", "v", every=10)], ["exc.spikes"]):
        sim.run(1000, record=rec, chunk=100)
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            sim.run(5000, record=rec, chunk=100)
            best = min(best, time.perf_counter() - t)
        print(f"{sl.RecordSpec.parse(rec[0], sim.net).to_dict()}: {best:.3f} s for 5000 steps")


if __name__ == "__main__":
    main()
