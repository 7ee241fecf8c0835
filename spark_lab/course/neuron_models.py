"""Lesson 2, neuron models and firing patterns: simulations, phase plane, checks.

Izhikevich (2003, IEEE Trans. Neural Netw. 14:1569, Fig. 2) presets ``regular_spiking``
(RS), ``fast_spiking`` (FS), ``intrinsically_bursting`` (IB) and ``chattering`` (CH),
driven by a constant input (mV/ms, the paper's I = 10); and the adaptive exponential
integrate-and-fire neuron (AdEx, Brette & Gerstner 2005, J. Neurophysiol. 94:3637) with
its default regular-spiking parameters, in pA, nS, pF, mV and ms. Its (v, w) phase
plane has the v-nullcline ``w = -g_L (v - E_L) + g_L delta_T exp((v - V_T)/delta_T) + I``
and the w-nullcline ``w = a (v - E_L)``.
"""
from __future__ import annotations

import numpy as np

from ._feedback import close, fail, passed

__all__ = [
    "PATTERNS", "ADEX", "izhikevich_patterns", "bursts", "describe", "plot_patterns", "mystery_neuron",
    "simulate_adex", "nullclines", "fixed_points", "adex_rheobase", "plot_phase_plane", "phase_plane_explorer",
    "check_count_bursts", "check_pattern", "check_v_nullcline",
]

PATTERNS = {"RS": "regular_spiking", "FS": "fast_spiking", "IB": "intrinsically_bursting", "CH": "chattering"}
ADEX = dict(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, tau_w=144.0, a=4.0, b=80.5, V_r=-70.6)


def izhikevich_patterns(I=10.0, duration_ms=300.0, dt=0.1, extra=None):
    """Spike times (ms) and v traces of the four presets (and ``extra``: {label: Izhikevich}).

    One network, one pool of one neuron per model, all driven by the constant ``I``
    (mV/ms) from t = 0. Returns {label: (t, v, spike_times)}.
    """
    import spark_lab as sl

    models = {short: sl.Izhikevich.preset(name) for short, name in PATTERNS.items()}
    models.update(extra or {})
    net = sl.Network(dt=dt, seed=0)
    for label, model in models.items():
        net.add_pool(label, model, 1)
        net.record(label, "spikes")
        net.record(label, "v")
    res = net.build().run(int(round(duration_ms / dt)), inputs={label: np.array([float(I)]) for label in models})
    out = {}
    for label in models:
        t = (res.times[f"{label}.v"] + 1) * dt
        spikes, _ = res.spike_trains(label)
        out[label] = (t, res.records[f"{label}.v"][:, 0], spikes + dt)
    return out


def bursts(spike_times, max_isi=10.0):
    """The bursts of a spike train: lists of >= 2 spikes whose intervals are all <= max_isi ms."""
    times = np.sort(np.asarray(spike_times, np.float64))
    groups, current = [], list(times[:1])
    for prev, t in zip(times[:-1], times[1:]):
        if t - prev <= max_isi:
            current.append(t)
        else:
            if len(current) >= 2:
                groups.append(current)
            current = [t]
    if len(current) >= 2:
        groups.append(current)
    return groups


def describe(spike_times, duration_ms):
    """Rate (Hz), first and last ISI (ms) and number of bursts (ISIs <= 10 ms) of one train."""
    times = np.asarray(spike_times, np.float64)
    isi = np.diff(times)
    return {"spikes": int(times.size), "rate_hz": 1000.0 * times.size / duration_ms,
            "first_isi": float(isi[0]) if isi.size else np.nan, "last_isi": float(isi[-1]) if isi.size else np.nan,
            "bursts": len(bursts(times))}


def plot_patterns(traces, labels=None):
    """One row per model: its v trace (mV) against time (ms)."""
    import matplotlib.pyplot as plt

    labels = list(labels or traces)
    fig, axes = plt.subplots(len(labels), 1, figsize=(10, 1.6 * len(labels)), sharex=True)
    for ax, label in zip(np.atleast_1d(axes), labels):
        t, v, _ = traces[label]
        ax.plot(t, v, lw=0.8, color="tab:blue")
        ax.set_ylabel(f"{label}\nv (mV)")
        ax.set_ylim(-85, 40)
    np.atleast_1d(axes)[-1].set_xlabel("time (ms)")
    fig.tight_layout()
    return fig


def mystery_neuron(duration_ms=300.0):
    """The trace of Exercise 2.2: one of the four patterns, at another input and a nearby d.

    Returns (t ms, v mV, spike times ms)."""
    import spark_lab as sl

    model = sl.Izhikevich.preset(PATTERNS["CH"], d=1.5)
    return izhikevich_patterns(I=14.0, duration_ms=duration_ms, extra={"mystery": model})["mystery"]


