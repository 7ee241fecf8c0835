"""``spark-lab export RUN --nwb OUT.nwb``: a stored run (``--run-dir``, ``save_run``) to NWB."""
from __future__ import annotations


def add_parser(sub) -> None:
    """Add the ``export`` command to the subcommands ``sub``."""
    p = sub.add_parser("export", help="a run folder (--run-dir, Session.save_run) to an NWB file")
    p.add_argument("run", help="the run folder")
    p.add_argument("--nwb", required=True, metavar="OUT.nwb", help="the NWB file to write (a new file)")
    p.add_argument("--epoch", type=int, help="the part of the run between two resets (needed when it has several)")
    p.set_defaults(fn=_export)


def _export(args) -> int:
    import sys

    from ..runs import open_run
    from . import to_nwb
    run = open_run(args.run)
    try:
        to_nwb(run, args.nwb, epoch=args.epoch)
    except ImportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    keys = run.keys()
    print(f"{args.nwb}: {', '.join(keys) or 'no recordings'} of {run.name} ({run.status}, {run.t_end_ms:g} ms)")
    return 0
