"""Lesson 6, coding: rate, latency and population codes, and how well a reader decodes them.

The spikes come from the library's encoders (``spark_lab.interfaces``): ``PoissonEncoder``
(rate code), ``LatencyEncoder`` (time to first spike) and ``PopulationEncoder`` with its
``PopulationDecoder`` (Gaussian tuning curves, population vector).

References, computed here independently of the simulator: the ideal observer that tells
two Poisson rates apart from a spike count (likelihood-ratio threshold, exact Poisson
probabilities from scipy), and the Cramér-Rao bound ``1 / sqrt(FI)`` on the error of any
unbiased estimate from a population of independent Poisson neurons with tuning curves
f_i, ``FI(s) = T sum_i f_i'(s)^2 / f_i(s)`` (P. Dayan and L. F. Abbott, *Theoretical
Neuroscience*, MIT Press 2001, ch. 3.3). Units: time in ms, rates in Hz, stimuli in [0, 1].
"""
from __future__ import annotations

import numpy as np

from ._feedback import close, fail, passed

__all__ = [
    "RATE_A", "RATE_B", "DT", "rate_trials", "counts_in_window", "ideal_accuracy", "accuracy",
    "plot_accuracy", "latency_demo", "population_errors", "cramer_rao", "plot_population",
    "check_mean_count", "check_classifier", "check_latency_decoder",
]

RATE_A, RATE_B, DT = 40.0, 60.0, 0.5
_TRIALS = 2000


def rate_trials(trials=_TRIALS, duration_ms=500.0, seed=0):
    """Spikes of ``trials`` neurons at RATE_A and ``trials`` at RATE_B (``PoissonEncoder``, gain 100 Hz).

    One neuron is one trial. Returns (spikes (steps, 2 trials) 0/1, labels (2 trials,): 0 = A, 1 = B).
    """
    import spark_lab as sl

    net = sl.Network(dt=DT, seed=seed)
    net.add_input("cells", sl.PoissonEncoder(dims=2, gain=100.0), n=2 * trials)
    net.record("cells", "spikes")
    res = net.build().run(int(round(duration_ms / DT)), inputs={"cells": [RATE_A / 100.0, RATE_B / 100.0]})
    labels = np.repeat([0, 1], trials)
    return np.asarray(res.records["cells.spikes"], np.float64), labels


def counts_in_window(spikes, window_ms):
    """Spike count of every neuron in the first ``window_ms`` ms of ``spikes`` (steps of DT ms)."""
    return spikes[: int(round(window_ms / DT))].sum(axis=0)


def ideal_accuracy(window_ms, rate_a=RATE_A, rate_b=RATE_B):
    """Fraction correct of the ideal observer telling Poisson rate_a from rate_b by a count in window_ms.

    Says B when the count exceeds ``(mu_b - mu_a) / ln(mu_b / mu_a)`` (the likelihood ratio
    is 1 there, equal priors); exact Poisson probabilities (scipy.stats.poisson).
    """
    from scipy.stats import poisson

    mu_a, mu_b = rate_a * window_ms / 1000.0, rate_b * window_ms / 1000.0
    k = np.floor((mu_b - mu_a) / np.log(mu_b / mu_a))
    return 0.5 * (poisson.cdf(k, mu_a) + poisson.sf(k, mu_b))


def accuracy(classify, spikes, labels, window_ms):
    """Fraction of trials ``classify(counts, window_ms)`` labels right (0 = A, 1 = B)."""
    counts = counts_in_window(spikes, window_ms)
    guess = np.asarray(classify(counts, window_ms)).astype(np.int64)
    return float(np.mean(guess == labels))


