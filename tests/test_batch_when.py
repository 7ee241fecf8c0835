"""BatchedSimulator runs the ``when`` recording policies on the device for every agent: each
agent's records equal its full recording, run alone, thinned by hand (the condition
computed from the full spike record here, not by spark_lab)."""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from spark_lab import BatchedSimulator
from spark_lab.errors import ParameterError

sys.path.insert(0, os.path.dirname(__file__))
from _model_nets import small_ei  # noqa: E402

pytestmark = pytest.mark.timeout(300)
DT = 0.1
SEEDS = (1, 2, 3)
STEPS = 400


def nets():
    return [small_ei(seed=s, native=False) for s in SEEDS]


@pytest.fixture(scope="module")
def full():
    """Every agent alone, everything recorded every step, in the same two calls."""
    out = []
    for n in nets():
        sim = n.build()
        a = sim.run(200, record=["exc.spikes", "inh.spikes", "exc.v"])
        b = sim.run(STEPS - 200, record=["exc.spikes", "inh.spikes", "exc.v"])
        out.append({k: np.concatenate([a.records[k], b.records[k]]) for k in a.records})
    return out


def rate_mask(spikes, above, window_steps):
    """Steps where the pool fired more than ``above`` Hz over the last ``window_steps`` steps
    (this one included; steps before the first count as silent)."""
    per_step = np.asarray(spikes).sum(1)
    in_window = np.convolve(per_step, np.ones(window_steps, int))[:len(per_step)]
    return in_window > above * spikes.shape[1] * window_steps * DT * 1e-3


def thinned(full, key, mask, neurons=None):
    v = full[key][mask]
    return np.flatnonzero(mask), (v if neurons is None else v[:, neurons])


def test_rate_condition_per_agent_across_calls(full):
    spec = {"pool": "exc", "var": "v", "neurons": [0, 5, 9],
            "when": {"rate": "inh", "above": 90.0, "window": 5.0}}
    bs = BatchedSimulator(nets())
    parts = [bs.run(200, record=[spec], chunk=100), bs.run(STEPS - 200, record=[spec], chunk=100)]
    kept = []
    for b in range(len(SEEDS)):
        t = np.concatenate([p[b].times["exc.v"] for p in parts])
        v = np.concatenate([p[b].records["exc.v"] for p in parts])
        want_t, want_v = thinned(full[b], "exc.v", rate_mask(full[b]["inh.spikes"], 90.0, 50), [0, 5, 9])
        assert np.array_equal(t, want_t) and np.array_equal(v, want_v)
        kept.append(t.size)
    assert len(set(kept)) > 1 and 0 < min(kept) and max(kept) < STEPS      # each agent its own condition


def test_tag_condition_shared_and_per_agent(full):
    spec = {"pool": "exc", "when": {"tag": "episode", "equals": [1, 3]}, "every": 2}
    per_agent = np.zeros((len(SEEDS), STEPS), np.int64)
    per_agent[0, 10:60] = 1
    per_agent[1, 100:180] = 3
    per_agent[2, 200:] = 2                                  # 2: never kept
    bs = BatchedSimulator(nets())
    res = bs.run(STEPS, record=[spec], inputs={"tag.episode": per_agent}, chunk=100)
    for b in range(len(SEEDS)):
        mask = np.isin(per_agent[b], [1, 3]) & (np.arange(STEPS) % 2 == 0)
        want_t, want_s = thinned(full[b], "exc.spikes", mask)
        assert np.array_equal(res[b].times["exc.spikes"], want_t)
        assert np.array_equal(res[b].records["exc.spikes"], want_s)
    assert res[2].times["exc.spikes"].size == 0
    # a tag keeps its last value into the next call (per agent); one value for every agent
    more = bs.run(20, record=[spec])
    assert more[0].times["exc.spikes"].size == 0 and more[1].times["exc.spikes"].size == 0
    shared = bs.run(20, record=[spec], inputs={"tag.episode": 1})
    assert [r.times["exc.spikes"].tolist() for r in shared] == [list(range(STEPS + 20, STEPS + 40, 2))] * 3
    bs.reset()                                              # tags back to -1, windows silent
    assert all(r.times["exc.spikes"].size == 0 for r in bs.run(20, record=[spec]))


def test_bad_per_agent_tags_are_refused():
    bs = BatchedSimulator(nets())
    spec = {"pool": "exc", "when": {"tag": "episode", "equals": 1}}
    for bad in (np.zeros((2, 10), int), np.zeros((3, 9), int), np.full((3, 10), 0.5)):
        with pytest.raises(ParameterError, match="tag"):
            bs.run(10, record=[spec], inputs={"tag.episode": bad})
    assert bs.t == 0
