"""The sharded simulator (net.build(devices=...)): the same spikes as the single-device
pure-JAX simulator, spike for spike, with 2 and 4 forced CPU devices, through a parameter
change mid-run, a checkpoint round trip (both ways between sharded and single-device) and
a reset; the state gathered equal. The device checks run in a fresh process
(tests/_sharded_check.py) because XLA_FLAGS must be set before JAX starts."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import jax
import numpy as np
import pytest

import spark_lab as sl
from spark_lab.errors import NetworkError, ParameterError
from spark_lab.plasticity import STDP

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECK = os.path.join(ROOT, "tests", "_sharded_check.py")


def _run_check(devices: int) -> dict:
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}", PYTHONPATH=ROOT,
               JAX_PLATFORMS="cpu")
    r = subprocess.run([sys.executable, CHECK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("devices", [2, 4], ids=["2dev", "4dev"])
def test_sharded_equals_single_device(devices):
    out = _run_check(devices)
    assert out.pop("devices") == devices
    out.pop("processes"), out.pop("seconds")
    failed = {k: v for k, v in out.items() if v is not True}
    assert not failed, failed


@pytest.mark.slow
def test_two_processes_over_gloo():
    """jax.distributed on localhost: 2 processes x 2 forced CPU devices, gloo collectives; every
    process checks the same spikes as its own single-device simulator."""
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2", PYTHONPATH=ROOT,
               JAX_PLATFORMS="cpu")
    procs = [subprocess.Popen([sys.executable, CHECK, "--quick", "--processes", "2", "--process-id", str(i),
                               "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    try:
        outs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (so, se) in zip(procs, outs):
        assert p.returncode == 0, se[-3000:]
        out = json.loads(so.strip().splitlines()[-1])
        assert out.pop("processes") == 2 and out.pop("devices") == 4
        out.pop("seconds")
        failed = {k: v for k, v in out.items() if v is not True}
        assert not failed, failed


def test_one_device_mesh_runs_the_same_spikes():
    """In this process (one CPU device): a list of one device and a Mesh of it."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from _sharded_check import RECORD, ei_net
    net = ei_net()
    a = net.build().run(80, record=RECORD)
    mesh = jax.sharding.Mesh(np.array(jax.devices()[:1]), ("x",))
    for devices in (jax.devices()[:1], mesh):
        sh = net.build(devices=devices)
        assert sh.n_devices == 1 and not sh.native
        b = sh.run(80, record=RECORD)
        for k in a.records:
            np.testing.assert_array_equal(a.records[k], b.records[k])
    single = net.build()
    single.run(80, record=RECORD)
    ca, cb = single.run_chunk(20, readout=("exc", "inh")), sh.run_chunk(20, readout=("exc", "inh"))
    assert set(ca) == set(cb) == {"exc", "inh"}
    for p in ca:
        np.testing.assert_array_equal(ca[p], cb[p])
    # the layout views (spark_lab._views.LayoutViews) read the same as the single-device simulator's
    assert sh.t == single.t == 100 and sh.time_ms == single.time_ms == 100 * net.dt
    assert (sh.fdtype, sh.modulators, sh.plastic, sh.fingerprint()) == \
        (single.fdtype, single.modulators, single.plastic, single.fingerprint())


@pytest.mark.parametrize("D", [2, 3, 5], ids=["D2", "D3", "D5"])
def test_plan_splits_and_joins_every_array(D):
    """The plan alone (no devices needed): split then join gives every family, slot and pool
    array back; the devices' ELL tables hold exactly the global table's synapses, each once,
    on the device of its target, in the global column order."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from _sharded_check import ei_net

    from spark_lab.sharding import ShardPlan
    lay = ei_net().build().layout
    plan = ShardPlan(lay, D)
    rng = np.random.default_rng(D)
    for fi, f in enumerate(lay.families):
        x = rng.normal(size=f.n)
        np.testing.assert_array_equal(plan.join_family(fi, plan.split_family(fi, x)), x)
    buf = rng.normal(size=(3, lay.n_slots))
    np.testing.assert_array_equal(plan.join_slots(plan.split_slots(buf, 1), 1), buf)
    for nm, p in lay.pools.items():
        x = rng.normal(size=(4, p.n))
        np.testing.assert_array_equal(plan.join_pool(nm, plan.split_pool(nm, x)), x)
    loc = plan.local
    for g in lay.groups:
        T = (g.targets.view(np.uint16) if g.packed else g.targets).astype(np.int64).reshape(lay.rows, g.width)
        real = T < g.n_classes * lay.n_slots
        lg = loc.group(g.gid)
        tables = plan.targets(g.gid)
        placed = plan.syn_weights(g.gid, np.arange(T.size).reshape(T.shape))   # which global entry went where
        seen = []
        for d in range(D):
            Td = (tables[d].view(np.uint16) if lg.packed else tables[d]).astype(np.int64).reshape(lay.rows, lg.width)
            r, c = np.nonzero(Td < lg.n_classes * loc.n_slots)
            gr, gc = np.divmod(placed[d, r, c], g.width)
            assert np.array_equal(gr, r) and real[gr, gc].all()
            klass, slot = np.divmod(T[gr, gc], lay.n_slots)
            assert np.all(plan.slot_device[slot] == d)
            np.testing.assert_array_equal(Td[r, c], klass * loc.n_slots + plan.slot_local[slot])
            same_row = r[1:] == r[:-1]                   # row-major: within a row, the global column order
            assert np.all(gc[1:][same_row] > gc[:-1][same_row])
            seen.append(placed[d, r, c])
        seen = np.concatenate(seen)
        assert seen.size == real.sum() and np.array_equal(np.sort(seen), np.flatnonzero(real.ravel()))

def test_refusals_name_the_field():
    net = sl.Network(seed=1)
    net.add_pool("a", sl.LIF(), 10)
    net.add_pool("b", sl.LIF(), 10)
    for bad in ([], [1, 2], "cpu", [jax.devices()[0]] * 2):
        with pytest.raises(ParameterError, match="devices"):
            net.build(devices=bad)
    net.connect("a", "b", connectivity=sl.AllToAll(), weight=1.0, plasticity=STDP())
    with pytest.raises(NetworkError, match="plastic"):
        net.build(devices=jax.devices())
    gen = sl.Network(seed=1)
    gen.add_pool("g", sl.SpikeGenerator(times=[[1.0]]), 1)
    with pytest.raises(NetworkError, match="structure arrays"):
        gen.build(devices=jax.devices())


def test_rate_condition_refused_and_state_kept():
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from _sharded_check import ei_net
    sh = ei_net().build(devices=jax.devices())
    sh.run(20)
    before = sh.get_state_tree()
    with pytest.raises(ParameterError, match="rate condition"):
        sh.run(10, record=[{"pool": "exc", "var": "spikes", "when": {"rate": "exc", "above": 1.0, "window": 5.0}}])
    assert sh.t == 20
    after = sh.get_state_tree()
    assert all(np.array_equal(x, y) for x, y in zip(jax.tree_util.tree_leaves(before),
                                                    jax.tree_util.tree_leaves(after)))
