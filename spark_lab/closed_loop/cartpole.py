"""A CartPole-v1 agent that learns with three-factor plasticity from sparse feedback.

Architecture (one agent; all sizes and values are ``CartPoleConfig`` fields):

    obs (4 values, each scaled by OBS_SCALE and clipped to [-1, 1])
      -> PopulationEncoder: n_per_dim Gaussian receptive fields per value, Poisson rates
      -> "obs" pool (PoissonSource, 4 n_per_dim neurons)
      == AllToAll, plastic (ThreeFactor, modulator "m_left")  ==> "left"  (LIF, excitatory)
      == AllToAll, plastic (ThreeFactor, modulator "m_right") ==> "right" (LIF, excitatory)
    left -> inh_left -| right,   right -> inh_right -| left      (mutual inhibition)
    action = WinnerTakeAll over (left, right) spike counts in the steps_per_action steps
             of one environment step: 0 = push left, 1 = push right.

Learning (no gradients): the eligibility trace of each obs->action synapse is
Hebbian-causal STDP (a pre trace read at post spikes; ``a_minus`` = 0 by default),
decaying with ``tau_e``. Nothing changes during an episode (modulators are 0). Only when
an episode *fails* (terminated, not truncated at 500) one pulse arrives, with a direction
read from how it failed (``failure_direction``):

- the pole fell (|theta| > 12 deg): the push that would have caught it is towards the
  side it fell to (right if theta > 0);
- the cart left the track (|x| > 2.4) with the pole still up: a push *outwards*, to the
  side it left by (right if x > 0). This is the sign of the position term of a balancing
  controller (pushing out tilts the pole inwards, which then carries the cart back);
  ``track="inward"`` gives Spark's label instead (5/6 vs 6/6 solved in a
  6-seed comparison, bench/CARTPOLE.md).

The population that pushes the other way gets ``-punish`` (its recently active input
synapses are depressed), the other gets ``+reward`` (potentiated). Everything is scaled
by ``(1 - L/500)`` for an episode of length L, so learning fades as episodes get long.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .. import (
    LIF,
    AllToAll,
    Delta,
    Network,
    PopulationEncoder,
    Uniform,
    WinnerTakeAll,
)
from ..errors import ParameterError
from ..plasticity import ThreeFactor

#: observation scale: x (m), x' (m/s), theta (rad), theta' (rad/s) -> [-1, 1] after clipping
OBS_SCALE = np.array([2.4, 1.0, 0.2095, 1.0])
X_LIMIT, THETA_LIMIT, MAX_STEPS = 2.4, 0.2095, 500


@dataclass
class CartPoleConfig:
    """Every number of the agent (units in the comments)."""
    dt: float = 1.0                 # ms per network step
    steps_per_action: int = 20      # network steps per environment step (20 ms = CartPole's own tau)
    n_per_dim: int = 16             # receptive fields per observation value
    width: float = 1.0              # receptive-field sigma, in units of the spacing
    max_rate: float = 1000.0        # Hz, peak rate of an input neuron (high: low decision noise)
    n_action: int = 20              # LIF neurons per action population
    n_inh: int = 5                  # inhibitory neurons per action population
    w_init: tuple = (0.2, 0.4)      # mV, initial obs->action weights, uniform
    w_max: float = 0.8              # mV, upper bound of the plastic weights (lower: 0)
    w_exc_inh: float = 4.0          # mV, action -> own inhibitory pool
    w_inh: float = 1.5              # mV, inhibitory -> other action population (soft competition)
    tau_m: float = 20.0             # ms, action neurons
    tau_plus: float = 20.0          # ms, presynaptic trace of the eligibility
    a_plus: float = 1.0             # eligibility per (pre trace x post spike)
    a_minus: float = 0.0            # depression term of the eligibility
    tau_e: float = 150.0            # ms, eligibility decay (7.5 environment steps)
    eta: float = 5.0                # 1/s per unit modulator
    punish: float = 1.0             # modulator on the wrong population at a failure
    reward: float = 0.5             # modulator on the right population at a failure
    scale_by_length: bool = True    # feedback x (1 - L/500), or x (1 - EMA/500) with anneal="ema"
    anneal: str = "episode"         # "episode": L = the failed episode's length; "ema": L = EMA (0.8) of lengths
    obs_scale: tuple = (2.4, 1.0, 0.2095, 1.0)   # x (m), x' (m/s), theta (rad), theta' (rad/s) -> 1
    track: str = "outward"          # label when the cart leaves the track: "outward" or "inward" push
    spike_batch: int = 16           # spikes per propagation batch (more are handled exactly, in further batches)


def cartpole_network(seed: int, cfg: CartPoleConfig | None = None, native: bool | None = False) -> Network:
    """The agent's network (see module docstring); ``native=False`` so it can be batched."""
    c = cfg or CartPoleConfig()
    net = Network(dt=c.dt, seed=seed, native=native, spike_batch=c.spike_batch)
    net.add_input("obs", PopulationEncoder(dims=4, n=c.n_per_dim, low=-1.0, high=1.0, width=c.width,
                                           max_rate=c.max_rate))
    lif = LIF(tau_m=c.tau_m, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0, v_init_low=-65.0,
              v_init_high=-55.0)
    inh = LIF(tau_m=10.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=1.0, v_init_low=-65.0, v_init_high=-55.0)
    for side in ("left", "right"):
        net.add_pool(side, lif, c.n_action, excitatory=True)
        net.add_pool(f"inh_{side}", inh, c.n_inh, excitatory=False)
    for side in ("left", "right"):
        rule = ThreeFactor(modulator=f"m_{side}", a_plus=c.a_plus, a_minus=c.a_minus, tau_plus=c.tau_plus,
                           tau_minus=20.0, tau_e=c.tau_e, eta=c.eta, w_min=0.0, w_max=c.w_max)
        net.connect("obs", side, synapse=Delta(), connectivity=AllToAll(), weight=Uniform(*c.w_init),
                    plasticity=rule)
        other = "right" if side == "left" else "left"
        net.connect(side, f"inh_{side}", synapse=Delta(), connectivity=AllToAll(), weight=c.w_exc_inh)
        net.connect(f"inh_{side}", other, synapse=Delta(), connectivity=AllToAll(), weight=c.w_inh)
    net.add_output("action", WinnerTakeAll(groups=2), source=["left", "right"])
    return net


