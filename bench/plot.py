"""Figure 1 of the benchmark, in the style of the Spark paper's Figure 1.

Left: speed normalised to Brian2 end-to-end (cython, net.run() per chunk) against execution
timesteps K, log-log; ratios are taken within a round, then the median over rounds (bars:
min–max). Best-case lines (Brian2 C++ standalone, one uninterrupted run; not a closed loop)
are dashed. Right: the absolute steps/s.

    python bench/plot.py [bench/results/results.jsonl] [bench/figure1.png]
(bench/run.py calls figure() itself.)
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KS = (1, 10, 100, 1000)
REF = "brian2_cython_run"
STYLE = {   # name -> (label, colour, linestyle, marker, linewidth)
    "spark_lab": ("spark_lab (native CPU kernel)", "#d62728", "-", "o", 2.6),
    "spark_lab_jax": ("spark_lab (pure JAX)", "#ff7f0e", "-", "o", 2.0),
    "brian2_cython_run": ("Brian2 end-to-end (net.run per chunk)", "#1f77b4", "-", "s", 1.6),
    "brian2_cython_netop": ("Brian2, I/O in NetworkOperation", "#17becf", "-", "^", 1.6),
    "brian2_cpp_standalone": ("Brian2 C++ standalone, uninterrupted (best case)", "#1f77b4", "--", "", 1.6),
    "brainpy_jit_loop": ("BrainPy, jitted loop per chunk", "#2ca02c", "-", "D", 1.6),
    "jax_event_loop": ("plain JAX, event-driven", "#9467bd", "-", "v", 1.6),
    "numba_ref": ("numba event loop (ceiling)", "#7f7f7f", ":", "", 1.4),
}
BEST_CASE = {"brian2_cpp_standalone", "numba_ref"}   # not closed-loop / not a peer: no markers


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def series(recs, name, normalise):
    """[(K, median, lo, hi)] of steps/s (normalise=False) or of the within-round ratio to REF."""
    ok = [r for r in recs if "error" not in r]
    sps = {(r["config"], r["K"], r["round"]): r["steps_per_s"] for r in ok}
    mine = {}
    for r in ok:
        if r["config"] == name:
            mine.setdefault(r["K"], []).append(r)
    if name == "brian2_cpp_standalone" and set(mine) == {1000}:
        # uninterrupted run: K only sets the TimedArray's dt, so one K stands for all of them
        mine = {K: [dict(r, K=K) for r in mine[1000]] for K in KS}
    out = []
    for K in KS:
        xs = []
        for r in mine.get(K, []):
            if not normalise:
                xs.append(r["steps_per_s"])
            else:
                den = sps.get((REF, K, r["round"]))
                if den:
                    xs.append(r["steps_per_s"] / den)
        if xs:
            out.append((K, _median(xs), min(xs), max(xs)))
    return out


def figure(recs, path, configs=None, quick=False):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = [c["name"] for c in configs] if configs else list(STYLE)
    present = {r["config"] for r in recs if "error" not in r}
    names = [n for n in names if n in present and n in STYLE]
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 5.8))
    for ax, normalise in zip(axes, (True, False)):
        for n in names:
            pts = series(recs, n, normalise)
            if not pts:
                continue
            label, col, ls, mk, lw = STYLE[n]
            ks = [p[0] for p in pts]
            med = [p[1] for p in pts]
            err = [[p[1] - p[2] for p in pts], [p[3] - p[1] for p in pts]]
            ax.errorbar(ks, med, yerr=err, color=col, ls=ls, marker=mk, lw=lw, ms=6, capsize=3,
                        label=label, zorder=3 if n.startswith("spark_lab") else 2)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(KS)
        ax.set_xticklabels([str(k) for k in KS])
        ax.set_xlabel("execution timesteps K (steps simulated per input/output exchange)")
        ax.grid(True, which="major", alpha=0.35)
        ax.grid(True, which="minor", alpha=0.12)
    axes[0].set_ylabel("speed relative to Brian2 end-to-end (×)")
    axes[0].set_title("speed normalised to Brian2 end-to-end (net.run per chunk)", fontsize=10)
    axes[1].set_ylabel("simulated steps per second (1 step = 1 ms)")
    axes[1].set_title("absolute speed", fontsize=10)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8.5, frameon=False)
    sup = "7 pools × 1024 LIF neurons, biased connectivity, closed loop every K steps"
    if quick:
        sup += "  (QUICK: one round, short runs)"
    fig.suptitle(sup + "; dashed: best case, not closed-loop", fontsize=10)
    fig.tight_layout(rect=(0, 0.11, 1, 1))
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "results", "results.jsonl")
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "figure1.png")
    recs = [json.loads(ln) for ln in open(src) if ln.strip()]
    print(figure(recs, dst))


if __name__ == "__main__":
    main()
