"""BatchedSimulator: B networks of one structure in one compiled call (moved from
test_cartpole.py), its structure checks and the push/pull of state and parameters."""
import numpy as np
import pytest

import spark_lab as sl
from spark_lab.batch import BatchedSimulator
from spark_lab.errors import NetworkError
from spark_lab.plasticity import ThreeFactor


def small_net(seed, extra_fixed_probability=False):
    net = sl.Network(dt=0.1, seed=seed, native=False)
    lif = sl.LIF(tau_m=20.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0, v_init_low=-65.0, v_init_high=-50.0)
    net.add_pool("exc", lif, 40, excitatory=True)
    net.add_pool("inh", lif, 10, excitatory=False, g_inh=5.0)
    net.add_pool("ext", sl.PoissonSource(rate=80.0), 50)
    for a in ("exc", "inh"):
        for b in ("exc", "inh"):       # per-seed connectivity with per-seed row widths (padded in the batch)
            net.connect(a, b, connectivity=sl.FixedInDegree(k=6), weight=sl.Uniform(0.5, 1.5), delay=0.5)
    net.connect("ext", "exc", connectivity=sl.FixedInDegree(k=10), weight=6.0,
                plasticity=ThreeFactor(modulator="r", w_max=10.0, tau_e=50.0, eta=50.0))
    net.connect("ext", "inh", connectivity=sl.FixedInDegree(k=10), weight=4.0)
    if extra_fixed_probability:
        net.connect("exc", "exc", name="fp", connectivity=sl.FixedProbability(p=0.1))
    net.record("exc")
    net.record("inh", "v")
    return net


def test_batch_equals_separate_runs():
    seeds = [0, 1, 2]
    bs = BatchedSimulator([small_net(s) for s in seeds])
    mod = np.zeros((3, 400))
    mod[:, 200] = 5.0
    res = bs.run(400, inputs={"r": mod}, chunk=200)
    assert bs.compile_count == 1                           # two chunks of 200 steps, one compilation
    for b, s in enumerate(seeds):
        sim = small_net(s).build()
        w0 = sim.get_param("ext->exc", "weight")
        ref = sim.run(400, inputs={"r": mod[b]}, chunk=200)
        assert ref.records["exc.spikes"].sum() > 20
        np.testing.assert_array_equal(res[b].records["exc.spikes"], ref.records["exc.spikes"])
        np.testing.assert_array_equal(res[b].records["inh.v"], ref.records["inh.v"])
        np.testing.assert_array_equal(res[b].counts["exc"], ref.counts["exc"])
        w = sim.get_param("ext->exc", "weight")
        assert not np.array_equal(w, w0)                 # the pulse did change weights
        np.testing.assert_array_equal(bs.weights("ext->exc")[b], w.astype(np.float32))
    # agents differ (own seeds: noise, connectivity, weights)
    assert not np.array_equal(res[0].records["exc.spikes"], res[1].records["exc.spikes"])
    bs.pull()
    assert bs.sims[1].t == 400


def test_batch_refuses_different_structure_and_native():
    with pytest.raises(NetworkError, match="projection 'fp': number of synapses.*FixedInDegree"):
        BatchedSimulator([small_net(0, True), small_net(1, True)])
    net = small_net(0)
    net.native = None
    sim = net.build()
    if sim.native:
        with pytest.raises(NetworkError, match="native C.. kernel.*native=False"):
            BatchedSimulator([sim])


def test_batch_input_checks():
    bs = BatchedSimulator([small_net(s) for s in (0, 1)])
    with pytest.raises(sl.ParameterError, match="modulator 'r'"):
        bs.run_chunk(10, inputs={"r": np.zeros(3)})
    with pytest.raises(sl.ParameterError, match="input to pool 'ext'"):
        bs.run_chunk(10, inputs={"ext": np.zeros((3, 50))})
    with pytest.raises(NetworkError, match="unknown pool 'nope'"):
        bs.run_chunk(10, inputs={"nope": 1.0})


def test_structure_difference_is_named():
    def net(n_exc, dt=0.1, syn=None):
        nt = sl.Network(dt=dt, seed=0, native=False)
        nt.add_pool("exc", sl.LIF(), n_exc)
        nt.add_pool("ext", sl.PoissonSource(rate=50.0), 5)
        nt.connect("ext", "exc", synapse=syn or sl.Delta(), connectivity=sl.AllToAll(), weight=1.0)
        return nt
    with pytest.raises(NetworkError, match="agent 1 .*differs from agent 0.* in pools"):
        BatchedSimulator([net(4), net(5)])
    with pytest.raises(NetworkError, match="agent 1 .* in dt"):
        BatchedSimulator([net(4), net(4, dt=0.05)])
    with pytest.raises(NetworkError, match="projection 'ext->exc': synapse"):
        BatchedSimulator([net(4), net(4, syn=sl.Exponential())])


def test_push_params_pull_and_push_state():
    sims = [small_net(s).build() for s in (0, 1)]
    bs = BatchedSimulator(sims)
    bs.run_chunk(50)
    assert all(s.t == 0 for s in sims)               # the batch owns the state until pull()
    bs.pull()
    assert all(s.t == 50 for s in sims)
    ref = small_net(1).build()
    ref.run_chunk(50)
    np.testing.assert_array_equal(sims[1].state["pools"]["exc"]["v"], ref.state["pools"]["exc"]["v"])
    sims[1].set_param("ext", "rate", 0.0)            # agent 1's sources fall silent after push_params
    bs.push_params()
    c = bs.run_chunk(50, readout=("ext",))
    assert c["ext"][1].sum() == 0 and c["ext"][0].sum() > 0
    sims[0].reset()
    with pytest.raises(NetworkError, match="different steps"):
        bs.push_state()
    sims[1].reset()
    bs.push_state()
    assert bs.t == 0
