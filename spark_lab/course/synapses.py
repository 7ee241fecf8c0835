"""Lesson 3, synapses: postsynaptic potentials, summation, reversal potential, shunting.

The postsynaptic neuron is the lesson-1 LIF (tau_m = 20 ms, v_rest = -65 mV) with its
threshold raised to 0 mV, so that it never fires and only its potential is watched.
One presynaptic spike reaches it through ``sl.Delta`` (v jumps by w mV),
``sl.Exponential`` (a current that jumps by w mV of drive and decays with tau),
``sl.BiExponential`` (rise and decay, peak w) or ``sl.Conductance`` (a conductance
g, relative to the leak, that jumps by w; current g (E_rev - v)).

For the exponential current the PSP is, with t from the current's onset (Neuronal
Dynamics ch. 1.3 / ch. 6 for the kernel),
``v - v_rest = w tau_s / (tau_s - tau_m) (exp(-t/tau_s) - exp(-t/tau_m))``, peaking at
``t* = tau_m tau_s / (tau_m - tau_s) ln(tau_m / tau_s)``. Times in ms, potentials in mV.
"""
from __future__ import annotations

import numpy as np

from ._feedback import close, fail, passed

__all__ = [
    "TAU_M", "V_REST", "analytic_exp_psp", "psp_shapes", "plot_psps", "summation", "reversal_experiment",
    "shunting", "check_peak_time", "check_reversal",
]

TAU_M, V_REST, SPIKE_MS, DT = 20.0, -65.0, 10.0, 0.1


def _post():
    import spark_lab as sl

    return sl.LIF(tau_m=TAU_M, v_rest=V_REST, v_reset=V_REST, v_th=0.0, t_ref=0.0,
                  v_init_low=V_REST, v_init_high=V_REST)


def _traces(res, pools, onset_ms):
    out = {}
    for pool in pools:
        t = (res.times[f"{pool}.v"] + 1) * DT - onset_ms
        out[pool] = (t, res.records[f"{pool}.v"][:, 0] - V_REST)
    return out


def analytic_exp_psp(t, w=1.0, tau_s=5.0, tau_m=TAU_M):
    """PSP (mV above rest) of the LIF at time ``t`` ms after an exponential current of w mV starts."""
    t = np.asarray(t, np.float64)
    v = w * tau_s / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))
    return np.where(t >= 0, v, 0.0)


def _synapse(kind, tau_s, E_rev=0.0):
    import spark_lab as sl

    return {"delta": lambda: sl.Delta(), "exponential": lambda: sl.Exponential(tau=tau_s),
            "biexponential": lambda: sl.BiExponential(tau_rise=1.0, tau_decay=tau_s),
            "conductance": lambda: sl.Conductance(tau=tau_s, E_rev=E_rev)}[kind]()


def psp_shapes(tau_s=5.0, duration_ms=80.0, weights=None):
    """One spike at 10 ms through each synapse type; {kind: (t ms from the onset, v - v_rest mV)}.

    ``weights`` default to 1 mV (delta: jump; exponential, bi-exponential: peak current)
    and 0.05 (conductance relative to the leak, E_rev = 0 mV). The onset is one step after
    the presynaptic spike (the spike acts at the next step)."""
    import spark_lab as sl

    weights = {"delta": 1.0, "exponential": 1.0, "biexponential": 1.0, "conductance": 0.05, **(weights or {})}
    net = sl.Network(dt=DT, seed=0)
    net.add_pool("pre", sl.SpikeGenerator(times=[[SPIKE_MS]]), 1)
    for kind, w in weights.items():
        net.add_pool(kind, _post(), 1)
        net.connect("pre", kind, synapse=_synapse(kind, tau_s), connectivity=sl.AllToAll(), weight=w)
        net.record(kind, "v")
    res = net.build().run(int(round(duration_ms / DT)))
    return _traces(res, weights, SPIKE_MS + DT)


