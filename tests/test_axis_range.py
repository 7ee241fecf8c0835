"""Sticky y ranges of the live monitors (spark_lab/notebook/_axis_range.py) and the paced
frame throttle (spark_lab/notebook/_throttle.py)."""
import time

import numpy as np
import pytest

from spark_lab.notebook._axis_range import sticky_range
from spark_lab.notebook._throttle import Throttle


def test_a_new_range_holds_the_data_with_headroom_on_a_125_grid():
    a, b = sticky_range(None, [-70.0, -52.0])
    assert a <= -70.0 - 1.8 and b >= -52.0 + 1.8          # 10 % of the span on each side
    assert (a, b) == (-75.0, -50.0)                        # padded span 21.6 -> a grid of 5


def test_the_range_stays_while_the_data_move_inside_it():
    cur = sticky_range(None, [-70.0, -52.0])
    rng = np.random.default_rng(0)
    for _ in range(50):
        lo = -70.0 + rng.uniform(0, 3)
        assert sticky_range(cur, [lo, lo + rng.uniform(12, 17)]) == cur


def test_the_range_grows_when_data_leave_it_and_shrinks_when_they_fill_little_of_it():
    cur = sticky_range(None, [0.0, 10.0], floor=0.0)
    up = sticky_range(cur, [0.0, 40.0], floor=0.0)
    assert up[1] >= 40.0 and up[0] == 0.0
    down = sticky_range(up, [0.0, 2.0], floor=0.0)          # 2 of >= 44: under 30 % filled
    assert down[1] < 10.0 and down[0] == 0.0


def test_floor_and_degenerate_data():
    assert sticky_range(None, [3.0, 3.0], floor=0.0)[0] >= 0.0
    lo, hi = sticky_range(None, [-65.0, -65.0])
    assert lo < -65.0 < hi
    assert sticky_range(None, []) is None
    assert sticky_range((0.0, 1.0), [np.nan]) == (0.0, 1.0)


def test_the_throttle_keeps_its_schedule_when_frames_come_late():
    """Frames at chunk boundaries 13 ms apart with a 10 fps throttle: the due time advances by
    the interval from the previous due time, not from the late frame, so the average rate is
    10/s (measuring from the last draw gave 1 / 0.104 s = 9.6/s here, ~8.5/s in the browser)."""
    th = Throttle(max_fps=10.0, cost_factor=5.0)
    clock = [1000.0]
    real = time.perf_counter
    try:
        time.perf_counter = lambda: clock[0]
        drawn = 0
        for _ in range(int(10.0 / 0.013)):                   # 10 s of 13 ms chunks
            clock[0] += 0.013
            if th.due():
                th.record(clock[0])
                drawn += 1
    finally:
        time.perf_counter = real
    assert drawn / 10.0 == pytest.approx(10.0, abs=0.15)


def test_the_throttle_restarts_after_a_gap_instead_of_bursting():
    th = Throttle(max_fps=10.0)
    t = time.perf_counter()
    th.record(t - 5.0, time.thread_time())                    # a frame 5 s ago (then a pause)
    time.sleep(0.002)
    assert th.due()
    th.record(time.perf_counter(), time.thread_time())
    assert not th.due()                                       # no catch-up burst
    for _ in range(20):                                       # flushes while paused do not push
        th.record(time.perf_counter(), time.thread_time())    # the schedule far into the future
    assert th.next_due <= time.perf_counter() + 0.1 + 1e-3

