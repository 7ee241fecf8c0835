"""Checks of the sharded simulator against the single-device pure-JAX simulator, run in a
fresh process (``python tests/_sharded_check.py``) so that XLA_FLAGS (forced host devices)
is set before JAX starts. Prints one JSON object {check: true | message}; test_sharded.py
runs it with 2 and 4 devices.

With ``--process-id``/``--processes`` it runs under ``jax.distributed.initialize`` (CPU
collectives through gloo) and checks the same spikes on the mesh of every process's devices.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np


def ei_net(native=False, spike_batch=8):
    """An E/I network whose pool sizes no device count of the tests divides: Poisson drive,
    Dale pools, class and per-synapse weights, delays 0 and > 0; spike_batch small enough
    that some steps propagate in several batches."""
    import spark_lab as sl
    net = sl.Network(dt=0.1, seed=11, native=native, spike_batch=spike_batch)
    net.add_pool("ext", sl.PoissonSource(rate=120.0), 23)
    net.add_pool("exc", sl.LIF(tau_m=sl.Uniform(12.0, 20.0), v_init_low=-65.0, v_init_high=-52.0), 37,
                 excitatory=True)
    net.add_pool("inh", sl.LIF(tau_m=10.0, v_init_low=-65.0, v_init_high=-52.0), 11, excitatory=False, g_inh=4.0)
    net.add_pool("ada", sl.ALIF(), 13, excitatory=0.5)
    net.connect("ext", "exc", connectivity=sl.FixedInDegree(k=6), weight=6.0, name="ff")
    net.connect("ext", "inh", connectivity=sl.FixedProbability(p=0.3), weight=sl.Uniform(3.0, 6.0), name="ffi")
    net.connect("exc", "exc", connectivity=sl.FixedProbability(p=0.15), weight=sl.Uniform(0.5, 2.0), delay=0.5,
                name="ee")
    net.connect("exc", "inh", connectivity=sl.FixedInDegree(k=5), weight=2.0, delay=0.2, name="ei")
    net.connect("inh", "exc", connectivity=sl.FixedInDegree(k=4), weight=1.5, name="ie")
    net.connect("exc", "ada", synapse=sl.BiExponential(), connectivity=sl.AllToAll(), weight=0.4, delay=1.0)
    net.connect("ada", "inh", synapse=sl.Delta(), connectivity=sl.FixedInDegree(k=3), weight=1.0, name="ai")
    return net


RECORD = ["exc.spikes", "inh.spikes", "ext.spikes", {"pool": "ada", "var": "v", "every": 3, "neurons": [0, 5, 12]}]

C = 50           # steps per chunk in every run: one compilation per simulator and record list


def _changes(sim):
    rng = np.random.default_rng(0)
    n_ee = sim.layout.projections["ee"].n_syn
    return {("exc", "tau_m"): 15.0, ("ee", "weight"): rng.uniform(0.2, 2.5, n_ee), ("ff", "weight"): 7.5,
            ("inh", "g_inh"): 2.5, ("inh", "v_th"): -52.0, ("ext", "rate"): 200.0}


def _same(a, b) -> bool:
    return set(a.records) == set(b.records) and all(np.array_equal(a.records[k], b.records[k]) and
                                                    np.array_equal(a.times[k], b.times[k]) for k in a.records) \
        and all(np.array_equal(a.counts[k], b.counts[k]) for k in a.counts)


def _tree_equal(a, b) -> bool:
    import jax
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(la) == len(lb) and all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(la, lb))


def checks(devices, quick=False) -> dict:
    """{name: True or what differed}; ``quick``: the first run, the gathered state and the
    parameter change only."""
    out = {}
    net = ei_net()
    single, sharded = net.build(), net.build(devices=devices)
    out["devices"] = sharded.n_devices
    a, b = single.run(200, record=RECORD, chunk=C), sharded.run(200, record=RECORD, chunk=C)
    out["spikes"] = _same(a, b) or "spikes differ in the first run"
    out["spiking"] = int(sum(a.counts[p].sum() for p in a.counts)) > 50 or "too few spikes to compare"
    out["state"] = _tree_equal(single.get_state_tree(), sharded.get_state_tree()) or "gathered state differs"
    ch = _changes(single)
    single.set_params(ch)
    sharded.set_params(ch)
    drive = np.linspace(0.0, 3.0, 150)[:, None] * np.ones(37)
    a, b = single.run(150, inputs={"exc": drive}, record=RECORD, chunk=C), \
        sharded.run(150, inputs={"exc": drive}, record=RECORD, chunk=C)
    out["param_change"] = _same(a, b) or "spikes differ after set_params"
    if quick:
        return out
    out["get_param"] = np.array_equal(single.get_param("ee", "weight"), sharded.get_param("ee", "weight")) or \
        "get_param differs"
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ck.npz")
        sharded.save_checkpoint(path)
        after = sharded.run(100, record=RECORD, chunk=C)
        sharded.set_param("exc", "tau_m", 30.0)
        sharded.load_checkpoint(path)
        again = sharded.run(100, record=RECORD, chunk=C)
        out["checkpoint"] = _same(after, again) or "the run after load_checkpoint differs"
        single.load_checkpoint(path)         # the sharded file is the single-device format
        out["checkpoint_single"] = _same(single.run(100, record=RECORD, chunk=C), after) or \
            "the single-device run from the sharded checkpoint differs"
    sharded.reset()
    single.reset()
    out["reset"] = _same(single.run(50, record=RECORD, chunk=C), sharded.run(50, record=RECORD, chunk=C)) or \
        "differs after reset"
    out["state_view"] = all(np.array_equal(single.state["pools"][p]["v"], sharded.state["pools"][p]["v"])
                            for p in ("exc", "inh", "ada")) or "state view differs"
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--processes", type=int, default=0)
    ap.add_argument("--process-id", type=int, default=0)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, os.getcwd())
    import jax
    if args.processes:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(f"localhost:{args.port}", num_processes=args.processes,
                                   process_id=args.process_id)
    t0 = time.perf_counter()
    result = checks(jax.devices(), args.quick)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["processes"] = jax.process_count()
    print(json.dumps(result), flush=True)
    if args.processes:
        sys.stderr.write(f"checked at {time.strftime('%T')}\n")
        jax.distributed.shutdown()
        sys.stderr.write(f"shut down at {time.strftime('%T')}\n")


if __name__ == "__main__":
    main()
