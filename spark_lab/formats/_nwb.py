"""Recordings to NWB files (pynwb)."""
from __future__ import annotations

import datetime
import json
import os
import uuid

import numpy as np

from .._checks import brief
from ..errors import ParameterError
from . import _recording as R
from ._lazy import need

#: spark_lab unit -> (NWB unit, conversion: data x conversion is in the NWB unit)
SI = {"mV": ("volts", 1e-3), "pA": ("amperes", 1e-12), "nA": ("amperes", 1e-9), "nS": ("siemens", 1e-9),
      "ms": ("seconds", 1e-3)}


def to_nwb(source, path, net=None, epoch: int | None = None, session_description: str | None = None,
           session_start_time: datetime.datetime | None = None, identifier: str | None = None) -> None:
    """Write the recording ``source`` (see ``recording``: a RunResult with its ``net``, a
    Session, a run folder or ``open_run``'s Run) to the NWB file ``path`` (a new file).

    * every recorded neuron is one row of the Units table: ``spike_times`` (s), the columns
      ``pool`` and ``neuron`` (its index in the pool), ``obs_intervals`` (the time the
      spikes were recorded over, s);
    * every recorded state variable is an acquisition TimeSeries named "pool.var": data
      (samples, neurons) in spark_lab's unit with NWB's ``unit``/``conversion`` (mV is
      stored as "volts" with conversion 1e-3; an unknown unit as it is, conversion 1),
      ``timestamps`` in s, and JSON ``comments`` {"pool", "var", "neurons", "unit"};
    * the model file's text is ``source_script`` (``source_script_file_name`` "model.json"),
      and ``notes`` is JSON with the seed, dt, versions and the run's lab book.

    ``epoch``: which part of a run folder between two resets (needed when it has several;
    NWB times of one file must not restart). Raises ParameterError for a bad source, an
    existing ``path`` or a missing epoch, ImportError naming the extra ``spark_lab[formats]``
    when pynwb is not installed.
    """
    pynwb = need("pynwb")
    rec = R.recording(source, net)
    trains, traces = rec.epoch(epoch, "to_nwb")
    if not isinstance(path, (str, os.PathLike)) or os.path.exists(path):
        raise ParameterError("to_nwb", "path", f"{brief(path)} exists or is not a file name",
                             "give the name of a new .nwb file")
    start = session_start_time or datetime.datetime.now(datetime.UTC)
    pools = sorted({t.pool for t in trains} | {t.pool for t in traces})
    nwb = pynwb.NWBFile(
        session_description=session_description or
        f"spark_lab simulation ({rec.name}): pools {', '.join(pools) or '(none)'}, seed {rec.seed}, dt {rec.dt:g} ms",
        identifier=identifier or str(uuid.uuid4()), session_start_time=start,
        source_script=rec.model_json, source_script_file_name="model.json" if rec.model_json else None,
        notes=R.notes(rec))
    if trains:
        nwb.add_unit_column("pool", "the spark_lab pool of the neuron")
        nwb.add_unit_column("neuron", "the neuron's index in its pool")
        for tr in trains:
            obs = [[tr.t_start_ms * 1e-3, tr.t_stop_ms * 1e-3]]
            for i, t in zip(tr.neurons, tr.times):
                nwb.add_unit(spike_times=np.asarray(t, np.float64) * 1e-3, obs_intervals=obs, pool=tr.pool,
                             neuron=int(i))
    for tc in traces:
        unit, conv = SI.get(tc.unit, (tc.unit, 1.0))
        comments = json.dumps({"pool": tc.pool, "var": tc.var, "neurons": [int(i) for i in tc.neurons],
                               "unit": tc.unit})
        nwb.add_acquisition(pynwb.TimeSeries(
            name=f"{tc.pool}.{tc.var}", data=np.asarray(tc.values), unit=unit, conversion=conv,
            timestamps=np.asarray(tc.t_ms, np.float64) * 1e-3, comments=comments,
            description=f"{tc.var} of pool {tc.pool} ({tc.unit}), columns: the neurons in comments"))
    with pynwb.NWBHDF5IO(os.fspath(path), "w") as io:
        io.write(nwb)
