"""Parameter sweeps run as batches of one compiled, vmapped call.

    df = sl.sweep(net, {("inh", "g_inh"): np.linspace(3, 7, 8), ("ext", "rate"): rates},
                  seeds=(1, 2), steps=2000, skip=1000, measure=("rate", "cv", "synchrony"))
    sl.sweep_heatmap(df, "synchrony.exc")            # mean over seeds, matplotlib

Every grid point x seed is the network ``net`` built with that seed (``Network(seed=s)``:
its connectivity, initial values and noise) and those parameter values, run alone for
``skip + steps`` steps from its initial state: spike for spike the run of
``net.copy()`` given those values, ``configure(seed=s)``, ``build()``, ``run(skip)``,
``run(steps)`` (pure JAX, as batching needs: the copies are built with ``native=False``;
the C++ kernel gives the same spikes). ``net`` itself is not changed.

How it runs (the runner contract of docs/architecture.md, as ``BatchedSimulator`` does it):
one simulator is built per seed; for each grid point its values are applied with
``set_params`` and ``reset()`` draws the initial state from them, exactly as ``build()``
does; ``device_args()`` and ``get_state_tree()`` of that point are stacked along a leading
agent axis (ELL rows padded to the seeds' common width) and ``jax.jit(jax.vmap(chunk))``
of ``make_chunk`` runs ``batch`` points at once. One simulator per seed, not one per point:
a build costs ~0.15 s (it compiles its parameter function) and a new simulator compiles its
chunk again. Speed (bench/SWEEP.md): on a 2-core CPU a sweep is ~11x faster than building and
running each point, but slower than a loop reusing one compiled simulator per seed.

Only run-time values (``Network.values()``: model, synapse and rule parameters, ``g_inh``,
``weight``) can be swept; a structural field (``n``, ``delay``, ``connectivity``, ...)
changes the compiled code and is refused with ParameterError naming it. Seeds whose
connectivity has different array shapes (``FixedProbability`` draws a different number of
synapses per seed) run as separate batches, each with its own compilation.

Memory bound: a batch holds ``batch`` copies of the network's state, parameters and
connectivity (``spark_lab._memory.estimate(net)`` each) and of its recording (``steps`` x
the measured pools' neurons, bool, ``RECORD_COPIES`` copies). ``batch=None`` takes the
largest batch whose estimate fits in half the memory limit (``memory_limit``, else
SPARK_LAB_MEMORY_LIMIT, else the memory available now), at most every point at once; a
given ``batch`` over that limit is refused. Only ``"rate"`` measured: nothing is recorded.
"""
from __future__ import annotations

import itertools
import math
import time

import jax
import jax.numpy as jnp
import numpy as np

from . import _memory, analysis
from ._checks import brief, is_int, is_real, positive_int
from ._chunk import compiler_options, make_chunk
from .errors import DivergenceError, NetworkError, ParameterError

#: measure name -> (needs the spikes, f(spikes (steps, n) bool, dt ms) -> float); "rate" uses counts
MEASURES = {
    "rate": (False, None),                                          # Hz, mean over the pool's neurons
    "cv": (True, lambda s, dt: _nanmean(analysis.cv_isi(s, dt))),   # mean CV of the ISIs (>= 3 spikes)
    "synchrony": (True, lambda s, dt: analysis.population_fano(s, dt, 1.0)),   # population Fano, 1 ms bins
}
STRUCTURAL = {"n", "excitatory", "model", "connectivity", "delay", "synapse", "plasticity", "pre", "post",
              "dt", "seed", "dtype", "native", "spike_batch"}


