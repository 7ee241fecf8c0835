"""The frozen layout of a built network: pools, families, receptors, projections and the
fused ELL propagation groups, lowered once from a :class:`~spark_lab.network.Network`.

``lower(net, fdtype)`` draws the connectivity (seeded by the network seed) and decides
everything that fixes the compiled code. The result is immutable: its records are frozen
dataclasses, its mappings read-only, its numpy arrays not writeable.

Global neuron index: family by family, the pools of a family in order (``PoolLayout.offset``).
Receptor slots: per family and receptor position, the receptors of the members contiguous
(``Receptor.offset``); ``n_slots`` in all. ``structure_signature()`` is the one statement of
"what is structure": equal for networks that can share compiled code (and be batched),
different after a structural change.
"""
from __future__ import annotations

import dataclasses
import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

import jax.numpy as jnp
import numpy as np

from . import _sparse
from .errors import NetworkError, ParameterError
from .initializers import Constant, Initializer
from .network import _init

if TYPE_CHECKING:
    from .network import Network


@dataclass(frozen=True)
class PoolLayout:
    """One pool: its model, size, Dale mask (None: no Dale's law), family and indices.
    ``local``: first neuron within the family; ``offset``: first global neuron index;
    ``init``: the initial values given in the description ({var: number | initializer})."""
    name: str
    index: int
    model: object
    n: int
    excitatory: np.ndarray | None
    family: int
    local: int
    offset: int
    init: Mapping = dataclasses.field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Receptor:
    """One receptor: a synapse instance on a post pool, shared by the ``projections`` that
    use that instance; ``n`` neurons, slots ``offset .. offset + n``; ``init``: the initial
    values its projections give ({var: number | initializer})."""
    index: int
    post: str
    synapse: object
    n: int
    projections: tuple
    offset: int
    init: Mapping = dataclasses.field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Family:
    """Pools of one model class with the same receptor classes, simulated as one
    concatenated block (stochastic and structured models stay alone). ``receptors``: per
    receptor position, the receptor indices of the members; ``rec_offset``: their first slot;
    ``struct``: the model's fixed arrays (``model.structure``)."""
    index: int
    model: object
    pools: tuple
    local: Mapping
    n: int
    offset: int
    receptors: tuple
    rec_offset: tuple
    stochastic: bool
    struct: Mapping


@dataclass(frozen=True)
class ProjectionLayout:
    """One projection: sorted (pre, post) local indices, delay in steps, its receptor, ELL
    group (None for plastic ones) and the weights drawn at build (``initial_weight``: a
    number, or one value per synapse when ``per_syn``)."""
    name: str
    pre_pool: str
    post_pool: str
    synapse: object
    rules: tuple
    pre: np.ndarray
    post: np.ndarray
    per_syn: bool
    delay: int
    receptor: int
    n_syn: int
    plastic: bool
    group: str | None
    initial_weight: object


