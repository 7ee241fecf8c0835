"""Lesson 5, plasticity: STDP from pairings, Oja's rule, synaptic scaling, short-term plasticity.

Sources. STDP: G.-q. Bi and M.-m. Poo, J. Neurosci. 18:10464 (1998), pairings of a
presynaptic and a postsynaptic spike in cultured hippocampal neurons; the exponential
fits of their window, tau_plus = 16.8 ms and tau_minus = 33.7 ms (Bi & Poo, Annu. Rev.
Neurosci. 24:139, 2001), are this lesson's time constants. The rule is
``spark_lab.plasticity.STDP``: one pair with ``dt = t_post - t_pre`` changes the weight by
``a_plus exp(-dt/tau_plus)`` (dt > 0) or ``-a_minus exp(dt/tau_minus)`` (dt < 0).
Oja's rule: E. Oja, J. Math. Biol. 15:267 (1982), ``dw = eta y (x - y w)`` for a linear
unit ``y = w.x``, which converges to the unit-norm principal eigenvector of the input
covariance. Synaptic scaling: G. G. Turrigiano et al., Nature 391:892 (1998).
Short-term plasticity: M. Tsodyks and H. Markram, PNAS 94:719 (1997); for a regular
train of period T the response settles at ``U R*`` with
``R* = (1 - e^{-T/tau_rec}) / (1 - (1 - U) e^{-T/tau_rec})`` (depression only).
Units: time in ms, rates in Hz, weights dimensionless (mV of jump for the Delta synapse).
"""
from __future__ import annotations

import numpy as np

from ._feedback import close, fail, passed

__all__ = [
    "A_PLUS", "A_MINUS", "TAU_PLUS", "TAU_MINUS", "stdp_formula", "stdp_pairs", "plot_window",
    "oja_inputs", "principal_component", "train_oja", "plot_oja", "scaling_run", "plot_scaling",
    "stp_responses", "stp_steady_state", "stp_recursion", "plot_stp", "stp_explorer",
    "check_stdp_window", "check_oja_step", "check_stp_steady_state",
]

A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS = 0.010, 0.012, 16.8, 33.7


def stdp_formula(lags, a_plus=A_PLUS, a_minus=A_MINUS, tau_plus=TAU_PLUS, tau_minus=TAU_MINUS):
    """The pair STDP window: weight change for ``lags = t_post - t_pre`` (ms; number or array), 0 at 0."""
    lags = np.asarray(lags, np.float64)
    return np.where(lags > 0, a_plus * np.exp(-np.abs(lags) / tau_plus),
                    np.where(lags < 0, -a_minus * np.exp(-np.abs(lags) / tau_minus), 0.0))


def stdp_pairs(lags, a_plus=A_PLUS, a_minus=A_MINUS, tau_plus=TAU_PLUS, tau_minus=TAU_MINUS, w0=0.5):
    """Bi & Poo's experiment in the simulator: one synapse per lag, one pre and one post spike.

    Synapse k sees a presynaptic spike at 100 ms and a postsynaptic one at 100 ms + lags[k]
    (``spark_lab.SpikeGenerator`` pools, one-to-one, ``STDP`` with hard bounds [0, 1]).
    Returns the weight change of every synapse after all spikes (array like ``lags``).
    """
    import spark_lab as sl
    from spark_lab.plasticity import STDP

    lags = np.asarray(lags, np.float64)
    t0 = 100.0
    net = sl.Network(dt=0.1, seed=0)
    net.add_pool("pre", sl.SpikeGenerator(times=[[t0]] * lags.size), lags.size)
    net.add_pool("post", sl.SpikeGenerator(times=[[t0 + d] for d in lags]), lags.size)
    rule = STDP(a_plus=a_plus, a_minus=a_minus, tau_plus=tau_plus, tau_minus=tau_minus, w_min=0.0, w_max=1.0)
    net.connect("pre", "post", connectivity=sl.OneToOne(), weight=w0, plasticity=rule)
    sim = net.build()
    sim.run(int(round((t0 + np.max(np.abs(lags)) + 20.0) / 0.1)))
    return np.asarray(sim.get_param("pre->post", "weight"), np.float64) - w0


