"""Population (topological) code: Gaussian receptive fields over a range.

Each of the ``dims`` values is coded by ``n`` neurons whose preferred values
("centres") are evenly spread over ``[low, high]``:

    linear:    c_i = low + i (high - low) / (n - 1)      i = 0 .. n-1 (both ends covered)
    circular:  c_i = low + i (high - low) / n            (high wraps onto low; for angles)
    rate_i(x) = base_rate + max_rate exp(-d(x, c_i)^2 / (2 sigma^2))     Hz
    sigma = width * spacing,   spacing = c_1 - c_0

with ``d`` the plain difference, or for ``circular=True`` the difference wrapped into
``[-(high-low)/2, (high-low)/2)``. Neurons ``[k n, (k+1) n)`` code value k. Values
outside ``[low, high]`` are allowed (linear: the rates fall off; circular: wrapped).

:class:`PopulationDecoder` reads such a population back (population vector):

    linear:    x = sum_i c_i r_i / sum_i r_i   over the neurons within 3 sigma of the
               most active one (a local centre of mass, so background activity far
               away does not pull the estimate); near ``low``/``high`` the field is cut
               off on one side, so estimates within ~sigma of the ends are biased inward.
    circular:  the angle of sum_i r_i exp(i phi_i), phi_i = 2 pi (c_i - low)/(high - low),
               mapped back to [low, high).

``r_i`` are spike counts (any monotone gain between encoder and decoder cancels). A
dimension whose neurons did not spike at all decodes to NaN.
"""
from __future__ import annotations

import numpy as np

from .._params import Choice, Param, require_less
from ..errors import ParameterError
from ._base import DIMS, Decoder, Encoder, check_rate_limit

_RANGE = {
    "n": Param(16, "1", low=2, integer=True, per_neuron=False, help="neurons per value (receptive fields)"),
    "low": Param(0.0, "1", per_neuron=False, help="lower end of the coded range (value units)"),
    "high": Param(1.0, "1", per_neuron=False, help="upper end of the coded range (value units)"),
}
_CIRCULAR = {"circular": Choice(False, (False, True), help="the range wraps around (angles): high == low")}


def centres(n: int, low: float, high: float, circular: bool) -> np.ndarray:
    """Preferred values of the ``n`` neurons of one dimension."""
    if circular:
        return low + (high - low) * np.arange(n) / n
    return np.linspace(low, high, n)


def _diff(x, c, low, high, circular):
    d = x - c
    if circular:
        p = high - low
        d = (d + p / 2) % p - p / 2
    return d


class PopulationEncoder(Encoder):
    """value -> Gaussian tuning-curve rates in Hz for a PoissonSource pool (see module docstring)."""

    name = "population_encoder"
    OUTPUT = "rate"
    PARAMS = {
        "dims": DIMS, **_RANGE,
        "width": Param(1.0, "1", low=0, low_open=True, per_neuron=False,
                       help="tuning width sigma in units of the spacing between centres"),
        "max_rate": Param(100.0, "Hz", low=0, per_neuron=False, help="peak rate above base_rate", log=True),
        "base_rate": Param(0.0, "Hz", low=0, per_neuron=False, help="rate far from the preferred value"),
    }
    OPTIONS = _CIRCULAR

    def validate(self, values, component):
        require_less(values, component, "low", "high")

    def size(self):
        return self.dims * int(self.values["n"])

    def centres(self) -> np.ndarray:
        """Preferred values (n,) of the neurons of each dimension."""
        v = self.values
        return centres(int(v["n"]), float(v["low"]), float(v["high"]), self.options["circular"])

    def decoder(self) -> PopulationDecoder:
        """The matching :class:`PopulationDecoder` (same dims, n, range, width, circular)."""
        v = self.values
        return PopulationDecoder(dims=self.dims, n=v["n"], low=v["low"], high=v["high"], width=v["width"],
                                 circular=self.options["circular"])

    def _encode(self, state, x, steps, dt, n, where):
        check_rate_limit(float(self.values["base_rate"]) + float(self.values["max_rate"]), dt, where, "max_rate")
        v, c = self.values, self.centres()
        lo, hi = float(v["low"]), float(v["high"])
        sigma = float(v["width"]) * (c[1] - c[0])
        d = _diff(x[:, :, None], c[None, None, :], lo, hi, self.options["circular"])   # (T, dims, n)
        rate = float(v["base_rate"]) + float(v["max_rate"]) * np.exp(-d ** 2 / (2 * sigma ** 2))
        out = rate.reshape(x.shape[0], -1)
        return state, out[0] if x.shape[0] == 1 else out


class PopulationDecoder(Decoder):
    """Population vector of Gaussian-tuned neurons -> value (see module docstring).

    The value is a float64 array of shape (dims,) (NaN where a dimension had no spike);
    it depends only on the counts of the latest ``step`` call (state: none besides n)."""

    name = "population_decoder"
    PARAMS = {"dims": DIMS, **_RANGE,
              "width": Param(1.0, "1", low=0, low_open=True, per_neuron=False,
                             help="tuning width in units of the spacing (sets the 3-sigma window)")}
    OPTIONS = _CIRCULAR

    def validate(self, values, component):
        require_less(values, component, "low", "high")

    def check_size(self, n, where):
        need = int(self.values["dims"]) * int(self.values["n"])
        if n != need:
            raise ParameterError(where, "n", f"a source of {n} neurons",
                                 f"dims * n = {need} neurons: one block of n per value")

    def _step(self, state, counts, spikes, steps, dt):
        v = self.values
        lo, hi, circ = float(v["low"]), float(v["high"]), self.options["circular"]
        c = centres(int(v["n"]), lo, hi, circ)
        r = counts.reshape(int(v["dims"]), -1)                 # (dims, n)
        tot = r.sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            if circ:
                phi = 2 * np.pi * (c - lo) / (hi - lo)
                ang = np.angle((r * np.exp(1j * phi)).sum(1))
                val = lo + (ang % (2 * np.pi)) * (hi - lo) / (2 * np.pi)
                val = np.where(val >= hi, val - (hi - lo), val)     # rounding at the wrap
            else:
                sigma = float(v["width"]) * (c[1] - c[0])
                peak = c[np.argmax(r, axis=1)]                  # (dims,)
                near = np.abs(c[None, :] - peak[:, None]) <= 3 * sigma
                w = r * near
                val = (w * c).sum(1) / w.sum(1)
        return state, np.where(tot > 0, val, np.nan)