def sweep(net, grid: dict, seeds=None, steps: int = 1000, measure=("rate", "cv", "synchrony"), batch=None,
          skip: int = 0, pools=None, memory_limit=None):
    """Run every point of ``grid`` x ``seeds`` and measure it; a pandas DataFrame, one row per
    grid point and seed (see the module docstring for what a point is and how it runs).

    net:   a Network (not changed).
    grid:  {(target, name): values}: run-time parameters (``Network.values()`` addresses,
           e.g. ``("inh", "g_inh")``, ``("ext", "rate")``), each with a 1-D sequence of
           numbers in the parameter's unit; the grid is their product (the last varies fastest).
    seeds: network seeds (integers 0 <= s < 2**32), default ``(net.seed,)``.
    steps: steps measured (of ``net.dt`` ms), after ``skip`` steps of transient.
    measure: names in ``MEASURES`` ("rate" Hz, "cv" mean ISI CV, "synchrony" population Fano
           factor in 1 ms bins, from ``spark_lab.analysis``) or callables ``f(spikes, dt) ->
           float`` (spikes: (steps, n) bool of one pool; called once per row and pool).
    pools: pools measured (default: every pool with a membrane).
    batch: points per compiled call (default: as many as fit, see the memory bound).

    Columns: one per swept parameter ("inh.g_inh"), "seed", then "<measure>.<pool>".
    ``df.attrs``: params, measures, pools, seeds, steps, skip, dt, batch, batches, compilations,
    wall_s. Raises ParameterError / NetworkError before anything runs when an input is bad.
    """
    import pandas as pd

    plan = _Plan(net, grid, seeds, steps, measure, batch, skip, pools, memory_limit)
    t0 = time.perf_counter()
    rows = plan.run()
    df = pd.DataFrame(rows, columns=plan.columns)
    df.attrs.update(params=plan.labels, measures=plan.measure_names, pools=plan.pools, seeds=plan.seeds,
                    steps=plan.steps, skip=plan.skip, dt=net.dt, batch=plan.batch, batches=plan.batches,
                    compilations=plan.compilations, wall_s=time.perf_counter() - t0)
    return df


def pivot(df, value: str, x: str | None = None, y: str | None = None):
    """(xs, ys, Z): the mean over seeds of column ``value`` on the grid of parameters ``x``
    (columns of Z) and ``y`` (rows; None: one row). Defaults: the sweep's first two
    parameters. Other swept parameters must have one value in ``df`` (select rows first)."""
    params = list(df.attrs.get("params", [c for c in df.columns if "." in c and c.split(".")[0] not in MEASURES]))
    if value not in df.columns:
        raise ParameterError("sweep_heatmap", "value", f"no column {value!r}",
                             f"columns: {', '.join(map(str, df.columns))}")
    x = x if x is not None else (params[0] if params else None)
    if y is None and x is not None and len(params) > 1:
        y = next(p for p in params if p != x)
    for field, p in (("x", x), ("y", y)):
        if p is not None and p not in df.columns:
            raise ParameterError("sweep_heatmap", field, f"no column {p!r}", f"swept: {', '.join(params)}")
    if x is None:
        raise ParameterError("sweep_heatmap", "x", "the table has no swept parameter", "give x=")
    for p in params:
        if p not in (x, y) and df[p].nunique() > 1:
            raise ParameterError("sweep_heatmap", p, f"has {df[p].nunique()} values in the table",
                                 f"select one first, e.g. df[df[{p!r}] == {df[p].iloc[0]!r}]")
    keys = [k for k in (y, x) if k is not None]
    mean = df.groupby(keys)[value].mean()
    xs = np.unique(df[x].to_numpy(np.float64))
    ys = np.unique(df[y].to_numpy(np.float64)) if y is not None else np.zeros(1)
    Z = np.full((len(ys), len(xs)), np.nan)
    for key, v in mean.items():
        key = key if isinstance(key, tuple) else (key,)
        i = int(np.searchsorted(ys, key[0])) if y is not None else 0
        Z[i, int(np.searchsorted(xs, key[-1]))] = v
    return xs, ys, Z


def sweep_heatmap(df, value: str, x: str | None = None, y: str | None = None, ax=None, cmap="viridis"):
    """A matplotlib heatmap of column ``value`` of a sweep table (mean over seeds) against
    parameters ``x`` (horizontal) and ``y`` (vertical); see ``pivot``. Returns the Axes."""
    import matplotlib.pyplot as plt

    xs, ys, Z = pivot(df, value, x, y)
    params = df.attrs.get("params", [])
    x = x or params[0]
    y = y if y is not None else (next((p for p in params if p != x), None))
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 3.6))
    im = ax.imshow(np.ma.masked_invalid(Z), origin="lower", aspect="auto", cmap=cmap, interpolation="nearest")
    ax.set_xticks(range(len(xs)), [f"{v:.3g}" for v in xs], rotation=45 if len(xs) > 6 else 0)
    ax.set_xlabel(x)
    if y is not None:
        ax.set_yticks(range(len(ys)), [f"{v:.3g}" for v in ys])
        ax.set_ylabel(y)
    else:
        ax.set_yticks([])
    ax.figure.colorbar(im, ax=ax, label=value)
    ax.set_title(value)
    return ax


