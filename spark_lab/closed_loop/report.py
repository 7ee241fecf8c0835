"""Text, JSON and a Figure-2-like plot of a CartPole experiment (``CartPoleResult``).

The figure has two panels, like Figure 2 of the Spark paper:
(top) the episode lengths of one agent, each episode end marked by how it ended
(pole fell, cart left the track, truncated at 500); (bottom) the mean over agents of
the exponential moving average of episode length (EMA with weight 0.8 on the past, as
the paper's "tau = 0.8"), separately for the agents that solved the task and those that
did not, with the band of one standard deviation (clipped to [0, 500]).
"""
from __future__ import annotations

import numpy as np

from .cartpole import MAX_STEPS, CartPoleResult


def ema(x, keep: float = 0.8) -> np.ndarray:
    """y_0 = x_0, y_k = keep y_(k-1) + (1 - keep) x_k."""
    x = np.asarray(x, np.float64)
    y = np.empty_like(x)
    acc = x[0] if x.size else 0.0
    for k, v in enumerate(x):
        acc = v if k == 0 else keep * acc + (1 - keep) * v
        y[k] = acc
    return y


def text_report(res: CartPoleResult) -> str:
    """One line per seed (first solving episode, mean of the last 10 episodes), then the summary."""
    lines = [f"{'seed':>5} {'first solve':>12} {'last-10 mean':>13}"]
    for s, f, L in zip(res.seeds, res.first_solve, res.lengths):
        lines.append(f"{s:>5} {('-' if f is None else str(f)):>12} {np.mean(L[-10:]):>13.1f}")
    sm = res.summary()
    med = "-" if sm["median_first_solve"] is None else f"{sm['median_first_solve']:g}"
    lines.append(f"solved {sm['solved']}/{sm['seeds']} within {sm['episodes']} episodes; median first-solve "
                 f"episode {med}; wall time {sm['wall_s']:.1f} s")
    return "\n".join(lines)


def figure(res: CartPoleResult, path=None, agent: int | None = None):
    """Draw the figure (see module docstring); save it to ``path`` if given. Returns the
    matplotlib Figure. ``agent``: index of the agent in the top panel (default: the one
    with the median first-solve episode among those that solved, else 0)."""

    fs = res.first_solve
    if agent is None:                     # a typical agent: the solver with the median first-solve episode
        solved_at = sorted((f, i) for i, f in enumerate(fs) if f is not None)
        agent = solved_at[(len(solved_at) - 1) // 2][1] if solved_at else 0
    if path is None:                      # pyplot figure (shown by notebooks)
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=(8, 6.5), layout="constrained")
    else:                                 # no pyplot: leaves the session's backend alone
        from matplotlib.figure import Figure
        fig = Figure(figsize=(8, 6.5), layout="constrained")
    a1, a2 = fig.subplots(2, 1)
    L = np.asarray(res.lengths[agent])
    ep = np.arange(1, L.size + 1)
    a1.plot(ep, L, color="0.6", lw=1, zorder=1)
    marks = {"pole": ("v", "tab:red", "pole fell"), "track": ("s", "tab:orange", "cart left the track"),
             "truncated": ("o", "tab:green", "500 steps (truncated)")}
    ends = np.asarray(res.ends[agent])
    for k, (m, c, lab) in marks.items():
        sel = ends == k
        if sel.any():
            a1.scatter(ep[sel], L[sel], marker=m, color=c, s=18, label=lab, zorder=2)
    if fs[agent] is not None:
        a1.axvline(fs[agent], color="k", ls=":", lw=1, label=f"solved (episode {fs[agent]})")
    a1.set(xlabel="episode", ylabel="episode length (steps)", ylim=(0, MAX_STEPS * 1.05))
    a1.set_title(f"one agent (seed {res.seeds[agent]})")
    a1.legend(loc="lower right", fontsize=8, framealpha=0.9)
    E = np.array([ema(x) for x in res.lengths])
    solved = np.array([f is not None for f in fs])
    for sel, c, lab in ((solved, "tab:blue", "solved"), (~solved, "tab:gray", "not solved")):
        if sel.any():
            m, sd = E[sel].mean(0), E[sel].std(0)
            x = np.arange(1, E.shape[1] + 1)
            a2.plot(x, m, color=c, label=f"{lab} ({sel.sum()}/{len(fs)})")
            a2.fill_between(x, np.maximum(m - sd, 0), np.minimum(m + sd, MAX_STEPS), color=c, alpha=0.2)
    a2.axhline(475, color="k", ls="--", lw=0.8, label="475")
    a2.set(xlabel="episode", ylabel="EMA of episode length (0.8)", ylim=(0, MAX_STEPS * 1.05),
           title=f"{len(fs)} agents: mean EMA of performance")
    a2.legend(loc="lower right", fontsize=8)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
