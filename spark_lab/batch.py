"""BatchedSimulator: B networks of identical structure in one compiled call.

    sims = [make_net(seed=s, native=False).build() for s in range(25)]
    bs = BatchedSimulator(sims)
    counts = bs.run_chunk(20, inputs={"obs": obs_batch}, readout=("left", "right"))   # {pool: (B, n)}

The chunk function (``spark_lab._chunk.make_chunk``: ``chunk(state, args, inputs) ->
(state, out, ys)``, ``args`` the simulator's ``device_args()``) is pure, so ``jax.vmap`` runs it
over state, parameters and structure stacked along a leading agent axis, inside one
``jax.jit``. Each agent keeps its own everything: seed (so its own noise), initial state,
parameters, connectivity *contents* and plastic weights (those are state). What must be
equal is the *structure*: the same pools, projections, rules, options, and the same
shapes of every state, parameter and connectivity array. Otherwise the constructor raises
NetworkError naming the first difference (e.g. ``FixedProbability`` draws a different
number of synapses per seed: use ``AllToAll``, ``FixedInDegree``, ``OneToOne``, or the
same seed for the structure).

Pure-JAX path only: build the networks with ``Network(native=False)``. The C++ FFI
propagation kernel (``spark_lab/_native``) has no batching rule, so it cannot run under
``vmap``; the constructor refuses simulators that use it.

The agents' own :class:`Simulator` objects stay the source of truth for parameters: after
``bs.sims[b].set_param(...)`` call ``bs.push_params()``. The batched state lives here;
``pull()`` copies it back into the agents' simulators (for ``sim.state``, checkpoints,
``get_param`` of plastic weights), ``push_state()`` the other way.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._checks import brief, positive_int
from ._chunk import compiler_options, make_chunk
from ._record_policy import TAG_PREFIX, compile_key, policy_inputs, split_tags
from .errors import DivergenceError, NetworkError, ParameterError
from .simulator import RunResult, Simulator


class BatchedSimulator:
    """B simulators of identical structure, stepped together (see module docstring).

    sims: a list of built :class:`Simulator` (or of :class:`Network`, built here), all
    with ``native=False``.
    """

    def __init__(self, sims):
        sims = [s.build() if not isinstance(s, Simulator) else s for s in sims]
        if not sims:
            raise NetworkError("BatchedSimulator: give at least one simulator")
        for b, s in enumerate(sims):
            if s.native:
                raise NetworkError(f"BatchedSimulator: agent {b} (seed {s.net.seed}) uses the native C++ kernel, "
                                   f"which cannot run under jax.vmap; build its network with Network(native=False)")
        self.widths = _common_widths(sims)
        _check_same_structure(sims, self.widths)
        self.sims = sims
        self.B = len(sims)
        self.ref = sims[0]
        # the chunk function is made from agent 0's layout with every ELL group at the common width
        self._layouts = [s.layout.padded(self.widths) for s in sims]
        self.layout = self._layouts[0]
        self.dt = self.ref.dt
        self.modulators = self.ref.modulators
        self._compiled: dict = {}
        self._shareable: dict = {}
        self.compile_count = 0
        self._windows, self._last_tags = {}, {}    # recording policies: (B, W) rate windows, (B,) last tags
        self.push_params()
        self.push_state()

    # ------------------------------------------------------------------ host <-> batch
    def push_params(self) -> None:
        """Stack the agents' current parameters and structure (call after ``sims[b].set_param``)."""
        args = []
        for s, lay in zip(self.sims, self._layouts):
            a = s.device_args()
            args.append(a._replace(syn_w=lay.fit(a.syn_w), struct=lay.device_struct()))
        self._args = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *args)

    def push_state(self) -> None:
        """Stack the agents' current states (their simulators' ``get_state_tree()``) into the batch."""
        self._state = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[s.get_state_tree() for s in self.sims])
        ts = {s.t for s in self.sims}
        if len(ts) != 1:
            raise NetworkError(f"BatchedSimulator: the agents are at different steps {sorted(ts)}; reset() them first")
        self._t_host = ts.pop()

    def pull(self) -> None:
        """Copy the batched state back into each agent's simulator."""
        for b, s in enumerate(self.sims):
            s.set_state_tree(jax.tree_util.tree_map(lambda a, b=b: a[b], self._state), self._t_host)

    def reset(self) -> None:
        """Every agent back to its initial state (and its encoder/decoder states)."""
        for s in self.sims:
            s.reset()
        self._windows, self._last_tags = {}, {}
        self.push_state()

    @property
    def t(self) -> int:
        """Current step index, the same for every agent."""
        return self._t_host

    def weights(self, projection: str) -> np.ndarray:
        """(B, n_syn) current weights of a plastic projection (magnitudes, as stored)."""
        if projection not in self.ref.plastic:
            raise NetworkError(f"BatchedSimulator.weights: {projection!r} is not a plastic projection; "
                               f"plastic: {', '.join(self.ref.plastic) or '(none)'}")
        return np.asarray(self._state["plastic"][self.ref.plastic.index(projection)]["w"])

    # ------------------------------------------------------------------ running
    def run_chunk(self, steps: int, inputs: dict | None = None, readout=(), outputs=()) -> dict:
        """One compiled call of ``steps`` steps for all B agents, nothing recorded.

        inputs: {name: value}. A pool name takes raw input (a number, shape (n,) for all
            agents, (B, n) one row per agent, or (B, steps, n) per agent and step); a
            modulator channel a number, (B,) or (B, steps); an input node (add_input)
            encoder-domain values of shape (B, ...) (one entry per agent, each encoded by
            that agent's encoder).
        readout: pools whose spike counts come back, {pool: (B, n) int}.
        outputs: output nodes whose decoded values come back, {name: list of B values}.
        """
        steps = positive_int(steps, "BatchedSimulator.run_chunk", "steps")
        raw, enc_states = self._encode(inputs or {}, steps)
        names = self.ref.io.check_names(outputs)
        readout = tuple(self.ref.net.pool_name(p) for p in readout)
        counted = readout + tuple(p for p in self.ref.io.pools_needed() if p not in readout)
        counts, _ = self._call(steps, raw, (), counted)
        out = {nm: counts[nm] for nm in readout}
        values = []
        for b, s in enumerate(self.sims):
            s.io.commit(enc_states[b])
            values.append(s.io.decode({p: counts[p][b] for p in counted}, steps))
        for nm in names:
            out[nm] = [v[nm] for v in values]
        return out

    def run(self, steps: int, inputs: dict | None = None, record=None, chunk: int | None = None) -> list:
        """Simulate ``steps`` steps; one :class:`RunResult` per agent (counts and records).
        ``inputs`` as in ``run_chunk`` (raw pool input and modulators; per-step arrays are
        cut into chunks), plus recording tags "tag.<name>": an integer or ``(steps,)``
        integers for every agent, or ``(B, steps)`` one row per agent. ``record`` as in
        ``Simulator.run``, with every policy (every, between, when) run on the device for
        each agent: its own rate windows (kept from call to call, silent after ``reset``)
        and its own last tag values (-1 before a tag is first given), as a single run keeps them."""
        steps = positive_int(steps, "BatchedSimulator.run", "steps")
        specs = self.ref.record_specs(record)
        inputs, tags = self._split_tags(inputs or {}, steps)
        raw, enc_states = self._encode(inputs, steps)
        chunk = min(steps, 10_000) if chunk is None else positive_int(chunk, "BatchedSimulator.run", "chunk")
        t0 = self.t
        pools = list(self.layout.pools)
        counts = {p: 0 for p in pools}
        recs, done = [[] for _ in specs], 0
        sizes = {nm: p.n for nm, p in self.layout.pools.items()}
        while done < steps:
            k = min(chunk, steps - done)
            part = {nm: (a[:, done:done + k] if a.ndim == 3 or nm in self.modulators else a) for nm, a in raw.items()}
            part.update(policy_inputs(specs, self.dt, sizes, tags, self._last_tags, self._windows, done, k,
                                      agents=self.B))
            c, (ys, windows) = self._call(k, part, specs, tuple(pools))
            self._windows.update({nm: np.asarray(w) for nm, w in windows.items()})
            for p in pools:
                counts[p] = counts[p] + c[p].astype(np.int64)
            for i, (vals, ti, kept) in enumerate(ys):          # thinned on the device: (B, rows, n), (B,)
                recs[i].append((np.asarray(vals), np.asarray(ti), np.asarray(kept)))
            done += k
        self._last_tags.update({nm: v[:, -1].copy() for nm, v in tags.items()})
        results = []
        for b, s in enumerate(self.sims):
            s.io.commit(enc_states[b])
            records, times = {}, {}
            for spec, parts in zip(specs, recs):
                records[spec.key] = np.concatenate([v[b, :n[b]] for v, _, n in parts])
                times[spec.key] = np.concatenate([ti[b, :n[b]] for _, ti, n in parts]).astype(np.int64)
            cb = {p: counts[p][b] for p in pools}
            results.append(RunResult(counts=cb, records=records, times=times, t_start=t0, steps=steps, dt=self.dt,
                                     outputs=s.io.decode(cb, steps)))
        return results

    def _split_tags(self, inputs: dict, steps: int):
        """(``inputs`` without its tags, {tag name: (B, steps) int32}); ParameterError for a bad tag."""
        if not isinstance(inputs, dict):
            raise ParameterError("BatchedSimulator", "inputs", f"got {type(inputs).__name__}",
                                 "give a dict {pool, modulator, input or tag name: values}")
        per_agent = {}
        for nm, v in inputs.items():
            arr = np.asarray(v) if isinstance(nm, str) and nm.startswith(TAG_PREFIX) and \
                not isinstance(v, (str, bytes)) else None
            if arr is not None and arr.ndim == 2:
                if arr.shape != (self.B, steps) or arr.dtype.kind not in "iub" or \
                        (arr.size and (arr.min() < -2 ** 31 or arr.max() >= 2 ** 31)):
                    raise ParameterError(f"input {nm!r}", "value", f"got {brief(v)}",
                                         f"a tag is an integer, {steps} integers, or ({self.B}, {steps}) integers "
                                         "(one row per agent), 32-bit")
                per_agent[nm[len(TAG_PREFIX):]] = arr.astype(np.int32)
        given = {TAG_PREFIX + nm for nm in per_agent}
        rest, shared = split_tags({k: v for k, v in inputs.items() if k not in given}, steps)
        tags = {nm: np.broadcast_to(a, (self.B, steps)) for nm, a in shared.items()}
        return rest, {**tags, **per_agent}

    # ------------------------------------------------------------------ internals
    def _encode(self, inputs: dict, steps: int):
        """(raw inputs with a leading agent axis, per-agent encoder states)."""
        if not isinstance(inputs, dict):
            raise ParameterError("BatchedSimulator", "inputs", f"got {type(inputs).__name__}",
                                 "give a dict {pool, modulator or input name: values}")
        net, B, fd = self.ref.net, self.B, self.layout.fdtype
        raw, enc_states = {}, [s.io.enc for s in self.sims]
        node_inputs = {k: v for k, v in inputs.items() if k in net.inputs}
        if node_inputs:
            for k, v in node_inputs.items():
                if np.shape(v)[:1] != (B,):
                    raise ParameterError(f"input {k!r}", "values", f"got shape {np.shape(v)}",
                                         f"give one entry per agent: a leading axis of length {B}")
            shared = {k: v for k, v in node_inputs.items() if self._shared_encoder(k, v)}
            rest = {k: v for k, v in node_inputs.items() if k not in shared}
            for k, v in shared.items():         # one call for all agents: rows are agents
                nd = net.inputs[k]
                _, out = nd.encoder.encode(None, np.asarray(v, np.float64), B, self.dt, nd.n, nd.where())
                out = np.asarray(out, fd).reshape(B, nd.n)
                if not np.all(np.isfinite(out)):
                    raise ParameterError(nd.where(), "values", "the encoded input contains NaN or inf",
                                         "lower the encoder's gain or the values")
                raw[nd.pool] = out
            if rest:
                per_agent = []
                for b, s in enumerate(self.sims):
                    enc, enc_states[b] = s.io.encode({k: v[b] for k, v in rest.items()}, steps, s.check_inputs)
                    per_agent.append(enc)
                for nm in per_agent[0]:
                    raw[nm] = np.stack([np.asarray(p[nm]) for p in per_agent])
        for nm, a in inputs.items():
            if nm in net.inputs:
                continue
            if nm in self.modulators:
                arr = np.asarray(a, fd)
                if arr.ndim == 0 or arr.shape == (B,):
                    arr = np.broadcast_to(arr.reshape(-1, 1), (B, steps))
                if arr.shape != (B, steps) or not np.all(np.isfinite(arr)):
                    raise ParameterError(f"modulator {nm!r}", "value", f"got shape {np.shape(a)}",
                                         f"give a finite number, ({B},) one per agent, or ({B}, {steps}) per step")
                raw[nm] = arr
                continue
            if nm not in net.pools:
                known = list(net.pools) + list(self.modulators) + list(net.inputs)
                raise NetworkError(f"input for unknown pool {nm!r}; known: {', '.join(known)}")
            n = net.pools[nm].n
            arr = np.asarray(a, fd)
            if arr.ndim <= 1:
                arr = np.broadcast_to(arr, (B, n))
            if not (arr.shape == (B, n) or arr.shape == (B, steps, n)) or not np.all(np.isfinite(arr)):
                raise ParameterError(f"input to pool {nm!r}", "shape", f"got {np.shape(a)}",
                                     f"give a number, ({n},), ({B}, {n}) per agent or ({B}, {steps}, {n}) per agent "
                                     f"and step, finite")
            raw[nm] = raw[nm] + arr if nm in raw else arr
        for nm in self.modulators:
            raw.setdefault(nm, np.zeros((B, steps), fd))
        return raw, enc_states

    def _shared_encoder(self, name, values) -> bool:
        """True when input node ``name`` can be encoded for all agents in one call: every
        agent's encoder is stateless, of one class with equal parameters and options, its
        output depends on each value row alone (rate or current from held values), and
        ``values`` is (B, dims)."""
        e0 = self.ref.net.inputs[name].encoder
        if np.shape(values) != (self.B, e0.dims):
            return False
        if name not in self._shareable:           # encoders are fixed at build: decide once
            encs = [s.net.inputs[name].encoder for s in self.sims]
            self._shareable[name] = (e0.OUTPUT != "spikes" and e0.init(self.ref.net.inputs[name].n) is None
                                     and all(type(e) is type(e0) and _same_values(e, e0) for e in encs[1:]))
        return self._shareable[name]

    def _count_trace(self):
        self.compile_count += 1          # runs only while tracing

    def _call(self, k, inputs, specs, counted):
        layout = tuple(sorted((nm, a.ndim - 1) for nm, a in inputs.items()))
        key = (k, tuple(compile_key(s) for s in specs), layout, counted)
        fn = self._compiled.get(key)
        if fn is None:
            chunk = make_chunk(self.layout, k, specs, layout, counted, self.ref.prepared_packer, self._count_trace)
            fn = self._compiled[key] = jax.jit(jax.vmap(chunk), compiler_options=compiler_options())
        new_state, out, ys = fn(self._state, self._args, {nm: jnp.asarray(a) for nm, a in inputs.items()})
        out = np.asarray(out)                    # (B, 1 + counts): one transfer
        bad = np.flatnonzero(out[:, 0] == 0)
        if bad.size:
            b = int(bad[0])
            st = jax.tree_util.tree_map(lambda a: a[b], new_state)
            raise DivergenceError([(f"agent {b} (seed {self.sims[b].net.seed}): {p}", v, i)
                                   for p, v, i in self.sims[b].locate_bad(st)], self.t, k)
        self._state = new_state
        self._t_host += k
        counts, o = {}, 1
        for nm in counted:
            n = self.layout.pools[nm].n
            counts[nm] = out[:, o:o + n]
            o += n
        return counts, ys


