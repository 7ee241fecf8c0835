"""What the course tests (tests/test_course.py, tests/test_course_b.py) share: the lesson
notebooks' cells, their solution cells run as the lesson's own code, and the check of a
rejected answer."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from spark_lab.course import CheckFailed

COURSE = Path(__file__).resolve().parents[1] / "notebooks" / "course"


def notebook(name: str) -> dict:
    """The instructor notebook ``name`` of notebooks/course/ as JSON."""
    return json.loads((COURSE / name).read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    """A cell's source as one string (stored as a list of lines or as one string)."""
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def tags(cell: dict) -> list:
    """A cell's tags ("solution", "check", ...)."""
    return cell.get("metadata", {}).get("tags", [])


def solutions(name: str) -> list:
    """The sources of notebook ``name``'s solution cells, in order."""
    return [source(c) for c in notebook(name)["cells"] if "solution" in tags(c)]


def solution_runner(namespace: dict):
    """``run(name, k, **given)``: the namespace after running solution cell ``k`` of notebook
    ``name``, started from a copy of ``namespace`` (what the lesson's earlier cells import)
    with ``given`` defined."""
    def run(name: str, k: int, **given) -> dict:
        ns = {**namespace, **given}
        exec(compile(solutions(name)[k], f"{name}:solution{k}", "exec"), ns)  # noqa: S102 - the lesson's own cell
        return ns
    return run


def fails(check, *args, match: str) -> None:
    """``check(*args)`` raises CheckFailed with feedback matching ``match``."""
    with pytest.raises(CheckFailed, match=match):
        check(*args)
