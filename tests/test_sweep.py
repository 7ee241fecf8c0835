"""sl.sweep: a grid point with seed s is the network built with seed=s and those values, run
alone (spike for spike, CPU); measures equal spark_lab.analysis on that run; refusals."""
from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import analysis
from spark_lab._sweep import pivot
from spark_lab.notebook._values import set_network_value

SKIP, STEPS = 100, 300


def small_brunel(g=5.0, rate=80.0, seed=0, native=False, connectivity=None):
    """40 + 10 LIF neurons driven by 50 Poisson sources (Brunel-like, delta synapses)."""
    net = sl.Network(dt=0.1, seed=seed, native=native)
    lif = sl.LIF(tau_m=20.0, v_rest=0.0, v_th=20.0, v_reset=10.0, t_ref=2.0, v_init_low=0.0, v_init_high=20.0)
    net.add_pool("exc", lif, 40, excitatory=True)
    net.add_pool("inh", lif, 10, excitatory=False, g_inh=g)
    net.add_pool("ext", sl.PoissonSource(rate=rate), 50)
    for pre, k in (("exc", 8), ("inh", 2), ("ext", 10)):
        for post in ("exc", "inh"):
            conn = connectivity() if connectivity is not None else sl.FixedInDegree(k=k)
            net.connect(pre, post, synapse=sl.Delta(), connectivity=conn, weight=2.0, delay=1.5)
    return net


_ALONE: dict = {}


def alone(net, point, seed, pools=("exc", "inh")):
    """The reference: the network built with ``seed`` and the values of ``point``, run by itself."""
    key = (repr(net.structure_signature()), repr(sorted(net.values().items(), key=str)),
           tuple(sorted(point.items())), seed, pools)
    if key not in _ALONE:
        _ALONE[key] = _alone(net, point, seed, pools)
    return _ALONE[key]


def _alone(net, point, seed, pools):
    ref = net.copy()
    for (target, name), v in point.items():
        set_network_value(ref, target, name, v)
    ref.configure(seed=seed)
    sim = ref.build()
    if SKIP:
        sim.run(SKIP, record=[])
    res = sim.run(STEPS, record=[f"{p}.spikes" for p in pools])
    return {p: res.records[f"{p}.spikes"] for p in pools}


def spikes_id(spikes, dt):
    """A measure that identifies a spike array: 48 bits of its SHA-1 (exact in a float64)."""
    return float(int(hashlib.sha1(np.packbits(np.asarray(spikes, bool)).tobytes()
                                  + repr(np.shape(spikes)).encode()).hexdigest()[:12], 16))


def check_rows(df, net, pools=("exc", "inh")) -> int:
    """Every row's spikes (by spikes_id) equal those of its point run alone; the spikes seen."""
    params = df.attrs["params"]
    total = 0
    for _, row in df.iterrows():
        point = {tuple(p.split(".", 1)): row[p] for p in params}
        ref = alone(net, point, int(row["seed"]), pools)
        for p in pools:
            assert row[f"spikes_id.{p}"] == spikes_id(ref[p], 0.1), f"{point} seed {row['seed']} pool {p}"
            total += int(ref[p].sum())
    return total


GRID = {("inh", "g_inh"): [3.0, 6.0], ("ext", "rate"): [60.0, 120.0]}


@pytest.mark.parametrize("batch", [None, 3])
def test_each_point_equals_the_network_built_with_its_seed_and_values(batch):
    net = small_brunel()
    df = sl.sweep(net, GRID, seeds=[3, 11], steps=STEPS, skip=SKIP, measure=("rate", spikes_id), batch=batch)
    assert list(df.columns) == ["inh.g_inh", "ext.rate", "seed", "rate.exc", "rate.inh", "spikes_id.exc",
                                "spikes_id.inh"]
    assert len(df) == 8 and df.attrs["batch"] == (8 if batch is None else 3)
    assert df.attrs["batches"] == (1 if batch is None else 3)
    assert list(df["seed"]) == [3, 11] * 4 and list(df["ext.rate"]) == [60.0, 60.0, 120.0, 120.0] * 2
    assert check_rows(df, net) > 100                     # the runs fire: the comparison is not of empty rasters
    assert net.seed == 0 and net.pools["inh"].g_inh == 5.0     # the network given is not changed


