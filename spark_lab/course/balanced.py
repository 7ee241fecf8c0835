"""Lesson 4, balanced networks: Brunel's (2000) E/I network, its regimes, checks.

N. Brunel, "Dynamics of sparsely connected networks of excitatory and inhibitory
spiking neurons", J. Comput. Neurosci. 8:183 (2000), "model A": LIF neurons
(tau_m = 20 ms, theta = 20 mV, V_r = 10 mV, tau_rp = 2 ms), delta synapses of J mV
(inhibitory: -g J) with delay D = 1.5 ms, each neuron receiving C_E = 0.1 N_E
excitatory, C_I = C_E / 4 inhibitory and C_E external Poisson inputs at rate nu_ext.
``nu_thr = theta / (J C_E tau_m)`` is the external rate that brings the mean input to
threshold. Fig. 8's points: A (g = 3, nu_ext = 2 nu_thr), B (6, 4), C (5, 2), D (4.5, 0.9).

The lesson's network is scaled down (N_E = 2000, C_E = 200, J = 0.5 mV, so that
J C_E = 100 mV as Brunel's 0.1 mV x 1000); the phase diagram uses N_E = 320
(J = 3.125 mV), as notebooks/08_sweeps.ipynb. Units: ms, mV, Hz.
"""
from __future__ import annotations

import math

import numpy as np

from ._feedback import close, fail, passed

__all__ = [
    "THETA", "V_R", "TAU_M", "T_REF", "FIG8", "brunel", "nu_thr", "measure", "measure_points", "plot_raster",
    "mean_field_rate", "cv_demo_trains", "check_nu_thr", "check_cv", "check_boundary",
]

THETA, V_R, TAU_M, T_REF, DELAY = 20.0, 10.0, 20.0, 2.0, 1.5
FIG8 = {"A (SR)": (3.0, 2.0), "B (SI fast)": (6.0, 4.0), "C (AI)": (5.0, 2.0), "D (SI slow)": (4.5, 0.9)}


def nu_thr(J, C_E):
    """Brunel's threshold rate theta / (J C_E tau_m), in Hz (J mV, tau_m ms)."""
    return THETA / (J * C_E * TAU_M) * 1000.0


