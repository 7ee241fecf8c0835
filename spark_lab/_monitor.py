"""The monitor plug-in interface of a session: ``Monitor`` and the ``Frame`` it is fed.

A monitor is attached with ``Session.add_monitor``; the session records the union of every
monitor's ``records`` and, after every chunk, calls ``monitor.step(frame)`` on its own thread.
Both names are re-exported by ``spark_lab.session``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._recorder import columns

if TYPE_CHECKING:
    from .session import Session

__all__ = ["Frame", "Monitor"]


@dataclass
class Frame:
    """What one chunk produced, handed to every monitor.

    t_start: first step of the chunk; steps: its length; dt: step in ms.
    counts:  {pool: (n,) int array} spikes per neuron during the chunk.
    records: {"pool.var": (samples, n_sel) array}; spikes as bool, variables as float.
    times:   {"pool.var": (samples,) step indices}.
    neurons: {"pool.var": tuple of recorded neuron indices, or None for all}.
    wall_s:  wall-clock seconds the chunk took.
    """
    t_start: int
    steps: int
    dt: float
    counts: dict
    records: dict
    times: dict
    neurons: dict
    wall_s: float

    @property
    def t_end(self) -> int:
        """The step index after the chunk's last step."""
        return self.t_start + self.steps

    def get(self, pool: str, var: str = "spikes", neurons=None) -> np.ndarray:
        """Columns of ``pool.var`` for ``neurons`` (pool indices; None = all recorded)."""
        key = f"{pool}.{var}"
        data = self.records[key]
        return data if neurons is None else data[:, columns(self.neurons[key], neurons, key)]


class Monitor:
    """Base class of session monitors (plug-ins fed after every chunk).

    records: RecordSpecs the monitor needs (read when it is attached); the session records
                   their union in its ring buffers.
    init(session): called when attached (after its records are set up) and again after
                   ``reset`` (clear your data).
    step(frame):   called on the session thread after each chunk; keep it cheap, throttle
                   drawing yourself (the session waits for it).
    flush():       called when the session goes idle (pause, step done, divergence, stop):
                   draw what a throttle held back.
    close():       called when the monitor is removed or the session stops.
    """
    records: tuple = ()

    def init(self, session: Session) -> None:
        """Called when attached, and again after ``reset``: clear your data."""
        pass

    def step(self, frame: Frame) -> None:
        """Called on the session thread after each chunk with what it produced; keep it cheap."""
        pass

    def flush(self) -> None:
        """Called when the session goes idle: draw what a throttle held back."""
        pass

    def close(self) -> None:
        """Called when the monitor is removed or the session stops."""
        pass
