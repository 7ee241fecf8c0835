"""The linear part of a NIR graph, reduced to dense matrices between neuron populations.

Everything between two populations (``Linear``, ``Affine``, ``Scale``, ``Delay``, ``Flatten``,
``Conv1d``/``Conv2d``, ``SumPool2d``/``AvgPool2d``, pass-throughs) is linear, so the input a
node receives is a sum of terms: for every source population ``s`` and delay ``d`` (whole
steps) a matrix ``M`` of shape (n_s, n_node), plus a constant bias vector. A term becomes one
spark_lab projection; the bias is folded into the target's leak (docs/nir.md).
"""
from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ._graph import node_label, shape_of

#: largest dense matrix (entries) a chain of linear nodes or a convolution is turned into
MAX_ENTRIES = 4_000_000


class Terms:
    """``{(source, delay_steps): (n_source, n) matrix}`` and a ``(n,)`` bias."""

    def __init__(self, n: int):
        self.n, self.mats, self.bias = n, {}, np.zeros(n)

    def add(self, other: Terms) -> None:
        for k, m in other.mats.items():
            self.mats[k] = self.mats[k] + m if k in self.mats else m
        self.bias = self.bias + other.bias

    def map(self, f, n: int) -> Terms:
        """Apply the linear map ``f`` (on row vectors of length self.n) to every term and the bias."""
        out = Terms(n)
        out.mats = {k: f(m) for k, m in self.mats.items()}
        out.bias = f(self.bias[None, :])[0]
        return out


