"""Build the student edition of the course from the instructor notebooks, by cell tags.

    python tools/make_course.py [SRC_DIR [OUT_DIR]]     (default notebooks/course build/course/student)

Every ``*.ipynb`` of SRC_DIR is written to OUT_DIR under the same name, with:

* every cell tagged ``solution`` (an exercise's answer) replaced by a stub: its leading
  comment lines (the task text, lines starting with ``#`` before the first code line)
  are kept and the code after them becomes
  ``raise NotImplementedError("<first comment line>")``, e.g.
  ``raise NotImplementedError("Exercise 1.2: compute the rheobase in mV")``;
* the stub and every cell tagged ``check`` tagged ``raises-exception`` too, so that nbval
  expects them to raise (the stub raises; the check fails on the name the exercise
  should have defined) and runs every other cell as in the instructor edition;
* all outputs, execution counts and saved widget state cleared.

A ``solution`` cell without a leading comment line is refused (the student would get
no task text): the script exits with status 1 and names the notebook and cell.
"""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

SOLUTION, CHECK, RAISES = "solution", "check", "raises-exception"


class CourseError(ValueError):
    """An instructor notebook breaks the course's cell-tag contract."""


def _lines(source) -> list[str]:
    text = "".join(source) if isinstance(source, list) else source
    return text.splitlines()


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def stub_source(source, where: str = "cell") -> str:
    """The student's version of a solution cell's source: task comments + a raising stub."""
    lines = _lines(source)
    head = []
    for line in lines:
        if line.startswith("#"):
            head.append(line)
        elif line.strip():
            break
        elif head:
            head.append(line)
    while head and not head[-1].strip():
        head.pop()
    if not head:
        raise CourseError(f"{where}: a solution cell must start with a comment line saying what to write")
    task = head[0].lstrip("#").strip()
    if not task:
        raise CourseError(f"{where}: the first comment line of a solution cell is empty")
    return "\n".join(head + [f"raise NotImplementedError({task!r})"])


def student_notebook(nb: dict, name: str = "notebook") -> dict:
    """The student edition of one instructor notebook (a new dict; ``nb`` is not changed)."""
    out = copy.deepcopy(nb)
    out.get("metadata", {}).pop("widgets", None)
    for i, cell in enumerate(out["cells"]):
        tags = _tags(cell)
        if cell["cell_type"] == "code":
            if SOLUTION in tags:
                cell["source"] = stub_source(cell["source"], f"{name}, cell {i}")
            if SOLUTION in tags or CHECK in tags:
                if RAISES not in tags:
                    tags.append(RAISES)
            cell["outputs"] = []
            cell["execution_count"] = None
        elif SOLUTION in tags:
            raise CourseError(f"{name}, cell {i}: only code cells can be tagged solution")
        if tags:
            cell.setdefault("metadata", {})["tags"] = tags
        cell.get("metadata", {}).pop("execution", None)
    return out


def build(src: Path, dst: Path) -> list[Path]:
    """Write the student edition of every notebook in ``src`` to ``dst``; the paths written."""
    notebooks = sorted(src.glob("*.ipynb"))
    if not notebooks:
        raise CourseError(f"{src}: no notebooks found")
    dst.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        student = student_notebook(nb, path.name)
        target = dst / path.name
        target.write_text(json.dumps(student, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    """Command-line entry: ``make_course.py [SRC_DIR [OUT_DIR]]``."""
    root = Path(__file__).resolve().parents[1]
    src = Path(argv[0]) if argv else root / "notebooks" / "course"
    dst = Path(argv[1]) if len(argv) > 1 else root / "build" / "course" / "student"
    try:
        written = build(src, dst)
    except CourseError as err:
        print(f"make_course: {err}", file=sys.stderr)
        return 1
    print(f"student edition: {len(written)} notebooks -> {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
