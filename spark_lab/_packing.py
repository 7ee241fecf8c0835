"""Flat packing of pytrees: many small arrays travel as one buffer per dtype.

A jitted call costs microseconds per argument leaf, and a network has dozens of
parameters and state variables. The simulator keeps them as named trees for the
user and passes them to the compiled chunk as one flat vector per dtype, unpacked
inside the trace with static slices (free after compilation).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


class Packer:
    def __init__(self, template, dtype=None):
        leaves, self.treedef = jax.tree_util.tree_flatten(template)
        self.shapes = [tuple(np.shape(x)) for x in leaves]
        self.dtypes = [np.dtype(dtype) if dtype is not None else np.dtype(x.dtype) for x in leaves]
        self.layout = []                     # (dtype name, offset, size) per leaf
        sizes = {}
        for s, dt in zip(self.shapes, self.dtypes):
            n = int(np.prod(s))
            o = sizes.get(dt.name, 0)
            self.layout.append((dt.name, o, n))
            sizes[dt.name] = o + n
        self.sizes = sizes

    def pack(self, tree) -> dict:
        """Host side: numpy tree -> {dtype: flat numpy array}."""
        leaves = self.treedef.flatten_up_to(tree)
        out = {k: np.empty(max(n, 1), k) for k, n in self.sizes.items()}
        for x, (k, o, n) in zip(leaves, self.layout):
            out[k][o:o + n] = np.asarray(x).ravel()
        return out

    def pack_traced(self, tree) -> dict:
        """Inside a trace: tree of arrays -> {dtype: flat array}."""
        leaves = self.treedef.flatten_up_to(tree)
        parts = {k: [] for k in self.sizes}
        for x, (k, _, _) in zip(leaves, self.layout):
            parts[k].append(jnp.asarray(x, k).ravel())
        return {k: (jnp.concatenate(v) if v else jnp.zeros((1,), k)) for k, v in parts.items()}

    def unpack(self, flat: dict):
        leaves = [flat[k][o:o + n].reshape(s) for (k, o, n), s in zip(self.layout, self.shapes)]
        return jax.tree_util.tree_unflatten(self.treedef, leaves)
