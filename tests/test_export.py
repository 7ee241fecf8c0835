"""Session exports under faults: a running session keeps stepping while an export writes,
only file names are accepted, values read back exactly, a failed export leaves the previous
file, and the output-path rules (spark_lab._outfile) refuse what cannot be a plain file."""
from __future__ import annotations

import os

import numpy as np
import pytest

import spark_lab as sl
from spark_lab._outfile import NpzStream, output_path
from spark_lab._recorder import Recorder
from spark_lab.network import RecordSpec
from spark_lab.session import Session

pytestmark = pytest.mark.timeout(300)


class _Result:
    """The parts of a RunResult that Recorder.push reads."""

    def __init__(self, records, times, counts):
        self.records, self.times, self.counts = records, times, counts


def recorder_with(values, t_start=0, dtype=np.float32):
    """A Recorder holding ``values`` (samples, neurons) as "a.v", sampled every step from ``t_start``."""
    samples, n = values.shape
    rec = Recorder({"a": n}, dtype, buffer_steps=max(samples, 1), buffer_chunks=10)
    rec.configure([RecordSpec("a", "v", 1, None)])
    rec.push(t_start, samples, _Result({"a.v": values}, {"a.v": np.arange(t_start, t_start + samples)},
                                       {"a": np.zeros(n, np.int64)}), rec.specs)
    return rec


def read_csv(path):
    lines = path.read_text().splitlines()
    assert lines[0] == "record,t_ms,neuron,value"
    rows = [ln.split(",") for ln in lines[1:]]
    return [r[0] for r in rows], [r[1] for r in rows], [int(r[2]) for r in rows], [r[3] for r in rows]


def random_finite(rng, shape, dtype):
    """Values from random bit patterns (subnormals, huge and tiny exponents, both signs), finite only."""
    ints = np.uint32 if dtype == np.float32 else np.uint64
    bits = rng.integers(0, np.iinfo(ints).max, size=shape, dtype=ints, endpoint=True)
    x = bits.view(dtype)
    return np.where(np.isfinite(x), x, dtype(1.5))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_csv_values_and_times_read_back_exactly(tmp_path, dtype):
    rng = np.random.default_rng(0)
    values = random_finite(rng, (300, 7), dtype)
    t_start = 12_345_678                                   # 1.2e6 ms: '%.6g' loses the step here
    recorder_with(values, t_start, dtype).export_csv(tmp_path / "v.csv", dt=0.1)
    keys, t_ms, neurons, text = read_csv(tmp_path / "v.csv")
    assert set(keys) == {"a.v"} and len(text) == values.size
    back = np.array([dtype(float(v)) for v in text]).reshape(values.shape)
    np.testing.assert_array_equal(back.view(np.uint8), values.view(np.uint8))     # bit for bit
    steps = np.rint(np.array([float(t) for t in t_ms]) / 0.1).astype(np.int64).reshape(values.shape)
    np.testing.assert_array_equal(steps[:, 0], np.arange(t_start, t_start + 300))
    assert neurons[:7] == list(range(7))


@pytest.mark.parametrize("bad", [2, True, 2.5, b"out.csv", None, "", "a\0b"])
@pytest.mark.parametrize("fmt", ["csv", "npz"])
def test_exports_take_file_names_only(bad, fmt):
    rec = recorder_with(np.zeros((3, 2), np.float32))
    stderr_before = os.fstat(2)
    with pytest.raises(sl.ParameterError) as e:
        getattr(rec, f"export_{fmt}")(bad, *((0.1, 0.0) if fmt == "npz" else (0.1,)))
    assert e.value.field == "path" and f"export_{fmt}" in e.value.component
    assert os.fstat(2).st_ino == stderr_before.st_ino          # file descriptor 2 is still open


