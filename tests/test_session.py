"""Session (spark_lab.session): lifecycle, queued parameter changes, monitors, ring buffers,
divergence, reset, pacing; and the spike-train analysis helpers it feeds."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import deque

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import analysis
from spark_lab._ring import RingBuffer
from spark_lab.session import Monitor, Session, SessionError

pytestmark = pytest.mark.timeout(120)


def ei_net(seed=1, n_exc=80, n_inh=20, rate=20.0):
    net = sl.Network(dt=0.1, seed=seed)
    lif = sl.LIF(tau_m=20.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0,
                 v_init_low=-65.0, v_init_high=-50.0)
    net.add_pool("exc", lif, n_exc, excitatory=True)
    net.add_pool("inh", lif, n_inh, excitatory=False, g_inh=4.0)
    net.add_pool("ext", sl.PoissonSource(rate=rate), 100)
    for pre in ("exc", "inh"):
        for post in ("exc", "inh"):
            net.connect(pre, post, synapse=sl.Exponential(tau=5.0), connectivity=sl.FixedProbability(p=0.2),
                        weight=1.0, delay=1.0, name=f"{pre}_{post}")
    for post in ("exc", "inh"):
        net.connect("ext", post, connectivity=sl.FixedProbability(p=0.2), weight=5.0, name=f"ext_{post}")
    return net


class Recorder(Monitor):
    """Keeps what the session hands it (bounded) and counts the calls."""

    def __init__(self, records=(), watch=None):
        self.records = records
        self.watch = watch            # (target, name): value in effect for each chunk
        self.frames = deque(maxlen=100_000)
        self.inits = self.flushes = self.closes = 0
        self.session = None

    def init(self, session):
        self.session = session
        self.inits += 1
        self.frames.clear()

    def step(self, frame):
        val = float(np.mean(self.session.sim.get_param(*self.watch))) if self.watch else None
        self.frames.append((frame.t_start, frame.steps, val,
                            {k: v.shape for k, v in frame.records.items()},
                            {p: int(c.sum()) for p, c in frame.counts.items()}))

    def flush(self):
        self.flushes += 1

    def close(self):
        self.closes += 1


def test_kernel_import_has_no_ui():
    code = ("import sys, spark_lab, spark_lab.session, spark_lab.analysis; "
            "bad = [m for m in ('ipywidgets', 'bqplot', 'ipycytoscape') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_lifecycle_step_run_pause_reset_stop():
    mon = Recorder(records=(sl.RecordSpec("exc", "spikes"), sl.RecordSpec("exc", "v", 1, (0, 3))))
    s = Session(ei_net(), chunk=50, monitors=[mon])
    assert s.status == "idle" and s.t == 0 and mon.inits == 1
    s.step()
    assert (s.status, s.t) == ("paused", 50)
    s.step_one()
    assert s.t == 51
    s.step(7)
    assert s.t == 58
    assert [f[:2] for f in mon.frames] == [(0, 50), (50, 1), (51, 7)]
    assert mon.frames[0][3] == {"exc.spikes": (50, 80), "exc.v": (50, 2)}
    assert mon.flushes >= 3                       # every step ends idle
    s.run()
    assert s.status == "running"
    assert s.wait(steps=2000, timeout=60)
    s.pause()
    t = s.t
    assert s.status == "paused" and t >= 2000 and (t - 58) % 50 == 0
    time.sleep(0.05)
    assert s.t == t                               # really paused
    starts = [f[0] for f in mon.frames]
    assert starts == sorted(starts) and all(a[0] + a[1] == b[0] for a, b in zip(mon.frames, list(mon.frames)[1:]))
    assert sum(f[4]["ext"] for f in mon.frames) == s.counts["ext"].sum() > 0
    s.reset()
    assert (s.t, s.status, mon.inits) == (0, "paused", 2)
    assert s.recorded("exc", "spikes")[0].size == 0 and s.counts["exc"].sum() == 0
    s.step()
    first_after_reset = s.recorded("exc", "v")[1]
    s.reset()
    s.step()
    np.testing.assert_array_equal(s.recorded("exc", "v")[1], first_after_reset)     # same seed, same run
    s.stop()
    assert s.status == "stopped" and mon.closes == 1
    with pytest.raises(SessionError, match="stopped"):
        s.run()
    with pytest.raises(SessionError):
        s.step()


def test_thousand_random_changes_from_another_thread():
    s = Session(ei_net(), chunk=20)
    s.step()
    compiles = s.sim.compile_count
    rng = np.random.default_rng(7)
    last, errors = {}, []
    params = [(("inh", "g_inh"), (0.0, 10.0)), (("exc", "tau_m"), (5.0, 40.0)), (("inh", "t_ref"), (0.0, 5.0)),
              (("exc_inh", "weight"), (0.0, 3.0)), (("exc_exc", "tau"), (1.0, 10.0)),
              (("exc", "v_rest"), (-70.0, -60.0))]

    def hammer():
        try:
            for i in range(1000):
                if i % 10 == 0:
                    # two fields that must change together (v_reset < v_th): never half-applied
                    hi = i % 20 == 0
                    ch = {("exc", "v_reset"): -45.0 if hi else -65.0, ("exc", "v_th"): -40.0 if hi else -50.0}
                    if not hi:                        # going down: lower v_reset first would be fine,
                        ch = dict(reversed(list(ch.items())))   # but order must not matter either way
                    s.set_params(ch)
                    last.update(ch)
                    continue
                key, (lo, hi_) = params[rng.integers(len(params))]
                v = float(rng.uniform(lo, hi_))
                s.set_param(*key, v)
                last[key] = v
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    s.run()
    th = threading.Thread(target=hammer)
    th.start()
    th.join(60)
    s.pause()
    assert not errors, errors
    assert s.status == "paused" and not s.rejected and s.error is None
    for (target, name), v in last.items():
        got = s.sim.get_param(target, name)
        assert np.all(got == v), (target, name, got, v)
    assert s.sim.compile_count == compiles            # never a recompilation
    assert s.applied_changes > 0 and not s.pending


def test_change_latency_at_most_one_chunk():
    mon = Recorder(watch=("inh", "g_inh"))
    s = Session(ei_net(), chunk=50, monitors=[mon])
    s.step()
    s.run()
    for value in (6.0, 2.5, 8.0, 3.0):
        s.wait(steps=s.t + 200)
        s.set_param("inh", "g_inh", value)
        t_after = s.t                                  # a boundary already passed when set_param returned
        assert s.wait(steps=t_after + 200)
        frames = list(mon.frames)
        first_new = min(f[0] for f in frames if f[0] >= t_after and f[2] == value)
        assert first_new <= t_after + 50, (first_new, t_after)
        assert all(f[2] == value for f in frames if f[0] >= first_new)
    s.stop()


def test_bad_change_is_refused_synchronously_and_the_session_survives():
    s = Session(ei_net(), chunk=20)
    s.run()
    with pytest.raises(sl.ParameterError) as e:
        s.set_param("exc", "tau_m", -1.0)
    assert "pool 'exc'" in str(e.value) and e.value.field == "tau_m"
    with pytest.raises(sl.ParameterError, match="v_reset"):
        s.set_param("exc", "v_reset", -40.0)            # not < v_th = -50
    with pytest.raises(sl.ParameterError, match="g_inh"):
        s.set_param("inh", "g_inh", -1.0)
    with pytest.raises(sl.ParameterError, match="weight"):
        s.set_param("inh_exc", "weight", -1.0)         # Dale: magnitudes
    with pytest.raises(sl.ParameterError, match="tau_mm.*did you mean 'tau_m'"):
        s.set_param("exc", "tau_mm", 10.0)
    with pytest.raises(sl.NetworkError, match="exx"):
        s.set_param("exx", "tau_m", 10.0)
    with pytest.raises(sl.ParameterError, match="shape"):
        s.set_param("exc", "tau_m", np.ones(3))
    # a queued v_th makes a v_reset valid that is invalid against the current v_th, and the reverse
    s.set_params({("exc", "v_th"): -30.0})
    s.set_param("exc", "v_reset", -40.0)
    with pytest.raises(sl.ParameterError):
        s.set_param("exc", "v_th", -45.0)
    assert s.pending == {} or all(k in (("exc", "v_th"), ("exc", "v_reset")) for k in s.pending)
    assert s.wait(steps=s.t + 100)
    s.pause()
    assert s.status == "paused" and float(s.sim.get_param("exc", "v_reset")[0]) == -40.0
    arr = np.linspace(15.0, 25.0, 80)
    s.set_param("exc", "tau_m", arr)
    arr[:] = 1.0                                        # the caller's array is copied when queued
    assert s.sim.get_param("exc", "tau_m")[0] == 15.0
    s.stop()


def test_divergence_pauses_names_pool_and_keeps_state():
    net = sl.Network(dt=0.1, seed=0)
    net.add_pool("src", sl.PoissonSource(rate=2000.0), 20)
    net.add_pool("post", sl.LIF(), 5)
    net.connect("src", "post", synapse=sl.Exponential(tau=5.0), connectivity=sl.AllToAll(), weight=1.0, name="drive")
    s = Session(net, chunk=100)
    s.step()
    before = s.sim.state
    s.set_param("drive", "weight", 3e38)                 # finite, but the sum overflows
    s.run()
    deadline = time.monotonic() + 30
    while s.status == "running" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert s.status == "diverged"
    assert isinstance(s.error, sl.DivergenceError)
    assert "post" in s.message and any(f"{v}" in s.message for v in ("v", "I")), s.message
    assert s.t == 100
    np.testing.assert_array_equal(s.sim.state["pools"]["post"]["v"], before["pools"]["post"]["v"])
    # fix and resume from the kept state
    s.set_param("drive", "weight", 0.5)
    s.run()
    assert s.wait(steps=400)
    s.pause()
    assert s.status == "paused" and s.error is None and np.all(np.isfinite(s.sim.state["pools"]["post"]["v"]))
    # diverge again, then reset
    s.set_param("drive", "weight", 3e38)
    s.step()
    assert s.status == "diverged"
    s.set_param("drive", "weight", 0.5)
    s.reset()
    assert (s.status, s.t) == ("paused", 0)
    s.step()
    assert s.status == "paused" and s.t == 100
    s.stop()


def test_ring_buffers_stay_bounded():
    s = Session(ei_net(), chunk=100, buffer_steps=500, buffer_chunks=7, record=["exc.spikes", "exc.v"])
    size = s.buffer_bytes
    for _ in range(12):
        s.step()
    ts, v = s.recorded("exc", "v")
    assert v.shape == (500, 80) and ts[0] == 700 and ts[-1] == 1199
    np.testing.assert_array_equal(ts, np.arange(700, 1200))
    starts, lengths, _ = s.chunk_history()
    assert starts.tolist() == list(range(500, 1200, 100)) and set(lengths) == {100}
    assert s.buffer_bytes == size
    assert s.counted_steps == 1200                       # counts accumulate in fixed arrays
    _, v5 = s.recorded("exc", "v", neurons=[5, 2], last=10)
    np.testing.assert_array_equal(v5, v[-10:, [5, 2]])
    with pytest.raises(sl.ParameterError, match="not recorded"):
        s.recorded("inh", "v")
    s.stop()


def test_ring_buffer_against_a_deque():
    rng = np.random.default_rng(0)
    rb, ref = RingBuffer(37, (3,), np.int64), deque(maxlen=37)
    k = 0
    for _ in range(200):
        m = int(rng.integers(0, 60))
        block = np.arange(k, k + m * 3).reshape(m, 3)
        k += m * 3
        rb.push(block)
        ref.extend(block)
        n = int(rng.integers(0, 45))
        want = np.array(list(ref)[-n:] if n else [], np.int64).reshape(-1, 3)
        np.testing.assert_array_equal(rb.latest(n), want[-min(n, len(ref)):] if n else want)
    assert len(rb) == 37 and rb.total == k // 3
    with pytest.raises(sl.ParameterError, match="rows of shape"):
        rb.push(np.zeros((2, 4)))


def test_real_time_pacing():
    s = Session(ei_net(n_exc=40, n_inh=10), chunk=100, speed=0.5)     # 10 ms simulated per chunk
    s.step()
    t0_ms, w0 = s.time_ms, time.monotonic()
    s.run()
    time.sleep(1.0)
    s.pause()
    sim_ms, wall = s.time_ms - t0_ms, time.monotonic() - w0
    assert sim_ms <= wall * 0.5 * 1e3 + 20.0            # never ahead (a chunk of slack)
    assert sim_ms >= 0.5 * wall * 0.5 * 1e3, (sim_ms, wall)   # tolerant: shared CPUs
    s.speed = None
    s.run()
    time.sleep(0.3)
    s.pause()
    assert s.time_ms - t0_ms > 3 * sim_ms                 # as fast as possible is much faster here
    with pytest.raises(sl.ParameterError, match="speed"):
        s.speed = 0
    s.stop()


def test_inputs_callable_and_export(tmp_path):
    calls = []

    def inputs(t, steps):
        calls.append((t, steps))
        return {"ext": np.full(100, 30.0)}

    s = Session(ei_net(), chunk=40, inputs=inputs, record=["exc.spikes", "inh.v"])
    s.step()
    s.step(10)
    assert calls == [(0, 40), (40, 10)]
    s.export_npz(tmp_path / "rec.npz")
    z = np.load(tmp_path / "rec.npz")
    assert z["exc.spikes"].shape == (50, 80) and z["inh.v"].shape == (50, 20)
    np.testing.assert_allclose(z["inh.v.t_ms"], np.arange(50) * 0.1)
    np.testing.assert_array_equal(z["counts.exc"], s.counts["exc"])
    s.export_csv(tmp_path / "rec.csv")
    lines = (tmp_path / "rec.csv").read_text().splitlines()
    assert lines[0] == "record,t_ms,neuron,value"
    n_spikes = int(z["exc.spikes"].sum())
    assert sum(ln.startswith("exc.spikes,") for ln in lines) == n_spikes
    assert sum(ln.startswith("inh.v,") for ln in lines) == 50 * 20
    s.stop()


def test_analysis_helpers():
    s = np.zeros((1000, 3), bool)
    s[::10, 0] = True                                   # regular, 10 steps
    s[[5, 7, 40, 41, 300], 1] = True
    assert analysis.rate_hz(s, 1.0) == pytest.approx((100 + 5) / 3 / 1.0)
    isi = analysis.isi(s, 0.5)
    assert sorted(isi[isi != 5.0]) == [0.5, 1.0, 16.5, 129.5] and np.sum(isi == 5.0) == 99
    cv = analysis.cv_isi(s, 0.5)
    assert cv[0] == pytest.approx(0.0) and cv[1] > 1.0 and np.isnan(cv[2])
    sync = np.zeros((2000, 50), bool)
    sync[::20] = True                                   # everybody together
    rng = np.random.default_rng(0)
    asyn = rng.random((2000, 50)) < 0.05
    assert analysis.population_fano(sync, 0.1) > 10 * analysis.population_fano(asyn, 0.1)
    assert analysis.population_fano(asyn, 0.1) == pytest.approx(1.0, abs=0.3)
    _, rate = analysis.fi_curve(sl.LIF(), np.array([0.0, 14.0, 16.0, 20.0, 30.0]), duration_ms=300.0)
    assert rate[0] == rate[1] == 0.0                    # below the rheobase v_th - v_rest = 15 mV
    assert 0 < rate[2] < rate[3] < rate[4]
    with pytest.raises(sl.ParameterError, match="currents"):
        analysis.fi_curve(sl.LIF(), [[1.0]])


def test_bounded_run_pauses_by_itself():
    s = Session(ei_net(), chunk=30)
    s.run(steps=100)                                    # at the first boundary at or after 100: 120
    assert s.wait(timeout=60)
    assert (s.status, s.t) == ("paused", 120)
    s.run(steps=30)
    assert s.wait(timeout=60) and s.t == 150
    with pytest.raises(sl.ParameterError, match="steps"):
        s.run(steps=0)
    s.stop()


def test_plasticity_rule_parameters_and_plastic_weights():
    net = sl.Network(dt=0.1, seed=0)
    net.add_pool("src", sl.PoissonSource(rate=50.0), 20)
    net.add_pool("post", sl.LIF(), 10)
    net.connect("src", "post", connectivity=sl.AllToAll(), weight=0.5, name="syn",
                plasticity=sl.STDP(w_min=0.0, w_max=1.0))
    s = Session(net, chunk=50)
    s.step()
    compiles = s.sim.compile_count
    s.set_param("syn", "a_plus", 0.02)                   # the parameter's own name
    s.set_param("syn", "stdp.tau_plus", 15.0)            # or "<rule>.<parameter>"
    assert float(s.get_param("syn", "a_plus")) == 0.02
    with pytest.raises(sl.ParameterError, match="STDP rule of projection 'syn'.*tau_plus"):
        s.set_param("syn", "tau_plus", -1.0)
    with pytest.raises(sl.ParameterError, match="w_min|w_max"):
        s.set_param("syn", "w_max", -1.0)                # not above w_min
    with pytest.raises(sl.ParameterError, match="outside"):
        s.set_param("syn", "weight", 2.0)                # beyond the rule's w_max
    s.run(steps=200)
    s.wait()
    assert float(s.sim.get_param("syn", "stdp.a_plus")) == 0.02
    assert float(s.sim.get_param("syn", "tau_plus")) == 15.0
    assert s.sim.compile_count == compiles and not s.rejected
    s.stop()
