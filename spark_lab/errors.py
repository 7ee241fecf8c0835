"""Errors raised by spark_lab. Every one names the component and the field it is about."""
from __future__ import annotations


class SparkLabError(Exception):
    """Base class of every error spark_lab raises on purpose."""


class ParameterError(SparkLabError, ValueError):
    """A parameter value is not allowed (wrong range, NaN, wrong shape, unknown name).

    Attributes: ``component`` (e.g. ``"LIF pool 'exc'"``), ``field`` (e.g. ``"tau_m"``),
    ``hint`` (what is allowed).
    """

    def __init__(self, component: str, field: str, problem: str, hint: str = ""):
        self.component, self.field, self.problem, self.hint = component, field, problem, hint
        msg = f"{component}: {field}: {problem}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class NetworkError(SparkLabError, ValueError):
    """The structure of a network is wrong (unknown pool, duplicate name, bad connectivity)."""


class DivergenceError(SparkLabError, FloatingPointError):
    """A state variable became NaN or infinite during a chunk.

    The simulator keeps the state from before that chunk. ``problems`` lists
    ``(pool_or_projection, variable, first_bad_neuron)`` tuples.
    """

    def __init__(self, problems, t_start: int, steps: int):
        self.problems = list(problems)
        self.t_start, self.steps = t_start, steps
        where = ", ".join(f"{p}.{v} (first at index {i})" for p, v, i in self.problems)
        super().__init__(
            f"simulation diverged in the chunk of {steps} steps starting at step {t_start}: "
            f"NaN or inf in {where}. The state before this chunk was kept; fix the parameters "
            f"(or call reset()) and run again.")
