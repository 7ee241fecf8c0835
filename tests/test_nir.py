"""NIR import and export (spark_lab/nir, docs/nir.md).

The references here integrate NIR's equations themselves: each neuron's linear ODE between
spikes is propagated with scipy's matrix exponential of its own system matrix, with the
delivery schedule docs/nir.md states (a spike of step k acts from step k+1: a synaptic
current jumps at the start of step k+1, a membrane jump lands at its end and is lost when
the target fired in step k)."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import spark_lab as sl
from spark_lab.errors import ParameterError

nir = pytest.importorskip("nir")

DT = 0.1                      # ms
DT_S = DT * 1e-3              # the same in NIR's seconds


def _arr(*x):
    return np.asarray(x, np.float64)


def _propagator(A):
    """exp(A dt) for an ODE x' = A x with dt in seconds (time constants in seconds)."""
    return scipy.linalg.expm(A * DT_S)


class RefCubaLIF:
    """tau_syn I' = -I + w_in b;  tau_mem v' = (v_leak - v) + r I; augmented state [I, v, 1]."""

    def __init__(self, tau_mem, tau_syn, r, v_leak, v_th, v_reset, w_in, bias, spiking=True):
        n = len(tau_mem)
        self.P = [_propagator(np.array([[-1 / ts, 0, wi * b / ts], [r_ / tm, -1 / tm, vl / tm], [0, 0, 0]]))
                  for tm, ts, r_, vl, wi, b in zip(tau_mem, tau_syn, r, v_leak, w_in, bias)]
        self.I = np.asarray(w_in) * bias                  # the documented start: I at its steady value
        self.v = np.array(v_leak, np.float64)
        self.th, self.reset, self.k = v_th, v_reset, np.asarray(w_in) / tau_syn
        self.spiking, self.n = spiking, n

    def step(self, x):
        """x: summed NIR weights of the spikes delivered now (area 1 each)."""
        self.I = self.I + self.k * x
        for i in range(self.n):
            self.I[i], self.v[i], _ = self.P[i] @ np.array([self.I[i], self.v[i], 1.0])
        s = (self.v > self.th) if self.spiking else np.zeros(self.n, bool)
        self.v = np.where(s, self.reset, self.v)
        return s


class RefLIF:
    """tau v' = (v_leak - v) + r b between spikes; a Dirac of weight W makes a jump r W / tau."""

    def __init__(self, tau, r, v_leak, v_th, v_reset, bias, leak=True):
        self.P = [_propagator(np.array([[-1 / t if leak else 0, ((vl + r_ * b) / t) if leak else r_ * b], [0, 0]]))
                  for t, r_, vl, b in zip(tau, r, v_leak, bias)]
        self.v = np.array(v_leak if leak else np.zeros(len(tau)), np.float64)
        self.k = np.asarray(r) / np.asarray(tau) if leak else np.asarray(r, np.float64)
        self.th, self.reset, self.last = v_th, v_reset, np.zeros(len(tau), bool)

    def step(self, x):
        self.v = np.array([P @ np.array([v, 1.0]) for P, v in zip(self.P, self.v)])[:, 0]
        self.v = self.v + np.where(self.last, 0.0, self.k * x)       # lost when it fired the step before
        s = self.v > self.th
        self.v = np.where(s, self.reset, self.v)
        self.last = s
        return s


def _input_spikes(steps, n, rate, seed):
    return (np.random.default_rng(seed).random((steps, n)) < rate).astype(np.float32)


def _run(net, pools, steps, inp, name="input", extra=()):
    sim = net.build()
    res = sim.run(steps, inputs={name: inp}, record=[f"{p}.spikes" for p in pools] + list(extra))
    return res.records