def test_exports_refuse_an_open_file_a_directory_and_a_device(tmp_path):
    rec = recorder_with(np.zeros((3, 2), np.float32))
    with open(tmp_path / "f.csv", "w") as fh:
        with pytest.raises(sl.ParameterError, match="path: got TextIOWrapper"):
            rec.export_csv(fh, 0.1)
        assert not fh.closed
    with pytest.raises(sl.ParameterError, match="is a directory"):
        rec.export_csv(tmp_path, 0.1)
    if os.path.exists("/dev/full"):
        with pytest.raises(sl.ParameterError, match="not a regular file"):
            rec.export_npz("/dev/full", 0.1, 0.0)
    with pytest.raises(sl.ParameterError, match="does not exist"):
        rec.export_npz(tmp_path / "no" / "such.npz", 0.1, 0.0)
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "nowhere")
    with pytest.raises(sl.ParameterError, match="broken symbolic link"):
        rec.export_csv(tmp_path / "dangling.csv", 0.1)
    assert sorted(os.listdir(tmp_path)) == ["dangling.csv", "f.csv"]


def test_a_failed_export_leaves_the_previous_file(tmp_path, monkeypatch):
    rec = recorder_with(np.ones((3, 2), np.float32))
    path = tmp_path / "rec.npz"
    path.write_bytes(b"previous")

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    with pytest.raises(OSError, match="No space"):
        rec.export_npz(path, 0.1, 0.3)
    assert path.read_bytes() == b"previous" and os.listdir(tmp_path) == ["rec.npz"]
    monkeypatch.undo()
    link = tmp_path / "link.npz"
    link.symlink_to(path)
    rec.export_npz(link, 0.1, 0.3)                     # through a link: the file it points to
    assert link.is_symlink() and np.load(path)["a.v"].shape == (3, 2)


def wide_net():
    net = sl.Network(dt=0.1, seed=3)
    net.add_pool("exc", sl.LIF(tau_m=20.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0), 800)
    net.add_pool("ext", sl.PoissonSource(rate=50.0), 50)
    net.connect("ext", "exc", connectivity=sl.FixedProbability(p=0.2), weight=4.0)
    return net


@pytest.mark.parametrize("fmt", ["csv", "npz"])
def test_a_running_session_keeps_stepping_while_a_10k_by_800_export_writes(tmp_path, fmt):
    s = Session(wide_net(), chunk=100, record=["exc.v"], buffer_steps=10_000)
    s.step(10_000)                                        # fill the ring buffer: 10,000 x 800 float32
    path = tmp_path / f"rec.{fmt}"
    s.run()
    s.wait(s.t + 200)
    pushed_during = 0                                     # steps the session recorded inside export calls
    for _ in range(1 if fmt == "csv" else 20):            # an npz is quick: write it 20 times
        before = s.counted_steps
        getattr(s, f"export_{fmt}")(path)
        pushed_during += s.counted_steps - before
    s.pause()
    chunks = pushed_during // 100
    assert chunks >= 3, f"only {chunks} chunks ran while the export wrote"   # before: 0 (push waited)
    if fmt == "npz":
        with np.load(path) as z:
            assert z["exc.v"].shape == (10_000, 800)
            steps = np.rint(z["exc.v.t_ms"] / 0.1).astype(np.int64)
            np.testing.assert_array_equal(np.diff(steps), 1)               # one snapshot, no tear
            assert np.rint(float(z["t_ms"]) / 0.1) == steps[-1] + 1        # the time those samples reach
    else:
        with open(path, "rb") as fh:
            assert sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 22), b"")) == 1 + 10_000 * 800
    s.stop()


def test_session_export_refuses_descriptors_and_keeps_running_state(tmp_path):
    s = Session(wide_net(), chunk=50, record=["exc.v"])
    s.step(100)
    with pytest.raises(sl.ParameterError, match="path"):
        s.export_csv(2)
    with pytest.raises(sl.ParameterError, match="path"):
        s.export_npz(1)
    s.export_csv(tmp_path / "ok.csv")
    assert s.t == 100 and s.status == "paused"
    s.stop()


