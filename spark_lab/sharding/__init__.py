"""One network across several devices: ``net.build(devices=jax.devices())`` (or a
``jax.sharding.Mesh``) returns a :class:`ShardedSimulator` (docs/guide/scale-out.md)."""
from ._plan import ShardPlan
from ._simulator import ShardedSimulator, make_mesh

__all__ = ["ShardPlan", "ShardedSimulator", "make_mesh"]