def _feedforward_graph():
    w1 = _arr([8.0, 5.0, 0.0, 3.0], [0.0, 6.0, 7.0, -2.0], [4.0, 0.0, 9.0, 5.0])       # (out 3, in 4)
    b1 = _arr(0.5, 0.0, 0.9)
    cuba = nir.CubaLIF(tau_mem=_arr(0.01, 0.015, 0.02), tau_syn=_arr(0.004, 0.005, 0.003), r=_arr(2.0, 1.5, 1.0),
                       v_leak=_arr(0.0, 0.1, -0.1), v_threshold=_arr(1.0, 0.8, 1.2), v_reset=_arr(0.0, 0.0, -0.2),
                       w_in=_arr(1.0, 0.5, 2.0))
    w2 = _arr([0.02, 0.015, 0.03], [0.01, 0.03, 0.0])
    lif = nir.LIF(tau=_arr(0.02, 0.01), r=_arr(1.0, 2.0), v_leak=_arr(0.0, 0.0), v_threshold=_arr(0.5, 0.6),
                  v_reset=_arr(0.0, 0.1))
    g = nir.NIRGraph.from_list(nir.Input(input_type=np.array([4])), nir.Affine(weight=w1, bias=b1), cuba,
                               nir.Linear(weight=w2), lif)
    return g, (w1, b1, cuba, w2, lif)


def _reference_feedforward(parts, inp):
    w1, b1, c, w2, l = parts
    ref1 = RefCubaLIF(c.tau_mem, c.tau_syn, c.r, c.v_leak, c.v_threshold, c.v_reset, c.w_in, b1)
    ref2 = RefLIF(l.tau, l.r, l.v_leak, l.v_threshold, l.v_reset, np.zeros(2))
    s0p, s1p = np.zeros(4), np.zeros(3)
    out1, out2 = [], []
    for k in range(len(inp)):
        s1 = ref1.step(w1 @ s0p)
        s2 = ref2.step(w2 @ s1p)
        s0p, s1p = inp[k], s1.astype(float)
        out1.append(s1)
        out2.append(s2)
    return np.array(out1), np.array(out2)


def test_feedforward_graph_matches_reference_of_nir_equations():
    g, parts = _feedforward_graph()
    net = sl.nir.load(g, dt=DT)
    assert set(net.pools) == {"input", "cubalif", "lif"}
    inp = _input_spikes(3000, 4, 0.03, 1)
    rec = _run(net, ("cubalif", "lif"), 3000, inp)
    r1, r2 = _reference_feedforward(parts, inp)
    assert r1.sum() > 20 and r2.sum() > 5
    np.testing.assert_array_equal(rec["cubalif.spikes"], r1)
    np.testing.assert_array_equal(rec["lif.spikes"], r2)


def test_file_round_trip_of_nir_graph(tmp_path):
    g, parts = _feedforward_graph()
    path = tmp_path / "ff.nir"
    nir.write(str(path), g)
    net = sl.nir.load(path, dt=DT)
    inp = _input_spikes(2000, 4, 0.03, 2)
    rec = _run(net, ("cubalif", "lif"), 2000, inp)
    r1, r2 = _reference_feedforward(parts, inp)
    np.testing.assert_array_equal(rec["lif.spikes"], r2)
    np.testing.assert_array_equal(rec["cubalif.spikes"], r1)


