"""Session commands under concurrency and bad input (issue 13): every run/pause/step/reset/
set_param(s)/stop from any thread takes effect in the order received or raises at once;
``pause()`` returns with every change received before it applied; the session's type rules
are the simulator's."""
from __future__ import annotations

import os
import sys
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spark_lab as sl
from spark_lab.errors import SparkLabError
from spark_lab.session import Monitor, Session

sys.path.insert(0, os.path.dirname(__file__))
from test_session import ei_net  # noqa: E402

pytestmark = pytest.mark.timeout(300)


def small_net():
    return ei_net(n_exc=16, n_inh=4)


def test_two_threads_stepping_both_run():
    """Two concurrent step(100) calls: both return and time advances by 200 (before: one
    command overwrote the other and its caller waited its whole timeout)."""
    s = Session(small_net(), chunk=100)
    s.step()                                            # compiled once, outside the race
    for _ in range(8):
        t0, errors, gate = s.t, [], threading.Barrier(2)

        def stepper(gate=gate, errors=errors):
            gate.wait()
            try:
                s.step(100, timeout=15)
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=stepper) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(40)
        assert not errors, errors
        assert s.t == t0 + 200 and s.status == "paused"
    s.stop()


def test_pause_returns_with_queued_changes_applied(tmp_path):
    """run(); set_param(); pause(): once pause() returns the simulator, and so a checkpoint,
    has the change (before: it stayed queued while paused)."""
    sim, other = small_net().build(), small_net().build()
    for value in (4.29, 1.5, 4.29):
        s = Session(sim, chunk=50)
        s.run()
        s.set_param("inh", "g_inh", value)
        s.pause()
        assert s.status == "paused" and not s.pending
        assert float(s.sim.get_param("inh", "g_inh")) == value
        s.sim.save_checkpoint(tmp_path / "c.npz")
        other.load_checkpoint(tmp_path / "c.npz")
        assert float(other.get_param("inh", "g_inh")) == value
        s.stop()


class BlockingInit(Monitor):
    """A monitor whose init() blocks (once armed) until released: holds a reset in flight."""
    records = ()

    def __init__(self):
        self.armed, self.entered, self.release = False, threading.Event(), threading.Event()

    def init(self, session):
        if self.armed:
            self.entered.set()
            assert self.release.wait(30)

    def step(self, frame):
        pass

    def close(self):
        pass


def test_run_received_during_reset_is_not_dropped():
    """run() from one thread while reset() runs in another: the run was received after the
    reset, so the session ends up running (before: the reset's pause dropped it)."""
    mon = BlockingInit()
    s = Session(small_net(), chunk=20, monitors=[mon])
    s.step()
    mon.armed = True
    resetter = threading.Thread(target=s.reset)
    resetter.start()
    assert mon.entered.wait(30)                          # the reset is in flight
    runner = threading.Thread(target=s.run)
    runner.start()
    time.sleep(0.3)                                      # let run() be received (either way it follows the reset)
    mon.armed = False
    mon.release.set()
    resetter.join(30)
    runner.join(30)
    assert not resetter.is_alive() and not runner.is_alive()
    assert s.status == "running"
    assert s.wait(steps=100, timeout=30)
    s.pause()
    assert s.status == "paused" and s.t >= 100
    s.stop()


def test_order_of_receipt_decides_run_and_reset():
    """From one thread: run() then reset() ends paused at t = 0; reset() then run() ends running."""
    s = Session(small_net(), chunk=20)
    s.run()
    s.reset()
    assert (s.status, s.t) == ("paused", 0)
    s.reset()
    s.run()
    assert s.status == "running"
    s.stop()
    assert s.status == "stopped"


BAD_VALUES = [("exc_inh", "weight", True), ("exc_inh", "weight", 1 + 1j), ("inh", "g_inh", True),
              ("inh", "g_inh", "abc"), ("inh", "g_inh", None), ("exc_inh", "weight", "abc"),
              ("exc_inh", "weight", None), ("exc", "tau_m", "abc"), ("exc", "tau_m", None),
              ("exc", "tau_m", True), ("inh", "g_inh", 1 + 1j), ("exc", "tau_m", 1 + 1j),
              ("inh", "g_inh", np.True_), ("exc_inh", "weight", np.True_), ("inh", "g_inh", np.complex128(2)),
              ("exc_inh", "weight", np.array(1 + 0j)), ("exc_inh", "weight", [1.0, 2.0])]


@pytest.mark.parametrize("running", [False, True])
def test_one_set_of_type_rules(running):
    """Session.set_param refuses exactly what Simulator.set_param refuses, with the same
    ParameterError, and nothing is queued or changed (before: True and 1+1j were accepted for
    a weight, True for g_inh, and "abc"/None raised raw ValueError/TypeError)."""
    s = Session(small_net(), chunk=20)
    ref = small_net().build()
    if running:
        s.run()
    before = {(t, n): s.get_param(t, n) for t, n, _ in BAD_VALUES}
    for target, name, value in BAD_VALUES:
        with pytest.raises(sl.ParameterError) as want:
            ref.set_param(target, name, value)
        with pytest.raises(sl.ParameterError) as got:
            s.set_param(target, name, value)
        assert str(got.value) == str(want.value), (target, name, value)
        assert (got.value.component, got.value.field) == (want.value.component, want.value.field)
    assert not s.pending
    s.pause()
    for key, v in before.items():
        np.testing.assert_array_equal(s.sim.get_param(*key), v)
    s.stop()


