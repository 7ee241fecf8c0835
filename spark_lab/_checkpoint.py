"""Checkpoints: state, parameters, step and seed of a simulator in one ``.npz`` file (no
pickle). Format ``spark_lab.checkpoint/1``: ``state:<dtype>`` and ``params:<dtype>`` flat
buffers (``Packer``), ``weight:<projection>`` per-synapse weights, ``meta`` (JSON: format,
structure fingerprint, t, seed, initializer draws).

Reading is all or nothing and reads only what this network's checkpoint must hold:

* the path must name a regular file no larger than such a checkpoint can be (a FIFO, a
  device or a directory is refused before it is opened);
* the zip must list exactly the expected entries (an unknown, missing or repeated one is an
  error naming it); each entry's declared size (zip directory) and its ``.npy`` header
  (dtype, shape) are checked before its data is read, so a small file that inflates to
  gigabytes fails at once, with at most the expected bytes read;
* ``meta``: at most :data:`META_LIMIT` bytes of JSON with exactly the keys ``format``,
  ``fingerprint`` (this network's), ``seed`` (this network's), ``t`` (an integer >= 0, equal
  to the step index in the state) and ``draws`` (an integer >= 0);
* state buffers: this simulator's dtypes (no int8, complex or strings) and sizes, finite.

:func:`read` returns the parts unapplied; :func:`check_params` stages every parameter with
the simulator's own ``stage`` (the rules of ``set_param``: types, shapes, bounds, Dale signs,
cross-field rules). Every failure is a :class:`~spark_lab.errors.CheckpointError` naming the
file and the entry.
"""
from __future__ import annotations

import json
import os
import stat
import struct
import zipfile
import zlib
from typing import NamedTuple

import numpy as np

from . import _checks
from ._checks import brief, is_int
from ._packing import Packer
from ._params import resolve_value
from .errors import CheckpointError, NetworkError, ParameterError
from .plasticity._base import rule_param_names

FORMAT = "spark_lab.checkpoint/1"
META_LIMIT = 65536                  #: bytes of JSON in ``meta``
HEADER_LIMIT = 4096                 #: bytes of a ``.npy`` header (numpy writes 128)
ZIP_SLACK = 1 << 20                 #: bytes of zip directory and headers allowed on top of the data
META_KEYS = ("format", "fingerprint", "t", "seed", "draws")
#: what a damaged zip or zlib stream raises while it is read
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError, struct.error, OverflowError, KeyError, IndexError, TypeError)


class Checkpoint(NamedTuple):
    """A checked checkpoint, not yet applied: numpy ``state`` tree, float64 host ``params``
    tree, {projection: per-synapse weights}, step ``t`` and initializer ``draws``."""
    path: str
    state: dict
    params: dict
    weights: dict
    t: int
    draws: int


def save(path, state: dict, params: dict, weights: dict, meta: dict) -> None:
    """Write a numpy ``state`` tree, a float64 host ``params`` tree, {projection: per-synapse
    weights} and ``meta`` (fingerprint, t, seed, draws)."""
    arrays = {f"state:{k}": v for k, v in Packer(state).pack(state).items()}
    arrays.update({f"params:{k}": v for k, v in Packer(params, np.float64).pack(params).items()})
    arrays.update({f"weight:{nm}": np.asarray(w) for nm, w in weights.items()})
    arrays["meta"] = np.frombuffer(json.dumps({"format": FORMAT, **meta}).encode(), dtype=np.uint8)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def read(path, state_template: dict, params_template: dict, weight_sizes: dict, fingerprint: str,
         seed: int) -> Checkpoint:
    """Read and check a checkpoint for a simulator whose state and host parameters look like
    the templates and whose per-synapse projections have ``weight_sizes`` {name: synapses}.
    Parameter values are checked by :func:`check_params`, not here. Raises CheckpointError."""
    name = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else path
    if not isinstance(name, str):
        raise CheckpointError(brief(path), "", "not a file path", "give the path of a .npz checkpoint")
    spack, ppack = Packer(state_template), Packer(params_template, np.float64)
    expected = {f"state:{k}.npy": (np.dtype(k), max(n, 1)) for k, n in spack.sizes.items()}
    expected.update({f"params:{k}.npy": (np.dtype(k), max(n, 1)) for k, n in ppack.sizes.items()})
    expected.update({f"weight:{nm}.npy": (np.dtype(np.float64), n) for nm, n in weight_sizes.items()})
    limit = ZIP_SLACK + META_LIMIT + sum(HEADER_LIMIT + 2 * len(e) + d.itemsize * n
                                         for e, (d, n) in expected.items())
    with _open_regular(name, limit) as fh:
        try:
            zf = zipfile.ZipFile(fh)
        except _READ_ERRORS as e:
            raise CheckpointError(name, "", f"not a readable zip file ({_why(e)})",
                                  "a spark_lab checkpoint is an .npz written by save_checkpoint") from None
        with zf:
            infos = _entries(name, zf, set(expected) | {"meta.npy"})
            meta = _meta(name, _array(name, zf, infos["meta.npy"], np.dtype(np.uint8), None), fingerprint, seed)
            flat = {e: _array(name, zf, infos[e], d, n) for e, (d, n) in expected.items()}
    for k in spack.sizes:
        buf = flat[f"state:{k}.npy"]
        if buf.dtype.kind == "f" and not np.all(np.isfinite(buf)):
            i = int(np.flatnonzero(~np.isfinite(buf))[0])
            raise CheckpointError(name, f"state:{k}", f"value {buf[i]} at index {i}", "state values must be finite")
    state = spack.unpack({k: flat[f"state:{k}.npy"] for k in spack.sizes})
    if int(np.asarray(state["t"])) != meta["t"]:
        raise CheckpointError(name, "meta", f"t: {meta['t']}, but the state is at step {int(np.asarray(state['t']))}",
                              "the two must agree")
    params = ppack.unpack({k: flat[f"params:{k}.npy"] for k in ppack.sizes})
    weights = {nm: flat[f"weight:{nm}.npy"] for nm in weight_sizes}
    return Checkpoint(name, state, params, weights, meta["t"], meta["draws"])


