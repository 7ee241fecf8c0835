"""Soak: a recording live session with monitors and a slider thread for N minutes; the
slope of resident memory (RSS) after warm-up, printed as one JSON object.

    python bench/soak.py [--minutes 30] [--warmup 2] [--K 100] [--speed F] [--out bench/results/soak.json]

The network: 400 LIF (320 excitatory, 80 inhibitory, Dale) driven by 100 Poisson inputs,
recorded (spikes of every pool, v of 20 neurons) into the session's ring buffers, with a
LiveLab on it (raster, traces and rate monitors drawing as they would for a browser; no
front-end attached, so widget messages go nowhere). While it runs, a slider thread moves
the ``g_inh`` slider and an inspector-like thread sets a weight through ``set_param``
every 50 ms; every 10 s the main thread exports the recordings to an npz (from a snapshot,
outside the data lock) and deletes it. RSS is sampled every second; the slope is the
least-squares fit over the samples after ``--warmup`` minutes, in MB per minute. The issue's
budget: <= 0.1 MB/min after warm-up over 30 minutes.
"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import spark_lab as sl  # noqa: E402
from spark_lab.notebook import LiveLab  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def network() -> sl.Network:
    net = sl.Network(dt=0.1, seed=7)
    net.add_pool("ext", sl.PoissonSource(rate=15.0), n=100)
    net.add_pool("exc", sl.LIF(), n=320, excitatory=True)
    net.add_pool("inh", sl.LIF(), n=80, excitatory=False, g_inh=4.0)
    for pre, post, w in (("ext", "exc", 1.0), ("ext", "inh", 1.0), ("exc", "exc", 0.3), ("exc", "inh", 0.3),
                         ("inh", "exc", 0.3), ("inh", "inh", 0.3)):
        net.connect(pre, post, weight=w, connectivity=sl.FixedProbability(p=0.1), name=f"{pre}_{post}")
    net.record("exc", "spikes")
    net.record("inh", "spikes")
    net.record("exc", "v", neurons=list(range(20)))
    return net


def fit_slope(ts, ys) -> float:
    """Least-squares slope of ys (MB) over ts (s), in MB per minute."""
    if len(ts) < 2:
        return float("nan")
    return float(np.polyfit(np.asarray(ts) / 60.0, np.asarray(ys), 1)[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--warmup", type=float, default=2.0, help="minutes left out of the slope")
    ap.add_argument("--K", type=int, default=100)
    ap.add_argument("--speed", type=float, default=None,
                    help="real-time factor of the session (default: as fast as possible)")
    ap.add_argument("--out", default=None, help="also write the JSON here")
    a = ap.parse_args()

    lab = LiveLab(network().build(), chunk=a.K, params=[("inh", "g_inh")], raster="exc", traces={"exc": (0, 1, 2)},
                  speed=a.speed)
    session, slider = lab.session, lab.sliders[("inh", "g_inh")].slider
    stop = threading.Event()
    moves = {"slider": 0, "set_param": 0}

    def move_slider():
        k = 0
        while not stop.wait(0.05):
            slider.value = 2.0 + (k % 40) / 10.0          # as the front-end sets it
            moves["slider"] += 1
            k += 1

    def set_weights():
        k = 0
        while not stop.wait(0.05):
            session.set_param("exc_inh", "weight", 0.2 + (k % 20) / 100.0)
            moves["set_param"] += 1
            k += 1

    threads = [threading.Thread(target=f, daemon=True) for f in (move_slider, set_weights)]
    session.run()
    for th in threads:
        th.start()
    t0 = time.perf_counter()
    ts, ys, exports = [], [], 0
    next_export = 10.0
    tmp = tempfile.mkdtemp(prefix="soak-")
    while (now := time.perf_counter() - t0) < a.minutes * 60:
        time.sleep(1.0)
        ts.append(now)
        ys.append(rss_mb())
        if now >= next_export:
            path = os.path.join(tmp, "rec.npz")
            session.export_npz(path)
            os.remove(path)
            exports += 1
            next_export += 10.0
        if session.status not in ("running",):
            break
    stop.set()
    for th in threads:
        th.join()
    status, message = session.status, session.message
    steps = session.t
    session.pause()
    lab.close()
    keep = [i for i, t in enumerate(ts) if t >= a.warmup * 60]
    out = {
        "minutes": round(ts[-1] / 60.0, 2) if ts else 0.0,
        "warmup_minutes": a.warmup,
        "speed": a.speed,
        "status_at_end": status,
        "message": message,
        "steps": int(steps),
        "simulated_s": round(steps * 0.1e-3, 1),
        "slider_moves": moves["slider"],
        "set_param_calls": moves["set_param"],
        "exports": exports,
        "rss_mb_start": round(ys[0], 1) if ys else None,
        "rss_mb_after_warmup": round(ys[keep[0]], 1) if keep else None,
        "rss_mb_end": round(ys[-1], 1) if ys else None,
        "rss_slope_mb_per_min": round(fit_slope([ts[i] for i in keep], [ys[i] for i in keep]), 4),
        "budget_mb_per_min": 0.1,
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    text = json.dumps(out, indent=1)
    print(text)
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
