"""How a built network is split across D devices: the local layout every device runs and
the index maps between the global arrays (``Simulator.get_state_tree()``, ``device_args()``)
and the per-device blocks.

Neurons: every pool of n neurons is cut into D blocks of ``m = ceil(n / D)``; device d holds
the pool's neurons ``d * m .. d * m + m`` (the last blocks padded with copies of the pool's
last neuron: finite state and parameters, no outgoing synapses, cut off on the way back).
So every device runs the same local layout (each pool of m neurons, families and receptor
slots as ``lower`` lays them out), compiled once.

Synapses: each device keeps the synapses that end on its own neurons. Its ELL table has
the rows of the global table (one per presynaptic neuron of the whole network, in the
global order) with only the targets on this device, re-numbered to its local slots and
packed to the left in their original column order; the width is the largest such row
over the devices. Spikes are exchanged once per step: an all-gather of the devices' spike
vectors, permuted back to the global row order. Every device then adds the arriving
weights of its slots in the same order as the single-device code does, so the sums (and
the spikes) are the same, bit for bit.
"""
from __future__ import annotations

import dataclasses
from types import MappingProxyType

import numpy as np

from .._sparse import BLOCK
from ..errors import NetworkError


class ShardPlan:
    """The split of ``layout`` across ``D`` devices (see the module docstring).

    ``local``: the layout every device runs; ``fam_index[f]``: (D, local family size) global
    family positions of the local neurons (padding: a copy of the pool's last neuron);
    ``slot_index``: (D, local slots) global receptor slots; ``gather_perm``: (global padded
    neurons,) position of every global neuron in the all-gathered spike vector (one False
    appended at its end, which the global padding neurons read)."""

    def __init__(self, layout, D: int):
        _refuse(layout)
        self.D, self.glob = D, layout
        self.m = {nm: -(-p.n // D) for nm, p in layout.pools.items()}
        self._local_layout()
        self._index_maps()
        self._groups()

    # ---------------------------------------------------------------- local layout
    def _local_layout(self):
        lay, m = self.glob, self.m
        pools, fams, off = {}, [], 0
        for f in lay.families:
            local, n = {}, 0
            for nm in f.pools:
                local[nm] = n
                n += m[nm]
            fams.append(dataclasses.replace(f, local=MappingProxyType(local), n=n, offset=off))
            for nm in f.pools:
                pools[nm] = dataclasses.replace(lay.pools[nm], n=m[nm], excitatory=None, local=local[nm],
                                                offset=off + local[nm])
            off += n
        recs, slot = list(lay.receptors), 0
        for i, f in enumerate(fams):
            rec_offset = []
            for rs in f.receptors:
                rec_offset.append(slot)
                for r in rs:
                    recs[r] = dataclasses.replace(recs[r], n=m[recs[r].post], offset=slot)
                    slot += m[recs[r].post]
            fams[i] = dataclasses.replace(f, rec_offset=tuple(rec_offset))
        self.n_local = off
        self.local = dataclasses.replace(
            lay, native=False, pools=MappingProxyType(pools), families=tuple(fams), receptors=tuple(recs),
            n_total=off, n_pad=-(-off // BLOCK) * BLOCK, n_slots=max(slot, 1))

    def _index_maps(self):
        lay, loc, D = self.glob, self.local, self.D
        self.fam_index, self.fam_inverse = [], []
        for f, fl in zip(lay.families, loc.families):
            idx, inv = np.zeros((D, fl.n), np.int64), np.zeros(f.n, np.int64)
            for nm in f.pools:
                self._block(idx, inv, f.local[nm], fl.local[nm], lay.pools[nm].n, self.m[nm], fl.n)
            self.fam_index.append(idx)
            self.fam_inverse.append(inv)
        self.slot_index = np.zeros((D, loc.n_slots), np.int64)
        self.slot_inverse = np.zeros(lay.n_slots, np.int64)
        self.slot_device = np.full(lay.n_slots, -1, np.int64)
        self.slot_local = np.zeros(lay.n_slots, np.int64)
        for rc, rl in zip(lay.receptors, loc.receptors):
            self._block(self.slot_index, self.slot_inverse, rc.offset, rl.offset, rc.n, rl.n, loc.n_slots)
            i = np.arange(rc.n)
            self.slot_device[rc.offset + i] = i // rl.n
            self.slot_local[rc.offset + i] = rl.offset + i % rl.n
        # all-gathered spikes (device d's local neuron j at d * n_pad + j), with one False
        # appended at D * n_pad: what the global padding neurons read
        perm = np.full(lay.n_pad, D * loc.n_pad, np.int64)
        for nm, p in lay.pools.items():
            pl = loc.pools[nm]
            i = np.arange(p.n)
            perm[p.offset + i] = (i // pl.n) * loc.n_pad + pl.offset + i % pl.n
        self.gather_perm = perm

    @staticmethod
    def _block(idx, inv, g0, l0, n, m, width):
        """Fill the maps of one block-split range: global ``g0 .. g0 + n`` <-> local ``l0 ..
        l0 + m`` on every device (padding: a copy of the last global element)."""
        D = idx.shape[0]
        g = np.arange(D)[:, None] * m + np.arange(m)[None, :]
        idx[:, l0:l0 + m] = g0 + np.minimum(g, n - 1)
        i = np.arange(n)
        inv[g0 + i] = (i // m) * width + l0 + i % m

    # ---------------------------------------------------------------- propagation
    def _groups(self):
        """Per ELL group and device: the global (row, column) of each kept target, its local
        target and its column in the device's table; the common width; the groups of the local layout."""
        lay, loc, D = self.glob, self.local, self.D
        self.ell = {}
        groups = []
        for g in lay.groups:
            T = g.targets.view(np.uint16) if g.packed else g.targets
            T = T.astype(np.int64).reshape(-1, g.width)
            r, c = np.nonzero(T < g.n_classes * lay.n_slots)
            t = T[r, c]
            klass, slot = t // lay.n_slots, t % lay.n_slots
            dev, new_t = self.slot_device[slot], klass * loc.n_slots + self.slot_local[slot]
            per_dev, width = [], 2
            for d in range(D):
                sel = np.flatnonzero(dev == d)        # row-major: rows ascending, columns in order
                rd, cd = r[sel], c[sel]
                start = np.searchsorted(rd, rd, side="left")
                col = np.arange(rd.size) - start
                per_dev.append((rd, cd, col, new_t[sel]))
                if rd.size:
                    width = max(width, int(col.max()) + 1)
            width += width % 2
            space = g.n_classes * loc.n_slots
            packed = space + width <= 65535
            self.ell[g.gid] = (per_dev, width, packed, space)
            groups.append(dataclasses.replace(g, width=width, packed=packed, targets=np.zeros((0,), np.int32),
                                              slot_index={}, csr=None))
        self.local = dataclasses.replace(self.local, groups=tuple(groups))

    def targets(self, gid: str) -> np.ndarray:
        """(D, global rows, local width [/ 2 packed]) int32: each device's ELL targets."""
        per_dev, width, packed, space = self.ell[gid]
        rows = self.glob.rows
        out = []
        for rd, _, col, tgt in per_dev:
            T = np.tile(space + np.arange(width, dtype=np.int64), (rows, 1))    # distinct dropped pads
            T[rd, col] = tgt
            out.append(np.ascontiguousarray(T.astype(np.uint16)).view(np.int32) if packed else T.astype(np.int32))
        return np.stack(out)

    def syn_weights(self, gid: str, table) -> np.ndarray:
        """(D, global rows, local width): the global per-synapse weight table ``table``
        (rows, global width) laid out as each device's targets."""
        per_dev, width, _, _ = self.ell[gid]
        table = np.asarray(table)
        out = np.zeros((self.D, self.glob.rows, width), table.dtype)
        for d, (rd, cd, col, _) in enumerate(per_dev):
            out[d, rd, col] = table[rd, cd]
        return out

    # ---------------------------------------------------------------- arrays
    def split_family(self, fi: int, a) -> np.ndarray:
        """(D, local, ...) blocks of a family array of the global state or parameters
        (leading axis: the family's neurons); other shapes are the same on every device."""
        a = np.asarray(a)
        if a.ndim and a.shape[0] == self.glob.families[fi].n:
            return a[self.fam_index[fi]]
        return np.broadcast_to(a, (self.D,) + a.shape)

    def join_family(self, fi: int, blocks) -> np.ndarray:
        """The global family array of the (D, local, ...) blocks (inverse of ``split_family``)."""
        b = np.asarray(blocks)
        if b.ndim > 1 and b.shape[1] == self.local.families[fi].n:
            return b.reshape((-1,) + b.shape[2:])[self.fam_inverse[fi]]
        return b[0]

    def split_slots(self, a, axis: int) -> np.ndarray:
        """(D, ...) blocks of an array whose axis ``axis`` is the receptor slots."""
        return np.moveaxis(np.take(np.asarray(a), self.slot_index, axis=axis), axis, 0)

    def join_slots(self, blocks, axis: int) -> np.ndarray:
        """The global slot array of (D, ...) blocks whose axis ``axis + 1`` is the local slots."""
        b = np.moveaxis(np.asarray(blocks), 0, axis)          # device axis next to the slot axis
        shape = b.shape[:axis] + (-1,) + b.shape[axis + 2:]
        return np.take(b.reshape(shape), self.slot_inverse, axis=axis)

    def split_pool(self, nm: str, a) -> np.ndarray:
        """(D, ..., m) blocks of a pool input whose last axis is the pool's neurons."""
        n, m = self.glob.pools[nm].n, self.m[nm]
        idx = np.minimum(np.arange(self.D)[:, None] * m + np.arange(m)[None, :], n - 1)
        return np.moveaxis(np.take(np.asarray(a), idx, axis=-1), -2, 0)

    def join_pool(self, nm: str, blocks) -> np.ndarray:
        """The pool's values of (D, ..., m) blocks (last axis: local neurons): (..., n)."""
        b = np.moveaxis(np.asarray(blocks), 0, -2)
        return b.reshape(b.shape[:-2] + (-1,))[..., :self.glob.pools[nm].n]


def _refuse(layout) -> None:
    """What the sharded runner does not run, refused with the reason."""
    if layout.plastic:
        raise NetworkError(f"build(devices=...): projection {layout.plastic[0]!r} is plastic; the sharded "
                           f"simulator runs networks without plasticity (build without devices=)")
    for f in layout.families:
        if f.struct:
            raise NetworkError(f"build(devices=...): pool {f.pools[0]!r} ({type(f.model).__name__}) has structure "
                               f"arrays of its own; the sharded simulator does not split them (build without "
                               f"devices=, or use a PoissonSource or an input node)")
