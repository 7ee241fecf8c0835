"""LayoutViews: the properties a runner derives from its frozen layout and step index.

One definition for :class:`~spark_lab.simulator.Simulator` and the runners that wrap one
(``spark_lab.sharding.ShardedSimulator``), so the two cannot drift apart. Imports nothing
of spark_lab (no import cycles).
"""
from __future__ import annotations


class LayoutViews:
    """Read-only views for a runner that has ``layout`` (a frozen
    :class:`~spark_lab._layout.Layout`), ``t`` (the step index) and ``dt`` (the step in ms)."""

    @property
    def fdtype(self):
        """numpy float type of the state (float32 or float64, from ``Network(dtype=...)``)."""
        return self.layout.fdtype

    @property
    def native(self) -> bool:
        """True when the C++ propagation kernel is used (CPU, float32)."""
        return self.layout.native

    @property
    def modulators(self) -> tuple:
        """Names of the modulator channels read by plasticity rules."""
        return self.layout.modulators

    @property
    def plastic(self) -> tuple:
        """Names of the plastic projections, in state order."""
        return self.layout.plastic

    @property
    def time_ms(self) -> float:
        """Current time in ms."""
        return self.t * self.dt

    def fingerprint(self) -> str:
        """Hash of the structure (``layout.structure_signature()``, row widths, connectivity):
        equal for equal networks (a checkpoint names the network by it)."""
        return self.layout.fingerprint()
