"""The palette: which components can become nodes, grouped the way the user thinks of them.

- *Neuron pools*: neuron models that integrate input; a node is a pool.
- *Inputs*: neuron models that produce spikes without integrating input (``VOLTAGE is
  None`` and no state variables, e.g. ``PoissonSource``), and the encoders (registry
  kind "encoder"). A projection into an input is refused: a spike generator ignores
  its input, a Poisson source would read synaptic input as a rate. An encoder node is
  an input node of the network (``Network.add_input``); a CurrentEncoder injects into
  an existing pool instead of making one.
- *Outputs*: the decoders (kind "decoder"); a node is an output node (``add_output``).

Routings (``Concat``, ``Subset``) are not nodes: a routing has no name and no life of
its own in a network, it is the *source* of one decoder. The editor draws a decoder's
source as edges from the pools it reads and chooses the routing in the decoder's
inspector ("all neurons" or a seeded subset).

Models written as equations (``NeuronEquations``) appear as "from equations": a LIF
written as equations, whose inspector edits the text (``_equation_form``).

Components that cannot be made from their declared defaults (``SpikeGenerator`` needs
spike times) are left out of the palette; networks that contain them are still shown
and edited.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import _backend

GROUPS = ("Neuron pools", "Inputs", "Outputs")
DEFAULT_N = 100
_GRID = (150.0, 110.0)        # spacing of the free spots, canvas pixels
_ORIGIN = (70.0, 60.0)
_COLUMNS = 3
_CLEAR = (150.0, 95.0)        # centre distance in x or in y that leaves a gap between two nodes


@dataclass(frozen=True)
class Entry:
    """One palette item: ``group``, registry ``name``, component class (for the equation
    models the example's class, so that ``cls(**values)`` works), first docstring line.
    ``kind`` is the registry kind: "neuron", "encoder" or "decoder"."""
    group: str
    name: str
    cls: type
    help: str
    kind: str = "neuron"

    @property
    def label(self) -> str:
        return _backend.label(self.cls)


def is_source(model_or_cls) -> bool:
    """True for neuron models that only emit spikes (inputs of the network)."""
    return getattr(model_or_cls, "VOLTAGE", "v") is None and not getattr(model_or_cls, "STATE", ("v",))


def group_of(model_or_cls) -> str:
    return "Inputs" if is_source(model_or_cls) else "Neuron pools"


def entries() -> dict[str, list[Entry]]:
    """``{group: [Entry, ...]}`` of every neuron model, encoder and decoder that can be
    added from its defaults."""
    out: dict[str, list[Entry]] = {g: [] for g in GROUPS}
    for kind in ("neuron", "encoder", "decoder"):
        for name, cls in _backend.components(kind).items():
            if _backend.default_instance(cls) is None or getattr(cls, "PALETTE", True) is False:
                continue
            doc = (cls.__doc__ or "").strip().splitlines()
            cls = _backend.palette_class(cls)
            group = {"encoder": "Inputs", "decoder": "Outputs"}.get(kind) or group_of(cls)
            out[group].append(Entry(group, name, cls, doc[0] if doc else cls.__name__, kind))
    return out


def find(name_or_label: str) -> Entry:
    """The palette entry with this registry name ("lif") or class name ("LIF")."""
    for group in entries().values():
        for e in group:
            if name_or_label in (e.name, e.label, e.cls.__name__):
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


def free_spot(layout: dict, min_dist: float = 100.0, near=None) -> tuple[float, float]:
    """The first point of a grid (row by row) whose node would keep clear of every placed
    node (the values of ``layout``): at least ``min_dist`` pixels between centres, and
    boxes apart by a visible gap (``_CLEAR``: a node is about 120 x 54 pixels, so an edge
    between neighbours stays visible). With ``near`` (x, y): that point if it is free and
    not right of the grid (a narrow canvas would hide it)."""
    taken = list(layout.values())

    def free(x, y):
        return all(((x - px) ** 2 + (y - py) ** 2 >= min_dist ** 2)
                   and (abs(x - px) >= _CLEAR[0] or abs(y - py) >= _CLEAR[1]) for px, py in taken)
    if near is not None and near[0] <= _ORIGIN[0] + (_COLUMNS - 1) * _GRID[0] and free(*near):
        return (float(near[0]), float(near[1]))
    k = 0
    while True:
        x = _ORIGIN[0] + (k % _COLUMNS) * _GRID[0]
        y = _ORIGIN[1] + (k // _COLUMNS) * _GRID[1]
        if free(x, y):
            return (x, y)
        k += 1


def needs_pool(entry) -> bool:
    """Decoders and current encoders are added by picking a pool after the palette click."""
    return entry.kind == "decoder" or (entry.kind == "encoder" and entry.cls.OUTPUT == "current")


def default_size(encoder) -> int | None:
    """A new encoder's pool size: 100 copies' worth when it takes copies, else its own size."""
    if encoder.COPIES and DEFAULT_N % encoder.size() == 0:
        return DEFAULT_N
    return None
