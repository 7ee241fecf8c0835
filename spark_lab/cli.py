"""Command line: ``spark-lab``.

    spark-lab info                 versions and the JAX devices in use
    spark-lab demo [--steps N]     build and run the quickstart's E/I network, print rates
    spark-lab examples             the shipped model files, with their paths
    spark-lab validate FILE        check a model file: a one-line summary, or every problem
    spark-lab run FILE --steps N [--record POOL.VAR ...] [--out results.npz] [--chunk K] [--run-dir DIR]
    spark-lab cartpole [...]       CartPole agents learning with three-factor plasticity (closed_loop/cli.py)
    spark-lab nir import FILE.nir OUT.json | nir export FILE OUT.nir   NIR graphs (nir/_cli.py, docs/nir.md)
    spark-lab app MODEL [--port P]  the combined lab of a model as a page with no code (Voilà; _serve.py)
    spark-lab lab [NOTEBOOK]       JupyterLab on the current folder, opened on the quickstart
    spark-lab export RUN --nwb OUT.nwb [--epoch E]   a run folder to NWB (formats/_cli.py)

FILE is a path or the name of a shipped example. Errors go to stderr as plain
lines (no traceback) with exit status 1; Ctrl-C ends with exit status 130.

``run --out`` writes exactly the name given (it must end in .npz, and be a new or regular
file in a folder that exists). Records go to spool files next to it after every chunk, so
memory holds one chunk's records whatever ``--steps`` (about chunk x recorded neurons x 4
bytes; disk: about twice the final file while it is assembled). The file appears, complete,
only when the run ends; after Ctrl-C or an error nothing is written there (a file already
there is left unchanged) and the spool files are removed.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

_FORMAT = "spark_lab.model/1"


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


def _examples(args) -> int:
    from .model import examples
    ex = examples()
    width = max(map(len, ex), default=0)
    for name, path in ex.items():
        print(f"{name:<{width}}  {path}")
    return 0


def _summary(net) -> str:
    n = sum(p.n for p in net.pools.values())
    syn = sum(1 for _ in net.projections)
    return (f"{len(net.pools)} pools ({n:,} neurons), {syn} projections, "
            f"{len(net.records)} recorded variables, dt={net.dt:g} ms")


def _validate(args) -> int:
    from .model import load
    from .model._files import resolve
    net = load(args.file)
    print(f"{resolve(args.file)}: valid {_FORMAT} model: {_summary(net)}")
    return 0


def _run(args) -> int:
    from ._outfile import NpzStream, output_path
    from .errors import ParameterError
    from .model import load
    from .runs import RunWriter
    if args.steps < 1:
        raise ParameterError("spark-lab run", "--steps", f"got {args.steps}", "give a number of steps >= 1")
    if args.chunk is not None and args.chunk < 1:
        raise ParameterError("spark-lab run", "--chunk", f"got {args.chunk}", "give a number of steps >= 1")
    target = None if args.out is None else output_path(args.out, "spark-lab run", "--out", suffix=".npz")
    net = load(args.file)
    for r in args.record or ():
        pool, _, var = r.partition(".")
        net.record(pool, var or "spikes")
    print(f"{_summary(net)}; building", file=sys.stderr, flush=True)
    sim = net.build()
    chunk = args.chunk or max(1, min(10_000, -(-args.steps // 20)))
    out = None if target is None else NpzStream(target)
    store = None if args.run_dir is None else RunWriter(args.run_dir, sim)
    progress = [0]
    try:
        print(f"running {args.steps} steps of {sim.dt:g} ms in chunks of {chunk}", file=sys.stderr, flush=True)
        counts, wall = _run_chunks(sim, net, args.steps, chunk, out, progress, store)
    except BaseException as e:
        if out is not None:
            out.discard()
        if isinstance(e, KeyboardInterrupt):
            kept = "" if target is None else f"; {target} was not written (any file there is unchanged)"
            print(f"\ninterrupted at step {progress[0]} of {args.steps}{kept}", file=sys.stderr, flush=True)
            raise _Interrupted from None
        raise
    finally:
        if store is not None:
            store.close()
    seconds = args.steps * sim.dt * 1e-3
    width = max(map(len, counts))
    print(f"{args.steps} steps ({args.steps * sim.dt:g} ms simulated) in {wall:.2f} s wall")
    print(f"{'pool':<{width}}  {'neurons':>8}  {'rate (Hz)':>10}")
    for p, c in counts.items():
        print(f"{p:<{width}}  {c.size:>8}  {c.sum() / c.size / seconds:>10.2f}")
    if out is not None:
        with out:
            for p, c in counts.items():
                out.put(f"counts.{p}", c)
            out.put("dt", np.float64(sim.dt))
            out.put("steps", np.int64(args.steps))
            size = out.finish()
        print(f"wrote {target} ({_size(size)}): counts.POOL, record.POOL.VAR, times.POOL.VAR (step indices), "
              f"dt, steps")
    return 0


def _run_chunks(sim, net, steps: int, chunk: int, out, progress: list, store=None):
    """Run ``steps`` in chunks, streaming each chunk's records and their step indices to the
    NpzStream ``out`` (None: not kept) and to the run store ``store`` (a RunWriter, or None);
    ``progress[0]`` follows the steps done. Memory: one chunk's records (chunk x recorded
    neurons x 4 bytes; with a store up to 64 chunks queued for its writer thread) and the
    counts, whatever ``steps``. Returns ({pool: spikes per neuron}, wall seconds)."""
    neurons = {r.key: r.neurons for r in net.records}
    bar = _Progress(steps, sys.stderr)
    counts = {p: np.zeros(pool.n, np.int64) for p, pool in net.pools.items()}
    t0 = time.perf_counter()
    while progress[0] < steps:
        k = min(chunk, steps - progress[0])
        res = sim.run(k)
        for p in counts:
            counts[p] += res.counts[p]
        if store is not None:
            store.chunk(res.t_start, k, res.counts, res.records, res.times, neurons)
        if out is not None:
            for key in res.records:
                out.append(f"record.{key}", res.records[key])
                out.append(f"times.{key}", res.times[key])
        progress[0] += k
        bar.update(progress[0], time.perf_counter() - t0)
    bar.close()
    return counts, time.perf_counter() - t0


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


class _Interrupted(KeyboardInterrupt):
    """Ctrl-C, already reported."""


class _Progress:
    """A plain-text progress bar on a stream: redrawn in place on a terminal, otherwise
    one line at every tenth."""

    def __init__(self, total: int, stream, width: int = 30):
        self.total, self.stream, self.width = total, stream, width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.shown = -1

    def update(self, done: int, elapsed: float) -> None:
        frac = done / self.total
        tenth = int(frac * 10)
        if not self.tty and tenth == self.shown:
            return
        self.shown = tenth
        fill = int(frac * self.width)
        rate = done / elapsed if elapsed > 0 else 0.0
        line = (f"[{'#' * fill}{'.' * (self.width - fill)}] {frac * 100:5.1f}% {done}/{self.total} steps "
                f"{elapsed:6.1f} s ({rate:,.0f} steps/s)")
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def main(argv=None) -> int:
    """Run the command line ``argv`` (sys.argv when None); the exit status: 0, 1 for an error
    (one plain line or a list of problems on stderr, no traceback), 130 after Ctrl-C."""
    try:
        return _main(argv)
    except _Interrupted:
        return 130
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr, flush=True)
        return 130


def _main(argv) -> int:
    ap = argparse.ArgumentParser(prog="spark-lab", description="spark_lab: spiking networks on JAX")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("info", help="versions and JAX devices").set_defaults(fn=_info)
    d = sub.add_parser("demo", help="run the quickstart E/I network and print its rates")
    d.add_argument("--steps", type=int, default=5000, help="steps of 0.1 ms (default 5000)")
    d.add_argument("--seed", type=int, default=42)
    d.set_defaults(fn=_demo)
    sub.add_parser("examples", help="list the shipped model files").set_defaults(fn=_examples)
    v = sub.add_parser("validate", help="check a model file (a path or an example's name)")
    v.add_argument("file")
    v.set_defaults(fn=_validate)
    r = sub.add_parser("run", help="run a model file and print the rate of every pool")
    r.add_argument("file", help="a model file, or the name of a shipped example")
    r.add_argument("--steps", type=int, required=True, help="number of steps of dt")
    r.add_argument("--record", nargs="+", metavar="POOL.VAR", help="record these too (e.g. exc.spikes exc.v)")
    r.add_argument("--out", help="write counts, records and their step indices to this .npz file (the name must "
                   "end in .npz; records stream to disk chunk by chunk, the file appears when the run is complete)")
    r.add_argument("--chunk", type=int, help="steps per compiled call (default: about a twentieth of --steps)")
    r.add_argument("--run-dir", metavar="DIR", help="store the run in the new folder DIR while it goes on (model, "
                   "seed, versions, records, chunk counts; spark_lab.open_run reads it, also after a crash)")
    r.set_defaults(fn=_run)
    from ._serve import add_parser as _serve_parser
    from .closed_loop.cli import add_parser as _cartpole_parser
    from .formats._cli import add_parser as _export_parser
    from .nir._cli import add_parser as _nir_parser
    _cartpole_parser(sub)
    _nir_parser(sub)
    _serve_parser(sub)
    _export_parser(sub)
    args = ap.parse_args(argv)
    from .errors import ModelError, SparkLabError
    try:
        return args.fn(args)
    except ModelError as e:
        where = f"{e.source}: " if e.source else ""
        n = e.count
        print(f"error: {where}{n} problem{'s' if n != 1 else ''}", file=sys.stderr)
        for i in e.issues:
            print(f"  {i}", file=sys.stderr)
        return 1
    except SparkLabError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
