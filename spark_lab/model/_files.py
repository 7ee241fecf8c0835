"""Text and files: ``loads``/``dumps``, ``load``/``save``, the shipped ``examples``.

Limits on what is read (hostile or mistaken input costs bounded time and memory): a model
file or text over ``max_bytes`` is refused before it is parsed (default ``MAX_BYTES`` =
64 MiB, or the environment variable ``SPARK_LAB_MODEL_MAX_BYTES``: ``"256M"``, ``"1e9"``,
``"off"``); ``read`` opens only regular files (a FIFO, a device such as /dev/zero, a
directory or a socket is refused without reading) and reads at most ``max_bytes + 1``
bytes; at most ``max_issues`` problems are listed (the rest counted); a network whose
estimated memory exceeds ``memory_limit`` is refused (``spark_lab._memory``).
"""
from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

from .. import _checks, _memory
from ..errors import ModelError, ModelIssue
from . import _decode
from ._encode import to_dict
from ._format import dump_text
from ._schema import MAX_ISSUES

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
#: the default size limit of a model file or text, in bytes
MAX_BYTES = 64 * 2 ** 20
#: the environment variable that overrides MAX_BYTES ("256M", "1e9", "off")
ENV_MAX_BYTES = "SPARK_LAB_MODEL_MAX_BYTES"
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def examples() -> dict[str, str]:
    """{name: path} of the model files shipped with spark_lab (``spark_lab/examples/*.json``)."""
    return {p.stem: str(p) for p in sorted(EXAMPLES_DIR.glob("*.json"))}


def dumps(net) -> str:
    """The canonical JSON text of ``net``'s model document."""
    return dump_text(to_dict(net))


def size_limit(value=None) -> float:
    """The size limit in bytes: ``value`` (``math.inf``: none), else SPARK_LAB_MODEL_MAX_BYTES,
    else MAX_BYTES."""
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
            raise ModelError([ModelIssue("", "file", "max_bytes", f"got {value!r}",
                                         "give a size in bytes >= 0 (math.inf: no limit)")])
        return float(value)
    env = os.environ.get(ENV_MAX_BYTES)
    if env:
        return _memory.parse_bytes(env, "model file", ENV_MAX_BYTES)
    return float(MAX_BYTES)


def _too_big(size: float, limit: float, source: str, what: str = "the file") -> ModelError:
    return ModelError([ModelIssue("", "file", "", f"{what} has {size:,.0f} bytes or more, over the limit of "
                                  f"{limit:,.0f} bytes ({_memory.size(limit)})",
                                  f"a model file is rarely over a few MB; to read it anyway raise the limit "
                                  f"({ENV_MAX_BYTES}=256M, or max_bytes=...)")], source)


def read(path, limit=None) -> bytes:
    """The bytes of the model file at ``path``: ModelError for anything that is not a
    regular file (checked on the open descriptor, which is opened without blocking, so a
    FIFO never hangs) or that is over the size limit (``size_limit(limit)``; at most
    limit + 1 bytes are read, so a file that grows while it is read is refused too)."""
    lim = size_limit(limit)
    path = os.fspath(path)
    try:
        _regular(os.stat(path), path, lim)            # sockets and directories cannot be opened as files
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise ModelError([ModelIssue("", "file", "", f"cannot read {path}: {e.strerror}", "")], path) from None
    with os.fdopen(fd, "rb", buffering=0) as f:
        _regular(os.fstat(fd), path, lim)             # what was opened, should the path have changed
        want = int(min(lim, 2 ** 62)) + 1
        chunks, got = [], 0
        while got < want:
            b = f.read(min(want - got, 1 << 20))        # FileIO.read(n) allocates n bytes first
            if not b:
                break
            chunks.append(b)
            got += len(b)
    if got > lim:
        raise _too_big(got, lim, path)
    return b"".join(chunks)


def _regular(st, path: str, lim: float) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = next((k for test, k in _KINDS if test(st.st_mode)), "not a regular file")
        raise ModelError([ModelIssue("", "file", "", f"{path} is {kind}, not a regular file",
                                     "give the path of a .json model file")], path)
    if st.st_size > lim:
        raise _too_big(st.st_size, lim, path)


