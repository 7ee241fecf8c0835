"""Speed of 25 CartPole agents: one batched call per environment step vs a loop of single agents.

    python bench/cartpole_batch.py [--agents 25] [--steps 300]

Both sides do the same work per agent and environment step: encode the observation,
run the network for steps_per_action steps with the three-factor plasticity, decode the
action (WinnerTakeAll), step gymnasium, compute the failure feedback.

- batched: one BatchedSimulator (jax.vmap over the agents, pure JAX) and one SyncVectorEnv;
- single:  each agent alone, one after the other, with its own Simulator.run_chunk and
  gymnasium env (the C++ propagation kernel when built, i.e. the fastest single path),
  and again with native=False (the same pure-JAX code as the batch).

Compilation is excluded (one warm-up call each); it is printed separately. Prints one
JSON line.
"""
from __future__ import annotations

import argparse
import json
import time

import gymnasium as gym
import numpy as np

from spark_lab import WinnerTakeAll
from spark_lab.batch import BatchedSimulator
from spark_lab.closed_loop import (
    CartPoleConfig,
    FailureFeedback,
    GymBridge,
    cartpole_network,
    make_envs,
    scale_obs,
)


def batched(seeds, steps, cfg):
    t0 = time.perf_counter()
    bs = BatchedSimulator([cartpole_network(s, cfg).build() for s in seeds])
    br = GymBridge(bs, make_envs("CartPole-v1", len(seeds)), "obs", "action", cfg.steps_per_action,
                   feedback=FailureFeedback(cfg, len(seeds)), transform=lambda o: scale_obs(o, cfg.obs_scale))
    br.reset()
    br.step()                                     # compiles
    t1 = time.perf_counter()
    for _ in range(steps):
        br.step()
    return time.perf_counter() - t1, t1 - t0


class _Events:
    """The fields of StepEvents that FailureFeedback reads, for one agent."""

    def __init__(self, term, trunc, final_obs):
        self.terminated, self.truncated = np.array([term]), np.array([trunc])
        self.final_obs = np.asarray(final_obs, np.float64)[None]


def _single_step(sim, env, fb, cfg, obs, pending):
    """One environment step of one agent through Simulator.run_chunk; -> (next obs, pending pulses)."""
    K = cfg.steps_per_action
    inp = {"obs": scale_obs(obs[None], cfg.obs_scale)[0]}
    for ch in sim.modulators:
        inp[ch] = np.zeros(K)
        if ch in pending:
            inp[ch][0] = pending[ch][0]
    counts = sim.run_chunk(K, inp, readout=("left", "right"))
    a = WinnerTakeAll(groups=2)(np.concatenate([counts["left"], counts["right"]]))
    nxt, _, term, trunc, _ = env.step(max(a, 0))
    mods = {k: v for k, v in fb(_Events(term, trunc, nxt)).items() if np.any(v != 0)}
    if term or trunc:
        nxt, _ = env.reset()
    return nxt, mods


def single(seeds, steps, cfg, native):
    run_s = setup_s = 0.0
    for s in seeds:
        t0 = time.perf_counter()
        sim = cartpole_network(s, cfg, native=native).build()
        env = gym.make("CartPole-v1")
        fb = FailureFeedback(cfg, 1)
        obs, _ = env.reset(seed=s)
        obs, pending = _single_step(sim, env, fb, cfg, obs, {})          # compiles
        t1 = time.perf_counter()
        for _ in range(steps):
            obs, pending = _single_step(sim, env, fb, cfg, obs, pending)
        run_s += time.perf_counter() - t1
        setup_s += t1 - t0
    return run_s, setup_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=25)
    ap.add_argument("--steps", type=int, default=300, help="environment steps per agent (timed)")
    a = ap.parse_args()
    cfg = CartPoleConfig()
    seeds = list(range(a.agents))
    tb, cb = batched(seeds, a.steps, cfg)
    tn, cn = single(seeds, a.steps, cfg, native=None)
    tj, cj = single(seeds, a.steps, cfg, native=False)
    n = a.agents * a.steps
    print(json.dumps({"agents": a.agents, "env_steps_per_agent": a.steps,
                      "network_steps_per_env_step": cfg.steps_per_action,
                      "batched": {"run_s": round(tb, 2), "env_steps_per_s": round(n / tb),
                                  "setup_compile_s": round(cb, 2)},
                      "single_native_loop": {"run_s": round(tn, 2), "env_steps_per_s": round(n / tn),
                                             "setup_compile_s": round(cn, 2)},
                      "single_jax_loop": {"run_s": round(tj, 2), "env_steps_per_s": round(n / tj),
                                          "setup_compile_s": round(cj, 2)},
                      "speedup_vs_native_loop": round(tn / tb, 2), "speedup_vs_jax_loop": round(tj / tb, 2),
                      "speedup_incl_compile_vs_native_loop": round((tn + cn) / (tb + cb), 2)}))


if __name__ == "__main__":
    main()
