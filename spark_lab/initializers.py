"""Initializers: per-neuron (or per-synapse) values drawn at build time.

Use them for heterogeneous parameters, ``LIF(v_th=Uniform(-52.0, -48.0))``, and for
weights, ``connect(..., weight=LogNormal(mean=0.5, sigma=0.3))``. They are drawn from
numpy's ``default_rng`` seeded by the network seed, so the same seed gives the same values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .errors import ParameterError


class Initializer:
    """Base class. ``sample(rng, shape)`` returns a numpy array.

    ``name`` is the registry name (``spark_lab.registry``, kind "initializer"); the
    dataclass fields are what a model file stores."""

    kind: ClassVar[str] = "initializer"
    name: ClassVar[str] = "initializer"

    def sample(self, rng: np.random.Generator, shape) -> np.ndarray:  # pragma: no cover - abstract
        """Draw values of ``shape`` with ``rng`` (the network's seeded generator)."""
        raise NotImplementedError

    def check(self, decl, component: str, name: str) -> None:
        """Raise ParameterError if this initializer can produce values outside ``decl``'s range."""
        lo, hi = self.support()
        for v in (lo, hi):
            if np.isfinite(v):
                decl.check_values(np.asarray(v), component, name)
        if decl.low is not None and not np.isfinite(lo):
            raise ParameterError(component, name, f"{self!r} can draw values below {decl.low:g}",
                                 f"must be {decl.range_text()}; use Uniform or Constant")
        if decl.high is not None and not np.isfinite(hi):
            raise ParameterError(component, name, f"{self!r} can draw values above {decl.high:g}",
                                 f"must be {decl.range_text()}; use Uniform or Constant")

    def support(self) -> tuple[float, float]:
        """(lowest, highest) value it can draw (infinite where unbounded); checked against a Param's range."""
        return (-np.inf, np.inf)

    def to_dict(self) -> dict:
        """``{"init": name, **fields}``: a plain description of this initializer."""
        d = {"init": type(self).__name__.lower()}
        d.update(self.__dict__)
        return d


def _finite(cls, **vals):
    for k, v in vals.items():
        try:
            ok = not isinstance(v, (bool, np.bool_)) and np.ndim(v) == 0 and bool(np.isfinite(v))
        except TypeError:
            ok = False
        if not ok:
            raise ParameterError(cls, k, f"got {v!r}", "must be a finite number")


@dataclass(frozen=True, repr=True)
class Constant(Initializer):
    """Every element gets ``value``."""
    name: ClassVar[str] = "constant"
    value: float

    def __post_init__(self):
        _finite("Constant", value=self.value)

    def sample(self, rng, shape):
        return np.full(shape, float(self.value))

    def support(self):
        return (self.value, self.value)


@dataclass(frozen=True, repr=True)
class Uniform(Initializer):
    """Uniform on [low, high)."""
    name: ClassVar[str] = "uniform"
    low: float
    high: float

    def __post_init__(self):
        _finite("Uniform", low=self.low, high=self.high)
        if not self.high >= self.low:
            raise ParameterError("Uniform", "high", f"high={self.high:g} < low={self.low:g}", "need low <= high")

    def sample(self, rng, shape):
        return rng.uniform(self.low, self.high, size=shape)

    def support(self):
        return (self.low, self.high)


@dataclass(frozen=True, repr=True)
class Normal(Initializer):
    """Gaussian with ``mean`` and ``std``; optionally clipped to [clip_low, clip_high]."""
    name: ClassVar[str] = "normal"
    mean: float
    std: float
    clip_low: float | None = None
    clip_high: float | None = None

    def __post_init__(self):
        _finite("Normal", mean=self.mean, std=self.std)
        if self.std < 0:
            raise ParameterError("Normal", "std", f"got {self.std:g}", "must be >= 0")
        clips = {k: v for k, v in (("clip_low", self.clip_low), ("clip_high", self.clip_high)) if v is not None}
        _finite("Normal", **clips)
        if len(clips) == 2 and not self.clip_low <= self.clip_high:
            raise ParameterError("Normal", "clip_high", f"clip_high={self.clip_high:g} < clip_low={self.clip_low:g}",
                                 "need clip_low <= clip_high")

    def sample(self, rng, shape):
        x = rng.normal(self.mean, self.std, size=shape)
        if self.clip_low is not None or self.clip_high is not None:
            x = np.clip(x, self.clip_low, self.clip_high)
        return x

    def support(self):
        lo = -np.inf if self.clip_low is None else self.clip_low
        hi = np.inf if self.clip_high is None else self.clip_high
        if self.std == 0:                       # every draw is the mean, clipped like any draw
            m = float(np.clip(self.mean, lo, hi))
            return (m, m)
        return (lo, hi)


@dataclass(frozen=True, repr=True)
class LogNormal(Initializer):
    """Log-normal with the given arithmetic ``mean`` and ``sigma`` of the underlying normal.

    Values are positive: ``exp(N(mu, sigma))`` with ``mu = log(mean) - sigma**2 / 2``.
    """
    name: ClassVar[str] = "lognormal"
    mean: float
    sigma: float

    def __post_init__(self):
        _finite("LogNormal", mean=self.mean, sigma=self.sigma)
        if self.mean <= 0:
            raise ParameterError("LogNormal", "mean", f"got {self.mean:g}", "must be > 0")
        if self.sigma < 0:
            raise ParameterError("LogNormal", "sigma", f"got {self.sigma:g}", "must be >= 0")

    def sample(self, rng, shape):
        mu = np.log(self.mean) - self.sigma ** 2 / 2
        return rng.lognormal(mu, self.sigma, size=shape)

    def support(self):
        return (0.0, np.inf) if self.sigma > 0 else (self.mean, self.mean)

    def check(self, decl, component, name):
        lo, hi = self.support()
        if decl.low is not None and (lo < decl.low or (decl.low_open and lo <= decl.low and self.sigma == 0)):
            decl.check_values(np.asarray(lo), component, name)
        if np.isfinite(hi):                     # sigma == 0: every draw is the mean
            decl.check_values(np.asarray(hi), component, name)
        elif decl.high is not None:
            raise ParameterError(component, name, f"{self!r} can draw values above {decl.high:g}",
                                 f"must be {decl.range_text()}")


INITIALIZERS = {"constant": Constant, "uniform": Uniform, "normal": Normal, "lognormal": LogNormal}
