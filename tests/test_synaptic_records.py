"""Recording synaptic (receptor) variables: an Exponential's current, a Conductance's g, an
equation synapse's variables, through Simulator.run, the model file, sessions and monitors,
in the native kernel and in pure JAX, against the analytic exponentials."""
from __future__ import annotations

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import NetworkError, model
from spark_lab.equations import SynapseEquations
from spark_lab.session import Session

DT, TAU = 0.1, 5.0
SPIKE_STEP, W, G0 = 10, 0.3, 0.05


def _net(native=None):
    """One source neuron spiking at step SPIKE_STEP into two LIF pools of one family (a Conductance
    receptor each); "b" starts at g = G0 and gets the spike, "a" starts at 2 G0 and gets none."""
    net = sl.Network(dt=DT, seed=3, native=native)
    net.add_pool("src", sl.SpikeGenerator(times=[SPIKE_STEP * DT], indices=[0]), 1)
    net.add_pool("a", sl.LIF(), 3)
    net.add_pool("b", sl.LIF(), 4)
    net.add_pool("silent", sl.PoissonSource(rate=0.0), 1)
    net.connect("silent", "a", sl.Conductance(tau=TAU), sl.AllToAll(), name="to_a", init={"g": 2 * G0})
    net.connect("src", "b", sl.Conductance(tau=TAU), sl.AllToAll(), weight=W, name="to_b", init={"g": G0})
    return net


def _expected_b(steps):
    """g after step k: G0 e^{-(k+1) dt/tau}, plus W e^{-(k-s) dt/tau} from step s on (the spike of
    step s is added at the end of step s, after the decay)."""
    k = np.arange(steps)
    return G0 * np.exp(-(k + 1) * DT / TAU) + np.where(k >= SPIKE_STEP, W * np.exp(-(k - SPIKE_STEP) * DT / TAU), 0)


@pytest.mark.parametrize("native", [False, None], ids=["jax", "auto"])
def test_conductance_g_recorded_against_the_analytic_decay(native):
    net = _net(native)
    net.record("to_b", "g", neurons=[0, 3])
    net.record("a", "to_a.g")
    res = net.build().run(40)
    b = res.records["b.to_b.g"]
    assert b.shape == (40, 2)
    np.testing.assert_allclose(b, np.repeat(_expected_b(40)[:, None], 2, axis=1), rtol=2e-6, atol=1e-9)
    np.testing.assert_allclose(res.records["a.to_a.g"], np.repeat(
        (2 * G0 * np.exp(-(np.arange(40) + 1) * DT / TAU))[:, None], 3, axis=1), rtol=2e-6)


def test_native_and_pure_jax_record_the_same_receptor_values():
    if not _native_ok():
        pytest.skip("native kernel not built")
    out = []
    for native in (True, False):
        net = sl.Network(dt=DT, seed=7, native=native)
        net.add_pool("ext", sl.PoissonSource(rate=200.0), 50)
        net.add_pool("e", sl.LIF(), 30)
        net.connect("ext", "e", sl.Exponential(), sl.FixedProbability(p=0.3), weight=0.5, name="x")
        net.record("x", "I")
        sim = net.build()
        assert sim.native is native
        out.append(sim.run(200).records["e.x.I"])
    np.testing.assert_array_equal(out[0], out[1])
    assert out[0].max() > 0


def _native_ok():
    from spark_lab import _native
    return _native.available()


def test_both_spellings_and_the_record_entry_are_one_record():
    net = _net()
    a = net.record("to_b", "g")
    b = sl.RecordSpec.parse("b.to_b.g", net)
    c = sl.RecordSpec.parse({"pool": "to_b", "var": "g"}, net)
    assert a == b == c and a.key == "b.to_b.g"
    with pytest.raises(NetworkError, match="recordable: spikes, v, to_b.g"):
        net.record("b", "to_b.I")
    with pytest.raises(NetworkError, match="did you mean 'to_b.g'"):
        net.record("to_b", "gg")


def test_model_file_keeps_receptor_records():
    net = _net()
    net.record("to_b", "g", every=2)
    text = model.dumps(net)
    back = model.loads(text)
    assert model.dumps(back) == text and [r.key for r in back.records] == ["b.to_b.g"]
    np.testing.assert_allclose(back.build().run(20).records["b.to_b.g"][:, 0], _expected_b(20)[::2], rtol=2e-6)


def test_receptor_records_follow_renames_and_removals():
    net = _net()
    net.record("to_b", "g")
    net.rename_projection("to_b", "drive")
    assert [r.key for r in net.records] == ["b.drive.g"]
    net.rename_pool("b", "c")
    assert [r.key for r in net.records] == ["c.drive.g"]
    with pytest.raises(NetworkError, match="unrecord it first"):
        net.update_projection("drive", synapse=sl.Exponential())         # its init {"g"} is dropped
    assert isinstance(net.projections["drive"].synapse, sl.Conductance)      # refused: unchanged
    events = []
    net.observe(events.append)
    net.remove_projection("drive")
    assert net.records == () and events[0]["op"] == "disconnect"
    assert [e["op"] for e in events[0]["parts"]] == ["unrecord"]


def test_auto_named_projection_records_follow_a_pool_rename():
    net = sl.Network()
    net.add_pool("s", sl.PoissonSource(rate=0.0), 1)
    net.add_pool("p", sl.LIF(), 2)
    net.connect("s", "p", sl.Exponential())
    net.record("s->p", "I")
    net.rename_pool("s", "src")
    assert [r.key for r in net.records] == ["p.src->p.I"]
    net.build().run(2)


def test_equation_synapse_variables_recordable():
    alpha = SynapseEquations("dg/dt = (x - g) / tau : 1\ndx/dt = -x / tau : 1", current="g * (0*mV - v)",
                             on_spike="x += w", params={"tau": "2 ms"}, unit="mV", weight_unit="1")
    net = sl.Network(dt=DT)
    net.add_pool("src", sl.SpikeGenerator(times=[0.0], indices=[0]), 1)
    net.add_pool("p", sl.LIF(), 1)
    net.connect("src", "p", alpha, sl.AllToAll(), weight=1.0, name="al")
    net.record("al", "x")
    net.record("al", "g")
    res = net.build().run(100)
    t = np.arange(100) * DT                              # x jumps by 1 at the end of step 0
    np.testing.assert_allclose(res.records["p.al.x"][:, 0], np.exp(-t / 2.0), rtol=1e-5)
    # alpha function: g(t) = (t / tau) e^{-t/tau} for x(0) = 1, g(0) = 0 (exact integration: tight)
    np.testing.assert_allclose(res.records["p.al.g"][:, 0], t / 2.0 * np.exp(-t / 2.0), atol=2e-3)


class _Collect(sl.Monitor):
    def __init__(self, records):
        self.records, self.got = records, []

    def init(self, session):
        self.got.clear()

    def step(self, frame):
        self.got.append(frame.get("b", "to_b.g").copy())


def test_session_recorder_and_monitors_get_receptor_records():
    mon = _Collect((sl.RecordSpec("to_b", "g"),))
    s = Session(_net().build(), chunk=10, monitors=[mon], record=["b.to_b.g"])
    try:
        s.step(30)
        ts, g = s.recorded("b", "to_b.g")
        np.testing.assert_array_equal(ts, np.arange(30))
        np.testing.assert_allclose(g[:, 0], _expected_b(30), rtol=2e-6)
        np.testing.assert_allclose(np.concatenate(mon.got)[:, 0], _expected_b(30), rtol=2e-6)
    finally:
        s.stop()