def plot_window(lags, dw, ax=None):
    """Simulated pairings (dots) on the rule's window (line), Bi & Poo's axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    fine = np.linspace(np.min(lags), np.max(lags), 801)
    ax.plot(fine, 100 * stdp_formula(fine), "k-", lw=1, label="rule (analytic)")
    ax.plot(lags, 100 * np.asarray(dw), "o", color="tab:orange", ms=4, label="simulated pairings")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel("Δt = t_post − t_pre (ms)")
    ax.set_ylabel("Δw (% of w_max)")
    ax.set_title("STDP window (time constants of Bi & Poo's fit)")
    ax.legend(fontsize=8)
    return ax


def oja_inputs(n=4000, seed=0):
    """``n`` samples of a 2-D zero-mean Gaussian input, elongated along 30 degrees (std 2 and 0.5)."""
    rng = np.random.default_rng(seed)
    angle = np.deg2rad(30.0)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return rng.normal(size=(n, 2)) * np.array([2.0, 0.5]) @ rot.T


def principal_component(X):
    """The unit principal eigenvector of the covariance of ``X`` (rows = samples), by numpy, sign: x > 0."""
    vals, vecs = np.linalg.eigh(np.cov(np.asarray(X, np.float64).T))
    v = vecs[:, np.argmax(vals)]
    return v if v[0] >= 0 else -v


def train_oja(step, X, eta=0.005, w0=(0.1, 0.9)):
    """Present the rows of ``X`` once, in order, to ``step(w, x, eta) -> new w``; returns every w (n+1, d)."""
    w = np.asarray(w0, np.float64)
    path = [w]
    for x in np.asarray(X, np.float64):
        w = np.asarray(step(w, x, eta), np.float64)
        path.append(w)
    return np.array(path)


def plot_oja(X, path, ax=None):
    """The inputs, the weight's path and the principal eigenvector (numpy) with the unit circle."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot(X[:, 0], X[:, 1], ".", color="lightgrey", ms=2, label="inputs x")
    phi = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(phi), np.sin(phi), color="grey", lw=0.5)
    pc = principal_component(X)
    ax.plot([-pc[0], pc[0]], [-pc[1], pc[1]], "k--", lw=1, label="principal eigenvector (numpy)")
    ax.plot(path[:, 0], path[:, 1], color="tab:orange", lw=1.2, label="w during learning")
    ax.plot(*path[-1], "o", color="tab:red", label="final w")
    ax.set_aspect("equal")
    ax.set_xlim(-4, 4)
    ax.set_ylim(-4, 4)
    ax.legend(fontsize=7, loc="lower right")
    return ax


def scaling_run(target=5.0, seconds=20, w_start=(1.0, 4.0)):
    """Two LIF neurons (tau_m 10 ms), each driven by 100 Poisson inputs at 10 Hz, with SynapticScaling.

    Neuron k starts with all its weights at ``w_start[k]`` (mV). Returns (rates per 1 s bin,
    shape (seconds, 2), in Hz; mean final weight per neuron, mV).
    """
    import spark_lab as sl
    from spark_lab.plasticity import SynapticScaling

    net = sl.Network(dt=0.5, seed=0)
    net.add_pool("inputs", sl.PoissonSource(rate=10.0), 100)
    net.add_pool("out", sl.LIF(tau_m=10.0), len(w_start))
    net.connect("inputs", "out", synapse=sl.Exponential(tau=5.0), connectivity=sl.AllToAll(), weight=1.0,
                plasticity=SynapticScaling(eta=0.05, target=target, tau_rate=1000.0))
    sim = net.build()
    w = np.tile(np.asarray(w_start, np.float64), 100)          # synapses ordered (pre, post)
    sim.set_param("inputs->out", "weight", w)
    res = sim.run(int(seconds * 2000), record=["out.spikes"])
    spikes = np.asarray(res.records["out.spikes"], np.float64)
    rates = spikes.reshape(seconds, 2000, len(w_start)).sum(axis=1)
    final = np.asarray(sim.get_param("inputs->out", "weight")).reshape(100, len(w_start)).mean(axis=0)
    return rates, final


