"""Synapse models against analytic responses.

Presynaptic spikes at known steps come from a PoissonSource with rate 0 whose
per-step input rate is 2 * 1000/dt Hz in the chosen step (spike probability
min(1, rate dt) = 1) and 0 otherwise.

Timing convention (Brian2 schedule, documented in exponential.py): a spike in step
s is delivered at the end of step s; the postsynaptic neuron integrates the new
input during step s+1, so the recorded v of step s+1 (the state at the end of that
step) is the response at t = dt after the onset of the PSC.

Two measuring methods, both exact for the LIF integrator (no fitting):
* PSP method: LIF with tau_m = 20 ms; v - v_rest must equal the closed-form
  solution of tau_m dv/dt = -v + I(t) for the analytic PSC I(t).
* current read-out: LIF with tau_m = 1e-3 ms << dt; the exact step then gives
  v - v_rest = I(t_end) * tau_s / (tau_s - tau_m) per exponential term, i.e. the
  synaptic current sampled at the end of each step with relative error ~tau_m/tau_s
  (~1e-4). This measures the PSC itself, sample by sample.
"""
from __future__ import annotations

import numpy as np
import pytest

from spark_lab import LIF, Network, OneToOne, PoissonSource
from spark_lab.synapses.biexponential import BiExponential, peak_time
from spark_lab.synapses.conductance import Conductance
from spark_lab.synapses.delta import Delta
from spark_lab.synapses.exponential import Exponential

V_REST = -65.0
# v_rest = 0 for the quantitative PSP checks: float32 then resolves the (sub-mV) response
# to ~1e-7 relative instead of 7.6e-6 mV absolute (one ulp at -65 mV) per step
ZERO = dict(v_rest=0.0, v_reset=0.0, v_init_low=0.0, v_init_high=0.0)


def respond(synapse, w, *, dt=0.1, steps=400, spike_steps=(10,), delay=0.0, lif=None):
    """Run src (1 Poisson) -> post (1 LIF, no threshold) and return post's recorded v, shape (steps, 1)."""
    net = Network(dt=dt, seed=0)
    net.add_pool("src", PoissonSource(rate=0.0), 1)
    lif = lif or dict(tau_m=20.0)
    net.add_pool("post", LIF(**{"v_th": 1e6, **lif}), 1)
    net.connect("src", "post", synapse=synapse, connectivity=OneToOne(), weight=w, delay=delay)
    sim = net.build()
    drive = np.zeros((steps, 1))
    drive[list(spike_steps), 0] = 2 * 1000.0 / dt
    res = sim.run(steps, inputs={"src": drive}, record=["src.spikes", "post.v"])
    assert np.flatnonzero(res.records["src.spikes"][:, 0]).tolist() == list(spike_steps)
    assert res.times["post.v"].tolist() == list(range(steps))
    return res.records["post.v"].astype(np.float64)


def psp_exp(t, w, tau_s, tau_m):
    """Analytic PSP of tau_m dv/dt = -v + w exp(-t/tau_s)."""
    return w * tau_s / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))


# ---------------------------------------------------------------- exponential
def test_exponential_psp_matches_analytic_lif_solution():
    dt, w, tau_s, tau_m, s = 0.1, 2.0, 5.0, 20.0, 10
    v = respond(Exponential(tau=tau_s), w, dt=dt, spike_steps=(s,), lif=dict(tau_m=tau_m, **ZERO))[:, 0]
    assert np.all(v[: s + 1] == 0)                        # nothing before delivery
    k = np.arange(s + 1, len(v))
    t = (k - s) * dt                                      # recorded step s+1 is t = dt after onset
    expected = psp_exp(t, w, tau_s, tau_m)
    np.testing.assert_allclose(v[s + 1:], expected, rtol=2e-5, atol=1e-7)
    # sanity: the PSP peak of 2 mV * ... at t* = ln(tau_m/tau_s) tau_m tau_s/(tau_m - tau_s)
    t_pk = np.log(tau_m / tau_s) * tau_m * tau_s / (tau_m - tau_s)
    assert abs(t[np.argmax(v[s + 1:])] - t_pk) <= dt