def parse(text, source: str = "", limit=None):
    """JSON text -> document; ModelError (with line and column) for anything that is not
    strict JSON: NaN/Infinity, duplicate keys and over-deep nesting are refused too, and
    so is a text longer than the size limit (``size_limit(limit)``; a str counts characters)."""
    if isinstance(text, (str, bytes)) and len(text) > 0 and len(text) > size_limit(limit):
        raise _too_big(len(text), size_limit(limit), source, "the text")
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


def validate(doc, max_issues: int = MAX_ISSUES, memory_limit=None, max_bytes=None) -> list[ModelIssue]:
    """The problems of a model document (a dict as ``to_dict`` makes, or JSON text): the
    first ``max_issues``, then one entry (a ``MoreIssues``, with ``count``) saying how many
    more there are; an empty list when it is valid. A network that would need more than
    ``memory_limit`` bytes is a problem too (see ``spark_lab._memory``). Never raises for
    bad content."""
    if isinstance(doc, (str, bytes)):
        try:
            doc = parse(doc, limit=max_bytes)
        except ModelError as e:
            return e.issues
    return _decode.build(doc, max_issues, memory_limit)[1]


def from_dict(doc, source: str = "", max_issues: int = MAX_ISSUES, memory_limit=None):
    """The Network a model document describes; ModelError listing its problems (the first
    ``max_issues``, then the count of the rest)."""
    net, issues = _decode.build(doc, max_issues, memory_limit)
    if issues:
        raise ModelError(issues, source)
    return net


def loads(text, source: str = "", max_bytes=None, memory_limit=None):
    """The Network of a model file's text (parse, validate, build); the limits as in ``load``."""
    return from_dict(parse(text, source, max_bytes), source, memory_limit=memory_limit)


def resolve(path_or_name) -> str:
    """A path as given, or the path of the shipped example of that name; a symbolic link
    that leads nowhere (dangling, or a loop) is a ModelError that says so."""
    p = os.fspath(path_or_name)
    if os.path.exists(p):
        return p
    problem = _checks.link_problem(p)
    if problem:
        raise ModelError([ModelIssue("", "file", "", f"{p} {problem}",
                                     "point the link at a model file, or give the file")], p)
    ex = examples()
    if p in ex:
        return ex[p]
    from .._params import did_you_mean
    raise ModelError([ModelIssue("", "file", "", f"no file {p!r} and no example of that name",
                                 f"{did_you_mean(p, ex)}examples: {', '.join(ex)}")])


def load(path_or_name, max_bytes=None, memory_limit=None, **options):
    """The Network of a model file, given its path or the name of a shipped example.

    max_bytes: the size limit in bytes (default: SPARK_LAB_MODEL_MAX_BYTES, else 64 MiB;
        ``math.inf``: none); a larger file, or one that is not a regular file, is refused
        before it is read.
    memory_limit: bytes the built network may need (default: SPARK_LAB_MEMORY_LIMIT, else
        the memory available now; ``math.inf``: no check).
    options: for the examples built by code (``spark_lab.examples.builders()``, e.g.
        ``load("microcircuit", scale=0.1, k_scale=0.1, background="poisson")``), passed to
        the builder; the network is checked against ``memory_limit`` before it is returned."""
    from ..examples import builders
    built = builders()
    if isinstance(path_or_name, str) and path_or_name in built and not os.path.exists(path_or_name):
        net = built[path_or_name](**options)
        _memory.check(net, memory_limit)
        return net
    if options:
        raise ModelError([ModelIssue("", "file", sorted(options)[0], "options are only for the examples built by code",
                                     f"examples with options: {', '.join(built)}")], os.fspath(path_or_name))
    path = resolve(path_or_name)
    return loads(read(path, max_bytes), path, max_bytes=math.inf, memory_limit=memory_limit)


def save(net, path) -> None:
    """Write ``net``'s model file (canonical JSON, UTF-8)."""
    text = dumps(net)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
