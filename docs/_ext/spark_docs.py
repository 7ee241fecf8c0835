"""Sphinx extension of the spark_lab docs: what the pages take from the code.

* ``builder-inited``: writes the generated pages (spark_pages.py) and checks that every
  public name, and every public method of a public class, has a docstring; a missing one
  is a warning, so ``sphinx-build -W`` fails on it.
* ``spark-params <class>``: the tables of a component's ``PARAMS`` (unit, default, allowed
  range, typical range, help) and ``OPTIONS``, from its ``Param``/``Choice`` declarations.
* ``spark-equations <class>``: the docstring of the module that defines the class (where
  every model states its equations).
* ``spark-figure <kind> <name>``: a figure simulated now (spark_figures.py).
* autodoc hooks: a component's reference entry gets its module docstring and its
  parameter table; the methods of the component contract are documented once, on the
  base class, not on every model that implements them.
"""
from __future__ import annotations

import inspect
import pkgutil
import re
import sys
from pathlib import Path

import spark_figures
import spark_pages
from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from sphinx.util import logging

import spark_lab

logger = logging.getLogger(__name__)

#: kinds whose numeric parameters a running simulator changes in place (Network.values())
RUNTIME_KINDS = ("neuron", "synapse", "plasticity")


# ------------------------------------------------------------------------- generation
def generate(app) -> None:
    root = Path(app.srcdir)
    spark_pages.reference_pages(root)
    spark_pages.gallery_pages(root)
    spark_pages.tutorial_copies(root, root.parent / "notebooks")
    for name in missing_docstrings():
        logger.warning(f"missing docstring: {name} (public names are documented: write one)", type="spark_docs")


def missing_docstrings() -> list[str]:
    """Documented names without a docstring: the public names, and the public methods and
    properties of the public classes (except contract methods of implementations)."""
    missing = []
    for name, obj in spark_pages.reference_names():
        if inspect.ismodule(obj) or inspect.isclass(obj) or callable(obj):
            own = obj.__doc__ if inspect.isclass(obj) else inspect.getdoc(obj)
            if not (own or "").strip():
                missing.append(name)
        elif not spark_pages.attr_doc(name):
            missing.append(name)
        if inspect.isclass(obj):
            missing += [f"{name}.{k}" for k in public_members(obj) if not inspect.getdoc(getattr(obj, k))]
    return missing


def public_members(cls) -> list[str]:
    """Public methods and properties defined on ``cls`` that its reference entry documents."""
    out = []
    for k, v in vars(cls).items():
        if k.startswith("_") or is_contract_impl(cls, k):
            continue
        if isinstance(v, (property, classmethod, staticmethod)) or inspect.isfunction(v):
            out.append(k)
    return out


def is_contract_impl(cls, name: str) -> bool:
    """``name`` is a contract method and ``cls`` implements (not states) the contract."""
    return (name in spark_pages.CONTRACT_METHODS and cls not in spark_pages.CONTRACTS
            and issubclass(cls, spark_pages.CONTRACTS))


# ------------------------------------------------------------------------- docstring style
#: "name: text" at the start of a line (also "a, b:", "*args:", "**values:", "init(session):"),
#: the way the docstrings list arguments and fields
FIELD = re.compile(r"^(\*{0,2}[A-Za-z_]\w*(?:\([\w, ]*\))?(?:(?:, | or |/)\*{0,2}[A-Za-z_]\w*)*):\s+(\S.*)$")


