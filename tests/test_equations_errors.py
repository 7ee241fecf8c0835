"""Equation text is parsed, never run: a corpus of bad equations and a bounded fuzz give
EquationErrors that name the field, the line, the column and the fix; unit errors name the
term, its unit and the expected one. Also: the model keeps its text as data."""
from __future__ import annotations

import builtins
import copy
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spark_lab as sl
from spark_lab.equations import EquationError, NeuronEquations
from spark_lab.equations._errors import Where
from spark_lab.equations._units import parse_quantity, parse_unit

P = {"tau": "10 ms", "v_rest": "-65 mV", "v_th": "-50 mV", "C": "200 pF", "g": "10 nS"}


def _err(eq, **kw) -> EquationError:
    kw.setdefault("params", P)
    with pytest.raises(EquationError) as info:
        NeuronEquations(eq, **kw)
    return info.value


@pytest.mark.parametrize("eq, kw, col, words", [
    ("dv/dt = (v_rest - v)/tau + I : mV", {"input_unit": "pA"}, 28, ["'I'", "pA"]),
    ("dv/dt = (v_rest - v) + I : mV", {}, 10, ["expected mV/ms", "divide by a time constant"]),
    ("dv/dt = (v_rest - v)/tau + g*(v_rest - v) : mV", {}, 28, ["'g*(v_rest - v)'", "has unit A", "V/s"]),
    ("dv/dt = (v_rst - v)/tau : mV", {}, 10, ["unknown name 'v_rst'", "did you mean 'v_rest'"]),
    ("dv/dt = (v_rest - v)/tau ^ 2 : mV", {}, 26, ["use ** for powers"]),
    ("dv/dt = exp(v)/tau : mV", {}, 13, ["exp()", "dimensionless"]),
    ("dv/dt = (v_rest - v)/tau", {}, 25, ["no unit"]),
    ("dv/dt = (v_rest - v)/tau : mV (unless refractry)", {}, 32, ["unknown flag"]),
    ("dv/dt = v.real : mV", {}, 9, ["attribute"]),
    ("dv/dt = 2 v : mV", {}, 11, ["cannot read"]),
    ("dv/dt = (v_rest - v)/tau if v > 0 else 0 : mV", {}, 9, ["where(condition, a, b)"]),
    ("dv/dt = open('x')/tau : mV", {}, 9, ["unknown function 'open'"]),
    ("dv/dt = (v_rest - v)/tau : mvolt\ndw/dt = -w/tau : 1\ndv/dt = 0*mV/ms : mV", {}, 1, ["two equations"]),
    ("dv/dt = (v_rest - v)/tau : mV", {"threshold": "v > 3*ms"}, 5, ["'3*ms'", "s", "mV"]),
    ("dv/dt = (v_rest - v)/tau : mV", {"threshold": "v + v_th"}, 1, ["not a condition"]),
    ("dv/dt = (v_rest - v)/tau : mV", {"reset": "tau = 3*ms"}, 1, ["parameter cannot be changed"]),
    ("dv/dt = (v_rest - v)/tau : mV", {"reset": "v = v_rest; w += 1"}, 13, ["'w'", "not a state variable"]),
    ("dv/dt = (v_rest - v)/tau : mV", {"reset": "v = 3*ms"}, 5, ["expected mV"]),
    ("dv/dt = (v_rest - v)/tau : mV", {"refractory": "3 mV"}, 1, ["refractory period is a time"]),
    ("dv/dt = (v_rest - v)/tau : mV", {"method": "exponential"}, 1, ["did you mean 'exponential_euler'"]),
    ("dv/dt = (v_rest - v)/tau : mV", {"init": {"u": 1.0}}, 1, ["not a state variable"]),
    ("dv/dt = (v_rest - v)/tau : mV", {"init": {"v": "-65 ms"}}, 1, ["expected mV"]),
    ("dv/dt = (v_rest - v)/tau : mV", {"init": {"v": "v*2"}}, 1, ["reads 'v'"]),
    ("dv/dt = (v_rest - v)/tau : xV", {}, 28, ["unknown unit 'xV'"]),
    ("dv/dt = a/tau : mV\na = b*1 : mV\nb = a*1 : mV", {}, 1, ["circle"]),
    ("dI/dt = -I/tau : mV", {}, 1, ["reserved"]),
    ("dv/dt = v**v/tau : mV", {}, 12, ["exponent", "dimensionless"]),
    ("dv/dt = -v/tau : mV", {"method": "exact", "threshold": "v > t*mV/ms"}, 0, []),
])
def test_bad_equations_name_field_column_and_fix(eq, kw, col, words):
    if not words:                                # the last entry is fine: a control
        NeuronEquations(eq, params=P, **kw)
        return
    e = _err(eq, **kw)
    assert e.column == col, (str(e), e.column)
    assert e.line >= 1 and e.equation
    for w in words:
        assert w in str(e), (w, str(e))
    assert isinstance(e, sl.SparkLabError) and isinstance(e, ValueError)


def test_unit_error_names_term_its_unit_and_the_expected_one():
    e = _err("dv/dt = (v_rest - v)/tau + I/C : mV", input_unit="mV")
    assert e.field == "equations" and e.column == 28
    assert "term 'I/C' has unit V/F" in e.problem and "V/s" in e.problem


