"""What the docs generate from the code before Sphinx reads anything (docs/_ext/spark_docs.py).

* the API reference pages, one per group of ``spark_lab.__all__``, plus ``spark_lab.notebook``
  and ``spark_lab.model`` (reST with autodoc directives, under docs/reference/api/);
* the component gallery, one page per registered neuron, synapse and plasticity model
  (MyST, under docs/gallery/);
* the tutorials: copies of notebooks/*.ipynb under docs/tutorials/, their stored outputs kept,
  except that a widget's output (which needs a live kernel) becomes a one-line note.

Everything written here is listed in docs/.gitignore: the code is the source.
"""
from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import spark_lab
import spark_lab.model
import spark_lab.notebook
import spark_lab.notebook.editor
from spark_lab import registry
from spark_lab.connectivity import Connectivity
from spark_lab.initializers import Initializer
from spark_lab.interfaces import _base as interfaces_base
from spark_lab.interfaces import routing as interfaces_routing
from spark_lab.neurons import NeuronModel
from spark_lab.plasticity import PlasticityRule
from spark_lab.synapses import SynapseModel

#: classes that state a component contract; their subclasses implement it, and the
#: reference documents the contract once, on the base (spark_docs.skip_member)
CONTRACTS = (spark_lab._component.Component, NeuronModel, SynapseModel, PlasticityRule, Connectivity,
             Initializer, interfaces_base.Encoder, interfaces_base.Decoder, interfaces_routing.Routing)
CONTRACT_METHODS = frozenset(k for base in CONTRACTS for k in vars(base) if not k.startswith("_"))

#: reference groups of spark_lab.__all__: (file, title, intro); group_of() sorts names into them
GROUPS = (
    ("core", "Networks, simulation and sessions",
     "Describe a network, build it into a simulator, run it in chunks, batch it, run it live."),
    ("declarations", "Parameter declarations",
     "Every parameter of every component is declared once, with its unit, range and help."),
    ("neurons", "Neuron models", "Models of a pool's neurons; their input unit is ``INPUT_UNIT``."),
    ("synapses", "Synapse models", "What an arriving spike does to the postsynaptic neuron."),
    ("plasticity", "Plasticity rules", "Rules that change the weights (or efficacies) of a projection."),
    ("connectivity", "Connectivity", "Which pre/post pairs a projection connects."),
    ("initializers", "Initializers", "Per-neuron parameter values and per-synapse weights drawn from a distribution."),
    ("interfaces", "Encoders, decoders and routing", "Values in and out of a network (spark_lab.interfaces)."),
    ("files", "Model files", "A network as one JSON document; see also :doc:`model`."),
    ("errors", "Errors", "Every error spark_lab raises names the component, the field and what is allowed."),
    ("modules", "Modules", "The submodules exported by ``spark_lab``."),
)
KIND_GROUP = {"neuron": "neurons", "synapse": "synapses", "plasticity": "plasticity",
              "connectivity": "connectivity", "initializer": "initializers",
              "encoder": "interfaces", "decoder": "interfaces", "routing": "interfaces"}
GALLERY_KINDS = (("neuron", "Neuron models"), ("synapse", "Synapse models"), ("plasticity", "Plasticity rules"))


def group_of(obj) -> str:
    if inspect.ismodule(obj):
        return "modules"
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return "errors"
    if inspect.isclass(obj) and getattr(obj, "kind", None) in KIND_GROUP:
        return KIND_GROUP[obj.kind]
    if inspect.isfunction(obj) and obj.__module__.startswith("spark_lab.model"):
        return "files"
    if inspect.isclass(obj) and obj in (spark_lab.Param, spark_lab.Choice):
        return "declarations"
    return "core"


def directive(obj, name: str) -> str:
    """The autodoc directive documenting ``obj`` as ``name``."""
    if inspect.isclass(obj):
        if issubclass(obj, BaseException):
            return f".. autoexception:: {name}\n   :show-inheritance:\n   :members:\n"
        inherited = "   :inherited-members:\n" if private_bases(obj) else ""
        return f".. autoclass:: {name}\n   :show-inheritance:\n   :members:\n{inherited}"
    if callable(obj):
        return f".. autofunction:: {name}\n"
    return data_directive(obj, name)


