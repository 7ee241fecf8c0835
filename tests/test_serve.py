"""spark-lab app / spark-lab lab without a browser: the notebook App mode serves, the command
lines, and a bad model refused before any server starts (the real page: tests/browser/test_app_browser.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spark_lab import _serve
from spark_lab.cli import main
from spark_lab.model import examples


def test_app_notebook_runs_lab_on_the_model_in_the_callers_folder(tmp_path):
    model = examples()["balanced_ei"]
    nb = _serve.app_notebook(model, str(tmp_path))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) == 1 and nb["nbformat"] == 4
    src = code[0]["source"]
    assert f"os.chdir({str(tmp_path)!r})" in src and f"Lab({model!r})" in src
    assert src.rstrip().endswith("lab")                       # the cell's value is the widget
    assert all("id" in c for c in nb["cells"])                # nbformat 4.5 wants cell ids
    compile(src, "app", "exec")


def test_app_notebook_code_runs_and_builds_the_lab(tmp_path, monkeypatch):
    model = examples()["balanced_ei"]
    src = [c for c in _serve.app_notebook(model, str(tmp_path))["cells"] if c["cell_type"] == "code"][0]["source"]
    monkeypatch.chdir(Path.cwd())
    scope = {}
    exec(compile(src.rsplit("\n", 1)[0], "app", "exec"), scope)    # all but the display line
    try:
        assert Path.cwd() == tmp_path
        assert set(scope["lab"].network.pools) == set(__import__("spark_lab").load("balanced_ei").pools)
    finally:
        scope["lab"].close()


def test_resolve_model_gives_absolute_paths_and_checks_the_file(tmp_path, monkeypatch):
    assert Path(_serve.resolve_model("balanced_ei")).is_absolute()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.json").write_text(Path(examples()["stdp"]).read_text())
    assert _serve.resolve_model("m.json") == str(tmp_path / "m.json")


def test_app_refuses_a_bad_model_before_serving(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "spark_lab.model/1", "pools": {"x": {"model": "NoSuchModel", "n": 3}}}))
    started = []
    monkeypatch.setattr(_serve, "_exec", lambda cmd: started.append(cmd) or 0)
    assert main(["app", str(bad)]) == 1
    assert not started
    err = capsys.readouterr().err
    assert "error:" in err and "NoSuchModel" in err
    assert main(["app", "no_such_example"]) == 1 and not started
    assert "no example of that name" in capsys.readouterr().err


def test_app_serves_the_written_notebook_with_voila(monkeypatch):
    seen = {}

    def fake_exec(cmd):
        seen["cmd"] = cmd
        seen["nb"] = json.loads(Path(cmd[3]).read_text())
        return 0

    monkeypatch.setattr(_serve, "_exec", fake_exec)
    assert main(["app", "balanced_ei", "--port", "8999", "--no-browser", "--title", "Week 4"]) == 0
    cmd = seen["cmd"]
    assert cmd[:3] == [sys.executable, "-m", "voila"] and "--port=8999" in cmd and "--no-browser" in cmd
    assert "--strip_sources=True" in cmd and "--Voila.ip=127.0.0.1" in cmd
    assert seen["nb"]["cells"][0]["source"] == "# Week 4"
    assert not Path(cmd[3]).exists()                          # the temporary folder is gone afterwards


def test_lab_command_roots_the_server_and_opens_the_quickstart(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "00_quickstart.ipynb").write_text("{}")
    seen = []
    monkeypatch.setattr(_serve, "_exec", lambda cmd: seen.append(cmd) or 0)
    assert main(["lab", "--root", str(tmp_path), "--no-browser", "--port", "8890"]) == 0
    cmd = seen[0]
    assert f"--ServerApp.root_dir={tmp_path}" in cmd
    assert "--LabApp.default_url=/lab/tree/notebooks/00_quickstart.ipynb" in cmd
    assert "--no-browser" in cmd and "--port=8890" in cmd
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["lab", "--root", str(empty)]) == 0
    assert not any(a.startswith("--LabApp.default_url") for a in seen[1])


def test_voila_is_installed_with_the_notebooks_extra():
    out = subprocess.run([sys.executable, "-m", "voila", "--version"], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        pytest.fail(f"voila is not runnable: {out.stderr[-500:]}")
