"""Lesson 1, the leaky integrate-and-fire neuron: simulations, figures and checks.

The model is ``spark_lab.LIF``: ``tau_m dv/dt = (v_rest - v) + I`` with the input I
expressed as the voltage drive it produces (R·I, in mV), threshold ``v_th``, reset
``v_reset`` and an absolute refractory period ``t_ref``. The lesson's neuron has the
defaults: tau_m = 20 ms, v_rest = v_reset = -65 mV, v_th = -50 mV, t_ref = 2 ms.

The analytic f-I curve (Gerstner, Kistler, Naud & Paninski, *Neuronal Dynamics*, 2014,
ch. 1.3, eq. 1.11 with an absolute refractory period added): a constant drive I above
the rheobase ``v_th - v_rest`` reaches threshold from reset after
``T = tau_m ln((v_rest + I - v_reset) / (v_rest + I - v_th))``, so the rate is
``1 / (t_ref + T)``; below the rheobase the neuron never fires.
Units throughout: time in ms, potentials and drives in mV, rates in Hz.
"""
from __future__ import annotations

import numpy as np

from ._feedback import close, fail, passed

__all__ = [
    "TAU_M", "T_REF", "V_REST", "V_TH", "V_RESET", "analytic_rate", "simulate", "measure_fi", "plot_trace",
    "plot_fi", "explorer", "check_rheobase", "check_rate_formula", "check_max_rate", "check_tau_for_rate",
]

TAU_M, T_REF, V_REST, V_TH, V_RESET = 20.0, 2.0, -65.0, -50.0, -65.0


def analytic_rate(I, tau_m=TAU_M, t_ref=T_REF, v_th=V_TH, v_rest=V_REST, v_reset=V_RESET):
    """Firing rate (Hz) of the LIF neuron under a constant drive ``I`` (mV; a number or array).

    ``1000 / (t_ref + tau_m ln((v_rest + I - v_reset) / (v_rest + I - v_th)))`` above the
    rheobase ``v_th - v_rest``, 0 at and below it (Neuronal Dynamics, ch. 1.3).
    """
    I = np.asarray(I, np.float64)
    above = v_rest + I > v_th
    num = np.where(above, v_rest + I - v_reset, 1.0)
    den = np.where(above, v_rest + I - v_th, 1.0)
    period = t_ref + tau_m * np.log(num / den)
    return np.where(above, 1000.0 / period, 0.0)


def _network(n, tau_m=TAU_M, t_ref=T_REF, dt=0.1):
    import spark_lab as sl

    net = sl.Network(dt=dt, seed=0)
    net.add_pool("lif", sl.LIF(tau_m=tau_m, v_rest=V_REST, v_th=V_TH, v_reset=V_RESET, t_ref=t_ref), n)
    net.record("lif", "spikes")
    net.record("lif", "v")
    return net


_TRACE = {}


def simulate(I, tau_m=TAU_M, t_ref=T_REF, duration_ms=200.0, dt=0.1):
    """One LIF neuron driven by the constant ``I`` (mV) from t = 0, starting at rest.

    Returns (t in ms, v in mV, spike times in ms). The simulator is built once per
    (t_ref, dt) and reused: tau_m is a run-time parameter (no recompilation).
    """
    key = (float(t_ref), float(dt))
    if key not in _TRACE:
        _TRACE[key] = _network(1, tau_m, t_ref, dt).build()
    sim = _TRACE[key]
    sim.set_param("lif", "tau_m", float(tau_m))
    sim.reset()
    steps = int(round(duration_ms / dt))
    res = sim.run(steps, inputs={"lif": np.array([float(I)])})
    t = (res.times["lif.v"] + 1) * dt                 # v after step k is the value at (k + 1) dt
    v = res.records["lif.v"][:, 0]
    spikes, _ = res.spike_trains("lif")
    return np.concatenate([[0.0], t]), np.concatenate([[V_REST], v]), spikes + dt


