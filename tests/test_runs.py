"""The run store (spark_lab.runs): a session's run saved to a folder while it goes on and
read back with open_run; the CLI's --run-dir; a run killed with SIGKILL reads back up to
what was written."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import model
from spark_lab.errors import ParameterError
from spark_lab.session import Monitor, Session

sys.path.insert(0, os.path.dirname(__file__))
from _model_nets import small_ei  # noqa: E402

pytestmark = pytest.mark.timeout(300)


def small_net(seed=2):
    net = small_ei(seed)
    net.record("exc")
    net.record("inh", "v", neurons=[1, 4])
    return net


class Frames(Monitor):
    """Everything the session hands its monitors (the reference the store must equal)."""

    def __init__(self):
        self.frames, self.epoch = [], -1

    def init(self, session):
        self.epoch += 1

    def step(self, frame):
        self.frames.append((self.epoch, frame))


def spikes_of(frames, key, dt, epoch=None):
    t, n = [], []
    for e, f in frames:
        if epoch is None or e == epoch:
            ti, ni = np.nonzero(f.records[key])
            t.append(f.times[key][ti] * dt)
            n.append(ni)
    return np.concatenate(t), np.concatenate(n)


def test_session_run_reads_back(tmp_path):
    path = tmp_path / "runs" / "a"
    ref = Frames()
    with Session(small_net(), chunk=40, monitors=[ref]) as s:
        s.save_run(path)
        s.step(200)
        s.set_param("inh", "g_inh", 5.0)
        s.set_param("exc", "tau_m", np.linspace(9.0, 11.0, 30))
        s.step(120)
        s.reset()
        s.step(80)
    run = sl.open_run(path)
    assert run.status == "closed" and run.seed == 2 and run.dt == 0.1 and run.epochs == 2
    assert run.versions["spark_lab"] == sl.__version__ and "jax" in run.versions
    assert model.to_dict(run.model) == model.to_dict(small_net())
    assert run.values()[("inh", "g_inh")] == 3.0
    log = run.param_log()
    assert [(t, e, tg, nm) for t, e, tg, nm, _ in log] == [(20.0, 0, "inh", "g_inh"), (20.0, 0, "exc", "tau_m")]
    assert log[0][4] == 5.0 and np.allclose(log[1][4], np.linspace(9.0, 11.0, 30))
    for epoch in (0, 1, None):
        t, n = run.spike_trains("exc", epoch=epoch)
        rt, rn = spikes_of(ref.frames, "exc.spikes", 0.1, epoch)
        assert np.array_equal(t, rt) and np.array_equal(n, rn)
    t, v, cols = run.trace("inh", "v", epoch=0)
    want = np.concatenate([f.records["inh.v"] for e, f in ref.frames if e == 0])
    assert np.array_equal(cols, [1, 4]) and np.array_equal(v, want) and t.size == 320
    starts, lengths, counts = run.chunks()
    assert starts.tolist() == [0, 200, 0] and lengths.tolist() == [200, 120, 80]      # step(n): one chunk
    assert counts["exc"].tolist() == [int(f.counts["exc"].sum()) for _, f in ref.frames]
    tr, rates = run.rates(epoch=1)
    assert tr.tolist() == [0.0] and rates["exc"][0] == counts["exc"][-1] / (30 * 8e-3)
    assert sl.list_runs(tmp_path / "runs")[0].path == str(path)


def test_new_recordings_and_neurons_get_their_own_parts(tmp_path):
    with Session(small_net(), chunk=50) as s:
        s.save_run(tmp_path / "r")
        s.step(100)
        mon = Frames()
        mon.records = (sl.RecordSpec("inh", "v", neurons=(0, 4)),)
        s.add_monitor(mon)
        s.step(50)
    t, v, cols = sl.open_run(tmp_path / "r").trace("inh", "v")
    assert cols.tolist() == [0, 1, 4] and v.shape == (150, 3)
    assert np.all(np.isnan(v[:100, 0])) and not np.any(np.isnan(v[100:])) and not np.any(np.isnan(v[:, 1:]))


def test_a_run_folder_is_never_overwritten(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("keep")
    (tmp_path / "file").write_text("keep")
    with Session(small_net()) as s:
        for p in (tmp_path / "used", tmp_path / "file"):
            with pytest.raises(ParameterError, match="not an empty folder"):
                s.save_run(p)
        with pytest.raises(ParameterError):
            s.save_run(tmp_path / "q", queue_chunks=0)
        assert s.monitors == [] and not (tmp_path / "q").exists()
    assert (tmp_path / "used" / "x").read_text() == "keep"
    with pytest.raises(ParameterError, match="not a run folder"):
        sl.open_run(tmp_path / "used")


def test_torn_rows_and_lines_are_left_out(tmp_path):
    with Session(small_net(), chunk=50) as s:
        s.save_run(tmp_path / "r")
        s.step(100)
        s.set_param("inh", "g_inh", 4.0)
        s.step(50)
    before = sl.open_run(tmp_path / "r")
    t0, n0 = before.spike_trains("exc")
    with open(tmp_path / "r" / "records" / "exc.spikes.0.bin", "ab") as f:
        f.write(b"\x01" * 11)                      # part of a row
    with open(tmp_path / "r" / "labbook.jsonl", "a") as f:
        f.write('{"event": "set", "t"')            # part of a line
    with open(tmp_path / "r" / "chunks.bin", "ab") as f:
        f.write(b"\x00" * 9)
    after = sl.open_run(tmp_path / "r")
    t1, n1 = after.spike_trains("exc")
    assert np.array_equal(t0, t1) and np.array_equal(n0, n1)
    assert len(after.param_log()) == 1 and after.chunks()[0].size == 2


def _cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "spark_lab", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kw)


def test_cli_run_dir(tmp_path):
    model.save(small_net(), tmp_path / "m.json")
    p = _cli("run", str(tmp_path / "m.json"), "--steps", "300", "--chunk", "100", "--run-dir", str(tmp_path / "r"))
    out, err = p.communicate(timeout=240)
    assert p.returncode == 0, err.decode()
    run = sl.open_run(tmp_path / "r")
    ref = small_net().build().run(300)
    t, n = run.spike_trains("exc")
    assert run.status == "closed"
    assert np.array_equal(t, ref.spike_trains("exc")[0]) and np.array_equal(n, ref.spike_trains("exc")[1])
    assert np.array_equal(run.trace("inh", "v")[1], ref.records["inh.v"])


def test_a_killed_run_reads_back_up_to_what_was_written(tmp_path):
    model.save(small_net(), tmp_path / "m.json")
    run_dir = tmp_path / "r"
    p = _cli("run", str(tmp_path / "m.json"), "--steps", "10000000", "--chunk", "50", "--run-dir", str(run_dir))
    chunks = run_dir / "chunks.bin"
    deadline = time.monotonic() + 200
    while time.monotonic() < deadline and (not chunks.exists() or chunks.stat().st_size < 6 * 6 * 8):
        time.sleep(0.2)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL
    run = sl.open_run(run_dir)
    assert run.status == "running"               # never closed
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"
    assert run.t_end_ms >= 30.0
    t, n = run.spike_trains("exc")
    tv, v, _ = run.trace("inh", "v")
    # each file holds whole rows up to where the kill found it: a prefix of the same run
    steps = -(-int(max(t.max(), tv.max(), run.t_end_ms) / run.dt + 1.5) // 50) * 50
    ref = small_net().build().run(steps)
    rt, rn = ref.spike_trains("exc")
    assert 0 < t.size <= rt.size and np.array_equal(t, rt[:t.size]) and np.array_equal(n, rn[:t.size])
    assert 0 < tv.size and np.array_equal(v, ref.records["inh.v"][:tv.size])
    assert np.array_equal(tv, np.arange(tv.size) * run.dt)


@pytest.fixture()
def two_runs(tmp_path):
    """runs/base (g_inh 3) and runs/strong (g_inh 6 from the start, seed 5, then tau_m changed)."""
    with Session(small_net(), chunk=50) as s:
        s.save_run(tmp_path / "runs" / "base")
        s.run(200)
        assert s.wait(200)
    other = small_net(seed=5)
    other.update_pool("inh", g_inh=6.0)
    with Session(other, chunk=50) as s:
        s.save_run(tmp_path / "runs" / "strong")
        s.run(100)
        s.wait()
        s.set_param("exc", "tau_m", 12.0)
        s.run(100)
        s.wait()
    return tmp_path / "runs"


def test_compare_runs_widget(two_runs):
    from spark_lab.notebook import CompareRuns
    from spark_lab.notebook._compare import differences
    w = CompareRuns(two_runs)
    assert list(w.picker.options) == ["base", "strong"] and w.picker.value == ("base", "strong")
    assert w.pool.value == "exc"
    runs = w.selected
    assert [len(m.x) for m in w.rate_figure.marks] == [4, 4]                       # one line per run, per chunk
    for m, r in zip(w.rate_figure.marks, runs):
        assert np.allclose(m.y, r.rates()[1]["exc"])
    for m, r in zip(w.raster_figure.marks, runs):
        t, n = r.spike_trains("exc")
        assert np.array_equal(m.x, t) and np.array_equal(m.y, n)
    assert w.raster_figure.marks[0].colors != w.raster_figure.marks[1].colors
    diff = dict(differences(runs))
    assert diff["seed"] == [2, 5] and diff["pools/inh/g_inh"] == [3.0, 6.0]
    assert diff["start value inh.g_inh"] == [3.0, 6.0]
    assert not any(k.endswith("tau_m") for k in diff)                 # same in the model: only in the lab book
    assert "10 ms: exc.tau_m = 12.0" in w.table.value and "pools/inh/g_inh" in w.table.value
    w.pool.value = "inh"                                              # inh spikes are not stored: no raster
    assert w.raster_figure.marks == [] and len(w.rate_figure.marks) == 2
    w.picker.value = ("base",)
    assert len(w.rate_figure.marks) == 1 and "lab book" in w.table.value


def test_compare_runs_refresh_and_bad_choice(two_runs):
    from spark_lab.notebook import CompareRuns
    w = CompareRuns(two_runs, select=["base"])
    with Session(small_net(seed=9), chunk=50) as s:
        s.save_run(two_runs / "third")
        s.step(50)
    w.refresh()
    assert list(w.picker.options) == ["base", "strong", "third"] and w.picker.value == ("base",)
    w.picker.value = ()
    assert "choose" in w.table.value and w.rate_figure.marks == []
    with pytest.raises(ParameterError, match="nope"):
        CompareRuns(two_runs, select=["nope"])
