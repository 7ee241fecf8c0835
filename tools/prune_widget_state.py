"""Drop the saved state of widgets no output can reach from a notebook's metadata.

nbclient (``jupyter nbconvert --execute``) stores the state of every widget the kernel
ever opened, closed ones included; an editor that rebuilds its inspector leaves
thousands of them. A widget is kept when a widget output of a cell refers to it, or
a kept widget does (``"IPY_MODEL_<id>"`` references). Usage:

    python tools/prune_widget_state.py notebooks/03_graph_editor.ipynb
"""
from __future__ import annotations

import json
import sys

MIME_STATE = "application/vnd.jupyter.widget-state+json"
MIME_VIEW = "application/vnd.jupyter.widget-view+json"


def _refs(value, out: set) -> None:
    if isinstance(value, str) and value.startswith("IPY_MODEL_"):
        out.add(value[len("IPY_MODEL_"):])
    elif isinstance(value, dict):
        for v in value.values():
            _refs(v, out)
    elif isinstance(value, list):
        for v in value:
            _refs(v, out)


def prune(nb: dict) -> tuple[int, int]:
    """Prune ``nb`` in place; returns (widgets before, widgets kept)."""
    store = nb.get("metadata", {}).get("widgets", {}).get(MIME_STATE)
    if not store:
        return 0, 0
    state = store["state"]
    todo = [o["data"][MIME_VIEW]["model_id"] for c in nb["cells"] for o in c.get("outputs", [])
            if MIME_VIEW in o.get("data", {})]
    keep: set = set()
    while todo:
        mid = todo.pop()
        if mid in keep or mid not in state:
            continue
        keep.add(mid)
        found: set = set()
        _refs(state[mid], found)
        todo.extend(found - keep)
    before = len(state)
    store["state"] = {k: v for k, v in state.items() if k in keep}
    return before, len(keep)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path) as f:
            nb = json.load(f)
        before, kept = prune(nb)
        with open(path, "w") as f:
            json.dump(nb, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{path}: kept {kept} of {before} widget states")
