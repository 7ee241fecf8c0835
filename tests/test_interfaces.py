"""Encoders, decoders and routing: on plain arrays against what they are specified to do,
and as nodes of a network (add_input / add_output, run, run_chunk, reset)."""
from __future__ import annotations

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import NetworkError, ParameterError

DT = 0.1


# ================================================================== encoders on arrays
def test_poisson_encoder_rates_gain_offset_clip_and_copies():
    enc = sl.PoissonEncoder(dims=2, gain=100.0, offset=10.0, max_rate=150.0)
    np.testing.assert_allclose(enc([0.5, 3.0]), [60.0, 150.0])            # 10 + 100 x, clipped at 150
    np.testing.assert_allclose(enc([-1.0, 0.0]), [0.0, 10.0])             # clipped at 0
    np.testing.assert_allclose(enc([0.5, 1.0], n=6), [60, 60, 60, 110, 110, 110])   # value k -> block k
    per_step = enc(np.array([[0.0, 0.1], [0.2, 0.3], [0.4, 0.5]]), steps=3, n=4)
    assert per_step.shape == (3, 4)
    np.testing.assert_allclose(per_step[:, ::2], [[10, 20], [30, 40], [50, 60]])
    with pytest.raises(ParameterError) as e:
        enc([0.5, 1.0], n=5)
    assert e.value.field == "n" and "multiple of 2" in str(e.value)


def test_current_encoder_scales_and_replicates():
    enc = sl.CurrentEncoder(gain=-2.0, offset=1.0, dims=2)
    np.testing.assert_allclose(enc([1.0, 3.0], n=4), [-1, -1, -5, -5])


def test_population_encoder_tuning_curves():
    enc = sl.PopulationEncoder(n=11, low=-1.0, high=1.0, width=1.5, max_rate=80.0, base_rate=2.0)
    c = enc.centres()
    np.testing.assert_allclose(c, np.linspace(-1, 1, 11))
    x = 0.33
    sigma = 1.5 * 0.2
    np.testing.assert_allclose(enc(x), 2.0 + 80.0 * np.exp(-(x - c) ** 2 / (2 * sigma ** 2)))
    assert np.argmax(enc(0.41)) == 7                                       # nearest centre: 0.4
    two = sl.PopulationEncoder(n=5, dims=2)([0.0, 1.0])
    assert two.shape == (10,) and np.argmax(two[:5]) == 0 and np.argmax(two[5:]) == 4


def test_population_encoder_circular_wraps():
    enc = sl.PopulationEncoder(n=12, low=0.0, high=360.0, circular=True, max_rate=50.0)
    np.testing.assert_allclose(enc.centres(), np.arange(12) * 30.0)      # 360 is 0 again
    np.testing.assert_allclose(enc(359.0), enc(-1.0))
    np.testing.assert_allclose(enc(0.0), enc(360.0))
    r = enc(5.0)
    assert r[11] > r[2] and np.isclose(r[11], enc(95.0)[2])               # 5 deg is 35 deg from 330
    lin = sl.PopulationEncoder(n=12, low=0.0, high=360.0, max_rate=50.0)
    assert lin(359.0)[0] < 1e-6                                            # no wrap when linear


@pytest.mark.parametrize("circular", [False, True])
def test_population_code_round_trip_recovers_value(circular):
    lo, hi = (0.0, 360.0) if circular else (-2.0, 2.0)
    enc = sl.PopulationEncoder(n=20, low=lo, high=hi, circular=circular, max_rate=100.0, base_rate=1.0)
    dec = enc.decoder()
    rng = np.random.default_rng(0)
    span = hi - lo
    xs = np.linspace(lo, hi, 41, endpoint=circular is False)
    if not circular:
        xs = xs[(xs > lo + 0.1 * span) & (xs < hi - 0.1 * span)]      # edge bias is documented
    for x in xs:
        counts = rng.poisson(enc(x) * 4.0)                               # 4 s of Poisson spikes
        got = dec(counts)[0]
        err = (got - x + span / 2) % span - span / 2 if circular else got - x
        assert abs(err) < 0.01 * span, (x, got)
    assert np.isnan(dec(np.zeros(20)))[0]                                 # no spikes: NaN, documented
    assert dec(enc(lo + 1e-12))[0] < hi                                   # the value stays in [low, high)


