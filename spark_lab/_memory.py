"""The memory a built network needs, estimated from its description before anything is
allocated, and the limit it is checked against.

    est = estimate(net)              # Estimate: one Need per pool, projection (synapses,
    est.total, est.largest()         #   delay buffer) and, given steps, recording
    check(net)                       # ParameterError naming the field when it cannot fit
    limit()                          # (bytes, where the figure comes from)

What is counted (host memory, in bytes; figures measured as the peak RSS of CPU float32
builds and short runs, spark_lab 0.x, within about 30 %):

* neurons: ``96 + 32 * (state variables)`` per neuron (LIF: 160), scaled by the float size
  (state, parameters, counts and their device copies), plus ``32 * (synapse state
  variables)`` per receptor slot (one per post neuron per synapse), charged to the pool's ``n``;
* synapses: ``SYNAPSE_BYTES[path]`` per synapse, the peak of building the layout (drawn
  indices and their sort, the ELL tables, for the native CPU kernel also its compressed
  rows, and the device copies): ``path`` is "native" when the C++ kernel will run (float32,
  ``Network(native=)`` not False, the kernel built), else "jax" (pure JAX: GPU, or CPU
  without the kernel); ``+WEIGHT_BYTES[path]`` with one weight per synapse (an initializer
  or plasticity). The figures are bench/SCALING.md's measured bytes per synapse. The count is
  the connectivity's expected one: ``p * n_pre * n_post`` (FixedProbability), ``n_pre *
  n_post`` (AllToAll), ``k * n_post`` (FixedInDegree), ``n`` (OneToOne), the entries of
  FromList / the nonzeros of FromMatrix; a rule of another kind may define
  ``expected_synapses(n_pre, n_post, same_pool)``, else it counts 0;
* padded propagation tables: per (delay, per-synapse weights) group one row per neuron of
  the network, as wide as the largest expected out-degree (mean + 4 sd + 2), 2 bytes per
  entry (+ a float with per-synapse weights), ``2x``: many neurons feeding a few wide rows
  (e.g. the microcircuit at a small scale with full in-degrees) cost more here than their
  synapses. Except: on the native CPU path, when the tables of the groups of one weight per
  projection would together exceed ``_sparse.TABLE_LIMIT``, those groups are built without
  them (the kernel's compressed rows only): their synapses cost ``COMPACT_BYTES`` each, plus
  ``DRAW_BYTES`` per synapse of the largest such projection (drawing and sorting one
  projection at a time), and no table; in the padded groups the largest drawn projection
  (FixedProbability, FixedInDegree) costs ``PADDED_DRAW_BYTES`` per synapse besides;
* delay buffers: one ring buffer of ``delay steps x slots`` floats per distinct delay,
  ``3x`` (the state, its device copy and the copy the chunk's loop carries);
* recordings (only when ``steps`` is given): ``2 x`` the samples of ``steps`` steps;
* noise (only when ``steps`` is given): a stochastic pool (e.g. PoissonSource) draws its
  noise for a whole chunk at once, ``3 x chunk x n`` floats per noise variable with chunk =
  min(steps, 10,000) (Simulator.run's default; a smaller ``chunk=`` needs less).

The limit, in this order: the ``limit`` argument (bytes; ``math.inf`` turns the check off),
the environment variable ``SPARK_LAB_MEMORY_LIMIT`` (``"8G"``, ``"512M"``, ``"2e9"``,
``"off"``), else the memory available now: Linux's ``MemAvailable``, capped by the cgroup's
limit less its usage, or ``os.sysconf`` (free pages). Device (GPU) memory is not checked.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

from . import _sparse
from . import connectivity as C
from .errors import ParameterError
from .initializers import Initializer

ENV_LIMIT = "SPARK_LAB_MEMORY_LIMIT"
NEURON_BYTES = 96          # per neuron, besides its state variables (float32)
VAR_BYTES = 32             # per state variable per neuron or receptor slot (float32)
#: per synapse, by propagation path (float32): the peak RSS of a fresh process that builds the network over
#: one that builds 10 neurons, measured 2026-12-02 on both paths alike: 31 (all-to-all, 2.25M synapses),
#: 36 (fixed in-degree, 3M), 38 (fixed in-degree, 24M, 200k neurons; bench/SCALING.md) once the padded table
#: is counted apart, with PADDED_DRAW_BYTES for the largest drawn projection. (jax was 95 until then, read
#: off bench/scaling.py's peaks, which held the script's own 2.4 GB of input rates.) 30 + 12 put the 3M
#: fixed in-degree build at 1.6-2.1x its measured peak on 2026-12-03 (69-89 MB against 146 MB: the peak is
#: not the sum of the draw, the table and the layout), so both moved towards the measured values.
SYNAPSE_BYTES = {"native": 26, "jax": 26}
#: per synapse of the largest drawn projection (FixedProbability, FixedInDegree) of a padded group: the
#: temporaries of drawing and sorting it (~9 measured at 24M synapses)
PADDED_DRAW_BYTES = 9
#: per synapse with its own weight (the ELL weight table, its device copy, the CSR copy)
WEIGHT_BYTES = {"native": 32, "jax": 16}
#: per synapse in a group laid out for the native kernel only (no padded table; ``_sparse.TABLE_LIMIT``):
#: the (pre, post) int32 lists, the kernel's targets and their device copy, 16 after the build, and
#: the build's peak: the full microcircuit measured 19.7 (0.3e9 synapses, bench/MICROCIRCUIT.md)
COMPACT_BYTES = 20
#: per synapse of the largest projection of such a group: the temporaries of drawing and sorting it
#: (int64 keys) beyond what COMPACT_BYTES covers
DRAW_BYTES = 24
RING_COPIES = 3            # copies of a delay buffer at run time
RECORD_COPIES = 2          # device result and host copy of a recording
TABLE_COPIES = 2           # the host table and the device copy of a padded propagation table
NOISE_COPIES = 3           # the random bits, the uniforms and the chunk's copy of a pool's noise
CHUNK_STEPS = 10_000       # Simulator.run's default chunk: at most this many steps per compiled call

_UNITS = {"": 1, "k": 2 ** 10, "m": 2 ** 20, "g": 2 ** 30, "t": 2 ** 40}


@dataclass(frozen=True)
class Need:
    """What one field of the description costs: ``kind`` ("pool", "projection", "record"),
    ``name`` (the pool, projection or "pool.var"), ``field`` ("n", "connectivity", "table",
    "delay", "chunk", "every"), ``bytes`` and ``what`` (how it adds up, for messages)."""
    kind: str
    name: str
    field: str
    bytes: int
    what: str


@dataclass(frozen=True)
class Estimate:
    """The Needs of one network; ``total`` bytes, ``largest()`` the biggest Need; ``path``
    the propagation path it was estimated for ("native" or "jax"), ``synapses`` the
    expected number of synapses."""
    needs: tuple
    path: str = "jax"
    synapses: float = 0.0

    @property
    def total(self) -> int:
        return sum(n.bytes for n in self.needs)

    @property
    def bytes_per_synapse(self) -> float:
        """The projections' bytes per expected synapse (0 without synapses)."""
        syn = sum(n.bytes for n in self.needs if n.field == "connectivity")
        return syn / self.synapses if self.synapses else 0.0

    def largest(self) -> Need | None:
        """The field that needs the most: the Needs of one (kind, name, field) summed."""
        by: dict = {}
        for n in self.needs:
            key = (n.kind, n.name, n.field)
            old = by.get(key)
            by[key] = n if old is None else Need(*key, old.bytes + n.bytes, f"{old.what} and {n.what}")
        return max(by.values(), key=lambda n: n.bytes, default=None)