class _Plan:
    """The checked inputs of a sweep, the simulators of its seeds, and its batched runs."""

    def __init__(self, net, grid, seeds, steps, measure, batch, skip, pools, memory_limit):
        from .network import Network
        if not isinstance(net, Network):
            raise ParameterError("sweep", "net", f"got {brief(net)}", "give a Network")
        self.net = net
        self.addresses, self.values = _check_grid(net, grid)
        self.labels = [f"{t}.{n}" for t, n in self.addresses]
        self.seeds = _check_seeds(net, seeds)
        self.steps = positive_int(steps, "sweep", "steps")
        if not is_int(skip) or skip < 0:
            raise ParameterError("sweep", "skip", f"got {brief(skip)}", "give the transient steps, an integer >= 0")
        self.skip = int(skip)
        self.measures = _check_measures(measure)
        self.measure_names = [m for m, _ in self.measures]
        self.pools = _check_pools(net, pools)
        self.recording = any(MEASURES.get(m, (True,))[0] for m in self.measure_names)
        self.columns = [*self.labels, "seed", *(f"{m}.{p}" for m, _ in self.measures for p in self.pools)]
        self.points = [dict(zip(self.addresses, v)) for v in itertools.product(*self.values)]
        self.groups = _seed_groups(net, self.seeds, memory_limit)
        first = next(iter(self.groups[0].sims.values()))
        for point in self.points:          # every point checked before anything runs
            first.stage(point)
        self.batch = self._batch_size(batch, memory_limit)
        self.batches = self.compilations = 0

    def _batch_size(self, batch, memory_limit) -> int:
        est = _memory.estimate(self.net).total
        rec = self.steps * sum(self.net.pools[p].n for p in self.pools) * _memory.RECORD_COPIES
        per_agent = est + (rec if self.recording else 0)
        lim, source = _memory.limit(memory_limit)
        fits = max(1, int(0.5 * lim // per_agent)) if math.isfinite(lim) else 1 << 30
        total = len(self.points) * len(self.seeds)
        if batch is None:
            return min(total, fits)
        batch = positive_int(batch, "sweep", "batch")
        if batch > fits:
            raise ParameterError("sweep", "batch", f"{batch} points need about {_memory.size(batch * per_agent)}",
                                 f"at most {fits} fit in half the memory limit of {_memory.size(lim)} ({source}); "
                                 f"give a smaller batch, fewer steps or fewer measured pools")
        return min(batch, total)

    def run(self) -> list:
        """The rows, in grid order (the seeds of one point together)."""
        order = {s: i for i, s in enumerate(self.seeds)}
        jobs = {g: [] for g in range(len(self.groups))}
        for p, point in enumerate(self.points):
            for s in self.seeds:
                g = next(i for i, grp in enumerate(self.groups) if s in grp.sims)
                jobs[g].append((p * len(self.seeds) + order[s], point, s))
        rows = [None] * (len(self.points) * len(self.seeds))
        for g, todo in jobs.items():
            for i in range(0, len(todo), self.batch):
                part = todo[i:i + self.batch]
                for (r, point, s), row in zip(part, self._run_batch(self.groups[g], part)):
                    rows[r] = [*(point[a] for a in self.addresses), s, *row]
                self.batches += 1
        self.compilations = sum(grp.compile_count for grp in self.groups)
        return rows

    def _run_batch(self, group, part) -> list:
        padded = part + [part[-1]] * (self.batch - len(part))      # one batch shape: one compilation
        state, args = group.stack([(s, point) for _, point, s in padded])
        specs = group.specs([f"{p}.spikes" for p in self.pools] if self.recording else [])
        state = group.advance(state, args, self.skip, part)
        counts, recs = group.measure_run(self.skip, state, args, self.steps, specs, self.pools, part)
        dt, out = self.net.dt, []
        for b in range(len(part)):
            row = []
            for name, fn in self.measures:
                for i, p in enumerate(self.pools):
                    if name == "rate":
                        row.append(float(counts[p][b].sum()) / counts[p].shape[1] / (self.steps * dt * 1e-3))
                    else:
                        row.append(float(fn(recs[i][b], dt)))
            out.append(row)
        return out


class _Group:
    """Seeds whose simulators share one compiled chunk (same structure and array shapes)."""

    def __init__(self, sims: dict):
        self.sims = sims
        widths = {}
        for s in sims.values():
            for g in s.layout.groups:
                widths[g.gid] = max(widths.get(g.gid, 0), g.width)
        self.layouts = {seed: s.layout.padded(widths) for seed, s in sims.items()}
        self.layout = next(iter(self.layouts.values()))
        self.ref = next(iter(sims.values()))
        self._compiled: dict = {}
        self.compile_count = 0

    def agent(self, seed, point: dict):
        """(state tree, device args) of the network of ``seed`` with the values ``point``,
        at its initial state (drawn from those values, as a build draws them)."""
        sim, lay = self.sims[seed], self.layouts[seed]
        sim.set_params(point)
        sim.reset()
        a = sim.device_args()
        return sim.get_state_tree(), a._replace(syn_w=lay.fit(a.syn_w), struct=lay.device_struct())

    def stack(self, agents):
        trees = [self.agent(seed, point) for seed, point in agents]
        state = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[t[0] for t in trees])
        args = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[t[1] for t in trees])
        return state, args

    def specs(self, records) -> tuple:
        return self.ref.record_specs(records)

    def _count_trace(self):
        self.compile_count += 1          # runs only while tracing

    def call(self, t, k, state, args, specs, counted, part):
        """One vmapped chunk of ``k`` steps from step ``t``: (state, counts {pool: (B, n)}, records)."""
        B = jax.tree_util.tree_leaves(state)[0].shape[0]
        mods = {nm: jnp.zeros((B, k), self.layout.fdtype) for nm in self.ref.modulators}
        key = (k, tuple((s.pool, s.var, s.neurons) for s in specs), tuple(counted))
        fn = self._compiled.get(key)
        if fn is None:
            layout_in = tuple(sorted((nm, 1) for nm in mods))
            chunk = make_chunk(self.layout, k, specs, layout_in, tuple(counted), self.ref.prepared_packer,
                               self._count_trace)
            fn = self._compiled[key] = jax.jit(jax.vmap(chunk), compiler_options=compiler_options())
        new_state, out, (recs, _) = fn(state, args, mods)
        ys = tuple(vals for vals, _, _ in recs)     # spikes of every step: every row kept, in order
        out = np.asarray(out)
        bad = np.flatnonzero(out[:len(part), 0] == 0)
        if bad.size:
            b = int(bad[0])
            _, point, seed = part[b]
            st = jax.tree_util.tree_map(lambda a: a[b], new_state)
            where = ", ".join(f"{t}.{n}={v:g}" for (t, n), v in point.items())
            raise DivergenceError([(f"sweep point {where} (seed {seed}): {p}", v, i)
                                   for p, v, i in self.sims[seed].locate_bad(st)], t, k)
        counts, o = {}, 1
        for nm in counted:
            n = self.layout.pools[nm].n
            counts[nm] = out[:, o:o + n]
            o += n
        return new_state, counts, ys

    def advance(self, state, args, steps, part):
        """The batch's state after ``steps`` steps, nothing recorded or counted."""
        done = 0
        while done < steps:
            k = min(10_000, steps - done)
            state, _, _ = self.call(done, k, state, args, (), (), part)
            done += k
        return state

    def measure_run(self, t0, state, args, steps, specs, pools, part):
        """Spike counts {pool: (B, n)} and recordings [(B, steps, n) bool per spec] of ``steps`` steps."""
        counts = {p: 0 for p in pools}
        parts = [[] for _ in specs]
        done = 0
        while done < steps:
            k = min(10_000, steps - done)
            state, c, ys = self.call(t0 + done, k, state, args, specs, pools, part)
            for p in pools:
                counts[p] = counts[p] + c[p].astype(np.int64)
            for i, y in enumerate(ys):
                parts[i].append(np.asarray(y, bool))
            done += k
        return counts, [np.concatenate(p, axis=1) for p in parts]


