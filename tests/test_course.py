"""The course (notebooks/course/): the student-edition builder, and the checks of lessons 1-4.

Every check accepts the answer its lesson's solution cell computes (the cell's code is
run here, from the notebook) and rejects typical wrong answers with specific feedback.
The student edition, built from every instructor notebook, contains no solution code.
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spark_lab.course import balanced as bal
from spark_lab.course import close, fail, lif, passed
from spark_lab.course import neuron_models as nm
from spark_lab.course import synapses as sy

sys.path.insert(0, os.path.dirname(__file__))
from _course_helpers import COURSE, fails, notebook, solution_runner, source, tags  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _load_make_course():
    spec = importlib.util.spec_from_file_location("make_course", ROOT / "tools" / "make_course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_course = _load_make_course()


_run_solution = solution_runner({"np": np, "lif": lif, "nm": nm, "sy": sy, "bal": bal})


# ---------------------------------------------------------------- the feedback API

def test_close_names_direction_and_unit_slips(capsys):
    assert close(15.2, 15.0, rtol=0.05) == pytest.approx(15.2)
    fails(close, 0.015, 15.0, 0.01, "your rheobase", "mV", match=r"1000x too low.*mV and V")
    fails(close, 150.0, 15.0, 0.01, "your rheobase", "mV", match=r"10x too high")
    fails(close, 18.0, 15.0, 0.05, "x", "mV", match=r"20% too high")
    fails(close, -15.0, 15.0, 0.05, "x", "mV", match=r"sign is wrong")
    fails(close, float("nan"), 15.0, 0.05, "x", "mV", match=r"nan")
    fails(close, "fifteen", 15.0, 0.05, "x", "mV", match=r"should be a number")
    assert passed("fine") is True
    assert capsys.readouterr().out == "\u2713 fine\n"
    with pytest.raises(AssertionError, match="plain"):
        fail("plain")


# ---------------------------------------------------------------- the student edition

def test_stub_keeps_task_text_and_raises():
    src = "# Exercise 1.1: set x to the answer\n# in mV\nx = 1 + 1\n"
    stub = make_course.stub_source(src)
    assert stub == ("# Exercise 1.1: set x to the answer\n# in mV\n"
                    "raise NotImplementedError('Exercise 1.1: set x to the answer')")
    with pytest.raises(NotImplementedError, match="Exercise 1.1"):
        exec(stub, {})  # noqa: S102
    with pytest.raises(make_course.CourseError, match="comment line"):
        make_course.stub_source("x = 1\n")


def test_student_notebook_tags_and_clears():
    nb = {"metadata": {"widgets": {"state": {}}}, "nbformat": 4, "nbformat_minor": 5, "cells": [
        {"cell_type": "code", "metadata": {}, "source": "a = 1", "outputs": [{"output_type": "stream"}],
         "execution_count": 3},
        {"cell_type": "code", "metadata": {"tags": ["solution"]}, "source": "# Ex 1: b\nb = 2", "outputs": [],
         "execution_count": 4},
        {"cell_type": "code", "metadata": {"tags": ["check"]}, "source": "check(b)", "outputs": [],
         "execution_count": 5},
        {"cell_type": "markdown", "metadata": {}, "source": "text"}]}
    out = make_course.student_notebook(nb)
    assert "widgets" not in out["metadata"] and "widgets" in nb["metadata"]       # the input is not changed
    code = [c for c in out["cells"] if c["cell_type"] == "code"]
    assert [c["outputs"] for c in code] == [[], [], []]
    assert [c["execution_count"] for c in code] == [None, None, None]
    assert tags(code[0]) == []
    assert tags(code[1]) == ["solution", "raises-exception"]
    assert tags(code[2]) == ["check", "raises-exception"]
    assert "b = 2" not in code[1]["source"]


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    written = make_course.build(COURSE, out)
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in written}


def test_student_edition_has_every_lesson(student):
    assert sorted(student) == sorted(p.name for p in COURSE.glob("*.ipynb"))
    for name in ("01_lif.ipynb", "02_neuron_models.ipynb", "03_synapses.ipynb", "04_balanced_networks.ipynb"):
        assert name in student


def test_student_edition_has_no_solution_code(student):
    for name, nb in student.items():
        instructor = notebook(name)
        text = json.dumps(nb)
        assert len(nb["cells"]) == len(instructor["cells"]), name
        n_solutions = 0
        for mine, theirs in zip(nb["cells"], instructor["cells"]):
            if "solution" not in tags(theirs):
                continue
            n_solutions += 1
            code_lines = [ln for ln in source(theirs).splitlines() if ln.strip() and not ln.startswith("#")]
            stub_lines = [ln for ln in source(mine).splitlines() if ln.strip() and not ln.startswith("#")]
            assert len(stub_lines) == 1 and stub_lines[0].startswith("raise NotImplementedError("), (name, mine)
            for line in code_lines:
                if len(line.strip()) > 12:
                    assert line.strip() not in text, (name, line)
        assert n_solutions >= 2, name
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None
                assert ("raises-exception" in tags(cell)) == bool({"solution", "check"} & set(tags(cell))), name
        assert "widgets" not in nb["metadata"]


def test_every_exercise_is_followed_by_a_check():
    for path in sorted(COURSE.glob("0[1-4]_*.ipynb")):
        cells = [c for c in notebook(path.name)["cells"] if c["cell_type"] == "code"]
        for k, cell in enumerate(cells):
            if "solution" in tags(cell):
                assert "check" in tags(cells[k + 1]), (path.name, source(cell))
        assert 2 <= sum("solution" in tags(c) for c in cells) <= 4, path.name


# ---------------------------------------------------------------- lesson 1

def test_lesson1_analytic_rate_against_scipy_root():
    from scipy.optimize import brentq

    for I in (16.0, 25.0, 60.0):       # period from solving v(T) = v_th numerically
        T = brentq(lambda t, I=I: lif.V_REST + I * (1 - np.exp(-t / lif.TAU_M)) - lif.V_TH, 1e-9, 1e4)
        assert lif.analytic_rate(I) == pytest.approx(1000.0 / (T + lif.T_REF), rel=1e-9)
    assert lif.analytic_rate(15.0) == 0.0 and lif.analytic_rate(-5.0) == 0.0


def test_lesson1_checks_accept_the_solutions(capsys):
    name = "01_lif.ipynb"
    assert lif.check_rheobase(_run_solution(name, 0)["rheobase"])
    assert lif.check_rate_formula(_run_solution(name, 1)["lif_rate"])
    assert lif.check_max_rate(_run_solution(name, 2)["max_rate"])
    assert lif.check_tau_for_rate(_run_solution(name, 3)["tau_for_50hz"])
    assert capsys.readouterr().out.count("\u2713") == 4


def test_lesson1_checks_reject_typical_mistakes():
    fails(lif.check_rheobase, 0.015, match="1000x too low")
    fails(lif.check_rheobase, -50.0, match="threshold potential itself")

    def no_refractory(I, tau_m=20.0, t_ref=2.0):
        return 0.0 if I <= 15 else 1000.0 / (tau_m * np.log(I / (I - 15.0)))

    def in_khz(I, tau_m=20.0, t_ref=2.0):
        return 0.0 if I <= 15 else 1.0 / (t_ref + tau_m * np.log(I / (I - 15.0)))

    def no_guard(I, tau_m=20.0, t_ref=2.0):
        with np.errstate(all="ignore"):
            return 1000.0 / (t_ref + tau_m * np.log(I / (I - 15.0)))

    fails(lif.check_rate_formula, no_refractory, match="without the refractory period")
    fails(lif.check_rate_formula, in_khz, match="1000x too low")
    fails(lif.check_rate_formula, no_guard, match="below the rheobase")
    fails(lif.check_max_rate, 0.5, match="1000x too low")
    fails(lif.check_tau_for_rate, 20.0 / np.log(4.0), match="refractory")


def test_lesson1_measured_fi_matches_analytic():
    currents, rates = lif.measure_fi(np.array([10.0, 16.0, 20.0, 40.0]), duration_ms=500.0)
    assert rates[0] == 0.0
    np.testing.assert_allclose(rates[1:], lif.analytic_rate(currents[1:]), rtol=0.02)


# ---------------------------------------------------------------- lesson 2

def test_lesson2_checks_accept_the_solutions(capsys):
    name = "02_neuron_models.ipynb"
    assert nm.check_count_bursts(_run_solution(name, 0)["count_bursts"])
    assert nm.check_pattern(_run_solution(name, 1)["pattern"])
    assert nm.check_v_nullcline(_run_solution(name, 2)["v_nullcline"])
    for alias in ("chattering", "Chattering", " ch "):
        assert nm.check_pattern(alias)
    assert capsys.readouterr().out.count("\u2713") == 6


def test_lesson2_checks_reject_typical_mistakes():
    def short_intervals(times):
        return int(np.sum(np.diff(times) <= 10.0)) if len(times) > 1 else 0

    fails(nm.check_count_bursts, short_intervals, match="number of short intervals")
    fails(nm.check_pattern, "IB", match="burst once at the onset")
    fails(nm.check_pattern, "bursty", match="not one of the four")
    p = nm.ADEX

    def no_input(v, I):
        return -p["g_L"] * (v - p["E_L"]) + p["g_L"] * p["delta_T"] * np.exp((v - p["V_T"]) / p["delta_T"])

    def flipped(v, I):
        return -(no_input(v, I)) + I

    fails(nm.check_v_nullcline, no_input, match="does not move with the input")
    fails(nm.check_v_nullcline, flipped, match="wrong sign")


def test_lesson2_patterns_and_rheobase():
    traces = nm.izhikevich_patterns(I=10.0, duration_ms=300.0)
    d = {k: nm.describe(s, 300.0) for k, (_, _, s) in traces.items()}
    assert d["RS"]["bursts"] == 0 and d["RS"]["last_isi"] > 1.5 * d["RS"]["first_isi"]    # adaptation
    assert d["FS"]["rate_hz"] > 100.0                                                     # fast
    assert d["IB"]["bursts"] == 1                                                         # one onset burst
    assert d["CH"]["bursts"] >= 4                                                         # repeated bursts
    assert len(nm.bursts(nm.mystery_neuron()[2])) >= 3
    # the fixed points vanish at the rheobase formula's current (Touboul 2008)
    I_rh = nm.adex_rheobase()
    assert len(nm.fixed_points(I_rh - 2.0)) == 2 and len(nm.fixed_points(I_rh + 2.0)) == 0


# ---------------------------------------------------------------- lesson 3

def test_lesson3_psp_against_the_analytic_kernel():
    t, v = sy.psp_shapes(tau_s=5.0, weights={"exponential": 1.0})["exponential"]
    np.testing.assert_allclose(v, sy.analytic_exp_psp(t, 1.0, 5.0), atol=2e-4)


def test_lesson3_checks_accept_the_solutions_and_reject_mistakes(capsys):
    name = "03_synapses.ipynb"
    assert sy.check_peak_time(_run_solution(name, 0, tau_s=5.0, tau_m=20.0)["t_peak"])
    baselines, amplitudes = sy.reversal_experiment(E_rev=-75.0)
    assert sy.check_reversal(_run_solution(name, 1, baselines=baselines, amplitudes=amplitudes)["E_rev_estimate"],
                             baselines, amplitudes)
    assert capsys.readouterr().out.count("\u2713") == 2
    fails(sy.check_peak_time, 5.0, match="synaptic time constant")
    fails(sy.check_peak_time, -9.242, match="negative")
    fails(sy.check_reversal, -80.0, baselines, amplitudes, match="one of the holding potentials")
    slope = np.polyfit(baselines, amplitudes, 1)[0]
    fails(sy.check_reversal, slope, baselines, amplitudes, match="slope")


# ---------------------------------------------------------------- lesson 4

def _toy_sweep():
    rows = []
    for nu in (10.0, 20.0):
        for g, cv in ((2.0, 0.01), (3.0, 0.05), (4.0, 0.7), (5.0, 0.9)):
            rows.append({"inh.g_inh": g, "ext.rate": nu, "seed": 1, "rate.exc": 10.0, "cv.exc": cv,
                         "synchrony.exc": 1.0})
    return pd.DataFrame(rows)


def test_lesson4_checks_accept_the_solutions_and_reject_mistakes(capsys):
    name = "04_balanced_networks.ipynb"
    assert bal.check_nu_thr(_run_solution(name, 0, J=0.5, C_E=200, tau_m=20.0, theta=20.0)["nu_thr"])
    assert bal.check_cv(_run_solution(name, 1)["cv_of"])
    df = _toy_sweep()
    assert bal.check_boundary(_run_solution(name, 2, df=df)["g_boundary"], df)
    assert capsys.readouterr().out.count("\u2713") == 3
    fails(bal.check_nu_thr, 0.01, match="1000x too low")
    fails(bal.check_cv, lambda isis: np.var(isis) / np.mean(isis), match="var/mean")
    fails(bal.check_cv, np.std, match="divide it by the mean")
    fails(bal.check_boundary, 0.7, df, match="is a CV")
    fails(bal.check_boundary, 3.0, df, match="still")


def test_lesson4_mean_field_rate_against_scipy():
    from scipy.integrate import quad
    from scipy.special import erfcx

    g, eta, J, C_E = 5.0, 2.0, 0.5, 200
    nu = bal.mean_field_rate(g, eta, J, C_E)
    tau, ext = 0.02, eta * bal.nu_thr(J, C_E)
    mu = C_E * J * tau * (ext + nu * (1 - g / 4))
    sigma = np.sqrt(J * J * C_E * tau * (ext + nu * (1 + g * g / 4)))
    # Brunel's eq. 21 with scipy: exp(u^2)(1 + erf u) = erfcx(-u)
    integral, _ = quad(lambda u: erfcx(-u), (bal.V_R - mu) / sigma, (bal.THETA - mu) / sigma)
    assert 1000.0 / (bal.T_REF + bal.TAU_M * np.sqrt(np.pi) * integral) == pytest.approx(nu, rel=1e-3)


def test_lesson4_regimes_of_a_small_network():
    results, _ = bal.measure_points({"SR": (3.0, 2.0), "irregular": (6.0, 4.0)}, skip_ms=50.0, measure_ms=100.0,
                                    n_e=800)     # at 400 neurons the SR state's synchrony is only ~1.5x the AI's
    assert results["SR"]["cv"] < 0.3 < results["irregular"]["cv"]
    assert results["SR"]["rate"] > 2 * results["irregular"]["rate"]
    assert results["SR"]["synchrony"] > 2 * results["irregular"]["synchrony"]
