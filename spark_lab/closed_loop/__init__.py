"""Closed loop with gymnasium environments: a general bridge (``bridge``) and the
CartPole agent that learns with three-factor plasticity (``cartpole``)."""
from .bridge import GymBridge, StepEvents, make_envs
from .cartpole import (
                       CartPoleConfig,
                       CartPoleResult,
                       FailureFeedback,
                       cartpole_network,
                       failure_direction,
                       first_solve,
                       run_cartpole,
                       scale_obs,
)

__all__ = [
                       "CartPoleConfig",
                       "CartPoleResult",
                       "FailureFeedback",
                       "GymBridge",
                       "StepEvents",
                       "cartpole_network",
                       "failure_direction",
                       "first_solve",
                       "make_envs",
                       "run_cartpole",
                       "scale_obs",
]