def test_recurrent_if_with_delay_and_scale_matches_reference():
    rng = np.random.default_rng(3)
    n_in, n = 5, 6
    w_in = rng.uniform(0.0, 0.5, (n, n_in))
    w_rec = rng.uniform(-0.3, 0.3, (n, n)) * (1 - np.eye(n))
    scale = rng.uniform(0.5, 1.5, n)
    nodes = {"inp": nir.Input(input_type=np.array([n_in])), "w": nir.Linear(weight=w_in),
             "s": nir.Scale(scale=scale), "if": nir.IF(r=np.full(n, 2.0), v_threshold=np.full(n, 1.0),
                                                      v_reset=np.zeros(n)),
             "rec": nir.Linear(weight=w_rec), "d": nir.Delay(delay=np.full(n, 3 * DT_S)),
             "out": nir.Output(output_type=np.array([n]))}
    edges = [("inp", "w"), ("w", "s"), ("s", "if"), ("if", "rec"), ("rec", "d"), ("d", "if"), ("if", "out")]
    net = sl.nir.load(nir.NIRGraph(nodes=nodes, edges=edges), dt=DT)
    assert net.projections["if->if"].delay == pytest.approx(0.3)
    steps = 1500
    inp = _input_spikes(steps, n_in, 0.05, 4)
    rec = _run(net, ("if",), steps, inp, name="inp")
    ref = RefLIF(np.ones(n), np.full(n, 2.0), np.zeros(n), np.ones(n), np.zeros(n), np.zeros(n), leak=False)
    hist = [np.zeros(n)] * 4
    prev_in, out = np.zeros(n_in), []
    for k in range(steps):
        x = (w_in @ prev_in) * scale + w_rec @ hist[-4]       # a Delay of 3 steps on top of the step's delivery
        s = ref.step(x)
        prev_in = inp[k]
        hist = hist[1:] + [s.astype(float)]
        out.append(s)
    out = np.array(out)
    assert out.sum() > 30
    np.testing.assert_array_equal(rec["if.spikes"], out)


def test_li_readout_records_voltage_matching_reference():
    w = _arr([0.004, 0.002], [0.0, 0.005])
    li = nir.LI(tau=_arr(0.005, 0.01), r=_arr(1.0, 1.0), v_leak=_arr(0.0, 0.0))
    g = nir.NIRGraph.from_list(nir.Input(input_type=np.array([2])), nir.Linear(weight=w), li)
    net = sl.nir.load(g, dt=DT)
    assert net.records[0].var == "v"
    inp = _input_spikes(800, 2, 0.05, 5)
    rec = sl.nir.load(g, dt=DT).build().run(800, inputs={"input": inp}, record=["li.v"]).records["li.v"]
    ref = RefLIF(li.tau, li.r, li.v_leak, np.full(2, np.inf), np.zeros(2), np.zeros(2))
    prev, vs = np.zeros(2), []
    for k in range(800):
        ref.step(w @ prev)
        prev = inp[k]
        vs.append(ref.v.copy())
    np.testing.assert_allclose(rec, np.array(vs), rtol=1e-4, atol=1e-5)


def _subgraph_net(nested: bool):
    rng = np.random.default_rng(6)
    w_in, w_rec = rng.uniform(0, 0.04, (4, 3)), rng.uniform(-0.02, 0.02, (4, 4))
    lif = nir.LIF(tau=np.full(4, 0.01), r=np.full(4, 1.0), v_leak=np.zeros(4), v_threshold=np.full(4, 1.0),
                  v_reset=np.zeros(4))
    if not nested:
        nodes = {"input": nir.Input(input_type=np.array([3])), "fc": nir.Linear(weight=w_in), "lif": lif,
                 "rec": nir.Linear(weight=w_rec), "output": nir.Output(output_type=np.array([4]))}
        edges = [("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")]
        return nir.NIRGraph(nodes=nodes, edges=edges)
    sub = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([4])), "lif": lif,
                              "rec": nir.Linear(weight=w_rec), "output": nir.Output(output_type=np.array([4]))},
                       edges=[("input", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")])
    nodes = {"input": nir.Input(input_type=np.array([3])), "fc": nir.Linear(weight=w_in), "rleaky": sub,
             "output": nir.Output(output_type=np.array([4]))}
    return nir.NIRGraph(nodes=nodes, edges=[("input", "fc"), ("fc", "rleaky"), ("rleaky", "output")])


def test_nested_graph_gives_the_spikes_of_its_flat_equivalent():
    inp = _input_spikes(2000, 3, 0.2, 7)
    flat = _run(sl.nir.load(_subgraph_net(False), dt=DT), ("lif",), 2000, inp)["lif.spikes"]
    net = sl.nir.load(_subgraph_net(True), dt=DT)
    assert "rleaky_lif" in net.pools and net.records[0].pool == "rleaky_lif"
    nested = _run(net, ("rleaky_lif",), 2000, inp)["rleaky_lif.spikes"]
    assert flat.sum() > 10
    np.testing.assert_array_equal(nested, flat)


def _conv_reference(x, w, b, stride, pad):
    """Cross-correlation as torch's Conv2d defines it, by explicit loops."""
    ci, h, wd = x.shape
    co, _, kh, kw = w.shape
    xp = np.zeros((ci, h + 2 * pad, wd + 2 * pad))
    xp[:, pad:pad + h, pad:pad + wd] = x
    ho, wo = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((co, ho, wo))
    for o in range(co):
        for i in range(ho):
            for j in range(wo):
                y[o, i, j] = np.sum(xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw] * w[o]) + b[o]
    return y


def test_conv_and_pooling_become_the_dense_matrices_of_their_definitions():
    from spark_lab.nir._linear import conv_operator
    rng = np.random.default_rng(8)
    w, b = rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    conv = nir.Conv2d(input_shape=(5, 6), weight=w, stride=2, padding=1, dilation=1, groups=1, bias=b)
    x = rng.normal(size=(2, 5, 6))
    k, shape, bias = conv_operator("c", conv, (2, 5, 6))
    np.testing.assert_allclose((x.ravel() @ k + bias).reshape(shape), _conv_reference(x, w, b, 2, 1), atol=1e-12)
    pool = nir.AvgPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0]))
    k, shape, _ = conv_operator("p", pool, (2, 4, 6))
    x = rng.normal(size=(2, 4, 6))
    np.testing.assert_allclose((x.ravel() @ k).reshape(shape), x.reshape(2, 2, 2, 3, 2).mean(axis=(2, 4)))


