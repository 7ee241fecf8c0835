"""Lesson 7, attractors and decisions: the reduced Wang decision circuit.

X.-J. Wang, Neuron 36:955 (2002) built a spiking network of two excitatory populations,
each selective for one choice, with strong recurrent excitation and shared inhibition;
K.-F. Wong and X.-J. Wang, J. Neurosci. 26:1314 (2006) reduced it to two variables, the
NMDA gating S_1, S_2 of the two populations (their eqs. 3-7 and Table 1, used here):

    dS_i/dt = -S_i / tau_S + (1 - S_i) gamma H(x_i)
    x_1 = J_11 S_1 - J_12 S_2 + I_0 + I_1 + I_noise,1      (and 1 <-> 2)
    H(x) = (a x - b) / (1 - exp(-d (a x - b)))              the population rate (Hz)
    I_1,2 = J_ext mu_0 (1 +- c / 100)                       c: the coherence (%) of the evidence
    tau_AMPA dI_noise/dt = -I_noise + sqrt(tau_AMPA) sigma eta(t)   (white noise eta)

with a = 270 Hz/nA, b = 108 Hz, d = 0.154 s, gamma = 0.641, tau_S = 100 ms,
tau_AMPA = 2 ms, J_11 = 0.2609 nA, J_12 = 0.0497 nA, I_0 = 0.3255 nA,
J_ext = 5.2e-4 nA/Hz, mu_0 = 30 Hz, sigma = 0.02 nA. A decision is the first time one
population's rate H(x_i) reaches 15 Hz (their threshold). Units: time in ms, currents in
nA, rates in Hz, coherence in %. Integrated by Euler-Maruyama (dt = 0.5 ms), in numpy,
every trial at once.
"""
from __future__ import annotations

import numpy as np

from ._feedback import close, fail, passed

__all__ = [
    "PARAMS", "THRESHOLD", "rate", "stimulus", "simulate", "reaction_times", "psychometric", "plot_trials",
    "plot_psychometric", "explorer", "check_stimulus", "check_reaction_time", "check_no_decision",
]

PARAMS = dict(a=270.0, b=108.0, d=0.154, gamma=0.641, tau_s=100.0, tau_ampa=2.0, j11=0.2609, j12=0.0497,
              i0=0.3255, j_ext=5.2e-4, mu0=30.0, sigma=0.02)
THRESHOLD = 15.0


def rate(x, a=PARAMS["a"], b=PARAMS["b"], d=PARAMS["d"]):
    """H(x): the population rate (Hz) for the input current x (nA), Abbott-Chance form."""
    y = a * np.asarray(x, np.float64) - b
    small = np.abs(y) < 1e-9
    safe = np.where(small, 1.0, y)
    return np.where(small, 1.0 / d, safe / (1.0 - np.exp(-d * safe)))


def stimulus(coherence, j_ext=PARAMS["j_ext"], mu0=PARAMS["mu0"]):
    """The evidence currents (I_1, I_2) in nA for ``coherence`` in % (positive favours population 1)."""
    c = np.asarray(coherence, np.float64) / 100.0
    return j_ext * mu0 * (1.0 + c), j_ext * mu0 * (1.0 - c)


def simulate(coherence, trials=200, duration_ms=2000.0, dt=0.5, seed=0, j11=PARAMS["j11"], sigma=PARAMS["sigma"],
             onset_ms=0.0):
    """Run ``trials`` trials of the reduced circuit at ``coherence`` (%), the evidence from ``onset_ms``.

    Returns (t in ms (steps,), r1, r2 rates in Hz (steps, trials)). ``j11`` (nA) is the
    recurrent self-excitation, ``sigma`` (nA) the noise (0: deterministic).
    """
    p = PARAMS
    rng = np.random.default_rng(seed)
    steps = int(round(duration_ms / dt))
    i1, i2 = stimulus(coherence)
    s = np.full((2, trials), 0.1)
    noise = np.zeros((2, trials))
    r = np.zeros((steps, 2, trials))
    kick = sigma * np.sqrt(dt / p["tau_ampa"])
    decay = dt / p["tau_ampa"]
    for k in range(steps):
        on = k * dt >= onset_ms
        x1 = j11 * s[0] - p["j12"] * s[1] + p["i0"] + (i1 if on else 0.0) + noise[0]
        x2 = j11 * s[1] - p["j12"] * s[0] + p["i0"] + (i2 if on else 0.0) + noise[1]
        h = rate(np.stack([x1, x2]))
        r[k] = h
        s = s + dt * (-s / p["tau_s"] + (1.0 - s) * p["gamma"] * h / 1000.0)
        noise = noise - decay * noise + kick * rng.standard_normal((2, trials))
    return (np.arange(steps) + 1) * dt, r[:, 0], r[:, 1]


