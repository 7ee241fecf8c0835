"""The simulator's public parts: the frozen layout and its structure signature, padding,
the parameter store's stage/merge/apply, declarations of every parameter, state tree access."""
import dataclasses

import numpy as np
import pytest

import spark_lab as sl
from spark_lab._layout import Family, ProjectionLayout, Receptor
from spark_lab._params import Param


def _net(n_exc=20, delay=0.5, seed=0):
    net = sl.Network(dt=0.1, seed=seed, native=False)
    net.add_pool("exc", sl.LIF(), n_exc, excitatory=True)
    net.add_pool("inh", sl.LIF(), 5, excitatory=False, g_inh=4.0)
    net.add_pool("ext", sl.PoissonSource(rate=50.0), 10)
    net.connect("ext", "exc", connectivity=sl.FixedInDegree(k=3), weight=sl.Uniform(0.5, 1.0), delay=delay)
    net.connect("exc", "inh", connectivity=sl.AllToAll(), weight=0.5)
    net.connect("inh", "exc", connectivity=sl.AllToAll(), weight=1.0)
    return net


def test_layout_records_are_typed_and_frozen():
    lay = _net().build().layout
    assert all(isinstance(f, Family) for f in lay.families)
    assert all(isinstance(r, Receptor) for r in lay.receptors)
    p = lay.projections["ext->exc"]
    assert isinstance(p, ProjectionLayout) and p.per_syn and p.delay == 5 and p.n_syn == 60
    assert lay.pools["exc"].offset != lay.pools["ext"].offset
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.delay = 1
    with pytest.raises(TypeError):
        lay.projections["x"] = p
    with pytest.raises(ValueError):
        p.pre[0] = 3


def test_structure_signature_equal_for_equal_networks_and_changes_with_structure():
    a, b = _net().build(), _net().build()
    assert a.layout.structure_signature() == b.layout.structure_signature()
    assert a.fingerprint() == b.fingerprint()
    for other in (_net(n_exc=21), _net(delay=1.0)):
        assert other.build().layout.structure_signature() != a.layout.structure_signature()
    c = _net(seed=5).build()          # other connectivity contents, same structure
    assert c.layout.structure_signature() == a.layout.structure_signature() and c.fingerprint() != a.fingerprint()


def test_padded_widens_every_group_and_fit_pads_weights():
    sim = _net().build()
    lay = sim.layout
    widths = {g.gid: g.width + 4 for g in lay.groups}
    wide = lay.padded(widths)
    assert wide.widths() == widths and lay.widths() != widths
    syn_w = wide.fit(sim.device_args().syn_w)
    for g in wide.groups:
        if g.per_synapse:
            assert syn_w[g.gid].shape == (lay.rows, widths[g.gid])
            np.testing.assert_array_equal(np.asarray(syn_w[g.gid])[:, -4:], 0.0)
    with pytest.raises(sl.NetworkError, match="narrow"):
        lay.padded({g.gid: 1 for g in lay.groups})


def test_parameters_declare_g_inh_and_weight():
    decl = _net().build().parameters()
    assert isinstance(decl["inh"]["g_inh"], Param) and decl["inh"]["g_inh"].low == 0.0
    w = decl["inh->exc"]["weight"]
    assert isinstance(w, Param) and w.unit == "mV" and w.low == 0.0
    assert all(isinstance(d, Param) for params in decl.values() for d in params.values())


def test_stage_checks_once_merge_and_apply_all_or_nothing():
    sim = _net().build()
    up = sim.stage({("exc", "v_th"): -45.0, ("inh", "g_inh"): 2.0})
    assert len(up) == 2 and ("exc", "v_th") in up and float(sim.get_param("exc", "v_th")[0]) == -50.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        up.changes = ()
    later = sim.stage({("exc", "v_th"): -40.0})
    merged = up.merge(later)
    assert list(merged.values()) == [("inh", "g_inh"), ("exc", "v_th")] and np.all(merged.get(("exc", "v_th")) == -40)
    sim.apply(merged)
    assert float(sim.get_param("exc", "v_th")[0]) == -40.0 and float(sim.get_param("inh", "g_inh")) == 2.0
    with pytest.raises(sl.ParameterError, match="v_reset"):
        sim.stage({("exc", "v_reset"): -30.0})                    # not < v_th
    ok = sim.stage({("exc", "v_reset"): -42.0, ("inh", "g_inh"): 3.0})
    sim.set_params({("exc", "v_th"): -45.0})                      # changed since ok was staged
    with pytest.raises(sl.ParameterError, match="v_reset"):
        sim.apply(ok)
    assert float(sim.get_param("inh", "g_inh")) == 2.0             # nothing of it applied
    with pytest.raises(sl.ParameterError, match="g_inh"):
        sim.stage({("inh", "g_inh"): -1.0})


