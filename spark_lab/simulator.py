"""Simulator: a built network, run in jitted chunks of K steps.

Parameters and state are passed to the compiled chunk function as arguments (packed
into a few flat buffers, see ``_packing``), so changing any numeric parameter with
``set_param`` reuses the compiled code. A chunk of K steps is one ``lax.scan``,
compiled once per (structure, K, record specification, input layout) and cached.

The parts: ``_layout`` lowers the network into a frozen :class:`~spark_lab._layout.Layout`;
``_paramstore`` holds the parameters, stages and applies changes and computes the chunk's
device arguments; ``_chunk`` builds the pure chunk function; ``_statetree`` and
``_checkpoint`` the state and its files. ``Simulator`` owns state and time and runs chunks.

Randomness: the noise of a pool at step ``t`` is Threefry-2x32 keyed by (seed, CRC-32
of the pool's name and noise variable) with counters (t, neuron) (``_random``), so
results do not depend on how a run is cut into chunks, on what is recorded, or on the
other pools of the network.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np

from . import _checkpoint, _runtime, _statetree
from ._checks import brief, is_int, positive_int
from ._chunk import compiler_options, flat_leaves, make_chunk
from ._io import IOState
from ._layout import Layout, lower
from ._onestep import HostStep, onestep_fn
from ._packed import Packing
from ._params import did_you_mean
from ._paramstore import DeviceArgs, ParamStore, ParamUpdate
from ._record_policy import compile_key, kept_rows, policy_inputs, split_tags
from ._views import LayoutViews
from .errors import DivergenceError, NetworkError, ParameterError

if TYPE_CHECKING:
    from .network import Network


@dataclass
class RunResult:
    """What one ``run`` returns.

    counts:  {pool: (n,) int array} spikes per neuron during the run.
    records: {"pool.var": array}; spikes as bool (samples, n), variables as (samples, n_sel).
    times:   {"pool.var": (samples,) step indices of the samples}.
    t_start, steps, dt: first step index, number of steps, step in ms.
    outputs: {output name: decoded value} for the network's output nodes (add_output),
             each decoder stepped once with the counts of the whole run.
    """
    counts: dict
    records: dict
    times: dict
    t_start: int
    steps: int
    dt: float
    outputs: dict = field(default_factory=dict)

    def spike_trains(self, pool: str):
        """(times in ms, neuron indices) of the recorded spikes of ``pool``."""
        s = np.asarray(self.records[f"{pool}.spikes"])
        ti, ni = np.nonzero(s)
        return self.times[f"{pool}.spikes"][ti] * self.dt, ni

    def rate(self, pool: str) -> float:
        """Mean firing rate of ``pool`` in Hz over this run."""
        c = np.asarray(self.counts[pool])
        return float(c.sum()) / c.size / (self.steps * self.dt * 1e-3)


def float_type(dtype: str):
    """numpy float type of a network's ``dtype``; "float64" needs JAX's 64-bit mode, without
    which JAX would run every array in float32: refused instead of run at lower precision."""
    if dtype == "float64" and jax.dtypes.canonicalize_dtype(np.float64) != np.float64:
        raise ParameterError("Network", "dtype", "'float64', but JAX's 64-bit mode is off (JAX would run float32)",
                             "call jax.config.update('jax_enable_x64', True) before building, "
                             "or use dtype='float32'")
    return np.float32 if dtype == "float32" else np.float64


class Simulator(LayoutViews):
    """Runs a built :class:`Network`. Create it with ``network.build()``.

    Public accessors for runners (batching, a sharded or GPU runner): ``layout`` (frozen; the
    views of it, ``fdtype``, ``native``, ``modulators``, ``plastic``, ``fingerprint()`` and
    ``time_ms``, come from ``spark_lab._views.LayoutViews``, shared with the sharded runner),
    ``device_args()``, ``get_state_tree()`` / ``set_state_tree(tree, t)``, ``t``, ``io``
    (encoder/decoder states), ``stage`` / ``apply`` (parameter changes)."""

    def __init__(self, net: Network):
        if not net.pools:
            raise NetworkError("the network has no pools; add one with add_pool()")
        _runtime.init_backend()       # before the first JAX operation of the process
        self.net = net
        self.dt = net.dt
        self._compiled: dict = {}     # compile key -> jitted chunk over flat leaves (_chunk.flat_leaves)
        self._out_defs: dict = {}     # compile key -> {"out": the chunk's result tree}, once traced
        self._plans: dict = {}        # lean run_chunk calls: (steps, readout, input names) -> (fn, inputs, packed fn)
        self._packed_fns: dict = {}   # (id of a jitted chunk, steps, inputs, readout) -> its lean form (_packed)
        self._packing = None          # (Packing, pack, unpack) of the state once a lean call needed it
        self._packed = None           # the state as the lean loop left it: one buffer (then _tree, _leaves are None)
        self._offsets: dict = {}      # counted pools -> (name, start, end) in the chunk's output vector
        self._args = (None, ())       # (parameter store version, leaves of device_args()) of the last call
        self.compile_count = 0        # traces of the chunk function (each trace = one compilation)
        self._n_draws = 0             # initializer draws by set_param (seeds the next one)
        self._layout = lower(net, float_type(net.dtype))
        self._store = ParamStore(self._layout, {nm: p.g_inh for nm, p in net.pools.items()})
        self._struct = self._layout.device_struct()
        self.reset()

    @property
    def layout(self) -> Layout:
        """The frozen layout of the built network (pools, families, receptors, projections,
        ELL groups); ``layout.structure_signature()`` says what is structure."""
        return self._layout

    @property
    def io(self) -> IOState:
        """The encoder and decoder states of the input and output nodes (reset by ``reset``)."""
        return self._io

    def device_args(self) -> DeviceArgs:
        """The chunk's arguments besides state and inputs (device arrays; do not modify):
        packed prepared parameters, derived tables, per-synapse weight tables, structure."""
        s = self._store
        return DeviceArgs(s.prepared, s.derived, dict(s.syn_w), self._struct)

    @property
    def prepared_packer(self):
        """The Packer that unpacks ``device_args().prepared`` inside the chunk (``make_chunk``'s ``qpack``)."""
        return self._store.q_packer

    def get_state_tree(self):
        """The state tree as the chunk sees it (device arrays, immutable); see ``_statetree``."""
        return self._state

    @property
    def _state(self):
        """The state tree. A chunk call leaves only the new state's leaves (``_leaves``), the
        lean loop one packed buffer (``_packed``); the tree is rebuilt from them on first use,
        so the closed loop never builds it."""
        if self._tree is None:
            self._tree = jax.tree_util.tree_unflatten(self._state_def, self._state_leaves())
        return self._tree

    @_state.setter
    def _state(self, tree):
        self._tree, self._leaves, self._packed = tree, None, None

    def _state_leaves(self) -> tuple:
        if self._leaves is None:
            p = self._packed          # a HostStep's buffer is written again later: unpack a copy of it
            self._leaves = (tuple(self._packing[2](p.copy() if isinstance(p, np.ndarray) else p)) if p is not None
                            else tuple(jax.tree_util.tree_leaves(self._tree)))
        return self._leaves

    def set_state_tree(self, tree, t: int) -> None:
        """Replace the state tree (same structure and shapes as ``get_state_tree()``) and the
        step index ``t``. Raises NetworkError when the tree does not fit."""
        a, b = jax.tree_util.tree_structure(tree), jax.tree_util.tree_structure(self._state)
        if a != b or any(np.shape(x) != np.shape(y) for x, y in
                         zip(jax.tree_util.tree_leaves(tree), jax.tree_util.tree_leaves(self._state))):
            raise NetworkError("set_state_tree: the tree does not fit this simulator's state "
                               "(take it from get_state_tree() of a simulator of the same structure)")
        self._state = jax.tree_util.tree_map(jnp.asarray, tree)
        if not is_int(t) or t < 0:
            raise ParameterError("set_state_tree", "t", f"got {brief(t)}", "give the step index, an integer >= 0")
        self._t_host = int(t)

    # ---------------------------------------------------------------- state
    def reset(self):
        """Back to the initial state (same seed: the same run again).

        The initial state is drawn from the current parameters (e.g. ``v_init_low``), so
        changing an initial-value parameter takes effect at the next reset."""
        st = _statetree.initial(self._layout, self._store.pools, self._store.weights)
        self._state = jax.tree_util.tree_map(jnp.asarray, st)
        self._state_def = jax.tree_util.tree_structure(self._state)
        self._t_host = 0
        self._io = IOState(self.net, self.dt)      # encoder and decoder states (interfaces)
        self._windows, self._tags = {}, {}         # recording policies: rate windows, last tag values
        self._sizes = {nm: p.n for nm, p in self._layout.pools.items()}

    def _state_copy(self):
        return jax.tree_util.tree_map(lambda x: np.array(x, copy=True), self._state)

    @property
    def state(self) -> dict:
        """The current state as nested dicts of numpy arrays (a copy):
        {"t", "pools": {pool: {var}}, "receptors": [{var} per receptor], "delay": {d: buffer},
        "plastic": {projection: {"w": weights per synapse, "rules": [{"pre", "post", "syn"} traces per rule]}}}."""
        return _statetree.view(self._layout, self._state_copy())

    def set_state(self, pool: str, var: str, value) -> None:
        """Overwrite one state variable of a pool (e.g. the initial membrane potentials)."""
        if pool not in self._layout.pools:
            raise NetworkError(f"unknown pool {pool!r}; {did_you_mean(pool, self._layout.pools)}")
        p = self._layout.pools[pool]
        if var not in p.model.STATE:
            raise ParameterError(f"pool {pool!r}", var, "not a state variable",
                                 f"{did_you_mean(var, p.model.STATE)}state: {', '.join(p.model.STATE) or '(none)'}")
        arr = np.asarray(value, np.float64)
        if arr.ndim == 0:
            arr = np.full(p.n, float(arr))
        if arr.shape != (p.n,) or not np.all(np.isfinite(arr)):
            raise ParameterError(f"pool {pool!r}", var, f"got shape {arr.shape}",
                                 f"give finite values of shape ({p.n},)")
        st = self._state_copy()
        st["fam"][p.family]["pool"][var][p.local:p.local + p.n] = arr
        self._state = jax.tree_util.tree_map(jnp.asarray, st)

    @property
    def t(self) -> int:
        """Current step index."""
        return self._t_host

    def locate_bad(self, state) -> list:
        """[(where, variable, index)] of the non-finite values of a state tree."""
        return _statetree.locate_bad(self._layout, state)

    # ---------------------------------------------------------------- parameters
    def get_param(self, target: str, name: str) -> np.ndarray:
        """Current value of a parameter (a numpy copy)."""
        kind, loc, _, _ = self._store.locate(target, name)
        if kind == "weight" and self._layout.projections[loc].plastic:
            return np.asarray(self._state["plastic"][self._layout.plastic.index(loc)]["w"], np.float64)
        return self._store.get(target, name)

    def set_param(self, target: str, name: str, value) -> None:
        """Change a parameter of a pool or projection; it takes effect at the next chunk.

        Never recompiles: a number sets every neuron (or synapse), an array of the right
        shape sets them one by one. An invalid value raises ParameterError and changes nothing.
        """
        self.set_params({(target, name): value})

    def set_params(self, changes: dict) -> None:
        """Apply several changes ``{(target, name): value}`` at once: all or none
        (``apply(stage(changes))``)."""
        self.apply(self.stage(changes))

    def stage(self, changes: dict, after: ParamUpdate | None = None) -> ParamUpdate:
        """Check ``{(target, name): value}`` once, exactly as ``set_params`` would (cross-field
        rules such as v_reset < v_th included, against the current values overlaid by the
        pending update ``after``), into a frozen ParamUpdate with canonical keys. Nothing is
        applied and no initializer is drawn. Raises ParameterError / NetworkError."""
        return self._store.stage(changes, after)

    def apply(self, update: ParamUpdate) -> None:
        """Apply a staged update, all or nothing; takes effect at the next chunk. Initializers
        are drawn now (seeded by the network seed and the draw count). Raises ParameterError
        when the update no longer fits values changed since it was staged."""
        plastic_w = self._store.commit(self._store.resolve(update, self._change_rng))
        if plastic_w:           # plastic weights are state: set now (and what reset() returns to)
            st = dict(self._state)
            st["plastic"] = list(st["plastic"])
            for i, arr in plastic_w.items():
                st["plastic"][i] = {**st["plastic"][i], "w": jnp.asarray(arr, self.fdtype)}
            self._state = st

    def check_params(self, changes: dict) -> None:
        """Check ``{(target, name): value}`` exactly as ``set_params`` would, all together
        (cross-field rules such as v_reset < v_th included), without applying anything.
        Raises ParameterError / NetworkError naming the component and the field.
        Initializers are checked, not drawn (no draw is used up)."""
        self.stage(changes)

    def param_key(self, target: str, name: str) -> tuple:
        """One address per parameter: ``(target, name)`` with plasticity-rule parameters
        always as "<rule>.<parameter>", so two spellings of one parameter compare equal."""
        return self._store.param_key(target, name)

    def _change_rng(self):
        """Generator for initializers given to set_param: seeded by the network seed and the
        number of draws so far, so the same session script gives the same values."""
        self._n_draws += 1
        return np.random.default_rng([self.net.seed, 5, self._n_draws])

    def parameters(self) -> dict:
        """Declarations of the changeable parameters: {target: {name: Param}}, ``g_inh`` of
        every pool and ``weight`` of every projection included (spark_lab/_netparams.py)."""
        return self._store.parameters()

    def synapses(self, projection: str):
        """(pre, post, weight) numpy arrays of a projection: local indices and signed weights."""
        if projection not in self._layout.projections:
            raise NetworkError(f"unknown projection {projection!r}; "
                               f"{did_you_mean(str(projection), self._layout.projections)}")
        p = self._layout.projections[projection]
        return p.pre.copy(), p.post.copy(), self._store.signed_weights(projection, self.get_param(projection, "weight"))

    # ---------------------------------------------------------------- running
    def run(self, steps: int, inputs: dict | None = None, record=None, chunk: int | None = None,
            check_finite: bool = True) -> RunResult:
        """Simulate ``steps`` steps.

        inputs: {pool: array} external input in the pool model's input unit (a rate in Hz
            for PoissonSource); a number or shape (n,) holds for every step, shape (steps, n)
            gives one row per step. For an input node (``add_input``), {name: values} in the
            encoder's own domain (see spark_lab/interfaces/nodes.py).
            "tag.<name>": an integer (or one per step) that ``when={"tag": ...}`` records read.
        record: list of RecordSpec, record-entry dicts or "pool.var" strings; default: the
            network's record list. Their policies (every, between, when) run on the device.
        chunk:  steps per compiled call (default: all ``steps``, at most 10,000 per call).
        check_finite: on NaN/inf raise DivergenceError and keep the state from before the chunk.
        """
        steps = positive_int(steps, "run", "steps")
        specs = self.record_specs(record)
        inputs, tags = split_tags(inputs or {}, steps)
        inputs, enc_states = self.io.encode(inputs, steps, self.check_inputs)
        inputs = self.check_inputs(inputs, steps)
        chunk = min(steps, 10_000) if chunk is None else positive_int(chunk, "run", "chunk")
        t0 = self.t
        counts = {nm: np.zeros(p.n, np.int64) for nm, p in self.layout.pools.items()}
        recs = {s.key: [] for s in specs}
        times = {s.key: [] for s in specs}
        done = 0
        while done < steps:
            k = min(chunk, steps - done)
            mods = self.layout.modulators
            inp = {nm: (a[done:done + k] if a.ndim == 2 or nm in mods else a) for nm, a in inputs.items()}
            inp.update(policy_inputs(specs, self.dt, self._sizes, tags, self._tags, self._windows, done, k))
            c, (ys, windows, kept) = self._run_chunk(k, inp, specs, check_finite, None)
            self._windows.update({nm: np.asarray(w) for nm, w in windows.items()})
            for nm in counts:
                counts[nm] += np.asarray(c[nm])
            for s, (vals, steps_idx, _), n in zip(specs, ys, kept):       # thinned on the device
                recs[s.key].append(kept_rows(vals, n))
                times[s.key].append(kept_rows(steps_idx, n).astype(np.int64))
            done += k
        self._tags.update({nm: int(v[-1]) for nm, v in tags.items()})
        self.io.commit(enc_states)
        return RunResult(counts=counts, records={k: np.concatenate(v) for k, v in recs.items()},
                         times={k: np.concatenate(v) for k, v in times.items()}, t_start=t0, steps=steps, dt=self.dt,
                         outputs=self.io.decode(counts, steps))

    def run_chunk(self, steps: int, inputs: dict | None = None, readout=(), outputs=()):
        """Lean closed-loop call: one compiled chunk of ``steps`` steps, nothing recorded.

        Returns {pool: spike counts during the chunk} (numpy, fetched in one transfer) for
        the ``readout`` pools, plus {name: decoded value} for the output nodes named in
        ``outputs`` (every output node is stepped each call either way). NaN/inf still
        raise DivergenceError. Without input or output nodes, a call of the shape of an
        earlier one (steps, readout, input names and dimensions) reuses that call's
        compiled function and plan: the closed loop's fast path (same checks, same errors).
        """
        if not outputs and not self.net.inputs and not self.net.outputs:     # the lean closed loop
            ro = readout if type(readout) is tuple else tuple(readout) if type(readout) is list else None
            c = None if ro is None else self._lean_call(steps, inputs, ro)
            if c is not None:
                return c
            steps, readout = positive_int(steps, "run_chunk", "steps"), tuple(readout)
            checked = self.check_inputs(inputs or {}, steps)
            fn = self._chunk_fn(steps, checked, (), readout)
            mods = self._layout.modulators      # the plan's inputs in the leaves' (name) order
            specs = tuple((nm, 0 if nm in mods else self._sizes[nm], checked[nm].ndim) for nm in sorted(checked))
            plan = self._plans[(steps, readout, tuple(inputs) if inputs else ())] = (
                fn, specs, self._packed_chunk(fn, steps, tuple((nm, nd) for nm, _, nd in specs), readout))
            return self._lean_run(plan, steps, jax.tree_util.tree_leaves(checked), readout, None)
        steps = positive_int(steps, "run_chunk", "steps")
        names, readout = self.io.check_names(outputs), tuple(readout)
        inputs, enc_states = self.io.encode(inputs or {}, steps, self.check_inputs)
        counted = readout + tuple(p for p in self.io.pools_needed() if p not in readout)
        c, _ = self._run_chunk(steps, self.check_inputs(inputs, steps), (), True, counted)
        self.io.commit(enc_states)
        values = self.io.decode(c, steps)
        return {**{nm: c[nm] for nm in readout}, **{nm: values[nm] for nm in names}}

    def record_specs(self, record) -> tuple:
        """The RecordSpecs of ``record`` (RecordSpec or "pool.var" strings; None: the
        network's record list), checked against this network; raises NetworkError."""
        from .network import RecordSpec  # not at import: network imports this module
        if record is None:
            return tuple(self.net.records)
        return tuple(RecordSpec.parse(r, self.net) for r in record)

    def check_inputs(self, inputs: dict, steps: int) -> dict:
        """Raw inputs ``{pool or modulator: value}`` for ``steps`` steps as arrays of this
        simulator's float type: pools (n,) or (steps, n), every modulator channel (steps,)
        (zeros where not given). Raises ParameterError / NetworkError naming the input."""
        out = {}
        for nm in self.layout.modulators:        # every channel, every chunk (zeros where not given): one layout
            a = inputs.get(nm, 0.0)
            try:
                arr = np.asarray(a, dtype=self.fdtype) if not isinstance(a, (str, bytes, bool)) else np.array(np.nan)
            except (TypeError, ValueError):
                arr = np.array(np.nan)
            if arr.ndim == 0:
                arr = np.full(steps, arr, self.fdtype)
            if arr.shape != (steps,) or not np.all(np.isfinite(arr)):
                raise ParameterError(f"modulator {nm!r}", "value", f"got {brief(a)}",
                                     f"give a finite number, or an array of shape ({steps},) with one value per step")
            out[nm] = arr
        for nm, a in inputs.items():
            if nm in self.layout.modulators:
                continue
            if nm not in self.net.pools:
                known = list(self.net.pools) + list(self.layout.modulators)
                raise NetworkError(f"input for unknown pool {nm!r}; {did_you_mean(str(nm), known)}"
                                   f"pools{' and modulators' if self.layout.modulators else ''}: {', '.join(known)}")
            n = self.net.pools[nm].n
            arr = np.asarray(a, dtype=self.fdtype)
            if arr.ndim == 0:
                arr = np.full(n, arr, self.fdtype)
            if not (arr.shape == (n,) or arr.shape == (steps, n)):
                raise ParameterError(f"input to pool {nm!r}", "shape", f"got {arr.shape}",
                                     f"give a number, shape ({n},) for every step, or ({steps}, {n}) per step")
            if not np.isfinite(arr).all():
                raise ParameterError(f"input to pool {nm!r}", "value", "contains NaN or inf", "must be finite")
            out[nm] = arr
        return out

    def _lean_call(self, steps, inputs, readout):
        """The lean closed loop's fast path: a call of the shape of an earlier one (steps,
        readout, input names, input dimensions) reuses its compiled function, with the checks
        of ``check_inputs`` made per input, but for NaN/inf: the chunk tests its inputs with its
        state (one flag) and a refused chunk raises what ``check_inputs`` says, with nothing
        changed. None where anything differs or is refused: the general path then checks (and
        raises) as before."""
        if type(steps) is not int or (inputs is not None and type(inputs) is not dict):
            return None
        try:
            plan = self._plans.get((steps, readout, tuple(inputs) if inputs else ()))
        except TypeError:                  # an unhashable readout entry: the general path says why
            return None
        if plan is None:
            return None
        fd, checked = self._layout.fdtype, []
        for nm, n, nd in plan[1]:         # n: the pool's size; 0 for a modulator channel
            a = inputs[nm] if n else (inputs or {}).get(nm, 0.0)
            if not n and isinstance(a, (str, bytes, bool)):
                return None
            if type(a) is not np.ndarray or a.dtype != fd:
                try:
                    a = np.asarray(a, dtype=fd)
                except (TypeError, ValueError):
                    return None
            if a.ndim == 0:
                a = np.full(n or steps, a, fd)
            if a.ndim != nd or a.shape[-1] != (n or steps) or a.shape[0] != (steps if nd == 2 or not n else n):
                return None
            checked.append(a)
        return self._lean_run(plan, steps, checked, readout, inputs or {})

    def _packed_chunk(self, fn, steps, inputs, readout):
        """The lean form of the jitted chunk ``fn`` (``_chunk_fn``'s pair) for ``steps`` steps,
        inputs ``inputs`` ((name, ndim) in name order) and counted pools ``readout``: over the
        state packed in one buffer with ``out`` behind it (``_packed``: one output array per
        call instead of one per state leaf), jitted once per chunk; at K = 1 one native call
        for the networks ``_onestep`` accepts. None where the state does not pack (the
        pure-JAX path: XLA:CPU's concatenate costs more than the outputs it saves; float64)."""
        key = (id(fn[0]), steps, inputs, readout)
        if key not in self._packed_fns:
            leaves = self._state_leaves()
            if self._packing is None and self._layout.native and Packing.fits(leaves):
                pk = Packing(leaves)
                self._packing = (pk, *pk.jitted())
            one = None if self._packing is None else onestep_fn(
                self._layout, steps, self._packing[0], self._state, jax.tree_util.tree_structure(self.device_args()),
                self.prepared_packer, inputs, readout)
            self._packed_fns[key] = one or (None if self._packing is None else jax.jit(   # the traced function
                self._packing[0].chunk(fn[0].__wrapped__), compiler_options=compiler_options()))
        return self._packed_fns[key]

    def _lean_run(self, plan, k, inputs, readout, unchecked):
        """One lean call of ``plan`` (fn, inputs, packed fn) on the checked ``inputs``: over the
        packed state where it packs (the state stays packed until something else needs it),
        else ``_call``; the same checks, errors and counts. -> {pool: counts}."""
        packed_fn = plan[2]
        if packed_fn is None:
            return self._call(plan[0], k, inputs, True, readout, unchecked)[0]
        pk, pack, unpack = self._packing
        buf = self._packed if self._packed is not None else pack(*self._state_leaves())
        host = isinstance(packed_fn, HostStep)
        res = packed_fn(buf, self._device_leaves(), inputs) if host else packed_fn(buf, *self._device_leaves(), *inputs)
        out = np.asarray(res)[pk.words:]           # a view of the buffer: no copy
        if not out[0]:
            if unchecked is not None:
                self.check_inputs(unchecked, k)
            raise DivergenceError(self.locate_bad(jax.tree_util.tree_unflatten(
                self._state_def, unpack(np.array(res) if host else res))), self.t, k)
        self._tree, self._leaves, self._packed = None, None, res
        self._t_host += k
        if host:          # its buffers take turns: the counts must outlive the call after next
            out = out.copy()
        return {nm: out[a:b] for nm, a, b in self._count_offsets(readout)[0]}

    def _device_leaves(self) -> tuple:
        """The leaves of ``device_args()``, rebuilt only when a parameter changed (the store's version)."""
        if self._args[0] != self._store.version:
            self._args = (self._store.version, tuple(jax.tree_util.tree_leaves(self.device_args())))
        return self._args[1]

    def _count_offsets(self, readout):
        """((pool, start, end) of each counted pool in the chunk's output vector, end of the counts)."""
        offsets = self._offsets.get(readout)
        if offsets is None:
            o, offsets = 1, []
            for nm in (readout if readout is not None else list(self._layout.pools)):
                offsets.append((nm, o, o + self._layout.pools[nm].n))
                o += self._layout.pools[nm].n
            offsets = self._offsets[readout] = (tuple(offsets), o)
        return offsets

    def _chunk_fn(self, k, inputs, specs, readout):
        """The jitted chunk for these inputs (their names and dimensions), record specs and
        counted pools (None: all), compiled on first use, over flat leaves (``flat_leaves``).
        -> (function, {"out": result tree})."""
        layout = tuple(sorted((nm, a.ndim) for nm, a in inputs.items()))
        key = (k, tuple(compile_key(s) for s in specs), layout, readout)
        fn = self._compiled.get(key)
        if fn is None:
            chunk = make_chunk(self._layout, k, specs, layout, readout, self.prepared_packer, self._count_trace)
            flat, self._out_defs[key] = flat_leaves(
                chunk, jax.tree_util.tree_structure((self._state, self.device_args(), inputs)))
            fn = self._compiled[key] = jax.jit(flat, compiler_options=compiler_options())
        return fn, self._out_defs[key]

    def _run_chunk(self, k, inputs, specs, check_finite, readout):
        return self._call(self._chunk_fn(k, inputs, specs, readout), k, jax.tree_util.tree_leaves(inputs),
                          check_finite, readout)

    def _call(self, fn, k, inputs, check_finite, readout, unchecked=None):
        """Run the chunk ``fn`` (``_chunk_fn``'s pair) on ``inputs``, the input arrays in name
        order: one dispatch, one transfer back ([finite flag, counts of the counted pools,
        samples kept per record spec]); the state advances unless NaN/inf (then DivergenceError,
        or the ParameterError of ``check_inputs(unchecked)`` when the caller left the inputs'
        NaN/inf test to the chunk). -> (counts, (records, rate windows, kept))."""
        state = self._state_leaves()
        res = fn[0](*state, *self._device_leaves(), *inputs)
        ns = len(state)
        out = np.asarray(res[ns])
        if check_finite and not out[0]:
            if unchecked is not None:
                self.check_inputs(unchecked, k)
            raise DivergenceError(self.locate_bad(jax.tree_util.tree_unflatten(self._state_def, res[:ns])), self.t, k)
        self._tree, self._leaves, self._packed = None, res[:ns], None
        self._t_host += k
        # no records and no rate windows: nothing besides state and out (the closed loop's case)
        ys = jax.tree_util.tree_unflatten(fn[1]["out"], res)[2] if len(res) > ns + 1 else ((), {})
        offsets = self._count_offsets(readout)
        counts = {nm: out[a:b] for nm, a, b in offsets[0]}
        return counts, (*ys, out[offsets[1]:])   # records, rate windows, samples kept per record spec

    def _count_trace(self):
        self.compile_count += 1

    # ---------------------------------------------------------------- checkpoints
    def save_checkpoint(self, path) -> None:
        """Write state, parameters, step and seed to an ``.npz`` file (no pickle)."""
        meta = {"fingerprint": self.fingerprint(), "t": self.t, "seed": self.net.seed, "draws": self._n_draws}
        _checkpoint.save(path, self._state_copy(), self._store.host_tree(), self._store.per_synapse_weights(), meta)

    def load_checkpoint(self, path) -> None:
        """Restore a checkpoint written by ``save_checkpoint`` for the same network: all or
        nothing. Only the entries this network's checkpoint holds are read, each size checked
        before it is read; every parameter passes the checks of ``set_param``, the state is
        finite and of this simulator's dtypes, and meta names this structure and seed with
        t and draws integers >= 0. Raises CheckpointError (a NetworkError) naming the file and
        the entry; then nothing has changed."""
        sizes = {nm: p.n_syn for nm, p in self._layout.projections.items() if p.per_syn}
        ck = _checkpoint.read(path, self._state_copy(), self._store.host_tree(), sizes,
                              self.fingerprint(), self.net.seed)
        _checkpoint.check_params(ck, self._layout, self.stage)
        state = jax.tree_util.tree_map(jnp.asarray, ck.state)
        self._store.restore(ck.params, ck.weights)
        self._state = state
        self._t_host = ck.t
        self._n_draws = ck.draws