def reaction_times(t, r1, r2, threshold=THRESHOLD, onset_ms=0.0):
    """First time (ms after onset) either population reaches ``threshold`` Hz, and which (1 or 2).

    Arrays over trials; a trial without a decision gets NaN and choice 0.
    """
    hit1, hit2 = r1 >= threshold, r2 >= threshold
    either = hit1 | hit2
    decided = either.any(axis=0)
    first = np.argmax(either, axis=0)
    cols = np.arange(r1.shape[1])
    choice = np.where(hit1[first, cols], 1, 2)
    rt = np.where(decided, t[first] - onset_ms, np.nan)
    return rt, np.where(decided, choice, 0)


def psychometric(coherences=(0.0, 3.2, 6.4, 12.8, 25.6, 51.2), trials=200, seed=0):
    """Fraction of choices for population 1 and mean reaction time (ms) at each coherence (%)."""
    correct, mean_rt = [], []
    for k, c in enumerate(coherences):
        t, r1, r2 = simulate(c, trials=trials, seed=seed + k)
        rt, choice = reaction_times(t, r1, r2)
        correct.append(float(np.mean(choice == 1)))
        mean_rt.append(float(np.nanmean(rt)))
    return np.asarray(coherences, np.float64), np.array(correct), np.array(mean_rt)


def plot_trials(t, r1, r2, n=8, ax=None, title=""):
    """The two populations' rates in the first ``n`` trials, with the decision threshold."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    for k in range(min(n, r1.shape[1])):
        ax.plot(t, r1[:, k], color="tab:blue", lw=0.8, alpha=0.8, label="population 1" if k == 0 else None)
        ax.plot(t, r2[:, k], color="tab:red", lw=0.8, alpha=0.8, label="population 2" if k == 0 else None)
    ax.axhline(THRESHOLD, color="k", ls="--", lw=0.8, label="threshold 15 Hz")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_psychometric(coherences, correct, mean_rt):
    """Accuracy and mean reaction time against coherence (log axis; 0 % drawn at 1.6 %)."""
    import matplotlib.pyplot as plt

    c = np.where(np.asarray(coherences) > 0, coherences, 1.6)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.2))
    a1.semilogx(c, 100 * np.asarray(correct), "o-")
    a1.set_xlabel("coherence (%)")
    a1.set_ylabel("choices for 1 (%)")
    a1.axhline(50, color="grey", lw=0.5)
    a2.semilogx(c, mean_rt, "o-", color="tab:green")
    a2.set_xlabel("coherence (%)")
    a2.set_ylabel("mean reaction time (ms)")
    fig.tight_layout()
    return fig


def explorer():
    """Sliders on the coherence, the self-excitation J_11 and the noise: eight trials."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    def show(coherence=12.8, j11=PARAMS["j11"], sigma=PARAMS["sigma"]):
        t, r1, r2 = simulate(coherence, trials=8, duration_ms=1500.0, j11=j11, sigma=sigma, seed=1)
        rt, choice = reaction_times(t, r1, r2)
        fig, ax = plt.subplots(figsize=(8, 3))
        plot_trials(t, r1, r2, ax=ax, title=f"c = {coherence:g}%: {int(np.sum(choice == 1))} of 8 chose 1, "
                    f"{int(np.sum(choice == 0))} undecided")
        fig.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        coherence=widgets.FloatSlider(value=12.8, min=-51.2, max=51.2, step=0.8, description="coherence (%)"),
        j11=widgets.FloatSlider(value=PARAMS["j11"], min=0.15, max=0.32, step=0.005, readout_format=".3f",
                                description="J_11 (nA)"),
        sigma=widgets.FloatSlider(value=PARAMS["sigma"], min=0.0, max=0.05, step=0.002, readout_format=".3f",
                                  description="noise (nA)"))


