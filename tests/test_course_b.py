"""The course (notebooks/course/), lessons 5-8: their checks and their numerics.

Every check accepts the answer its lesson's solution cell computes (the cell's code is
run here, from the notebook) and rejects typical wrong answers with specific feedback.
The numbers a lesson states are tested against independent references: the STDP
window against the rule's analytic window, Oja's weight against numpy's principal
eigenvector, short-term depression against the Tsodyks-Markram steady state,
decoding against the exact Poisson ideal observer and the Cramer-Rao bound, the
decision circuit against Wong & Wang's (2006) reduced model as published (winner-take-all,
reaction time falling and accuracy rising with coherence), the three-factor rule against
its analytic eligibility, and CartPole learning in a short seeded run.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from spark_lab.course import acting as ac
from spark_lab.course import coding as cd
from spark_lab.course import decisions as de
from spark_lab.course import plasticity as pl

sys.path.insert(0, os.path.dirname(__file__))
from _course_helpers import fails, solution_runner  # noqa: E402

_run_solution = solution_runner({"np": np, "plasticity": pl, "coding": cd, "decisions": de, "acting": ac})


L5 = "05_plasticity.ipynb"


def test_lesson5_checks_accept_the_solutions(capsys):
    assert pl.check_stdp_window(_run_solution(L5, 0)["stdp_dw"])
    assert pl.check_oja_step(_run_solution(L5, 1)["oja_step"])
    assert pl.check_stp_steady_state(_run_solution(L5, 2)["steady_20hz"])
    assert capsys.readouterr().out.count("\u2713") == 3


def test_lesson5_checks_reject_typical_mistakes():
    mirrored = lambda lag: float(pl.stdp_formula(-lag))  # noqa: E731
    fails(pl.check_stdp_window, mirrored, match="mirrored")
    swapped = lambda lag: float(pl.stdp_formula(lag, tau_plus=pl.TAU_MINUS, tau_minus=pl.TAU_PLUS))  # noqa: E731
    fails(pl.check_stdp_window, swapped, match="swapped the time constants")
    fails(pl.check_stdp_window, lambda lag: abs(float(pl.stdp_formula(lag))), match="depresses")
    fails(pl.check_oja_step, lambda w, x, eta: w + eta * (w @ x) * x, match="plain Hebbian")
    fails(pl.check_oja_step, lambda w, x, eta: eta * (w @ x) * (x - (w @ x) * w), match="not the new weight")
    E = np.exp(-50.0 / 800.0)
    fails(pl.check_stp_steady_state, (1 - E) / (1 - 0.5 * E), match="R\\*")
    Es = np.exp(-0.05 / 800.0)
    fails(pl.check_stp_steady_state, 0.5 * (1 - Es) / (1 - 0.5 * Es), match="seconds")
    fails(pl.check_stp_steady_state, 0.5, match="too high")


def test_lesson5_stdp_pairings_match_the_analytic_window():
    lags = np.array([-60.0, -20.0, -4.0, 4.0, 20.0, 60.0])
    dw = pl.stdp_pairs(lags)
    expected = np.where(lags > 0, 0.010 * np.exp(-lags / 16.8), -0.012 * np.exp(lags / 33.7))
    np.testing.assert_allclose(dw, expected, rtol=1e-3, atol=1e-6)


def test_lesson5_oja_finds_numpys_principal_eigenvector():
    X = pl.oja_inputs()
    vals, vecs = np.linalg.eigh(np.cov(X.T))
    pc = vecs[:, np.argmax(vals)]
    w = pl.train_oja(lambda w, x, eta: w + eta * (w @ x) * (x - (w @ x) * w), X)[-1]
    assert abs(np.linalg.norm(w) - 1.0) < 0.02
    assert abs(w @ pc) / np.linalg.norm(w) > np.cos(np.deg2rad(3.0))
    # the stretched axis is at 30 degrees
    assert abs(np.degrees(np.arctan2(abs(pc[1]), abs(pc[0]))) - 30.0) < 3.0


@pytest.mark.parametrize("rate", [5.0, 50.0], ids=["5Hz", "50Hz"])
def test_lesson5_depression_reaches_the_tsodyks_markram_steady_state(rate):
    amps = pl.stp_responses(rate, U=0.5, tau_rec=800.0, n_spikes=20)
    T = 1000.0 / rate
    E = np.exp(-T / 800.0)
    assert amps[0] == pytest.approx(0.5, rel=1e-4)
    assert amps[-1] == pytest.approx(0.5 * (1 - E) / (1 - 0.5 * E), rel=2e-3)


def test_lesson5_facilitation_recursion_against_the_simulator():
    amps = pl.stp_responses(20.0, U=0.1, tau_rec=100.0, tau_facil=1000.0, n_spikes=8)
    assert amps[1] > amps[0]
    np.testing.assert_allclose(amps, pl.stp_recursion(20.0, 0.1, 100.0, 1000.0, 8),
                               rtol=2e-3)


L6 = "06_coding.ipynb"


def test_lesson6_checks_accept_the_solutions(capsys):
    assert cd.check_mean_count(_run_solution(L6, 0)["mean_count"])
    assert cd.check_classifier(_run_solution(L6, 1)["classify"])
    assert cd.check_latency_decoder(_run_solution(L6, 2)["value_from_latency"])
    assert capsys.readouterr().out.count("\u2713") == 3


def test_lesson6_checks_reject_typical_mistakes():
    fails(cd.check_mean_count, 40.0 * 250.0, match="1000x too high")
    fails(cd.check_mean_count, 40.0 * 0.25 / 1000, match="1000x too low")
    seconds = lambda counts, T: (counts > 50.0 * T).astype(int)  # noqa: E731 - window taken as seconds
    fails(cd.check_classifier, seconds, match="for every trial")
    fails(cd.check_classifier, lambda counts, T: (counts < 50.0 * T / 1000).astype(int), match="swapped the labels")
    fails(cd.check_latency_decoder, lambda t: t / 9.9, match="reversed")
    fails(cd.check_latency_decoder, lambda t: 1.0 - t / 5.0, match="comes from the value")


def test_lesson6_ideal_observer_against_a_direct_poisson_sum():
    from scipy.stats import poisson

    for window in (50.0, 200.0):
        mu_a, mu_b = 40.0 * window / 1000, 60.0 * window / 1000
        k = np.arange(0, 200)
        says_b = poisson.pmf(k, mu_b) > poisson.pmf(k, mu_a)        # likelihood ratio, term by term
        direct = 0.5 * (poisson.pmf(k, mu_a)[~says_b].sum() + poisson.pmf(k, mu_b)[says_b].sum())
        assert cd.ideal_accuracy(window) == pytest.approx(direct, rel=1e-9)


def test_lesson6_simulated_discrimination_follows_the_ideal_observer():
    spikes, labels = cd.rate_trials(trials=2000, duration_ms=300.0, seed=3)
    for window in (50.0, 300.0):
        mu_a, mu_b = 40.0 * window / 1000, 60.0 * window / 1000
        k = np.floor((mu_b - mu_a) / np.log(mu_b / mu_a))
        rule = lambda c, T, k=k: (c > k).astype(int)  # noqa: E731
        assert cd.accuracy(rule, spikes, labels, window) == pytest.approx(cd.ideal_accuracy(window), abs=0.03)


def test_lesson6_population_error_falls_towards_the_cramer_rao_bound():
    sizes = (8, 32)
    errors = cd.population_errors(sizes, trials=200)
    bounds = np.array([cd.cramer_rao(n) for n in sizes])
    assert errors[1] < errors[0] * 0.65                             # 1/sqrt(4) = 0.5, with sampling error
    assert np.all(errors > 0.9 * bounds) and np.all(errors < 1.4 * bounds)


L7 = "07_decisions.ipynb"


def test_lesson7_checks_accept_the_solutions(capsys):
    ns = _run_solution(L7, 0)
    assert de.check_stimulus(ns["I1"], ns["I2"])
    assert de.check_reaction_time(_run_solution(L7, 1)["first_crossing"])
    assert de.check_no_decision(_run_solution(L7, 2)["weak_j11"])
    assert capsys.readouterr().out.count("\u2713") == 3


def test_lesson7_checks_reject_typical_mistakes():
    fails(de.check_stimulus, *de.stimulus(2560.0), match="100x too much")
    fails(de.check_stimulus, *de.stimulus(-25.6), match="favours population 1")
    index = lambda t, r1, r2, th: (int(np.argmax((r1 >= th) | (r2 >= th))), 1)  # noqa: E731
    fails(de.check_reaction_time, index, match="step index")
    last_high = lambda t, r1, r2, th: (t[np.argmax(r2 >= th)], 2)  # noqa: E731
    fails(de.check_reaction_time, last_high, match="reaches 15 Hz first")
    fails(de.check_no_decision, 0.2609, match="still decides")
    fails(de.check_no_decision, 200.0, match="pA")


def test_lesson7_rate_function_is_wong_wang_h():
    # H(x) = (a x - b) / (1 - exp(-d (a x - b))), Wong & Wang 2006 eq. 6, by hand at two points
    for x in (0.3, 0.45):
        y = 270.0 * x - 108.0
        assert float(de.rate(x)) == pytest.approx(y / (1 - np.exp(-0.154 * y)), rel=1e-12)
    assert float(de.rate(108.0 / 270.0)) == pytest.approx(1 / 0.154, rel=1e-6)   # the limit at a x = b


def test_lesson7_winner_take_all_and_reaction_time_fall_with_coherence():
    t, r1, r2 = de.simulate(12.8, trials=100, seed=5)
    winner, loser = np.maximum(r1[-1], r2[-1]), np.minimum(r1[-1], r2[-1])
    assert np.all(winner > 20.0) and np.all(loser < 5.0)
    coherences, correct, rt = de.psychometric(coherences=(0.0, 12.8, 51.2), trials=100, seed=11)
    assert abs(correct[0] - 0.5) < 0.15 and correct[2] == 1.0
    assert rt[0] > rt[1] > rt[2]


def test_lesson7_no_noise_zero_coherence_stays_symmetric():
    t, r1, r2 = de.simulate(0.0, trials=1, sigma=0.0)
    assert r1[-1, 0] == pytest.approx(r2[-1, 0], rel=1e-12)
    assert np.isnan(de.reaction_times(t, r1, r2)[0][0])


L8 = "08_learning_to_act.ipynb"


def test_lesson8_checks_accept_the_solutions(capsys):
    assert ac.check_eligibility_left(_run_solution(L8, 0)["left_after_300ms"])
    assert ac.check_weight_change(_run_solution(L8, 1)["dw_punished"])
    assert ac.check_pole_only(_run_solution(L8, 2)["pole_only"])
    assert capsys.readouterr().out.count("\u2713") == 3


def test_lesson8_checks_reject_typical_mistakes():
    fails(ac.check_eligibility_left, np.exp(-500.0 / 300.0), match="time over time constant")
    fails(ac.check_eligibility_left, 1 - 300.0 / 500.0, match="linear")
    fails(ac.check_eligibility_left, 1 - np.exp(-300.0 / 500.0), match="decayed")
    fails(ac.check_weight_change, 10.0 * 0.5 * 1.0 / 1000.0, match="sign is wrong")
    fails(ac.check_weight_change, -10.0 * 0.5 * 1.0, match="1000x too")
    fails(ac.check_pole_only, lambda o: -np.where(np.abs(o[:, 2]) > 0.2095, np.sign(o[:, 2]), 0.0),
           match="same way it falls")
    fails(ac.check_pole_only, ac.library_direction, match="no feedback there")
    assert ac.check_pole_only(ac.pole_only_direction)


def test_lesson8_eligibility_decay_against_the_formula():
    delays = np.array([0.0, 250.0, 1000.0])
    dw = ac.eligibility_run(delays)
    expected = 10.0 * 1.0 * np.exp(-10.0 / 20.0) * np.exp(-delays / 500.0) * 1.0 / 1000.0
    np.testing.assert_allclose(dw, expected, rtol=1e-3)
    assert ac.eligibility_run([100.0], modulator=0.0)[0] == 0.0
    assert ac.eligibility_run([100.0], modulator=-1.0)[0] == pytest.approx(-expected[0] * np.exp(-100 / 500), rel=1e-3)


def test_lesson8_direction_feedback_reproduces_the_library_feedback():
    from spark_lab.closed_loop import CartPoleConfig, FailureFeedback
    from spark_lab.closed_loop.bridge import StepEvents

    cfg = CartPoleConfig()
    ours, theirs = ac.DirectionFeedback(cfg, 3, ac.library_direction), FailureFeedback(cfg, 3)
    final = np.array([[0.0, 0.0, 0.3, 0.0], [2.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    for k in range(12):
        end = k == 11
        ev = StepEvents(obs=final, actions=np.zeros(3, int), rewards=np.ones(3),
                        terminated=np.array([end, end, False]), truncated=np.zeros(3, bool), final_obs=final)
        a, b = ours(ev), theirs(ev)
        for ch in ("m_left", "m_right"):
            np.testing.assert_allclose(a[ch], b[ch])


def test_lesson8_cartpole_learns_in_a_short_seeded_run_and_flipped_feedback_does_not():
    learned = ac.train(seeds=(0, 1), episodes=10)
    flipped = ac.train(seeds=(0, 1), episodes=10, direction=ac.flipped_direction)
    assert learned[:, -4:].mean() > 3 * learned[:, :2].mean()
    assert flipped[:, -4:].mean() < 20
