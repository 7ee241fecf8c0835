"""Lesson 8, learning to act: three-factor plasticity and the CartPole agent.

The rule is ``spark_lab.plasticity.ThreeFactor`` (Izhikevich, Cereb. Cortex 17:2443, 2007;
N. Frémaux and W. Gerstner, Front. Neural Circuits 9:85, 2016): a pre-before-post pair
leaves an eligibility trace ``e = a_plus exp(-lag / tau_plus)`` on the synapse, which
decays with ``tau_e``; a modulator pulse M of one step dt changes the weight by
``eta M e dt / 1000`` (eta in 1/s, dt in ms). Nothing changes without the modulator.

The agent is ``spark_lab.closed_loop.cartpole`` (as in notebooks/05_cartpole.ipynb): the
feedback is one pulse at a failed episode's end, whose direction says which push would
have saved it; :class:`DirectionFeedback` is that feedback with the direction rule given
as a function, so that the lesson can change it. Units: time in ms, weights in mV.
"""
from __future__ import annotations

import numpy as np

from ._feedback import close, fail, passed

__all__ = [
    "TAU_E", "ETA", "A_PLUS", "TAU_PLUS", "eligibility_run", "eligibility_formula", "plot_eligibility",
    "library_direction", "pole_only_direction", "flipped_direction", "DirectionFeedback", "train", "plot_lengths",
    "check_eligibility_left", "check_weight_change", "check_pole_only",
]

TAU_E, ETA, A_PLUS, TAU_PLUS = 500.0, 10.0, 1.0, 20.0
_T_MOD = 1100.0


def eligibility_formula(delays, lag=10.0, modulator=1.0, dt=1.0):
    """Analytic weight change for a pair (post ``lag`` ms after pre) ``delays`` ms before the pulse."""
    delays = np.asarray(delays, np.float64)
    return ETA * modulator * A_PLUS * np.exp(-lag / TAU_PLUS) * np.exp(-delays / TAU_E) * dt / 1000.0


def eligibility_run(delays, lag=10.0, modulator=1.0, w0=1.0):
    """One synapse per delay: a pre spike, a post spike ``lag`` ms later, a modulator pulse ``delay`` ms after.

    ``SpikeGenerator`` pools one-to-one, ``ThreeFactor`` (a_minus = 0, modulator channel
    "dopamine"), dt = 1 ms, one pulse of value ``modulator`` at 1100 ms. Returns the weight
    change of each synapse (mV).
    """
    import spark_lab as sl
    from spark_lab.plasticity import ThreeFactor

    delays = np.asarray(delays, np.float64)
    post = _T_MOD - delays
    net = sl.Network(dt=1.0, seed=0)
    net.add_pool("pre", sl.SpikeGenerator(times=[[t - lag] for t in post]), delays.size)
    net.add_pool("post", sl.SpikeGenerator(times=[[t] for t in post]), delays.size)
    rule = ThreeFactor(a_plus=A_PLUS, a_minus=0.0, tau_plus=TAU_PLUS, tau_e=TAU_E, eta=ETA, w_min=0.0, w_max=2.0,
                       modulator="dopamine")
    net.connect("pre", "post", connectivity=sl.OneToOne(), weight=w0, plasticity=rule)
    sim = net.build()
    steps = int(_T_MOD)
    sim.run(steps)
    before = np.asarray(sim.get_param("pre->post", "weight"), np.float64)
    sim.run(1, inputs={"dopamine": float(modulator)})
    sim.run(100)
    return np.asarray(sim.get_param("pre->post", "weight"), np.float64) - before