def test_initializers_stay_unresolved_until_apply():
    sim = _net().build()
    up = sim.stage({("exc", "v_th"): sl.Uniform(-52.0, -48.0)})
    assert isinstance(up.get(("exc", "v_th")), sl.Uniform)
    sim.apply(up)
    v = sim.get_param("exc", "v_th")
    assert len(np.unique(v)) == 20


def test_state_tree_round_trip_and_checks():
    sim = _net().build()
    tree = sim.get_state_tree()
    sim.run_chunk(30)
    sim.set_state_tree(tree, 0)
    assert sim.t == 0
    a = sim.run(30).counts
    sim.set_state_tree(tree, 0)
    np.testing.assert_array_equal(sim.run(30).counts["exc"], a["exc"])
    with pytest.raises(sl.NetworkError, match="does not fit"):
        sim.set_state_tree({"t": 0}, 0)
    with pytest.raises(sl.ParameterError, match="t"):
        sim.set_state_tree(tree, -1)


def _counts_by_run(net, inputs, steps):
    """Spike counts per call from Simulator.run (the general path), one call per entry."""
    sim = net.build()
    return [{nm: c.copy() for nm, c in sim.run(steps, inputs=x).counts.items()} for x in inputs]


def test_repeated_lean_run_chunk_calls_equal_the_general_path():
    """The fast path of a repeated run_chunk (same shape of call) gives the spikes of run()."""
    net = _net()
    rng = np.random.default_rng(3)
    xs = [{"ext": rng.uniform(0, 400, 10).astype(np.float32)} for _ in range(4)]
    xs += [{"ext": 300.0}, {"ext": list(rng.uniform(0, 400, 10))}, {"ext": rng.uniform(0, 400, (3, 10))}]
    want = _counts_by_run(net, xs, 3)
    sim = net.build()
    for x, w in zip(xs, want):
        got = sim.run_chunk(3, x, readout=("exc", "inh"))
        assert set(got) == {"exc", "inh"}
        for nm in got:
            np.testing.assert_array_equal(got[nm], w[nm])
    assert sim.t == 21


def test_repeated_lean_run_chunk_refuses_what_the_first_call_refuses():
    """After a warm call, bad inputs raise what check_inputs raises, and nothing advances."""
    sim = _net().build()
    good = np.full(10, 100.0, np.float32)
    sim.run_chunk(2, {"ext": good}, readout=("exc",))
    before = sim.state
    bad = good.copy()
    bad[4] = np.nan
    for x, err, text in [({"ext": bad}, sl.ParameterError, "NaN"), ({"ext": np.inf}, sl.ParameterError, "NaN"),
                         ({"ext": good[:5]}, sl.ParameterError, "shape"), ({"nope": good}, sl.NetworkError, "nope"),
                         ({"ext": "x"}, ValueError, "convert")]:
        with pytest.raises(err, match=text):
            sim.run_chunk(2, x, readout=("exc",))
        assert sim.t == 2
        np.testing.assert_array_equal(sim.state["pools"]["exc"]["v"], before["pools"]["exc"]["v"])
    with pytest.raises(sl.ParameterError):
        sim.run_chunk(0, {"ext": good}, readout=("exc",))
    sim.run_chunk(2, {"ext": good}, readout=("exc",))
    assert sim.t == 4


def test_lean_run_chunk_sees_parameter_changes():
    """The device arguments a repeated run_chunk reuses are rebuilt when a parameter changes."""
    net = _net()
    x = {"ext": np.full(10, 300.0, np.float32)}
    a = net.build()
    a.run_chunk(5, x, readout=("exc",))
    a.set_param("ext->exc", "weight", 0.0)
    got = a.run_chunk(5, x, readout=("exc",))["exc"]
    b = net.build()
    b.run_chunk(5, x, readout=("exc",))
    b.set_param("ext->exc", "weight", 0.0)
    np.testing.assert_array_equal(got, b.run(5, inputs=x).counts["exc"])


def test_chunk_finite_flag_covers_float_inputs():
    """The chunk's finite flag (out[0]) is 0 for a NaN input even where the state stays finite
    (a NaN rate of a Poisson pool: no spike, nothing non-finite in the state)."""
    import jax

    from spark_lab._chunk import make_chunk
    sim = _net().build()
    fn = jax.jit(make_chunk(sim.layout, 2, (), (("ext", 1),), ("exc",), sim.prepared_packer, lambda: None))
    rate = np.full(10, 100.0, np.float32)
    _, out, _ = fn(sim.get_state_tree(), sim.device_args(), {"ext": rate})
    assert int(out[0]) == 1
    rate[3] = np.nan
    st, out, _ = fn(sim.get_state_tree(), sim.device_args(), {"ext": rate})
    assert int(out[0]) == 0
    assert all(np.isfinite(np.asarray(v)).all() for v in jax.tree_util.tree_leaves(st))