def _trees(s: Simulator, lay) -> list:
    """(label, tree) of the arrays an agent contributes to the batch (padded to ``lay``)."""
    a = s.device_args()
    return [("state", s.get_state_tree()), ("parameters", a.prepared), ("derived tables", a.derived),
            ("per-synapse weight tables", lay.fit(a.syn_w)), ("structure arrays", lay.device_struct())]


def _shapes(s: Simulator, lay) -> list:
    """(field, (shape, dtype)) of every array an agent contributes: a safety net under the
    structure signature (vmap needs equal shapes)."""
    out = []
    for label, tree in _trees(s, lay):
        leaves, treedef = jax.tree_util.tree_flatten_with_path(tree)
        out.append((f"{label} layout", str(treedef)))
        out += [(f"{label} {jax.tree_util.keystr(p)}", (tuple(np.shape(x)), str(np.asarray(x).dtype)))
                for p, x in leaves]
    return out


def _check_same_structure(sims, widths) -> None:
    def sig(s):
        return list(s.layout.structure_signature()) + _shapes(s, s.layout.padded(widths))
    ref = sig(sims[0])
    for b, s in enumerate(sims[1:], 1):
        other = sig(s)
        for (k0, v0), (k1, v1) in zip(ref, other):
            if k0 != k1 or v0 != v1:
                field = k0 if k0 == k1 else f"{k0} / {k1}"
                raise NetworkError(
                    f"BatchedSimulator: agent {b} (seed {s.net.seed}) differs from agent 0 (seed {sims[0].net.seed}) "
                    f"in {field}: {brief(v1, 80)} vs {brief(v0, 80)}. All agents need the same structure and array "
                    f"shapes; connectivity drawn per seed (FixedProbability) gives different synapse counts: use "
                    f"AllToAll, FixedInDegree or OneToOne, or draw the structure with one shared seed")
        if len(ref) != len(other):
            raise NetworkError(f"BatchedSimulator: agent {b} (seed {s.net.seed}) has a different structure "
                               f"from agent 0")


def _same_values(a, b) -> bool:
    if a.options != b.options or set(a.values) != set(b.values):
        return False
    return all(np.array_equal(np.asarray(a.values[k]), np.asarray(b.values[k])) for k in a.values)


def _common_widths(sims) -> dict:
    """{group id: the widest padded row width of that ELL group over the agents}. Row widths
    (the largest out-degree) differ between agents with per-seed connectivity such as
    FixedInDegree; narrower agents get extra padding columns, which drop their spikes."""
    widths = {}
    for s in sims:
        for g in s.layout.groups:
            widths[g.gid] = max(widths.get(g.gid, 0), g.width)
    for s in sims:
        lay = s.layout
        for g in lay.groups:
            space = g.n_classes * lay.n_slots
            if g.packed and space + widths[g.gid] > 65535:
                raise NetworkError(f"BatchedSimulator: propagation group {g.gid!r} is too wide to batch in 16-bit "
                                   f"targets ({space} slots + width {widths[g.gid]}); use fewer synapses per "
                                   f"neuron or one structure seed for all agents")
    return widths