def test_parameter_declarations():
    with pytest.raises(EquationError, match="not a number with a unit"):
        NeuronEquations("dv/dt = -v/tau : mV", params={"tau": "ten ms"})
    with pytest.raises(EquationError, match="unknown key"):
        NeuronEquations("dv/dt = -v/tau : mV", params={"tau": {"value": "10 ms", "lo": 0}})
    with pytest.raises(sl.ParameterError):
        NeuronEquations("dv/dt = -v/tau : mV", params={"tau": {"value": "10 ms", "low": "20 ms"}})
    m = NeuronEquations("dv/dt = -v/tau : mV",
                        params={"tau": {"value": "10 ms", "low": 0, "low_open": True, "help": "decay", "log": True}})
    d = m.PARAMS["tau"]
    assert (d.default, d.unit, d.low, d.low_open, d.help, d.log) == (10.0, "ms", 0, True, "decay", True)
    with pytest.raises(sl.ParameterError, match="tau"):
        m.replace(tau=-1.0)
    assert m.replace(tau="0.02 s").values["tau"] == pytest.approx(20.0)


def test_units_and_quantities():
    w = Where("test", "unit", "")
    assert parse_quantity("0.04 /mV", w)[:2] == (0.04, "1/mV")
    assert parse_unit("mV/ms", w).same_dim(parse_unit("V/s", w))
    assert parse_unit("nS*mV", w).scale == pytest.approx(1e-12)
    assert parse_unit("Mohm", w).scale == pytest.approx(1e6)
    with pytest.raises(EquationError, match="did you mean"):
        parse_unit("mVV", w)


def test_the_model_keeps_its_text_as_data_and_rebuilds_from_it():
    kw = dict(threshold="v > v_th", reset="v = v_rest", refractory="2 ms", params=P, init={"v": "v_rest"})
    m = NeuronEquations("dv/dt = (v_rest - v + I)/tau : mV", **kw, tau=12.0)
    d = m.data()
    assert d["equations"] == "dv/dt = (v_rest - v + I)/tau : mV" and d["params"] == P and d["method"] is None
    again = NeuronEquations(**d, **m.values)
    assert again == m and type(again) is type(m)
    assert m != NeuronEquations(**d)                              # tau differs
    assert pickle.loads(pickle.dumps(m)) == m and copy.deepcopy(m) == m
    other = NeuronEquations("dv/dt = (v_rest - v + 2*I)/tau : mV", **kw)
    assert type(other) is not type(m) and other != m                # different code: never one family
    d["params"]["tau"] = "1 ms"
    assert m.data()["params"]["tau"] == "10 ms"                     # data() is a copy


def test_two_pools_of_different_equations_run_their_own_equations():
    a = NeuronEquations("dv/dt = (I - v)/tau : mV", params={"tau": "10 ms"})
    b = NeuronEquations("dv/dt = (2*I - v)/tau : mV", params={"tau": "10 ms"})
    net = sl.Network(dt=0.1)
    net.add_pool("a", a, 2)
    net.add_pool("b", b, 2)
    net.record("a", "v")
    net.record("b", "v")
    r = net.build().run(2000, inputs={"a": np.full(2, 5.0), "b": np.full(2, 5.0)})
    assert r.records["a.v"][-1] == pytest.approx(5.0, abs=1e-3)
    assert r.records["b.v"][-1] == pytest.approx(10.0, abs=1e-3)


_TOKENS = ["v", "I", "tau", "t", "dt", "mV", "ms", "exp", "where", "clip", "(", ")", "+", "-", "*", "/", "**",
           "^", ">", "<", "==", "and", "not", ",", ":", "=", "+=", ";", ".", "[", "]", "'", '"', "#", "\n", "1",
           "2.5", "1e400", "0", "__import__", "open", "lambda", "x", "os", "system", "__class__", "d", "/dt",
           "dv/dt = ", " ", "{", "}", "@", "%", "\\", "...", "if", "else", "yield", "(unless refractory)", "é"]


def _no_eval(*a, **k):
    raise AssertionError("eval/exec was called")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TOKENS), min_size=0, max_size=30), st.sampled_from(
    ["equations", "threshold", "reset", "refractory", "init"]))
def test_fuzzed_text_gives_equation_errors_only(tokens, fld):
    text = "".join(tokens)
    kw = dict(equations="dv/dt = (v_rest - v + I)/tau : mV", params={"tau": "10 ms", "v_rest": "-65 mV"})
    if fld == "equations":
        kw["equations"] = text
    elif fld == "init":
        kw["init"] = {"v": text}
    else:
        kw[fld] = text
    saved = builtins.eval, builtins.exec
    builtins.eval = builtins.exec = _no_eval
    try:
        NeuronEquations(**kw)
    except EquationError as e:
        assert e.field and e.line >= 1 and e.column >= 1
        assert isinstance(e.equation, str)
    finally:
        builtins.eval, builtins.exec = saved


def test_payloads_run_nothing(tmp_path):
    target = tmp_path / "pwned"
    for text in (f"dv/dt = open({str(target)!r}, 'w') : mV", "dv/dt = __import__('os').system('touch x') : mV",
                 "dv/dt = (lambda: 1)() : mV", "dv/dt = [c for c in ().__class__.__bases__] : mV",
                 "dv/dt = v.__class__ : mV", "dv/dt = " + "(" * 300 + "v" + ")" * 300 + " : mV",
                 "dv/dt = " + "+".join(["v"] * 900) + " : mV", "dv/dt = 9**9**9**9 : mV"):
        with pytest.raises(EquationError):
            NeuronEquations(text)
    assert not target.exists()
