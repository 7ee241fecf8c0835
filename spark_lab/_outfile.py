"""Files spark_lab writes: the target checked first, written whole or not at all.

    target = output_path(path, "Session", "path", suffix=".npz")   # ParameterError if unusable
    with replace_atomically(target) as fh:                         # binary file in the same folder
        np.savez(fh, **arrays)                                     # renamed over target on success
    with NpzStream(target) as out:                                 # an .npz of unbounded length
        out.append("record.exc.v", block)                          # rows, chunk by chunk, to disk
        out.put("dt", np.float64(0.1))                             # small arrays, kept in memory
        out.finish()                                               # the .npz, then rename

A file is written under a temporary name next to its target and renamed over it only once
it is complete, so an error, a full disk or Ctrl-C leaves the previous file (or none) and no
half-written one. ``NpzStream`` keeps each appended array in a spool file of raw rows (in a
hidden folder next to the target) and copies them into the .npz in blocks of ``BLOCK`` bytes:
its memory does not depend on how many rows are appended; its disk use peaks at about twice
the final file while ``finish`` copies.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
import tempfile
import zipfile

import numpy as np

from . import _checks
from .errors import ParameterError

BLOCK = 1 << 20          # bytes copied at a time from a spool file into the .npz


def output_path(path, where: str, field: str = "path", suffix: str | None = None) -> str:
    """The file to write for ``path`` (a str or os.PathLike naming a file), or ParameterError
    naming ``where`` and ``field``: not a path (a file descriptor, a file object), a directory,
    something other than a regular file (a device, a FIFO), a broken or looping symbolic link,
    a folder that does not exist or cannot be written, or a name not ending in ``suffix``.
    A symbolic link to a regular file gives the file it points to (the link is kept)."""
    if isinstance(path, (bool, int, bytes)) or not isinstance(path, (str, os.PathLike)):
        raise ParameterError(where, field, f"got {type(path).__name__} {path!r:.60}",
                             "give a file name (str or pathlib.Path); file descriptors and open files are not accepted")
    p = os.fspath(path)
    if not isinstance(p, str) or not p or "\0" in p:
        raise ParameterError(where, field, f"got {p!r:.60}", "give a file name")
    target = _follow(p, where, field)
    if os.path.lexists(target):
        mode = os.stat(target).st_mode
        if stat.S_ISDIR(mode):
            raise ParameterError(where, field, f"{p} is a directory", "give a file name inside it")
        if not stat.S_ISREG(mode):
            raise ParameterError(where, field, f"{p} is not a regular file", "give the name of an ordinary file")
    if suffix is not None and not p.lower().endswith(suffix):
        raise ParameterError(where, field, f"{p} does not end in {suffix}",
                             f"give a name ending in {suffix}: the file is written under exactly the name given")
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise ParameterError(where, field, f"the folder {folder} does not exist", "create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ParameterError(where, field, f"the folder {folder} cannot be written", "choose another folder")
    return target


def _follow(p: str, where: str, field: str) -> str:
    """``p``, or the file a symbolic link ``p`` points to; ParameterError for a broken link or a loop."""
    problem = _checks.link_problem(p)
    if problem:
        raise ParameterError(where, field, f"{p} {problem}", "remove the link or give another name")
    return os.path.realpath(p) if os.path.islink(p) else p


def _temp_name(target: str) -> str:
    folder, name = os.path.split(os.path.abspath(target))
    return os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")


@contextlib.contextmanager
def replace_atomically(target: str, text: bool = False):
    """A new file (binary, or UTF-8 text with ``text``) that replaces ``target`` when the block
    ends without an exception; on any exception (KeyboardInterrupt too) it is removed and
    ``target`` is left as it was."""
    tmp = _temp_name(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with (open(fd, "w", encoding="utf-8", newline="\n") if text else open(fd, "wb")) as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class NpzStream:
    """An .npz file built from arrays appended row block by row block (see the module docstring).

    target: a checked path (``output_path``). ``append(key, rows)`` adds rows of one shape and
    dtype to array ``key``; ``put(key, value)`` sets a small array; ``finish()`` writes the file
    and returns its size in bytes; ``discard()`` (or leaving the ``with`` block by an exception)
    removes everything written so far. An array that got no rows is written with 0 rows only if
    ``declare(key, row_shape, dtype)`` named it.
    """

    def __init__(self, target: str):
        self.target = target
        self._dir = tempfile.mkdtemp(prefix=".spark-lab-", dir=os.path.dirname(os.path.abspath(target)))
        self._spools: dict = {}                # key -> [file, row_shape, dtype, rows]
        self._small: dict = {}

    def __enter__(self):
        return self

    def __exit__(self, kind, err, tb):
        if kind is not None:
            self.discard()

    def declare(self, key: str, row_shape, dtype) -> None:
        """Name an appended array before its first rows (so that it exists with 0 rows)."""
        if key not in self._spools:
            fh = open(os.path.join(self._dir, f"{len(self._spools)}.raw"), "wb")  # noqa: SIM115 - closed in finish/discard
            self._spools[key] = [fh, tuple(row_shape), np.dtype(dtype), 0]

    def append(self, key: str, rows) -> None:
        """Add ``rows`` (shape (m,) + row shape) to the array ``key``."""
        rows = np.ascontiguousarray(rows)
        self.declare(key, rows.shape[1:], rows.dtype)
        spool = self._spools[key]
        if rows.shape[1:] != spool[1] or rows.dtype != spool[2]:
            raise ParameterError("NpzStream", key, f"got rows {rows.shape[1:]} {rows.dtype}",
                                 f"this array has rows {spool[1]} {spool[2]}")
        spool[0].write(rows.tobytes())
        spool[3] += rows.shape[0]

    def put(self, key: str, value) -> None:
        """Set the small array ``key`` (kept in memory until ``finish``)."""
        self._small[key] = np.asarray(value)

    def finish(self) -> int:
        """Write the .npz (arrays in the order they were first given) over the target; its size in bytes."""
        with replace_atomically(self.target) as fh, \
                zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for key, value in self._small.items():
                with zf.open(f"{key}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, value, allow_pickle=False)
            for key, (spool, shape, dtype, rows) in self._spools.items():
                spool.close()
                header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
                          "shape": (rows,) + shape}
                with zf.open(f"{key}.npy", "w", force_zip64=True) as member, open(spool.name, "rb") as src:
                    np.lib.format.write_array_header_1_0(member, header)
                    shutil.copyfileobj(src, member, BLOCK)
        self.discard()
        return os.path.getsize(self.target)

    def discard(self) -> None:
        """Remove the spool files (and never write the target)."""
        for spool in self._spools.values():
            spool[0].close()
        self._spools = {}
        shutil.rmtree(self._dir, ignore_errors=True)