def check_params(ck: Checkpoint, layout, stage) -> None:
    """Stage every parameter of ``ck`` with the simulator's ``stage`` (nothing is applied):
    each per-synapse weight entry alone (so the error names it), then all together (the
    cross-field rules). Raises CheckpointError naming the entry, the component and the field."""
    for nm, w in ck.weights.items():
        _stage(ck.path, f"weight:{nm}", stage, {(nm, "weight"): w})
    _stage(ck.path, "params:float64", stage, param_changes(layout, ck.params, {}))   # weights: checked above
    _stage(ck.path, "params:float64", _check_unaddressed, (layout, ck.params["rules"]))


def _check_unaddressed(args) -> None:
    """The declarations and cross-field rules of rule parameters that have no set_param
    address (the first of two rules of one name on a projection): what stage would check."""
    layout, rules = args
    for proj, values in rules.items():
        p = layout.projections[proj]
        names = set(rule_param_names(p.rules).values())
        for i, (rule, vals) in enumerate(zip(p.rules, values)):
            if any((i, k) not in names for k in vals):
                where = f"{type(rule).__name__} rule {i} of projection {proj!r}"
                rule.validate({k: resolve_value(v, rule.PARAMS[k], None, None, where, k) for k, v in vals.items()},
                              where)


def param_changes(layout, params: dict, weights: dict) -> dict:
    """{(target, name): value} of every run-time parameter in a host ``params`` tree and
    per-synapse ``weights`` that has an address ``Simulator.set_params`` takes (all but the
    parameters of the first of two rules of one name on a projection)."""
    out = {}
    for pool, vals in params["pools"].items():
        out.update({(pool, k): v for k, v in vals.items()})
    out.update({(pool, "g_inh"): v for pool, v in params["g_inh"].items()})
    for r, vals in enumerate(params["receptors"]):
        proj = layout.receptors[r].projections[0]
        out.update({(proj, k): v for k, v in vals.items()})
    for proj, rules in params["rules"].items():
        address = {loc: a for a, loc in rule_param_names(layout.projections[proj].rules).items()}
        for i, vals in enumerate(rules):
            out.update({(proj, address[(i, k)]): v for k, v in vals.items() if (i, k) in address})
    out.update({(nm, "weight"): w for nm, w in {**params["w"], **weights}.items()})
    return out


def _stage(path, entry, stage, changes):
    try:
        stage(changes)
    except (ParameterError, NetworkError) as e:
        raise CheckpointError(path, entry, str(e), "the values a checkpoint holds obey the rules of set_param") from e


def _open_regular(name: str, limit: int):
    """The file ``name`` opened for reading, when it is a regular file of at most ``limit``
    bytes (checked before opening, so a FIFO or a device never blocks or streams)."""
    try:
        st = os.stat(name)
    except FileNotFoundError:
        link = _checks.link_problem(name)
        what = link.removeprefix("is ") if link else "no such file"
        raise CheckpointError(name, "", what, "give the path of a checkpoint written by save_checkpoint") from None
    except OSError as e:
        raise CheckpointError(name, "", f"cannot be read ({_why(e)})") from None
    what = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
    if not stat.S_ISREG(st.st_mode):
        raise CheckpointError(name, "", what, "give the path of a checkpoint file")
    if st.st_size > limit:
        raise CheckpointError(name, "", f"{st.st_size} bytes", f"a checkpoint of this network has at most {limit}")
    try:
        fh = open(name, "rb")
    except OSError as e:
        raise CheckpointError(name, "", f"cannot be read ({_why(e)})") from None
    now = os.fstat(fh.fileno())
    if not stat.S_ISREG(now.st_mode) or now.st_size > limit:       # replaced since the check
        fh.close()
        raise CheckpointError(name, "", "changed while it was opened", "load it again")
    return fh


