"""ShardedSimulator: one network split across the devices of a ``jax.sharding.Mesh``.

Built with ``net.build(devices=jax.devices())`` (or a Mesh). A runner in the sense of
docs/architecture.md: the single-device :class:`~spark_lab.simulator.Simulator` it wraps
(``sim``) keeps owning the parameters, the encoder/decoder states, the draw count and the
checkpoint format; this object owns the running state and the step index, laid out across
the devices (``ShardPlan``), and hands the state back to ``sim`` (``set_state_tree``) when
it is read, saved or edited.

One compiled chunk (``make_chunk`` of the plan's local layout under ``jax.shard_map``)
runs on every device: its neurons, its receptor slots, the synapses that end on them; once
per step ``lax.all_gather`` exchanges the spike vectors. JAX's own distribution does the
transport; under ``jax.distributed.initialize`` the same code runs one process per host
(docs/guide/scale-out.md). Pure-JAX propagation only: the native CPU kernel is single-device.
"""
from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from .._checks import brief, positive_int
from .._chunk import compiler_options, make_chunk
from .._packing import Packer
from .._paramstore import DeviceArgs
from .._record_policy import compile_key, policy_inputs, split_tags
from .._views import LayoutViews
from ..errors import DivergenceError, ParameterError
from ..simulator import RunResult
from ._plan import ShardPlan


def make_mesh(devices) -> Mesh:
    """A one-axis Mesh ("neurons") of a list of devices; a Mesh is returned as it is.
    Raises ParameterError for an empty list, repeated devices or something else."""
    if isinstance(devices, Mesh):
        return devices
    try:
        devs = list(devices)
    except TypeError:
        devs = None
    if not devs or not all(isinstance(d, jax.Device) for d in devs) or len(set(devs)) != len(devs):
        raise ParameterError("build", "devices", f"got {brief(devices)}",
                             "give a list of distinct JAX devices (jax.devices()) or a jax.sharding.Mesh")
    return Mesh(np.array(devs, dtype=object), ("neurons",))


def to_host(x) -> np.ndarray:
    """A device array as numpy; arrays spread over several processes are gathered first."""
    if getattr(x, "is_fully_addressable", True):
        return np.asarray(x)
    from jax.experimental import multihost_utils
    return np.asarray(multihost_utils.process_allgather(x, tiled=True))


class _Exchange:
    """The chunk's sharding hook (``make_chunk(shard=...)``): the all-gather of the spike
    vectors and each device's first global neuron index (noise counters)."""

    def __init__(self, axes, perm):
        self.axes, self.perm = axes, np.asarray(perm, np.int32)

    def exchange(self, sp):
        """This device's spikes -> the whole network's, in the global row order."""
        every = lax.all_gather(sp, self.axes, tiled=True)
        return jnp.concatenate([every, jnp.zeros((1,), every.dtype)])[self.perm]

    def first(self, family):
        """Global index (within its pool) of this device's first neuron of a one-pool family."""
        return lax.axis_index(self.axes).astype(jnp.uint32) * np.uint32(family.n)


