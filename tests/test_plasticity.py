"""Plasticity rules against their published behaviour, measured from simulations.

Spike times are set with SpikeGenerator pools, so every pre/post pairing is known
exactly; weights are read back with ``sim.get_param(projection, "weight")``.
"""
from __future__ import annotations

import numpy as np
import pytest

from spark_lab import (
    LIF,
    AllToAll,
    Delta,
    Exponential,
    FixedProbability,
    Network,
    NetworkError,
    OneToOne,
    ParameterError,
    PoissonSource,
    SpikeGenerator,
    Uniform,
)
from spark_lab.plasticity import STDP, Oja, SynapticScaling, ThreeFactor, TripletSTDP, TsodyksMarkram, oja_delta


def paired(pre_times, post_times, rule, dt=0.1, w0=0.5, steps=None):
    """Pairs i: pre neuron i spikes at pre_times[i], post neuron i at post_times[i] (lists, ms).
    Returns (weights after the run, simulator)."""
    n = len(pre_times)
    net = Network(dt=dt, seed=0)
    net.add_pool("pre", SpikeGenerator(times=pre_times), n)
    net.add_pool("post", SpikeGenerator(times=post_times), n)
    net.connect("pre", "post", connectivity=OneToOne(), weight=w0, plasticity=rule)
    sim = net.build()
    last = max(max(list(a) + list(b) + [0.0]) for a, b in zip(pre_times, post_times))
    sim.run(steps or int(last / dt) + 20)
    return sim.get_param("pre->post", "weight"), sim


# ----------------------------------------------------------------------- pair STDP
def test_stdp_window_matches_exponential_form():
    lags = np.array([-60, -30, -15, -5, -1, 0, 1, 5, 15, 30, 60], float)   # t_post - t_pre, ms
    t0 = 100.0
    rule = STDP(a_plus=0.01, a_minus=0.012, tau_plus=17.0, tau_minus=34.0, w_min=0.0, w_max=1.0)
    w, _ = paired([[t0]] * lags.size, [[t0 + d] for d in lags], rule)
    dw = w - 0.5
    expect = np.where(lags > 0, 0.01 * np.exp(-lags / 17.0), np.where(lags < 0, -0.012 * np.exp(lags / 34.0), 0.0))
    np.testing.assert_allclose(dw, expect, rtol=2e-4, atol=2e-7)


def test_stdp_soft_bounds_scale_with_distance_to_bound():
    rule = STDP(a_plus=0.1, a_minus=0.1, bounds="soft", w_min=0.0, w_max=1.0)
    w0 = np.array([0.2, 0.8, 0.2, 0.8])
    net = Network(dt=0.1, seed=0)
    net.add_pool("pre", SpikeGenerator(times=[[10.0], [10.0], [20.0], [20.0]]), 4)
    net.add_pool("post", SpikeGenerator(times=[[20.0], [20.0], [10.0], [10.0]]), 4)
    net.connect("pre", "post", connectivity=OneToOne(), weight=Uniform(0.2, 0.2), plasticity=rule)
    sim = net.build()
    sim.set_param("pre->post", "weight", w0)
    sim.run(400)
    k = np.exp(-10.0 / 20.0)
    expect = w0 + np.array([0.1 * k * 0.8, 0.1 * k * 0.2, -0.1 * k * 0.2, -0.1 * k * 0.8])
    np.testing.assert_allclose(sim.get_param("pre->post", "weight"), expect, rtol=1e-5)


def test_stdp_hard_bound_saturates_exactly():
    pre = [np.arange(10.0, 500.0, 20.0)]
    post = [pre[0] + 2.0]
    w, _ = paired(pre, post, STDP(a_plus=0.2, a_minus=0.0, w_max=0.9), w0=0.5)
    assert w[0] == pytest.approx(0.9, abs=1e-7)


def test_nearest_spike_interaction_ignores_earlier_pairs():
    pre = [[10.0, 20.0]] * 2
    post = [[30.0]] * 2
    w_all, _ = paired(pre[:1], post[:1], STDP(a_plus=0.01, a_minus=0.0, interaction="all"))
    w_near, _ = paired(pre[:1], post[:1], STDP(a_plus=0.01, a_minus=0.0, interaction="nearest"))
    np.testing.assert_allclose(w_all - 0.5, 0.01 * (np.exp(-1.0) + np.exp(-0.5)), rtol=1e-4)
    np.testing.assert_allclose(w_near - 0.5, 0.01 * np.exp(-0.5), rtol=1e-4)


