"""spark_lab.formats: recordings to NWB (read back with pynwb's own NWBHDF5IO) and to Neo
(Block/Segment/SpikeTrain/AnalogSignal with quantities units), and Elephant's statistics
on them against spark_lab.analysis on the same spikes."""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import analysis, cli, formats, model
from spark_lab.errors import ParameterError
from spark_lab.session import Session

pynwb = pytest.importorskip("pynwb")
neo = pytest.importorskip("neo")
pq = pytest.importorskip("quantities")
es = pytest.importorskip("elephant.statistics")

sys.path.insert(0, os.path.dirname(__file__))
from _model_nets import small_ei  # noqa: E402

pytestmark = pytest.mark.timeout(300)
DT = 0.1


def recorded_net(seed=3):
    net = small_ei(seed)
    net.record("exc")
    net.record("inh", "spikes", neurons=[0, 2, 7])
    net.record("inh", "v", neurons=[1, 4], every=2)
    return net


@pytest.fixture(scope="module")
def result():
    net = recorded_net()
    sim = net.build()
    sim.run(100, record=[])                        # the recording starts at step 100
    return sim, sim.run(600)


def read_nwb(path):
    io = pynwb.NWBHDF5IO(str(path), "r")
    return io, io.read()


def units_of(nwb, pool):
    df = nwb.units.to_dataframe()
    df = df[df["pool"] == pool]
    return {int(n): np.asarray(t) for n, t in zip(df["neuron"], df["spike_times"])}, df


def test_run_result_to_nwb_reads_back(result, tmp_path):
    sim, res = result
    formats.to_nwb(res, tmp_path / "r.nwb", net=sim)
    io, nwb = read_nwb(tmp_path / "r.nwb")
    try:
        exc, df = units_of(nwb, "exc")
        assert sorted(exc) == list(range(30))
        spikes = res.records["exc.spikes"]
        for j in range(30):                        # seconds, exactly the recorded steps
            assert np.array_equal(exc[j], res.times["exc.spikes"][spikes[:, j]] * DT * 1e-3)
        assert np.allclose(np.stack(df["obs_intervals"].to_numpy())[:, 0], [0.01, 0.07])
        inh, _ = units_of(nwb, "inh")
        assert sorted(inh) == [0, 2, 7]
        rec = res.records["inh.spikes"]
        for c, j in enumerate((0, 2, 7)):
            assert np.array_equal(inh[j], res.times["inh.spikes"][rec[:, c]] * DT * 1e-3)
        ts = nwb.acquisition["inh.v"]
        assert np.array_equal(ts.data[:], res.records["inh.v"])
        assert ts.unit == "volts" and ts.conversion == 1e-3
        assert np.allclose(ts.timestamps[:], res.times["inh.v"] * DT * 1e-3)
        assert res.times["inh.v"][1] - res.times["inh.v"][0] == 2
        assert json.loads(ts.comments)["neurons"] == [1, 4] and json.loads(ts.comments)["unit"] == "mV"
        assert nwb.source_script == model.dumps(sim.net) and nwb.source_script_file_name == "model.json"
        notes = json.loads(nwb.notes)
        assert notes["seed"] == 3 and notes["dt_ms"] == DT and notes["versions"]["spark_lab"] == sl.__version__
    finally:
        io.close()


@pytest.fixture(scope="module")
def stored_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("runs") / "a"
    with Session(recorded_net(), chunk=50) as s:
        s.save_run(path)
        s.step(300)
        s.set_param("inh", "g_inh", 5.0)
        s.step(100)
        s.reset()
        s.step(200)
    return sl.open_run(path)


