"""``spark-lab cartpole``: train one CartPole agent per seed, all in one batch.

    spark-lab cartpole --seeds 25 [--first-seed 0] --episodes 100 [--json] [--out DIR] [--separate]

Prints one line per seed (first solving episode) and a summary; with ``--json`` the last
line is one JSON document {"per_seed": [...], "summary": {"solved": ..., ...}, "config": ...}.
Writes ``DIR/cartpole.png`` (Figure-2-like) and ``DIR/cartpole.json``.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np


def add_parser(sub) -> None:
    p = sub.add_parser("cartpole", help="CartPole agents learning with three-factor plasticity (batched)")
    p.add_argument("--seeds", type=int, default=25, help="number of agents (default 25)")
    p.add_argument("--first-seed", type=int, default=0, help="seeds are first-seed .. first-seed+seeds-1")
    p.add_argument("--episodes", type=int, default=100, help="episodes per agent (default 100)")
    p.add_argument("--json", action="store_true", help="print one JSON document as the last line")
    p.add_argument("--out", default=".", help="folder for cartpole.png and cartpole.json (default: .)")
    p.add_argument("--separate", action="store_true", help="run the agents one after the other (no batching)")
    p.set_defaults(fn=run)


def run(args) -> int:
    from ..errors import ParameterError
    from .cartpole import run_cartpole
    from .report import figure, text_report

    if args.seeds < 1 or args.episodes < 1 or args.first_seed < 0:
        raise ParameterError("spark-lab cartpole", "--seeds/--episodes/--first-seed",
                             f"got {args.seeds}/{args.episodes}/{args.first_seed}", "give seeds >= 1, episodes >= 1, "
                             "first seed >= 0")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    shown = [0]

    def progress(done, lengths):            # to stderr, so --json's last stdout line stays the document
        if done >= shown[0] + 10 or done == args.episodes:
            shown[0] = done
            last = np.mean([L[-1] for L in lengths if L])
            print(f"all agents past episode {done}; mean length of the latest episodes {last:.0f}",
                  file=sys.stderr, flush=True)
    res = run_cartpole(seeds, args.episodes, batched=not args.separate, progress=progress)
    os.makedirs(args.out, exist_ok=True)
    doc = res.to_json()
    with open(os.path.join(args.out, "cartpole.json"), "w") as fh:
        json.dump(doc, fh)
    figure(res, os.path.join(args.out, "cartpole.png"))
    print(text_report(res))
    print(f"figure: {os.path.join(args.out, 'cartpole.png')}")
    if args.json:
        print(json.dumps(doc))
    return 0