def private_bases(cls) -> list:
    """The bases of ``cls`` that spark_lab defines but does not export (mixins such as
    Simulator's LayoutViews or Session's SaveRun): their public members belong on the page of
    ``cls``, which is where a user looks for them."""
    public = {id(getattr(m, n)) for m in (spark_lab, spark_lab.notebook, spark_lab.model) for n in m.__all__}
    return [b for b in cls.__bases__ if b.__module__.startswith("spark_lab") and id(b) not in public]


def data_directive(obj, name: str) -> str:
    doc = attr_doc(name) or ["(undocumented)"]
    body = "\n".join("   " + line for line in doc)
    return f".. py:data:: {name}\n   :value: {obj!r}\n\n{body}\n"


def attr_doc(name: str) -> list[str]:
    """The ``#:`` doc comment of module constant ``name`` ("spark_lab.model.MAX_BYTES"), found
    in whichever submodule of its package defines it."""
    from sphinx.pycode import ModuleAnalyzer

    pkg, _, attr = name.rpartition(".")
    obj = getattr(sys.modules[pkg], attr)
    for modname, mod in sorted(sys.modules.items()):
        if not modname.startswith(pkg) or getattr(mod, attr, None) is not obj or mod.__dict__.get(attr) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except Exception:                       # a compiled or source-less module
            continue
        if ("", attr) in docs:
            return [line for line in docs[("", attr)] if line.strip()]
    return []


def public_name(obj) -> str | None:
    """``spark_lab.X`` where ``obj`` is exported at the top level under its own name."""
    name = getattr(obj, "__name__", None)
    if name in spark_lab.__all__ and getattr(spark_lab, name) is obj:
        return f"spark_lab.{name}"
    return None


def module_members(mod) -> list[str]:
    """A module's public names: its ``__all__``, or the public classes and functions it defines."""
    if hasattr(mod, "__all__"):
        return list(mod.__all__)
    return [k for k, v in vars(mod).items() if not k.startswith("_") and (inspect.isclass(v) or inspect.isfunction(v))
            and v.__module__ == mod.__name__]


def module_section(mod, title_level: str = "-") -> str:
    """A module's docstring, a summary table, and an entry for each member not exported at the top."""
    name = mod.__name__
    out = [name, title_level * len(name), "", f".. automodule:: {name}", "", ".. autosummary::", ""]
    entries = []
    for k in module_members(mod):
        obj = getattr(mod, k)
        target = public_name(obj) if not inspect.ismodule(obj) else None
        out.append(f"   ~{target}" if target else f"   {k}")       # relative: automodule set the module
        if target is None:
            entries.append(directive(obj, f"{name}.{k}"))
    return "\n".join(out) + "\n\n" + "\n".join(entries) + "\n"


def reference_pages(root: Path) -> list[Path]:
    """docs/reference/api/*.rst: every name of spark_lab.__all__, the notebook layer and the model module."""
    api = root / "reference" / "api"
    api.mkdir(parents=True, exist_ok=True)
    grouped: dict[str, list[str]] = {g: [] for g, _, _ in GROUPS}
    for k in spark_lab.__all__:
        grouped[group_of(getattr(spark_lab, k))].append(k)
    written = []
    for key, title, intro in GROUPS:
        names = grouped[key]
        if not names:
            continue
        lines = [title, "=" * len(title), "", ".. currentmodule:: spark_lab", "", intro, ""]
        if key == "modules":
            lines += [module_section(getattr(spark_lab, k)) for k in names if k != "model"]
            lines.append("``spark_lab.model``: see :doc:`model`.\n")
        else:
            lines += [".. autosummary::", ""] + [f"   {k}" for k in names] + [""]
            lines += [directive(getattr(spark_lab, k), f"spark_lab.{k}") for k in names]
        written.append(_write(api / f"{key}.rst", "\n".join(lines)))
    nb = spark_lab.notebook
    text = ["The notebook layer", "=" * 18, "", module_section(nb, "-").split("\n", 2)[2]]
    text.append(module_section(spark_lab.notebook.editor, "-"))
    written.append(_write(api / "notebook.rst", "\n".join(text)))
    written.append(_write(api / "model.rst", "The model file API\n" + "=" * 18 + "\n\n"
                          + module_section(spark_lab.model).split("\n", 2)[2]))
    return written