def reference_stdp(pre_spk, post_spk, pre, post, w, a_plus, a_minus, tau_p, tau_m, w_min, w_max, dt):
    """Plain numpy pair STDP (all-to-all traces) on recorded spike rasters."""
    x = np.zeros(pre_spk.shape[1])
    y = np.zeros(post_spk.shape[1])
    w = w.astype(np.float64).copy()
    dp, dm = np.exp(-dt / tau_p), np.exp(-dt / tau_m)
    for s_pre, s_post in zip(pre_spk, post_spk):
        x *= dp
        y *= dm
        w += a_plus * x[pre] * s_post[post] - a_minus * y[post] * s_pre[pre]
        w = np.clip(w, w_min, w_max)
        x += s_pre
        y += s_post
    return w


def test_stdp_on_sparse_projection_matches_numpy_reference():
    net = Network(dt=0.5, seed=3)
    net.add_pool("inp", PoissonSource(rate=40.0), 50)
    net.add_pool("out", LIF(tau_m=10.0, v_th=-55.0), 20)
    rule = STDP(a_plus=0.05, a_minus=0.052, tau_plus=15.0, tau_minus=25.0, w_min=0.0, w_max=12.0)
    net.connect("inp", "out", synapse=Exponential(tau=3.0), connectivity=FixedProbability(p=0.3),
                weight=Uniform(4.0, 9.0), plasticity=rule)
    net.record("inp", "spikes")
    net.record("out", "spikes")
    sim = net.build()
    pre, post, w0 = sim.synapses("inp->out")
    res = sim.run(2000, chunk=500)
    assert res.rate("out") > 1.0, "the test needs postsynaptic spikes"
    ref = reference_stdp(res.records["inp.spikes"], res.records["out.spikes"], pre, post, w0,
                         0.05, 0.052, 15.0, 25.0, 0.0, 12.0, 0.5)
    got = sim.get_param("inp->out", "weight")
    assert np.abs(ref - w0).max() > 0.05, "weights should have moved"
    np.testing.assert_allclose(got, ref, atol=2e-5)


def test_plastic_path_delivers_like_the_static_path():
    """A rule that changes nothing must give exactly the spikes of the same projection
    without plasticity (per-synapse path vs. the fused event-driven path), including
    Dale signs, per-synapse weights and delays."""
    def build(plastic):
        net = Network(dt=0.1, seed=11)
        net.add_pool("drive", PoissonSource(rate=400.0), 80)
        net.add_pool("e", LIF(tau_m=15.0), 60)
        net.add_pool("mix", LIF(tau_m=10.0, v_init_low=-65.0, v_init_high=-52.0), 40, excitatory=0.5, g_inh=1.5)
        rule = [STDP(a_plus=0.0, a_minus=0.0, w_max=10.0)] if plastic else None
        net.connect("drive", "e", connectivity=FixedProbability(p=0.2), weight=Uniform(0.5, 2.0), plasticity=rule)
        net.connect("drive", "mix", connectivity=FixedProbability(p=0.2), weight=1.2, delay=0.5, plasticity=rule)
        net.connect("mix", "e", connectivity=FixedProbability(p=0.3), weight=2.0, delay=1.0, plasticity=rule)
        net.record("e", "spikes")
        net.record("mix", "spikes")
        return net.build()
    a, b = build(False), build(True)
    ra, rb = a.run(1500), b.run(1500)
    assert ra.records["e.spikes"].sum() > 50
    np.testing.assert_array_equal(ra.records["e.spikes"], rb.records["e.spikes"])
    np.testing.assert_array_equal(ra.records["mix.spikes"], rb.records["mix.spikes"])


# ----------------------------------------------------------------------- triplet STDP
def pairing_protocol(rule, freq, lag, n_pairs=60, dt=0.5):
    period = 1000.0 / freq
    pre = 50.0 + period * np.arange(n_pairs)
    return pre, pre + lag