class Reducer:
    """Input terms of every node of a flattened graph (memoised; linear loops refused)."""

    def __init__(self, flat, dt: float, ms_per_unit: float):
        self.flat, self.dt, self.ms = flat, dt, ms_per_unit
        self.memo, self.shapes, self.busy = {}, {}, {"shape": set(), "in": set()}

    def shape(self, name) -> tuple:
        """Output shape of a node."""
        if name in self.shapes:
            return self.shapes[name]
        node, kind = self.flat.nodes[name], self.flat.kinds[name]
        own = shape_of(name, node, kind)
        if own is None:
            self._enter(name, "shape")
            own = self._shape_from_input(name, node, self.in_shape(name))
            self.busy["shape"].discard(name)
        self.shapes[name] = tuple(int(x) for x in own)
        return self.shapes[name]

    def in_shape(self, name) -> tuple:
        preds = self.flat.preds[name]
        if not preds:
            node = self.flat.nodes[name]
            given = getattr(node, "input_type", {}) or {}
            shp = given.get("input") if isinstance(given, dict) else None
            if shp is None:
                raise ParameterError(node_label(name, node), "input", "has no incoming edge and no input shape",
                                     "connect it, or give its input shape")
            return tuple(int(x) for x in np.atleast_1d(shp))
        shapes = {p: self.shape(p) for p in preds}
        sizes = {int(np.prod(s)) for s in shapes.values()}
        if len(sizes) != 1:
            raise ParameterError(node_label(name, self.flat.nodes[name]), "input",
                                 f"gets inputs of different sizes: {shapes}", "every edge into a node has its size")
        return max(shapes.values(), key=len)

    def _shape_from_input(self, name, node, ins):
        t = type(node).__name__
        if t == "Flatten":
            return (int(np.prod(ins)),) if len(ins) <= 1 else _flatten_shape(ins, node)
        if t in ("Conv1d", "Conv2d", "SumPool2d", "AvgPool2d"):
            return conv_operator(name, node, ins)[1]
        return ins

    def _enter(self, name, what):
        if name in self.busy[what]:
            raise ParameterError(node_label(name, self.flat.nodes[name]), "", "lies on a loop of linear nodes",
                                 "a loop must pass through a neuron node (LIF, CubaLIF, IF)")
        self.busy[what].add(name)

    def inputs(self, name) -> Terms:
        """The terms of the summed input of node ``name``."""
        if name in self.memo:
            return self.memo[name]
        self._enter(name, "in")
        n = int(np.prod(self.in_shape(name))) if self.flat.preds[name] else int(np.prod(self.shape(name)))
        total = Terms(n)
        for p in self.flat.preds[name]:
            total.add(self.output(p, to_output=self.flat.kinds[name] == "output"))
        self.busy["in"].discard(name)
        self.memo[name] = total
        return total

    def output(self, name, to_output: bool = False) -> Terms:
        """The terms of what node ``name`` emits (``to_output``: into a top-level Output node)."""
        node, kind = self.flat.nodes[name], self.flat.kinds[name]
        n = int(np.prod(self.shape(name)))
        if kind in ("input", "spiking") or (kind == "readout" and to_output):
            out = Terms(n)
            out.mats[(name, 0)] = np.eye(n)
            return out
        if kind == "readout":
            raise ParameterError(node_label(name, node), "", "feeds another node",
                                 "LI and CubaLI emit a voltage, not spikes: spark_lab can only record them, "
                                 "so they may feed Output nodes only")
        return self._linear(name, node, self.inputs(name), n)

    def _linear(self, name, node, ins: Terms, n: int) -> Terms:
        t = type(node).__name__
        _check_size(name, node, ins, n)
        if t in ("Linear", "Affine"):
            w = np.asarray(node.weight, np.float64)
            out = ins.map(lambda m: m @ w.T, n)
            if t == "Affine":
                out.bias = out.bias + _vector(node.bias, n, name, node, "bias")
            return out
        if t == "Scale":
            s = _vector(node.scale, n, name, node, "scale")
            return ins.map(lambda m: m * s[None, :], n)
        if t == "Delay":
            return self._delay(name, node, ins, n)
        if t in ("Conv1d", "Conv2d", "SumPool2d", "AvgPool2d"):
            k, _, b = conv_operator(name, node, self.in_shape(name))
            out = ins.map(lambda m: m @ k, n)
            out.bias = out.bias + b
            return out
        return ins.map(lambda m: m, n)           # Flatten, Identity, nested Input / Output

    def _delay(self, name, node, ins: Terms, n: int) -> Terms:
        d = _vector(node.delay, n, name, node, "delay") * self.ms / self.dt
        steps = np.round(d)
        if np.any(d < 0) or np.any(np.abs(d - steps) > 1e-6 * np.maximum(1.0, np.abs(d))):
            bad = float(np.asarray(node.delay, np.float64).ravel()[np.argmax(np.abs(d - steps) + (d < 0))])
            raise ParameterError(node_label(name, node), "delay", f"got {bad!r} (= {bad * self.ms!r} ms)",
                                 f"spark_lab delays are whole steps >= 0 of dt = {self.dt} ms")
        out = Terms(n)
        out.bias = ins.bias.copy()
        for (src, d0), m in ins.mats.items():
            for u in np.unique(steps):
                mask = (steps == u)[None, :]
                key = (src, d0 + int(u))
                part = m * mask
                out.mats[key] = out.mats[key] + part if key in out.mats else part
        return out


def _check_size(name, node, ins: Terms, n: int) -> None:
    for (src, _), m in ins.mats.items():
        if m.shape[0] * n > MAX_ENTRIES:
            raise ParameterError(node_label(name, node), "", f"makes a dense {m.shape[0]} x {n} matrix from {src!r} "
                                 f"({m.shape[0] * n:,} entries)", f"spark_lab imports at most {MAX_ENTRIES:,}")


def _vector(x, n, name, node, field) -> np.ndarray:
    a = np.asarray(x, np.float64).ravel()
    if a.size == 1:
        a = np.full(n, a[0])
    if a.size != n or not np.all(np.isfinite(a)):
        raise ParameterError(node_label(name, node), field, f"has {a.size} finite-checked values for {n} neurons",
                             "one finite value per element, or one for all")
    return a


def _flatten_shape(ins, node):
    start, end = int(node.start_dim), int(node.end_dim)
    ins = list(ins)
    end = len(ins) - 1 if end == -1 else end
    return tuple(ins[:start]) + (int(np.prod(ins[start:end + 1])),) + tuple(ins[end + 1:])


