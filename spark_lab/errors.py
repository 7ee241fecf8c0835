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


class CheckpointError(NetworkError):
    """A checkpoint file cannot be loaded into this simulator (not a checkpoint, damaged, of
    another network, or holding values ``set_param`` refuses). Nothing was changed.

    Attributes: ``path`` (the file), ``entry`` (the entry at fault: ``"meta"``,
    ``"state:float32"``, ``"weight:rec"``...; "" for the whole file), ``problem``, ``hint``.
    A NetworkError, so code catching that for "checkpoint of another network" still does.
    """

    def __init__(self, path: str, entry: str, problem: str, hint: str = ""):
        self.path, self.entry, self.problem, self.hint = path, entry, problem, hint
        msg = f"checkpoint {path}: {entry + ': ' if entry else ''}{problem}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


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


class SessionError(SparkLabError, RuntimeError):
    """A session cannot do what was asked (it was stopped, a step timed out)."""


class RegistryError(SparkLabError, ValueError):
    """A component class cannot be registered (duplicate name, missing ``kind`` or ``name``)."""


class ModelIssue:
    """One problem found in a model document.

    path:      where in the document, as a JSON Pointer (RFC 6901): ``"/pools/2/params/tau_m"``
               ("" is the whole document; list items by index, object members by key).
    component: what the place describes, e.g. ``"LIF pool 'exc'"`` or ``"projection 'exc->inh'"``.
    field:     the field at fault (``"tau_m"``), or "" when the whole item is.
    problem:   what is wrong (``"got -5 ms"``).
    hint:      what is allowed or meant (``"must be > 0 ms"``, ``"did you mean 'lif'?"``).
    """

    __slots__ = ("path", "component", "field", "problem", "hint")

    def __init__(self, path: str, component: str, field: str, problem: str, hint: str = ""):
        self.path, self.component, self.field, self.problem, self.hint = path, component, field, problem, hint

    def __str__(self) -> str:
        head = self.path or "(document)"
        what = ": ".join(x for x in (self.component, self.field) if x)
        msg = f"{head}: {what + ': ' if what else ''}{self.problem}"
        return f"{msg} ({self.hint})" if self.hint else msg

    def __repr__(self) -> str:
        return (f"ModelIssue(path={self.path!r}, component={self.component!r}, field={self.field!r}, "
                f"problem={self.problem!r}, hint={self.hint!r})")

    def __eq__(self, other):
        return isinstance(other, ModelIssue) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None


class ModelError(SparkLabError, ValueError):
    """A model document (file or dict) is not a valid spark_lab model.

    ``issues`` lists every problem found (``ModelIssue``: path, component, field, problem,
    hint), not only the first; ``source`` names the file when there is one. A long list
    ends with an entry that has a ``count`` of problems not listed; ``count`` is the total.
    """

    def __init__(self, issues, source: str = ""):
        self.issues = list(issues)
        self.source = source
        self.count = n = sum(getattr(i, "count", 1) for i in self.issues)
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {i}" for i in self.issues)
        super().__init__(f"{n} problem{'s' if n != 1 else ''}{where}:\n{lines}")