def test_run_folder_to_nwb_per_epoch_and_cli(stored_run, tmp_path):
    with pytest.raises(ParameterError, match="epoch"):
        formats.to_nwb(stored_run, tmp_path / "all.nwb")
    assert not (tmp_path / "all.nwb").exists()
    assert cli.main(["export", stored_run.path, "--nwb", str(tmp_path / "e1.nwb"), "--epoch", "1"]) == 0
    for epoch, path in ((0, tmp_path / "e0.nwb"), (1, tmp_path / "e1.nwb")):
        if epoch == 0:
            formats.to_nwb(stored_run.path, path, epoch=0)
        io, nwb = read_nwb(path)
        try:
            exc, _ = units_of(nwb, "exc")
            t, n = stored_run.spike_trains("exc", epoch)
            for j in range(30):
                assert np.array_equal(exc[j], np.sort(t[n == j]) * 1e-3)
            _, v, cols = stored_run.trace("inh", "v", epoch)
            assert np.array_equal(nwb.acquisition["inh.v"].data[:], v)
            book = json.loads(nwb.notes)["lab_book"]
            assert [(e["target"], e["name"], e["value"]) for e in book if e["event"] == "set"] == [
                ("inh", "g_inh", 5.0)]
            assert nwb.source_script == open(os.path.join(stored_run.path, "model.json")).read()
        finally:
            io.close()
    with pytest.raises(ParameterError, match="exists"):
        formats.to_nwb(stored_run, tmp_path / "e0.nwb", epoch=0)


def test_session_ring_buffers_to_nwb(tmp_path):
    with Session(recorded_net(), chunk=50) as s:
        s.step(250)
        formats.to_nwb(s, tmp_path / "s.nwb")
        steps, spikes = s.recorded("exc", "spikes")
        vt, v = s.recorded("inh", "v")
    io, nwb = read_nwb(tmp_path / "s.nwb")
    try:
        exc, _ = units_of(nwb, "exc")
        for j in range(30):
            assert np.array_equal(exc[j], steps[spikes[:, j]] * DT * 1e-3)
        assert np.array_equal(nwb.acquisition["inh.v"].data[:], v)
        assert np.allclose(nwb.acquisition["inh.v"].timestamps[:], vt * DT * 1e-3)
    finally:
        io.close()


def test_to_neo_block(result, stored_run):
    sim, res = result
    block = formats.to_neo(res, net=sim)
    seg, = block.segments
    trains = {st.name: st for st in seg.spiketrains}
    assert len(trains) == 33 and block.annotations["seed"] == 3
    st = trains["exc[4]"]
    want = res.times["exc.spikes"][res.records["exc.spikes"][:, 4]] * DT
    assert st.units == pq.ms and np.array_equal(st.magnitude, want)
    assert float(st.t_start) == 10.0 and float(st.t_stop) == 70.0 and st.annotations["neuron"] == 4
    sig, = seg.analogsignals
    assert sig.units == pq.mV and float(sig.sampling_period) == pytest.approx(0.2)
    assert np.array_equal(sig.magnitude, res.records["inh.v"])
    assert list(sig.array_annotations["neuron"]) == [1, 4]
    assert sorted(g.name for g in block.groups) == ["exc", "inh"]
    runs = formats.to_neo(stored_run)
    assert [s.name for s in runs.segments] == ["epoch 0", "epoch 1"]
    t, n = stored_run.spike_trains("exc", 1)
    got = {s.annotations["neuron"]: s for s in runs.segments[1].spiketrains if s.annotations["pool"] == "exc"}
    assert np.array_equal(got[3].magnitude, np.sort(t[n == 3])) and float(got[3].t_stop) == 20.0


def test_irregular_samples_become_an_irregularly_sampled_signal():
    net = small_ei(3)
    net.record("exc", "v", neurons=[0, 1], when={"tag": "episode", "equals": 1})
    sim = net.build()
    tag = np.zeros(100, np.int64)
    tag[10:20] = tag[50:60] = 1
    res = sim.run(100, inputs={"tag.episode": tag})
    sig, = formats.to_neo(res, net=sim).segments[0].irregularlysampledsignals
    assert np.allclose(sig.times.rescale("ms").magnitude, res.times["exc.v"] * DT)
    assert sig.units == pq.mV and np.array_equal(sig.magnitude, res.records["exc.v"])


