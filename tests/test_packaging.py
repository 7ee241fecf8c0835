"""Packaging checks: metadata, entry points, and a light `import spark_lab`."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata

# The kernel must stay importable without the notebook/front-end stack.
HEAVY_UI_MODULES = ("ipywidgets", "bqplot", "ipycytoscape")


def test_import_does_not_pull_in_widget_libraries():
    code = (
        "import json, sys\n"
        "import spark_lab\n"
        f"mods = {HEAVY_UI_MODULES!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in mods)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"`import spark_lab` failed:\n{proc.stderr}"
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == [], f"`import spark_lab` imported UI modules: {loaded}"


def test_distribution_metadata():
    dist = metadata.distribution("spark_lab")
    assert dist.version == "0.1.0"
    assert dist.metadata["Requires-Python"] == ">=3.11"
    requires = " ".join(dist.requires or [])
    for dep in ("jax", "numpy", "ipywidgets", "ipycytoscape", "bqplot", "jupyterlab", "gymnasium"):
        assert dep in requires, f"{dep} missing from the declared dependencies"


def test_console_script_entry_point():
    eps = metadata.entry_points(group="console_scripts", name="spark-lab")
    assert [ep.value for ep in eps] == ["spark_lab.cli:main"]
    main = next(iter(eps)).load()
    assert callable(main)