def test_measures_are_the_analysis_functions_of_the_run_alone():
    net = small_brunel()
    df = sl.sweep(net, {("inh", "g_inh"): [4.0]}, seeds=[5], steps=STEPS, skip=SKIP)
    ref = alone(net, {("inh", "g_inh"): 4.0}, 5)
    row = df.iloc[0]
    for p in ("exc", "inh"):
        assert row[f"rate.{p}"] == pytest.approx(analysis.rate_hz(ref[p], 0.1), rel=1e-12)
        cv = analysis.cv_isi(ref[p], 0.1)
        want = float(np.mean(cv[np.isfinite(cv)])) if np.isfinite(cv).any() else math.nan
        assert row[f"cv.{p}"] == pytest.approx(want, rel=1e-12, nan_ok=True)
        assert row[f"synchrony.{p}"] == pytest.approx(analysis.population_fano(ref[p], 0.1), rel=1e-12, nan_ok=True)
    assert row["rate.exc"] > 0


def test_the_native_default_network_gives_the_same_spikes():
    net = small_brunel(native=None)            # the C++ kernel where it is built; the sweep runs pure JAX
    df = sl.sweep(net, {("ext", "rate"): [90.0]}, seeds=[2], steps=STEPS, skip=SKIP, measure=[spikes_id])
    assert check_rows(df, net) > 10


def test_seeds_with_different_synapse_counts_run_as_separate_batches():
    net = small_brunel(connectivity=lambda: sl.FixedProbability(p=0.2))
    df = sl.sweep(net, {("inh", "g_inh"): [4.0, 6.0]}, seeds=[1, 2], steps=STEPS, skip=SKIP, measure=[spikes_id])
    assert df.attrs["batches"] == 2 and df.attrs["compilations"] == 4     # (skip, measured) x two shapes
    assert check_rows(df, net) > 10


def test_a_plasticity_parameter_by_its_short_name():
    net = sl.Network(dt=0.1, seed=0, native=False)
    net.add_pool("src", sl.PoissonSource(rate=40.0), 30)
    net.add_pool("out", sl.LIF(v_init_low=-65.0, v_init_high=-55.0), 10)
    net.connect("src", "out", synapse=sl.Exponential(), connectivity=sl.AllToAll(), weight=3.0, name="ff",
                plasticity=sl.STDP(w_max=10.0))
    df = sl.sweep(net, {("ff", "a_plus"): [0.0, 0.05]}, seeds=[4], steps=STEPS, skip=SKIP, measure=[spikes_id],
                  pools=["out"])
    assert check_rows(df, net, pools=("out",)) > 0


@pytest.mark.parametrize("key, field", [(("exc", "n"), "exc.n"), (("exc->inh", "delay"), "exc->inh.delay"),
                                        (("exc", "connectivity"), "exc.connectivity")])
def test_structural_parameters_are_refused_by_name(key, field):
    with pytest.raises(sl.ParameterError, match="structural") as e:
        sl.sweep(small_brunel(), {key: [1, 2]}, steps=10)
    assert e.value.field == field and ("g_inh" in e.value.hint or "weight" in e.value.hint)


