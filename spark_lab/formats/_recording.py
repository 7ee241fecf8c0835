"""One format-neutral view of what was recorded, from each place a recording lives: a
``RunResult`` (``Simulator.run``), a ``Session``'s ring buffers, a run folder (``open_run``)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from .._checks import brief
from ..errors import ModelError, ParameterError

#: units of the built-in models' state variables other than the membrane potential
#: (``NeuronModel.VOLTAGE``, always mV): (model class name, variable) -> unit
STATE_UNITS = {("AdEx", "w"): "pA", ("ALIF", "a"): "mV", ("Izhikevich", "u"): "mV/ms"}
#: the unit of a variable whose unit spark_lab does not know (equation models' own variables)
UNKNOWN_UNIT = "a.u."


@dataclass
class Trains:
    """The spikes of the recorded neurons of one pool: ``times[i]`` (ms, sorted) of
    neuron ``neurons[i]`` (its index in the pool), observed over [t_start_ms, t_stop_ms)."""
    pool: str
    neurons: np.ndarray
    times: list
    t_start_ms: float
    t_stop_ms: float


@dataclass
class Trace:
    """One recorded variable: ``values`` (samples, neurons) in ``unit`` at ``t_ms``
    (samples,), columns the pool indices ``neurons``."""
    pool: str
    var: str
    t_ms: np.ndarray
    values: np.ndarray
    neurons: np.ndarray
    unit: str


@dataclass
class Recording:
    """What was recorded, one entry of ``epochs`` per part of the run between two resets
    (each a pair (list of Trains, list of Trace)), with what made it: ``dt`` (ms), ``seed``,
    ``model_json`` (the model file's text, or None when the network cannot be written as one),
    ``versions``, ``lab_book`` (the run store's events; empty outside a run folder), ``name``."""
    name: str
    dt: float
    seed: int | None
    model_json: str | None
    versions: dict
    lab_book: list = field(default_factory=list)
    epochs: list = field(default_factory=list)

    def epoch(self, epoch: int | None, where: str) -> tuple:
        """(trains, traces) of ``epoch`` (None: the only one; ParameterError when there are several)."""
        if epoch is None:
            if len(self.epochs) != 1:
                raise ParameterError(where, "epoch", f"the run has {len(self.epochs)} epochs (resets)",
                                     f"give epoch=0..{len(self.epochs) - 1}")
            return self.epochs[0]
        if not isinstance(epoch, int) or not 0 <= epoch < len(self.epochs):
            raise ParameterError(where, "epoch", f"got {brief(epoch)}", f"give 0..{len(self.epochs) - 1}")
        return self.epochs[epoch]


def state_unit(model, var: str) -> str:
    """The unit of the state variable ``var`` of a neuron model (``UNKNOWN_UNIT`` if not known)."""
    if var == getattr(model, "VOLTAGE", None):
        return "mV"
    return STATE_UNITS.get((type(model).__name__, var), UNKNOWN_UNIT)


def recording(source, net=None) -> Recording:
    """The ``Recording`` of ``source``: a ``RunResult`` (give ``net``, the Network or Simulator
    that ran it, for units, seed and model file), a ``Session``, a ``Run`` (``open_run``) or a
    run folder's path, or a ``Recording`` (returned as it is)."""
    from ..runs import Run
    from ..session import Session
    from ..simulator import RunResult, Simulator
    if isinstance(source, Recording):
        return source
    if isinstance(source, (str, os.PathLike)):
        source = Run(source)
    if isinstance(net, Simulator):
        net = net.net
    if isinstance(source, Run):
        return _from_run(source)
    if isinstance(source, Session):
        return _from_session(source)
    if isinstance(source, RunResult):
        return _from_result(source, net)
    raise ParameterError("formats", "recording", f"got {brief(source)}",
                         "give a RunResult, a Session, a Run (sl.open_run) or a run folder's path")


def _versions() -> dict:
    from ..runs._writer import versions
    return versions()


def _model_text(net):
    from .. import model
    try:
        return model.dumps(net)
    except ModelError:
        return None


def _trains_from_bool(pool, steps, spikes, neurons, dt, t0, t1) -> Trains:
    spikes = np.asarray(spikes, bool)
    times = [np.asarray(steps)[spikes[:, j]].astype(np.float64) * dt for j in range(spikes.shape[1])]
    return Trains(pool, np.asarray(neurons, np.int64), times, t0 * dt, t1 * dt)


def _split(key: str):
    pool, var = key.rsplit(".", 1)
    return pool, var


def _from_result(res, net) -> Recording:
    trains, traces = [], []
    for key in sorted(res.records):
        pool, var = _split(key)
        vals, steps = np.asarray(res.records[key]), np.asarray(res.times[key], np.int64)
        spec = _spec(net, key)
        sel = None if spec is None or spec.neurons is None else np.asarray(spec.neurons)
        neurons = sel if sel is not None and sel.size == vals.shape[1] else np.arange(vals.shape[1])
        if var == "spikes":
            trains.append(_trains_from_bool(pool, steps, vals, neurons, res.dt, res.t_start,
                                            res.t_start + res.steps))
        else:
            unit = state_unit(net.pools[pool].model, var) if net is not None else UNKNOWN_UNIT
            traces.append(Trace(pool, var, steps * res.dt, vals, neurons, unit))
    seed = None if net is None else int(net.seed)
    return Recording("run", float(res.dt), seed, None if net is None else _model_text(net), _versions(),
                     [], [(trains, traces)])


def _spec(net, key):
    if net is None:
        return None
    for s in net.records:
        if s.key == key:
            return s
    return None


def _from_session(session) -> Recording:
    sim, dt = session.sim, session.sim.dt
    trains, traces = [], []
    for key in session.recorded_keys():
        pool, var = _split(key)
        steps, vals = session.recorded(pool, var)
        have = session.recorded_neurons(pool, var)
        neurons = np.arange(sim.net.pools[pool].n) if have is None else np.asarray(have)
        steps = np.asarray(steps, np.int64)
        if var == "spikes":
            t0, t1 = (int(steps[0]), int(steps[-1]) + 1) if steps.size else (session.t, session.t)
            trains.append(_trains_from_bool(pool, steps, vals, neurons, dt, t0, t1))
        else:
            traces.append(Trace(pool, var, steps * dt, np.asarray(vals), neurons,
                                state_unit(sim.net.pools[pool].model, var)))
    return Recording("session", float(dt), int(sim.net.seed), _model_text(sim.net), _versions(), [],
                     [(trains, traces)])


def _from_run(run) -> Recording:
    with open(os.path.join(run.path, "model.json"), encoding="utf-8") as f:
        text = f.read()
    net = run.model
    rec = Recording(run.name, float(run.dt), int(run.seed), text, dict(run.versions), _jsonable(run.lab_book))
    for epoch in range(run.epochs):
        starts, lengths, _ = run.chunks(epoch)
        t0, t1 = (int(starts[0]), int(starts[-1] + lengths[-1])) if starts.size else (0, 0)
        trains, traces = [], []
        for key in run.keys():
            pool, var = _split(key)
            if var == "spikes":
                t_ms, ids = run.spike_trains(pool, epoch)
                neurons = np.asarray(run.recorded_neurons(key), np.int64)
                order = np.lexsort((t_ms, ids))
                t_ms, ids = t_ms[order], ids[order]
                times = [t_ms[ids == j].astype(np.float64) for j in neurons]
                trains.append(Trains(pool, neurons, times, t0 * run.dt, t1 * run.dt))
            else:
                t_ms, vals, cols = run.trace(pool, var, epoch)
                traces.append(Trace(pool, var, np.asarray(t_ms, np.float64), vals, np.asarray(cols),
                                    state_unit(net.pools[pool].model, var)))
        rec.epochs.append((trains, traces))
    return rec


def _jsonable(events) -> list:
    """The lab book with array values as lists (the formats store it as JSON text)."""
    out = []
    for e in events:
        e = dict(e)
        if isinstance(e.get("value"), np.ndarray):
            e["value"] = e["value"].tolist()
        out.append(e)
    return out


def notes(rec: Recording) -> str:
    """The lab-book notes both formats carry: JSON with seed, dt, versions and the lab book."""
    return json.dumps({"software": "spark_lab", "seed": rec.seed, "dt_ms": rec.dt, "versions": rec.versions,
                       "lab_book": rec.lab_book})