def scale_obs(obs, scale=OBS_SCALE) -> np.ndarray:
    """CartPole observations (B, 4) -> encoder values in [-1, 1]: obs / scale, clipped."""
    return np.clip(np.asarray(obs, np.float64) / np.asarray(scale, np.float64), -1.0, 1.0)


def failure_direction(final_obs, track: str = "inward") -> np.ndarray:
    """+1 where the push that would have saved a failed episode is to the right, -1 left
    (see module docstring), for final observations (B, 4)."""
    x, theta = final_obs[:, 0], final_obs[:, 2]
    fell = np.abs(theta) > THETA_LIMIT
    side = -np.sign(x) if track == "inward" else np.sign(x)
    return np.where(fell, np.sign(theta), side).astype(np.float64)


class FailureFeedback:
    """Feedback of the CartPole agent: modulator pulses on "m_left" / "m_right" only at
    failed episode ends (see module docstring). Tracks episode lengths per agent."""

    def __init__(self, cfg: CartPoleConfig, B: int):
        if cfg.anneal not in ("episode", "ema"):
            raise ParameterError("CartPoleConfig", "anneal", f"got {cfg.anneal!r}", "use 'episode' or 'ema'")
        self.cfg, self.length = cfg, np.zeros(B, np.int64)
        self.ema = np.full(B, np.nan)        # EMA (0.8 on the past) of episode lengths, per agent

    def __call__(self, ev) -> dict:
        self.length += 1
        c = self.cfg
        ended = ev.terminated | ev.truncated
        self.ema = np.where(ended, np.where(np.isnan(self.ema), self.length, 0.8 * self.ema + 0.2 * self.length),
                            self.ema)
        fail = ev.terminated & ~ev.truncated
        d = failure_direction(ev.final_obs, c.track)
        ref = self.length if c.anneal == "episode" else np.nan_to_num(self.ema)
        scale = (1.0 - ref / MAX_STEPS) if c.scale_by_length else np.ones_like(d)
        scale = np.where(fail, scale, 0.0)
        right = np.where(d > 0, c.reward, -c.punish) * scale
        left = np.where(d > 0, -c.punish, c.reward) * scale
        self.length[ended] = 0
        return {"m_left": left, "m_right": right}