class ShardedSimulator(LayoutViews):
    """A built network run across devices (see the module docstring). Create it with
    ``network.build(devices=jax.devices())``; ``devices`` may be a ``jax.sharding.Mesh``
    (all its axes together split the neurons).

    The same surface as :class:`~spark_lab.simulator.Simulator` for running, parameters,
    state and checkpoints: the same spikes, spike for spike, as the single-device pure-JAX
    simulator of the same network. Not supported (refused at build): plastic projections
    and models with structure arrays of their own (SpikeGenerator); recording conditions on
    a pool's rate (``when={"rate": ...}``)."""

    def __init__(self, sim, devices):
        self.sim = sim
        self.mesh = make_mesh(devices)
        self.axes = tuple(self.mesh.axis_names)
        self.plan = ShardPlan(sim.layout, int(self.mesh.devices.size))
        self._sharding = NamedSharding(self.mesh, P(self.axes))
        self._hook = _Exchange(self.axes, self.plan.gather_perm)
        self._compiled: dict = {}
        self.compile_count = 0
        self._args_of = None                # (prepared, derived, syn_w) as device args are pushed
        self._qpack = None
        self._struct = self._put(self._struct_blocks())
        self._push_args()
        self._load_state()
        self._tags: dict = {}

    # ---------------------------------------------------------------- views
    @property
    def layout(self):
        """The global layout of the network (``Simulator.layout``)."""
        return self.sim.layout

    @property
    def local_layout(self):
        """The layout every device runs: each pool of ``ceil(n / devices)`` neurons."""
        return self.plan.local

    @property
    def n_devices(self) -> int:
        """Number of devices the neurons are split across."""
        return self.plan.D

    @property
    def devices(self) -> list:
        """The devices, in the order of the neuron blocks."""
        return list(self.mesh.devices.flat)

    @property
    def net(self):
        """The network this simulator was built from."""
        return self.sim.net

    @property
    def dt(self) -> float:
        """Time step in ms."""
        return self.sim.dt

    @property
    def native(self) -> bool:
        """Always False: the sharded simulator propagates in pure JAX."""
        return False

    @property
    def io(self):
        """The encoder and decoder states of the input and output nodes."""
        return self.sim.io

    @property
    def t(self) -> int:
        """Current step index."""
        return self._t

    # ---------------------------------------------------------------- host <-> devices
    def _put(self, tree):
        """A tree of (D, ...) host blocks as arrays sharded along the mesh (each process
        materialises only the blocks of its own devices)."""
        def put(a):
            a = np.asarray(a)
            return jax.make_array_from_callback(a.shape, self._sharding, lambda idx: a[idx])
        return jax.tree_util.tree_map(put, tree)

    def _struct_blocks(self) -> dict:
        plan, D, lay = self.plan, self.plan.D, self.layout
        return {"targets": {g.gid: plan.targets(g.gid) for g in lay.groups}, "native": {},
                "fam": [{} for _ in lay.families], "seed": np.full(D, lay.seed, np.uint32), "plastic": []}

    def _push_args(self) -> None:
        """The device arguments of the current parameters, split across the devices."""
        plan, D, a = self.plan, self.plan.D, self.sim.device_args()
        q = self.sim.prepared_packer.unpack({k: np.asarray(v) for k, v in a.prepared.items()})
        blocks = {"fam": [jax.tree_util.tree_map(lambda x, fi=fi: plan.split_family(fi, x), qf)
                          for fi, qf in enumerate(q["fam"])], "plastic": []}
        if self._qpack is None:
            self._qpack = Packer(jax.tree_util.tree_map(lambda x: x[0], blocks))
        packed = [self._qpack.pack(jax.tree_util.tree_map(lambda x, d=d: x[d], blocks)) for d in range(D)]
        prepared = {k: np.stack([p[k] for p in packed]) for k in self._qpack.sizes}
        derived = {"row_w": np.broadcast_to(np.asarray(a.derived["row_w"]), (D,) + np.shape(a.derived["row_w"])),
                   "class_w": {g: plan.split_slots(w, 1) for g, w in a.derived["class_w"].items()}, "proj_w": {}}
        syn_w = {g.gid: plan.syn_weights(g.gid, a.syn_w[g.gid]) for g in self.layout.groups if g.per_synapse}
        self._args = DeviceArgs(*self._put((prepared, derived, syn_w)), self._struct)
        self._args_of = a

    def _args_now(self) -> DeviceArgs:
        a, b = self.sim.device_args(), self._args_of
        if not (a.prepared is b.prepared and a.derived is b.derived and a.syn_w.keys() == b.syn_w.keys()
                and all(a.syn_w[k] is b.syn_w[k] for k in a.syn_w)):
            self._push_args()          # parameters changed since the last push
        return self._args

    def _split_state(self, st) -> dict:
        plan, D = self.plan, self.plan.D
        fam = [{"pool": {k: plan.split_family(fi, v) for k, v in fs["pool"].items()},
                "rec": [{k: plan.split_family(fi, v) for k, v in r.items()} for r in fs["rec"]]}
               for fi, fs in enumerate(st["fam"])]
        return {"t": np.broadcast_to(np.asarray(st["t"]), (D,)), "fam": fam,
                "delay": {d: plan.split_slots(b, 1) for d, b in st["delay"].items()}, "plastic": []}

    def _join_state(self, state) -> dict:
        plan = self.plan
        st = jax.tree_util.tree_map(to_host, state)
        fam = [{"pool": {k: plan.join_family(fi, v) for k, v in fs["pool"].items()},
                "rec": [{k: plan.join_family(fi, v) for k, v in r.items()} for r in fs["rec"]]}
               for fi, fs in enumerate(st["fam"])]
        return {"t": st["t"][0], "fam": fam, "delay": {d: plan.join_slots(b, 1) for d, b in st["delay"].items()},
                "plastic": []}

    def _load_state(self) -> None:
        """Take the wrapped simulator's state and step index onto the devices."""
        self._state = self._put(self._split_state(jax.tree_util.tree_map(np.asarray, self.sim.get_state_tree())))
        self._t = self.sim.t

    def _sync(self) -> None:
        """Hand the running state back to the wrapped simulator."""
        self.sim.set_state_tree(self.get_state_tree(), self._t)

    # ---------------------------------------------------------------- state
    def get_state_tree(self) -> dict:
        """The state gathered from the devices, as ``Simulator.get_state_tree()`` lays it out (numpy)."""
        return self._join_state(self._state)

    def set_state_tree(self, tree, t: int) -> None:
        """Replace the state (a tree of ``get_state_tree()``'s structure) and the step index
        ``t``; checked by the wrapped simulator (NetworkError / ParameterError: nothing changed)."""
        self.sim.set_state_tree(tree, t)
        self._load_state()

    @property
    def state(self) -> dict:
        """The current state gathered from the devices, as ``Simulator.state`` (a copy)."""
        self._sync()
        return self.sim.state

    def set_state(self, pool: str, var: str, value) -> None:
        """Overwrite one state variable of a pool (as ``Simulator.set_state``)."""
        self._sync()
        self.sim.set_state(pool, var, value)
        self._load_state()

    def reset(self) -> None:
        """Back to the initial state (same seed: the same run again)."""
        self.sim.reset()
        self._load_state()
        self._tags = {}

    def locate_bad(self, state) -> list:
        """[(where, variable, index)] of the non-finite values of a gathered state tree."""
        return self.sim.locate_bad(state)

    # ---------------------------------------------------------------- parameters
    def get_param(self, target: str, name: str) -> np.ndarray:
        """Current value of a parameter (a numpy copy)."""
        return self.sim.get_param(target, name)

    def set_param(self, target: str, name: str, value) -> None:
        """Change a parameter; it takes effect at the next chunk, without recompiling."""
        self.sim.set_param(target, name, value)

    def set_params(self, changes: dict) -> None:
        """Apply several changes ``{(target, name): value}`` at once: all or none."""
        self.sim.set_params(changes)

    def stage(self, changes: dict, after=None):
        """Check changes into a frozen ParamUpdate (``Simulator.stage``)."""
        return self.sim.stage(changes, after)

    def apply(self, update) -> None:
        """Apply a staged update, all or nothing (``Simulator.apply``)."""
        self.sim.apply(update)

    def check_params(self, changes: dict) -> None:
        """Check changes as ``set_params`` would, applying nothing."""
        self.sim.check_params(changes)

    def param_key(self, target: str, name: str) -> tuple:
        """The canonical address of a parameter."""
        return self.sim.param_key(target, name)

    def parameters(self) -> dict:
        """Declarations of the changeable parameters: {target: {name: Param}}."""
        return self.sim.parameters()

    def synapses(self, projection: str):
        """(pre, post, weight) numpy arrays of a projection (local indices, signed weights)."""
        return self.sim.synapses(projection)

    # ---------------------------------------------------------------- checkpoints
    def save_checkpoint(self, path) -> None:
        """Write state (gathered), parameters, step and seed: the single-device file format."""
        self._sync()
        self.sim.save_checkpoint(path)

    def load_checkpoint(self, path) -> None:
        """Restore a checkpoint of this network (one written by a single-device simulator
        too): all or nothing (CheckpointError names the file and the entry)."""
        self.sim.load_checkpoint(path)
        self._load_state()

    # ---------------------------------------------------------------- running
    def record_specs(self, record) -> tuple:
        """The RecordSpecs of ``record`` (as ``Simulator.record_specs``); rate conditions are refused."""
        specs = self.sim.record_specs(record)
        for s in specs:
            if s.when is not None and s.when.kind == "rate":
                raise ParameterError(f"record {s.key!r}", "when", "a rate condition is not sharded",
                                     "record with every, between or a tag condition, or build without devices=")
        return specs

    def check_inputs(self, inputs: dict, steps: int) -> dict:
        """Raw inputs checked as ``Simulator.check_inputs``."""
        return self.sim.check_inputs(inputs, steps)

    def run(self, steps: int, inputs: dict | None = None, record=None, chunk: int | None = None,
            check_finite: bool = True) -> RunResult:
        """Simulate ``steps`` steps; arguments and result as ``Simulator.run`` (records
        gathered from the devices)."""
        steps = positive_int(steps, "run", "steps")
        specs = self.record_specs(record)
        inputs, tags = split_tags(inputs or {}, steps)
        inputs, enc_states = self.io.encode(inputs, steps, self.check_inputs)
        inputs = self.check_inputs(inputs, steps)
        chunk = min(steps, 10_000) if chunk is None else positive_int(chunk, "run", "chunk")
        t0, sizes = self.t, {nm: p.n for nm, p in self.layout.pools.items()}
        counts = {nm: np.zeros(p.n, np.int64) for nm, p in self.layout.pools.items()}
        recs, times, done = {s.key: [] for s in specs}, {s.key: [] for s in specs}, 0
        while done < steps:
            k = min(chunk, steps - done)
            inp = {nm: (a[done:done + k] if a.ndim == 2 else a) for nm, a in inputs.items()}
            inp.update(policy_inputs(specs, self.dt, sizes, tags, self._tags, {}, done, k))
            c, (ys, _), kept = self._run_chunk(k, inp, specs, check_finite, None)
            for nm in counts:
                counts[nm] += c[nm]
            for s, (vals, steps_idx, _), n in zip(specs, ys, kept):
                v = self.plan.join_pool(s.pool, to_host(vals)[:, :n])
                recs[s.key].append(v if s.neurons is None else v[:, np.asarray(s.neurons)])
                times[s.key].append(to_host(steps_idx)[0, :n].astype(np.int64))
            done += k
        self._tags.update({nm: int(v[-1]) for nm, v in tags.items()})
        self.io.commit(enc_states)
        return RunResult(counts=counts, records={k: np.concatenate(v) for k, v in recs.items()},
                         times={k: np.concatenate(v) for k, v in times.items()}, t_start=t0, steps=steps,
                         dt=self.dt, outputs=self.io.decode(counts, steps))

    def run_chunk(self, steps: int, inputs: dict | None = None, readout=(), outputs=()):
        """One compiled chunk of ``steps`` steps, nothing recorded (``Simulator.run_chunk``):
        {pool: spike counts} for ``readout``, {name: decoded value} for ``outputs``."""
        steps = positive_int(steps, "run_chunk", "steps")
        names, readout = self.io.check_names(outputs), tuple(self.net.pool_name(p) for p in readout)
        inputs, enc_states = self.io.encode(inputs or {}, steps, self.check_inputs)
        counted = readout + tuple(p for p in self.io.pools_needed() if p not in readout)
        c, _, _ = self._run_chunk(steps, self.check_inputs(inputs, steps), (), True, counted)
        self.io.commit(enc_states)
        values = self.io.decode(c, steps)
        return {**{nm: c[nm] for nm in readout}, **{nm: values[nm] for nm in names}}

    def _count_trace(self):
        self.compile_count += 1          # runs only while tracing

    def _function(self, k, specs, input_layout, readout):
        key = (k, tuple(compile_key(s) for s in specs), input_layout, readout)
        fn = self._compiled.get(key)
        if fn is None:
            local_specs = tuple(dataclasses.replace(s, neurons=None) for s in specs)   # whole pools, cut on the host
            chunk = make_chunk(self.plan.local, k, local_specs, input_layout, readout, self._qpack,
                               self._count_trace, shard=self._hook)

            def body(state, args, inputs):
                def first(t):
                    return jax.tree_util.tree_map(lambda x: x[0], t)
                st, out, ys = chunk(first(state), first(args), first(inputs))
                return jax.tree_util.tree_map(lambda x: x[None], (st, out, ys))
            spec = P(self.axes)
            fn = self._compiled[key] = jax.jit(
                jax.shard_map(body, mesh=self.mesh, in_specs=(spec, spec, spec), out_specs=spec, check_vma=False),
                compiler_options=compiler_options())
        return fn

    def _run_chunk(self, k, inputs, specs, check_finite, readout):
        plan, D = self.plan, self.plan.D
        blocks = {nm: plan.split_pool(nm, a) if nm in self.layout.pools else
                  np.broadcast_to(np.asarray(a), (D,) + np.shape(a)) for nm, a in inputs.items()}
        fn = self._function(k, specs, tuple(sorted((nm, np.ndim(a)) for nm, a in inputs.items())), readout)
        new_state, out, ys = fn(self._state, self._args_now(), self._put(blocks))
        out = to_host(out)               # (devices, 1 + local counts + kept): one transfer
        if check_finite and not out[:, 0].all():
            raise DivergenceError(self.sim.locate_bad(self._join_state(new_state)), self.t, k)
        self._state = new_state
        self._t += k
        counts, o = {}, 1
        for nm in (readout if readout is not None else list(self.layout.pools)):
            counts[nm] = plan.join_pool(nm, out[:, o:o + plan.m[nm]])
            o += plan.m[nm]
        return counts, ys, out[0, o:]

