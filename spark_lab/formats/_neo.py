"""Recordings to Neo objects (neo + quantities), the input of Elephant's analyses."""
from __future__ import annotations

import numpy as np

from . import _recording as R
from ._lazy import need


def _quantity(pq, unit: str):
    """The quantities unit of a spark_lab unit string (dimensionless when not known)."""
    if unit == R.UNKNOWN_UNIT:
        return pq.dimensionless
    try:
        return pq.CompoundUnit(unit) if "/" in unit else getattr(pq, unit)
    except (AttributeError, LookupError, ValueError):
        return pq.dimensionless


def _regular(t_ms: np.ndarray, dt: float) -> bool:
    if t_ms.size < 2:
        return True
    d = np.diff(t_ms)
    return bool(np.allclose(d, d[0], rtol=0, atol=1e-6 * dt)) and d[0] > 0


def to_neo(source, net=None):
    """The recording ``source`` (see ``recording``) as a ``neo.Block``: one Segment per epoch
    (the parts of a run between resets; one for a RunResult or a Session), and in it

    * one ``SpikeTrain`` per recorded neuron, times in ms over [t_start, t_stop) of the
      recording, ``name`` "pool[i]", annotations ``pool`` and ``neuron`` (index in the pool);
    * one signal per recorded state variable, ``name`` "pool.var", in its unit (quantities:
      mV, pA, mV/ms; dimensionless when spark_lab does not know it), one channel per neuron
      with ``array_annotations["neuron"]``: an ``AnalogSignal`` (``sampling_period`` in ms)
      when the samples are evenly spaced, else an ``IrregularlySampledSignal``.

    The Block has one ``Group`` per pool (its spike trains of every segment) and the
    annotations ``seed``, ``dt_ms``, ``model_json`` (the model file's text, "" if none)
    and ``notes`` (JSON: seed, dt, versions, the lab book). ImportError naming the extra
    ``spark_lab[formats]`` when neo is not installed.
    """
    neo, pq = need("neo"), need("quantities")
    rec = R.recording(source, net)
    block = neo.Block(name=rec.name, description="spark_lab recording",
                      seed=-1 if rec.seed is None else int(rec.seed), dt_ms=float(rec.dt),
                      model_json=rec.model_json or "", notes=R.notes(rec))
    groups = {}
    for e, (trains, traces) in enumerate(rec.epochs):
        seg = neo.Segment(name=f"epoch {e}", index=e)
        for tr in trains:
            g = groups.get(tr.pool)
            if g is None:
                g = groups[tr.pool] = neo.Group(name=tr.pool, allowed_types=[neo.SpikeTrain])
            for i, t in zip(tr.neurons, tr.times):
                st = neo.SpikeTrain(np.asarray(t, np.float64), units=pq.ms, t_start=tr.t_start_ms * pq.ms,
                                    t_stop=tr.t_stop_ms * pq.ms, name=f"{tr.pool}[{int(i)}]",
                                    pool=tr.pool, neuron=int(i))
                seg.spiketrains.append(st)
                g.add(st)
        for tc in traces:
            u = _quantity(pq, tc.unit)
            ann = dict(name=f"{tc.pool}.{tc.var}", array_annotations={"neuron": np.asarray(tc.neurons)},
                       pool=tc.pool, var=tc.var)
            vals = np.asarray(tc.values)
            if _regular(tc.t_ms, rec.dt):
                period = (tc.t_ms[1] - tc.t_ms[0]) if tc.t_ms.size > 1 else rec.dt
                t0 = tc.t_ms[0] if tc.t_ms.size else 0.0
                sig = neo.AnalogSignal(vals, units=u, t_start=t0 * pq.ms, sampling_period=period * pq.ms, **ann)
                seg.analogsignals.append(sig)
            else:
                sig = neo.IrregularlySampledSignal(tc.t_ms * pq.ms, vals, units=u, time_units=pq.ms, **ann)
                seg.irregularlysampledsignals.append(sig)
        block.segments.append(seg)
    block.groups.extend(groups.values())
    block.check_relationships()
    return block