def plot_eligibility(delays, dw, ax=None, **kw):
    """Measured weight changes (dots) against the delay of the pulse, with the formula (line)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    fine = np.linspace(0.0, max(delays), 200)
    ax.plot(fine, eligibility_formula(fine, **kw), "k-", lw=1, label="eta M e(delay) dt")
    ax.plot(delays, dw, "o", color="tab:orange", label="simulated synapses")
    ax.set_xlabel("delay from the pair to the modulator pulse (ms)")
    ax.set_ylabel("Δw (mV)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.legend(fontsize=8)
    return ax


def library_direction(final_obs):
    """The library's rule (``failure_direction``, track="outward"): +1 = a push right would have saved it."""
    from spark_lab.closed_loop.cartpole import failure_direction

    return failure_direction(np.asarray(final_obs, np.float64), "outward")


def pole_only_direction(final_obs):
    """Feedback from the pole only: +1 / -1 by the side the pole fell to, 0 when only the cart left the track."""
    theta = np.asarray(final_obs, np.float64)[:, 2]
    return np.where(np.abs(theta) > 0.2095, np.sign(theta), 0.0)


def flipped_direction(final_obs):
    """The library's rule with the sign flipped: the feedback teaches the wrong push."""
    return -library_direction(final_obs)


class DirectionFeedback:
    """The CartPole agent's failure feedback (``FailureFeedback``) with the direction rule as a function.

    ``direction(final_obs (B, 4)) -> (B,)``: +1 where a push to the right would have saved
    the failed episode, -1 left, 0 for no feedback. At a failure the population that pushes
    the other way gets ``-punish``, the other ``+reward``, both scaled by (1 - L/500).
    """

    def __init__(self, cfg, B: int, direction):
        self.cfg, self.direction = cfg, direction
        self.length = np.zeros(B, np.int64)

    def __call__(self, ev) -> dict:
        """Modulator pulses {"m_left": (B,), "m_right": (B,)} for one environment step's events."""
        self.length += 1
        c = self.cfg
        ended = ev.terminated | ev.truncated
        failed = ev.terminated & ~ev.truncated
        d = np.asarray(self.direction(ev.final_obs), np.float64)
        scale = np.where(failed, 1.0 - self.length / 500.0, 0.0) * (d != 0)
        right = np.where(d > 0, c.reward, -c.punish) * scale
        left = np.where(d > 0, -c.punish, c.reward) * scale
        self.length[ended] = 0
        return {"m_left": left, "m_right": right}


def train(seeds=(0, 1, 2, 3), episodes=15, direction=library_direction):
    """Train one CartPole agent per seed (one batched simulator) with ``direction`` as the feedback rule.

    Returns the episode lengths, shape (seeds, episodes) (500 = balanced to the end).
    """
    from spark_lab.batch import BatchedSimulator
    from spark_lab.closed_loop import CartPoleConfig, GymBridge, cartpole_network, make_envs, scale_obs

    cfg = CartPoleConfig()
    seeds = [int(s) for s in seeds]
    bsim = BatchedSimulator([cartpole_network(s, cfg).build() for s in seeds])
    envs = make_envs("CartPole-v1", len(seeds))
    fb = DirectionFeedback(cfg, len(seeds), direction)
    bridge = GymBridge(bsim, envs, "obs", "action", cfg.steps_per_action, feedback=fb,
                       transform=lambda o: scale_obs(o, cfg.obs_scale), seeds=seeds)
    bridge.reset()
    lengths = [[] for _ in seeds]
    while min(len(x) for x in lengths) < episodes:
        before = fb.length.copy()
        ev = bridge.step()
        for b in np.flatnonzero(ev.terminated | ev.truncated):
            if len(lengths[b]) < episodes:
                lengths[b].append(int(before[b] + 1))
    envs.close()
    return np.array(lengths)