def _check_grid(net, grid) -> tuple:
    if not isinstance(grid, dict) or not grid:
        raise ParameterError("sweep", "grid", f"got {brief(grid)}",
                             'give {(target, name): values}, e.g. {("inh", "g_inh"): [3, 4, 5]}')
    known = net.values()
    addresses, values, seen = [], [], {}
    for key, vals in grid.items():
        if not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key)):
            raise ParameterError("sweep", "grid", f"key {brief(key)} is not a (target, name) pair",
                                 'address a parameter as ("inh", "g_inh")')
        target, name = key
        label = f"{target}.{name}"
        if target not in net.pools and target not in net.projections:
            raise NetworkError(f"sweep: {label}: no pool or projection {target!r}; "
                               f"known: {', '.join([*net.pools, *net.projections])}")
        if key not in known and not _rule_alias(known, target, name):
            runtime = ", ".join(n for t, n in known if t == target)
            problem = ("is structural: a change needs a new build, and one batch runs one compiled structure"
                       if name in STRUCTURAL else "is not a run-time parameter")
            raise ParameterError("sweep", label, problem,
                                 f"sweepable parameters of {target!r}: {runtime}; for {name}, run one sweep per value")
        canon = _rule_alias(known, target, name) or key
        if canon in seen:
            raise ParameterError("sweep", label, f"is the same parameter as {seen[canon]}", "give it once")
        seen[canon] = label
        arr = np.asarray(vals, dtype=object).ravel() if not isinstance(vals, str) else None
        if arr is None or np.ndim(vals) != 1 or arr.size == 0 or not all(is_real(v) and math.isfinite(v)
                                                                          for v in arr):
            raise ParameterError("sweep", label, f"values {brief(vals)}",
                                 "give a 1-D sequence of finite numbers, in the parameter's unit")
        addresses.append(key)
        values.append([float(v) for v in arr])
    return addresses, values