_ADEX_SIM = {}


def simulate_adex(I=800.0, duration_ms=400.0, dt=0.1):
    """One default AdEx neuron driven by ``I`` pA from rest: (t ms, v mV, w pA, spike times ms).

    The simulator is built once and reused (the input is an argument of the run)."""
    import spark_lab as sl

    if dt not in _ADEX_SIM:
        net = sl.Network(dt=dt, seed=0)
        net.add_pool("adex", sl.AdEx(), 1)
        for var in ("spikes", "v", "w"):
            net.record("adex", var)
        _ADEX_SIM[dt] = net.build()
    sim = _ADEX_SIM[dt]
    sim.reset()
    res = sim.run(int(round(duration_ms / dt)), inputs={"adex": np.array([float(I)])})
    t = (res.times["adex.v"] + 1) * dt
    spikes, _ = res.spike_trains("adex")
    return t, res.records["adex.v"][:, 0], res.records["adex.w"][:, 0], spikes + dt


def nullclines(v, I, p=None):
    """(v-nullcline w, w-nullcline w) in pA at membrane potentials ``v`` (mV), input ``I`` pA."""
    p = {**ADEX, **(p or {})}
    v = np.asarray(v, np.float64)
    w_v = -p["g_L"] * (v - p["E_L"]) + p["g_L"] * p["delta_T"] * np.exp((v - p["V_T"]) / p["delta_T"]) + I
    return w_v, p["a"] * (v - p["E_L"])


def fixed_points(I, p=None):
    """Membrane potentials (mV, to 0.01 mV) where the two nullclines cross at input ``I`` pA."""
    v = np.linspace(-90.0, -35.0, 5501)
    w_v, w_w = nullclines(v, I, p)
    d = w_v - w_w
    return v[:-1][np.sign(d[:-1]) != np.sign(d[1:])]


def adex_rheobase(p=None):
    """The AdEx rheobase (pA) for a > 0: (g_L + a) (V_T - E_L - delta_T + delta_T ln(1 + a / g_L)).

    Where the v-nullcline's minimum region lifts clear of the w-nullcline and the two
    fixed points (rest and saddle) merge (Touboul 2008, SIAM J. Appl. Math. 68:1045)."""
    p = {**ADEX, **(p or {})}
    return (p["g_L"] + p["a"]) * (p["V_T"] - p["E_L"] - p["delta_T"] + p["delta_T"] * np.log(1 + p["a"] / p["g_L"]))


def plot_phase_plane(I=0.0, trajectory=None, ax=None):
    """The AdEx (v, w) plane at input ``I`` pA: both nullclines, their crossings, a trajectory."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    v = np.linspace(-80.0, -40.0, 400)
    w_v, w_w = nullclines(v, I)
    ax.plot(v, w_v, color="tab:blue", label="v-nullcline (dv/dt = 0)")
    ax.plot(v, w_w, color="tab:green", label="w-nullcline (dw/dt = 0)")
    fp = fixed_points(I)
    ax.plot(fp, nullclines(fp, I)[1], "o", color="k", ms=5, label=f"fixed points: {len(fp)}")
    if trajectory is not None:
        tv, tw = trajectory
        keep = tv < -40.0
        ax.plot(np.where(keep, tv, np.nan), tw, color="tab:orange", lw=0.8, label="trajectory")
    ax.set_xlim(-80, -40)
    ax.set_ylim(-200, 600)
    ax.set_xlabel("v (mV)")
    ax.set_ylabel("w (pA)")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def phase_plane_explorer():
    """A slider on the input I (pA): the nullclines move, the fixed points merge and vanish."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    def show(I=0.0):
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.6))
        t, v, w, spikes = simulate_adex(I, duration_ms=400.0)
        plot_phase_plane(I, (v, w), ax=ax1)
        ax1.set_title(f"I = {I:.0f} pA")
        ax2.plot(t, v, lw=0.8)
        ax2.set_xlabel("time (ms)")
        ax2.set_ylabel("v (mV)")
        ax2.set_title(f"{len(spikes)} spikes in 400 ms")
        fig.tight_layout()
        plt.show()

    return widgets.interactive(show, I=widgets.FloatSlider(value=0.0, min=0.0, max=1000.0, step=10.0,
                                                             description="I (pA)"))


_TRAINS = {
    "two bursts": ([10.0, 12.0, 14.0, 60.0, 62.5], 2),
    "no burst": ([10.0, 30.0, 50.0, 70.0], 0),
    "one burst of four": ([5.0, 7.0, 9.0, 11.0, 40.0], 1),
    "burst at the end": ([0.0, 50.0, 52.0], 1),
    "empty": ([], 0),
}


