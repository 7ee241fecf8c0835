"""Notebook layer (spark_lab.notebook) at the Python level: no browser.

Sliders generated from Param declarations, buttons driving the session, monitors that
update their marks (throttled), the analysis panel and export."""
from __future__ import annotations

import time

import ipywidgets as W
import numpy as np
import pytest

import spark_lab as sl
from spark_lab.notebook import LiveLab, ParamSlider, ParamSliders, RasterMonitor, RateMonitor, TraceMonitor
from spark_lab.session import Session

pytestmark = pytest.mark.timeout(120)


def ei_net():
    net = sl.Network(dt=0.1, seed=2)
    lif = sl.LIF(tau_m=20.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0,
                 v_init_low=-65.0, v_init_high=-50.0)
    net.add_pool("exc", lif, 80, excitatory=True)
    net.add_pool("inh", lif, 20, excitatory=False, g_inh=4.0)
    net.add_pool("ext", sl.PoissonSource(rate=40.0), 100)
    for pre in ("exc", "inh"):
        for post in ("exc", "inh"):
            net.connect(pre, post, synapse=sl.Exponential(tau=5.0), connectivity=sl.FixedProbability(p=0.2),
                        weight=1.0, delay=1.0, name=f"{pre}_{post}")
    for post in ("exc", "inh"):
        net.connect("ext", post, connectivity=sl.FixedProbability(p=0.2), weight=6.0, name=f"ext_{post}")
    return net


@pytest.fixture(scope="module")
def lab():
    lab = LiveLab(ei_net(), chunk=50, params=[("inh", "g_inh"), "exc", ("exc_inh", "weight")],
                  traces={"exc": (0, 5)}, window_ms=100.0)
    yield lab
    lab.close()


def test_sliders_from_param_declarations(lab):
    sl_tau = lab.sliders[("exc", "tau_m")].slider
    assert isinstance(sl_tau, W.FloatLogSlider)                   # Param(log=True)
    assert sl_tau.description == "exc.tau_m (ms)"
    assert "membrane time constant" in sl_tau.tooltip and "> 0 ms" in sl_tau.tooltip
    assert sl_tau.value == pytest.approx(20.0) and 10 ** sl_tau.min == pytest.approx(2.0)
    sl_th = lab.sliders[("exc", "v_th")].slider
    assert isinstance(sl_th, W.FloatSlider) and sl_th.description == "exc.v_th (mV)"
    assert sl_th.min < -50.0 < sl_th.max
    g = lab.sliders[("inh", "g_inh")].slider
    assert g.min == 0.0 and g.max > 4.0 and "g_inh" in g.tooltip
    w = lab.sliders[("exc_inh", "weight")].slider
    assert w.description == "exc_inh.weight (mV)" and w.min == 0.0            # Dale: magnitudes
    assert ("exc", "g_inh") in lab.sliders.sliders                 # a Dale pool has g_inh
    with pytest.raises(sl.SparkLabError, match="no parameter exc.tau_x"):
        ParamSlider(lab.session, "exc", "tau_x")
    with pytest.raises(sl.SparkLabError, match="unknown pool"):
        ParamSliders(lab.session, "nope")


def test_slider_moves_change_the_running_network(lab):
    s = lab.session
    s.step()
    before = s.sim.compile_count
    lab.sliders[("inh", "g_inh")].slider.value = 7.5               # what the front-end does
    assert s.get_param("inh", "g_inh") == 7.5
    s.step()
    assert float(s.sim.get_param("inh", "g_inh")) == 7.5
    lab.sliders[("exc", "tau_m")].slider.value = 12.0
    s.run()
    lab.sliders[("exc_inh", "weight")].slider.value = 0.7          # while running
    assert s.wait(steps=s.t + 300)
    s.pause()
    assert np.unique(s.sim.get_param("exc", "tau_m")).tolist() == [12.0]
    assert float(s.sim.get_param("exc_inh", "weight")) == pytest.approx(0.7)
    assert s.sim.compile_count == before