def fields_to_rst(lines: list[str]) -> list[str]:
    """Read the docstrings' plain-text conventions as reST.

    * "name: text" lines (continuations indented) become a field list, separated by blank
      lines from the text around them;
    * a block indented after a blank line (an equation, a code example) becomes a literal
      block, unless it is already one (after "::") or a directive's content;
    * "|" outside inline literals is plain text, not a substitution."""
    out: list[str] = []
    literal = False                  # inside an indented block that is literal or directive content
    last = None                      # what the paragraph's last item is: None, "field", "text", "term"
    prev = ""                        # the last unindented line
    for ln in lines:
        if not ln.strip():
            out.append(ln)
            last = None
            continue
        if ln.startswith((" ", "\t")):
            if not literal and last is None:             # indented after a blank line
                if not (prev.rstrip().endswith("::") or prev.startswith(".. ")):
                    out += ["::", ""]
                literal = True
            elif last == "text":
                last = "term"                            # a definition list: the text line is its term
            out.append(ln)
            continue
        literal, prev = False, ln
        m = FIELD.match(ln)
        kind = "field" if m else "text"
        if last is not None and (last == "term" or (last == "field") != (kind == "field")):
            out.append("")                               # a list ends before other text
        out.append(f":{m.group(1).replace('*', chr(92) + '*')}: {_pipes(m.group(2))}" if m else _pipes(ln))
        last = kind
    return out


def _pipes(line: str) -> str:
    parts = line.split("``")
    return "``".join(p.replace("|", "\\|") if k % 2 == 0 else p for k, p in enumerate(parts))


# ------------------------------------------------------------------------- autodoc hooks
def skip_member(app, what, name, obj, skip, options):
    """Skip a contract method where a model implements it (documented on the base class)."""
    func = getattr(obj, "fget", None) or getattr(obj, "__func__", None) or obj
    qual = getattr(func, "__qualname__", "")
    owner_name, _, member = qual.rpartition(".")
    owner = getattr(sys.modules.get(getattr(func, "__module__", ""), None), owner_name, None)
    if inspect.isclass(owner) and member == name and is_contract_impl(owner, name):
        return True
    return None


def add_component_docs(app, what, name, obj, options, lines) -> None:
    """Field lists from "name: text" blocks; a component's entry also gets its module docstring
    (its equations) and its parameter tables."""
    lines[:] = fields_to_rst(lines)
    if what != "class" or not issubclass_safe(obj, spark_pages.CONTRACTS) or obj in spark_pages.CONTRACTS:
        return
    if any("see module docstring" in line for line in lines):
        lines[:] = [line.replace(" (see module docstring)", "") for line in lines]
        lines += [""] + fields_to_rst(inspect.cleandoc(sys.modules[obj.__module__].__doc__ or "").splitlines())
    if getattr(obj, "PARAMS", None) or getattr(obj, "OPTIONS", None):
        lines += ["", f".. spark-params:: {name}", ""]


def public_bases(app, name, obj, options, bases) -> None:
    """Show a class's nearest documented ancestors instead of private helper bases."""
    documented = {id(o) for _, o in spark_pages.reference_names()}
    out = []
    for base in bases:
        found = next((b for b in getattr(base, "__mro__", (base,)) if id(b) in documented or b is object), base)
        if found not in out:
            out.append(found)
    bases[:] = [b for b in out if b is not object] or [object]


def issubclass_safe(obj, bases) -> bool:
    return inspect.isclass(obj) and issubclass(obj, bases)


# ------------------------------------------------------------------------- directives
def _table(header: list[str], rows: list[list[str]], title: str, literal_first: bool = True) -> nodes.table:
    """A docutils table of plain text cells (no markup is parsed: help texts stay as written)."""
    table = nodes.table(classes=["spark-params"])
    table += nodes.title(text=title)
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in header]
    head, body = nodes.thead(), nodes.tbody()
    group += [head, body]

    def row(cells, first_literal):
        r = nodes.row()
        for i, c in enumerate(cells):
            entry = nodes.entry()
            entry += nodes.paragraph("", "", nodes.literal(text=c) if (i == 0 and first_literal) else nodes.Text(c))
            r += entry
        return r

    head += row(header, False)
    body += [row(r, literal_first) for r in rows]
    return table


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else repr(v) if isinstance(v, (str, bool)) else str(v)


