"""The lean closed loop's state as one int32 buffer (``Simulator.run_chunk``'s fast path).

A one-step call pays JAX more for each array it returns (an output buffer and an Array object:
~2-3 us each on the CPU here, bench/RESULTS.md) than for each argument. The lean loop
therefore returns the new state and the chunk's output vector as one buffer: every state leaf
bit for bit as 32-bit words (floats by bitcast, a scalar as one word), then ``out``. The next
call takes that buffer as its state; the host reads ``out`` as a zero-copy view of it. Whatever
else needs the state (views, checkpoints, ``set_state``, the general run path) unpacks it once.

The buffer is written by the native library's ``spark_lab_pack`` (one copy per part): XLA:CPU's
own concatenate or in-place updates of these parts cost more than the outputs they save
(measured: 39-44 against 32 us per call), so only networks on the native CPU kernel pack
(other platforms lower the concatenate). Limits: only states whose leaves are all 32-bit
(float32, int32, uint32) pack; a float64 network keeps the flat leaves (``Packing.fits``).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax


class Packing:
    """Where each leaf of a state (its flat leaves, in order) lies in the packed buffer."""

    def __init__(self, leaves):
        self.parts, o = [], 0
        for x in leaves:
            n = int(np.prod(np.shape(x), dtype=np.int64))
            self.parts.append((o, n, tuple(np.shape(x)), np.dtype(x.dtype)))
            o += n
        self.words = o            # the state's words; ``out`` follows

    @staticmethod
    def fits(leaves) -> bool:
        """True when every leaf is a 32-bit float or integer (the buffer is int32 words)."""
        return all(np.dtype(x.dtype).itemsize == 4 and np.dtype(x.dtype).kind in "fiu" for x in leaves)

    def pack(self, leaves, out=None):
        """The leaves (and ``out``, an int32 vector) as one int32 buffer; traced inside jit."""
        parts = [jnp.ravel(x) for x in leaves] + ([] if out is None else [out.astype(jnp.int32)])
        total = sum(p.shape[0] for p in parts)

        def xla(*ps):
            return jnp.concatenate([lax.bitcast_convert_type(p, jnp.int32) for p in ps])
        from ._native import PACK_TARGET
        call = jax.ffi.ffi_call(PACK_TARGET, jax.ShapeDtypeStruct((total,), jnp.int32))
        return lax.platform_dependent(*parts, cpu=lambda *ps: call(*ps), default=xla)

    def unpack(self, buf) -> tuple:
        """The leaves of a packed buffer (its first ``words`` words); traced inside jit."""
        return tuple(lax.bitcast_convert_type(buf[o:o + n], dt).reshape(shape) for o, n, shape, dt in self.parts)

    def chunk(self, flat):
        """``flat`` (a chunk over the flat leaves of (state, args, inputs) returning the new
        state's leaves and ``out``, ``_chunk.flat_leaves``) as a function of (packed state,
        args and inputs' leaves) returning the packed new state followed by ``out``."""
        n_state = len(self.parts)

        def packed(buf, *rest):
            res = flat(*self.unpack(buf), *rest)
            return self.pack(res[:n_state], res[n_state])
        return packed

    def jitted(self):
        """(pack, unpack) as jitted functions: the leaves to a buffer and back, for the calls
        outside the lean loop."""
        return jax.jit(lambda *leaves: self.pack(leaves)), jax.jit(self.unpack)
