"""The custom components of docs/model-format.md ("The component contract") run as written:
the quadratic integrate-and-fire neuron fires at its analytic period, and the alpha-shaped
synapse delivers its analytic kernel."""
from __future__ import annotations

import re

import jax.numpy as jnp
import numpy as np
import pytest

import spark_lab as sl
from spark_lab import registry
from spark_lab.neurons import NeuronModel

DOC = sl.__path__[0] + "/../docs/model-format.md"


def example(name: str) -> dict:
    """Run the python block of the document marked ``# model-format example: <name>``; its namespace."""
    text = open(DOC, encoding="utf-8").read()
    blocks = re.findall(r"```python\n(# model-format example: (\w+)\n.*?)```", text, re.S)
    code = {n: b for b, n in blocks}
    assert name in code, f"no example {name!r} in {DOC}; found {sorted(code)}"
    ns = {"__name__": "model_format_example"}
    exec(compile(code[name], f"{DOC}:{name}", "exec"), ns)
    return ns


@pytest.fixture
def qif():
    ns = example("qif")
    yield ns["QIF"]
    registry._unregister("neuron", "qif")


@pytest.fixture
def alpha():
    ns = example("alpha")
    yield ns["AlphaCurrent"]
    registry._unregister("synapse", "alpha_current")


def qif_period(i_ext, tau_m=10.0, v_rest=-65.0, v_c=-50.0, v_peak=0.0, v_reset=-70.0):
    """Time in ms from v_reset to v_peak of tau dv/dt = (v - v_rest)(v - v_c)/D + I (I > D/4)."""
    d = v_c - v_rest
    m, c = (v_rest + v_c) / 2, np.sqrt(i_ext * d - d * d / 4)
    return d * tau_m / c * (np.arctan((v_peak - m) / c) - np.arctan((v_reset - m) / c))


def test_qif_registers_and_fires_at_the_analytic_period(qif):
    assert registry.get("neuron", "qif") is qif
    dt, drive = 0.01, np.array([5.0, 8.0, 12.0, 20.0])       # rheobase D/4 = 3.75 mV
    net = sl.Network(dt=dt, seed=0)
    net.add_pool("q", qif(v_init=-70.0), drive.size)          # starts at v_reset: every ISI is a period
    net.record("q", "spikes")
    res = net.build().run(40_000, inputs={"q": drive})
    for i, i_ext in enumerate(drive):
        steps = np.flatnonzero(res.records["q.spikes"][:, i])
        ref = qif_period(i_ext)
        assert steps.size >= 3, (i_ext, steps)
        periods = np.diff(np.concatenate([[-1], steps])) * dt   # the first period starts before step 0
        # measured: +0.02 % (5 mV) to +0.1 % (20 mV), forward Euler at dt = 0.01 ms
        np.testing.assert_allclose(periods, ref, rtol=0.003, atol=dt, err_msg=f"I = {i_ext} mV")


def test_qif_below_rheobase_settles_at_the_stable_fixed_point(qif):
    net = sl.Network(dt=0.1)                                    # float32: a step must move v by > 1 ulp
    net.add_pool("q", qif(v_init=-60.0), 1)
    net.record("q", "v")
    res = net.build().run(2_000, inputs={"q": 2.0})         # I < D/4: two fixed points remain
    assert res.counts["q"][0] == 0
    d, i_ext = 15.0, 2.0
    v_fix = -57.5 - np.sqrt(d * d / 4 - i_ext * d)              # the stable one
    assert abs(float(res.records["q.v"][-1, 0]) - v_fix) < 1e-3


def test_qif_parameters_are_validated_and_changeable(qif):
    with pytest.raises(sl.ParameterError) as e:
        qif(v_c=-70.0)
    assert e.value.field == "v_rest"
    with pytest.raises(sl.ParameterError) as e:
        qif(tau_m=-1.0)
    assert e.value.field == "tau_m"
    net = sl.Network(dt=0.01)
    net.add_pool("q", qif(v_init=-70.0), 1)
    sim = net.build()
    sim.set_param("q", "tau_m", 20.0)
    steps = np.flatnonzero(sim.run(20_000, inputs={"q": 10.0}, record=["q.spikes"]).records["q.spikes"][:, 0])
    np.testing.assert_allclose(np.diff(steps) * 0.01, qif_period(10.0, tau_m=20.0), rtol=0.01)


def test_qif_round_trips_through_a_model_file(qif, tmp_path):
    net = sl.Network(dt=0.1, seed=1)
    net.add_pool("q", qif(tau_m=12.0), 3)
    path = tmp_path / "qif.json"
    sl.save(net, path)
    assert '"component": "qif"' in path.read_text()
    back = sl.load(path)
    assert type(back.pools["q"].model) is qif and back.pools["q"].model.values["tau_m"] == 12.0


class _Probe(NeuronModel):
    """Records the input current it gets (state "i") and never spikes."""
    name = "test_probe"
    STATE = ("i",)
    VOLTAGE = None

    def init_state(self, n, p, rng):
        return {"i": np.zeros(n)}

    def step(self, s, q, syn, t, dt, noise):
        return {"i": syn.current}, jnp.zeros(syn.current.shape, bool)


def test_alpha_synapse_delivers_its_analytic_kernel(alpha):
    assert registry.get("synapse", "alpha_current") is alpha
    dt, tau, w, spike_step = 0.1, 2.0, 3.0, 10
    net = sl.Network(dt=dt)
    net.add_pool("src", sl.SpikeGenerator(times=[[spike_step * dt]]), 1)
    net.add_pool("probe", _Probe(), 1)
    net.connect("src", "probe", synapse=alpha(tau=tau), connectivity=sl.OneToOne(), weight=w)
    net.record("probe", "i")
    trace = net.build().run(200, record=["probe.i"]).records["probe.i"][:, 0]
    # the spike of step s is received at the end of step s and first read at step s + 1
    first = spike_step + 1
    assert np.all(trace[:first + 1] == 0.0)
    t = np.arange(trace.size - first) * dt
    np.testing.assert_allclose(trace[first:], w * (t / tau) * np.exp(-t / tau), rtol=1e-5, atol=1e-6)
    peak = first + int(round(tau / dt))                         # the kernel peaks at t = tau
    assert int(np.argmax(trace)) == peak
