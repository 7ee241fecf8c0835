"""The run folder's names and row layouts, shared by the writer and the reader."""
from __future__ import annotations

import numpy as np

FORMAT = "spark_lab.run/1"
RUN_JSON, MODEL, VALUES, LABBOOK, CHUNKS, RECORDS = (
    "run.json", "model.json", "values.npz", "labbook.jsonl", "chunks.bin", "records")
SPIKE_ROW = np.dtype([("step", "<i8"), ("epoch", "<i8"), ("neuron", "<i8")])
#: labbook values with more elements than this go to their own .npy file
INLINE_MAX = 16


def trace_row(dtype, width: int) -> np.dtype:
    """Row of a recorded variable: step, epoch and ``width`` values of ``dtype``."""
    return np.dtype([("step", "<i8"), ("epoch", "<i8"), ("v", np.dtype(dtype).newbyteorder("<"), (width,))])


def chunk_row(n_pools: int) -> np.dtype:
    """Row of chunks.bin: t_start, steps, epoch, spikes of each pool."""
    return np.dtype(("<i8", (3 + n_pools,)))


def value_key(target: str, name: str) -> str:
    return f"{target}|{name}"