def test_triplet_rule_potentiation_grows_with_pairing_frequency():
    """Sjöström et al. 2001 protocol (60 pairs, +-10 ms) under the paper's visual-cortex
    all-to-all parameters: LTP grows with frequency; post-pre pairs depress at low and
    potentiate at high frequency (Pfister & Gerstner 2006, Fig. 3)."""
    freqs = [1.0, 10.0, 20.0, 40.0, 50.0]
    pre_t, post_t = [], []
    for lag in (10.0, -10.0):
        for f in freqs:
            a, b = pairing_protocol(None, f, lag)
            pre_t.append(a)
            post_t.append(b)
    w, _ = paired(pre_t, post_t, TripletSTDP(w_min=0.0, w_max=10.0), dt=0.5, w0=1.0)
    dw_pos, dw_neg = w[:5] - 1.0, w[5:] - 1.0
    assert np.all(np.diff(dw_pos) > 0), dw_pos
    assert dw_neg[0] < 0 < dw_neg[-1], dw_neg
    # pair STDP with the same window cannot do this: its LTP does not grow with frequency at +10 ms
    w2, _ = paired(pre_t[:5], post_t[:5], STDP(a_plus=0.005, a_minus=0.00525, tau_plus=16.8, tau_minus=33.7,
                                               w_max=10.0), dt=0.5, w0=1.0)
    assert not np.all(np.diff(w2 - 1.0) > 0)


# ----------------------------------------------------------------------- three-factor
def three_factor_net(eta=2.0, tau_e=200.0):
    rule = ThreeFactor(a_plus=0.01, a_minus=0.01, tau_plus=20.0, tau_minus=20.0, tau_e=tau_e, eta=eta,
                       w_min=0.0, w_max=2.0, modulator="dopamine")
    net = Network(dt=0.1, seed=0)
    net.add_pool("pre", SpikeGenerator(times=[[10.0], [20.0]]), 2)     # pair 0: pre->post, pair 1: post->pre
    net.add_pool("post", SpikeGenerator(times=[[20.0], [10.0]]), 2)
    net.connect("pre", "post", connectivity=OneToOne(), weight=0.25, plasticity=rule)
    return net.build()


def test_three_factor_no_modulator_no_change():
    sim = three_factor_net()
    sim.run(1000)
    np.testing.assert_array_equal(sim.get_param("pre->post", "weight"), [0.25, 0.25])
    e = sim.state["plastic"]["pre->post"]["rules"][0]["syn"]["e"]
    assert e[0] > 0 > e[1], "eligible, but nothing happens without the modulator"


def test_three_factor_modulator_pulse_gives_eta_m_e_dt():
    sim = three_factor_net(eta=200.0, tau_e=200.0)
    sim.run(1000)                                         # pair at 10/20 ms; last step 999 (99.9 ms)
    e = sim.state["plastic"]["pre->post"]["rules"][0]["syn"]["e"].astype(np.float64)
    sim.run(1, inputs={"dopamine": 5.0})                  # one-step pulse
    dw = sim.get_param("pre->post", "weight") - 0.25
    e_now = e * np.exp(-0.1 / 200.0)
    np.testing.assert_allclose(dw, 200.0 * 5.0 * e_now * 0.1e-3, rtol=5e-4)
    expect_e0 = 0.01 * np.exp(-10.0 / 20.0) * np.exp(-(99.9 - 20.0) / 200.0)
    assert e[0] == pytest.approx(expect_e0, rel=1e-4)
    assert dw[0] > 0 > dw[1]                             # eligible pre->post potentiates, post->pre depresses


def test_three_factor_negative_modulator_reverses():
    a, b = three_factor_net(eta=200.0), three_factor_net(eta=200.0)
    a.run(300, inputs={"dopamine": np.r_[np.zeros(250), np.ones(50)]})
    b.run(300, inputs={"dopamine": np.r_[np.zeros(250), -np.ones(50)]})
    da, db = a.get_param("pre->post", "weight") - 0.25, b.get_param("pre->post", "weight") - 0.25
    assert da[0] > 0.005 and da[1] < -0.005
    np.testing.assert_allclose(da, -db, rtol=5e-4)


def test_modulator_errors_name_the_channel():
    sim = three_factor_net()
    with pytest.raises(ParameterError, match="dopamine"):
        sim.run(10, inputs={"dopamine": np.ones(3)})
    with pytest.raises(ParameterError, match="dopamine"):
        sim.run(10, inputs={"dopamine": float("nan")})
    with pytest.raises(NetworkError, match="dopamine"):
        sim.run(10, inputs={"dopamin": 1.0})


