"""The model file: a network as one JSON document (format "spark_lab.model/1").

    from spark_lab import model
    net = model.load("balanced_ei")           # a path, or the name of a shipped example
    model.save(net, "mine.json")              # canonical JSON: save(load(f)) gives the same bytes
    issues = model.validate(doc)              # every problem, each with its JSON Pointer
    print(model.to_python(net))               # a script that rebuilds the model

A file is never executed: component names resolve through ``spark_lab.registry``,
values are plain JSON. The format is described in docs/model-format.md.
"""
from ..errors import ModelError, ModelIssue
from ._encode import to_dict
from ._files import dumps, examples, from_dict, load, loads, save, validate
from ._format import FORMAT
from ._python import to_python

__all__ = ["FORMAT", "to_dict", "from_dict", "load", "save", "loads", "dumps", "validate", "to_python",
           "examples", "ModelError", "ModelIssue"]