def _pair(x, what="") -> tuple:
    a = np.atleast_1d(np.asarray(x)).astype(int).ravel()
    return (int(a[0]), int(a[0])) if a.size == 1 else (int(a[0]), int(a[1]))


def conv_operator(name, node, in_shape):
    """(K, out_shape, bias): the dense (n_in, n_out) matrix of a convolution or pooling node
    over an input of shape (C, H, W) (Conv1d: (C, N)), flattened in C order as NIR does."""
    t = type(node).__name__
    if t in ("SumPool2d", "AvgPool2d"):
        kh, kw = _pair(node.kernel_size)
        c = int(in_shape[0])
        val = 1.0 if t == "SumPool2d" else 1.0 / (kh * kw)
        w = np.full((c, 1, kh, kw), val)
        return _conv2d(name, node, w, in_shape, node.stride, node.padding, 1, c, None)
    w = np.asarray(node.weight, np.float64)
    bias = np.asarray(node.bias, np.float64).ravel() if node.bias is not None else None
    if t == "Conv1d":
        pad = node.padding if isinstance(node.padding, str) else (0, int(np.asarray(node.padding).ravel()[0]))
        shp = (int(in_shape[0]), 1, int(in_shape[-1]))
        k, out, b = _conv2d(name, node, w[:, :, None, :], shp, (1, int(np.asarray(node.stride).ravel()[0])), pad,
                            (1, int(np.asarray(node.dilation).ravel()[0])), int(node.groups), bias)
        return k, (out[0], out[2]), b
    return _conv2d(name, node, w, in_shape, node.stride, node.padding, node.dilation, int(node.groups), bias)


def _conv2d(name, node, w, in_shape, stride, padding, dilation, groups, bias):
    if len(in_shape) != 3:
        raise ParameterError(node_label(name, node), "input", f"has shape {tuple(in_shape)}",
                             "convolution and pooling need an input of shape (C, H, W)")
    co, cig, kh, kw = w.shape
    ci, h, wd = (int(x) for x in in_shape)
    if ci != cig * groups:
        raise ParameterError(node_label(name, node), "weight", f"expects {cig * groups} input channels, gets {ci}",
                             "weight shape (C_out, C_in / groups, ...)")
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    padding = padding.decode() if isinstance(padding, bytes) else padding
    if isinstance(padding, str):
        ph, pw = ((dh * (kh - 1)) // 2, (dw * (kw - 1)) // 2) if padding == "same" else (0, 0)
    else:
        ph, pw = _pair(padding)
    if isinstance(padding, str) and padding == "same":
        ho, wo = h, wd
    else:
        ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    n_in, n_out = ci * h * wd, co * ho * wo
    if n_in * n_out > MAX_ENTRIES or ho < 1 or wo < 1:
        raise ParameterError(node_label(name, node), "", f"is a {n_in} x {n_out} dense matrix "
                             f"({n_in * n_out:,} entries)", f"spark_lab imports convolutions as dense projections "
                             f"of at most {MAX_ENTRIES:,} entries")
    k = np.zeros((n_in, n_out))
    oc = np.arange(co)
    g = oc // (co // groups)
    for c in range(cig):
        for i in range(kh):
            for j in range(kw):
                yi, xi = np.arange(ho) * sh - ph + i * dh, np.arange(wo) * sw - pw + j * dw
                vy, vx = (yi >= 0) & (yi < h), (xi >= 0) & (xi < wd)
                yo, xo = np.meshgrid(np.flatnonzero(vy), np.flatnonzero(vx), indexing="ij")
                yy, xx = np.meshgrid(yi[vy], xi[vx], indexing="ij")
                rows = (((g * cig + c)[:, None, None] * h + yy[None]) * wd + xx[None])
                cols = ((oc[:, None, None] * ho + yo[None]) * wo + xo[None])
                k[rows, cols] += w[:, c, i, j][:, None, None]
    b = np.repeat(bias, ho * wo) if bias is not None else np.zeros(n_out)
    return k, (co, ho, wo), b
