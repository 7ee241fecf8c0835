"""Command line: ``spark-lab``.

    spark-lab info                 versions and the JAX devices in use
    spark-lab demo [--steps N]     build and run the quickstart's E/I network, print rates
"""
from __future__ import annotations

import argparse
import json
import sys
import time


def _info(args) -> int:
    import jax
    import numpy as np

    from . import __version__
    print(json.dumps({"spark_lab": __version__, "jax": jax.__version__, "numpy": np.__version__,
                      "devices": [str(d) for d in jax.devices()]}))
    return 0


def demo_network(seed: int = 42, g_inh: float = 5.0):
    """The quickstart's balanced E/I network (800 exc + 200 inh LIF, 1000 Poisson inputs)."""
    from . import LIF, Exponential, FixedProbability, Network, PoissonSource

    net = Network(dt=0.1, seed=seed)
    lif = LIF(tau_m=20.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0, v_init_low=-65.0, v_init_high=-50.0)
    net.add_pool("exc", lif, n=800, excitatory=True)
    net.add_pool("inh", lif, n=200, excitatory=False, g_inh=g_inh)
    net.add_pool("ext", PoissonSource(rate=10.0), n=1000)
    for pre in ("exc", "inh"):
        for post in ("exc", "inh"):
            net.connect(pre, post, synapse=Exponential(tau=5.0), connectivity=FixedProbability(p=0.1),
                        weight=1.0, delay=1.5)
    for post in ("exc", "inh"):
        net.connect("ext", post, connectivity=FixedProbability(p=0.1), weight=4.0)
    return net


def _demo(args) -> int:
    sim = demo_network(seed=args.seed).build()
    t0 = time.perf_counter()
    res = sim.run(args.steps)
    wall = time.perf_counter() - t0
    print(json.dumps({"steps": args.steps, "simulated_ms": args.steps * sim.dt, "wall_s": round(wall, 3),
                      "rates_hz": {p: round(res.rate(p), 2) for p in ("exc", "inh", "ext")}}))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="spark-lab", description="spark_lab: spiking networks on JAX")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("info", help="versions and JAX devices").set_defaults(fn=_info)
    d = sub.add_parser("demo", help="run the quickstart E/I network and print its rates")
    d.add_argument("--steps", type=int, default=5000, help="steps of 0.1 ms (default 5000)")
    d.add_argument("--seed", type=int, default=42)
    d.set_defaults(fn=_demo)
    args = ap.parse_args(argv)
    from .errors import SparkLabError
    try:
        return args.fn(args)
    except SparkLabError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