def test_bad_inputs_are_refused_before_anything_runs():
    net = small_brunel()
    with pytest.raises(sl.NetworkError, match="no pool or projection 'nope'"):
        sl.sweep(net, {("nope", "tau_m"): [1.0]})
    with pytest.raises(sl.ParameterError, match="not a run-time parameter"):
        sl.sweep(net, {("exc", "tau_x"): [1.0]})
    for bad in ([], [1.0, math.nan], [[1.0, 2.0]], "abc", [True]):
        with pytest.raises(sl.ParameterError, match="inh.g_inh"):
            sl.sweep(net, {("inh", "g_inh"): bad})
    with pytest.raises(sl.ParameterError, match="v_reset|v_th"):    # cross-field rule, checked up front
        sl.sweep(net, {("exc", "v_reset"): [5.0, 30.0]}, steps=10)
    with pytest.raises(sl.ParameterError, match="seeds"):
        sl.sweep(net, GRID, seeds=2)
    with pytest.raises(sl.ParameterError, match="measure"):
        sl.sweep(net, GRID, measure=("rate", "bogus"))
    with pytest.raises(sl.ParameterError, match="batch"):
        sl.sweep(net, GRID, batch=100, memory_limit=2e6)
    with pytest.raises(sl.NetworkError, match="unknown pool"):
        sl.sweep(net, GRID, pools=["nope"])
    assert net.pools["exc"].model.values["v_reset"] == 10.0


def test_heatmap_shows_the_mean_over_seeds():
    import matplotlib
    matplotlib.use("Agg")
    net = small_brunel()
    df = sl.sweep(net, GRID, seeds=[1, 2], steps=200, measure="rate")
    xs, ys, Z = pivot(df, "rate.exc")
    assert list(xs) == [3.0, 6.0] and list(ys) == [60.0, 120.0]
    sel = df[(df["inh.g_inh"] == 6.0) & (df["ext.rate"] == 60.0)]
    assert Z[0, 1] == pytest.approx(sel["rate.exc"].mean())
    ax = sl.sweep_heatmap(df, "rate.exc")
    assert np.allclose(np.asarray(ax.images[0].get_array()), Z)
    assert ax.get_xlabel() == "inh.g_inh" and ax.get_ylabel() == "ext.rate"
    with pytest.raises(sl.ParameterError, match="no column"):
        sl.sweep_heatmap(df, "rate.nope")
    three = sl.sweep(net, {**GRID, ("exc", "tau_m"): [10.0, 20.0]}, steps=50, measure="rate")
    with pytest.raises(sl.ParameterError, match="exc.tau_m"):
        pivot(three, "rate.exc")
    xs, ys, Z = pivot(three[three["exc.tau_m"] == 20.0], "rate.exc")
    assert Z.shape == (2, 2) and np.isfinite(Z).all()


# ---------------------------------------------------------------------- the sweep panel (Python level)
def _small_panel(panel, nx=3, ny=2):
    panel.x_range[2].value, panel.y_range[2].value = nx, ny
    panel.seeds.value, panel.measure_ms.value, panel.skip_ms.value = 1, 20.0, 0.0


def test_sweep_panel_runs_the_grid_and_a_click_loads_the_cell_into_the_session():
    from spark_lab.notebook import LiveLab
    lab = LiveLab(small_brunel(), params=[("inh", "g_inh"), ("ext", "rate")], sweep=True, chunk=20,
                  analysis=False, traces={})
    try:
        panel = lab.sweep_panel
        assert panel.x.value == "inh.g_inh" and panel.y.value == "ext.rate"
        lo, hi = lab.sliders[("inh", "g_inh")].span
        assert (panel.x_range[0].value, panel.x_range[1].value) == pytest.approx((lo, hi), rel=1e-3)
        _small_panel(panel, nx=5)                      # more columns than the placeholder map: re-shaped
        df = panel.run(wait=True)
        assert panel.error is None and np.asarray(panel.heatmap.color).shape == (2, 5)
        _small_panel(panel)
        panel.x_range[0].value, panel.x_range[1].value = 2.0, 6.0
        panel.y_range[0].value, panel.y_range[1].value = 50.0, 150.0
        df = panel.run(wait=True)
        assert panel.error is None and len(df) == 6 and list(df["seed"]) == [0] * 6
        assert sorted(df["inh.g_inh"].unique()) == [2.0, 4.0, 6.0] and sorted(df["ext.rate"].unique()) == [50.0, 150.0]
        xs, ys, Z = pivot(df, "rate.exc")
        np.testing.assert_array_equal(np.asarray(panel.heatmap.color), Z)
        assert list(panel.heatmap.column) == ["2", "4", "6"] and list(panel.heatmap.row) == ["50", "150"]
        panel.heatmap.selected = [[1, 2]]              # what a click on a cell sends from the browser
        assert np.all(lab.session.get_param("inh", "g_inh") == 6.0)
        assert np.all(lab.session.get_param("ext", "rate") == 150.0)
        assert lab.sliders[("ext", "rate")].slider.value == 150.0
        assert "loaded" in panel.status.value
        panel.colour.value = "synchrony.exc"           # another measure: the map shows it
        np.testing.assert_array_equal(np.asarray(panel.heatmap.color), pivot(df, "synchrony.exc")[2])
    finally:
        lab.close()