def plot_psps(shapes, ax=None, analytic=None):
    """The PSPs of ``psp_shapes`` on one axis; ``analytic``: (t, v) drawn dashed."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    for kind, (t, v) in shapes.items():
        ax.plot(t, v, lw=1.2, label=kind)
    if analytic is not None:
        ax.plot(*analytic, "k--", lw=0.8, label="analytic (exponential)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlim(-2, None)
    ax.set_xlabel("time after the spike's arrival (ms)")
    ax.set_ylabel("v - v_rest (mV)")
    ax.legend(fontsize=8)
    return ax


def summation(gap_ms=5.0, duration_ms=80.0, w_current=2.0, w_conductance=1.0, tau_s=5.0):
    """One spike and two spikes ``gap_ms`` apart, through a current and a conductance (E_rev 0 mV).

    Returns {"current"|"conductance": (t, single, pair, pair predicted by linear summation)}."""
    import spark_lab as sl

    net = sl.Network(dt=DT, seed=0)
    net.add_pool("one", sl.SpikeGenerator(times=[[SPIKE_MS]]), 1)
    net.add_pool("two", sl.SpikeGenerator(times=[[SPIKE_MS, SPIKE_MS + gap_ms]]), 1)
    pools = []
    for kind, w in (("exponential", w_current), ("conductance", w_conductance)):
        for pre in ("one", "two"):
            post = f"{kind}-{pre}"
            net.add_pool(post, _post(), 1)
            net.connect(pre, post, synapse=_synapse(kind, tau_s), connectivity=sl.AllToAll(), weight=w)
            net.record(post, "v")
            pools.append(post)
    tr = _traces(net.build().run(int(round(duration_ms / DT))), pools, SPIKE_MS + DT)
    shift = int(round(gap_ms / DT))
    out = {}
    for kind, label in (("exponential", "current"), ("conductance", "conductance")):
        t, single = tr[f"{kind}-one"]
        _, pair = tr[f"{kind}-two"]
        linear = single + np.concatenate([np.zeros(shift), single[:-shift]])
        out[label] = (t, single, pair, linear)
    return out


def reversal_experiment(E_rev=-75.0, baselines=(-85.0, -80.0, -70.0, -65.0, -60.0, -55.0), w=0.1, tau_s=5.0):
    """PSP amplitudes (mV, signed: the largest deviation) at holding potentials ``baselines`` (mV).

    Each postsynaptic neuron is held at its baseline by a constant drive (baseline - v_rest)
    for 300 ms, then receives one conductance spike of weight ``w`` with reversal ``E_rev``.
    Returns (baselines, amplitudes)."""
    import spark_lab as sl

    base = np.asarray(baselines, np.float64)
    net = sl.Network(dt=DT, seed=0)
    net.add_pool("pre", sl.SpikeGenerator(times=[[300.0]]), 1)
    net.add_pool("post", _post(), base.size)
    net.connect("pre", "post", synapse=_synapse("conductance", tau_s, E_rev), connectivity=sl.AllToAll(), weight=w)
    net.record("post", "v")
    res = net.build().run(int(round(400.0 / DT)), inputs={"post": base - V_REST})
    v = res.records["post.v"]
    t = (res.times["post.v"] + 1) * DT
    before = v[np.searchsorted(t, 300.0)]
    dev = v[t > 300.0] - before
    amp = dev[np.argmax(np.abs(dev), axis=0), np.arange(base.size)]
    return base, amp


def shunting(w_epsp=2.0, w_shunt=3.0, tau_s=5.0, duration_ms=60.0):
    """An EPSP alone, a shunting conductance (E_rev = v_rest) alone, and both together.

    Returns {"EPSP"|"shunt"|"both": (t, v - v_rest)}; the EPSP is an exponential current
    of ``w_epsp`` mV, the shunt a conductance of peak ``w_shunt`` times the leak."""
    import spark_lab as sl

    net = sl.Network(dt=DT, seed=0)
    net.add_pool("pre", sl.SpikeGenerator(times=[[SPIKE_MS]]), 1)
    for post in ("EPSP", "shunt", "both"):
        net.add_pool(post, _post(), 1)
        net.record(post, "v")
    for post in ("EPSP", "both"):
        net.connect("pre", post, synapse=_synapse("exponential", tau_s), connectivity=sl.AllToAll(), weight=w_epsp)
    for post in ("shunt", "both"):
        net.connect("pre", post, synapse=_synapse("conductance", tau_s, V_REST), connectivity=sl.AllToAll(),
                    weight=w_shunt)
    return _traces(net.build().run(int(round(duration_ms / DT))), ("EPSP", "shunt", "both"), SPIKE_MS + DT)


def check_peak_time(t_peak, tau_s=5.0, tau_m=TAU_M):
    """Exercise 3.1: the time (ms from the onset) of the exponential synapse's PSP peak (9.24 ms)."""
    want = tau_m * tau_s / (tau_m - tau_s) * np.log(tau_m / tau_s)
    try:
        value = float(t_peak)
    except (TypeError, ValueError):
        value = None
    if value is not None and abs(value - tau_s) < 1e-6:
        fail(f"{tau_s:g} ms is the synaptic time constant. The PSP peaks later, when the current, decaying, "
             "has fallen to the size of the leak: set the derivative of the PSP formula to zero.")
    if value is not None and abs(value + want) < 0.02 * want:
        fail("your peak time is negative: check the sign of tau_m - tau_s against ln(tau_m / tau_s).")
    close(t_peak, want, rtol=0.02, what="your peak time", unit="ms")
    return passed(f"the PSP peaks {float(t_peak):.2f} ms after the current starts (formula: {want:.2f} ms).")


def check_reversal(E_rev_estimate, baselines, amplitudes):
    """Exercise 3.2: the reversal potential (mV) estimated from amplitudes at holding potentials."""
    base = np.asarray(baselines, np.float64)
    amp = np.asarray(amplitudes, np.float64)
    order = np.argsort(base)
    base, amp = base[order], amp[order]
    k = int(np.flatnonzero(np.sign(amp[:-1]) != np.sign(amp[1:]))[0])
    want = base[k] - amp[k] * (base[k + 1] - base[k]) / (amp[k + 1] - amp[k])
    try:
        value = float(E_rev_estimate)
    except (TypeError, ValueError):
        value = None
    if value is not None and value in base and abs(value - want) > 0.5:
        fail(f"{value:g} mV is one of the holding potentials. The amplitude changes sign between "
             f"{base[k]:g} and {base[k + 1]:g} mV: interpolate between them (or fit a line) to find the zero.")
    if value is not None and abs(value - float(np.polyfit(base, amp, 1)[0])) < 1e-6:
        fail("that is the slope of the line (mV of PSP per mV of holding potential); E_rev is where the line "
             "crosses zero: -intercept / slope.")
    close(E_rev_estimate, want, rtol=0.0, atol=1.0, what="your reversal potential", unit="mV")
    return passed(f"E_rev = {float(E_rev_estimate):.1f} mV: above it the synapse hyperpolarises, below it "
                  "depolarises.")
