"""Counter-based random numbers for the noise drawn during a run.

Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as
1, 2, 3", SC 2011; the generator behind ``jax.random``'s default), written out as
plain element-wise integer operations. XLA fuses it into the kernel that uses it;
``jax.random`` on the CPU runs the rounds as a rolled loop, which cost ~50 us per
call for a few hundred numbers here.

The number for (seed, stream, step t, index i) is a pure function of those four
integers: results do not depend on how a run is cut into chunks, on what is
recorded, or on the order in which numbers are drawn.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

_ROT = ((13, 15, 26, 6), (17, 29, 16, 24))


def _rotl(x, r):
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def threefry2x32(k0, k1, x0, x1):
    """Threefry-2x32 (20 rounds) of the counters (x0, x1) under the key (k0, k1); uint32 in and out."""
    ks = (k0, k1, k0 ^ k1 ^ np.uint32(0x1BD11BDA))
    x0 = x0 + ks[0]
    x1 = x1 + ks[1]
    for i in range(5):
        for r in _ROT[i % 2]:
            x0 = x0 + x1
            x1 = _rotl(x1, r) ^ x0
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x0, x1


def uniform(seed, stream, steps, n, first=0):
    """Uniform [0, 1) float32 numbers of shape (len(steps), n) for ``stream`` at the given steps,
    for the indices ``first .. first + n`` (a sharded runner's device draws its own slice).

    seed, stream, first: integers < 2**32 (traced or not); steps: int32 array of step indices.
    """
    k0 = jnp.asarray(seed, jnp.uint32)
    k1 = jnp.asarray(stream, jnp.uint32)
    t = jnp.asarray(steps).astype(jnp.uint32)[:, None]
    i = (jnp.asarray(first, jnp.uint32) + jnp.arange(n, dtype=jnp.uint32))[None, :]
    bits, _ = threefry2x32(k0, k1, jnp.broadcast_to(t, (t.shape[0], n)), jnp.broadcast_to(i, (t.shape[0], n)))
    return jnp.asarray((bits >> np.uint32(9)) | np.uint32(0x3F800000)).view(jnp.float32) - 1.0
