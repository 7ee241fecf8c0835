"""The command line on model files, run as a subprocess (``python -m spark_lab ...``)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from spark_lab import model

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, timeout=300):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "spark_lab", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT, check=False)


def test_examples_lists_every_shipped_model_with_its_path():
    p = cli("examples")
    assert p.returncode == 0, p.stderr
    listed = dict(line.split(None, 1) for line in p.stdout.strip().splitlines())
    assert listed == model.examples()
    assert all(Path(v).is_file() for v in listed.values())


def test_validate_accepts_a_name_or_a_path_and_reports_every_error(tmp_path):
    ok = cli("validate", "synfire_chain")
    assert ok.returncode == 0 and ok.stderr == ""
    assert len(ok.stdout.strip().splitlines()) == 1 and "7 pools (700 neurons)" in ok.stdout

    bad = tmp_path / "bad.json"
    bad.write_text(Path(model.examples()["stdp"]).read_text()
                   .replace('"lif"', '"lfi"').replace('"tau_plus": 20.0', '"tau_plus": -20.0')
                   .replace('"dtype"', '"dtyp"'))
    p = cli("validate", bad)
    assert p.returncode == 1 and p.stdout == ""
    assert "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert lines[0] == f"error: {bad}: 3 problems"
    assert any("/dtyp" in ln and "did you mean 'dtype'" in ln for ln in lines)
    assert any("/pools/1/component" in ln and "did you mean 'lif'" in ln for ln in lines)
    assert any("/projections/0/plasticity/0/params/tau_plus" in ln and "> 0 ms" in ln for ln in lines)

    for args in (("validate", tmp_path / "missing.json"), ("validate", "stpd")):
        p = cli(*args)
        assert p.returncode == 1 and "Traceback" not in p.stderr and p.stderr.startswith("error:")
    (tmp_path / "cut.json").write_text(Path(model.examples()["stdp"]).read_text()[:300])
    p = cli("validate", tmp_path / "cut.json")
    assert p.returncode == 1 and "not valid JSON" in p.stderr and "Traceback" not in p.stderr


def test_run_prints_progress_and_rates_and_writes_results(tmp_path):
    out = tmp_path / "res.npz"
    p = cli("run", "synfire_chain", "--steps", 250, "--record", "g0.v", "g1", "--out", out, "--chunk", 100)
    assert p.returncode == 0, p.stderr
    assert "100.0% 250/250 steps" in p.stderr and "Traceback" not in p.stderr
    rates = {ln.split()[0]: float(ln.split()[2]) for ln in p.stdout.splitlines()
             if ln.split() and ln.split()[0] in ("volley", "g0", "g5")}
    assert rates == {"volley": 40.0, "g0": 40.0, "g5": 40.0}      # every neuron fires once in 25 ms
    net = model.load("synfire_chain")
    res = net.build().run(250)
    with np.load(out) as r:
        for pool in net.pools:
            np.testing.assert_array_equal(r[f"counts.{pool}"], res.counts[pool])
        assert r["record.g0.v"].shape == (250, 100) and r["record.g1.spikes"].shape == (250, 100)
        np.testing.assert_array_equal(r["record.g3.spikes"], res.records["g3.spikes"])
        np.testing.assert_array_equal(r["times.g0.v"], np.arange(250))
        assert float(r["dt"]) == 0.1 and int(r["steps"]) == 250

    p = cli("run", "synfire_chain", "--steps", 10, "--record", "g0.w")
    assert p.returncode == 1 and "has no variable 'w'" in p.stderr and "Traceback" not in p.stderr
