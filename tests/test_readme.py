"""The README's Python examples run as printed (a user copies them into a cell)."""
from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_a_quickstart_and_a_complete_lab_example():
    blocks = _blocks()
    assert any("net.build()" in b for b in blocks)
    assert any("Lab(" in b and b.rstrip().splitlines()[-1].split("#")[0].strip() == "lab" for b in blocks)


def test_readme_examples_run(capsys):
    for block in _blocks():
        scope: dict = {}
        exec(compile(block, "README.md", "exec"), scope)
        lab = scope.get("lab")
        if lab is not None:
            assert lab.live.sliders.sliders, "the README's Lab shows no slider"
            lab.close()
    assert capsys.readouterr().out.strip(), "the quickstart prints its rate"