def test_exponential_psc_samples_are_w_exp_minus_t_over_tau():
    dt, w, tau_s, tau_m, s = 0.1, 1.5, 5.0, 1e-3, 10
    v = respond(Exponential(tau=tau_s), w, dt=dt, spike_steps=(s,), lif=dict(tau_m=tau_m, **ZERO))[:, 0]
    k = np.arange(s + 1, len(v))
    I = w * np.exp(-(k - s) * dt / tau_s)                 # current at the end of step k
    np.testing.assert_allclose(v[s + 1:], I * tau_s / (tau_s - tau_m), rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------- bi-exponential
def test_biexponential_peak_is_w_at_analytic_time_to_peak():
    dt, w, tr, td, s = 0.01, 3.0, 1.0, 5.0, 10
    v = respond(BiExponential(tau_rise=tr, tau_decay=td), w, dt=dt, steps=1500, spike_steps=(s,),
                lif=dict(tau_m=1e-3, **ZERO))[:, 0]
    t = (np.arange(len(v)) - s) * dt                      # end of step k is t=(k-s) dt after onset
    i = int(np.argmax(v))
    t_peak = tr * td / (td - tr) * np.log(td / tr)        # 2.0118 ms
    assert abs(peak_time(tr, td) - t_peak) < 1e-12
    assert abs(t[i] - t_peak) <= dt
    assert v[i] == pytest.approx(w, rel=1e-3)             # peak current = w
    # whole kernel: f w (e^{-t/td} - e^{-t/tr}) sampled per step
    f = 1 / (np.exp(-t_peak / td) - np.exp(-t_peak / tr))
    tt = t[s + 1:]
    I_d, I_r = f * w * np.exp(-tt / td), f * w * np.exp(-tt / tr)
    # read-out gain of each exponential term through the fast LIF
    np.testing.assert_allclose(v[s + 1:], I_d * td / (td - 1e-3) - I_r * tr / (tr - 1e-3), atol=2e-5 * w)


def test_biexponential_psp_integrated_exactly_by_lif():
    dt, w, tr, td, tm, s = 0.1, 2.0, 0.5, 5.0, 20.0, 5
    v = respond(BiExponential(tau_rise=tr, tau_decay=td), w, dt=dt, steps=600, spike_steps=(s,),
                lif=dict(tau_m=tm, **ZERO))[:, 0]
    tp = peak_time(tr, td)
    f = 1 / (np.exp(-tp / td) - np.exp(-tp / tr))
    t = (np.arange(s + 1, len(v)) - s) * dt
    expected = f * (psp_exp(t, w, td, tm) - psp_exp(t, w, tr, tm))
    np.testing.assert_allclose(v[s + 1:], expected, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("tr,td", [(5.0, 5.0), (6.0, 5.0)])
def test_biexponential_rejects_rise_not_below_decay(tr, td):
    from spark_lab.errors import ParameterError
    with pytest.raises(ParameterError) as e:
        BiExponential(tau_rise=tr, tau_decay=td)
    assert "tau_rise" in str(e.value) and "tau_decay" in str(e.value)
    assert e.value.field == "tau_rise"


# ---------------------------------------------------------------- delta
def test_delta_jumps_v_by_exactly_w_one_step_after_spike():
    dt, w, s, tm = 0.1, 2.0, 10, 20.0
    v = respond(Delta(), w, dt=dt, spike_steps=(s,), lif=dict(tau_m=tm))[:, 0]
    assert np.all(v[: s + 1] == V_REST)
    assert v[s + 1] == V_REST + w                         # exact: -63.0 is representable
    a = np.exp(-dt / tm)
    np.testing.assert_allclose(v[s + 2: s + 50] - V_REST, w * a ** np.arange(1, 49), rtol=2e-5)


# ---------------------------------------------------------------- conductance
def test_conductance_no_current_at_reversal_potential():
    e_rev = -70.0
    lif = dict(tau_m=20.0, v_rest=e_rev, v_reset=e_rev, v_init_low=e_rev, v_init_high=e_rev)
    v = respond(Conductance(tau=5.0, E_rev=e_rev), 0.5, spike_steps=(10, 20, 30, 31, 32), lif=lif)
    assert np.all(v == e_rev)


@pytest.mark.parametrize("e_rev,sign", [(0.0, +1), (-80.0, -1)])
def test_conductance_current_sign_and_size(e_rev, sign):
    dt, g, tau, tm, s = 0.1, 0.01, 5.0, 20.0, 10
    v = respond(Conductance(tau=tau, E_rev=e_rev), g, dt=dt, spike_steps=(s,), lif=dict(tau_m=tm))[:, 0]
    dv = v - V_REST
    assert np.all(dv[: s + 1] == 0)
    assert np.all(np.sign(dv[s + 1:]) == sign)
    # small g: driving force ~ constant (E_rev - v_rest), so the PSP is the current-based one with
    # w = g (E_rev - v_rest); the current is held per step (first order), so allow 5 %
    t = (np.arange(s + 1, len(v)) - s) * dt
    approx = psp_exp(t, g * (e_rev - V_REST), tau, tm)
    assert np.max(np.abs(dv[s + 1:])) == pytest.approx(np.max(np.abs(approx)), rel=0.05)


def test_conductance_is_shunting_between_two_sides():
    """Above E_rev the same conductance pulls v down, below it pulls v up (towards E_rev)."""
    e_rev = -65.0
    for v_rest, sign in ((-55.0, -1), (-75.0, +1)):
        lif = dict(tau_m=20.0, v_rest=v_rest, v_reset=v_rest, v_init_low=v_rest, v_init_high=v_rest)
        v = respond(Conductance(tau=5.0, E_rev=e_rev), 0.2, spike_steps=(10,), lif=lif)[:, 0]
        assert np.all(np.sign(v[11:] - v_rest) == sign)


# ---------------------------------------------------------------- delays
@pytest.mark.parametrize("synapse", [Exponential(tau=5.0), Delta(), BiExponential(tau_rise=1.0, tau_decay=5.0)],
                         ids=["exponential", "delta", "biexponential"])
@pytest.mark.parametrize("d", [1, 7])
def test_delay_shifts_response_by_exactly_d_steps(synapse, d):
    dt, s = 0.1, 10
    v0 = respond(synapse, 1.0, dt=dt, steps=120, spike_steps=(s,), delay=0.0)[:, 0]
    vd = respond(synapse, 1.0, dt=dt, steps=120, spike_steps=(s,), delay=d * dt)[:, 0]
    first0 = int(np.flatnonzero(v0 != V_REST)[0])
    firstd = int(np.flatnonzero(vd != V_REST)[0])
    assert first0 == s + 1
    assert firstd - first0 == d
    np.testing.assert_array_equal(vd[d:], v0[:-d])          # identical response, shifted


def test_set_param_rejects_rise_not_below_decay():
    from spark_lab.errors import ParameterError
    net = Network(dt=0.1)
    net.add_pool("src", PoissonSource(rate=0.0), 1)
    net.add_pool("post", LIF(), 1)
    net.connect("src", "post", synapse=BiExponential(tau_rise=1.0, tau_decay=5.0), connectivity=OneToOne(), name="x")
    sim = net.build()
    with pytest.raises(ParameterError):
        sim.set_param("x", "tau_rise", 6.0)


def test_conductance_onto_pool_without_voltage_rejected_at_connect():
    from spark_lab.errors import NetworkError
    net = Network(dt=0.1)
    net.add_pool("src", PoissonSource(rate=10.0), 2)
    net.add_pool("dst", PoissonSource(rate=10.0), 2)
    with pytest.raises(NetworkError, match="voltage|membrane"):
        net.connect("src", "dst", synapse=Conductance(), connectivity=OneToOne())
