"""The native CPU kernel (spark_lab/_native) and the pure-JAX path give the same spikes,
on a network that uses every layout the kernel reads: several projections into one
receptor (runs of different projections in one row), two receptors into one pool,
per-synapse weights, Dale pools with g_inh, axonal delays, and weight changes at run time.
Also: spark_lab's import makes JAX's CPU dispatch synchronous unless the user chose."""
import os
import subprocess
import sys

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import _native


def _require_native():
    if not _native.available():
        if os.environ.get("CI"):
            pytest.fail("the native CPU kernel must be built by `make install` in CI")
        pytest.skip("native CPU kernel not built")


def _net(native):
    net = sl.Network(dt=0.5, seed=3, native=native)
    exc = np.arange(300) < 240
    net.add_pool("a", sl.LIF(tau_m=10.0), 300, excitatory=exc, g_inh=4.0)
    net.add_pool("b", sl.LIF(tau_m=15.0), 200)
    net.add_pool("c", sl.Izhikevich(), 100)
    net.add_pool("drive", sl.PoissonSource(rate=80.0), 50)
    fast, slow = sl.Exponential(tau=3.0), sl.BiExponential(tau_rise=1.0, tau_decay=8.0)
    net.connect("drive", "a", synapse=fast, connectivity=sl.FixedProbability(p=0.3), weight=7.0)
    net.connect("drive", "b", synapse=sl.Exponential(tau=4.0), connectivity=sl.FixedProbability(p=0.3), weight=8.0)
    net.connect("a", "a", synapse=fast, connectivity=sl.FixedProbability(p=0.05), weight=1.5)
    net.connect("b", "a", synapse=fast, connectivity=sl.FixedProbability(p=0.05), weight=1.0, delay=1.0)
    net.connect("a", "b", synapse=slow, connectivity=sl.FixedProbability(p=0.1),
                weight=sl.Uniform(0.0, 3.0), delay=1.5)
    net.connect("a", "c", synapse=sl.Exponential(tau=5.0), connectivity=sl.FixedInDegree(k=20),
                weight=sl.Normal(3.0, 1.0, clip_low=0.0))
    net.connect("b", "c", connectivity=sl.FixedProbability(p=0.1), weight=2.0)
    return net


def test_native_equals_pure_jax_spike_for_spike():
    _require_native()
    sims = [_net(native).build() for native in (False, True)]
    assert [s.native for s in sims] == [False, True]
    results = [[], []]
    for phase in range(3):
        for k, s in enumerate(sims):
            if phase == 1:                     # run-time changes reach both paths
                s.set_param("a->a", "weight", 2.5)
                s.set_param("a", "g_inh", 2.0)
            if phase == 2:
                s.set_param("a->b", "weight", np.linspace(0.0, 4.0, s.synapses("a->b")[0].size))
            res = s.run(400, record=["a.spikes", "b.spikes", "c.spikes"], chunk=50)
            results[k].append(res)
    for ra, rb in zip(*results):
        for key in ra.records:
            np.testing.assert_array_equal(ra.records[key], rb.records[key], err_msg=key)
        assert all(ra.counts[p].sum() > 0 for p in ("a", "b", "c"))


def test_csr_layout_holds_every_synapse_once():
    _require_native()
    sim = _net(True).build()
    lay = sim.layout
    for g in lay.groups:
        csr = g.csr
        rows = csr.rows.reshape(-1, 2)
        tg = csr.targets.view(np.uint16) if csr.packed else csr.targets
        n_syn = rows[-1, 0]
        expected = sum(lay.projections[nm].n_syn for nm in g.projections)
        assert n_syn == expected
        # every synapse of every projection of the group appears with its slot
        got = sorted(zip(np.repeat(np.arange(len(rows) - 1), np.diff(rows[:, 0])).tolist(), tg[:n_syn].tolist()))
        want = []
        for nm in g.projections:
            p = lay.projections[nm]
            want += list(zip((p.pre + lay.pools[p.pre_pool].offset).tolist(),
                             (p.post + lay.receptors[p.receptor].offset).tolist()))
        assert got == sorted(want)
        if not g.per_synapse:          # runs partition each row, one projection per run
            runs = csr.runs.reshape(-1, 2)
            assert np.all(np.diff(rows[:, 1]) >= 0) and rows[-1, 1] == len(runs)
            assert runs[-1, 0] == n_syn if len(runs) else True
            assert set(runs[:, 1]) <= set(range(len(g.projections)))