def test_conv_graph_imports_as_a_dense_projection():
    rng = np.random.default_rng(9)
    w = rng.uniform(0, 1, (2, 1, 3, 3))
    lif = nir.LIF(tau=np.full((2, 4, 4), 0.01), r=np.ones((2, 4, 4)), v_leak=np.zeros((2, 4, 4)),
                  v_threshold=np.ones((2, 4, 4)), v_reset=np.zeros((2, 4, 4)))
    nodes = {"input": nir.Input(input_type=np.array([1, 4, 4])),
             "conv": nir.Conv2d(input_shape=(4, 4), weight=w, stride=1, padding=1, dilation=1, groups=1,
                                bias=np.zeros(2)),
             "lif": lif, "flat": nir.Flatten(input_type={"input": np.array([2, 4, 4])}, start_dim=0),
             "output": nir.Output(output_type=np.array([32]))}
    g = nir.NIRGraph(nodes=nodes, edges=[("input", "conv"), ("conv", "lif"), ("lif", "flat"), ("flat", "output")])
    net = sl.nir.load(g, dt=DT)
    m = net.projections["input->lif"].connectivity.matrix
    x = rng.normal(size=(1, 4, 4))
    expect = _conv_reference(x, w, np.zeros(2), 1, 1).ravel() * (1.0 / 0.01)        # r A / tau per spike
    np.testing.assert_allclose(x.ravel() @ m, expect, rtol=1e-12)


def _sl_network():
    net = sl.Network(dt=DT, seed=11)
    net.add_pool("stim", sl.SpikeInput(), 20)
    rng = np.random.default_rng(0)
    net.add_pool("exc", sl.LIF(tau_m=15.0, v_rest=-65.0, v_th=list(rng.uniform(-52, -49, 30)), v_reset=-68.0,
                               t_ref=0.0, v_init_low=-65.0, v_init_high=-65.0), 30, excitatory=0.8, g_inh=3.0)
    net.add_pool("out", sl.LIF(tau_m=10.0, t_ref=0.0), 5)
    net.connect("stim", "exc", synapse=sl.Exponential(tau=4.0), connectivity=sl.FixedProbability(p=0.4),
                weight=sl.Uniform(3.0, 9.0))
    net.connect("exc", "exc", synapse=sl.Exponential(tau=4.0), connectivity=sl.FixedProbability(p=0.2),
                weight=2.0, delay=0.5)
    net.connect("exc", "out", synapse=sl.Delta(), connectivity=sl.AllToAll(), weight=1.5, delay=0.2)
    return net