def size(n: float) -> str:
    """Bytes as "22.4 GiB"."""
    for unit, f in (("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= f:
            return f"{n / f:.1f} {unit}"
    return f"{int(n)} B"


def parse_bytes(text, where: str, field: str) -> float:
    """A number of bytes from ``"8G"``, ``"512M"``, ``"64k"``, ``"2e9"`` (binary units; a
    trailing "B"/"iB" is allowed) or ``"off"`` (math.inf); ParameterError otherwise."""
    t = str(text).strip().lower()
    if t in ("off", "none", "inf", "unlimited"):
        return math.inf
    m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmgt]?)(?:i?b)?", t)
    if not m:
        raise ParameterError(where, field, f"got {text!r}", 'give bytes: a number such as 2e9, or "8G", "512M", "off"')
    value = float(m.group(1)) * _UNITS[m.group(2)]
    if value <= 0:
        raise ParameterError(where, field, f"got {text!r}", "give a size > 0, or \"off\"")
    return value


def available() -> tuple[float, str]:
    """(bytes, source) of the memory available now; (math.inf, ...) when it cannot be read."""
    have, source = math.inf, "no figure of the available memory"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    have, source = int(line.split()[1]) * 1024, "available memory, MemAvailable"
                    break
    except (OSError, ValueError, IndexError):
        pass
    if not math.isfinite(have):
        try:
            have = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
            source = "available memory, free pages"
        except (ValueError, OSError, AttributeError):
            pass
    for cap, used in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                      ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(cap) as f, open(used) as g:
                left = int(f.read().strip()) - int(g.read().strip())
        except (OSError, ValueError):
            continue
        if left < have:
            have, source = max(left, 0), "memory left under the cgroup limit"
        break
    return float(have), source