# ----------------------------------------------------------------------- short-term plasticity
def tm_amplitudes(U, tau_rec, tau_facil, period, n):
    u_prev, R_prev, amps = None, 1.0, []
    for k in range(n):
        if k == 0:
            u, R = U, 1.0
        else:
            u = U + u_prev * (1 - U) * (np.exp(-period / tau_facil) if tau_facil > 0 else 0.0)
            R = 1 + (R_prev - u_prev * R_prev - 1) * np.exp(-period / tau_rec)
        amps.append(u * R)
        u_prev, R_prev = u, R
    return np.array(amps)


@pytest.mark.parametrize("U,tau_rec,tau_facil", [(0.5, 800.0, 0.0), (0.1, 100.0, 500.0)])
def test_tsodyks_markram_reaches_analytic_steady_state(U, tau_rec, tau_facil):
    period, n, dt, w = 50.0, 40, 0.1, 2.0
    times = 10.0 + period * np.arange(n)
    net = Network(dt=dt, seed=0)
    net.add_pool("pre", SpikeGenerator(times=[times]), 1)
    net.add_pool("post", LIF(tau_m=1e9, v_th=1e6, v_rest=0.0, v_reset=0.0, v_init_low=0.0, v_init_high=0.0), 1)
    net.connect("pre", "post", synapse=Delta(), connectivity=AllToAll(), weight=w,
                plasticity=TsodyksMarkram(U=U, tau_rec=tau_rec, tau_facil=tau_facil))
    net.record("post", "v")
    sim = net.build()
    v = sim.run(int(times[-1] / dt) + 10).records["post.v"][:, 0].astype(np.float64)
    steps = np.round(times / dt).astype(int) + 1          # delivered at the end of the spike step, seen a step later
    amps = v[steps] - v[steps - 1]
    np.testing.assert_allclose(amps, w * tm_amplitudes(U, tau_rec, tau_facil, period, n), rtol=2e-4, atol=2e-5)
    u_ss = U / (1 - (1 - U) * (np.exp(-period / tau_facil) if tau_facil > 0 else 0.0))
    R_ss = (1 - np.exp(-period / tau_rec)) / (1 - (1 - u_ss) * np.exp(-period / tau_rec))
    assert amps[-1] == pytest.approx(w * u_ss * R_ss, rel=2e-3)
    np.testing.assert_array_equal(sim.get_param("pre->post", "weight"), [w])      # STP never changes w


# ----------------------------------------------------------------------- Hebbian / homeostatic
def test_oja_converges_to_principal_component():
    rng = np.random.default_rng(0)
    C = np.array([[3.0, 1.2, 0.4], [1.2, 1.0, 0.2], [0.4, 0.2, 0.5]])
    X = rng.multivariate_normal(np.zeros(3), C, size=20000)
    w = rng.normal(size=3) * 0.1
    for x in X:
        w = w + oja_delta(w, x, w @ x, 0.005)
    pc = np.linalg.eigh(C)[1][:, -1]
    assert np.linalg.norm(w) == pytest.approx(1.0, abs=0.05)
    assert abs(w @ pc) > 0.99


def test_oja_in_a_network_settles_at_its_fixed_point():
    """With independent Poisson trains the averaged rule <dw> = eta (<x y> - <y^2> w) has
    the fixed point w* = r_x r_y / (r_y^2 + var y), var y = r_y 1000 / (2 tau_rate) for
    an exponential rate trace (Campbell's theorem): plain Hebbian learning would grow
    without bound instead."""
    net = Network(dt=1.0, seed=2)
    net.add_pool("inp", PoissonSource(rate=20.0), 30)
    net.add_pool("out", PoissonSource(rate=20.0), 4)
    net.connect("inp", "out", connectivity=AllToAll(), weight=Uniform(0.0, 0.2),
                plasticity=Oja(eta=5e-4, tau_rate=200.0, w_min=-50.0, w_max=50.0))
    sim = net.build()
    sim.run(20000)
    ws = []
    for _ in range(10):
        sim.run(2000)
        ws.append(sim.get_param("inp->out", "weight"))
    w_star = 20.0 * 20.0 / (20.0 ** 2 + 20.0 * 1000.0 / (2 * 200.0))
    assert np.mean(ws) == pytest.approx(w_star, rel=0.1)