def measure_fi(currents, tau_m=TAU_M, t_ref=T_REF, duration_ms=1000.0, dt=0.1):
    """Measured f-I curve: one neuron per drive in ``currents`` (mV), one compiled run.

    The rate is 1 / (mean inter-spike interval) after the first spike (no counting
    window, so no +-1 spike error); 0 Hz for a neuron with fewer than two spikes.
    Returns (currents, rates in Hz).
    """
    cur = np.asarray(currents, np.float64)
    sim = _network(cur.size, tau_m, t_ref, dt).build()
    res = sim.run(int(round(duration_ms / dt)), inputs={"lif": cur}, record=["lif.spikes"])
    spikes = np.asarray(res.records["lif.spikes"])
    rates = np.zeros(cur.size)
    for i in range(cur.size):
        steps = np.flatnonzero(spikes[:, i])
        if steps.size >= 2:
            rates[i] = 1000.0 / (np.mean(np.diff(steps)) * dt)
    return cur, rates


def plot_trace(t, v, spikes=(), ax=None, title=""):
    """v(t) with threshold and rest drawn, spikes as ticks above threshold."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    ax.plot(t, v, color="tab:blue", lw=1)
    ax.axhline(V_TH, color="tab:red", ls="--", lw=0.8, label="threshold")
    ax.axhline(V_REST, color="grey", ls=":", lw=0.8, label="rest")
    if len(spikes):
        ax.plot(spikes, np.full(len(spikes), V_TH + 3.0), "|", color="k", ms=10, label="spikes")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("v (mV)")
    ax.set_ylim(V_REST - 3, V_TH + 6)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_fi(currents, rates, tau_m=TAU_M, t_ref=T_REF, ax=None):
    """Measured rates (dots) on the analytic f-I curve (line); the 1/t_ref limit dashed."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    fine = np.linspace(0.0, max(float(np.max(currents)), 1.0), 400)
    ax.plot(fine, analytic_rate(fine, tau_m, t_ref), color="k", lw=1, label="analytic")
    ax.plot(currents, rates, "o", color="tab:orange", ms=4, label="simulated")
    if t_ref > 0:
        ax.axhline(1000.0 / t_ref, color="grey", ls="--", lw=0.8, label="1 / t_ref")
    ax.axvline(V_TH - V_REST, color="tab:red", ls=":", lw=0.8, label="rheobase")
    ax.set_xlabel("drive I (mV)")
    ax.set_ylabel("rate (Hz)")
    ax.legend(fontsize=8)
    return ax


def explorer():
    """Sliders on tau_m and the drive I: the voltage trace and where it sits on the f-I curve."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    def show(tau_m=TAU_M, I=20.0):
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.2), width_ratios=(2, 1))
        t, v, spikes = simulate(I, tau_m)
        plot_trace(t, v, spikes, ax=ax1, title=f"tau_m = {tau_m:.0f} ms, I = {I:.1f} mV: {len(spikes)} spikes")
        fine = np.linspace(0.0, 60.0, 300)
        ax2.plot(fine, analytic_rate(fine, tau_m), color="k", lw=1)
        ax2.plot([I], analytic_rate(I, tau_m), "o", color="tab:orange")
        ax2.set_xlabel("drive I (mV)")
        ax2.set_ylabel("rate (Hz)")
        fig.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        tau_m=widgets.FloatSlider(value=TAU_M, min=5.0, max=50.0, step=1.0, description="tau_m (ms)"),
        I=widgets.FloatSlider(value=20.0, min=0.0, max=60.0, step=0.5, description="I (mV)"))


def check_rheobase(rheobase):
    """Exercise 1.1: the rheobase of the lesson's neuron, as a drive in mV (15 mV)."""
    expected = V_TH - V_REST
    try:
        value = float(rheobase)
    except (TypeError, ValueError):
        value = None
    if value is not None and abs(value - V_TH) < 0.5:
        fail(f"{value:g} mV is the threshold potential itself. The rheobase is the smallest drive I "
             "that brings v from rest up to threshold: how far is v_th above v_rest?")
    if value is not None and abs(value - (V_TH + V_REST)) < 0.5:
        fail("you added v_th and v_rest; the rheobase is the distance between them.")
    close(rheobase, expected, rtol=0.01, what="your rheobase", unit="mV")
    return passed(f"rheobase = {float(rheobase):g} mV: a drive below it leaves v below threshold forever.")


