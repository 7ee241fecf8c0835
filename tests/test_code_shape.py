"""The shape the code keeps (docs/architecture.md): short files and functions, no module
reading or writing another object's private attributes, no import cycles between modules.

These scan the source with ``ast``; each failure names the file and line to fix."""
from __future__ import annotations

import ast
import pathlib

import pytest

PKG = pathlib.Path(__file__).resolve().parents[1] / "spark_lab"
FILES = sorted(PKG.rglob("*.py"))
#: protocol names that are meant to be called from outside (namedtuple API, IPython display hooks)
PROTOCOL = {"_replace", "_fields", "_asdict", "_make", "_repr_mimebundle_", "_ipython_display_", "_repr_html_"}


def _tree(path):
    return ast.parse(path.read_text(), filename=str(path))


def _imported_names(tree) -> set:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    return names


def reach_ins(path) -> list:
    """``x._name`` where x is not self/cls/super() and not an imported module."""
    tree = _tree(path)
    modules = _imported_names(tree)
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")):
            continue
        base = node.value
        if isinstance(base, ast.Name) and (base.id in ("self", "cls") or base.id in modules):
            continue
        if isinstance(base, ast.Call) and getattr(base.func, "id", None) == "super":
            continue
        if node.attr not in PROTOCOL:
            out.append(f"{path.relative_to(PKG.parent)}:{node.lineno}: {ast.unparse(node)}")
    return out


def test_no_private_reach_ins():
    found = [r for f in FILES for r in reach_ins(f)]
    assert not found, "add a public operation instead of:\n" + "\n".join(found)


def test_reach_in_scan_finds_one(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(sim):\n    return sim._state\n")
    good = tmp_path / "good.py"
    good.write_text("import os\nclass A:\n    def f(self):\n        return self._x, os._exit, super()._y\n")
    assert len(reach_ins_at(bad)) == 1 and reach_ins_at(good) == []


def reach_ins_at(path):
    global PKG
    saved, PKG = PKG, path.parent
    try:
        return reach_ins(path)
    finally:
        PKG = saved


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PKG)))
def test_file_and_function_size(path):
    lines = path.read_text().count("\n")
    assert lines <= 600, f"{path.name}: {lines} lines (split it: one job per module)"
    long = [f"{n.name} ({n.end_lineno - n.lineno + 1} lines, l. {n.lineno})" for n in ast.walk(_tree(path))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 100]
    assert not long, f"{path.name}: functions over 100 lines: {', '.join(long)}"


def _module_name(path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = set()


def _top_level_imports(path) -> set:
    """spark_lab modules imported at module level (not inside functions, not under TYPE_CHECKING)."""
    mod = _module_name(path)
    pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out = set()
    for node in _tree(path).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = pkg.split(".")[:len(pkg.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.startswith("spark_lab"):       # `from pkg import mod` needs mod, `import name` pkg
                subs = {f"{base}.{a.name}" for a in node.names}
                known = subs & MODULES
                out.update(known)
                if known != subs:
                    out.add(base)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("spark_lab"))
    return out


def find_cycles(graph: dict) -> list:
    """Cycles of a {module: {modules it imports}} graph, each as "a -> b -> a"; a package
    and its own submodules importing each other (``__init__`` re-exports) do not count."""
    state, cycles = {}, []

    def related(a, b):
        return a.startswith(b + ".") or b.startswith(a + ".")

    def visit(m, stack):
        state[m] = "open"
        for d in sorted(graph[m]):
            if state.get(d) == "open":
                loop = stack[stack.index(d):] + [d]
                if not all(related(a, b) for a, b in zip(loop, loop[1:])):
                    cycles.append(" -> ".join(loop))
            elif d not in state:
                visit(d, stack + [d])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return cycles


def test_cycle_finder_finds_one():
    assert find_cycles({"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a"}}) == ["p.a -> p.b -> p.c -> p.a"]
    assert find_cycles({"p": {"p.a"}, "p.a": {"p"}}) == []          # a package re-exporting its module


def test_no_import_cycles_between_modules():
    """Module-level imports between spark_lab's modules form no cycle."""
    modules = {_module_name(f): f for f in FILES}
    MODULES.update(modules)
    graph = {m: {d for d in _top_level_imports(f) if d in modules and d != m} for m, f in modules.items()}
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
