"""Model files without limits (issue 13): size and file-type limits on what is read, a
capped list of issues, and the memory estimate that refuses a network which cannot fit,
at validation and at ``Network.build()``, naming the field. The reproductions of the
issue are here; timings are in bench/model_validation.py, not asserted."""
from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spark_lab as sl
from spark_lab import _memory, model
from spark_lab.errors import ModelError, ParameterError

FORMAT = model.FORMAT


def doc(pools, projections=(), **top):
    return {"format": FORMAT, **top, "pools": list(pools), "projections": list(projections)}


def lif(name="a", n=600):
    return {"name": name, "component": "lif", "n": n}


@pytest.fixture
def limit_8g(monkeypatch):
    """Machine-independent outcomes: the memory limit is 8 GiB."""
    monkeypatch.setenv(_memory.ENV_LIMIT, "8G")


# ---------------------------------------------------------------- what is read
def test_a_file_over_the_size_limit_is_refused_naming_size_and_limit(tmp_path, monkeypatch):
    text = model.dumps(model.load("balanced_ei"))
    f = tmp_path / "m.json"
    f.write_text(text)
    n = len(text.encode())
    assert model.load(f, max_bytes=n).pools                     # exactly at the limit: read
    with pytest.raises(ModelError) as e:
        model.load(f, max_bytes=n - 1)
    assert f"{n:,} bytes" in str(e.value) and f"{n - 1:,} bytes" in str(e.value)
    monkeypatch.setenv("SPARK_LAB_MODEL_MAX_BYTES", "1k")
    with pytest.raises(ModelError, match="over the limit of 1,024 bytes"):
        model.load(f)
    with pytest.raises(ModelError, match="over the limit"):
        model.loads(text)
    assert model.validate(text)[0].problem.startswith("the text has")
    assert model.load(f, max_bytes=math.inf).pools               # the keyword wins over the environment


def test_the_default_limit_refuses_a_huge_file_without_reading_it(tmp_path):
    f = tmp_path / "huge.json"
    with open(f, "wb") as h:                                     # sparse: 65 MiB of size, no data written
        h.truncate(65 * 2 ** 20)
    with pytest.raises(ModelError, match=r"over the limit of 67,108,864 bytes \(64.0 MiB\)"):
        model.load(f)


def _load_in_thread(path, seconds=20.0):
    out = {}

    def go():
        try:
            model.load(path)
            out["result"] = "loaded"
        except Exception as e:                                    # noqa: BLE001 - the test inspects it
            out["result"] = e
    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(seconds)
    return out.get("result", "hung")


def test_a_fifo_is_refused_at_once_instead_of_hanging(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    try:
        res = _load_in_thread(fifo)
    finally:                                                      # release a reader that blocked (old code)
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
    assert isinstance(res, ModelError), res
    assert "FIFO" in str(res) and "not a regular file" in str(res)


@pytest.mark.parametrize("what", ["/dev/zero", "directory", "socket"])
def test_devices_directories_and_sockets_are_refused_before_reading(tmp_path, what):
    if what == "/dev/zero":
        path, kind = "/dev/zero", "a character device"
    elif what == "directory":
        path, kind = tmp_path, "a directory"
    else:
        path, kind = tmp_path / "s.json", "a socket"
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(path))
    res = _load_in_thread(path)
    assert isinstance(res, ModelError), res
    assert f"is {kind}, not a regular file" in str(res)


def test_dangling_and_looping_symlinks_are_named_as_such(tmp_path):
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "loop1.json").symlink_to(tmp_path / "loop2.json")
    (tmp_path / "loop2.json").symlink_to(tmp_path / "loop1.json")
    with pytest.raises(ModelError, match="broken symbolic link \\(to .*nowhere.json.*which does not exist"):
        model.load(tmp_path / "gone.json")
    with pytest.raises(ModelError, match="symbolic link loop"):
        model.load(tmp_path / "loop1.json")