def _try_rate(func, I, tau_m, t_ref):
    try:
        return float(np.asarray(func(I, tau_m=tau_m, t_ref=t_ref), np.float64))
    except Exception as err:   # noqa: BLE001 - any error of the student's code becomes feedback
        fail(f"lif_rate({I}, tau_m={tau_m}, t_ref={t_ref}) raised {type(err).__name__}: {err}")


def check_rate_formula(lif_rate):
    """Exercise 1.2: ``lif_rate(I, tau_m, t_ref)`` is the analytic LIF rate in Hz (0 below rheobase)."""
    if not callable(lif_rate):
        fail(f"lif_rate should be a function lif_rate(I, tau_m, t_ref), got {type(lif_rate).__name__}.")
    for I in (5.0, 14.9):
        r = _try_rate(lif_rate, I, TAU_M, T_REF)
        if not np.isfinite(r) or abs(r) > 1e-9:
            fail(f"lif_rate({I}) = {r:.4g}, but below the rheobase (15 mV) the neuron never fires: return 0 "
                 "there (np.log of a negative number gives nan; np.where or an if helps).")
    cases = [(I, tau, tr) for tau, tr in ((TAU_M, T_REF), (10.0, 0.0), (30.0, 5.0)) for I in (16.0, 20.0, 40.0, 80.0)]
    for I, tau, tr in cases:
        r = _try_rate(lif_rate, I, tau, tr)
        want = float(analytic_rate(I, tau, tr))
        if abs(r - want) <= 0.005 * want:
            continue
        no_ref = float(analytic_rate(I, tau, 0.0))
        if tr > 0 and abs(r - no_ref) <= 0.005 * no_ref:
            fail(f"at I = {I} mV, tau_m = {tau} ms, t_ref = {tr} ms you get {r:.4g} Hz, the rate without the "
                 "refractory period: add t_ref to the time it takes to reach threshold.")
        close(r, want, rtol=0.005, what=f"lif_rate({I}, tau_m={tau}, t_ref={tr})", unit="Hz")
    return passed("your f-I curve matches the analytic one (Neuronal Dynamics, ch. 1.3) at every test point.")


def check_max_rate(max_rate):
    """Exercise 1.3: the largest rate of a LIF with t_ref = 2 ms under any drive (500 Hz)."""
    close(max_rate, 1000.0 / T_REF, rtol=0.01, what="your maximum rate", unit="Hz")
    return passed(f"{float(max_rate):g} Hz: however strong the drive, a spike can come at most every t_ref.")


def check_tau_for_rate(tau_m, I=20.0, rate=50.0):
    """Exercise 1.4: the tau_m (ms) at which the neuron fires at ``rate`` Hz under drive ``I`` mV."""
    period = 1000.0 / rate
    log = np.log((V_REST + I - V_RESET) / (V_REST + I - V_TH))
    want = (period - T_REF) / log
    forgot = period / log
    try:
        value = float(tau_m)
    except (TypeError, ValueError):
        value = None
    if value is not None and abs(value - forgot) < 0.01 * forgot:
        fail(f"tau_m = {value:.4g} ms gives a period of {period:g} ms without the refractory period; the "
             f"neuron also spends t_ref = {T_REF:g} ms refractory in each period.")
    close(tau_m, want, rtol=0.01, what="your tau_m", unit="ms")
    got = float(analytic_rate(I, float(tau_m)))
    return passed(f"tau_m = {float(tau_m):.4g} ms: the neuron fires at {got:.1f} Hz at I = {I:g} mV.")