def _short_isis(times, max_isi=10.0):
    return int(np.sum(np.diff(np.sort(np.asarray(times, float))) <= max_isi)) if len(times) > 1 else 0


def check_count_bursts(count_bursts):
    """Exercise 2.1: ``count_bursts(spike_times)`` counts groups of >= 2 spikes 10 ms or less apart."""
    if not callable(count_bursts):
        fail(f"count_bursts should be a function of a list of spike times, got {type(count_bursts).__name__}.")
    for name, (times, want) in _TRAINS.items():
        try:
            got = count_bursts(np.array(times))
        except Exception as err:  # noqa: BLE001 - the student's error becomes feedback
            fail(f"count_bursts on the train {times} ({name}) raised {type(err).__name__}: {err}")
        if got == want:
            continue
        if got == _short_isis(times) and want != got:
            fail(f"for the spikes {times} you return {got}: that is the number of short intervals. A burst of "
                 "four spikes has three short intervals but is one burst: count the groups.")
        fail(f"for the spikes {times} ({name}) count_bursts gives {got}, expected {want}.")
    return passed("count_bursts finds every burst of the test trains.")


_ALIASES = {"RS": ("rs", "regular", "regular spiking", "regular_spiking"),
            "FS": ("fs", "fast", "fast spiking", "fast_spiking"),
            "IB": ("ib", "intrinsically bursting", "intrinsically_bursting", "bursting"),
            "CH": ("ch", "chattering", "chatter")}
_WHY_NOT = {
    ("CH", "IB"): "IB neurons burst once at the onset and then fire single spikes; this one keeps bursting.",
    ("CH", "FS"): "FS neurons fire single spikes at a high, steady rate; here spikes come in groups with pauses.",
    ("CH", "RS"): "RS neurons fire single spikes whose intervals lengthen; count the spikes per group here.",
    ("IB", "CH"): "CH neurons burst again and again; this one bursts only at the onset.",
    ("IB", "RS"): "RS neurons start with single spikes, not with a burst: look at the first 20 ms.",
}


def _label(answer):
    text = str(answer).strip().lower().replace("-", " ")
    for label, names in _ALIASES.items():
        if text in names or text.replace(" ", "_") in names:
            return label
    return None


def check_pattern(answer, truth="CH"):
    """Exercise 2.2: the firing pattern of the mystery neuron (its preset is ``truth``)."""
    got = _label(answer)
    if got is None:
        fail(f"{answer!r} is not one of the four patterns: answer RS, FS, IB or CH (or their full names).")
    if got != truth:
        fail(f"not {got}. " + _WHY_NOT.get((truth, got), "Compare its trace with the four above."))
    return passed(f"{truth} ({PATTERNS[truth].replace('_', ' ')}): repeated bursts of closely spaced spikes.")


def check_v_nullcline(v_nullcline):
    """Exercise 2.3: ``v_nullcline(v, I)`` is the AdEx v-nullcline w(v) in pA."""
    if not callable(v_nullcline):
        fail(f"v_nullcline should be a function v_nullcline(v, I), got {type(v_nullcline).__name__}.")
    v = np.linspace(-75.0, -45.0, 13)
    for I in (0.0, 500.0):
        try:
            got = np.asarray(v_nullcline(v, I), np.float64)
        except Exception as err:  # noqa: BLE001 - the student's error becomes feedback
            fail(f"v_nullcline(v, I={I}) raised {type(err).__name__}: {err}")
        want = nullclines(v, I)[0]
        if got.shape != want.shape:
            fail(f"v_nullcline(v, I) should return one w per v ({want.shape}), got shape {got.shape}.")
        if np.allclose(got, want, rtol=1e-3, atol=0.05):
            continue
        if I and np.allclose(got, want - I, rtol=1e-3, atol=0.05):
            fail("your nullcline does not move with the input: where dv/dt = 0, w must also balance I.")
        if np.allclose(got, -want + 2 * I, rtol=1e-3, atol=0.05) or np.allclose(got, -want, rtol=1e-3, atol=0.05):
            fail("the leak and exponential terms have the wrong sign: solve C dv/dt = 0 for w.")
        worst = int(np.argmax(np.abs(got - want)))
        close(got[worst], want[worst], rtol=1e-3, what=f"v_nullcline(v={v[worst]:g} mV, I={I:g} pA)", unit="pA")
    return passed("your v-nullcline is right; it moves up by I, and the fixed points vanish when it clears "
                  "the w-nullcline.")