def test_population_decoder_ignores_activity_far_from_the_peak():
    enc = sl.PopulationEncoder(n=21, low=0.0, high=1.0, max_rate=100.0)
    counts = np.round(enc(0.6)).astype(int)
    counts[0] += 30                                                        # a burst far away (at 0.0)
    assert abs(enc.decoder()(counts)[0] - 0.6) < 0.01
    assert enc.decoder()(counts, steps=1)[0] == enc.decoder()(counts)[0]


def test_latency_encoder_exact_steps_and_monotone():
    enc = sl.LatencyEncoder(dims=5, low=0.0, high=2.0, window=5.0)
    W = enc.window_steps(DT)
    assert W == 50
    x = np.array([2.0, 1.5, 1.0, 0.0, 7.0])                              # 7 is clipped to high
    out = enc(x, steps=80, dt=DT)
    assert out.shape == (80, 5) and np.all(out.sum(0) == 1)               # one spike each
    first = np.argmax(out, axis=0)
    expect = np.floor(49 * (2.0 - np.clip(x, 0, 2)) / 2.0 + 0.5)
    np.testing.assert_array_equal(first, expect)
    np.testing.assert_array_equal(first, [0, 12, 25, 49, 0])
    grid = np.linspace(-1.0, 3.0, 401)
    s = enc.spike_step(grid, DT)
    assert np.all(np.diff(s) <= 0) and s.min() == 0 and s.max() == W - 1
    assert np.all(np.diff(enc.spike_step(np.linspace(0, 2, 50), DT)) < 0)   # distinct steps when spaced > 1 step


def test_latency_encoder_repeat_and_short_call():
    enc = sl.LatencyEncoder(low=0.0, high=1.0, window=1.0, repeat=True)
    vals = np.linspace(1.0, 0.0, 35)                                      # per-step values
    out = enc(vals, steps=35, dt=DT)[:, 0]
    spikes = np.flatnonzero(out)
    starts = np.array([0, 10, 20, 30])
    t = starts + enc.spike_step(vals[starts], DT)
    np.testing.assert_array_equal(spikes, t[t < 35])
    assert t[-1] >= 35                                                    # the last window's spike is cut off
    assert sl.LatencyEncoder(window=1.0)(0.5, steps=35, dt=DT).sum() == 1   # no repeat: one window
    with pytest.raises(ParameterError) as e:
        sl.LatencyEncoder(window=1.0)(0.5, steps=5, dt=DT)
    assert e.value.field == "steps" and "10 steps" in str(e.value)


def _delta_reference(x, thr):
    """Straightforward scalar loop of the send-on-delta rule."""
    T, d = x.shape
    out = np.zeros((T, 2 * d))
    for k in range(d):
        ref = x[0, k]
        for t in range(T):
            if x[t, k] - ref > thr:
                out[t, 2 * k], ref = 1, x[t, k]
            elif ref - x[t, k] > thr:
                out[t, 2 * k + 1], ref = 1, x[t, k]
    return out


def test_delta_encoder_spikes_exactly_when_moved_more_than_threshold():
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.normal(0, 0.05, (400, 3)), axis=0)
    enc = sl.DeltaEncoder(threshold=0.2, dims=3)
    out = enc(x, steps=400)
    np.testing.assert_array_equal(out, _delta_reference(x, 0.2))
    assert out.sum() > 20 and not np.any(out[:, ::2] * out[:, 1::2])      # never up and down at once
    # exactly at the threshold: no spike (strictly more than)
    np.testing.assert_array_equal(sl.DeltaEncoder(threshold=0.5)([0.0, 0.5, 1.0, 1.25, 0.49], steps=5),
                                  [[0, 0], [0, 0], [1, 0], [0, 0], [0, 1]])
    # the reference carries over between calls: two halves == the whole
    st = enc.init()
    st, a = enc.encode(st, x[:150], steps=150)
    st, b = enc.encode(st, x[150:], steps=250)
    np.testing.assert_array_equal(np.concatenate([a, b]), out)


@pytest.mark.parametrize("make,values,field,needle", [
    (lambda: sl.PoissonEncoder(dims=2), [1.0, 2.0, 3.0], "values", "(2,)"),
    (lambda: sl.PoissonEncoder(dims=2), [1.0, np.nan], "values", "finite"),
    (lambda: sl.PopulationEncoder(), "left", "values", "numbers"),
    (lambda: sl.DeltaEncoder(dims=2), np.zeros((7, 2)), "values", "(10, 2)"),
])
def test_encoder_bad_values(make, values, field, needle):
    with pytest.raises(ParameterError) as e:
        make()(values, steps=10)
    assert e.value.field == field and needle in str(e.value), str(e.value)


