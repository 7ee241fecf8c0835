"""NIR neuron nodes <-> spark_lab LIF pools: units, weights and the leak (docs/nir.md).

Units: NIR time is in ``ms_per_unit`` ms (1000: seconds, what NIR writers use); NIR
potentials are read as mV. A NIR spike is a Dirac delta of area ``spike_area`` (NIR time
units; 1 = the unit impulse). So one spike through a weight W makes

    LIF     tau dv/dt = (v_leak - v) + r I            v jump        r W A / tau       (Delta synapse)
    IF          dv/dt = r I                           v jump        r W A             (Delta synapse)
    CubaLIF tau_syn dI/dt = -I + w_in S               drive jump    r w_in W A / tau_syn  (Exponential synapse)
            tau_mem dv/dt = (v_leak - v) + r I

A constant input b (an Affine bias) moves the leak: v_leak + r b (CubaLIF: + r w_in b, the
synaptic current starting at its steady value w_in b). IF has no leak to move, so a bias
into IF is refused. LI and CubaLI never fire: their threshold is ``NEVER_FIRES``.
"""
from __future__ import annotations

import numpy as np

from ..errors import ParameterError, SparkLabError
from ._graph import node_label

#: threshold of a pool made from a non-spiking NIR node (LI, CubaLI); export reads it back as LI
NEVER_FIRES = 1e30
#: membrane time constant (ms) of a pool made from NIR's IF (no leak: exp(-dt/tau) is exactly 1)
NO_LEAK_MS = 1e30

_FIELDS = {
    "LIF": ("tau", "r", "v_leak", "v_threshold", "v_reset"),
    "CubaLIF": ("tau_mem", "tau_syn", "r", "v_leak", "v_threshold", "v_reset", "w_in"),
    "IF": ("r", "v_threshold", "v_reset"),
    "LI": ("tau", "r", "v_leak"),
    "CubaLI": ("tau_mem", "tau_syn", "r", "v_leak", "w_in"),
}


class Mapped:
    """A NIR neuron node as spark_lab sees it: LIF keywords, the factor per target neuron that
    turns a NIR weight into a spark_lab weight, and the synaptic time constant (ms) or None."""

    def __init__(self, lif: dict, scale: np.ndarray, tau_syn_ms):
        self.lif, self.scale, self.tau_syn_ms = lif, scale, tau_syn_ms


def fields(name, node, n) -> dict:
    """The node's parameters as float64 arrays of n values, checked finite."""
    t = type(node).__name__
    out = {}
    for f in _FIELDS[t]:
        raw = getattr(node, f, None)
        a = np.asarray(0.0 if raw is None else raw, np.float64).ravel()
        if a.size == 1:
            a = np.full(n, a[0])
        if a.size != n:
            raise ParameterError(node_label(name, node), f, f"has {a.size} values for {n} neurons",
                                 "one value per neuron, or one for all")
        if not np.all(np.isfinite(a)):
            raise ParameterError(node_label(name, node), f, "contains NaN or inf", "finite values only")
        out[f] = a
    for f in ("tau", "tau_mem", "tau_syn"):
        if f in out and np.any(out[f] <= 0):
            raise ParameterError(node_label(name, node), f, f"got {float(out[f].min())!r}", "time constants are > 0")
    return out


def compact(a: np.ndarray):
    """One float when every neuron has the same value, else the array."""
    return float(a[0]) if np.all(a == a[0]) else a


def to_lif(name, node, n, bias, spike_area, ms) -> Mapped:
    """The spark_lab side of NIR neuron node ``name`` with n neurons and constant input ``bias``."""
    t = type(node).__name__
    p = fields(name, node, n)
    a = float(spike_area)
    if t == "IF":
        if np.any(bias != 0):
            raise ParameterError(node_label(name, node), "bias", "gets a constant input (an Affine bias)",
                                 "IF has no leak, so a constant input is a drift spark_lab's LIF cannot make; "
                                 "use a LIF, or drop the bias")
        lif = {"tau_m": NO_LEAK_MS, "v_rest": 0.0, "v_th": compact(p["v_threshold"]),
               "v_reset": compact(p["v_reset"]), "v0": 0.0}
        return Mapped(lif, p["r"] * a, None)
    cuba = t in ("CubaLIF", "CubaLI")
    tau = p["tau_mem"] if cuba else p["tau"]
    w_in = p["w_in"] if cuba else 1.0
    v_th = p["v_threshold"] if t in ("LIF", "CubaLIF") else np.full(n, NEVER_FIRES)
    v_reset = p["v_reset"] if t in ("LIF", "CubaLIF") else np.zeros(n)
    lif = {"tau_m": compact(tau * ms), "v_rest": compact(p["v_leak"] + p["r"] * w_in * bias),
           "v_th": compact(v_th), "v_reset": compact(v_reset),
           "v0": float(p["v_leak"][0]) if np.all(p["v_leak"] == p["v_leak"][0]) else 0.0}
    if cuba:
        return Mapped(lif, p["r"] * w_in * a / p["tau_syn"], p["tau_syn"] * ms)
    return Mapped(lif, p["r"] * a / tau, None)


def make_lif(name, node, mapped: Mapped, v_init=None):
    """The LIF model; a value it refuses is reported against the NIR node."""
    from ..neurons import LIF
    kw = dict(mapped.lif)
    v0 = kw.pop("v0")
    low, high = (v0, v0) if v_init is None else v_init
    try:
        return LIF(t_ref=0.0, v_init_low=low, v_init_high=high, **kw)
    except SparkLabError as e:
        raise ParameterError(node_label(name, node), getattr(e, "field", ""), getattr(e, "problem", str(e)),
                             getattr(e, "hint", "")) from None