@pytest.mark.parametrize("area", [1.0, 1e-4])
def test_round_trip_spark_lab_nir_spark_lab_gives_the_same_spikes(tmp_path, area):
    net = _sl_network()
    inp = _input_spikes(3000, 20, 0.02, 12)
    before = _run(net, ("exc", "out"), 3000, inp, name="stim")
    path = tmp_path / "net.nir"
    sl.nir.save(net, path, spike_area=area)
    back = sl.nir.load(path, spike_area=area)
    assert back.dt == DT and set(back.pools) == {"stim", "exc", "out"}
    after = _run(back, ("exc", "out"), 3000, inp, name="stim")
    assert before["exc.spikes"].sum() > 50 and before["out.spikes"].sum() > 5
    for k in before:
        np.testing.assert_array_equal(after[k], before[k])


def test_round_trip_of_if_and_li_pools():
    net = sl.Network(dt=DT)
    net.add_pool("inp", sl.SpikeInput(), 3)
    net.add_pool("integ", sl.LIF(tau_m=1e30, v_rest=0.0, v_th=1.0, v_reset=0.0, t_ref=0.0, v_init_low=0.0,
                                 v_init_high=0.0), 2)
    net.add_pool("read", sl.LIF(tau_m=5.0, v_rest=0.0, v_th=1e30, v_reset=0.0, t_ref=0.0, v_init_low=0.0,
                                v_init_high=0.0), 2)
    net.connect("inp", "integ", synapse=sl.Delta(), connectivity=sl.AllToAll(), weight=0.3)
    net.connect("integ", "read", synapse=sl.Exponential(tau=2.0), connectivity=sl.OneToOne(), weight=0.5)
    g = sl.nir.to_graph(net)
    assert [type(g.nodes[k]).__name__ for k in ("inp", "integ", "read")] == ["Input", "IF", "CubaLI"]
    inp = _input_spikes(1000, 3, 0.1, 13)
    a = net.build().run(1000, inputs={"inp": inp}, record=["integ.spikes", "read.v"]).records
    b = sl.nir.load(g, dt=DT).build().run(1000, inputs={"inp": inp}, record=["integ.spikes", "read.v"]).records
    np.testing.assert_array_equal(a["integ.spikes"], b["integ.spikes"])
    np.testing.assert_allclose(a["read.v"], b["read.v"], rtol=1e-6)


@pytest.mark.parametrize("change, field, words", [
    (lambda n: n.add_pool("noise", sl.PoissonSource(rate=5.0), 3), "", "stochastic"),
    (lambda n: n.update_pool("out", model=sl.LIF(t_ref=2.0)), "t_ref", "refractory"),
    (lambda n: n.add_pool("ad", sl.AdEx(), 2), "", "adaptive exponential"),
    (lambda n: n.connect("stim", "out", synapse=sl.Conductance(), name="cond"), "synapse", "conductance"),
    (lambda n: n.connect("stim", "out", synapse=sl.Exponential(), name="mixed"), "synapse", "one kind"),
    (lambda n: n.connect("stim", "out", synapse=sl.Delta(), connectivity=sl.AllToAll(), weight=0.1,
                         plasticity=sl.STDP(), name="plastic"), "plasticity", "plasticity"),
])
def test_export_refuses_what_nir_lacks_by_name(tmp_path, change, field, words):
    net = _sl_network()
    change(net)
    path = tmp_path / "x.nir"
    with pytest.raises(ParameterError) as e:
        sl.nir.save(net, path)
    assert e.value.field == field and words in str(e.value)
    assert not path.exists()


def _lif(n=2):
    return nir.LIF(tau=np.full(n, 0.01), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.ones(n))


