"""Where the editor gets its components and model files from.

The component registry (``spark_lab.registry``) and the model-file module
(``spark_lab.model``) are used when they are importable. Without the registry the
palette falls back to the component classes exported by ``spark_lab.neurons``,
``spark_lab.synapses``, ``spark_lab.connectivity`` and ``spark_lab.plasticity``,
keyed by their ``kind`` and ``name``. Without ``spark_lab.model`` the file
operations (save, load, examples, export as Python, document validation) raise
:class:`EditorError` saying so.
"""
from __future__ import annotations

import importlib
import inspect

from ...errors import SparkLabError

try:                                    # pragma: no cover - depends on the merge state
    from ... import registry as _registry
except ImportError:
    _registry = None

try:                                    # pragma: no cover - depends on the merge state
    from ... import model as _model
except ImportError:
    _model = None

HAS_MODEL = _model is not None

KINDS = ("neuron", "synapse", "connectivity", "plasticity")


class EditorError(SparkLabError):
    """An edit the editor refuses, or an operation this installation cannot do."""


def _local_components(kind: str) -> dict[str, type]:
    from ..._component import Component
    modules = {"neuron": "spark_lab.neurons", "synapse": "spark_lab.synapses",
               "connectivity": "spark_lab.connectivity", "plasticity": "spark_lab.plasticity"}
    if kind not in modules:
        return {}
    mod = importlib.import_module(modules[kind])
    out = {}
    for obj in vars(mod).values():
        if (inspect.isclass(obj) and issubclass(obj, Component) and obj.kind == kind
                and obj.name not in ("component", kind) and not obj.__name__.startswith("_")):
            out[obj.name] = obj
    return dict(sorted(out.items()))


def components(kind: str) -> dict[str, type]:
    """``{registry name: class}`` of one kind (empty for kinds this installation lacks)."""
    if _registry is not None:
        try:
            return dict(_registry.components(kind))
        except (KeyError, ValueError, SparkLabError):
            return {}
    return _local_components(kind)


def default_instance(cls):
    """``cls()`` with its declared defaults, or None when it needs arguments
    (``SpikeGenerator(times)``, ``FromList(pre, post)``, ``FromMatrix(matrix)``)."""
    try:
        return cls()
    except (TypeError, SparkLabError):
        return None


def _need_model(what: str):
    if _model is None:
        raise EditorError(f"{what} needs spark_lab.model (the model-file module), which this "
                          f"installation does not have yet")
    return _model


def to_dict(net) -> dict:
    return _need_model("converting to a model document").to_dict(net)


def from_dict(doc: dict):
    return _need_model("reading a model document").from_dict(doc)


def save(net, path) -> None:
    _need_model("saving a model file").save(net, path)


def load(path_or_example):
    return _need_model("loading a model file").load(path_or_example)


def to_python(net) -> str:
    return _need_model("exporting Python code").to_python(net)


def examples() -> dict:
    """``{name: path}`` of the shipped example models ({} without spark_lab.model)."""
    return dict(_model.examples()) if _model is not None else {}


def validate_document(net) -> list:
    """``spark_lab.model.validate(to_dict(net))``: ModelIssue list ([] without spark_lab.model)."""
    if _model is None:
        return []
    try:
        doc = _model.to_dict(net)
    except SparkLabError as e:              # a network the document format cannot express
        return [e]
    return list(_model.validate(doc))