def test_npz_stream_writes_rows_appended_in_blocks_and_cleans_up(tmp_path):
    target = output_path(tmp_path / "s.npz", "test", suffix=".npz")
    rng = np.random.default_rng(1)
    blocks = [rng.standard_normal((k, 3)).astype(np.float32) for k in (5, 0, 17, 1)]
    with NpzStream(target) as out:
        out.declare("never", (4,), np.int64)
        for b in blocks:
            out.append("x", b)
            out.append("flags", b > 0)
        out.put("dt", np.float64(0.1))
        size = out.finish()
    assert size == os.path.getsize(target) and os.listdir(tmp_path) == ["s.npz"]
    with np.load(target) as z:
        np.testing.assert_array_equal(z["x"], np.concatenate(blocks))
        np.testing.assert_array_equal(z["flags"], np.concatenate(blocks) > 0)
        assert z["never"].shape == (0, 4) and float(z["dt"]) == 0.1
    with pytest.raises(sl.ParameterError, match="got rows"):
        with NpzStream(target) as out:
            out.append("x", blocks[0])
            out.append("x", blocks[0][:, :2])
    assert os.listdir(tmp_path) == ["s.npz"]                 # spools removed, the old file kept


# ----------------------------------------------------------------------------- Python export
def _exec_script(code: str):
    """Run an exported script in a fresh namespace (not as __main__) and build its network."""
    ns: dict = {"__name__": "exported_model"}
    exec(compile(code, "<exported>", "exec"), ns)
    return ns["build_network"]()


def _same_values(a: dict, b: dict) -> bool:
    from spark_lab.initializers import Initializer
    if a.keys() != b.keys():
        return False
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, Initializer) or isinstance(y, Initializer):
            if not (type(x) is type(y) and x == y):
                return False
        elif not np.array_equal(np.asarray(x), np.asarray(y)):
            return False
    return True


def _editor_built_network():
    """A network with the parts an editor user makes: encoder, current encoder, decoder, a
    routing, a self-projection with plasticity, per-neuron values and a record policy."""
    from spark_lab.connectivity import FixedInDegree
    from spark_lab.interfaces import CurrentEncoder, PoissonEncoder, PopulationDecoder, RateDecoder, Subset
    from spark_lab.plasticity import STDP
    net = sl.Network(dt=0.5, seed=3)
    net.add_pool("exc", sl.LIF(tau_m=12.0), 40, excitatory=True)
    net.add_pool("inh", sl.LIF(), 10, excitatory=False, g_inh=4.0)
    net.add_input("stim", PoissonEncoder(dims=1), n=20)
    net.add_input("drive", CurrentEncoder(dims=1), target="exc")
    net.connect("stim", "exc", weight=2.0)
    net.connect("exc", "exc", connectivity=FixedInDegree(k=5), delay=1.0, plasticity=[STDP()])
    net.connect("exc", "inh", name="e2i")
    net.connect("inh", "exc", weight=0.8)
    net.add_output("rate", RateDecoder(), source=Subset("exc", k=8, seed=1))
    net.add_output("pop", PopulationDecoder(dims=1, n=10), source="inh")
    net.record("exc", "v", every=2, neurons=[0, 3])
    net.set_position("exc", 100.0, 50.0)
    return net


@pytest.mark.parametrize("name", ["balanced_ei", "benchmark_7pool", "stdp", "synfire_chain", "three_factor",
                                  "editor_built"])
def test_exported_python_rebuilds_the_same_network(name):
    from spark_lab import model
    net = _editor_built_network() if name == "editor_built" else model.load(name)
    code = model.to_python(net)
    rebuilt = _exec_script(code)
    assert rebuilt.structure_signature() == net.structure_signature()
    assert _same_values(rebuilt.values(), net.values())
    assert dict(rebuilt.layout) == dict(net.layout)
    assert [r.key for r in rebuilt.records] == [r.key for r in net.records]
    assert model.to_python(rebuilt) == code                      # a fixed point


def test_exported_python_writes_ints_and_bools_as_written_by_hand():
    from spark_lab import model
    code = model.to_python(_editor_built_network())
    assert "dims=1," in code or "dims=1)" in code
    assert "dims=1.0" not in code and "autapses=0.0" not in code and "k=5.0" not in code
    assert "autapses=0" in code and "k=5" in code and "n=10" in code
    assert "circular=False" in code                              # an option keeps its bool
    assert "plasticity=[]" not in code and "excitatory=None" not in code
    assert "net.record('exc', 'v', every=2, neurons=[0, 3])" in code
    assert "net.connect('exc', 'inh'" in code and "name='e2i'" in code
    assert "name='exc->exc'" not in code                          # the default name is left out
