"""Every tutorial notebook through Run All in a real JupyterLab: no error output, no widget
error, and a clean browser console (no error; none of the widget warnings listed in
harness.WIDGET_WARNING_PATTERNS). The notebooks that have a browser test of their own
(the quickstart, the graph editor, the live lab) are driven there, with the same checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import REPO_ROOT, ConsoleLog, assert_no_tracebacks, assert_no_widget_errors, run_all

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

OWN_TESTS = {"00_quickstart.ipynb", "03_graph_editor.ipynb", "04_live_lab.ipynb"}
NOTEBOOKS = sorted(p.name for p in (REPO_ROOT / "notebooks").glob("*.ipynb") if p.name not in OWN_TESTS)


def test_there_are_tutorials_to_run():
    assert len(NOTEBOOKS) >= 5, NOTEBOOKS


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_clean_in_the_browser(notebook, lab_server, lab_page, shot):
    log = ConsoleLog(lab_page)
    state = run_all(lab_page, notebook, timeout_ms=540_000)
    assert state["done"] > 0
    assert_no_tracebacks(lab_page)
    assert_no_widget_errors(lab_page)
    shot(lab_page, Path(notebook).stem)
    assert not log.problems(), f"{notebook}: console problems:\n" + "\n".join(log.problems())