def reference_names() -> list[tuple[str, object]]:
    """(documented name, object) of everything the reference pages document in full."""
    out = [(f"spark_lab.{k}", getattr(spark_lab, k)) for k in spark_lab.__all__]
    modules = [getattr(spark_lab, k) for k in spark_lab.__all__ if inspect.ismodule(getattr(spark_lab, k))]
    for mod in modules + [spark_lab.notebook, spark_lab.notebook.editor]:
        for k in module_members(mod):
            obj = getattr(mod, k)
            if inspect.ismodule(obj) or public_name(obj) is None:
                out.append((f"{mod.__name__}.{k}", obj))
    return out


def gallery_pages(root: Path) -> list[Path]:
    """docs/gallery/<kind>-<name>.md for every registered neuron, synapse and plasticity model, and the index."""
    gal = root / "gallery"
    gal.mkdir(exist_ok=True)
    written, index = [], ["# Component gallery", "",
                          "One page per built-in model: its equations (from its docstring), its parameters (from its",
                          "`Param` declarations) and a figure simulated by spark_lab while these pages were built",
                          "(`docs/_ext/spark_figures.py`).", ""]
    for kind, title in GALLERY_KINDS:
        index += [f"## {title}", "", "```{toctree}", ":maxdepth: 1", ""]
        for name in registry.names(kind):
            cls = registry.get(kind, name)
            if getattr(cls, "FROM_DATA", False):      # NeuronEquations & co: a model per set of equations
                continue
            target = public_name(cls) or f"{cls.__module__}.{cls.__qualname__}"
            summary = (inspect.getdoc(sys.modules[cls.__module__]) or "").split("\n", 1)[0]
            unit = f" · input unit {cls.INPUT_UNIT}" if kind == "neuron" else ""
            page = [f"# {cls.__name__}", "", summary, "",
                    f"API entry: {{py:class}}`{target}` · model-file name `\"{name}\"`{unit}", "",
                    "## Equations", "", "```{eval-rst}", f".. spark-equations:: {target}", "   :skip-summary:",
                    "```", "",
                    "## Parameters", "", f"```{{spark-params}} {target}", "```", "",
                    "## Figure", "", f"```{{spark-figure}} {kind} {name}", "```", ""]
            written.append(_write(gal / f"{kind}-{name}.md", "\n".join(page)))
            index.append(f"{kind}-{name}")
        index += ["```", ""]
    written.append(_write(gal / "index.md", "\n".join(index)))
    return written


#: what a widget's stored output becomes in the rendered page (a static page has no kernel)
WIDGET_NOTE = "[interactive widget: run this notebook in JupyterLab (make lab) to use it]"


def tutorial_copies(root: Path, notebooks: Path) -> list[Path]:
    """docs/tutorials/*.ipynb: the notebooks with their stored outputs; widget outputs as a note."""
    out = root / "tutorials"
    written = []
    for src in sorted(notebooks.glob("*.ipynb")):
        nb = json.loads(src.read_text(encoding="utf-8"))
        nb.get("metadata", {}).pop("widgets", None)
        for cell in nb["cells"]:
            for o in cell.get("outputs", []):
                data = o.get("data", {})
                if "application/vnd.jupyter.widget-view+json" in data:
                    o["data"] = {"text/plain": WIDGET_NOTE}
        written.append(_write(out / src.name, json.dumps(nb, indent=1, ensure_ascii=False) + "\n"))
    return written


def _write(path: Path, text: str) -> Path:
    """Write only when the text changed, so that Sphinx rereads only what changed."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path