def brunel(g=5.0, eta=2.0, n_e=2000, seed=1):
    """Brunel's model A with N_E = ``n_e`` (C_E = n_e / 10, J = 100 mV / C_E); nu_ext = eta nu_thr.

    Pools "exc", "inh" (g_inh = g) and "ext" (Poisson, C_E of them per neuron); the
    excitatory spikes are recorded. g (``inh.g_inh``) and the external rate
    (``ext.rate``, Hz) are run-time parameters."""
    import spark_lab as sl

    c_e = n_e // 10
    J = 100.0 / c_e
    net = sl.Network(dt=0.1, seed=seed)
    lif = sl.LIF(tau_m=TAU_M, v_rest=0.0, v_th=THETA, v_reset=V_R, t_ref=T_REF, v_init_low=0.0,
                 v_init_high=THETA)
    net.add_pool("exc", lif, n_e, excitatory=True)
    net.add_pool("inh", lif, n_e // 4, excitatory=False, g_inh=g)
    net.add_pool("ext", sl.PoissonSource(rate=eta * nu_thr(J, c_e)), n_e + n_e // 4)
    delta = sl.Delta()
    for pre, k in (("exc", c_e), ("inh", c_e // 4), ("ext", c_e)):
        for post in ("exc", "inh"):
            net.connect(pre, post, synapse=delta, connectivity=sl.FixedInDegree(k=k), weight=J, delay=DELAY)
    net.record("exc", "spikes")
    return net


def _population_frequency(spikes, dt):
    """Frequency (Hz) of the largest peak above 5 Hz of the population activity's spectrum (1 ms bins)."""
    per_ms = int(round(1.0 / dt))
    steps = spikes.shape[0] // per_ms * per_ms
    pop = spikes[:steps].reshape(-1, per_ms, spikes.shape[1]).sum(axis=(1, 2)).astype(np.float64)
    power = np.abs(np.fft.rfft(pop - pop.mean())) ** 2
    freq = np.fft.rfftfreq(pop.size, 1e-3)
    keep = freq > 5.0
    return float(freq[keep][np.argmax(power[keep])])


def measure(spikes, dt=0.1):
    """Rate (Hz), mean ISI CV, synchrony (population Fano factor, 1 ms bins) and the frequency
    (Hz) of the population rhythm of a (steps, neurons) spike array."""
    from spark_lab import analysis

    spikes = np.asarray(spikes, bool)
    cv = analysis.cv_isi(spikes, dt)
    return {"rate": analysis.rate_hz(spikes, dt), "cv": float(np.nanmean(cv)),
            "synchrony": analysis.population_fano(spikes, dt), "f_pop": _population_frequency(spikes, dt)}


def measure_points(points=None, skip_ms=100.0, measure_ms=200.0, n_e=2000, seed=1):
    """Measure each (g, eta) of ``points`` (default ``FIG8``) in one network built once.

    g and the external rate are run-time parameters, so the simulator is reset and
    re-parametrised between points, not rebuilt. Returns ({label: measures}, {label: spikes})."""
    points = dict(points or FIG8)
    first = next(iter(points.values()))
    sim = brunel(*first, n_e=n_e, seed=seed).build()
    c_e = n_e // 10
    rate_thr = nu_thr(100.0 / c_e, c_e)
    results, rasters = {}, {}
    for label, (g, eta) in points.items():
        sim.set_param("inh", "g_inh", g)
        sim.set_param("ext", "rate", eta * rate_thr)
        sim.reset()
        sim.run(int(round(skip_ms / 0.1)), record=[])
        spikes = np.asarray(sim.run(int(round(measure_ms / 0.1)), record=["exc.spikes"]).records["exc.spikes"])
        results[label] = measure(spikes, sim.dt)
        rasters[label] = spikes
    return results, rasters


def plot_raster(rasters, neurons=200, window_ms=100.0, dt=0.1):
    """One panel per point: the first ``neurons`` excitatory neurons over the last ``window_ms``,
    with the population rate underneath."""
    import matplotlib.pyplot as plt

    labels = list(rasters)
    fig, axes = plt.subplots(2, len(labels), figsize=(3.4 * len(labels), 4), sharex=True,
                             height_ratios=(3, 1), squeeze=False)
    for k, label in enumerate(labels):
        s = rasters[label]
        w = int(round(window_ms / dt))
        s = s[-w:]
        ti, ni = np.nonzero(s[:, :neurons])
        axes[0, k].plot(ti * dt, ni, ",", color="tab:blue")
        axes[0, k].set_title(label)
        per_ms = int(round(1.0 / dt))
        pop = s.reshape(-1, per_ms, s.shape[1]).sum(axis=(1, 2)) / s.shape[1] * 1000.0
        axes[1, k].plot(np.arange(pop.size), pop, color="k", lw=0.8)
        axes[1, k].set_xlabel("time (ms)")
    axes[0, 0].set_ylabel("neuron")
    axes[1, 0].set_ylabel("rate (Hz)")
    fig.tight_layout()
    return fig


def _siegert(mu, sigma):
    """Rate (Hz) of a LIF with white-noise input of mean mu, std sigma (mV): Brunel's eq. 21."""
    lo, hi = (V_R - mu) / sigma, (THETA - mu) / sigma
    u = np.linspace(lo, hi, 2001)
    f = np.exp(u * u) * np.array([math.erfc(-x) for x in u])
    integral = float(np.sum((f[1:] + f[:-1]) * np.diff(u)) / 2.0)
    return 1000.0 / (T_REF + TAU_M * math.sqrt(math.pi) * integral)


def mean_field_rate(g, eta, J=0.5, C_E=200):
    """The stationary rate (Hz) of Brunel's mean-field theory (his eqs. 4-5 and 21), self-consistent.

    mu = C_E J tau (nu_ext + nu (1 - g/4)), sigma^2 = J^2 C_E tau (nu_ext + nu (1 + g^2/4)),
    nu = phi(mu, sigma); solved by bisection on nu in (0, 1/tau_rp)."""
    tau = TAU_M / 1000.0
    ext = eta * nu_thr(J, C_E)

    def excess(nu):
        mu = C_E * J * tau * (ext + nu * (1.0 - g / 4.0))
        sigma = math.sqrt(J * J * C_E * tau * (ext + nu * (1.0 + g * g / 4.0)))
        return _siegert(mu, sigma) - nu

    lo, hi = 1e-6, 1000.0 / T_REF - 1e-6
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if excess(mid) > 0 else (lo, mid)
    return 0.5 * (lo + hi)


def cv_demo_trains(seed=0):
    """Two test trains (spike times, ms): a clock at 50 Hz and a Poisson train at 20 Hz, 10 s."""
    rng = np.random.default_rng(seed)
    clock = np.arange(0.0, 10000.0, 20.0)
    poisson = np.cumsum(rng.exponential(50.0, 200))
    return clock, poisson


def check_nu_thr(answer, J=0.5, C_E=200):
    """Exercise 4.1: nu_thr (Hz) of the lesson's network: theta / (J C_E tau_m) = 10 Hz."""
    close(answer, nu_thr(J, C_E), rtol=0.01, what="your nu_thr", unit="Hz")
    return passed(f"nu_thr = {float(answer):g} Hz: {C_E} inputs at that rate, each J = {J} mV, hold the mean "
                  f"input exactly at threshold ({THETA:g} mV).")


def check_cv(cv_of):
    """Exercise 4.2: ``cv_of(isis)`` is the coefficient of variation of inter-spike intervals."""
    if not callable(cv_of):
        fail(f"cv_of should be a function of an array of intervals, got {type(cv_of).__name__}.")
    clock, poisson = cv_demo_trains()
    rng = np.random.default_rng(1)
    gamma = rng.gamma(4.0, 5.0, 400)
    for name, isis in (("a clock", np.diff(clock)), ("a Poisson train", np.diff(poisson)), ("a gamma train", gamma)):
        try:
            got = float(cv_of(np.asarray(isis)))
        except Exception as err:  # noqa: BLE001 - the student's error becomes feedback
            fail(f"cv_of on the intervals of {name} raised {type(err).__name__}: {err}")
        want = float(np.std(isis) / np.mean(isis))
        if abs(got - want) <= 0.01 * max(want, 0.05):
            continue
        if abs(got - np.var(isis) / np.mean(isis)) <= 1e-6 * max(1.0, abs(got)):
            fail(f"for {name} you return var/mean = {got:.3g} ms: that has units (ms) and is not the CV. "
                 "The CV is std/mean, a pure number.")
        if abs(got - np.std(isis)) <= 1e-6 * max(1.0, abs(got)):
            fail(f"for {name} you return the standard deviation ({got:.3g} ms); divide it by the mean interval.")
        close(got, want, rtol=0.01, atol=0.005, what=f"your CV of {name}")
    return passed("cv_of gives 0 for a clock, about 1 for a Poisson train, 0.5 for a gamma(4) train.")


def check_boundary(g_boundary, df, nu=None, cv_level=0.5):
    """Exercise 4.3: the smallest g of the sweep at external rate ``nu`` whose CV exceeds ``cv_level``."""
    nu = float(df["ext.rate"].iloc[0]) if nu is None else nu
    rows = df[np.isclose(df["ext.rate"], nu)].groupby("inh.g_inh")["cv.exc"].mean()
    above = rows[rows > cv_level]
    if above.empty:
        fail(f"no g in this sweep has a CV above {cv_level} at nu_ext = {nu:g} Hz.")
    want = float(above.index.min())
    try:
        value = float(g_boundary)
    except (TypeError, ValueError):
        fail(f"g_boundary should be a number (a value of g), got {type(g_boundary).__name__}.")
    if any(abs(value - float(c)) < 1e-9 for c in rows.values):
        fail(f"{value:.3g} is a CV, not a value of g: find the g (the index) where the CV first exceeds "
             f"{cv_level}.")
    below = rows[rows.index < want]
    if len(below) and abs(value - float(below.index.max())) < 1e-9:
        fail(f"at g = {value:g} the CV is still {rows[value]:.2f} (regular): the boundary is the first g "
             "above it whose CV exceeds the level.")
    close(value, want, rtol=1e-6, what="your boundary g")
    return passed(f"the firing turns irregular at g = {want:g} in this sweep; Brunel's line is g = 4, "
                  "where inhibition balances excitation (g C_I = C_E).")