def test_options_are_validated_and_part_of_identity():
    with pytest.raises(ParameterError) as e:
        sl.PopulationEncoder(circular="yes")
    assert e.value.field == "circular" and "True" in e.value.hint
    with pytest.raises(ParameterError) as e:
        sl.PopulationEncoder(circluar=True)
    assert "did you mean 'circular'" in str(e.value)
    with pytest.raises(ParameterError):
        sl.PopulationEncoder(low=1.0, high=1.0)                           # low < high
    a, b = sl.PopulationEncoder(circular=True), sl.PopulationEncoder()
    assert a != b and a == sl.PopulationEncoder(circular=True) and "circular=True" in repr(a)
    assert a.replace(n=8).options["circular"] is True
    assert a.replace(width=2.0).decoder() == sl.PopulationDecoder(width=2.0, circular=True)
    assert sl.Subset("x", k=2) == sl.Subset("x", k=2) != sl.Subset("y", k=2)
    assert repr(sl.Subset(sl.Concat("a", "b"), k=3)) == "Subset(Concat('a', 'b'), k=3)"
    assert sl.PoissonEncoder.kind == "encoder" and sl.RateDecoder.kind == "decoder" and sl.Subset.kind == "routing"


# ================================================================== decoders on arrays
def test_count_decoder_groups_and_total():
    dec = sl.CountDecoder(groups=3)
    st = dec.init(6)
    st, v = dec.step(st, np.array([1, 2, 0, 0, 5, 1]))
    np.testing.assert_array_equal(v, [3, 0, 6])
    spikes = np.zeros((4, 6), bool)
    spikes[:, 2] = True
    st, v = dec.step(st, spikes)
    np.testing.assert_array_equal(v, [0, 4, 0])
    np.testing.assert_array_equal(st["total"], [3, 4, 6])
    with pytest.raises(ParameterError) as e:
        dec.init(7)
    assert e.value.field == "groups"


def test_winner_take_all_argmax_ties_and_silence():
    wta = sl.WinnerTakeAll(groups=4)
    assert wta(np.array([0, 1, 3, 0, 2, 3, 0, 0])) == 2                  # sums 1, 3, 5, 0
    assert wta(np.array([2, 0, 1, 1, 0, 0, 2, 0])) == 0                  # tie 2, 2, 0, 2: lowest index
    assert wta(np.zeros(8)) == -1                                          # nobody spiked


def test_rate_decoder_matches_analytic_step_response():
    tau = 20.0
    dec = sl.RateDecoder(tau=tau)
    K = 300
    # a neuron spiking every step fires at 1000/dt Hz: r(t) = nu (1 - exp(-t/tau)), exactly
    st = dec.init(1)
    st, r = dec.step(st, np.ones((K, 1)), dt=DT)
    nu = 1000.0 / DT
    np.testing.assert_allclose(r, nu * (1 - np.exp(-K * DT / tau)), rtol=1e-12)
    # per step, the recursion r <- lam r + (1 - lam) 1000 s/dt
    lam, ref, rs = np.exp(-DT / tau), 0.0, []
    train = (np.arange(K) % 7 == 0).astype(float)[:, None]
    for s in train[:, 0]:
        ref = lam * ref + (1 - lam) * 1000.0 * s / DT
        rs.append(ref)
    np.testing.assert_allclose(dec(train, dt=DT), [ref], rtol=1e-12)
    # counts per chunk at a constant rate: the step response at every chunk end, whatever the chunking
    st, t, rate = dec.init(2), 0, 40.0
    for k in (10, 250, 3, 1000, 77):
        cnt = np.full(2, rate * k * DT / 1000.0)                          # expected counts (fractional ok)
        st, r = dec.step(st, cnt, steps=k, dt=DT)
        t += k
        np.testing.assert_allclose(r, rate * (1 - np.exp(-t * DT / tau)), rtol=1e-12)
    with pytest.raises(ParameterError) as e:
        dec(np.ones(3))
    assert e.value.field == "steps"


def test_rate_decoder_groups_average_neurons():
    dec = sl.RateDecoder(tau=10.0, groups=2)
    r = dec(np.array([10, 30, 0, 0]), steps=10_000, dt=DT)              # 1 s: 10 and 30 Hz -> mean 20
    np.testing.assert_allclose(r, [20.0 * (1 - np.exp(-100.0)), 0.0])


