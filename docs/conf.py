"""Sphinx configuration of the spark_lab documentation (`make docs` -> build/docs/).

Why Sphinx (with MyST and myst-nb) is in docs/about-these-pages.md.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))            # this checkout's spark_lab, not an installed one
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import spark_lab  # noqa: E402

project = "spark_lab"
author = "the spark_lab authors"
copyright = "the spark_lab authors"
release = version = spark_lab.__version__

extensions = [
    "myst_nb",                      # MyST markdown pages and the notebooks (includes myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "spark_docs",                   # docs/_ext: generated pages, parameter tables, gallery figures
]

exclude_patterns = ["_build", "**/.ipynb_checkpoints", "README.md"]
templates_path = []

# ---------------------------------------------------------------- strictness (sphinx-build -W)
# every cross-reference must resolve; the exceptions are names of other libraries, which
# these pages cannot link to (no intersphinx: the build needs no network)
nitpicky = True
nitpick_ignore_regex = [
    ("py:.*", r"(numpy|np|jax|jnp|ipywidgets|widgets|bqplot|ipycytoscape|gymnasium|pathlib|os|typing)\..*"),
    ("py:.*", r"(ndarray|Array|ArrayLike|Path|PathLike|Any|Callable|Iterable|Iterator|Mapping|Sequence)"),
    ("py:.*", r"(optional|callable|array|array-like|arrays|iterable|mapping)"),
]
suppress_warnings = ["myst.header"]     # notebooks may start with a level-2 heading

# ---------------------------------------------------------------- API reference
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"              # signatures show the names; the docstrings state units and types
autodoc_inherit_docstrings = True
autosummary_generate = False            # the pages are written by docs/_ext/spark_pages.py
add_module_names = False
napoleon_google_docstring = False
napoleon_numpy_docstring = False

# ---------------------------------------------------------------- MyST and notebooks
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"               # stored outputs only: CI runs the notebooks under nbval
nb_merge_streams = True

# ---------------------------------------------------------------- HTML
html_theme = "furo"
html_title = f"spark_lab {release}"
html_static_path = []
html_show_sourcelink = False
html_last_updated_fmt = None
