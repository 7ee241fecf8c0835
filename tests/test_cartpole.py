"""The gymnasium bridge and the CartPole agent (short deterministic runs); batching: test_batch.py."""
import json

import numpy as np
import pytest

import spark_lab as sl
from spark_lab.batch import BatchedSimulator
from spark_lab.closed_loop import (
    CartPoleConfig,
    FailureFeedback,
    GymBridge,
    cartpole_network,
    failure_direction,
    first_solve,
    make_envs,
    run_cartpole,
    scale_obs,
)


def test_failure_direction_and_criterion():
    final = np.array([[0.0, 0, 0.25, 0], [0.0, 0, -0.25, 0], [2.5, 0, 0.01, 0], [-2.5, 0, 0.01, 0]])
    np.testing.assert_array_equal(failure_direction(final, "outward"), [1, -1, 1, -1])
    np.testing.assert_array_equal(failure_direction(final, "inward"), [1, -1, -1, 1])
    assert first_solve([500] * 10) == 10
    assert first_solve([100] + [500] * 9) is None                        # mean 460 < 475
    assert first_solve([100] + [500] * 10) == 11
    assert first_solve([480] * 9 + [500]) == 10
    assert first_solve([500] * 9 + [499]) is None                        # the last one must be complete
    np.testing.assert_array_equal(scale_obs(np.array([[4.8, 0, -1.0, 0.5]]), (2.4, 1, 0.2, 1)), [[1, 0, -1, 0.5]])


def test_weights_change_only_after_failures():
    cfg = CartPoleConfig()
    B = 2
    bs = BatchedSimulator([cartpole_network(s, cfg).build() for s in (3, 4)])
    fb = FailureFeedback(cfg, B)
    br = GymBridge(bs, make_envs("CartPole-v1", B), "obs", "action", cfg.steps_per_action, feedback=fb,
                   transform=lambda o: scale_obs(o, cfg.obs_scale), readout=("left", "right"))
    br.reset()
    failed_before = np.zeros(B, bool)
    n_fail = 0
    for _ in range(60):
        w0 = np.concatenate([bs.weights("obs->left"), bs.weights("obs->right")], axis=1)
        ev = br.step()
        w1 = np.concatenate([bs.weights("obs->left"), bs.weights("obs->right")], axis=1)
        changed = np.any(w1 != w0, axis=1)
        np.testing.assert_array_equal(changed, failed_before)      # the pulse comes in the call after the failure
        failed_before = ev.terminated & ~ev.truncated
        n_fail += failed_before.sum()
        assert ev.counts["left"].shape == (B, cfg.n_action)
    assert n_fail >= 2


def test_cartpole_short_run_deterministic_and_batched_equals_separate():
    a = run_cartpole([0, 1, 2], 5)
    b = run_cartpole([0, 1, 2], 5)
    assert a.lengths == b.lengths and a.ends == b.ends
    assert all(len(L) == 5 for L in a.lengths)
    assert all(e in ("pole", "track", "truncated") for E in a.ends for e in E)
    assert a.lengths[0] != a.lengths[1]
    single = run_cartpole([1], 5, batched=False)
    assert single.lengths[0] == a.lengths[1]


def test_cli_json(tmp_path, capsys):
    from spark_lab.cli import main
    assert main(["cartpole", "--seeds", "2", "--first-seed", "5", "--episodes", "3", "--json", "--out",
                 str(tmp_path)]) == 0
    doc = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert doc["summary"]["solved"] == 0 and doc["summary"]["seeds"] == 2
    assert [p["seed"] for p in doc["per_seed"]] == [5, 6]
    assert all(len(p["lengths"]) == 3 for p in doc["per_seed"])
    assert (tmp_path / "cartpole.png").stat().st_size > 10_000
    assert json.loads((tmp_path / "cartpole.json").read_text())["summary"] == doc["summary"]


def test_failure_feedback_values():
    from spark_lab.closed_loop import StepEvents
    cfg = CartPoleConfig(punish=1.0, reward=0.5)
    fb = FailureFeedback(cfg, 3)
    z = np.zeros(3, bool)

    def ev(term, trunc, final):
        return StepEvents(np.zeros((3, 4)), np.zeros(3, int), np.ones(3), np.array(term), np.array(trunc),
                          np.array(final, float))
    for _ in range(9):                                     # 9 steps without an episode end: no signal
        out = fb(ev(z, z, np.zeros((3, 4))))
        assert not np.any(out["m_left"]) and not np.any(out["m_right"])
    # step 10: agent 0's pole falls right, agent 1 is truncated, agent 2 goes on
    out = fb(ev([True, True, False], [False, True, False], [[0, 0, 0.3, 0], [0, 0, 0.3, 0], [0, 0, 0.3, 0]]))
    s = 1 - 10 / 500
    np.testing.assert_allclose(out["m_right"], [0.5 * s, 0, 0])
    np.testing.assert_allclose(out["m_left"], [-1.0 * s, 0, 0])
    np.testing.assert_array_equal(fb.length, [0, 0, 10])
    with pytest.raises(sl.ParameterError, match="anneal"):
        FailureFeedback(CartPoleConfig(anneal="sometimes"), 1)
