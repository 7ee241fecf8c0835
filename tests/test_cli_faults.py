"""``spark-lab run`` and ``validate`` under faults: output names refused or kept exactly, what
was written said, recordings streamed with bounded memory, Ctrl-C ends cleanly with status
130 and leaves no partial file, symbolic-link problems named as such."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from spark_lab import Simulator, model
from spark_lab.cli import main

pytestmark = pytest.mark.timeout(300)
ROOT = Path(__file__).resolve().parents[1]


def run_cli(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("name, problem", [
    ("DIR", "is a directory"),
    ("res.txt", "does not end in .npz"),
    ("no/such/folder/res.npz", "does not exist"),
    ("dangling.npz", "broken symbolic link"),
    ("loop.npz", "symbolic link loop"),
])
def test_run_refuses_an_out_name_it_would_not_keep(tmp_path, capsys, monkeypatch, name, problem):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "DIR").mkdir()
    (tmp_path / "dangling.npz").symlink_to(tmp_path / "nowhere.npz")
    (tmp_path / "loop.npz").symlink_to(tmp_path / "loop2.npz")
    (tmp_path / "loop2.npz").symlink_to(tmp_path / "loop.npz")
    before = sorted(os.listdir(tmp_path))
    rc, out, err = run_cli(capsys, "run", "synfire_chain", "--steps", 10, "--out", name)
    assert rc == 1 and out == "" and "Traceback" not in err
    assert err.startswith("error: spark-lab run: --out: ") and problem in err, err
    assert sorted(os.listdir(tmp_path)) == before and os.listdir(tmp_path / "DIR") == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_run_refuses_a_device_as_out(capsys):
    existed = os.path.lexists("/dev/full.npz")
    rc, _, err = run_cli(capsys, "run", "synfire_chain", "--steps", 10, "--out", "/dev/full")
    assert rc == 1 and "/dev/full is not a regular file" in err
    assert existed or not os.path.lexists("/dev/full.npz")


def test_run_writes_exactly_the_name_given_and_says_its_size(tmp_path, capsys):
    out = tmp_path / "Results.NPZ"
    rc, text, err = run_cli(capsys, "run", "synfire_chain", "--steps", 120, "--record", "g0.v", "--out", out,
                            "--chunk", 50)
    assert rc == 0, err
    assert os.listdir(tmp_path) == ["Results.NPZ"]
    size = out.stat().st_size
    line = [ln for ln in text.splitlines() if ln.startswith("wrote ")][0]
    assert line.startswith(f"wrote {out} ({size / 1e3:.1f} kB)" if size < 1e6 else f"wrote {out} ({size / 1e6:.1f} MB)")
    res = model.load("synfire_chain").build().run(120, record=["g0.v"])
    with np.load(out) as r:
        np.testing.assert_array_equal(r["record.g0.v"], res.records["g0.v"])
        np.testing.assert_array_equal(r["times.g2.spikes"], np.arange(120))
        assert int(r["steps"]) == 120


def test_run_streams_records_with_memory_bounded_by_one_chunk(tmp_path, capsys):
    steps, neurons = 10_000, 600
    recorded = steps * neurons * 4 + steps * 600                # g0..g5 v (float32) + their spikes (bool)
    tracemalloc.start()
    try:
        rc, _, err = run_cli(capsys, "run", "synfire_chain", "--steps", steps, "--chunk", 200,
                             "--record", *[f"g{i}.v" for i in range(6)], "--out", tmp_path / "big.npz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rc == 0, err
    with np.load(tmp_path / "big.npz") as r:
        assert r["record.g5.v"].shape == (steps, 100)
    assert peak < 0.4 * recorded, f"peak {peak / 1e6:.1f} MB for {recorded / 1e6:.1f} MB recorded"  # before: > 2x


def test_an_interrupted_run_writes_nothing_and_keeps_the_old_file(tmp_path, capsys, monkeypatch):
    out = tmp_path / "res.npz"
    out.write_bytes(b"the previous results")
    real_run, calls = Simulator.run, []

    def run_then_ctrl_c(self, *a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_run(self, *a, **k)

    monkeypatch.setattr(Simulator, "run", run_then_ctrl_c)
    rc, _, err = run_cli(capsys, "run", "synfire_chain", "--steps", 1000, "--chunk", 10, "--record", "g0.v",
                         "--out", out)
    assert rc == 130 and "Traceback" not in err
    assert f"interrupted at step 20 of 1000; {out} was not written" in err
    assert out.read_bytes() == b"the previous results" and os.listdir(tmp_path) == ["res.npz"]


def test_ctrl_c_in_a_running_subprocess_exits_130_without_traceback(tmp_path):
    out = tmp_path / "res.npz"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu"}
    p = subprocess.Popen([sys.executable, "-m", "spark_lab", "run", "synfire_chain", "--steps", "100000000",
                          "--chunk", "500", "--record", "g0.v", "--out", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        head = []
        while not any(ln.rstrip().endswith("; building") for ln in head):   # its first line
            line = p.stderr.readline()
            assert line, f"ended before it started: {''.join(head)}"
            head.append(line)
        deadline = time.monotonic() + 60                 # until a spool file has rows: mid-run
        while time.monotonic() < deadline and not any(
                f.stat().st_size for d in tmp_path.glob(".spark-lab-*") for f in d.iterdir()):
            time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        stdout, rest = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    err = "".join(head) + rest
    assert p.returncode == 130, err
    assert "Traceback" not in err and "interrupted at step" in err and "was not written" in err
    assert stdout == "" and os.listdir(tmp_path) == []         # no partial file, no spool left


@pytest.mark.parametrize("cmd", ["validate", "run"])
def test_model_path_symlink_problems_are_named(tmp_path, capsys, cmd):
    dangling, loop = tmp_path / "dangling.json", tmp_path / "loop.json"
    dangling.symlink_to(tmp_path / "gone.json")
    loop.symlink_to(loop)
    extra = ("--steps", 10) if cmd == "run" else ()
    for path, problem in ((dangling, "is a broken symbolic link"), (loop, "is a symbolic link loop"),
                          (loop / "inside.json", "is a symbolic link loop")):
        rc, out, err = run_cli(capsys, cmd, path, *extra)
        assert rc == 1 and out == "" and "Traceback" not in err
        assert f"{path} {problem}" in err and "no example of that name" not in err, err