@dataclass(frozen=True)
class Layout:
    """Everything fixed at build (see the module docstring). ``groups``: the ELL groups;
    ``cls_index``: per class group, the (classes, n_slots) index into its weight vector;
    ``inh_pool``: per row, the index of the Dale pool whose inhibitory neuron it is (else
    the number of pools); ``delays``: the delays in steps, 0 included."""
    dt: float
    dtype: str
    fdtype: type
    seed: int
    spike_batch: int
    native: bool
    pools: Mapping
    families: tuple
    receptors: tuple
    projections: Mapping
    plastic: tuple
    modulators: tuple
    groups: tuple
    cls_index: Mapping
    inh_pool: np.ndarray
    n_total: int
    n_pad: int
    n_slots: int
    delays: tuple
    noise_streams: Mapping
    inputs: tuple
    outputs: tuple
    description: tuple      # the network's structure_signature(seed=False): what it was lowered from

    @property
    def rows(self) -> int:
        """Rows of the ELL tables: the padded neuron count plus one (the no-spike row)."""
        return self.n_pad + 1

    def group(self, gid: str) -> _sparse.EllGroup:
        """The ELL group with id ``gid``."""
        return next(g for g in self.groups if g.gid == gid)

    def record_source(self, spec) -> tuple:
        """Where the chunk reads a record: (family, source, first index). ``source`` is the
        variable name ("spikes" or a pool state variable), or (receptor position, variable)
        for a receptor variable (``"<projection>.<var>"``); the pool's neuron i is element
        ``first index + i`` of that family array."""
        proj, dot, var = spec.var.rpartition(".")
        p = self.pools[spec.pool]
        if not dot:
            return p.family, spec.var, p.local
        rc = self.receptors[self.projections[proj].receptor]
        f = self.families[p.family]
        k = next(k for k, rs in enumerate(f.receptors) if rc.index in rs)
        return p.family, (k, var), rc.offset - f.rec_offset[k]

    def device_struct(self) -> dict:
        """The chunk's structure arrays (a fresh dict): ELL targets, native rows, family
        structures, seed, plastic projections' indices."""
        native = {g.gid: {k: jnp.asarray(getattr(g.csr, k)) for k in ("rows", "runs", "targets")}
                  for g in self.groups if self.native and g.csr is not None}
        tables = {g.gid: jnp.asarray(g.targets.placeholder() if isinstance(g.targets, _sparse.NoTable) else g.targets)
                  for g in self.groups}
        plastic = []
        for nm in self.plastic:
            p = self.projections[nm]
            plastic.append({"pre": jnp.asarray(p.pre, jnp.int32), "post": jnp.asarray(p.post, jnp.int32),
                            "row": jnp.asarray(p.pre + self.pools[p.pre_pool].offset, jnp.int32),
                            "slot": jnp.asarray(p.post + self.receptors[p.receptor].offset, jnp.int32)})
        return {"targets": tables, "native": native,
                "fam": [dict(f.struct) for f in self.families], "seed": jnp.asarray(self.seed, jnp.uint32),
                "plastic": plastic}

    def widths(self) -> dict:
        """{group id: padded row width}."""
        return {g.gid: g.width for g in self.groups}

    def padded(self, widths: Mapping) -> Layout:
        """This layout with every ELL group at the row width ``widths[gid]`` (>= its own):
        extra columns target distinct dropped slots, as ``build_ell`` pads. Batching uses it to
        give agents with different out-degrees one compiled chunk."""
        groups = []
        for g in self.groups:
            w = int(widths.get(g.gid, g.width))
            if w < g.width:
                raise NetworkError(f"Layout.padded: group {g.gid!r} has width {g.width}; cannot narrow it to {w}")
            if w == g.width:
                groups.append(g)
                continue
            space = g.n_classes * self.n_slots
            t = g.targets.view(np.uint16).astype(np.int64) if g.packed else g.targets.astype(np.int64)
            t = t.reshape(-1, g.width)
            pad = np.broadcast_to(space + np.arange(g.width, w), (t.shape[0], w - g.width))
            t = np.concatenate([t, pad], axis=1)
            t = np.ascontiguousarray(t.astype(np.uint16)).view(np.int32) if g.packed else t.astype(np.int32)
            t.setflags(write=False)
            slots = {nm: (ix // g.width) * w + ix % g.width for nm, ix in g.slot_index.items()}
            groups.append(dataclasses.replace(g, width=w, targets=t, slot_index=slots))
        return dataclasses.replace(self, groups=tuple(groups))

    def fit(self, syn_w: Mapping) -> dict:
        """Per-synapse weight tables (``DeviceArgs.syn_w`` of an unpadded simulator) widened
        with zero columns to this layout's group widths."""
        out = dict(syn_w)
        for g in self.groups:
            if g.gid in out and out[g.gid].shape[1] < g.width:
                w = np.asarray(out[g.gid])
                out[g.gid] = jnp.asarray(np.concatenate([w, np.zeros((w.shape[0], g.width - w.shape[1]), w.dtype)],
                                                        axis=1))
        return out

    def structure_signature(self) -> tuple:
        """((field, value), ...) of everything that fixes the compiled code, without the
        connectivity contents and the ELL row widths (agents of one batch may differ there),
        ending with the network's own ``structure_signature(seed=False)``: the one rule of
        what is structure, extended by what lowering decided. Equal for equal networks;
        different after a structural change."""
        sig = [("dt", self.dt), ("dtype", self.dtype), ("spike_batch", self.spike_batch),
               ("pools", tuple((p.name, type(p.model).__name__, p.n, tuple(sorted(p.model.options.items())))
                               for p in self.pools.values())),
               ("projections", tuple(self.projections)), ("modulators", self.modulators),
               ("input nodes", self.inputs), ("output nodes", self.outputs)]
        for nm, p in self.projections.items():
            where = f"projection {nm!r}"
            sig += [(f"{where}: synapse", type(p.synapse).__name__), (f"{where}: delay", p.delay),
                    (f"{where}: number of synapses", p.n_syn), (f"{where}: per-synapse weights", p.per_syn),
                    (f"{where}: receptor", p.receptor),
                    (f"{where}: plasticity", tuple((type(r).__name__, tuple(sorted(r.options.items())))
                                                   for r in p.rules))]
        sig.append(("propagation groups", tuple((g.gid, g.delay, g.per_synapse, g.n_classes, g.packed,
                                                 tuple(g.projections)) for g in self.groups)))
        sig.append(("families", tuple(f.pools for f in self.families)))
        # last, so that a difference named above is reported by name: the network's own
        # description of its structure (Network.structure_signature), the seed left out
        sig.append(("network structure", self.description))
        return tuple(sig)

    def fingerprint(self) -> str:
        """16 hex digits: the structure signature, the row widths and the connectivity
        contents hashed; equal for equal networks (checkpoints store it)."""
        h = hashlib.sha256(repr(self.structure_signature()).encode())
        h.update(repr(sorted(self.widths().items())).encode())
        for p in self.projections.values():          # hashed as int64 (stored as int32): fingerprints unchanged
            for a in (p.pre, p.post):
                for i in range(0, a.size, 1 << 23):
                    h.update(a[i:i + (1 << 23)].astype(np.int64).tobytes())
        return h.hexdigest()[:16]


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def lower(net: Network, fdtype) -> Layout:
    """Lower ``net`` into its :class:`Layout` (draws the connectivity with the network seed).
    Raises NetworkError / ParameterError naming the projection for bad connectivity or weights."""
    seed = net.seed
    pools = list(net.pools.values())
    pool_struct = {p.name: {k: jnp.asarray(v) for k, v in p.model.structure(p.n, net.dt).items()} for p in pools}
    receptors, rec_of = [], {}
    for pr in net.projections.values():
        key = (pr.post, id(pr.synapse))
        if key not in rec_of:
            rec_of[key] = len(receptors)
            receptors.append(dict(post=pr.post, synapse=pr.synapse, n=net.pools[pr.post].n, projections=[],
                                  init=[]))
        receptors[rec_of[key]]["projections"].append(pr.name)
        receptors[rec_of[key]]["init"].append((pr.name, pr.init))
    receptor_of = {nm: r for r, rc in enumerate(receptors) for nm in rc["projections"]}
    into = {p.name: [r for r, rc in enumerate(receptors) if rc["post"] == p.name] for p in pools}
    families, fam_of_sig, family_of = [], {}, {}
    for p in pools:
        rec_sig = tuple(type(receptors[r]["synapse"]) for r in into[p.name])
        alone = bool(p.model.NOISE) or bool(pool_struct[p.name])
        sig = (type(p.model), rec_sig) if not alone else ("alone", p.name)
        if sig not in fam_of_sig:
            fam_of_sig[sig] = len(families)
            families.append(dict(model=p.model, pools=[], n=0, local={}, rec=[[] for _ in rec_sig],
                                 stochastic=bool(p.model.NOISE), struct=pool_struct[p.name]))
        f = families[fam_of_sig[sig]]
        f["local"][p.name] = f["n"]
        f["n"] += p.n
        f["pools"].append(p.name)
        for k, r in enumerate(into[p.name]):
            f["rec"][k].append(r)
        family_of[p.name] = fam_of_sig[sig]
    offsets, off = {}, 0
    for f in families:
        f["offset"] = off
        for nm in f["pools"]:
            offsets[nm] = off + f["local"][nm]
        off += f["n"]
    n_total, n_pad = off, -(-off // _sparse.BLOCK) * _sparse.BLOCK
    slot = 0
    for f in families:
        f["rec_offset"] = []
        for rs in f["rec"]:
            f["rec_offset"].append(slot)
            for r in rs:
                receptors[r]["offset"] = slot
                slot += receptors[r]["n"]
    n_slots = max(slot, 1)
    recs = tuple(Receptor(r, rc["post"], rc["synapse"], rc["n"], tuple(rc["projections"]), rc.get("offset", 0),
                          MappingProxyType(_init.merged(rc["init"], f"projection {rc['projections'][0]!r}")))
                 for r, rc in enumerate(receptors))
    projections = _projections(net, receptor_of)
    modulators = _modulators(net, projections)
    native = _use_native(net, fdtype, any(not p.plastic for p in projections.values()))
    groups, cls_index, gid_of = _groups(projections, offsets, recs, n_pad + 1, n_slots,
                                        compact=native and _sparse.on_cpu())
    projections = {nm: dataclasses.replace(p, group=gid_of.get(nm)) for nm, p in projections.items()}
    plastic = tuple(nm for nm, p in projections.items() if p.plastic)
    delays = tuple(sorted({g.delay for g in groups} | {projections[nm].delay for nm in plastic} | {0}))
    inh_pool = np.full(n_pad + 1, len(pools), np.int32)
    for i, p in enumerate(pools):
        if p.excitatory is not None:
            inh_pool[offsets[p.name]:offsets[p.name] + p.n][~p.excitatory] = i
    if native:
        groups = [g if g.csr is not None else dataclasses.replace(g, csr=_sparse.build_csr(g, n_slots,
                                                                                           cls_index.get(g.gid)))
                  for g in groups]
    for g in groups:
        if isinstance(g.targets, np.ndarray):
            g.targets.setflags(write=False)
    fams = tuple(Family(i, f["model"], tuple(f["pools"]), MappingProxyType(f["local"]), f["n"], f["offset"],
                        tuple(tuple(rs) for rs in f["rec"]), tuple(f["rec_offset"]), f["stochastic"],
                        MappingProxyType(f["struct"])) for i, f in enumerate(families))
    pool_layouts = {p.name: PoolLayout(p.name, i, p.model, p.n,
                                       None if p.excitatory is None else _frozen(np.array(p.excitatory, bool)),
                                       family_of[p.name], families[family_of[p.name]]["local"][p.name],
                                       offsets[p.name], MappingProxyType(dict(p.init)))
                    for i, p in enumerate(pools)}
    return Layout(
        dt=net.dt, dtype=net.dtype, fdtype=fdtype, seed=seed, spike_batch=net.spike_batch, native=native,
        pools=MappingProxyType(pool_layouts), families=fams, receptors=recs,
        projections=MappingProxyType(projections), plastic=plastic, modulators=modulators, groups=tuple(groups),
        cls_index=MappingProxyType({k: _frozen(v) for k, v in cls_index.items()}), inh_pool=_frozen(inh_pool),
        n_total=n_total, n_pad=n_pad, n_slots=n_slots, delays=delays,
        noise_streams=MappingProxyType(noise_streams(pools)),
        inputs=tuple((k, type(v.encoder).__name__, v.pool, v.n) for k, v in net.inputs.items()),
        outputs=tuple((k, type(v.decoder).__name__, v.n) for k, v in net.outputs.items()),
        description=net.structure_signature(seed=False))


def _projections(net: Network, receptor_of: dict) -> dict:
    """{name: ProjectionLayout} with group None: connectivity drawn, weights drawn and checked."""
    out = {}
    for k, pr in enumerate(net.projections.values()):
        pre_pool = net.pools[pr.pre]
        where = f"projection {pr.name!r}"
        n_pre, n_post = pr.sizes(net)            # a pool slice: drawn on its neurons, placed at its start
        try:
            pre, post = pr.connectivity.connect(n_pre, n_post, np.random.default_rng([net.seed, 2, k]),
                                                pr.same_neurons)
        except NetworkError as e:
            raise NetworkError(f"{where}: {e}") from None
        # int32 indices (pools have fewer than 2**31 neurons): half the memory of the kept lists
        pre, post = np.asarray(pre).astype(np.int32), np.asarray(post).astype(np.int32)     # copies, ours to freeze
        if pr.pre_range:
            pre += pr.pre_range[0]
        if pr.post_range:
            post += pr.post_range[0]
        order = _sparse.pair_order(pre, post, net.pools[pr.post].n)   # None: already sorted by (pre, post)
        if order is not None:
            pre, post = pre[order], post[order]
        explicit = pr.connectivity.explicit_weights()
        if explicit is not None:
            w, per_syn = np.asarray(explicit, np.float64)[slice(None) if order is None else order], True
        elif isinstance(pr.weight, Initializer) and not isinstance(pr.weight, Constant):
            w = np.asarray(pr.weight.sample(np.random.default_rng([net.seed, 3, k]), (pre.size,)), np.float64)
            per_syn = True
        else:
            w = np.float64(pr.weight.value if isinstance(pr.weight, Constant) else pr.weight)
            per_syn = False
        if pre_pool.excitatory is not None and np.any(w < 0):
            raise ParameterError(where, "weight", "negative weights from a Dale pool",
                                 "weights are magnitudes >= 0; the sign comes from the neuron type")
        plastic = bool(pr.plasticity)
        if plastic:                      # weights are state, one per synapse
            w, per_syn = np.broadcast_to(w, pre.shape).astype(np.float64), True
            for rule in pr.plasticity:
                rule.initial_weights(w, where)
        out[pr.name] = ProjectionLayout(pr.name, pr.pre, pr.post, pr.synapse, tuple(pr.plasticity), _frozen(pre),
                                        _frozen(post), per_syn, int(round(pr.delay / net.dt)), receptor_of[pr.name],
                                        int(pre.size), plastic, None, w)
    return out


def _modulators(net: Network, projections: dict) -> tuple:
    mods = {r.modulator for p in projections.values() for r in p.rules if r.modulator}
    clash = mods & set(net.pools)
    if clash:
        raise NetworkError(f"modulator channel {sorted(clash)[0]!r} has the name of a pool; "
                           f"rename the channel (the rule's 'modulator' option) or the pool")
    return tuple(sorted(mods))


def _groups(projections: dict, offsets: dict, receptors: tuple, rows: int, n_slots: int, compact: bool = False):
    """Fuse the non-plastic projections into ELL groups: per delay, one class group and one
    synapse group. ``compact`` (the native kernel on the CPU): when the class groups' padded
    tables together would exceed ``_sparse.TABLE_LIMIT``, every class group is built in the
    kernel's layout only (``_sparse.build_runs_csr``). -> (groups, {gid: class index table}, {projection: gid})."""
    groups, by_key, cls_index, gid_of = [], {}, {}, {}
    for nm, p in projections.items():
        if not p.plastic:
            by_key.setdefault((p.delay, p.per_syn), []).append(nm)
    klasses = {}
    for (delay, per_syn), names in by_key.items():
        klass, used = {}, {}
        for nm in names:
            if not per_syn:
                klass[nm] = used.get(projections[nm].receptor, 0)
                used[projections[nm].receptor] = klass[nm] + 1
        klasses[(delay, per_syn)] = klass
    # the class groups' tables together over the limit: all of them in the kernel's layout only
    compact = compact and sum(_table_bytes(projections, names, offsets, rows, n_slots, klasses[key])
                              for key, names in by_key.items() if not key[1]) > _sparse.TABLE_LIMIT
    for (delay, per_syn), names in sorted(by_key.items()):
        klass = klasses[(delay, per_syn)]
        gid = f"{'syn' if per_syn else 'cls'}{delay}"
        if not per_syn and compact:
            parts = [(p.pre, offsets[p.pre_pool], p.post, receptors[p.receptor].offset,
                      klass[nm] * n_slots + receptors[p.receptor].offset)
                     for nm, p in ((nm, projections[nm]) for nm in names)]
            g = _sparse.build_runs_csr(gid, delay, rows, n_slots, parts, names, klass)
        else:
            g = _ell_group(gid, delay, per_syn, projections, names, offsets, receptors, rows, n_slots, klass)
        gid_of.update({nm: gid for nm in names})
        if not per_syn:        # (C, n_slots) index into the group's weight vector; len(names) = none
            idx = np.full((g.n_classes, n_slots), len(names), np.int32)
            for m, nm in enumerate(names):
                rc = receptors[projections[nm].receptor]
                idx[klass[nm], rc.offset:rc.offset + rc.n] = m
            cls_index[gid] = idx
        groups.append(g)
    return groups, cls_index, gid_of


def _table_bytes(projections, names, offsets, rows, n_slots, klass) -> int:
    """Bytes of the padded table of the class group of ``names`` (its widest row counted)."""
    deg = np.zeros(rows, np.int64)
    for nm in names:
        p = projections[nm]
        deg += np.bincount(p.pre + offsets[p.pre_pool], minlength=rows)
    return _sparse.table_bytes(rows, int(deg.max()), 1 + max(klass.values(), default=0), n_slots)


def _ell_group(gid, delay, per_syn, projections, names, offsets, receptors, rows, n_slots, klass):
    """One group in the padded ELL layout (``_sparse.build_ell``)."""
    gpre, gtgt, gproj = [], [], []
    for m, nm in enumerate(names):
        p = projections[nm]
        gpre.append(p.pre + offsets[p.pre_pool])
        gtgt.append(p.post + receptors[p.receptor].offset + klass.get(nm, 0) * n_slots)
        if per_syn:                # the projection of each synapse: only synapse groups need it
            gproj.append(np.full(p.pre.size, m))
    return _sparse.build_ell(gid, delay, per_syn, rows, n_slots, np.concatenate(gpre), np.concatenate(gtgt),
                             np.concatenate(gproj) if per_syn else None, names, klass)


def _use_native(net: Network, fdtype, has_groups: bool) -> bool:
    """The C++ propagation kernel on the CPU (float32 only); pure JAX elsewhere."""
    want = net.native
    if want is False or fdtype != np.float32 or not has_groups:
        return False
    from . import _native
    ok = _native.available()
    if want and not ok:
        raise NetworkError("Network(native=True): the native CPU kernel is not available; "
                           "build it with `python -m spark_lab._native.build` or use native=None")
    return ok


def noise_streams(pools) -> dict:
    """{(pool name, noise name): 32-bit stream id}: CRC-32 of the names, so a pool's noise
    does not depend on the other pools (adding, removing or reordering them, e.g. in the
    editor, leaves it unchanged). A collision (odds ~1e-9 for 10 pools) is resolved by
    salting the later name."""
    out, used = {}, set()
    for p in pools:
        for name in p.model.NOISE:
            k, sid = 0, zlib.crc32(f"{p.name}/{name}".encode())
            while sid in used:
                k += 1
                sid = zlib.crc32(f"{p.name}/{name}#{k}".encode())
            used.add(sid)
            out[(p.name, name)] = sid
    return out
