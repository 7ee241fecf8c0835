"""Network: pools of neurons, projections between them, what to record.

    net = Network(dt=0.1, seed=1)
    exc = net.add_pool("exc", LIF(tau_m=20.0), n=800, excitatory=True)
    inh = net.add_pool("inh", LIF(tau_m=10.0), n=200, excitatory=False)
    net.connect("exc", "inh", synapse=Exponential(tau=5.0),
                connectivity=FixedProbability(p=0.1), weight=0.5, delay=1.0)
    net.record("exc", "spikes")
    net.connect(exc[:400], exc[400:])       # pool slices as source or target
    sim = net.build()            # compile-ready simulator
    res = sim.run(1000)          # 1000 steps

A Network is a plain description; ``build()`` draws connectivity and initial values
from the seed and returns a :class:`~spark_lab.simulator.Simulator`. It owns its changes:
``pools``, ``projections``, ``inputs``, ``outputs`` and ``layout`` are read-only
mappings, ``records`` a tuple, and every change goes through a method that validates
it and emits one event (``Network.observe``).

Modules: ``_network`` (the Network and its pool, projection, record, layout and
whole-content operations), ``_nodes`` (its input and output nodes), ``_parts`` (Pool,
PoolSlice, Projection, RecordSpec and the checks of their values), ``_init`` (initial
values of state variables), ``_describe`` (structure signature and run-time values).
"""
from ._network import Network
from ._parts import Pool, PoolSlice, Projection, RecordSpec

__all__ = ["Network", "Pool", "PoolSlice", "Projection", "RecordSpec"]
