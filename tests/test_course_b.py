"""The course (notebooks/course/), lessons 5-8: their checks and their numerics.

Every check accepts the answer its lesson's solution cell computes (the cell's code is
run here, from the notebook) and rejects typical wrong answers with specific feedback.
The numbers a lesson states are tested against independent references: the STDP
window against the rule's analytic window, Oja's weight against numpy's principal
eigenvector, short-term depression against the Tsodyks-Markram steady state.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from spark_lab.course import CheckFailed
from spark_lab.course import plasticity as pl

COURSE = Path(__file__).resolve().parents[1] / "notebooks" / "course"


def _solutions(name):
    nb = json.loads((COURSE / name).read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if "solution" in c.get("metadata", {}).get("tags", [])]


def _run_solution(name, k, **given):
    """The namespace after running solution cell ``k`` of notebook ``name`` (with ``given`` defined)."""
    ns = {"np": np, "plasticity": pl, **given}
    exec(compile(_solutions(name)[k], f"{name}:solution{k}", "exec"), ns)  # noqa: S102 - the lesson's own cell
    return ns


def _fails(check, *args, match):
    with pytest.raises(CheckFailed, match=match):
        check(*args)


L5 = "05_plasticity.ipynb"


def test_lesson5_checks_accept_the_solutions(capsys):
    assert pl.check_stdp_window(_run_solution(L5, 0)["stdp_dw"])
    assert pl.check_oja_step(_run_solution(L5, 1)["oja_step"])
    assert pl.check_stp_steady_state(_run_solution(L5, 2)["steady_20hz"])
    assert capsys.readouterr().out.count("\u2713") == 3


def test_lesson5_checks_reject_typical_mistakes():
    mirrored = lambda lag: float(pl.stdp_formula(-lag))  # noqa: E731
    _fails(pl.check_stdp_window, mirrored, match="mirrored")
    swapped = lambda lag: float(pl.stdp_formula(lag, tau_plus=pl.TAU_MINUS, tau_minus=pl.TAU_PLUS))  # noqa: E731
    _fails(pl.check_stdp_window, swapped, match="swapped the time constants")
    _fails(pl.check_stdp_window, lambda lag: abs(float(pl.stdp_formula(lag))), match="depresses")
    _fails(pl.check_oja_step, lambda w, x, eta: w + eta * (w @ x) * x, match="plain Hebbian")
    _fails(pl.check_oja_step, lambda w, x, eta: eta * (w @ x) * (x - (w @ x) * w), match="not the new weight")
    E = np.exp(-50.0 / 800.0)
    _fails(pl.check_stp_steady_state, (1 - E) / (1 - 0.5 * E), match="R\\*")
    Es = np.exp(-0.05 / 800.0)
    _fails(pl.check_stp_steady_state, 0.5 * (1 - Es) / (1 - 0.5 * Es), match="seconds")
    _fails(pl.check_stp_steady_state, 0.5, match="too high")


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
