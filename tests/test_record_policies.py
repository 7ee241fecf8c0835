"""Recording policies (spark_lab/_record_policy.py): every n steps, between t0 and t1, while
a pool's rate is above x over a window, while an input tag holds; each checked against a
full recording of the same run thinned by hand (numpy), on the device inside the chunk."""
from __future__ import annotations

import os
import sys

import jax
import numpy as np
import pytest

import spark_lab as sl
from spark_lab import model
from spark_lab._chunk import make_chunk
from spark_lab.batch import BatchedSimulator
from spark_lab.errors import ModelError, NetworkError, ParameterError
from spark_lab.session import Session

sys.path.insert(0, os.path.dirname(__file__))
from _model_nets import small_ei  # noqa: E402

pytestmark = pytest.mark.timeout(300)
DT = 0.1


def net(seed=3, native=True):
    return small_ei(seed, native, DT)


STEPS = 900


@pytest.fixture(scope="module")
def full():
    """The whole run recorded at every step: exc.v, exc.spikes, inh.spikes."""
    res = net().build().run(STEPS, record=["exc.v", "exc.spikes", "inh.spikes"], chunk=130)
    assert np.array_equal(res.times["exc.v"], np.arange(STEPS))
    return res


def run_with(spec, chunk=130, inputs=None, calls=1):
    """Run the same network with one record spec, cut into ``calls`` run calls."""
    sim = net().build()
    per = STEPS // calls
    parts = [sim.run(per, inputs=None if inputs is None else inputs(i * per, per), record=[spec], chunk=chunk)
             for i in range(calls)]
    key = sl.RecordSpec.parse(spec, sim.net).key
    return (np.concatenate([p.times[key] for p in parts]), np.concatenate([p.records[key] for p in parts]))


def check(full, key, mask, got, neurons=None):
    t, vals = got
    want = full.records[key][mask]
    if neurons is not None:
        want = want[:, list(neurons)]
    assert np.array_equal(t, np.flatnonzero(mask))
    assert vals.dtype == want.dtype and np.array_equal(vals, want)


@pytest.mark.parametrize("every,chunk", [(7, 130), (10, 100), (1000, 130), (3, 1)])
def test_every_n_steps(full, every, chunk):
    mask = np.arange(STEPS) % every == 0
    check(full, "exc.v", mask, run_with({"pool": "exc", "var": "v", "every": every}, chunk=chunk))


def test_between_t0_t1(full):
    t = np.arange(STEPS) * DT
    mask = (t >= 12.3 - 1e-9) & (t < 47.05)
    check(full, "exc.v", mask, run_with({"pool": "exc", "var": "v", "between": [12.3, 47.05]}))
    mask_open = (t >= 80.0 - 1e-9) & (np.arange(STEPS) % 4 == 0)
    check(full, "exc.spikes", mask_open, run_with(sl.RecordSpec("exc", "spikes", 4, between=(80.0, None)), calls=3))


def windowed_rate_mask(spikes, n, above, window_steps):
    """Steps where the pool fired more than ``above`` Hz over the last window (by hand)."""
    per_step = spikes.sum(axis=1)
    in_window = np.convolve(per_step, np.ones(window_steps, int))[:len(per_step)]
    return in_window > above * n * window_steps * DT * 1e-3


@pytest.mark.parametrize("calls", [1, 3])
def test_while_pool_rate_above(full, calls):
    when = {"rate": "inh", "above": 90.0, "window": 5.0}
    mask = windowed_rate_mask(full.records["inh.spikes"], 10, 90.0, 50)
    assert 0 < mask.sum() < STEPS                       # the condition switches on and off in this run
    check(full, "exc.v", mask, run_with({"pool": "exc", "var": "v", "neurons": [2, 5, 7], "when": when},
                                        calls=calls), neurons=[2, 5, 7])


def test_while_input_tag(full):
    episode = np.repeat(np.arange(9), 100).astype(np.int64)          # 9 episodes of 100 steps

    def inputs(t0, k):
        return {"tag.episode": episode[t0:t0 + k]}
    mask = np.isin(episode, [2, 5])
    check(full, "exc.spikes", mask,
          run_with({"pool": "exc", "when": {"tag": "episode", "equals": [5, 2]}}, inputs=inputs, calls=3))


def test_a_tag_keeps_its_last_value():
    sim = net().build()
    spec = {"pool": "exc", "var": "v", "when": {"tag": "phase", "equals": 1}}
    assert sim.run(50, record=[spec]).times["exc.v"].size == 0          # -1 before it is given
    sim.run(20, inputs={"tag.phase": 1}, record=[spec])
    assert np.array_equal(sim.run(30, record=[spec]).times["exc.v"], np.arange(70, 100))
    sim.reset()
    assert sim.run(10, record=[spec]).times["exc.v"].size == 0


def test_policies_combine(full):
    t = np.arange(STEPS)
    mask = (t % 3 == 0) & (t * DT >= 20.0 - 1e-9) & (t * DT < 70.0) & \
        windowed_rate_mask(full.records["exc.spikes"], 30, 100.0, 30)
    assert mask.sum() > 0
    spec = {"pool": "exc", "var": "v", "every": 3, "between": [20.0, 70.0],
            "when": {"rate": "exc", "above": 100.0, "window": 3.0}}
    check(full, "exc.v", mask, run_with(spec, chunk=77, calls=2))