def plot_accuracy(windows, measured, ax=None):
    """Measured fraction correct against window length, on the ideal observer's curve."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    fine = np.linspace(min(windows), max(windows), 200)
    ax.plot(fine, [ideal_accuracy(w) for w in fine], "k-", lw=1, label="ideal observer (exact Poisson)")
    ax.plot(windows, measured, "o", color="tab:orange", label="simulated trials")
    ax.set_xlabel("counting window (ms)")
    ax.set_ylabel("fraction correct")
    ax.set_ylim(0.45, 1.0)
    ax.set_title(f"{RATE_A:g} Hz or {RATE_B:g} Hz?")
    ax.legend(fontsize=8)
    return ax


def latency_demo(values, window_ms=10.0, dt=0.1):
    """First-spike times (ms from the window's start) of ``LatencyEncoder(window=window_ms)`` neurons.

    One neuron per value in ``values`` (in [0, 1]); returns an array of spike times.
    """
    import spark_lab as sl

    values = np.asarray(values, np.float64)
    net = sl.Network(dt=dt, seed=0)
    net.add_input("lat", sl.LatencyEncoder(dims=values.size, low=0.0, high=1.0, window=window_ms))
    net.record("lat", "spikes")
    spikes = np.asarray(net.build().run(int(round(window_ms / dt)), inputs={"lat": values}).records["lat.spikes"])
    return np.argmax(spikes, axis=0) * dt


def cramer_rao(n, sigma=0.1, max_rate=50.0, window_ms=100.0):
    """The Cramér-Rao bound on the rms error for ``n`` Gaussian tuning curves over [0, 1].

    ``sqrt(mean over s of 1 / FI(s))`` for stimuli s evenly over [0.2, 0.8] (the lesson's range).
    """
    s = np.linspace(0.2, 0.8, 61)
    c = np.linspace(0.0, 1.0, n)[:, None]
    f = max_rate * np.exp(-(s[None, :] - c) ** 2 / (2 * sigma ** 2))
    fi = window_ms / 1000.0 * np.sum(f * (c - s[None, :]) ** 2 / sigma ** 4, axis=0)
    return float(np.sqrt(np.mean(1.0 / fi)))


def population_errors(sizes=(8, 16, 32, 64), sigma=0.1, max_rate=50.0, window_ms=100.0, trials=200, seed=1):
    """rms error of the population-vector estimate for each population size in ``sizes``.

    Each population codes ``trials`` stimuli drawn uniformly from [0.2, 0.8] with tuning
    width ``sigma`` (fixed in stimulus units) and peak ``max_rate`` Hz, counted over
    ``window_ms``; one network (one compile) holds every size. Returns an array of errors.
    """
    import spark_lab as sl

    stimuli = np.random.default_rng(seed).uniform(0.2, 0.8, trials)
    net = sl.Network(dt=DT, seed=seed)
    encoders = {}
    for n in sizes:
        encoders[n] = sl.PopulationEncoder(dims=trials, n=n, low=0.0, high=1.0, width=sigma * (n - 1),
                                           max_rate=max_rate)
        net.add_input(f"pop{n}", encoders[n])
        net.record(f"pop{n}", "spikes")
    res = net.build().run(int(round(window_ms / DT)), inputs={f"pop{n}": stimuli for n in sizes})
    errors = []
    for n in sizes:
        counts = np.asarray(res.records[f"pop{n}.spikes"]).sum(axis=0)
        estimate = np.asarray(encoders[n].decoder()(counts), np.float64)
        errors.append(np.sqrt(np.nanmean((estimate - stimuli) ** 2)))
    return np.array(errors)


def plot_population(sizes, errors, ax=None, **kw):
    """rms error against population size (log-log), with the Cramér-Rao bound."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    ax.loglog(sizes, errors, "o-", color="tab:orange", label="population vector (simulated)")
    ax.loglog(sizes, [cramer_rao(n, **kw) for n in sizes], "k--", label="Cramér-Rao bound")
    ax.set_xlabel("neurons in the population")
    ax.set_ylabel("rms error (stimulus units)")
    ax.legend(fontsize=8)
    return ax


def check_mean_count(value, rate_hz=RATE_A, window_ms=250.0):
    """Exercise 6.1: the mean spike count of a ``rate_hz`` Poisson neuron in ``window_ms`` ms."""
    close(value, rate_hz * window_ms / 1000.0, rtol=0.01, what="your mean count", unit="spikes")
    return passed(f"{float(value):g} spikes on average; the count is Poisson, so its standard deviation is "
                  f"sqrt({float(value):g}) = {np.sqrt(float(value)):.2f}.")


def check_classifier(classify, spikes=None, labels=None, window_ms=100.0):
    """Exercise 6.2: ``classify(counts, window_ms)`` -> 0 (A, 40 Hz) or 1 (B, 60 Hz) per trial, near-ideal."""
    if not callable(classify):
        fail(f"classify should be a function classify(counts, window_ms), got {type(classify).__name__}.")
    if spikes is None:
        spikes, labels = rate_trials(trials=300, duration_ms=window_ms, seed=7)
    try:
        guess = np.asarray(classify(counts_in_window(spikes, window_ms), window_ms))
    except Exception as err:   # noqa: BLE001 - any error of the student's code becomes feedback
        fail(f"classify(counts, {window_ms:g}) raised {type(err).__name__}: {err}")
    if guess.shape != labels.shape:
        fail(f"classify should return one label per trial (shape {labels.shape}), got shape {guess.shape}.")
    if np.all(guess == guess.flat[0]):
        fail(f"your classifier says {int(guess.flat[0])} for every trial: the threshold is outside the range of "
             "the counts. The expected count is rate x window / 1000 with the window in ms.")
    acc = float(np.mean(guess.astype(np.int64) == labels))
    best = float(ideal_accuracy(window_ms))
    if acc < 0.5:
        fail(f"{100 * acc:.0f}% correct, worse than guessing: you swapped the labels (more spikes means B, the "
             "higher rate, label 1).")
    if acc < best - 0.05:
        fail(f"{100 * acc:.0f}% correct, but the ideal observer gets {100 * best:.0f}%: put the threshold between "
             "the two expected counts.")
    return passed(f"{100 * acc:.1f}% correct in {window_ms:g} ms (ideal observer: {100 * best:.1f}%).")


def check_latency_decoder(value_from_latency, window_ms=10.0, dt=0.1):
    """Exercise 6.3: ``value_from_latency(t)`` recovers the value from its first-spike time t (ms)."""
    if not callable(value_from_latency):
        fail(f"value_from_latency should be a function of the spike time, got {type(value_from_latency).__name__}.")
    values = np.linspace(0.0, 1.0, 21)
    times = latency_demo(values, window_ms, dt)
    try:
        got = np.array([float(value_from_latency(t)) for t in times])
    except Exception as err:   # noqa: BLE001 - any error of the student's code becomes feedback
        fail(f"value_from_latency raised {type(err).__name__}: {err}")
    resolution = dt / window_ms * 1.5
    if np.max(np.abs(got - (1.0 - values))) <= resolution:
        fail("your decoder is reversed: in a latency code the largest value spikes first (t = 0 for value 1).")
    worst = int(np.argmax(np.abs(got - values)))
    if abs(got[worst] - values[worst]) > resolution:
        fail(f"a spike at t = {times[worst]:.1f} ms comes from the value {values[worst]:.2f}, your decoder says "
             f"{got[worst]:.3g}.")
    return passed(f"every value recovered to within {resolution:.3f} from one spike each: a latency code needs "
                  "no counting window.")