@pytest.fixture(scope="module")
def long_spikes():
    net = small_ei(5)
    net.record("exc")
    sim = net.build()
    sim.run(200, record=[])
    return sim, sim.run(5000)


def test_elephant_statistics_agree_with_analysis(long_spikes):
    sim, res = long_spikes
    spikes = res.records["exc.spikes"]
    trains = formats.to_neo(res, net=sim).segments[0].spiketrains
    assert len(trains) == 30 and sum(len(t) for t in trains) == spikes.sum() > 1000
    # ISI: elephant's per train, concatenated in neuron order, are spark_lab's pooled ISIs
    isis = [es.isi(t).rescale("ms").magnitude for t in trains]
    assert np.allclose(np.concatenate(isis), analysis.isi(spikes, DT), rtol=1e-12, atol=1e-9)
    # CV: std/mean (ddof 0) of each neuron's ISIs where it has >= 3 spikes
    cv = analysis.cv_isi(spikes, DT)
    for j, iv in enumerate(isis):
        if len(trains[j]) >= 3:
            assert es.cv(iv) == pytest.approx(cv[j], rel=1e-9)
        else:
            assert np.isnan(cv[j])
    # mean rate: spikes / (t_stop - t_start) of each train, averaged over the neurons
    rates = [float(es.mean_firing_rate(t).rescale("Hz")) for t in trains]
    assert np.mean(rates) == pytest.approx(analysis.rate_hz(spikes, DT), rel=1e-9)


@pytest.mark.parametrize("bin_ms", [1.0, 5.0])
def test_population_fano_is_elephants_fano_over_time_bins(long_spikes, bin_ms):
    sim, res = long_spikes
    spikes = res.records["exc.spikes"]
    trains = formats.to_neo(res, net=sim).segments[0].spiketrains
    want = analysis.population_fano(spikes, DT, bin_ms)
    b = int(round(bin_ms / DT))
    nb = spikes.shape[0] // b
    t0 = float(trains[0].t_start)
    # the population's spikes cut into bins (by step, half-open), one "train" per bin
    pooled = np.sort(np.concatenate([t.magnitude for t in trains]))
    steps = np.rint((pooled - t0) / DT).astype(int)
    per_bin = [pooled[(steps >= i * b) & (steps < (i + 1) * b)] * pq.ms for i in range(nb)]
    assert es.fanofactor(per_bin) == pytest.approx(want, rel=1e-9)
    hist = es.time_histogram(trains, bin_size=bin_ms * pq.ms, t_start=t0 * pq.ms, t_stop=(t0 + nb * bin_ms) * pq.ms)
    counts = hist.magnitude.ravel()
    assert counts.sum() == spikes[:nb * b].sum()
    assert counts.var() / counts.mean() == pytest.approx(want, rel=1e-9)


def test_bad_sources_and_missing_packages(result, tmp_path, monkeypatch):
    sim, res = result
    with pytest.raises(ParameterError, match="RunResult"):
        formats.to_nwb({"exc": [1, 2]}, tmp_path / "x.nwb")
    with pytest.raises(ParameterError, match="run folder"):
        formats.to_neo(str(tmp_path))
    monkeypatch.setitem(sys.modules, "pynwb", None)
    with pytest.raises(ImportError, match=r"spark_lab\[formats\]"):
        formats.to_nwb(res, tmp_path / "y.nwb", net=sim)
    monkeypatch.setitem(sys.modules, "neo", None)
    with pytest.raises(ImportError, match=r"spark_lab\[formats\]"):
        formats.to_neo(res, net=sim)
    assert not os.listdir(tmp_path)


def test_units_of_state_variables():
    assert formats.state_unit(sl.LIF(), "v") == "mV" and formats.state_unit(sl.AdEx(), "w") == "pA"
    assert formats.state_unit(sl.Izhikevich(), "u") == "mV/ms"
