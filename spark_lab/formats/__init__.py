"""Recordings out to the field's formats: NWB files (pynwb) and Neo objects (neo), which
Elephant's analyses take.

    from spark_lab import formats
    res = sim.run(5000, record=["exc.spikes", "exc.v"])
    formats.to_nwb(res, "run.nwb", net=sim)           # a RunResult: give its network
    formats.to_nwb(session, "live.nwb")               # what a Session's ring buffers hold
    formats.to_nwb(sl.open_run("runs/g6"), "g6.nwb")  # a run folder (its model, seed, lab book)
    block = formats.to_neo(res, net=sim)              # neo.Block: SpikeTrain per neuron, AnalogSignal
    elephant.statistics.cv(elephant.statistics.isi(block.segments[0].spiketrains[0]))

Units: NWB keeps times in seconds and values in SI units (``unit``, ``conversion``: mV is
"volts" x 1e-3); Neo keeps spark_lab's ms and mV as ``quantities``. Both carry the model
file, the seed and the run's lab book (``notes``). pynwb, neo and quantities are imported
when first used: ``pip install 'spark_lab[formats]'``.

How Elephant's statistics relate to ``spark_lab.analysis`` on the same spikes (tests/test_formats.py):

* ``elephant.statistics.isi`` of each neuron's train, concatenated in neuron order, is
  ``analysis.isi`` (pooled ISIs, ms).
* ``elephant.statistics.cv`` of a neuron's ISIs (std / mean, ddof 0) is ``analysis.cv_isi``
  for each neuron with at least ``min_spikes`` spikes (spark_lab gives NaN for the others).
* ``elephant.statistics.mean_firing_rate`` of a train (spikes / (t_stop - t_start)), averaged
  over the neurons, is ``analysis.rate_hz`` of the recording.
* ``elephant.statistics.fanofactor`` is var / mean of the spike counts of the trains it is
  given (across neurons or trials); ``analysis.population_fano`` is var / mean of the whole
  population's count over time bins. So the population Fano factor is ``fanofactor`` of the
  population's spikes cut into ``bin_ms`` bins (one train per bin), and var / mean of
  ``elephant.statistics.time_histogram(trains, bin_size)``.
"""
from ._neo import to_neo
from ._nwb import to_nwb
from ._recording import Recording, Trace, Trains, recording, state_unit

__all__ = ["Recording", "Trace", "Trains", "recording", "state_unit", "to_neo", "to_nwb"]
