"""Python-side time of one graph-editor edit on a network of 50 pools and 200 projections.

Issue 5 asks for < 200 ms per edit. Each edit is timed from the call to the return
(snapshot for undo, the network change, validation, canvas diff, inspector); no
browser is involved. Run: python bench/editor_edit.py
"""
from __future__ import annotations

import random
import statistics
import time

import spark_lab as sl
from spark_lab.notebook.editor import GraphEditor


def big_editor(n_pools=50, n_proj=200, seed=0):
    rng = random.Random(seed)
    net = sl.Network(dt=0.1)
    for i in range(n_pools):
        net.add_pool(f"p{i}", sl.LIF(), 100)
        net.set_position(f"p{i}", 100.0 * (i % 10), 100.0 * (i // 10))
    pairs = set()
    while len(pairs) < n_proj:
        pairs.add((rng.randrange(n_pools), rng.randrange(n_pools)))
    for a, b in sorted(pairs):
        net.connect(f"p{a}", f"p{b}")
    return GraphEditor(net)


def main():
    ed = big_editor()
    edits = {
        "move": lambda k: ed.move("p3", 10.0 + k, 20.0),
        "inspector value": lambda k: (ed.select("p4"), ed.inspector.fields["tau_m"].set(10.0 + k)),
        "edge weight": lambda k: ed.update_projection(next(iter(ed.network.projections)), weight=1.0 + k),
        "add pool": lambda k: ed.add("LIF"),
        "connect": lambda k: ed.connect("p1", "p2"),
        "rename": lambda k: ed.rename("p5", f"q{k}") if k % 2 == 0 else ed.rename(f"q{k - 1}", "p5"),
        "undo": lambda k: ed.undo(),
        "redo": lambda k: ed.redo(),
    }
    print(f"{len(ed.network.pools)} pools, {len(ed.network.projections)} projections")
    worst = 0.0
    for name, fn in edits.items():
        times = []
        for k in range(10):
            t0 = time.perf_counter()
            fn(k)
            times.append((time.perf_counter() - t0) * 1e3)
        worst = max(worst, max(times))
        print(f"{name:16s} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms")
    print(f"worst single edit: {worst:.1f} ms ({'within' if worst < 200 else 'OVER'} the 200 ms target)")


if __name__ == "__main__":
    main()