class ParamsDirective(Directive):
    """``spark-params spark_lab.LIF``: the component's parameter and option tables."""

    required_arguments = 1

    def run(self):
        cls = pkgutil.resolve_name(self.arguments[0])
        out = []
        params = getattr(cls, "PARAMS", {}) or {}
        if params:
            if cls.kind in RUNTIME_KINDS:
                note = "numbers: change at run time (Simulator.set_param, the sliders), no rebuild"
            elif cls.kind == "connectivity":
                note = "numbers: fixed when the network is built (the drawn connectivity is structure)"
            else:
                note = "numbers"
            rows = [[k, _fmt(p.default), p.unit, p.range_text(),
                     "" if p.typical is None else f"{_fmt(p.typical[0])} to {_fmt(p.typical[1])}",
                     "yes" if p.per_neuron else "no", p.help] for k, p in params.items()]
            out.append(_table(["parameter", "default", "unit", "allowed", "typical", "per neuron", "meaning"],
                              rows, f"Parameters of {cls.__name__} ({note})"))
        options = getattr(cls, "OPTIONS", {}) or {}
        if options:
            rows = [[k, _fmt(c.default), "any identifier" if c.choices is None else ", ".join(map(_fmt, c.choices)),
                     c.help] for k, c in options.items()]
            out.append(_table(["option", "default", "choices", "meaning"], rows,
                              f"Options of {cls.__name__} (structure: a change rebuilds the network)"))
        if not out:
            out.append(nodes.paragraph(text=f"{cls.__name__} declares no parameters."))
        return out


class EquationsDirective(Directive):
    """``spark-equations spark_lab.LIF``: the docstring of the class's module, parsed as reST
    (in a MyST page, inside an ``eval-rst`` block); ``:skip-summary:`` leaves out its first line."""

    required_arguments = 1
    option_spec = {"skip-summary": directives.flag}

    def run(self):
        cls = pkgutil.resolve_name(self.arguments[0])
        lines = inspect.cleandoc(sys.modules[cls.__module__].__doc__ or "").splitlines()
        if "skip-summary" in self.options:
            lines = lines[1:]
        text = "\n".join(fields_to_rst(lines))
        node = nodes.container(classes=["spark-equations"])
        self.state.nested_parse(StringList(text.splitlines(), source=cls.__module__), self.content_offset, node)
        return [node]


class FigureDirective(Directive):
    """``spark-figure neuron lif``: simulate, draw into gallery/_figures/, show with what it shows."""

    required_arguments = 2

    def run(self):
        from spark_lab import registry

        kind, name = self.arguments
        env = self.state.document.settings.env
        folder = Path(env.srcdir) / "gallery" / "_figures"
        folder.mkdir(parents=True, exist_ok=True)
        what = spark_figures.draw(kind, registry.get(kind, name), folder / f"{kind}-{name}.png")
        if what is None:
            return [nodes.paragraph(text="No figure for this kind of component.")]
        figure = nodes.figure()
        figure += nodes.image(uri=f"/gallery/_figures/{kind}-{name}.png", alt=f"{name}: {what}")
        figure += nodes.caption(text=f"{what} Simulated by spark_lab {spark_lab.__version__} when this page was built.")
        return [figure]


def code_changed(app, env, added, changed, removed) -> list[str]:
    """Reread the pages made from the code when the code changed (Sphinx tracks only the page
    files, and a reference or gallery page stays the same text when a docstring changes)."""
    src = Path(spark_lab.__file__).parent
    stamp = sorted((str(p.relative_to(src)), p.stat().st_mtime_ns, p.stat().st_size) for p in src.rglob("*.py"))
    stamp += [(str(p), p.stat().st_mtime_ns) for p in Path(__file__).parent.glob("*.py")]
    if getattr(env, "spark_code_stamp", None) == stamp:
        return []
    env.spark_code_stamp = stamp
    return [d for d in env.found_docs if d.startswith(("reference/", "gallery/"))]


def setup(app):
    app.connect("env-get-outdated", code_changed)
    app.connect("builder-inited", generate)
    app.connect("autodoc-skip-member", skip_member)
    app.connect("autodoc-process-docstring", add_component_docs)
    app.connect("autodoc-process-bases", public_bases)
    app.add_directive("spark-params", ParamsDirective)
    app.add_directive("spark-equations", EquationsDirective)
    app.add_directive("spark-figure", FigureDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