# ================================================================== routing on arrays
def test_concat_and_subset_on_arrays():
    a, b = np.arange(3), np.arange(10, 15)
    np.testing.assert_array_equal(sl.Concat()(a, b), np.r_[a, b])
    np.testing.assert_array_equal(sl.Concat("a", "b")({"b": b, "a": a}), np.r_[a, b])
    sub = sl.Subset(k=4, seed=7)
    idx = sub.indices(20)
    assert len(set(idx)) == 4 and np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(idx, sl.Subset(k=4, seed=7).indices(20))
    assert not np.array_equal(idx, sl.Subset(k=4, seed=8).indices(20))
    x = np.arange(40).reshape(2, 20)
    np.testing.assert_array_equal(sub(x), x[:, idx])
    with pytest.raises(ParameterError) as e:
        sl.Subset(k=30)(np.zeros(20))
    assert e.value.field == "k"


def test_subset_of_concat_resolves_to_pools():
    r = sl.Subset(sl.Concat("a", "b"), k=5, seed=1)
    segs = r.resolve({"a": 4, "b": 6})
    flat = np.concatenate([np.where([p == "a"] * len(i), i, i + 4) for p, i in segs])
    np.testing.assert_array_equal(flat, sl.Subset(k=5, seed=1).indices(10))
    assert r.pools() == ("a", "b") and r.size({"a": 4, "b": 6}) == 5


# ================================================================== as network nodes
def _pop_net(value_enc, out_pool=True):
    net = sl.Network(dt=DT, seed=5)
    net.add_input("obs", value_enc)
    net.add_pool("out", sl.LIF(tau_m=10.0), n=value_enc.size())
    net.connect("obs", "out", synapse=sl.Delta(), connectivity=sl.OneToOne(), weight=16.0)
    net.add_output("decoded", value_enc.decoder(), source="out")
    return net


def test_population_code_through_a_lif_pool_is_decoded_back():
    enc = sl.PopulationEncoder(n=16, low=-1.0, high=1.0, max_rate=200.0, dims=2)
    net = _pop_net(enc)
    assert isinstance(net.pools["obs"].model, sl.PoissonSource) and net.pools["obs"].n == 32
    assert net.inputs["obs"].pool == "obs" and net.outputs["decoded"].n == 32
    sim = net.build()
    for v in ([0.3, -0.55], [-0.2, 0.7]):
        res = sim.run(4000, inputs={"obs": v})                             # 400 ms
        assert res.counts["out"].sum() > 200
        np.testing.assert_allclose(res.outputs["decoded"], v, atol=0.06)


def test_poisson_encoder_node_empirical_rate():
    net = sl.Network(dt=DT, seed=2)
    net.add_input("p", sl.PoissonEncoder(dims=2, gain=100.0, offset=5.0), n=400)
    net.add_output("rates", sl.CountDecoder(groups=2), source="p")
    sim = net.build()
    res = sim.run(10_000, inputs={"p": [0.15, 0.45]})                      # 1 s: expect 20 and 50 Hz
    emp = res.outputs["rates"] / 200 / 1.0
    np.testing.assert_allclose(emp, [20.0, 50.0], rtol=0.06)
    res = sim.run(10_000)                                                  # no value given: rate 0
    assert res.counts["p"].sum() == 0


def test_spike_encoders_drive_spike_input_pools_exactly():
    net = sl.Network(dt=DT, seed=0)
    lat = sl.LatencyEncoder(dims=3, window=2.0)
    net.add_input("lat", lat)
    net.add_input("dlt", sl.DeltaEncoder(threshold=0.25))
    assert isinstance(net.pools["lat"].model, sl.SpikeInput) and net.pools["dlt"].n == 2
    net.record("lat", "spikes")
    net.record("dlt", "spikes")
    sim = net.build()
    sig = np.sin(np.linspace(0, 4 * np.pi, 60))
    res = sim.run(60, inputs={"lat": [0.1, 0.5, 0.9], "dlt": sig}, chunk=25)
    np.testing.assert_array_equal(res.records["lat.spikes"], lat([0.1, 0.5, 0.9], steps=60, dt=DT) > 0)
    np.testing.assert_array_equal(res.records["dlt.spikes"], _delta_reference(sig[:, None], 0.25) > 0)