@settings(max_examples=60, deadline=3000, derandomize=True)
@given(st.integers(0, 400), st.integers(0, 400))
def test_a_text_is_refused_exactly_when_it_is_longer_than_the_limit(length, limit):
    text = " " * length
    try:
        model.loads(text, max_bytes=limit)
    except ModelError as e:
        over = "over the limit" in str(e)
        assert over == (length > limit)
        return
    raise AssertionError("blank text loaded")


# ---------------------------------------------------------------- issues
def unknown_records(n_pools=2000, n_records=2000):
    d = doc([lif(f"p{i}", 10) for i in range(n_pools)])
    d["record"] = [{"pool": f"q{i}", "var": "spikes"} for i in range(n_records)]
    return d


def test_issues_are_capped_with_a_count_of_the_rest():
    found = model.validate(unknown_records())
    assert len(found) == 51
    assert [i.path for i in found[:50]] == [f"/record/{i}/pool" for i in range(50)]
    assert found[-1].count == 1950 and "1,950 more problems not listed" in str(found[-1])
    with pytest.raises(ModelError) as e:
        model.from_dict(unknown_records())
    assert e.value.count == 2000 and str(e.value).startswith("2000 problems")
    assert len(str(e.value)) < 20_000                            # was 25 MB of issue text
    assert len(model.validate(unknown_records(), max_issues=5)) == 6


def test_hints_list_a_few_names_and_still_find_the_nearest_one():
    d = unknown_records(n_records=0)
    d["record"] = [{"pool": "p1234x"}, {"pool": "xp777"}]
    a, b = model.validate(d)
    assert a.hint.startswith("did you mean 'p1234'?") and "... (2,000 in all)" in a.hint
    assert b.hint.startswith("did you mean 'p777'?")
    assert len(a.hint) < 400


def test_a_repeated_description_is_shared_only_where_identity_does_not_matter():
    syn = {"component": "exponential", "params": {"tau": 5.0}}
    d = doc([lif("a", 20), lif("b", 20)], [{"pre": "a", "post": "b", "synapse": syn},
                                           {"pre": "b", "post": "b", "synapse": dict(syn)}])
    net = model.from_dict(d)
    p1, p2 = net.projections.values()
    assert p1.synapse is not p2.synapse and p1.synapse == p2.synapse        # two receptors, as before
    assert len(net.build().layout.receptors) == 2
    assert model.dumps(model.loads(model.dumps(net))) == model.dumps(net)


# ---------------------------------------------------------------- memory
@pytest.mark.parametrize("d, path", [
    (doc([lif()], [{"pre": "a", "post": "a", "delay": 1e6}]), "/projections/0/delay"),
    (doc([lif()], [{"pre": "a", "post": "a", "delay": 1e7}], dt=1e-6), "/projections/0/delay"),
    (doc([lif("a", 100_000)], [{"pre": "a", "post": "a", "connectivity": {"component": "all_to_all"}}]),
     "/projections/0/connectivity"),
    (doc([lif("a", 100_000_000)]), "/pools/0/n"),
])
def test_a_network_that_cannot_fit_is_refused_at_validation_naming_the_field(limit_8g, d, path):
    found = model.validate(d)
    assert [i.path for i in found] == [path]
    assert "memory limit is 8.0 GiB" in found[0].problem and "SPARK_LAB_MEMORY_LIMIT" in found[0].problem
    with pytest.raises(ModelError):
        model.from_dict(d)
    assert model.validate(d, memory_limit=math.inf) == []         # the limit is the only objection


def test_build_refuses_before_allocating_naming_the_projection_and_field():
    net = sl.Network(dt=0.1)
    net.add_pool("a", sl.LIF(), 600)
    net.connect("a", "a", delay=1e6)
    with pytest.raises(ParameterError) as e:
        net.build(memory_limit=16 * 2 ** 30)
    assert (e.value.component, e.value.field) == ("projection 'a->a'", "delay")
    assert "10,000,000 steps x 600 slots" in str(e.value)
    net.update_projection("a->a", delay=1.0)
    assert net.build(memory_limit=16 * 2 ** 30).layout.delays == (0, 10)