def _dispatch_flag(env_extra):
    code = ("import spark_lab, jax\nfrom jax._src import xla_bridge as xb\n"
            "print(xb._CPU_ENABLE_ASYNC_DISPATCH.value)")
    env = {k: v for k, v in os.environ.items() if k != "JAX_CPU_ENABLE_ASYNC_DISPATCH"}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_import_makes_cpu_dispatch_synchronous_unless_user_chose():
    assert _dispatch_flag({}) == "False"
    assert _dispatch_flag({"JAX_CPU_ENABLE_ASYNC_DISPATCH": "1"}) == "True"


def _backend_probe(env_extra):
    code = ("import os, json, jax, jax.numpy as jnp, spark_lab as sl\n"
            "net = sl.Network(); net.add_pool('a', sl.LIF(), 10); sim = net.build()\n"
            "from spark_lab import _runtime\n"
            "f = jax.jit(lambda x: jnp.sin(x) * 2 + jnp.cos(x))\n"
            "hlo = f.lower(jnp.zeros(100000)).compile().as_text()\n"
            "print(json.dumps([_runtime.STATE['serial_loops'], 'outer_dimension_partitions' in hlo,\n"
            "                  sorted(os.sched_getaffinity(0))]))")
    env = {k: v for k, v in os.environ.items() if k != "SPARK_LAB_SERIAL_XLA"}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    import json
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs two or more CPUs")
def test_first_simulator_starts_xla_with_serial_loops_and_keeps_all_cpus():
    cpus = sorted(os.sched_getaffinity(0))
    serial, split, affinity = _backend_probe({})
    assert serial is True and split is False and affinity == cpus
    serial, split, affinity = _backend_probe({"SPARK_LAB_SERIAL_XLA": "0"})
    assert serial is False and split is True and affinity == cpus


def test_native_finite_test_agrees_with_numpy():
    """The chunk's NaN/inf test as the C++ call (spark_lab_all_finite) against np.isfinite:
    every bad value, at the first, a middle and the last element, in either argument; the
    largest and smallest finite float32 pass. float64 (JAX's 64-bit mode) in a subprocess."""
    _require_native()
    import jax

    from spark_lab._chunk import _all_finite
    f = jax.jit(lambda *xs: _all_finite(list(xs), native=True))
    base = [np.linspace(-1.0, 1.0, 1037).astype(np.float32), np.ones(5, np.float32)]
    assert bool(f(*base))
    assert bool(f(np.array([3.4e38, -3.4e38, 1e-45, -0.0], np.float32), base[1]))
    for bad in (np.nan, np.inf, -np.inf):
        for arg, pos in ((0, 0), (0, 16), (0, 1036), (1, 4)):
            xs = [a.copy() for a in base]
            xs[arg][pos] = bad
            assert bool(f(*xs)) == bool(np.all(np.isfinite(np.concatenate(xs)))) is False, (bad, arg, pos)
    code = ("import jax\njax.config.update('jax_enable_x64', True)\nimport numpy as np\n"
            "from spark_lab import _native\nfrom spark_lab._chunk import _all_finite\n_native.available()\n"
            "f = jax.jit(lambda *xs: _all_finite(list(xs), native=True))\nx = np.zeros(33)\ny = x.copy()\n"
            "y[32] = np.nan\nprint(bool(f(x)), bool(f(np.array([1.7e308]))), bool(f(y)), bool(f(np.array([-np.inf]))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "True", "False", "False"], out.stderr[-2000:]