def test_current_encoder_injects_like_raw_input_and_adds_to_it():
    def build(with_node):
        net = sl.Network(dt=DT, seed=1)
        net.add_pool("exc", sl.LIF(v_init_low=-65.0, v_init_high=-55.0), n=6)
        if with_node:
            net.add_input("drive", sl.CurrentEncoder(gain=20.0, offset=2.0, dims=2), target="exc")
        return net.build()
    a = build(True).run(2000, inputs={"drive": [1.5, 0.8], "exc": 1.0}).counts["exc"]
    b = build(False).run(2000, inputs={"exc": np.r_[[33.0] * 3, [19.0] * 3]}).counts["exc"]
    np.testing.assert_array_equal(a, b)
    assert a[:3].sum() > a[3:].sum() > 0


def test_closed_loop_run_chunk_outputs_and_decoder_state():
    net = sl.Network(dt=DT, seed=3)
    net.add_input("obs", sl.PoissonEncoder(dims=2, gain=400.0), n=40)
    net.add_output("action", sl.WinnerTakeAll(groups=2), source="obs")
    net.add_output("rate", sl.RateDecoder(tau=20.0, groups=2), source=sl.Subset("obs", k=40, seed=0))
    sim = net.build()
    obs, actions, rates, counts = np.array([1.0, 0.0]), [], [], []
    for _ in range(12):
        out = sim.run_chunk(50, inputs={"obs": obs}, readout=("obs",), outputs=("action", "rate"))
        actions.append(out["action"])
        rates.append(out["rate"])
        counts.append(out["obs"])
        obs = np.eye(2)[1 - out["action"]]                                # the policy: show the other one
    assert set(out) == {"obs", "action", "rate"}
    assert actions[:4] == [0, 1, 0, 1]
    # the decoder state carried across chunks == the same decoder fed the chunk counts offline
    dec = sl.RateDecoder(tau=20.0, groups=2)
    st = dec.init(40)
    for c, r in zip(counts, rates):
        st, v = dec.step(st, c, steps=50, dt=DT)
        np.testing.assert_allclose(r, v)
    assert sim.run_chunk(10, inputs={"obs": obs}) == {}                    # nothing asked, nothing returned
    with pytest.raises(NetworkError) as e:
        sim.run_chunk(10, outputs=("actoin",))
    assert "did you mean 'action'" in str(e.value)


def test_reset_resets_decoder_and_encoder_state():
    net = sl.Network(dt=DT, seed=4)
    net.add_input("sig", sl.DeltaEncoder(threshold=0.1))
    net.add_input("p", sl.PoissonEncoder(gain=100.0), n=20)
    net.add_output("r", sl.RateDecoder(tau=50.0), source=["p", "sig"])
    sim = net.build()
    first = sim.run(500, inputs={"p": 0.8, "sig": 0.0}).outputs["r"]
    second = sim.run(500, inputs={"p": 0.8, "sig": 0.5}).outputs["r"]
    assert first.shape == (22,) and not np.allclose(first, second)
    assert second[20] > 0                                                  # sig moved 0.5 since its reference
    sim.reset()
    assert np.all(sim.io.dec["r"]["rate"] == 0) and sim.io.enc["sig"]["ref"] is None
    again = sim.run(500, inputs={"p": 0.8, "sig": 0.5}).outputs["r"]
    np.testing.assert_array_equal(again[:20], first[:20])                  # same seed, fresh filter
    assert again[20] == 0 and again[21] == 0                               # first value only sets the reference


def test_outputs_do_not_depend_on_chunking():
    enc = sl.PopulationEncoder(n=8, max_rate=300.0)
    outs = []
    for chunk in (None, 700):
        net = sl.Network(dt=DT, seed=9)
        net.add_input("obs", enc)
        net.add_output("c", sl.CountDecoder(groups=4), source="obs")
        outs.append(net.build().run(2000, inputs={"obs": 0.4}, chunk=chunk).outputs["c"])
    np.testing.assert_array_equal(*outs)


@pytest.mark.parametrize("value,field,needle", [
    ([0.1, 0.2, 0.3], "values", "(2,)"),
    ([0.1, np.nan], "values", "finite"),
    (np.zeros((3, 2)), "values", "(20, 2)"),
    ("up", "values", "numbers"),
])
def test_bad_input_values_name_the_node(value, field, needle):
    net = sl.Network(dt=DT)
    net.add_input("obs", sl.PopulationEncoder(n=4, dims=2))
    sim = net.build()
    for call in (lambda: sim.run(20, inputs={"obs": value}), lambda: sim.run_chunk(20, inputs={"obs": value})):
        with pytest.raises(ParameterError) as e:
            call()
        assert "input 'obs' (PopulationEncoder)" in e.value.component and e.value.field == field
        assert needle in str(e.value), str(e.value)
    assert sim.t == 0


