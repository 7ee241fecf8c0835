"""Time and peak memory of refusing a zip bomb as a checkpoint (issue 13).

A checkpoint of the rich test network whose ``state:float32`` entry inflates to ``--mb`` MB of
zeros (about 1 MB of file for 1 GB), in two forms: "declared" (the zip directory and the .npy
header give the inflated size) and "lying" (both still give the good entry's size; only the
CRC tells). Each case runs in a fresh process: seconds for ``load_checkpoint`` and the growth of
peak RSS (ru_maxrss) during it, after the network was built and a good checkpoint loaded once.

    python bench/checkpoint_bomb.py [--mb 1024]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child(path: str, good: str) -> None:
    sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]
    from _model_nets import rich_network

    sim = rich_network(6).build()
    sim.load_checkpoint(good)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    try:
        sim.load_checkpoint(path)
        outcome = "loaded"
    except Exception as e:                  # the outcome is reported, whatever it is
        outcome = f"{type(e).__name__}: {str(e)[:160]}"
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": dt, "peak_rss_growth_mb": (rss - rss0) / 1024, "outcome": outcome}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=1024, help="inflated size of the bomb entry in MB")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]
    import test_checkpoint as tc
    from _model_nets import rich_network

    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good.npz")
        sim = rich_network(6).build()
        sim.run(100)
        sim.save_checkpoint(good)
        entries = tc.unzip(open(good, "rb").read())
        print(f"| bomb ({args.mb} MB inflated) | file | load_checkpoint | peak RSS growth | outcome |")
        print("|---|---|---|---|---|")
        for lie in (False, True):
            path = os.path.join(tmp, f"bomb_{lie}.npz")
            with open(path, "wb") as fh:
                fh.write(tc.zip_bomb(entries, args.mb << 20, lie))
            out = subprocess.run([sys.executable, __file__, "--child", path, good], capture_output=True, text=True,
                                 check=True).stdout.strip().splitlines()[-1]
            r = json.loads(out)
            kind, size = "lying" if lie else "declared", os.path.getsize(path) / 1e6
            print(f"| {kind} | {size:.2f} MB | {r['seconds'] * 1e3:.1f} ms "
                  f"| {r['peak_rss_growth_mb']:.1f} MB | {r['outcome']} |")


if __name__ == "__main__":
    main()
