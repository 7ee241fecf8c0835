"""The run store: one folder per run, written while the run goes on, read back with ``open_run``.

    session.save_run("runs/g6")               # from now on, this session's run goes to runs/g6
    # spark-lab run balanced_ei --steps 20000 --run-dir runs/g6      (the same from the CLI)
    run = sl.open_run("runs/g6")
    t_ms, neurons = run.spike_trains("exc"); t_ms, v, cols = run.trace("exc", "v")
    run.lab_book; run.model; run.seed; run.versions; run.rates(bin_ms=5.0)

A run folder (format "spark_lab.run/1")::

    run.json           format, seed, dt, dtype, versions, pools and sizes, start time and step,
                       status ("running" until closed: a run killed mid-way stays "running")
    model.json         the network as a model file (spark_lab.model), as it was when the run began
    values.npz         every run-time value ("target|name") the simulator had when the run began
    labbook.jsonl      one JSON line per event: {"event": "set", "t": step, "t_ms", "epoch",
                       "target", "name", "value" (a number, a list, or {"npy": file})}, "reset"
                       (a new epoch starts at step 0), "close"
    chunks.bin         int64 rows: t_start, steps, epoch, spikes of each pool in that chunk
    records/KEY.P.json one per recording part (KEY "pool.var"; a new part P when its neurons change)
    records/KEY.P.bin  spikes: int64 rows (step, epoch, neuron); a variable: rows of (step int64,
                       epoch int64, values of the recorded neurons)

Every file grows by appending whole rows (or whole lines), so whatever was written before
a crash or a SIGKILL reads back: the reader drops a torn last row or line. The writer is a
background thread fed through a queue of at most ``queue_chunks`` chunks (default 64);
memory is bounded by that many chunks' recordings (a full queue makes the run wait for the
disk instead of growing). Nothing is ever overwritten: a run folder must be new or empty.
"""
from ._reader import Run, list_runs, open_run
from ._writer import RunMonitor, RunWriter, SaveRun

__all__ = ["Run", "RunMonitor", "RunWriter", "SaveRun", "list_runs", "open_run"]
