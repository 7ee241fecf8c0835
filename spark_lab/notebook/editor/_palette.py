"""The palette: which components can become nodes, grouped the way the user thinks of them.

A node of the editor is a pool of the network. Neuron models that produce spikes
without integrating input (``VOLTAGE is None`` and no state variables, e.g.
``PoissonSource``) are listed as *inputs*; a projection into such a pool is refused
because it would do nothing sensible (a spike generator ignores its input, a Poisson
source would read synaptic input as a rate). Every other neuron model is a *neuron pool*.
Components that cannot be made from their declared defaults (``SpikeGenerator`` needs
spike times) are left out of the palette; networks that contain them are still shown
and edited.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import _backend

GROUPS = ("Neuron pools", "Inputs")
DEFAULT_N = 100
_GRID = (150.0, 110.0)        # spacing of the free spots, canvas pixels
_ORIGIN = (70.0, 60.0)
_COLUMNS = 3


@dataclass(frozen=True)
class Entry:
    """One palette item: ``group``, registry ``name``, component class, first docstring line."""
    group: str
    name: str
    cls: type
    help: str

    @property
    def label(self) -> str:
        return self.cls.__name__


def is_source(model_or_cls) -> bool:
    """True for neuron models that only emit spikes (inputs of the network)."""
    return getattr(model_or_cls, "VOLTAGE", "v") is None and not getattr(model_or_cls, "STATE", ("v",))


def group_of(model_or_cls) -> str:
    return "Inputs" if is_source(model_or_cls) else "Neuron pools"


def entries() -> dict[str, list[Entry]]:
    """``{group: [Entry, ...]}`` of every neuron model that can be added from its defaults."""
    out: dict[str, list[Entry]] = {g: [] for g in GROUPS}
    for name, cls in _backend.components("neuron").items():
        if _backend.default_instance(cls) is None or getattr(cls, "PALETTE", True) is False:
            continue
        doc = (cls.__doc__ or "").strip().splitlines()
        out[group_of(cls)].append(Entry(group_of(cls), name, cls, doc[0] if doc else cls.__name__))
    return out


def find(name_or_label: str) -> Entry:
    """The palette entry with this registry name ("lif") or class name ("LIF")."""
    for group in entries().values():
        for e in group:
            if name_or_label in (e.name, e.label):
                return e
    known = [e.label for g in entries().values() for e in g]
    raise _backend.EditorError(f"no component {name_or_label!r} in the palette; palette: {', '.join(known)}")


def unique_name(base: str, taken) -> str:
    """``base``, or ``base_2``, ``base_3``, ... whichever is free (``base`` made a valid name)."""
    base = re.sub(r"[^A-Za-z0-9_\-]", "_", base) or "pool"
    if not re.match(r"[A-Za-z_]", base):
        base = "p_" + base
    if base not in taken:
        return base
    k = 2
    while f"{base}_{k}" in taken:
        k += 1
    return f"{base}_{k}"


def free_spot(layout: dict, min_dist: float = 100.0) -> tuple[float, float]:
    """The first point of a grid (row by row) at least ``min_dist`` pixels from every
    placed node; placed nodes are the values of ``layout``."""
    taken = list(layout.values())
    k = 0
    while True:
        x = _ORIGIN[0] + (k % _COLUMNS) * _GRID[0]
        y = _ORIGIN[1] + (k // _COLUMNS) * _GRID[1]
        if all((x - px) ** 2 + (y - py) ** 2 >= min_dist ** 2 for px, py in taken):
            return (x, y)
        k += 1
