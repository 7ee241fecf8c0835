"""Checkpoints: state, parameters, step and seed of a simulator in one ``.npz`` file (no
pickle). Format ``spark_lab.checkpoint/1``: ``state:<dtype>`` and ``params:<dtype>`` flat
buffers (``Packer``), ``weight:<projection>`` per-synapse weights, ``meta`` (JSON: format,
structure fingerprint, t, seed, initializer draws)."""
from __future__ import annotations

import json

import numpy as np

from ._packing import Packer
from .errors import NetworkError

FORMAT = "spark_lab.checkpoint/1"


def save(path, state: dict, params: dict, weights: dict, meta: dict) -> None:
    """Write a numpy ``state`` tree, a float64 host ``params`` tree, {projection: per-synapse
    weights} and ``meta`` (fingerprint, t, seed, draws)."""
    arrays = {f"state:{k}": v for k, v in Packer(state).pack(state).items()}
    arrays.update({f"params:{k}": v for k, v in Packer(params, np.float64).pack(params).items()})
    arrays.update({f"weight:{nm}": np.asarray(w) for nm, w in weights.items()})
    arrays["meta"] = np.frombuffer(json.dumps({"format": FORMAT, **meta}).encode(), dtype=np.uint8)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def load(path, state_template: dict, params_template: dict, fingerprint: str, seed: int):
    """Read a checkpoint for a simulator whose state and host parameters look like the
    templates. -> (state tree, params tree, {projection: weights}, meta). Raises NetworkError
    for another file, another network or a state that does not fit."""
    with np.load(path, allow_pickle=False) as z:
        try:
            meta = json.loads(bytes(z["meta"]).decode())
        except (KeyError, ValueError):
            raise NetworkError(f"{path}: not a spark_lab checkpoint") from None
        if meta.get("format") != FORMAT:
            raise NetworkError(f"{path}: not a spark_lab checkpoint (format {meta.get('format')!r})")
        if meta["fingerprint"] != fingerprint or meta.get("seed") != seed:
            raise NetworkError(f"{path}: checkpoint of a different network (structure {meta['fingerprint']}, "
                               f"seed {meta.get('seed')}; this one: {fingerprint}, seed {seed})")
        state = {k.split(":", 1)[1]: z[k] for k in z.files if k.startswith("state:")}
        params = {k.split(":", 1)[1]: z[k] for k in z.files if k.startswith("params:")}
        weights = {k.split(":", 1)[1]: z[k] for k in z.files if k.startswith("weight:")}
    spack = Packer(state_template)
    for k, n in spack.sizes.items():
        if k not in state or state[k].shape != (max(n, 1),):
            raise NetworkError(f"{path}: the saved state does not fit this network ({k})")
    tree = Packer(params_template, np.float64).unpack(params)
    return spack.unpack({k: state[k].astype(k) for k in spack.sizes}), tree, weights, meta
