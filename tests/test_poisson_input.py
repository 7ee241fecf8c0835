"""The per-neuron Poisson input (spark_lab/neurons/lif_poisson.py) against independent
references: the Poisson distribution function in float64 (the sampler), and for a LIF neuron
under the input the mean and variance of its membrane potential from Campbell's theorem
(continuous time) and from the impulse response of the exact step written out in numpy."""
from __future__ import annotations

import math

import numpy as np
import pytest

import spark_lab as sl
from spark_lab.errors import ParameterError
from spark_lab.neurons import LIFPoissonInput
from spark_lab.neurons.lif_poisson import LAMBDA_MAX, poisson_count


def _cdf(lam, kmax):
    """Poisson(lam) distribution function F(0..kmax) in float64, from the pmf."""
    pmf = [math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1)) for k in range(kmax + 1)]
    return np.cumsum(pmf)


@pytest.mark.parametrize("lam", [0.05, 0.8, 2.32, 25.0])
def test_counts_are_the_inverse_of_the_poisson_distribution(lam):
    """Each count is the smallest k with u < F(k) (F in float64), except within float32's
    rounding of a boundary; the sample's mean and variance are lam's."""
    rng = np.random.default_rng(7)
    u = rng.random(200_000).astype(np.float32)
    k = np.asarray(poisson_count(u, np.float32(lam)))
    F = _cdf(lam, int(lam + 12 * math.sqrt(lam) + 20))
    ref = np.searchsorted(F, u.astype(np.float64), side="right")
    near = np.min(np.abs(u[:, None].astype(np.float64) - F[None, :]), axis=1) < 1e-6
    assert np.array_equal(k[~near], ref[~near])
    assert np.abs(k[near] - ref[near]).max(initial=0) <= 1
    se = math.sqrt(lam / u.size)
    assert abs(k.mean() - lam) < 5 * se
    assert k.var() == pytest.approx(lam, rel=6 * math.sqrt(2 / u.size) + 5 * se / lam)


def test_u_near_one_gives_a_tail_count_not_a_runaway():
    """u above every float32 F(k) stops where F's terms fall below float32's resolution."""
    u = np.full(4, np.nextafter(np.float32(1), np.float32(0)), np.float32)
    k = np.asarray(poisson_count(u, np.float32([0.0, 0.8, 2.32, 25.0])))
    assert k[0] == 0
    for lam, kk in zip((0.8, 2.32, 25.0), k[1:]):
        assert lam + 3 * math.sqrt(lam) < kk < lam + 12 * math.sqrt(lam) + 12


def _net(n=1000, dt=0.1, tau_s=0.5, tau_m=10.0, w=0.5, n_in=100.0, rate=80.0, seed=1):
    net = sl.Network(dt=dt, seed=seed)
    net.add_pool("n", LIFPoissonInput(tau_m=tau_m, v_rest=-65.0, v_th=1e6, v_reset=-65.0, t_ref=2.0,
                                         v_init_low=-65.0, v_init_high=-65.0, input_n=n_in, input_rate=rate,
                                         input_weight=w, input_tau=tau_s), n)
    return net


def test_event_counts_per_step_are_poisson():
    """The counts recovered from I_in (I[s+1] = a I[s] + w k[s]) are whole numbers with the
    Poisson pmf of lambda = n rate dt, and independent across neurons and steps."""
    w, lam, tau_s = 0.5, 100 * 80.0 * 1e-4, 0.5
    net = _net(n=400, w=w)
    net.record("n", "I_in")
    I = np.asarray(net.build().run(2000).records["n.I_in"], np.float64)
    a = math.exp(-0.1 / tau_s)
    k = (I[1:] - a * I[:-1]) / w
    assert np.abs(k - np.rint(k)).max() < 1e-3
    k = np.rint(k).astype(int).ravel()
    assert k.mean() == pytest.approx(lam, rel=0.01)
    assert k.var() == pytest.approx(lam, rel=0.02)
    pmf = np.diff(np.concatenate([[0.0], _cdf(lam, 5)]))
    seen = np.bincount(k, minlength=6)[:6] / k.size
    assert np.allclose(seen, pmf, atol=4 * np.sqrt(pmf / k.size) + 1e-4)
    kk = np.rint((I[1:] - a * I[:-1]) / w)                      # (steps, neurons); 800k counts: sd of r ~ 0.001
    assert abs(np.corrcoef(kk[:, :-1].ravel(), kk[:, 1:].ravel())[0, 1]) < 0.01    # neighbouring neurons
    assert abs(np.corrcoef(kk[:-1].ravel(), kk[1:].ravel())[0, 1]) < 0.01          # consecutive steps