def test_decimation_happens_on_the_device():
    """The chunk itself puts the kept samples first and counts them (in ``out``): only those
    rows leave the device; changing ``every`` or ``between`` does not recompile."""
    sim = net().build()
    spec = sl.RecordSpec.parse({"pool": "exc", "var": "v", "every": 10}, sim.net)
    fn = jax.jit(make_chunk(sim.layout, 100, (spec,), (), None, sim.prepared_packer, lambda: None))
    _, out, (((vals, steps, kept),), windows) = fn(sim.get_state_tree(), sim.device_args(), {})
    assert int(kept) == 10 and int(np.asarray(out)[-1]) == 10 and windows == {}
    assert np.array_equal(np.asarray(steps)[:10], np.arange(0, 100, 10))
    full = net().build().run(100, record=["exc.v"]).records["exc.v"]
    assert np.array_equal(np.asarray(vals)[:10], full[::10])
    n = sim.compile_count
    for s in ({"pool": "exc", "var": "v", "every": 3}, {"pool": "exc", "var": "v", "between": [1.0, 2.0]}):
        sim.run(50, record=[s], chunk=50)
    assert sim.compile_count == n + 1


def test_same_spelling_in_network_session_and_model_file(tmp_path):
    entry = {"pool": "exc", "var": "v", "every": 2, "neurons": [1, 3], "between": [5.0, None],
             "when": {"rate": "inh", "above": 20.0, "window": 4.0}}
    n = net()
    spec = n.record("exc", "v", every=2, neurons=[1, 3], between=(5.0, None),
                    when={"rate": "inh", "above": 20, "window": 4})
    assert spec.to_dict() == entry and sl.RecordSpec.parse(entry, n) == spec
    model.save(n, tmp_path / "m.json")
    back = model.load(tmp_path / "m.json")
    assert back.records == n.records and model.to_dict(back)["record"] == [entry]
    with Session(net(), record=[entry], chunk=50) as s:
        s.step(200)
        t, _ = s.recorded("exc", "v")
    assert np.array_equal(t, net().build().run(200, record=[entry], chunk=50).times["exc.v"])
    n.rename_pool("inh", "inhib")                      # the condition follows the rename
    assert n.records[0].when.name == "inhib"
    n.remove_pool("inhib")                             # and goes with the pool it reads
    assert n.records == ()


def test_session_merges_policies():
    with Session(net(), record=[{"pool": "exc", "var": "v", "between": [1.0, 2.0]},
                                {"pool": "exc", "var": "v", "between": [3.0, 5.0], "every": 2}]) as s:
        s.step(100)
        t, _ = s.recorded("exc", "v")
    assert np.array_equal(t, np.arange(10, 50))        # the span [1, 5) ms at the smaller every (1)


def test_batch_thins_on_the_device():
    nets = [net(seed=s, native=False) for s in (1, 2)]
    spec = {"pool": "exc", "var": "v", "every": 6, "between": [3.0, 40.0]}
    res = BatchedSimulator(nets).run(400, record=[spec], chunk=90)
    for b, s in enumerate((1, 2)):
        one = net(seed=s, native=False).build().run(400, record=[spec], chunk=90)
        assert np.array_equal(res[b].times["exc.v"], one.times["exc.v"])
        assert np.array_equal(res[b].records["exc.v"], one.records["exc.v"])
    tagged = BatchedSimulator(nets).run(10, record=[{"pool": "exc", "when": {"tag": "x", "equals": 1}}],
                                        inputs={"tag.x": 1})       # 'when' is batched (tests/test_batch_when.py)
    assert [r.times["exc.spikes"].tolist() for r in tagged] == [list(range(10))] * 2


@pytest.mark.parametrize("entry,field", [
    ({"pool": "exc", "between": [5.0, 2.0]}, "between"),
    ({"pool": "exc", "between": [-1.0, 2.0]}, "between"),
    ({"pool": "exc", "between": 3.0}, "between"),
    ({"pool": "exc", "when": {"rate": "exc", "above": 1.0}}, "when.window"),
    ({"pool": "exc", "when": {"rate": "exc", "above": -1.0, "window": 2.0}}, "when.above"),
    ({"pool": "exc", "when": {"rate": "exc", "window": 0.01}}, "when.window"),
    ({"pool": "exc", "when": {"tag": "ep", "equals": 1.5}}, "when.equals"),
    ({"pool": "exc", "when": {"tag": "ep", "rate": "exc"}}, "when"),
    ({"pool": "exc", "when": {"tag": "ep", "equals": 1, "above": 2}}, "when"),
    ({"pool": "exc", "often": 2}, "often"),
])
def test_bad_policies_are_refused_naming_the_field(entry, field):
    n = net()
    with pytest.raises(ParameterError) as e:
        sl.RecordSpec.parse(entry, n)
    assert e.value.field == field
    assert n.records == ()


def test_unknown_condition_pool_and_bad_tag_input():
    n = net()
    with pytest.raises(NetworkError, match="nope"):
        n.record("exc", when={"rate": "nope", "above": 1.0, "window": 1.0})
    sim = n.build()
    with pytest.raises(ParameterError, match="tag"):
        sim.run(10, inputs={"tag.ep": 1.5})
    with pytest.raises(ParameterError, match="tag"):
        sim.run(10, inputs={"tag.ep": np.zeros(9, int)})
    assert sim.t == 0


def test_model_file_points_at_the_bad_condition():
    doc = model.to_dict(net())
    doc["record"] = [{"pool": "exc", "var": "v", "every": 1, "neurons": None,
                      "when": {"rate": "exc", "above": 1.0, "window": -2.0}}]
    with pytest.raises(ModelError) as e:
        model.from_dict(doc)
    assert any(i.path == "/record/0/when/window" for i in e.value.issues)