def plot_lengths(runs, ax=None):
    """Mean episode length (over seeds) per episode, for each named run in ``runs`` {label: (seeds, episodes)}."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    for label, L in runs.items():
        e = np.arange(1, L.shape[1] + 1)
        ax.plot(e, L.mean(axis=0), "o-", ms=3, label=label)
    ax.axhline(500, color="grey", ls="--", lw=0.8)
    ax.set_xlabel("episode")
    ax.set_ylabel("episode length (steps, mean over agents)")
    ax.legend(fontsize=8)
    return ax


def check_eligibility_left(fraction, delay=300.0, tau_e=TAU_E):
    """Exercise 8.1: the fraction of the eligibility left ``delay`` ms after the pair (exp(-delay / tau_e))."""
    want = float(np.exp(-delay / tau_e))
    try:
        v = float(fraction)
    except (TypeError, ValueError):
        v = None
    if v is not None:
        if abs(v - np.exp(-tau_e / delay)) < 1e-3:
            fail(f"{v:.4g} is exp(-tau_e / delay): the trace decays as exp(-t / tau_e), time over time constant.")
        if abs(v - (1.0 - delay / tau_e)) < 1e-3:
            fail(f"{v:.4g} is a linear decay; the eligibility decays exponentially, exp(-t / tau_e).")
        if abs(v - (1.0 - want)) < 1e-3:
            fail(f"{v:.4g} is the fraction that has decayed; the question is how much is left.")
    close(fraction, want, rtol=0.005, what="your fraction")
    return passed(f"{want:.3f} of the eligibility is left after {delay:g} ms: a reward 0.3 s late still credits "
                  "the synapse, at about half strength.")


def check_weight_change(dw, e=0.5, modulator=-1.0, dt=1.0):
    """Exercise 8.2: the weight change (mV) for eligibility ``e``, a pulse ``modulator`` of one step ``dt`` ms."""
    want = ETA * modulator * e * dt / 1000.0
    try:
        v = float(dw)
    except (TypeError, ValueError):
        v = None
    if v is not None and abs(v + want) < 1e-9 and want != 0:
        fail(f"Δw = {v:.4g}: the sign is wrong. A negative modulator (a punishment) weakens an eligible synapse.")
    close(dw, want, rtol=0.005, what="your weight change", unit="mV")
    return passed(f"Δw = {want:.4g} mV: the eligible synapse is weakened, in proportion to its eligibility.")


def check_pole_only(direction):
    """Exercise 8.3: ``direction(final_obs)`` -> +1 / -1 by the side the pole fell to, 0 if the cart left the track."""
    if not callable(direction):
        fail(f"pole_only should be a function of the final observations, got {type(direction).__name__}.")
    obs = np.array([[0.1, 0.0, 0.25, 0.5],        # pole fell right
                    [-0.5, 0.0, -0.22, -0.3],     # pole fell left
                    [2.5, 0.5, 0.05, 0.0],        # cart left on the right, pole up
                    [-2.45, -0.5, -0.1, 0.0],     # cart left on the left, pole up
                    [2.41, 0.2, 0.3, 0.1]])       # both: the pole counts
    want = np.array([1.0, -1.0, 0.0, 0.0, 1.0])
    try:
        got = np.asarray(direction(obs), np.float64).reshape(-1)
    except Exception as err:   # noqa: BLE001 - any error of the student's code becomes feedback
        fail(f"pole_only(final_obs) raised {type(err).__name__}: {err}")
    if got.shape != want.shape:
        fail(f"pole_only should return one value per agent (shape {want.shape}), got shape {got.shape}.")
    if np.array_equal(got[:2], -want[:2]):
        fail("for a pole that fell to the right you return -1: the push that catches it goes the same way it "
             "falls (move the cart under the pole), +1.")
    if not np.array_equal(got[2:4], want[2:4]):
        fail(f"when the cart leaves the track with the pole up you return {got[2:4].tolist()}; this rule gives no "
             "feedback there: 0.")
    if not np.array_equal(got, want):
        fail(f"pole_only gives {got.tolist()} for the test observations, expected {want.tolist()} "
             "(the pole's side, |theta| > 0.2095 rad, wins even if the cart also left).")
    return passed("your rule teaches only from falls of the pole; the cart leaving the track teaches nothing.")