def plot_scaling(rates, target=5.0, ax=None):
    """Rate of each neuron per second of the scaling run, with the target."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    t = np.arange(1, rates.shape[0] + 1)
    for k in range(rates.shape[1]):
        ax.plot(t, rates[:, k], "o-", ms=3, label=f"neuron {k}")
    ax.axhline(target, color="k", ls="--", lw=0.8, label="target")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("rate (Hz)")
    ax.legend(fontsize=8)
    return ax


def stp_responses(rate_hz, U=0.5, tau_rec=800.0, tau_facil=0.0, n_spikes=20):
    """Responses of a Delta synapse with TsodyksMarkram to a regular train (w = 1 mV, a perfect integrator).

    Returns the jump of the postsynaptic v at each of the ``n_spikes`` spikes (mV): the
    efficacy u_n R_n that the rule delivered.
    """
    import spark_lab as sl
    from spark_lab.plasticity import TsodyksMarkram

    period = 1000.0 / float(rate_hz)
    times = 10.0 + period * np.arange(n_spikes)
    net = sl.Network(dt=0.1, seed=0)
    net.add_pool("pre", sl.SpikeGenerator(times=[times]), 1)
    net.add_pool("post", sl.LIF(tau_m=1e9, v_th=1e6, v_rest=0.0, v_reset=0.0, v_init_low=0.0, v_init_high=0.0), 1)
    net.connect("pre", "post", synapse=sl.Delta(), connectivity=sl.AllToAll(), weight=1.0,
                plasticity=TsodyksMarkram(U=U, tau_rec=tau_rec, tau_facil=tau_facil))
    net.record("post", "v")
    v = net.build().run(int(round(times[-1] / 0.1)) + 10).records["post.v"][:, 0]
    steps = np.round(times / 0.1).astype(int) + 1
    return np.asarray(v[steps] - v[steps - 1], np.float64)


def stp_steady_state(rate_hz, U=0.5, tau_rec=800.0, tau_facil=0.0):
    """Steady-state response u* R* of the Tsodyks-Markram synapse to a regular train (module docstring)."""
    period = 1000.0 / np.asarray(rate_hz, np.float64)
    ef = np.exp(-period / tau_facil) if tau_facil > 0 else 0.0
    u = U / (1.0 - (1.0 - U) * ef)
    er = np.exp(-period / tau_rec)
    return u * (1.0 - er) / (1.0 - (1.0 - u) * er)


def stp_recursion(rate_hz, U, tau_rec, tau_facil, n_spikes):
    """The responses u_n R_n to ``n_spikes`` of a regular train, by the model's recursion.

    numpy, independent of the simulator; rate in Hz, time constants in ms (0 = no facilitation).
    """
    period = 1000.0 / rate_hz
    ef = np.exp(-period / tau_facil) if tau_facil > 0 else 0.0
    er = np.exp(-period / tau_rec)
    u, R, out = U, 1.0, []
    for _ in range(n_spikes):
        out.append(u * R)
        R = 1.0 + (R - u * R - 1.0) * er
        u = U + u * (1.0 - U) * ef
    return np.array(out)


def plot_stp(amps, rate_hz, U=0.5, tau_rec=800.0, tau_facil=0.0, ax=None, label=None):
    """Responses per spike number, with the analytic steady state dashed."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    n = np.arange(1, len(amps) + 1)
    line, = ax.plot(n, amps, "o-", ms=3, label=label or f"{rate_hz:g} Hz")
    ax.axhline(float(stp_steady_state(rate_hz, U, tau_rec, tau_facil)), color=line.get_color(), ls="--", lw=0.8)
    ax.set_xlabel("spike number")
    ax.set_ylabel("response u·R (× w)")
    ax.legend(fontsize=8)
    return ax