def check_stimulus(i1, i2, coherence=25.6):
    """Exercise 7.1: the evidence currents (nA) for ``coherence`` %."""
    want1, want2 = stimulus(coherence)
    try:
        a, b = float(i1), float(i2)
    except (TypeError, ValueError):
        a = b = None
    if a is not None:
        if abs(a - b) > 0 and abs((a - b) / (want1 - want2) - 100.0) < 1.0:
            fail("your two currents differ by 100x too much: the coherence is in percent, so c / 100 goes in the "
                 "formula.")
        if a < b:
            fail("population 1 gets less input than population 2, but a positive coherence favours population 1.")
    close(i1, want1, rtol=0.005, what="your I_1", unit="nA")
    close(i2, want2, rtol=0.005, what="your I_2", unit="nA")
    return passed(f"I_1 = {float(i1):.5f} nA, I_2 = {float(i2):.5f} nA: the evidence is a small bias "
                  f"({100 * (want1 - want2) / PARAMS['i0']:.1f}% of the background I_0).")


def check_reaction_time(first_crossing):
    """Exercise 7.2: ``first_crossing(t, r1, r2, threshold)`` -> (time in ms, 1 or 2) for one trial."""
    if not callable(first_crossing):
        fail(f"first_crossing should be a function, got {type(first_crossing).__name__}.")
    t = np.arange(1, 2001) * 0.5
    r1 = np.where(t > 300.0, 20.0, 2.0) * np.minimum(1.0, t / 600.0)      # crosses 15 Hz at 450 ms
    r2 = np.full_like(t, 3.0)
    r2[t > 800.0] = 30.0                                                   # later, and higher
    try:
        got = first_crossing(t, r1, r2, THRESHOLD)
        when, who = float(got[0]), int(got[1])
    except Exception as err:   # noqa: BLE001 - any error of the student's code becomes feedback
        fail(f"first_crossing(t, r1, r2, 15.0) should return (time, choice); it raised {type(err).__name__}: {err}")
    if abs(when - 899.0) < 1.5:
        fail("you returned the step index, not the time: use t[index] (ms).")
    if who == 2:
        fail("in the test trial population 2 ends higher, but population 1 reaches 15 Hz first (at 450 ms, "
             "population 2 at 800.5 ms): the decision is whichever reaches the threshold first.")
    if who != 1:
        fail(f"the choice should be 1 or 2 (the population that reached the threshold), you said {who}.")
    close(when, 450.0, rtol=0.003, what="your reaction time", unit="ms")
    rt, choice = reaction_times(t, r1[:, None], r2[:, None])
    return passed(f"population 1 at {when:g} ms (the lesson's reaction_times says {rt[0]:g} ms, choice {choice[0]}).")


def check_no_decision(j11, coherence=3.2):
    """Exercise 7.3: a self-excitation ``j11`` (nA) too weak for a decision within 2 s (no noise, c = 3.2 %)."""
    try:
        value = float(j11)
    except (TypeError, ValueError):
        fail(f"J_11 should be a number in nA, got {type(j11).__name__} {j11!r}.")
    if 100.0 <= value <= 350.0:
        fail(f"J_11 = {value:g}: that looks like pA; the circuit's couplings are in nA (the lesson's is 0.2609 nA).")
    if not 0.0 <= value <= 0.35:
        fail(f"J_11 = {value:g} nA is outside the slider's range; try values between 0.15 and 0.32 nA.")
    t, r1, r2 = simulate(coherence, trials=1, sigma=0.0, j11=value)
    rt, _ = reaction_times(t, r1, r2)
    if np.isfinite(rt[0]):
        fail(f"with J_11 = {value:g} nA the circuit still decides (after {rt[0]:.0f} ms): weaken it further.")
    return passed(f"with J_11 = {value:g} nA the populations settle at {r1[-1, 0]:.1f} and {r2[-1, 0]:.1f} Hz: "
                  "without enough self-excitation there is no second attractor, so no choice.")
