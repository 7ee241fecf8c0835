"""The sharded simulator (net.build(devices=...)): the same spikes as the single-device
pure-JAX simulator, spike for spike, with 2 and 4 forced CPU devices, through a parameter
change mid-run, a checkpoint round trip (both ways between sharded and single-device) and
a reset; the state gathered equal. The device checks run in a fresh process
(tests/_sharded_check.py) because XLA_FLAGS must be set before JAX starts."""
from __future__ import annotations

import json
import os
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
