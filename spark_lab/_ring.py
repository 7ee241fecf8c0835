"""Fixed-size ring buffers for streamed recordings (numpy, preallocated).

A ``RingBuffer`` holds the last ``capacity`` rows of a stream of arrays of one row
shape. Memory is allocated once at construction: however long a session runs, a
buffer never grows. Writers and readers must not overlap (the session serialises
them with its own lock); a buffer itself takes no lock.
"""
from __future__ import annotations

import numpy as np

from .errors import ParameterError


class RingBuffer:
    """The last ``capacity`` rows of shape ``row_shape`` and dtype ``dtype``.

    ``push(block)`` appends rows (a block longer than the capacity keeps its last
    ``capacity`` rows); ``latest(n)`` returns the newest ``n`` rows, oldest first (a copy);
    ``total`` counts every row ever pushed; ``len()`` is the number of rows held.
    """

    def __init__(self, capacity: int, row_shape=(), dtype=np.float64, name: str = "ring buffer"):
        if isinstance(capacity, bool) or not isinstance(capacity, (int, np.integer)) or capacity < 1:
            raise ParameterError(name, "capacity", f"got {capacity!r}", "give an integer >= 1 (rows kept)")
        self.name = name
        self.capacity = int(capacity)
        self.row_shape = tuple(int(s) for s in (row_shape if isinstance(row_shape, (tuple, list)) else (row_shape,)))
        self._data = np.zeros((self.capacity,) + self.row_shape, dtype)
        self._end = 0            # index one past the newest row
        self.total = 0

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def __len__(self) -> int:
        return min(self.total, self.capacity)

    def clear(self) -> None:
        self._end = 0
        self.total = 0

    def push(self, block) -> None:
        """Append the rows of ``block`` (shape (rows,) + row_shape)."""
        block = np.asarray(block)
        if block.shape[1:] != self.row_shape:
            raise ParameterError(self.name, "rows", f"got rows of shape {block.shape[1:]}",
                                 f"this buffer holds rows of shape {self.row_shape}")
        m = block.shape[0]
        self.total += m
        if m >= self.capacity:
            self._data[...] = block[m - self.capacity:]
            self._end = 0
            return
        first = min(m, self.capacity - self._end)
        self._data[self._end:self._end + first] = block[:first]
        if first < m:
            self._data[:m - first] = block[first:]
        self._end = (self._end + m) % self.capacity

    def latest(self, n: int | None = None) -> np.ndarray:
        """The newest ``n`` rows (all rows held when None), oldest first, as a new array."""
        have = len(self)
        n = have if n is None else max(0, min(int(n), have))
        start = (self._end - n) % self.capacity
        if start + n <= self.capacity:
            return self._data[start:start + n].copy()
        return np.concatenate([self._data[start:], self._data[:self._end]])
