"""Where the editor gets its components and model files from: the component registry
(``spark_lab.registry``) and the model-file module (``spark_lab.model``)."""
from __future__ import annotations

from ... import model as _model
from ... import registry as _registry
from ...errors import SparkLabError

KINDS = ("neuron", "synapse", "connectivity", "plasticity")


class EditorError(SparkLabError):
    """An edit the editor refuses, or an operation this installation cannot do."""


def components(kind: str) -> dict[str, type]:
    """``{registry name: class}`` of one kind (empty for a kind the registry does not know)."""
    try:
        return dict(_registry.components(kind))
    except (KeyError, ValueError, SparkLabError):
        return {}


def default_instance(cls):
    """``cls()`` with its declared defaults, or None when it needs arguments
    (``SpikeGenerator(times)``, ``FromList(pre, post)``, ``FromMatrix(matrix)``). A class
    made from its data (``FROM_DATA``: the equation models) gives its ``example()``."""
    try:
        if cls.__dict__.get("FROM_DATA") is True:
            return cls.example()
        return cls()
    except (TypeError, SparkLabError):
        return None


def palette_class(cls):
    """The class a palette entry or chooser option makes: ``cls``, or for a class made from
    its data the class of its example (callable with parameter values only)."""
    if cls.__dict__.get("FROM_DATA") is True:
        inst = default_instance(cls)
        return None if inst is None else type(inst)
    return cls


def label(cls) -> str:
    """What the palette and the choosers call ``cls``: its name, "from equations" for the
    classes made from equations."""
    return "from equations" if getattr(cls, "FROM_DATA", False) is True else cls.__name__


def to_dict(net) -> dict:
    return _model.to_dict(net)


def from_dict(doc: dict):
    return _model.from_dict(doc)


def save(net, path) -> None:
    _model.save(net, path)


def load(path_or_example):
    return _model.load(path_or_example)


def to_python(net) -> str:
    return _model.to_python(net)


def examples() -> dict:
    """``{name: path}`` of the shipped example models."""
    return dict(_model.examples())


def validate_document(net) -> list:
    """``spark_lab.model.validate(to_dict(net))``: ModelIssue list."""
    try:
        doc = _model.to_dict(net)
    except SparkLabError as e:              # a network the document format cannot express
        return [e]
    return list(_model.validate(doc))
