"""The model file: a network as one JSON document (format "spark_lab.model/1").

    from spark_lab import model
    net = model.load("balanced_ei")           # a path, or the name of a shipped example
    model.save(net, "mine.json")              # canonical JSON: save(load(f)) gives the same bytes
    issues = model.validate(doc)              # every problem (the first 50, then a count), with its JSON Pointer
    print(model.to_python(net))               # a script that rebuilds the model

A file is never executed: component names resolve through ``spark_lab.registry``,
values are plain JSON. The format is described in docs/model-format.md.

Limits: ``load`` reads only regular files of at most ``MAX_BYTES`` (64 MiB; the keyword
``max_bytes`` or SPARK_LAB_MODEL_MAX_BYTES), and a network whose estimated memory exceeds
the memory available (``memory_limit`` or SPARK_LAB_MEMORY_LIMIT) is refused naming the
field that needs the most (``spark_lab._memory``).
"""
from ..errors import ModelError, ModelIssue
from ._encode import to_dict
from ._files import ENV_MAX_BYTES, MAX_BYTES, dumps, examples, from_dict, load, loads, read, save, validate
from ._format import FORMAT
from ._python import to_python
from ._schema import MAX_ISSUES, MoreIssues

__all__ = ["FORMAT", "to_dict", "from_dict", "load", "save", "loads", "dumps", "validate", "to_python",
           "examples", "read", "MAX_BYTES", "ENV_MAX_BYTES", "MAX_ISSUES", "ModelError", "ModelIssue", "MoreIssues"]