def _impulse_response(dt, tau_s, tau_m, steps):
    """v - v_rest after one event of unit weight at step 0, by the exact LIF step in numpy
    (v[s+1] = a_m v[s] + c I[s], I[s+1] = a_s I[s] + event)."""
    a_m, a_s = math.exp(-dt / tau_m), math.exp(-dt / tau_s)
    c = tau_s / (tau_s - tau_m) * (a_s - a_m)
    v, i_syn, out = 0.0, 1.0, []
    for _ in range(steps):
        v = a_m * v + c * i_syn
        i_syn *= a_s
        out.append(v)
    return np.array(out)


def test_membrane_mean_and_variance_match_campbell():
    """Shot noise through the PSP kernel: mean nu w tau_s and variance nu int h^2 (Campbell,
    continuous time), and the sums of the exact step's impulse response, to sampling precision
    (1,000 neurons x 500 ms: the variance to ~1 %)."""
    dt, tau_s, tau_m, w, nu = 0.1, 0.5, 10.0, 0.5, 100 * 80.0 * 1e-3      # nu in events per ms
    net = _net(n=1000, w=w)
    net.record("n", "v")
    v = np.asarray(net.build().run(6000).records["n.v"], np.float64)[1000:] + 65.0
    mean, var = v.mean(), v.var(axis=1, ddof=1).mean()     # across neurons (a time average is biased low)
    h = _impulse_response(dt, tau_s, tau_m, 3000)
    lam = nu * dt
    assert mean == pytest.approx(lam * w * h.sum(), rel=0.005)
    assert var == pytest.approx(lam * w ** 2 * (h ** 2).sum(), rel=0.03)
    # Campbell: h(t) = w tau_s / (tau_s - tau_m) (e^-t/tau_s - e^-t/tau_m)
    g = tau_s / (tau_s - tau_m)
    int_h2 = w ** 2 * g ** 2 * (tau_s / 2 + tau_m / 2 - 2 * tau_s * tau_m / (tau_s + tau_m))
    assert mean == pytest.approx(nu * w * tau_s, rel=0.005)       # the discrete sums are within 0.02 % of these
    assert var == pytest.approx(nu * int_h2, rel=0.03)


def test_chunks_do_not_change_the_draws_and_set_param_changes_the_rate():
    a = _net(n=50).build()
    b = _net(n=50).build()
    ra = a.run(300, record=["n.I_in"])
    rb1 = b.run(100, record=["n.I_in"])
    rb2 = b.run(200, record=["n.I_in"])
    both = np.concatenate([np.asarray(rb1.records["n.I_in"]), np.asarray(rb2.records["n.I_in"])])
    np.testing.assert_array_equal(np.asarray(ra.records["n.I_in"]), both)
    a.set_param("n", "input_rate", 0.0)
    I = np.asarray(a.run(50, record=["n.I_in"]).records["n.I_in"])
    assert np.all(np.diff(I, axis=0) <= 0)                     # only decay: no events at rate 0


def test_bad_input_is_refused_with_the_field_named():
    with pytest.raises(ParameterError, match="input_rate"):
        LIFPoissonInput(input_rate=-1.0)
    with pytest.raises(ParameterError, match="input_tau"):
        LIFPoissonInput(input_tau=0.0)
    too_many = LAMBDA_MAX / 0.1 * 1e3 * 1.5                     # Hz in total
    net = _net(n=3, n_in=1.0, rate=too_many)
    with pytest.raises(ParameterError, match="input_rate") as e:
        net.build()
    assert "smaller dt" in str(e.value)
    sim = _net(n=3).build()
    with pytest.raises(ParameterError, match="input_rate"):
        sim.set_param("n", "input_rate", too_many / 100)