def test_refused_slider_value_shows_the_error_and_reverts(lab):
    ps = lab.sliders[("exc", "v_reset")]
    old = float(np.mean(lab.session.get_param("exc", "v_reset")))
    ps.slider.value = -40.0                                         # v_reset must stay < v_th = -50
    assert "v_reset" in ps.message.value and "v_th" in ps.message.value
    assert ps.slider.value == pytest.approx(old) and ps.errors == 1
    ps.slider.value = old - 1.0
    assert ps.message.value == ""


def test_buttons_drive_the_session(lab):
    s, c = lab.session, lab.controls
    s.pause()
    t = s.t
    c.step_button.click()
    assert s.t == t + 50 and s.status == "paused"
    c.step1_button.click()
    assert s.t == t + 51
    c.run_button.click()
    assert s.status == "running" and c.run_button.disabled and not c.pause_button.disabled
    assert s.wait(steps=s.t + 200)
    c.pause_button.click()
    assert s.status == "paused" and not c.run_button.disabled and c.pause_button.disabled
    assert "paused" in c.status.value and "t = " in c.status.value and "exc" in c.status.value
    c.speed.value = "0.1"
    assert s.speed == 0.1
    c.speed.value = "max"
    assert s.speed is None
    c.reset_button.click()
    assert s.t == 0 and s.status == "paused"


def test_monitors_update_their_marks_without_a_browser(lab):
    s = lab.session
    s.reset()
    png0 = lab.raster.image_widget.value
    for _ in range(4):
        s.step()
    assert s.t == 200
    assert lab.raster.image_widget.value != png0                  # flushed at the end of each step
    assert lab.raster.png()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(lab.raster.mark.x) == [-100.0, 0.0]                # the 100-ms window, up to now
    assert (lab.raster.xscale.min, lab.raster.xscale.max) == (-100.0, 0.0)
    _, t0, t1 = lab.raster.image()
    assert (t0, t1) == (-80.0, 20.0)                              # absolute: the window ends at t = 20 ms
    x, y = lab.traces[0].data()
    ts, v = s.recorded("exc", "v", neurons=(0, 5))
    assert y.shape == (2, 200) and np.array_equal(y, v.T) and np.allclose(x, ts * 0.1)
    assert np.array_equal(lab.traces[0].mark.y, y)
    np.testing.assert_allclose(lab.traces[0].mark.x, x - 20.0)   # plotted relative to now
    _, rates = lab.rates.data()
    counts = s.chunk_history()[2]
    assert rates.shape == (2, 2)                                   # 10-ms bins of two 5-ms chunks
    np.testing.assert_allclose(rates[0], (counts["exc"][0::2] + counts["exc"][1::2]) / 80 / 0.01)
    s.step_one()                                                   # a 1-step chunk: its bin is not full,
    assert lab.rates.data()[1].shape == (2, 2)                     # so it is not shown as a rate yet


def test_line_monitors_with_one_point_per_line_draw_without_error():
    """One full rate bin (the first chunk after Run or Rebuild) or one trace sample (Step 1
    after Reset): bqplot squeezes (lines, 1) to a 0-d array it refuses (one line) or to one
    line through the lines (several). The marks stay empty until a line has two points."""
    s = Session(ei_net(), chunk=100)                              # one chunk = one 10-ms rate bin
    one = s.add_monitor(RateMonitor(s.sim, ["exc"]))
    two = s.add_monitor(RateMonitor(s.sim, ["exc", "inh"]))
    trace = s.add_monitor(TraceMonitor(s.sim, "exc", neurons=(0,)))
    try:
        s.step()
        assert "failed" not in s.message, s.message
        assert one.data()[1].shape == (1, 1) and two.data()[1].shape == (2, 1)
        for m in (one, two):
            m.draw_now()
            assert m.mark.x.size == 0 and m.mark.y.size == 0
        s.step()
        one.draw_now(), two.draw_now()
        assert one.mark.y.shape == (2,) and two.mark.y.shape == (2, 2)    # bqplot's (1, B) is (B,)
        s.reset()
        s.step_one()
        assert "failed" not in s.message, s.message
        trace.draw_now()
        assert trace.mark.x.size == 0
    finally:
        s.stop()