def test_the_limit_comes_from_the_keyword_the_environment_or_the_available_memory(monkeypatch):
    monkeypatch.delenv(_memory.ENV_LIMIT, raising=False)
    have, source = _memory.limit()
    assert (have, source) == _memory.available()
    assert 0 < have <= os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    monkeypatch.setenv(_memory.ENV_LIMIT, "512M")
    assert _memory.limit() == (512 * 2 ** 20, _memory.ENV_LIMIT)
    assert _memory.limit(1e9)[0] == 1e9
    monkeypatch.setenv(_memory.ENV_LIMIT, "off")
    assert _memory.limit()[0] == math.inf
    for bad in ("lots", "-3G", "0"):
        monkeypatch.setenv(_memory.ENV_LIMIT, bad)
        with pytest.raises(ParameterError, match=_memory.ENV_LIMIT):
            _memory.limit()
    with pytest.raises(ParameterError, match="memory_limit"):
        _memory.limit(-1)


def test_the_shipped_examples_fit_under_the_default_limit():
    for name in model.examples():
        assert model.validate(json.loads(open(model.examples()[name]).read())) == [], name


@pytest.mark.parametrize("conn, n_pre, n_post, same", [
    (sl.connectivity.FixedProbability(p=0.1), 300, 200, False),
    (sl.connectivity.FixedProbability(p=0.3), 250, 250, True),
    (sl.connectivity.AllToAll(), 40, 30, False),
    (sl.connectivity.AllToAll(), 40, 40, True),
    (sl.connectivity.FixedInDegree(k=7), 50, 60, False),
    (sl.connectivity.OneToOne(), 45, 45, False),
])
def test_the_expected_synapse_count_matches_what_the_rule_draws(conn, n_pre, n_post, same):
    drawn = np.mean([len(conn.connect(n_pre, n_post, np.random.default_rng(s), same)[0]) for s in range(5)])
    expected = _memory.synapse_count(conn, n_pre, n_post, same)
    p = float(conn.values.get("p", 1.0))
    sd = math.sqrt(max(expected * (1 - p), 1e-9) / 5)              # of a mean of 5 binomial draws
    assert abs(drawn - expected) <= 5 * sd + 1e-9


_MEASURE = r"""
import json, sys
from spark_lab import model
model.from_dict(json.loads(sys.argv[1])).build().run(2)
# VmHWM: this process's own peak; getrusage's ru_maxrss keeps the parent's high-water mark
# across fork + exec (Linux), so under a big pytest worker every child would report the same
print(next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""
_TINY = {"format": FORMAT, "pools": [{"name": "w", "component": "lif", "n": 10}],
         "projections": [{"pre": "w", "post": "w", "delay": 0.2}]}


def _peak_rss(d) -> int:
    """Peak RSS of a fresh process that builds and runs the document ``d``."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(d)], capture_output=True, text=True,
                         timeout=300, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr[-2000:]
    return int(out.stdout.split()[-1])


@pytest.mark.parametrize("d", [
    doc([lif("a", 500)], [{"pre": "a", "post": "a", "delay": 5000.0}]),               # 100 MB delay buffer
    doc([lif("a", 1_000_000)]),
    doc([lif("a", 1500)], [{"pre": "a", "post": "a", "connectivity": {"component": "all_to_all"}}]),
    doc([lif("a", 20_000)], [{"pre": "a", "post": "a",                       # drawn: 3M synapses
                              "connectivity": {"component": "fixed_in_degree", "params": {"k": 150}}}]),
])
def test_the_estimate_is_within_a_factor_two_of_the_measured_peak(d):
    """The peak of a process that builds ``d`` above that of one building a 10-neuron network
    (two fresh processes: a baseline in the same process would hide memory reused below its
    high-water mark)."""
    est = _memory.estimate(model.from_dict(d, memory_limit=math.inf)).total
    measured = _peak_rss(d) - _peak_rss(_TINY)
    assert est / 2 <= measured <= est * 2, (est, measured)
