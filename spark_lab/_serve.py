"""``spark-lab app`` and ``spark-lab lab``: serve the lab as a page, or open JupyterLab on the quickstart.

    spark-lab app balanced_ei            the combined lab (graph editor, run controls, sliders,
                                         monitors) of a shipped example, as a page with no code
    spark-lab app my_model.json --port 8870 --no-browser
    spark-lab lab                        JupyterLab with the current folder as its root, opened
                                         on notebooks/00_quickstart.ipynb when it is there

App mode writes a one-cell notebook (``Lab(MODEL)``) to a private temporary folder and
serves it with Voilà, which shows the widgets and never the code. The kernel works in the
folder the command was started from, so exported figures and recordings land there. The
model is checked before anything is served: a bad file is reported as ``spark-lab
validate`` reports it, and no server starts. Limits: one kernel per page load (Voilà's
default); the page lives as long as the command (Ctrl-C ends both); the server listens on
127.0.0.1 unless ``--ip`` says otherwise.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

QUICKSTART = Path("notebooks") / "00_quickstart.ipynb"


def app_notebook(model: str, workdir: str, title: str | None = None) -> dict:
    """The notebook App mode serves (nbformat 4, as a dict): a heading and one code cell
    that moves the kernel to ``workdir`` and shows ``Lab(model)``. ``model`` is an absolute
    model-file path or a shipped example's name (see :func:`resolve_model`)."""
    title = title or f"spark_lab: {Path(model).stem}"
    code = (
        "import os\n"
        f"os.chdir({workdir!r})\n"
        "from spark_lab.notebook import Lab\n"
        f"lab = Lab({model!r})\n"
        "lab"
    )
    cells = [
        {"cell_type": "markdown", "id": "title", "metadata": {}, "source": f"# {title}"},
        {"cell_type": "code", "id": "lab", "metadata": {}, "execution_count": None, "outputs": [], "source": code},
    ]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"},
                                         "title": title},
            "nbformat": 4, "nbformat_minor": 5}


def resolve_model(model: str) -> str:
    """``model`` (a model file or a shipped example's name) checked, as an absolute path.
    Raises ModelError (every problem of the file) before anything is served."""
    from .model import load
    from .model._files import resolve
    load(model)                              # every problem of the file, before a server starts
    return str(Path(model).resolve()) if Path(model).exists() else str(resolve(model))


def voila_command(notebook: str, port: int, open_browser: bool, ip: str) -> list[str]:
    """The Voilà command line that serves ``notebook`` (sources stripped, tracebacks shown)."""
    cmd = [sys.executable, "-m", "voila", notebook, f"--port={port}", f"--Voila.ip={ip}",
           "--strip_sources=True", "--show_tracebacks=True"]
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def lab_command(root: str, notebook: str | None, port: int | None, open_browser: bool) -> list[str]:
    """The JupyterLab command line: ``root`` as the server's root (README, docs and notebooks
    in its file browser), opening ``notebook`` (a path relative to ``root``) when given."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}"]
    if notebook:
        cmd.append(f"--LabApp.default_url=/lab/tree/{Path(notebook).as_posix()}")
    if port:
        cmd.append(f"--port={port}")
    if not open_browser:
        cmd.append("--no-browser")
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")           # JupyterLab refuses root without it
    return cmd


def _exec(cmd: list[str]) -> int:
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 130


def _app(args) -> int:
    from .errors import SparkLabError
    if shutil.which("voila") is None and not _has_module("voila"):
        raise SparkLabError("spark-lab app needs Voilà: pip install 'spark_lab[notebooks]' (or voila)")
    model = resolve_model(args.model)
    folder = tempfile.mkdtemp(prefix="spark-lab-app-")
    try:
        nb = Path(folder) / f"{Path(args.model).stem}.ipynb"
        nb.write_text(json.dumps(app_notebook(model, os.getcwd(), args.title), indent=1))
        print(f"serving {args.model} at http://{args.ip}:{args.port}/ (Ctrl-C ends it)", file=sys.stderr,
              flush=True)
        return _exec(voila_command(str(nb), args.port, not args.no_browser, args.ip))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _lab(args) -> int:
    root = Path(args.root).resolve()
    notebook = args.notebook
    if notebook is None and (root / QUICKSTART).exists():
        notebook = str(QUICKSTART)
    return _exec(lab_command(str(root), notebook, args.port, not args.no_browser))


def _has_module(name: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(name) is not None


def add_parser(sub) -> None:
    """Register the ``app`` and ``lab`` subcommands on the ``spark-lab`` argument parser."""
    a = sub.add_parser("app", help="serve the combined lab of a model file or example as a page (Voilà)")
    a.add_argument("model", help="a model file, or the name of a shipped example (spark-lab examples)")
    a.add_argument("--port", type=int, default=8866, help="port to listen on (default 8866)")
    a.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    a.add_argument("--title", help="the page's heading (default: spark_lab: MODEL)")
    a.add_argument("--no-browser", action="store_true", help="do not open a browser")
    a.set_defaults(fn=_app)
    lab = sub.add_parser("lab", help="JupyterLab on this folder, opened on notebooks/00_quickstart.ipynb")
    lab.add_argument("notebook", nargs="?", help="the notebook to open, relative to --root")
    lab.add_argument("--root", default=".", help="the server's root folder (default: the current folder)")
    lab.add_argument("--port", type=int, help="port to listen on")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.set_defaults(fn=_lab)
