"""Declarations of the network-level parameters: the values a network holds outside its
components (``g_inh`` of a Dale pool, a projection's ``weight`` and ``delay``, the step
``dt``, a recording's ``every``).

They are :class:`~spark_lab._params.Param` objects like a component's ``PARAMS``, so
validation, the model file, the inspector and the sliders read one declaration:

    POOL_PARAMS            {"g_inh": Param}                 per pool
    projection_params(...) {"weight": Param, "delay": Param} per projection: the weight's
                           unit is the post pool's input unit, its lower bound 0 when the
                           pre pool follows Dale's law; the delay is a multiple of dt
    NETWORK_PARAMS         {"dt": Param}
    RECORD_PARAMS          {"every": Param}

Limits: ``weight`` takes a number or, for a projection built with per-synapse weights,
an array of one value per synapse; the declaration states unit and bounds, not the shape.
``delay`` and ``dt`` are structure (a change rebuilds the network), declared here for the
model file and the inspector.
"""
from __future__ import annotations

from ._params import Param

G_INH = Param(1.0, "1", low=0.0, per_neuron=False, typical=(0.0, 10.0),
              help="inhibitory gain of a Dale pool: weights from its inhibitory neurons act as -g_inh x weight")
DT = Param(0.1, "ms", low=0.0, low_open=True, per_neuron=False, log=True, typical=(0.01, 1.0),
           help="simulation time step")
EVERY = Param(1, "steps", low=1, integer=True, per_neuron=False, typical=(1, 100),
              help="record every k-th step")

POOL_PARAMS = {"g_inh": G_INH}
NETWORK_PARAMS = {"dt": DT}
RECORD_PARAMS = {"every": EVERY}


def weight_param(unit: str, dale: bool, post: str = "") -> Param:
    """The declaration of a projection's ``weight``: in the post pool's input ``unit``;
    magnitudes >= 0 when the pre pool follows Dale's law (``dale``)."""
    into = f" in the input unit of {post!r}" if post else ""
    sign = "; a magnitude >= 0, the sign comes from the neuron type (Dale)" if dale else ""
    return Param(1.0, unit, low=0.0 if dale else None, per_neuron=False, typical=(0.0, 10.0) if dale else (-10.0, 10.0),
                 help=f"synaptic weight{into}{sign}")


def delay_param(dt: float) -> Param:
    """The declaration of a projection's ``delay``: >= 0 ms, a whole multiple of ``dt``."""
    return Param(0.0, "ms", low=0.0, per_neuron=False, typical=(0.0, 20.0),
                 help=f"axonal delay, a multiple of dt = {dt:g} ms")


def projection_params(net, name: str) -> dict:
    """{"weight": Param, "delay": Param} of projection ``name`` of ``net``."""
    pr = net.projections[name]
    post = net.pools[pr.post]
    dale = net.pools[pr.pre].excitatory is not None
    return {"weight": weight_param(post.model.INPUT_UNIT, dale, pr.post), "delay": delay_param(net.dt)}