def _entries(name: str, zf: zipfile.ZipFile, wanted: set) -> dict:
    """{entry name: ZipInfo} when the zip lists exactly ``wanted``, each once."""
    infos, seen = {}, set()
    for info in zf.infolist():
        entry = info.filename
        if entry in seen:
            raise CheckpointError(name, _label(entry), "listed twice", "a checkpoint lists each entry once")
        seen.add(entry)
        if entry not in wanted:
            raise CheckpointError(name, _label(entry), "not an entry of this network's checkpoint",
                                  f"expected: {', '.join(sorted(_label(w) for w in wanted))}")
        infos[entry] = info
    missing = sorted(wanted - seen)
    if missing:
        raise CheckpointError(name, _label(missing[0]), "missing",
                              f"this network's checkpoint has {', '.join(sorted(_label(w) for w in wanted))}")
    return infos


def _array(name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, dtype: np.dtype, n: int | None) -> np.ndarray:
    """The 1-D array of entry ``info``: ``dtype`` and ``n`` values (None: up to META_LIMIT
    bytes), checked against the zip directory and the ``.npy`` header before the data is read."""
    entry = _label(info.filename)
    most = META_LIMIT if n is None else n * dtype.itemsize
    if info.file_size > HEADER_LIMIT + most:
        raise CheckpointError(name, entry, f"declares {info.file_size} bytes",
                              f"at most {HEADER_LIMIT + most} for {'meta' if n is None else f'{n} values of {dtype}'}")
    try:
        with zf.open(info) as fp:
            major, _ = np.lib.format.read_magic(fp)
            if major not in (1, 2):
                raise ValueError(f"npy format version {major}")
            read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            shape, _, got = read_header(fp, max_header_size=HEADER_LIMIT)
            if got != dtype or len(shape) != 1 or not 0 <= shape[0] * dtype.itemsize <= most \
                    or (n is not None and shape[0] != n):
                want = f"({n},) {dtype}" if n is not None else f"(k,) {dtype}, k <= {most}"
                raise CheckpointError(name, entry, f"holds shape {shape} of {got}", f"expected {want}")
            nbytes = shape[0] * dtype.itemsize
            if info.file_size != fp.tell() + nbytes:
                raise CheckpointError(name, entry, f"declares {info.file_size} bytes",
                                      f"the header and {shape[0]} values of {dtype} take {fp.tell() + nbytes}")
            data = fp.read(nbytes)
            if len(data) != nbytes or fp.read(1):
                raise EOFError("data shorter or longer than declared")
    except CheckpointError:
        raise
    except _READ_ERRORS as e:
        raise CheckpointError(name, entry, f"damaged ({_why(e)})", "write the checkpoint again") from None
    return np.frombuffer(data, dtype).copy()


def _meta(name: str, raw: np.ndarray, fingerprint: str, seed: int) -> dict:
    """The checked ``meta`` JSON: format, this network's fingerprint and seed, t, draws."""
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise CheckpointError(name, "meta", f"not JSON ({_why(e)})", "not a spark_lab checkpoint") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        fmt = meta.get("format") if isinstance(meta, dict) else meta
        raise CheckpointError(name, "meta", f"format {brief(fmt)}", f"not a spark_lab checkpoint (expected {FORMAT})")
    extra = sorted(set(meta) - set(META_KEYS))
    missing = [k for k in META_KEYS if k not in meta]
    if extra or missing:
        raise CheckpointError(name, "meta", f"{'unknown key ' + repr(extra[0]) if extra else 'no ' + missing[0]}",
                              f"meta holds {', '.join(META_KEYS)}")
    if meta["fingerprint"] != fingerprint or not is_int(meta["seed"]) or meta["seed"] != seed:
        raise CheckpointError(name, "meta", f"checkpoint of a different network (structure "
                              f"{brief(meta['fingerprint'])}, seed {brief(meta['seed'])})",
                              f"this one: structure {fingerprint}, seed {seed}")
    for key in ("t", "draws"):
        v = meta[key]
        if not is_int(v) or v < 0:
            raise CheckpointError(name, "meta", f"{key}: {brief(v)}", f"{key} is an integer >= 0")
    return meta


def _label(entry: str) -> str:
    return entry[:-4] if entry.endswith(".npy") else entry


def _why(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
