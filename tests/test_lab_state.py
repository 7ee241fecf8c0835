"""The live lab as a person meets it (issue 18), at the Python level: the status line says
"compiling" while the first chunk of a shape compiles, "paused at t = ...", "diverged: ...";
export buttons write files; the views look back in time while paused; placeholders before a
cell runs; the combined lab lays editor and monitors side by side."""
from __future__ import annotations

import threading
import time

import ipywidgets as W
import numpy as np
import pytest

import spark_lab as sl
from spark_lab.notebook import Lab, LiveLab
from spark_lab.notebook._controls import busy
from spark_lab.notebook._throttle import Throttle
from spark_lab.session import Monitor, Session

pytestmark = pytest.mark.timeout(180)


def small_net(rate=40.0):
    net = sl.Network(dt=0.1, seed=3)
    net.add_pool("exc", sl.LIF(tau_m=20.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0), 40, excitatory=True)
    net.add_pool("ext", sl.PoissonSource(rate=rate), 40)
    net.connect("ext", "exc", connectivity=sl.FixedProbability(p=0.3), weight=8.0, name="ext_exc")
    return net


@pytest.fixture(scope="module")
def lab():
    lab = LiveLab(small_net(), chunk=50, traces={"exc": (0, 1)}, window_ms=20.0, analysis=False,
                  buffer_steps=2000)
    yield lab
    lab.close()


class _Seen(Monitor):
    """Records what the session says while its chunk calls run."""

    def __init__(self):
        self.session, self.compiling = None, []

    def init(self, session):
        self.session = session
        session.on_status(lambda s: self.compiling.append(s.compiling))


def test_session_says_compiling_only_for_the_first_chunk_of_a_shape():
    s = Session(small_net(), chunk=50)
    seen = s.add_monitor(_Seen())
    assert s.compiling is None
    s.step()                                       # first 50-step chunk: compiles
    first = [c for c in seen.compiling if c is not None]
    assert first, "no status callback saw the compile"
    seen.compiling.clear()
    s.step()                                       # same shape: no compile
    assert all(c is None for c in seen.compiling)
    s.step(7)                                      # a new shape: compiles again
    assert any(c is not None for c in seen.compiling)
    assert s.compiling is None                     # over once the call returned
    s.stop()


def test_status_line_shows_compiling_paused_at_and_diverged(lab):
    st = lab.controls.monitor
    s = lab.session
    s.step()
    assert "paused at t = 5.0 ms" in st.text()
    held, release = threading.Event(), threading.Event()
    # while the chunk call of a new shape runs, the text says compiling with the seconds
    text = []
    orig_run = s.sim.run

    def slow_run(*a, **k):
        held.set()
        release.wait(10)
        return orig_run(*a, **k)

    s.sim.run = slow_run
    try:
        th = threading.Thread(target=lambda: s.step(13))
        th.start()
        assert held.wait(10)
        text.append(st.text())
        release.set()
        th.join(30)
    finally:
        del s.sim.run
    assert "compiling" in text[0] and " s</b>" in text[0], text[0]
    assert "compiling" not in st.text()


def test_status_line_names_a_divergence():
    net = sl.Network(dt=0.1, seed=0)
    net.add_pool("src", sl.PoissonSource(rate=2000.0), 20)
    net.add_pool("post", sl.LIF(), 5)
    net.connect("src", "post", synapse=sl.Exponential(tau=5.0), connectivity=sl.AllToAll(), weight=1.0, name="drive")
    lab = LiveLab(net, chunk=100, traces={}, analysis=False, params=[])
    try:
        lab.session.set_param("drive", "weight", 3e38)      # finite, but the sum overflows
        lab.session.step()
        text = lab.controls.monitor.text()
        assert lab.session.status == "diverged"
        assert "diverged:</b>" in text and "post" in text and "paused: " not in text, text
    finally:
        lab.close()


def test_busy_shows_progress_only_for_blocking_work_over_the_threshold():
    w = W.HTML()
    with busy(w, "rebuilding", after_s=0.0):
        deadline = time.monotonic() + 5
        while "rebuilding" not in w.value and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "rebuilding&hellip;" in w.value and "<progress" in w.value
    assert w.value == ""
    with busy(w, "quick", after_s=30.0):
        pass
    assert w.value == ""