def test_commands_after_stop_raise_at_once():
    s = Session(small_net(), chunk=20)
    s.step()
    s.stop()
    for call in (s.run, s.step, s.reset, lambda: s.set_param("inh", "g_inh", 1.0)):
        with pytest.raises(sl.SessionError, match="stopped"):
            call()
    s.pause()                                          # nothing to pause: not an error
    s.stop()                                           # idempotent


def test_a_monitor_may_command_the_session_from_its_thread():
    """Commands made on the session thread (a monitor, a status callback) are queued and
    not waited for: they cannot deadlock the thread that would run them."""

    class PauseAt(Monitor):
        records = ()

        def init(self, session):
            self.session = session

        def step(self, frame):
            if frame.t_start + frame.steps >= 200:
                self.session.pause()

        def close(self):
            pass

    s = Session(small_net(), chunk=50, monitors=[PauseAt()])
    s.run()
    assert s.wait(timeout=30)
    assert (s.status, s.t) == ("paused", 200)
    s.step(10)
    assert s.t == 210
    s.stop()


# ---------------------------------------------------------------- concurrent orderings
_SIM = None
OWNED = [("inh", "g_inh", (0.0, 8.0)), ("exc", "tau_m", (5.0, 40.0)), ("exc_inh", "weight", (0.0, 3.0))]
STEPS = [1, 10, 20]                                  # few distinct sizes: each compiles once


def shared_sim():
    global _SIM
    if _SIM is None:
        _SIM = small_net().build()
    return _SIM


step_cmd = st.tuples(st.just("step"), st.sampled_from(STEPS))
param_cmd = st.tuples(st.just("set"), st.floats(0.0, 1.0))
other_cmd = st.one_of(st.tuples(st.just("run"), st.sampled_from([None, 10, 30])),
                      st.tuples(st.just("pause"), st.booleans()), st.tuples(st.just("reset"), st.none()))
steps_only = st.lists(st.lists(st.one_of(step_cmd, param_cmd), min_size=1, max_size=5), min_size=2, max_size=3)
mixed = st.lists(st.lists(st.one_of(step_cmd, param_cmd, other_cmd), min_size=1, max_size=6), min_size=2, max_size=3)
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TIMEOUT = 60.0


def play(s, scripts):
    """Run each script on its own thread; -> (errors, last value set per owned parameter)."""
    errors, last = [], {}

    def worker(i, script):
        target, name, (lo, hi) = OWNED[i]
        for op, arg in script:
            try:
                if op == "step":
                    s.step(arg, timeout=TIMEOUT)
                elif op == "set":
                    v = lo + arg * (hi - lo)
                    s.set_param(target, name, v)
                    last[(target, name)] = v
                elif op == "run":
                    s.run(arg)
                elif op == "pause":
                    s.pause(wait=arg, timeout=TIMEOUT)
                else:
                    s.reset(timeout=TIMEOUT)
            except SparkLabError as e:                  # allowed, but none is expected here
                errors.append((op, e))
            except BaseException as e:  # noqa: BLE001
                errors.append((op, e))

    threads = [threading.Thread(target=worker, args=(i, sc)) for i, sc in enumerate(scripts)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(TIMEOUT * 10)
    assert not any(th.is_alive() for th in threads), "a command call hung"
    return errors, last


@SETTINGS
@given(steps_only)
def test_concurrent_steps_and_changes_lose_nothing(scripts):
    sim = shared_sim()
    sim.reset()
    s = Session(sim, chunk=10)
    errors, last = play(s, scripts)
    assert not errors, errors
    assert s.t == sum(arg for sc in scripts for op, arg in sc if op == "step")
    s.pause()
    assert not s.pending
    for key, v in last.items():
        assert np.all(s.sim.get_param(*key) == v), key
    t = s.t
    s.step(1)                                           # the session thread is alive
    assert s.t == t + 1 and s.error is None
    s.stop()


@SETTINGS
@given(mixed)
def test_concurrent_orderings_keep_the_session_sound(scripts):
    sim = shared_sim()
    sim.reset()
    s = Session(sim, chunk=10)
    errors, last = play(s, scripts)
    assert not errors, errors
    s.pause()
    assert s.status in ("idle", "paused") and not s.pending
    for key, v in last.items():
        assert np.all(s.sim.get_param(*key) == v), key
    t = s.t
    time.sleep(0.02)
    assert s.t == t                                    # really paused
    s.step(1)
    assert s.t == t + 1 and s.status == "paused" and s.error is None
    s.stop()
    assert s.status == "stopped"