def stp_explorer():
    """Sliders on the train's rate, U, tau_rec and tau_facil: the responses and their steady state."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    def show(rate=20.0, U=0.5, tau_rec=800.0, tau_facil=0.0):
        fig, ax = plt.subplots(figsize=(7, 3))
        plot_stp(stp_recursion(rate, U, tau_rec, tau_facil, 20), rate, U, tau_rec, tau_facil, ax=ax)
        kind = "facilitating" if stp_recursion(rate, U, tau_rec, tau_facil, 2)[1] > U else "depressing"
        ax.set_title(f"{kind}: steady state {float(stp_steady_state(rate, U, tau_rec, tau_facil)):.3f}")
        fig.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        rate=widgets.FloatSlider(value=20.0, min=1.0, max=100.0, step=1.0, description="rate (Hz)"),
        U=widgets.FloatSlider(value=0.5, min=0.05, max=0.95, step=0.05, description="U"),
        tau_rec=widgets.FloatSlider(value=800.0, min=50.0, max=2000.0, step=50.0, description="tau_rec (ms)"),
        tau_facil=widgets.FloatSlider(value=0.0, min=0.0, max=2000.0, step=50.0, description="tau_facil (ms)"))


def _call(func, name, *args):
    try:
        return np.asarray(func(*args), np.float64)
    except Exception as err:   # noqa: BLE001 - any error of the student's code becomes feedback
        fail(f"{name}{args} raised {type(err).__name__}: {err}")


def check_stdp_window(stdp_dw):
    """Exercise 5.1: ``stdp_dw(lag)`` is the pair window for ``lag = t_post - t_pre`` (ms)."""
    if not callable(stdp_dw):
        fail(f"stdp_dw should be a function stdp_dw(lag), got {type(stdp_dw).__name__}.")
    lags = np.array([-80.0, -40.0, -20.0, -5.0, 5.0, 10.0, 20.0, 60.0])
    got = np.array([float(_call(stdp_dw, "stdp_dw", lag)) for lag in lags])
    want = stdp_formula(lags)
    if np.allclose(got, want, rtol=0.01, atol=1e-7):
        return passed("your window matches the rule at every lag: pre before post potentiates, "
                      "post before pre depresses.")
    if np.allclose(got, stdp_formula(-lags), rtol=0.01, atol=1e-7):
        fail("your window is mirrored: lag is t_post - t_pre, so lag > 0 means the presynaptic spike came "
             "first, which potentiates (Bi & Poo's causal pairing).")
    if np.allclose(got[lags < 0], -want[lags < 0], rtol=0.01) and np.allclose(got[lags > 0], want[lags > 0], rtol=0.01):
        fail("for lag < 0 (post before pre) your change is positive: that side depresses, -a_minus exp(lag/tau_minus).")
    if np.allclose(got, stdp_formula(lags, tau_plus=TAU_MINUS, tau_minus=TAU_PLUS), rtol=0.01):
        fail("you swapped the time constants: potentiation (lag > 0) decays with tau_plus = 16.8 ms, "
             "depression with tau_minus = 33.7 ms.")
    for lag, g, w in zip(lags, got, want):
        close(g, w, rtol=0.01, what=f"stdp_dw({lag:g})")
    return passed("your window matches the rule.")


def check_oja_step(oja_step, X=None):
    """Exercise 5.2: ``oja_step(w, x, eta)`` is one step of Oja's rule; trained on X, w -> principal eigenvector."""
    if not callable(oja_step):
        fail(f"oja_step should be a function oja_step(w, x, eta), got {type(oja_step).__name__}.")
    from spark_lab.plasticity import oja_delta

    w, x = np.array([0.3, -0.4]), np.array([1.5, 0.5])
    got = _call(oja_step, "oja_step", w, x, 0.01)
    if got.shape != (2,):
        fail(f"oja_step should return the new weight vector (shape (2,)), got shape {got.shape}.")
    y = w @ x
    if np.allclose(got, oja_delta(w, x, y, 0.01), rtol=1e-6):
        fail("oja_step returned the change dw, not the new weight: return w + dw.")
    if np.allclose(got, w + 0.01 * y * x, rtol=1e-6):
        fail("that is the plain Hebbian step w + eta y x: without Oja's decay term - eta y^2 w the weights "
             "grow without bound. Subtract eta * y**2 * w.")
    if not np.allclose(got, w + oja_delta(w, x, y, 0.01), rtol=1e-6, atol=1e-12):
        fail(f"oja_step({w.tolist()}, {x.tolist()}, 0.01) = {got.tolist()}, expected "
             f"{(w + oja_delta(w, x, y, 0.01)).tolist()} (w + eta y (x - y w) with y = w . x).")
    X = oja_inputs() if X is None else np.asarray(X)
    final = train_oja(oja_step, X)[-1]
    pc = principal_component(X)
    norm = float(np.linalg.norm(final))
    angle = float(np.degrees(np.arccos(min(abs(final @ pc) / max(norm, 1e-300), 1.0))))
    if abs(norm - 1.0) > 0.05 or angle > 5.0:
        fail(f"after {len(X)} inputs |w| = {norm:.3g} and w is {angle:.0f} degrees from the principal eigenvector; "
             "Oja's rule should end near a unit vector along it.")
    return passed(f"after {len(X)} inputs |w| = {norm:.3f} and w is {angle:.1f} degrees from the principal "
                  "eigenvector (Oja 1982: a unit vector along it).")


def check_stp_steady_state(value, rate_hz=20.0, U=0.5, tau_rec=800.0):
    """Exercise 5.3: the steady-state response U R* of the lesson's depressing synapse at ``rate_hz``."""
    want = float(stp_steady_state(rate_hz, U, tau_rec))
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = None
    if v is not None:
        period = 1000.0 / rate_hz
        r_only = (1 - np.exp(-period / tau_rec)) / (1 - (1 - U) * np.exp(-period / tau_rec))
        if abs(v - r_only) < 1e-3 * r_only:
            fail(f"{v:.4g} is R*, the resources left at each spike; the response is the part used, U R*.")
        er_s = np.exp(-(1.0 / rate_hz) / tau_rec)
        sec = U * (1 - er_s) / (1 - (1 - U) * er_s)
        if abs(v - sec) < 1e-3 * sec:
            fail(f"{v:.4g}: your period is in seconds while tau_rec is in ms: use T = {period:g} ms.")
    close(value, want, rtol=0.01, what="your steady-state response", unit="x w")
    return passed(f"U R* = {want:.4f}: at {rate_hz:g} Hz each spike delivers {100 * want / U:.1f}% of the first "
                  "spike's response.")