@pytest.mark.parametrize("graph, words", [
    (lambda: nir.NIRGraph.from_list(nir.Input(input_type=np.array([2])), nir.Threshold(threshold=np.ones(2))),
     "NIR node 'threshold' (Threshold)"),
    (lambda: nir.NIRGraph.from_list(nir.Input(input_type=np.array([2])), nir.Affine(weight=np.eye(2),
                                    bias=np.ones(2)), nir.IF(r=np.ones(2), v_threshold=np.ones(2))),
     "IF has no leak"),
    (lambda: nir.NIRGraph.from_list(nir.Input(input_type=np.array([2])), nir.Delay(delay=np.full(2, 0.25e-4)),
                                    _lif()), "whole steps"),
    (lambda: nir.NIRGraph.from_list(nir.Input(input_type=np.array([2])), nir.LI(tau=np.ones(2), r=np.ones(2),
                                    v_leak=np.zeros(2)), nir.Linear(weight=np.eye(2)), _lif()), "emit a voltage"),
    (lambda: nir.NIRGraph(nodes={"i": nir.Input(input_type=np.array([2])), "a": nir.Linear(weight=np.eye(2)),
                                 "b": nir.Linear(weight=np.eye(2)), "l": _lif()},
                          edges=[("i", "a"), ("a", "b"), ("b", "a"), ("b", "l")], type_check=False),
     "loop of linear nodes"),
    (lambda: nir.NIRGraph.from_list(nir.Input(input_type=np.array([2])),
                                    nir.LIF(tau=_arr(0.01, -1.0), r=np.ones(2), v_leak=np.zeros(2),
                                            v_threshold=np.ones(2))), "time constants are > 0"),
    (lambda: nir.NIRGraph.from_list(nir.Input(input_type=np.array([2])),
                                    nir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2),
                                            v_threshold=np.zeros(2), v_reset=np.ones(2))), "NIR node 'lif' (LIF)"),
    (lambda: nir.NIRGraph(nodes={"i": nir.Input(input_type=np.array([3])), "l": _lif()}, edges=[("i", "l")],
                          type_check=False), "3 values for 2 neurons"),
])
def test_bad_graphs_get_errors_naming_the_node(graph, words):
    with pytest.raises(ParameterError) as e:
        sl.nir.load(graph(), dt=DT)
    assert words in str(e.value)


def test_bad_files_get_clear_errors(tmp_path):
    junk = tmp_path / "junk.nir"
    junk.write_bytes(b"not an hdf5 file at all")
    with pytest.raises(ParameterError, match="junk.nir.*cannot be read as a NIR graph"):
        sl.nir.load(junk)
    with pytest.raises(ParameterError, match="does not exist"):
        sl.nir.load(tmp_path / "missing.nir")
    import h5py
    odd = tmp_path / "odd.nir"
    with h5py.File(odd, "w") as f:
        f.create_dataset("version", data="1.0")
        f.create_group("node").create_dataset("type", data="Banana")
    with pytest.raises(ParameterError, match="odd.nir"):
        sl.nir.load(odd)
    with pytest.raises(ParameterError, match="spike_area"):
        sl.nir.load(_subgraph_net(False), spike_area=0.0)


def test_cli_nir_import_and_export(tmp_path, capsys):
    from spark_lab.cli import main
    src = tmp_path / "g.nir"
    nir.write(str(src), _feedforward_graph()[0])
    out = tmp_path / "g.json"
    assert main(["nir", "import", str(src), str(out), "--dt", "0.1"]) == 0
    net = sl.load(out)
    assert set(net.pools) == {"input", "cubalif", "lif"}
    back = tmp_path / "back.nir"
    assert main(["nir", "export", str(out), str(back)]) == 0
    assert set(sl.nir.load(back).pools) == {"input", "cubalif", "lif"}
    assert main(["nir", "export", "balanced_ei", str(tmp_path / "no.nir")]) == 1
    assert "t_ref" in capsys.readouterr().err and not (tmp_path / "no.nir").exists()


def test_import_spark_lab_does_not_load_nir_or_h5py():
    import json
    import subprocess
    import sys
    code = "import json, sys, spark_lab; print(json.dumps(sorted(m for m in ('nir', 'h5py') if m in sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
