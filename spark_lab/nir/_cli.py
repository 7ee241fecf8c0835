"""``spark-lab nir import FILE.nir OUT.json`` and ``spark-lab nir export MODEL OUT.nir``."""
from __future__ import annotations


def add_parser(sub) -> None:
    """Add the ``nir`` command (import and export) to the subcommands ``sub``."""
    p = sub.add_parser("nir", help="convert NIR graphs (.nir) to model files and back")
    verbs = p.add_subparsers(dest="verb", required=True)
    i = verbs.add_parser("import", help="a .nir file -> a spark_lab model file")
    i.add_argument("file", help="the .nir (HDF5) file")
    i.add_argument("out", help="the model file to write (.json)")
    i.add_argument("--dt", type=float, help="time step in ms (default: the file's spark_lab dt, else 0.1)")
    i.add_argument("--spike-area", type=float, default=1.0,
                   help="area of one NIR spike in NIR time units (snnTorch, Norse: their dt in s, e.g. 1e-4)")
    i.set_defaults(fn=_import)
    e = verbs.add_parser("export", help="a spark_lab model file (or a shipped example) -> a .nir file")
    e.add_argument("file", help="a model file, or the name of a shipped example")
    e.add_argument("out", help="the .nir file to write")
    e.add_argument("--spike-area", type=float, default=1.0, help="area of one NIR spike in NIR time units")
    e.set_defaults(fn=_export)


def _import(args) -> int:
    from .. import save
    from . import load
    net = load(args.file, dt=args.dt, spike_area=args.spike_area)
    save(net, args.out)
    print(f"{args.out}: {len(net.pools)} pools, {len(net.projections)} projections, dt = {net.dt} ms")
    return 0


def _export(args) -> int:
    from .. import load
    from . import save
    net = load(args.file)
    save(net, args.out, spike_area=args.spike_area)
    print(f"{args.out}: {len(net.pools)} pools, {len(net.projections)} projections")
    return 0
