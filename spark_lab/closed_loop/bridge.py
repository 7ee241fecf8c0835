"""GymBridge: B spiking agents against a gymnasium vector environment, in closed loop.

Per environment step, for all B agents at once:

    observation --transform--> encoder (input node) --> network, ``steps_per_action`` steps
    --> decoder (output node, e.g. WinnerTakeAll) --> action --> env.step --> feedback
    --> modulator channels of the network, delivered as a one-step pulse at the start of
    the next call (``sim.run_chunk``), so the weight change is ``eta * M * e * dt`` with the
    eligibility ``e`` as it stood when the episode event happened.

Requirements: Box observations, Discrete actions; a vector env whose autoreset mode is
``SAME_STEP`` (``make_envs`` builds one): when an episode ends, ``env.step`` returns the
next episode's first observation at once and the last one in ``info["final_obs"]``.

Seeding: agent b's environment is reset with seed ``seeds[b]`` (once, at the first
reset; later episodes continue that env's own random stream), its network carries its own
seed, and the fallback action (when the decoder has no spike: value -1) comes from
``numpy.random.default_rng([seeds[b], 7])``. So an agent's whole history depends only on
its own seed, and a batch of B agents reproduces B single-agent runs exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import NetworkError, ParameterError


def make_envs(env_id: str, n: int, **kwargs):
    """A gymnasium SyncVectorEnv of ``n`` copies of ``env_id`` with SAME_STEP autoreset."""
    import gymnasium as gym
    return gym.make_vec(env_id, num_envs=n, vectorization_mode="sync",
                        vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}, **kwargs)


@dataclass
class StepEvents:
    """What one bridge step produced (arrays over the B agents).

    obs: observation the actions were chosen on (B, obs_dim); actions (B,) int; rewards (B,);
    terminated / truncated (B,) bool; final_obs (B, obs_dim): the observation after the
    action (the last one of the episode where it ended); counts: {pool: (B, n)} spike counts
    of the readout pools during the call; modulators: {channel: (B,)} feedback produced now
    (delivered at the start of the next call)."""
    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    final_obs: np.ndarray
    counts: dict = field(default_factory=dict)
    modulators: dict = field(default_factory=dict)


class GymBridge:
    """Drive B agents (a :class:`~spark_lab.batch.BatchedSimulator`; one agent is a batch of
    one) with a vector env.

    bsim: the agents' networks; each has an input node ``obs_input`` and an output node
        ``action_output`` whose decoder gives an action index (or -1 for "no decision").
    envs: gymnasium vector env with B sub-environments and SAME_STEP autoreset.
    steps_per_action: network steps per environment step.
    feedback: ``feedback(events) -> {channel: (B,) values}`` called after every env step
        (see StepEvents); None gives no modulation. Channels must be the networks' modulators.
    transform: ``transform(obs (B, obs_dim)) -> encoder values (B, ...)``; default identity.
    readout: pools whose spike counts are returned in the events (for rasters and tests).
    seeds: one per agent (default: the networks' seeds).
    """

    def __init__(self, bsim, envs, obs_input: str, action_output: str, steps_per_action: int,
                 feedback=None, transform=None, readout=(), seeds=None):
        import gymnasium as gym
        self.bsim, self.envs, self.B = bsim, envs, bsim.B
        if getattr(envs, "num_envs", None) != self.B:
            raise NetworkError(f"GymBridge: {self.B} agents but the vector env has {getattr(envs, 'num_envs', '?')} "
                               f"sub-environments")
        if not isinstance(envs.single_observation_space, gym.spaces.Box) or \
                not isinstance(envs.single_action_space, gym.spaces.Discrete):
            raise NetworkError("GymBridge: needs Box observations and Discrete actions, got "
                               f"{envs.single_observation_space} and {envs.single_action_space}")
        mode = envs.metadata.get("autoreset_mode")
        if mode != gym.vector.AutoresetMode.SAME_STEP:
            raise NetworkError(f"GymBridge: the vector env's autoreset mode is {mode}; make it with "
                               f"vector_kwargs={{'autoreset_mode': gym.vector.AutoresetMode.SAME_STEP}} "
                               f"(spark_lab.closed_loop.make_envs does)")
        net = bsim.ref.net
        if obs_input not in net.inputs:
            raise NetworkError(f"GymBridge: no input node {obs_input!r}; inputs: {', '.join(net.inputs) or '(none)'}")
        if action_output not in net.outputs:
            raise NetworkError(f"GymBridge: no output node {action_output!r}; "
                               f"outputs: {', '.join(net.outputs) or '(none)'}")
        if not isinstance(steps_per_action, (int, np.integer)) or steps_per_action < 1:
            raise ParameterError("GymBridge", "steps_per_action", f"got {steps_per_action!r}", "give an integer >= 1")
        self.obs_input, self.action_output, self.K = obs_input, action_output, int(steps_per_action)
        self.feedback, self.transform, self.readout = feedback, transform or (lambda o: o), tuple(readout)
        self.seeds = [s.net.seed for s in bsim.sims] if seeds is None else [int(s) for s in seeds]
        self.n_actions = int(envs.single_action_space.n)
        self._rng = [np.random.default_rng([s, 7]) for s in self.seeds]
        self._pending = {}
        self.obs = None

    def reset(self) -> np.ndarray:
        """Reset the environments with the agents' seeds (the networks keep their state)."""
        self.obs, _ = self.envs.reset(seed=self.seeds)
        self._pending = {}
        return self.obs

    def step(self) -> StepEvents:
        """One environment step for all agents (see module docstring)."""
        if self.obs is None:
            self.reset()
        K, B = self.K, self.B
        inputs = {self.obs_input: np.asarray(self.transform(self.obs), np.float64)}
        for ch, v in self._pending.items():
            pulse = np.zeros((B, K))
            pulse[:, 0] = v
            inputs[ch] = pulse
        out = self.bsim.run_chunk(K, inputs=inputs, readout=self.readout, outputs=(self.action_output,))
        actions = np.array(out[self.action_output], dtype=np.int64)
        for b in np.flatnonzero((actions < 0) | (actions >= self.n_actions)):
            actions[b] = self._rng[b].integers(self.n_actions)      # no decision: a seeded coin
        obs = self.obs
        nxt, rew, term, trunc, info = self.envs.step(actions)
        final = np.array(nxt, dtype=np.float64, copy=True)
        if "_final_obs" in info:
            for b in np.flatnonzero(info["_final_obs"]):
                final[b] = info["final_obs"][b]
        ev = StepEvents(np.asarray(obs), actions, np.asarray(rew, np.float64), np.asarray(term, bool),
                        np.asarray(trunc, bool), final, {p: out[p] for p in self.readout})
        if self.feedback is not None:
            ev.modulators = {ch: np.asarray(v, np.float64) for ch, v in self.feedback(ev).items()}
            unknown = set(ev.modulators) - set(self.bsim.modulators)
            if unknown:
                raise NetworkError(f"GymBridge: feedback gives channel {min(unknown)!r}, which no plasticity rule "
                                   f"reads; modulators: {', '.join(self.bsim.modulators) or '(none)'}")
        self._pending = {ch: v for ch, v in ev.modulators.items() if np.any(v != 0)}
        self.obs = nxt
        return ev