def test_synaptic_scaling_drives_rate_to_target_keeping_ratios():
    net = Network(dt=0.5, seed=4)
    net.add_pool("inp", PoissonSource(rate=20.0), 100)
    net.add_pool("out", LIF(tau_m=20.0), 10)
    net.connect("inp", "out", synapse=Exponential(tau=5.0), connectivity=FixedProbability(p=0.5),
                weight=Uniform(3.0, 6.0), plasticity=SynapticScaling(eta=0.02, target=5.0, tau_rate=500.0,
                                                                     w_max=100.0))
    sim = net.build()
    w0 = sim.get_param("inp->out", "weight")
    r0 = sim.run(4000).rate("out")
    for _ in range(8):
        sim.run(4000)
    r1 = sim.run(4000).rate("out")
    w1 = sim.get_param("inp->out", "weight")
    assert r0 > 15.0 and abs(r1 - 5.0) < 2.5, (r0, r1)
    _, post, _ = sim.synapses("inp->out")
    for j in range(10):                                         # one factor per postsynaptic neuron
        ratio = w1[post == j] / w0[post == j]
        assert np.ptp(ratio) < 1e-3 * ratio.mean()


# ----------------------------------------------------------------------- integration with the simulator
def test_rule_parameter_and_weight_changes_never_recompile(tmp_path):
    sim = three_factor_net()
    sim.run(100, inputs={"dopamine": 1.0})
    n = sim.compile_count
    sim.set_param("pre->post", "a_plus", 0.02)
    sim.set_param("pre->post", "three_factor.eta", 3.0)
    sim.set_param("pre->post", "weight", [0.5, 0.7])
    sim.run(100)
    sim.run(100, inputs={"dopamine": np.linspace(0, 1, 100)})
    assert sim.compile_count == n
    assert sim.get_param("pre->post", "eta") == 3.0
    with pytest.raises(ParameterError, match="a_plus"):
        sim.set_param("pre->post", "a_plu", 1.0)
    with pytest.raises(ParameterError, match="tau_e"):
        sim.set_param("pre->post", "tau_e", -1.0)
    with pytest.raises(ParameterError, match="w_max"):
        sim.set_param("pre->post", "weight", [0.5, 3.0])


def test_plastic_state_survives_checkpoint_and_reset_restores_initial_weights(tmp_path):
    a = three_factor_net()
    a.set_param("pre->post", "weight", [0.5, 0.7])        # sets the weights now and what reset() returns to
    a.run(500, inputs={"dopamine": 1.0})
    a.save_checkpoint(tmp_path / "c.npz")
    ra = a.run(300, inputs={"dopamine": 1.0})
    b = three_factor_net()
    b.load_checkpoint(tmp_path / "c.npz")
    b.run(300, inputs={"dopamine": 1.0})
    np.testing.assert_array_equal(a.get_param("pre->post", "weight"), b.get_param("pre->post", "weight"))
    assert ra.steps == 300
    a.reset()
    np.testing.assert_allclose(a.get_param("pre->post", "weight"), [0.5, 0.7], rtol=1e-7)


def test_construction_errors_name_rule_and_field():
    net = Network()
    net.add_pool("a", LIF(), 5)
    net.add_pool("inh", LIF(), 5, excitatory=False)
    with pytest.raises(NetworkError, match="plasticity must be a rule"):
        net.connect("a", "a", plasticity="stdp")
    with pytest.raises(ParameterError, match="w_min"):
        STDP(w_min=1.0, w_max=0.5)
    with pytest.raises(ParameterError, match="bounds"):
        STDP(bounds="sofft")
    with pytest.raises(ParameterError, match="w_min"):
        net.connect("inh", "a", plasticity=STDP(w_min=-1.0))
    net.connect("a", "a", weight=2.0, plasticity=STDP(w_max=1.0))
    with pytest.raises(ParameterError, match="outside"):
        net.build()
    net2 = Network()
    net2.add_pool("reward", LIF(), 3)
    net2.connect("reward", "reward", plasticity=ThreeFactor())
    with pytest.raises(NetworkError, match="modulator channel 'reward'"):
        net2.build()


def test_inhibitory_plastic_weights_act_negative():
    net = Network(dt=0.1, seed=0)
    net.add_pool("inh", SpikeGenerator(times=[[1.0]]), 1, excitatory=False, g_inh=2.0)
    net.add_pool("post", LIF(tau_m=1e9, v_th=1e6, v_rest=0.0, v_reset=0.0, v_init_low=0.0, v_init_high=0.0), 1)
    net.connect("inh", "post", synapse=Delta(), connectivity=AllToAll(), weight=0.75,
                plasticity=STDP(a_plus=0.0, a_minus=0.0))
    net.record("post", "v")
    sim = net.build()
    v = sim.run(50).records["post.v"][:, 0]
    assert v[-1] == pytest.approx(-1.5)