def test_sweep_panel_sweeps_the_live_values_and_refuses_bad_choices():
    from spark_lab.notebook import LiveLab
    lab = LiveLab(small_brunel(), params=[("inh", "g_inh"), ("ext", "rate")], sweep=True, chunk=20,
                  analysis=False, traces={})
    try:
        panel = lab.sweep_panel
        lab.sliders[("inh", "g_inh")].slider.value = 4.5
        assert panel.swept_network().pools["inh"].g_inh == 4.5
        panel.y.value = "inh.g_inh"
        assert panel.run() is None and "both" in panel.status.value and panel.error is not None
        panel.y.value = "(none)"
        assert all(f.disabled for f in panel.y_range)
        _small_panel(panel, nx=2)
        panel.x.value = "ext.rate"
        panel.x_range[0].value, panel.x_range[1].value = 60.0, 90.0
        df = panel.run(wait=True)
        assert list(df.columns[:2]) == ["ext.rate", "seed"] and len(df) == 2
        assert np.asarray(panel.heatmap.color).size == 2 and panel.heatmap.row is None
        assert panel.x_axis.label == "ext.rate: 60 .. 90, 2 values"
        panel.x_range[0].value = -5.0                  # a rate < 0: refused by sweep, shown, nothing loaded
        panel.run(wait=True)
        assert panel.error is not None and "rate" in panel.status.value and len(panel.table) == 2
        with pytest.raises(sl.SparkLabError, match="no cell"):
            panel.load(0, 7)
        assert not LiveLab(small_brunel(), analysis=False, traces={}).sweep_panel     # off by default
    finally:
        lab.close()


def test_sweep_panel_in_lab_loads_through_the_network():
    from spark_lab.notebook import Lab
    lab = Lab(small_brunel(), params=[("inh", "g_inh")], sweep=True, chunk=20, analysis=False, traces={})
    try:
        lab.network.update_pool("ext", model=lab.network.pools["ext"].model.replace(rate=70.0))   # not a slider
        panel = lab.live.sweep_panel
        assert panel.swept_network().pools["ext"].model.values["rate"] == 70.0
        _small_panel(panel, nx=2)
        panel.x_range[0].value, panel.x_range[1].value = 3.0, 7.0
        panel.run(wait=True)
        panel.heatmap.selected = [[0, 1]]
        assert lab.network.pools["inh"].g_inh == 7.0          # the network owns the value
        assert np.all(lab.session.get_param("inh", "g_inh") == 7.0)
    finally:
        lab.close()


def test_sweep_panel_map_joins_the_page_only_when_its_accordion_is_open():
    """A map drawn inside the closed accordion has no size in the browser (bqplot then lays it out
    with negative widths): it joins the panel when the accordion opens."""
    from spark_lab.notebook import LiveLab
    lab = LiveLab(small_brunel(), params=[("inh", "g_inh"), ("ext", "rate")], sweep=True, chunk=20,
                  analysis=False, traces={})
    try:
        panel = lab.sweep_panel
        _small_panel(panel)
        assert lab.sweep_accordion.selected_index is None
        panel.run(wait=True)
        assert panel.error is None and panel.figure not in panel.map_box.children
        lab.sweep_accordion.selected_index = 0
        assert panel.map_box.children == (panel.figure,)
    finally:
        lab.close()
