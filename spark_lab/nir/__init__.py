"""NIR (the Neuromorphic Intermediate Representation, PyPI ``nir``) import and export.

    net = sl.nir.load("model.nir")           # or a nir.NIRGraph; dt=0.1 ms unless given
    sl.nir.save(net, "model.nir")

NIR is how snnTorch, Norse, Spyx, Rockpool, Sinabs, Lava-DL and neuromorphic hardware
exchange networks. Its neurons (LIF, CubaLIF, IF, LI, CubaLI) become spark_lab LIF pools,
its linear nodes (Linear, Affine, Scale, Delay, Flatten, Conv1d/2d, Sum/AvgPool2d) dense
``FromMatrix`` projections, its Input nodes ``SpikeInput`` pools and its Output nodes
records. The continuous dynamics are integrated exactly at the network's ``dt``. The
units, the spike convention (``spike_area``), reset, bias, delays and what is refused in
either direction are in docs/nir.md. The ``nir`` package is imported on first use.
"""
from __future__ import annotations

import pathlib

__all__ = ["load", "save", "to_graph"]


def load(source, dt: float | None = None, spike_area: float = 1.0, ms_per_unit: float = 1000.0):
    """A Network from a NIR graph.

    source:      a ``nir.NIRGraph`` (or one node), or the path of a .nir (HDF5) file.
    dt:          time step in ms; default: the one a spark_lab export stored, else 0.1.
    spike_area:  the area of one NIR spike (a Dirac delta), in NIR time units. 1 is the
                 unit impulse. Discrete-time exporters (snnTorch, Norse) mean one step: give
                 their dt in seconds (snnTorch: 1e-4).
    ms_per_unit: milliseconds per NIR time unit (1000: NIR times are in seconds).

    Raises ParameterError naming the NIR node and field spark_lab cannot run.
    """
    from ._import import to_network
    return to_network(source, dt=dt, spike_area=spike_area, ms_per_unit=ms_per_unit)


def to_graph(net, spike_area: float = 1.0, ms_per_unit: float = 1000.0):
    """The ``nir.NIRGraph`` of ``net`` (see ``save``)."""
    from ._export import to_graph as _to_graph
    return _to_graph(net, spike_area=spike_area, ms_per_unit=ms_per_unit)


def save(net, path, spike_area: float = 1.0, ms_per_unit: float = 1000.0) -> None:
    """Write ``net`` as a NIR file (HDF5, ``nir.write``).

    Exports LIF pools with t_ref = 0 (as LIF, CubaLIF, IF or LI), spike_input pools (as
    Input), Delta and Exponential synapses, delays and fixed weights (as drawn from the
    seed, signed by Dale's law). Refuses, naming the pool or projection, what NIR cannot
    express: Poisson and spike-generator sources, AdEx/Izhikevich/EIF/ALIF, refractory
    periods, conductance and bi-exponential synapses, plasticity, interface nodes.
    Nothing is written when it refuses.
    """
    import nir
    graph = to_graph(net, spike_area=spike_area, ms_per_unit=ms_per_unit)
    nir.write(str(pathlib.Path(path)), graph)