def limit(value=None) -> tuple[float, str]:
    """(bytes, source) of the memory limit: ``value``, else SPARK_LAB_MEMORY_LIMIT, else
    the memory available now (see the module docstring)."""
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value <= 0:
            raise ParameterError("memory check", "memory_limit", f"got {value!r}",
                                 "give bytes > 0 (math.inf: no check) or None (the default)")
        return float(value), "memory_limit"
    env = os.environ.get(ENV_LIMIT)
    if env:
        return parse_bytes(env, "memory check", ENV_LIMIT), ENV_LIMIT
    return available()


def synapse_count(conn, n_pre: int, n_post: int, same_pool: bool) -> float:
    """The expected number of synapses ``conn`` draws between pools of these sizes."""
    values = getattr(conn, "values", {})
    no_self = same_pool and not values.get("autapses", 0)
    if isinstance(conn, C.AllToAll):
        return n_pre * n_post - (min(n_pre, n_post) if no_self else 0)
    if isinstance(conn, C.FixedProbability):
        return float(values["p"]) * n_pre * (n_post - 1 if no_self else n_post)
    if isinstance(conn, C.FixedInDegree):
        return int(values["k"]) * n_post
    if isinstance(conn, C.OneToOne):
        return min(n_pre, n_post)
    if isinstance(conn, C.FromList):
        return conn.pre.size
    if isinstance(conn, C.FromMatrix):
        return int((conn.matrix != 0).sum())
    own = getattr(conn, "expected_synapses", None)
    return float(own(n_pre, n_post, same_pool)) if callable(own) else 0.0


def pool_bytes(model, n: int, itemsize: int = 4) -> int:
    """Bytes of ``n`` neurons of ``model`` (state, parameters, counts)."""
    nvars = len(getattr(model, "STATE", ())) + len(getattr(model, "INT_STATE", ()))
    return int(n * (NEURON_BYTES + VAR_BYTES * nvars) * itemsize / 4)


def path(net) -> str:
    """"native" when ``net`` will propagate with the C++ CPU kernel, else "jax"."""
    if net.native is False or net.dtype != "float32":
        return "jax"
    from . import _native
    return "native" if _native.available() else "jax"