def test_raster_pixels_match_known_spikes():
    net = sl.Network(dt=1.0, seed=0)
    # neuron 3 at 10 ms, neuron 0 at 50 and 51 ms (one 2-ms column), neuron 9 at 99 ms
    net.add_pool("gen", sl.SpikeGenerator(indices=[3, 0, 0, 9], times=[10.0, 50.0, 51.0, 99.0]), 10)
    s = Session(net, chunk=100)
    r = s.add_monitor(RasterMonitor(s.sim, ["gen"], window_ms=100.0, width=50, height=10))
    s.step()
    px, t0, t1 = r.image()
    assert px.shape == (10, 50) and (t0, t1) == (0.0, 100.0)
    hits = sorted(zip(*np.nonzero(px)))
    assert hits == [(0, 49), (6, 5), (9, 25)]                      # (row from top, column)
    assert set(px[px > 0]) == {1}
    s.stop()


def test_throttle_drops_frames_and_flush_draws_the_last(lab):
    s = lab.session
    s.reset()
    m = RateMonitor(s.sim, ["exc"], max_fps=2.0)
    s.add_monitor(m)
    drawn0 = m.throttle.drawn
    t0 = time.perf_counter()
    s.run()
    assert s.wait(steps=3000)
    s.pause()
    elapsed = time.perf_counter() - t0
    assert m.throttle.dropped > 0
    assert m.throttle.drawn - drawn0 <= 2.0 * elapsed + 3         # at most ~2 draws/s plus flushes
    xr, _ = m.data()
    np.testing.assert_allclose(m.mark.x, xr - s.time_ms)           # the final state was drawn
    s.remove_monitor(m)


def test_analysis_panel_and_export(lab, tmp_path):
    s = lab.session
    s.reset()
    s.run()
    assert s.wait(steps=5000)
    s.pause()
    out = lab.analysis.analyse()
    assert set(out["rates_hz"]) == {"exc", "inh", "ext"} and out["rates_hz"]["ext"] > 0
    assert out["isi_ms"].size > 0 and 0 < out["cv_mean"] < 3 and np.isfinite(out["population_fano"])
    assert "ISIs" in lab.analysis.summary.value
    assert len(lab.analysis.hist.x) == 40
    lab.analysis.fi_range.value = (0.0, 40.0)
    lab.analysis.fi_points.value = 9
    x, r = lab.analysis.fi_curve()
    assert x.size == 9 and r[0] == 0.0 and r[-1] > r[5] > 0 and np.all(np.diff(r) >= 0)
    files = lab.export(str(tmp_path / "run"))
    z = np.load(files[0])
    assert "exc.spikes" in z.files and z["exc.v"].shape[1] == 2
    assert (tmp_path / "run.csv").read_text().startswith("record,t_ms,neuron,value")
    assert (tmp_path / "run-raster.png").read_bytes()[:4] == b"\x89PNG"


def test_lab_layout_displays_as_one_widget(lab):
    bundle = lab._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert lab.widget.children[0] is lab.controls.widget
    assert any(isinstance(c, W.Accordion) for c in lab.widget.children)
    assert lab.raster.figure in lab.widget.children
    with pytest.raises(ValueError, match="unknown pool"):
        TraceMonitor(lab.session.sim, "nope")


def test_close_stops_the_session_and_closes_every_widget():
    lab = LiveLab(ei_net(), chunk=50, analysis=False)
    lab.session.step()
    widgets = [lab.widget, lab.raster.figure, lab.raster.mark, *lab.raster.images, lab.controls.run_button,
               lab.sliders[("inh", "g_inh")].slider, lab.rates.xscale]
    lab.close()
    assert lab.session.status == "stopped"
    assert all(w.comm is None for w in widgets)