# ---------------------------------------------------------------------- experiment
def first_solve(lengths, window: int = 10, target: float = 475.0) -> int | None:
    """First episode (1-based) that is a full 500-step episode and ends a window of
    ``window`` episodes averaging >= ``target``; None if none."""
    L = np.asarray(lengths, np.float64)
    for e in range(window - 1, L.size):
        if L[e] >= MAX_STEPS and L[e - window + 1:e + 1].mean() >= target:
            return e + 1
    return None


@dataclass
class CartPoleResult:
    """Per-seed episode lengths and what was solved; ``wall_s`` for the whole run."""
    seeds: list
    episodes: int
    lengths: list                                   # per seed: list of episode lengths
    ends: list                                      # per seed: "pole", "track" or "truncated" per episode
    wall_s: float
    config: dict = field(default_factory=dict)

    @property
    def first_solve(self) -> list:
        return [first_solve(L) for L in self.lengths]

    def summary(self) -> dict:
        fs = [f for f in self.first_solve if f is not None]
        return {"seeds": len(self.seeds), "episodes": self.episodes, "solved": len(fs),
                "median_first_solve": float(np.median(fs)) if fs else None,
                "wall_s": round(self.wall_s, 2)}

    def to_json(self) -> dict:
        return {"per_seed": [{"seed": s, "first_solve": f, "lengths": L, "ends": e}
                             for s, f, L, e in zip(self.seeds, self.first_solve, self.lengths, self.ends)],
                "summary": self.summary(), "config": self.config}


def run_cartpole(seeds, episodes: int, cfg: CartPoleConfig | None = None, batched: bool = True,
                 on_step=None, progress=None) -> CartPoleResult:
    """Train one agent per seed for ``episodes`` episodes each.

    batched: all agents in one BatchedSimulator and one vector env (default); False runs
        them one after the other, each alone (a batch of one), for comparison.
    on_step(bridge, events): called after every environment step (live displays).
    progress(done, lengths): called whenever an episode ends; ``done`` = episodes completed by the
        slowest agent, ``lengths`` = per agent, the episode lengths so far.
    """
    from ..batch import BatchedSimulator
    from .bridge import GymBridge, make_envs

    cfg = cfg or CartPoleConfig()
    seeds = [int(s) for s in seeds]
    t0 = time.perf_counter()
    groups = [seeds] if batched else [[s] for s in seeds]
    lengths, ends = {}, {}
    for group in groups:
        bsim = BatchedSimulator([cartpole_network(s, cfg).build() for s in group])
        envs = make_envs("CartPole-v1", len(group))
        fb = FailureFeedback(cfg, len(group))
        br = GymBridge(bsim, envs, "obs", "action", cfg.steps_per_action, feedback=fb,
                       transform=lambda o: scale_obs(o, cfg.obs_scale), seeds=group)
        br.reset()
        L = [[] for _ in group]
        E = [[] for _ in group]
        while min(len(x) for x in L) < episodes:
            n_before = fb.length.copy()
            ev = br.step()
            done = ev.terminated | ev.truncated
            for b in np.flatnonzero(done):
                if len(L[b]) < episodes:
                    L[b].append(int(n_before[b] + 1))
                    E[b].append("truncated" if ev.truncated[b] and not ev.terminated[b] else
                                ("pole" if abs(ev.final_obs[b, 2]) > THETA_LIMIT else "track"))
            if on_step is not None:
                on_step(br, ev)
            if progress is not None and done.any():
                progress(min(len(x) for x in L), L)
        envs.close()
        for s, x, e in zip(group, L, E):
            lengths[s], ends[s] = x, e
    return CartPoleResult(seeds, episodes, [lengths[s] for s in seeds], [ends[s] for s in seeds],
                          time.perf_counter() - t0, asdict(cfg))
