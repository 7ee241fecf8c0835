"""Text and files: ``loads``/``dumps``, ``load``/``save``, the shipped ``examples``."""
from __future__ import annotations

import errno
import json
import os
from pathlib import Path

from ..errors import ModelError, ModelIssue
from . import _decode
from ._encode import to_dict
from ._format import dump_text

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


def examples() -> dict[str, str]:
    """{name: path} of the model files shipped with spark_lab (``spark_lab/examples/*.json``)."""
    return {p.stem: str(p) for p in sorted(EXAMPLES_DIR.glob("*.json"))}


def dumps(net) -> str:
    """The canonical JSON text of ``net``'s model document."""
    return dump_text(to_dict(net))


def parse(text, source: str = ""):
    """JSON text -> document; ModelError (with line and column) for anything that is not
    strict JSON: NaN/Infinity, duplicate keys and over-deep nesting are refused too."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ModelError([ModelIssue("", "file", "", f"not UTF-8 text (byte {e.start})",
                                         "save the model file as UTF-8")], source) from None
    if not isinstance(text, str):
        raise ModelError([ModelIssue("", "file", "", f"got {type(text).__name__}", "give the JSON text")], source)
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise ModelError([ModelIssue("", "file", "", f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}",
                                     "a model file is one JSON object; see docs/model-format.md")], source) from None
    except _Refused as e:
        raise ModelError([ModelIssue("", "file", "", str(e), "a model file is strict JSON")], source) from None
    except RecursionError:
        raise ModelError([ModelIssue("", "file", "", "the JSON is nested too deeply",
                                     "a model file is only a few levels deep")], source) from None
    except ValueError as e:                      # e.g. an integer with more digits than Python converts
        raise ModelError([ModelIssue("", "file", "", f"cannot read a value: {e}", "give ordinary numbers")],
                         source) from None


class _Refused(ValueError):
    pass


def _no_constant(name):
    raise _Refused(f"{name} is not a JSON number")


def _no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise _Refused(f"the key {k!r} appears twice in one object")
        d[k] = v
    return d


def validate(doc) -> list[ModelIssue]:
    """Every problem of a model document (a dict as ``to_dict`` makes, or JSON text);
    an empty list when it is valid. Never raises for bad content."""
    if isinstance(doc, (str, bytes)):
        try:
            doc = parse(doc)
        except ModelError as e:
            return e.issues
    return _decode.build(doc)[1]


def from_dict(doc, source: str = ""):
    """The Network a model document describes; ModelError listing every problem."""
    net, issues = _decode.build(doc)
    if issues:
        raise ModelError(issues, source)
    return net


def loads(text, source: str = ""):
    """The Network of a model file's text (parse, validate, build)."""
    return from_dict(parse(text, source), source)


def resolve(path_or_name) -> str:
    """A path as given, or the path of the shipped example of that name."""
    p = os.fspath(path_or_name)
    if os.path.exists(p):
        return p
    if os.path.lexists(p) or _is_loop(p):         # a link that leads nowhere, or in a circle
        problem = "is a symbolic link loop" if _is_loop(p) else f"is a broken symbolic link (to {os.readlink(p)})"
        raise ModelError([ModelIssue("", "file", "", f"{p} {problem}", "point it at a model file")], p)
    ex = examples()
    if p in ex:
        return ex[p]
    from .._params import did_you_mean
    raise ModelError([ModelIssue("", "file", "", f"no file {p!r} and no example of that name",
                                 f"{did_you_mean(p, ex)}examples: {', '.join(ex)}")])


def _is_loop(p: str) -> bool:
    try:
        os.stat(p)
    except OSError as e:
        return e.errno == errno.ELOOP
    return False


def load(path_or_name):
    """The Network of a model file, given its path or the name of a shipped example."""
    path = resolve(path_or_name)
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError as e:
        raise ModelError([ModelIssue("", "file", "", f"cannot read {path}: {e.strerror}", "")], path) from None
    return loads(text, path)


def save(net, path) -> None:
    """Write ``net``'s model file (canonical JSON, UTF-8)."""
    text = dumps(net)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