def test_analysis_figures_join_the_panel_when_its_accordion_opens():
    """A bqplot Figure first drawn in a collapsed Accordion measures 0 x 0 and gives its plot
    area negative sizes (browser console errors): the panel gets its figures once opened."""
    lab = LiveLab(ei_net(), chunk=50)
    try:
        acc = next(c for c in lab.widget.children if isinstance(c, W.Accordion))
        figs = (lab.analysis.hist_figure, lab.analysis.fi_figure)
        assert acc.selected_index is None and lab.analysis.figures.children == ()
        acc.selected_index = 0
        assert lab.analysis.figures.children == figs
        acc.selected_index = None
        acc.selected_index = 0
        assert lab.analysis.figures.children == figs
    finally:
        lab.close()
    assert all(f.comm is None for f in figs)


def test_weight_histogram_of_a_plastic_projection_follows_learning():
    net = sl.Network(dt=0.1, seed=0)
    net.add_pool("src", sl.PoissonSource(rate=40.0), 50)
    net.add_pool("post", sl.LIF(v_init_low=-65.0, v_init_high=-55.0), 20)
    net.connect("src", "post", connectivity=sl.AllToAll(), weight=0.5, name="syn",
                plasticity=sl.STDP(a_plus=0.05, a_minus=0.0, w_min=0.0, w_max=1.0))
    net.connect("src", "post", connectivity=sl.AllToAll(), weight=1.0, name="drive")
    lab = LiveLab(net, chunk=100, analysis=False)
    assert [m.projection for m in lab.weights] == ["syn"]          # plastic projections by default
    m = lab.weights[0]
    x, c, mean0 = m.data()
    assert c.sum() == 1000 and x[0] > 0 and x[-1] < 1             # bins over [w_min, w_max]
    assert mean0 == pytest.approx(0.5)
    lab.session.run(steps=3000)
    assert lab.session.wait(timeout=60)
    _, c1, mean1 = m.data()
    assert mean1 > mean0                                           # potentiation only
    assert np.array_equal(m.mark.y, c1) and "mean" in m.figure.title
    assert any(m.figure is f for box in lab.widget.children if isinstance(box, W.HBox) for f in box.children)
    lab.close()


def test_raster_takes_one_pool_name_as_well_as_a_list():
    """raster="exc" means the pool exc (it was read as the pools 'e', 'x', 'c')."""
    net = sl.Network(dt=0.1, seed=1)
    net.add_pool("exc", sl.LIF(), n=20)
    net.add_pool("inh", sl.LIF(), n=5)
    sim = net.build()
    one, listed = RasterMonitor(sim, "exc"), RasterMonitor(sim, ["exc"])
    assert [p for p, _ in one.pools] == [p for p, _ in listed.pools] == ["exc"]
    assert one.pools == listed.pools
    lab = LiveLab(sim, raster="exc")
    assert [p for p, _ in lab.raster.pools] == ["exc"]
    lab.close()


def test_live_rates_start_at_zero_and_traces_keep_their_range(lab):
    """The monitors of a running lab (the module's ``lab``): the rate axis starts at 0 Hz and
    holds every rate shown; the trace axis holds the traces and stays put from frame to frame."""
    s = lab.session
    s.reset()
    s.run()
    assert s.wait(steps=2000)
    s.pause()
    rates, trace = lab.rates, lab.traces[0]
    rates.draw_now()
    trace.draw_now()
    _, r = rates.data()
    assert rates.yscale.min == 0.0 and rates.yscale.max >= float(np.max(r))
    _, v = trace.data()
    first = (trace.yscale.min, trace.yscale.max)
    assert first[0] <= float(np.min(v)) and float(np.max(v)) <= first[1]
    trace.draw_now()
    assert (trace.yscale.min, trace.yscale.max) == first