def estimate(net, steps: int = 0, path_=None) -> Estimate:
    """The Needs of ``net`` (a Network): every pool, every projection's synapses, one delay
    buffer per distinct delay (charged to the first projection with that delay) and, when
    ``steps`` > 0, the recordings of that many steps. Linear in the size of the description.
    ``path_``: "native" or "jax" (default: the path ``net`` will take, ``path(net)``)."""
    via = path_ or path(net)
    item = 8 if net.dtype == "float64" else 4
    pools, needs = net.pools, []
    for p in pools.values():
        needs.append(Need("pool", p.name, "n", pool_bytes(p.model, p.n, item),
                          f"{p.n:,} neurons of {type(p.model).__name__}"))
    slots, receptors = 0, set()
    for pr in net.projections.values():
        if (pr.post, id(pr.synapse)) not in receptors:
            receptors.add((pr.post, id(pr.synapse)))
            n = pools[pr.post].n
            slots += n
            needs.append(Need("pool", pr.post, "n", int(n * VAR_BYTES * len(pr.synapse.STATE) * item / 4),
                              f"{n:,} receptor slots of {type(pr.synapse).__name__}"))
    delays, synapses, tables, projs = {}, 0.0, {}, []
    for pr in net.projections.values():
        pre_n, post_n = pr.sizes(net)                    # slice sizes where a pool is sliced
        count = synapse_count(pr.connectivity, pre_n, post_n, pr.same_neurons)
        synapses += count
        own = bool(pr.plasticity) or isinstance(pr.weight, Initializer) or isinstance(pr.connectivity, C.FromMatrix)
        d = int(round(pr.delay / net.dt))
        if d > 0 and d not in delays:
            delays[d] = pr.name
        key = None
        if not pr.plasticity:                   # fused into the padded table of (delay, per-synapse weights)
            key = (d, own)
            group = tables.setdefault(key, {"first": pr.name, "out": {}})
            group["out"][pr.pre] = group["out"].get(pr.pre, 0.0) + count / max(pre_n, 1)
        projs.append((pr, pre_n, post_n, count, own, key))
    rows = sum(p.n for p in pools.values()) + 1
    widths = {key: max(mean + 4 * math.sqrt(mean) + 2 for mean in g["out"].values()) for key, g in tables.items()}
    cls_bytes = sum(rows * w * (2 if slots + w <= 65535 else 4) for key, w in widths.items() if not key[1])
    # the class groups' tables together over the limit: the native kernel's layout only (_sparse.build_runs_csr)
    compact = {key for key in tables if not key[1]} if via == "native" and cls_bytes > _sparse.TABLE_LIMIT and \
        _sparse.on_cpu() else set()
    for key, g in tables.items():
        width = widths[key]
        if key in compact:
            continue
        per = TABLE_COPIES * (2 + (item if key[1] else 0))
        needs.append(Need("projection", g["first"], "table", int(rows * width * per),
                          f"the padded propagation table of delay {key[0]} steps ({rows:,} rows, one per neuron of "
                          f"the network, x ~{width:,.0f} columns, the largest out-degree)"))
    needs.extend(_synapse_needs(projs, compact, via, item))
    for d, name in delays.items():
        needs.append(Need("projection", name, "delay", int(RING_COPIES * d * max(slots, 1) * item),
                          f"a delay buffer of {d:,} steps x {max(slots, 1):,} slots"))
    if steps > 0:
        chunk = min(int(steps), CHUNK_STEPS)
        for p in pools.values():
            if getattr(p.model, "NOISE", ()):
                b = NOISE_COPIES * chunk * p.n * len(p.model.NOISE) * item
                needs.append(Need("pool", p.name, "chunk", b, f"noise of {chunk:,} steps x {p.n:,} neurons "
                                                             f"(drawn a chunk at a time)"))
        for r in net.records:
            width = pools[r.pool].n if r.neurons is None else len(r.neurons)
            samples = -(-int(steps) // r.every)
            b = RECORD_COPIES * samples * width * (1 if r.var == "spikes" else item)
            needs.append(Need("record", r.key, "every", b, f"{samples:,} samples x {width:,} neurons"))
    return Estimate(tuple(needs), via, synapses)


def _synapse_needs(projs, compact, via, item) -> list:
    """The projections' synapse Needs: ``SYNAPSE_BYTES`` (+ ``WEIGHT_BYTES``) per synapse, or
    ``COMPACT_BYTES`` in a group without padded table (``compact``), whose drawing costs
    ``DRAW_BYTES`` per synapse of its largest projection besides (one projection at a time);
    in the padded groups ``PADDED_DRAW_BYTES`` per synapse of the largest drawn projection."""
    out, largest, drawn = [], None, None
    for pr, pre_n, post_n, count, own, key in projs:
        if key in compact:
            per = COMPACT_BYTES
            if largest is None or count > largest[1]:
                largest = (pr.name, count)
        else:
            per = (SYNAPSE_BYTES[via] + (WEIGHT_BYTES[via] if own else 0)) * item // 4
            if isinstance(pr.connectivity, (C.FixedProbability, C.FixedInDegree)) and \
                    (drawn is None or count > drawn[1]):
                drawn = (pr.name, count)
        out.append(Need("projection", pr.name, "connectivity", int(count * per),
                        f"{count:,.0f} synapses of {type(pr.connectivity).__name__} "
                        f"({pre_n:,} x {post_n:,} neurons, about {per} bytes each)"))
    # projections are drawn one at a time: the transient of the largest one, once per layout
    for big, per in ((largest, DRAW_BYTES), (drawn, PADDED_DRAW_BYTES * item // 4)):
        if big is not None:
            out.append(Need("projection", big[0], "connectivity", int(big[1] * per),
                            f"drawing its {big[1]:,.0f} synapses (their sort, before they are laid out)"))
    return out


def refusal(need: Need, est: Estimate, lim: float, source: str) -> tuple[str, str]:
    """(problem, hint) of a network whose estimate exceeds the limit, naming the largest need."""
    problem = (f"needs about {size(need.bytes)} for {need.what}, {size(est.total)} for the whole network; "
               f"the memory limit is {size(lim)} ({source})")
    fix = {"n": "use fewer neurons", "delay": "use a shorter delay or a larger dt",
           "connectivity": "use fewer synapses (a smaller p or k, smaller pools)",
           "every": "record fewer steps, every k-th step or fewer neurons",
           "table": "use fewer neurons beside a few with a large out-degree (a table has one row per neuron), "
                    "or a smaller out-degree",
           "chunk": "run in shorter chunks (run(..., chunk=1000)) or use fewer noisy neurons"}
    return problem, (f"{fix.get(need.field, 'make the network smaller')}, or raise the limit: "
                     f"{ENV_LIMIT} (e.g. 64G) or memory_limit= in bytes")


def check(net, memory_limit=None, steps: int = 0) -> Estimate:
    """The Estimate of ``net`` when it fits under the limit (see ``limit``); else
    ParameterError naming the pool or projection and the field that needs the most."""
    lim, source = limit(memory_limit)
    est = estimate(net, steps)
    if est.total > lim:
        need = est.largest()
        problem, hint = refusal(need, est, lim, source)
        raise ParameterError(f"{need.kind} {need.name!r}", need.field, problem, hint)
    return est