def _rule_alias(known, target, name):
    """The canonical address of a plasticity parameter given by its short name, or None."""
    hits = [k for k in known if k[0] == target and "." in k[1] and k[1].split(".", 1)[1] == name]
    return hits[0] if len(hits) == 1 else None


def _check_seeds(net, seeds) -> list:
    if seeds is None:
        return [net.seed]
    if is_int(seeds) or isinstance(seeds, (str, bytes)):
        raise ParameterError("sweep", "seeds", f"got {brief(seeds)}",
                             "give a sequence of network seeds, e.g. seeds=range(2) or seeds=[7]")
    out = list(seeds)
    if not out or not all(is_int(s) and 0 <= s < 2 ** 32 for s in out) or len(set(out)) != len(out):
        raise ParameterError("sweep", "seeds", f"got {brief(seeds)}",
                             "give distinct integers 0 <= seed < 2**32, at least one")
    return [int(s) for s in out]


def _check_measures(measure) -> list:
    items = [measure] if isinstance(measure, str) or callable(measure) else list(measure)
    out = []
    for m in items:
        if isinstance(m, str) and m in MEASURES:
            out.append((m, MEASURES[m][1]))
        elif callable(m) and not isinstance(m, str):
            out.append((getattr(m, "__name__", "measure"), m))
        else:
            raise ParameterError("sweep", "measure", f"unknown measure {brief(m)}",
                                 f"give names from {', '.join(MEASURES)} or callables f(spikes, dt) -> float")
    names = [n for n, _ in out]
    if not out or len(set(names)) != len(names):
        raise ParameterError("sweep", "measure", f"got {names}", "give at least one measure, each once")
    return out


def _check_pools(net, pools) -> list:
    if pools is None:
        found = [p for p, pool in net.pools.items() if getattr(pool.model, "VOLTAGE", None)]
        if not found:
            raise ParameterError("sweep", "pools", "the network has no pool with a membrane", "give pools=")
        return found
    names = [pools] if isinstance(pools, str) else list(pools)
    return [net.pool_name(p) for p in names]


def _seed_groups(net, seeds, memory_limit) -> list:
    """One simulator per seed (pure JAX), grouped into _Group by structure and array shapes."""
    sims = {}
    for s in seeds:
        copy = net.copy()
        copy.configure(seed=s, native=False)
        sims[s] = copy.build(memory_limit)
    by_structure: list = []                       # [(signature, [seeds])]
    for s, sim in sims.items():
        sig = sim.layout.structure_signature()
        for known, members in by_structure:
            if known == sig:
                members.append(s)
                break
        else:
            by_structure.append((sig, [s]))
    groups = []
    for _, members in by_structure:
        trial = _Group({s: sims[s] for s in members})
        by_shape: dict = {}
        for s in members:
            by_shape.setdefault(repr(_shapes(trial, s)), []).append(s)
        groups += [_Group({s: sims[s] for s in part}) for part in by_shape.values()]
    return groups


def _shapes(group, seed) -> list:
    """The tree layouts and array shapes an agent of ``seed`` contributes to a batch of ``group``."""
    sim, lay = group.sims[seed], group.layouts[seed]
    a = sim.device_args()
    trees = (sim.get_state_tree(), a.prepared, a.derived, lay.fit(a.syn_w), lay.device_struct())
    return [(str(jax.tree_util.tree_structure(t)), [np.shape(x) for x in jax.tree_util.tree_leaves(t)])
            for t in trees]


def _nanmean(x) -> float:
    x = np.asarray(x, np.float64)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else float("nan")