def test_bad_node_definitions():
    net = sl.Network(dt=DT)
    net.add_pool("exc", sl.LIF(), n=10)
    with pytest.raises(ParameterError) as e:
        net.add_input("obs", sl.PopulationEncoder(n=4), n=5)
    assert e.value.field == "n" and "input 'obs'" in e.value.component
    with pytest.raises(NetworkError, match="target"):
        net.add_input("drive", sl.CurrentEncoder())
    with pytest.raises(ParameterError) as e:
        net.add_input("drive", sl.CurrentEncoder(dims=3), target="exc")   # 10 neurons, 3 values
    assert e.value.field == "n"
    with pytest.raises(NetworkError, match="did you mean 'exc'"):
        net.add_output("o", sl.CountDecoder(), source="exx")
    with pytest.raises(ParameterError) as e:
        net.add_output("o", sl.WinnerTakeAll(groups=3), source="exc")
    assert e.value.field == "groups" and "output 'o' (WinnerTakeAll)" in e.value.component
    with pytest.raises(NetworkError, match="pool"):
        net.add_output("exc", sl.CountDecoder(), source="exc")
    with pytest.raises(NetworkError, match="encoder"):
        net.add_input("x", sl.CountDecoder())
    net.add_input("obs", sl.PoissonEncoder())
    with pytest.raises(NetworkError, match="did you mean 'obs'"):
        net.build().run(10, inputs={"ob": 1.0})


def test_input_nodes_coexist_with_raw_input_and_modulator_channels():
    from spark_lab.plasticity import ThreeFactor

    net = sl.Network(dt=DT, seed=6)
    net.add_input("obs", sl.PoissonEncoder(gain=300.0), n=20)
    net.add_pool("out", sl.LIF(tau_m=10.0), n=10)
    net.add_input("drive", sl.CurrentEncoder(gain=5.0), target="out")
    net.connect("obs", "out", connectivity=sl.AllToAll(), weight=1.0, name="ff",
                plasticity=ThreeFactor(eta=50.0, w_min=0.0, w_max=5.0))
    sim = net.build()
    w0 = sim.synapses("ff")[2]
    sim.run(1000, inputs={"obs": 1.0, "drive": 2.0, "out": 8.0, "reward": 0.0})
    assert np.array_equal(sim.synapses("ff")[2], w0)                      # no modulator, no change
    sim.run(1000, inputs={"obs": 1.0, "drive": 2.0, "out": 8.0, "reward": 1.0})
    assert not np.array_equal(sim.synapses("ff")[2], w0)                  # the channel got through
    with pytest.raises(NetworkError, match="did you mean 'out'"):
        sim.run(10, inputs={"obs": 1.0, "ot": 1.0})


def test_nodes_whose_pool_was_removed_are_reported_at_build():
    net = sl.Network(dt=DT)
    net.add_input("obs", sl.PoissonEncoder())
    net.add_pool("out", sl.LIF(), n=4)
    net.add_output("c", sl.CountDecoder(), source="out")
    net.remove_pool("out")
    with pytest.raises(NetworkError, match="output 'c'.*'out' is no longer"):
        net.build()
    net.remove_output("c")
    net.add_pool("other", sl.LIF(), n=4)
    net.remove_pool("obs")
    with pytest.raises(NetworkError, match="input 'obs'.*no longer"):
        net.build()


def test_encoder_rates_above_one_spike_per_step_are_refused():
    """A Poisson neuron spikes at most once per step: an encoder whose highest rate is over
    1000/dt Hz would saturate silently, so it is refused naming max_rate and the limit."""
    enc = sl.PoissonEncoder(dims=1, gain=100.0, max_rate=5000.0)
    assert np.allclose(enc(np.array([100.0]), steps=1, dt=0.1), 5000.0)      # 5 kHz <= 10 kHz at dt 0.1
    with pytest.raises(sl.ParameterError, match="1000/dt = 1000 Hz") as e:
        enc(np.array([1.0]), steps=1, dt=1.0)
    assert e.value.field == "max_rate"
    pop = sl.PopulationEncoder(dims=1, max_rate=900.0, base_rate=200.0)
    with pytest.raises(sl.ParameterError) as e:
        pop(np.array([0.0]), steps=1, dt=1.0)
    assert e.value.field == "max_rate"