def test_throttle_counts_the_cpu_time_of_a_draw_not_waiting():
    th = Throttle(max_fps=10.0, cost_factor=5.0)
    t0, c0 = time.perf_counter(), time.thread_time()
    time.sleep(0.2)                                 # a draw that waited (a loaded machine), using no CPU
    th.record(t0, c0)
    assert th.last_cost < 0.05                      # wall time would say 0.2 s, and hold the next frame 1 s
    th.record(t0)
    assert th.last_cost >= 0.2                      # without the CPU start: wall time, as before


def test_export_buttons_write_each_figure_and_the_recordings(lab, tmp_path):
    panel = lab.export_panel
    panel.directory = tmp_path
    lab.session.step()
    assert set(panel.figure_choice.options) == {"raster", "trace exc", "rates"}
    for name in panel.figure_choice.options:
        panel.figure_choice.value = name
        for kind in ("png", "svg"):
            panel.buttons[kind].click()
            path = panel.written[-1]
            assert path.endswith("." + kind) and (tmp_path / path.split("/")[-1]).is_file()
            assert path.split("/")[-1] in panel.message.value
    head = open(panel.written[0], "rb").read(8)
    assert head == b"\x89PNG\r\n\x1a\n"
    assert open(panel.written[1]).read().lstrip().startswith(("<?xml", "<svg"))
    panel.buttons["npz"].click()
    data = np.load(panel.written[-1])
    assert "exc.spikes" in data.files
    panel.buttons["csv"].click()
    assert open(panel.written[-1]).readline().strip() == "record,t_ms,neuron,value"
    panel.buttons["npz"].click()                    # never overwrites: a second name
    assert panel.written[-1] != panel.written[-3] and len(set(panel.written)) == len(panel.written)
    with pytest.raises(sl.SparkLabError, match="unknown figure"):
        panel.save_figure("nope")


def test_look_back_shows_the_spikes_of_an_earlier_window(lab):
    s = lab.session
    s.step(400)                                     # 40 ms more; window 20 ms, buffer 2000 steps
    s.pause()
    ts, sp = s.recorded("exc", "spikes")
    end = s.t - 200                                 # 20 ms back: the window [end - 200, end)
    lab.look_back(20.0)
    px, t0, t1 = lab.raster.image()
    assert t1 == pytest.approx(end * s.sim.dt)
    keep = (ts >= end - 200) & (ts < end)
    assert lab.raster.window_steps() == 200 and lab.raster.width >= 200    # one column per step
    want_cols = sorted({int(t - (end - 200)) for t in ts[keep][sp[keep].any(1)]})
    got_cols = sorted(np.flatnonzero((px > 0).any(0)).tolist())
    assert got_cols == want_cols
    x, y = lab.traces[0].data()
    assert x.max() < end * s.sim.dt and x.min() >= (end - 200) * s.sim.dt
    lab.look_back(1e9)                              # clamped to what the buffers hold
    assert lab.raster.back_steps == lab.max_look_back_steps()
    lab.scrub.value = 0.0
    assert lab.raster.back_steps == 0


def test_scrub_slider_is_for_a_paused_lab(lab):
    s = lab.session
    s.step()
    assert not lab.scrub.disabled and lab.scrub.min < 0
    lab.scrub.value = lab.scrub.min / 2
    assert lab.raster.back_steps > 0
    s.run()
    try:
        assert lab.scrub.disabled and lab.scrub.value == 0.0 and lab.raster.back_steps == 0
    finally:
        s.pause()


def test_saved_outputs_show_a_placeholder_not_a_widget_repr(lab):
    bundle = lab._repr_mimebundle_()
    assert bundle["text/plain"] == "spark_lab LiveLab (run the cell to show it)"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_combined_lab_puts_editor_and_monitors_side_by_side():
    lab = Lab(small_net(), chunk=50, traces={}, analysis=False)
    try:
        assert lab._repr_mimebundle_()["text/plain"] == "spark_lab Lab (run the cell to show it)"
        body = lab.widget.children[1]
        assert body.layout.flex_flow == "row wrap" and list(body.children[0].children) == [lab.editor.widget]
        assert lab.live.widget in body.children[1].children
        assert lab.live.rates.figure.layout.width == "100%"          # stacked in the narrow column
        lab.view.value = "stacked"
        assert body.layout.flex_flow == "column"
        lab.view.value = "lab"
        assert body.children[0].layout.display == "none"
        with pytest.raises(sl.SparkLabError, match="view"):
            Lab(small_net(), view="tabs")
    finally:
        lab.close()
