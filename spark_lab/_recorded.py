"""What a :class:`~spark_lab.session.Session` keeps of its run, read back: the session's
recordings (ring buffers of fixed size, see ``_recorder.Recorder``) and their export. A mixin
of Session: it reads the session's own recorder, simulator and time."""
from __future__ import annotations


class RecordedViews:
    """The recorded-data half of Session's API (the session owns the Recorder)."""

    def recorded(self, pool: str, var: str = "spikes", neurons=None, last: int | None = None):
        """(step indices, values) of the newest ``last`` samples kept of ``pool.var``
        (all kept when None); ``neurons`` selects columns (pool indices)."""
        return self._recorder.recorded(pool, var, neurons, last)

    def recorded_keys(self) -> list:
        """The "pool.var" recordings kept in ring buffers."""
        return self._recorder.keys()

    def recorded_neurons(self, pool: str, var: str = "spikes"):
        """Neuron indices kept for ``pool.var`` (None: all neurons of the pool)."""
        return self._recorder.neurons(f"{pool}.{var}")

    def chunk_history(self, last: int | None = None):
        """(starts, lengths, {pool: spikes per chunk}) for the newest ``last`` chunks kept."""
        return self._recorder.chunk_history(last)

    @property
    def buffer_bytes(self) -> int:
        """Bytes held by the ring buffers (fixed once the records are set up)."""
        return self._recorder.nbytes

    def export_npz(self, path) -> None:
        """Write the kept recordings to an .npz file: for each "pool.var" the arrays
        "<pool.var>" (samples, neurons) and "<pool.var>.t_ms", "<pool.var>.neurons", plus
        "counts.<pool>" (spikes per neuron since reset), "dt_ms" and "t_ms" (time reached).
        ``path``: a file name (not a descriptor or open file; else ParameterError). Copied at
        once, written while the session runs on; the file appears complete or not at all."""
        self._recorder.export_npz(path, self.sim.dt, self.time_ms)

    def export_csv(self, path) -> None:
        """Write the kept recordings to a long-format CSV: ``record,t_ms,neuron,value``; spikes
        are listed one row per spike (value 1), state variables one row per sample and neuron,
        with digits enough to read back exactly. ``path`` as for ``export_npz``."""
        self._recorder.export_csv(path, self.sim.dt)
