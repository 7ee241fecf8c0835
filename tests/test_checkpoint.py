"""Checkpoints: a round trip continues bit-exactly, and loading is all or nothing. Every damaged,
foreign or hostile file (truncated, bytes flipped, entries removed, added, renamed or repeated,
wrong shapes and dtypes, NaN or negative values that set_param refuses, bad meta, not a zip, an
empty file, a directory, a FIFO, a zip bomb) raises CheckpointError naming the file and the entry
and leaves the simulator exactly as it was (state, parameters, t); a good checkpoint then still
loads and runs on bit-exactly (same spikes and voltages as a run that never saw a bad file)."""
from __future__ import annotations

import io
import json
import os
import sys
import tracemalloc
import zipfile
import zlib

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spark_lab as sl
from spark_lab import Network, NetworkError, Uniform
from spark_lab.errors import CheckpointError, SparkLabError

sys.path.insert(0, os.path.dirname(__file__))
from _model_nets import make_net, rich_network, spikes_of  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
RECORD = ["exc.spikes", "exc.v", "mix.spikes", "mix.v"]
DRIVE = {"exc": 25.0, "mix": 25.0}          # mV: both pools spike, the STDP weights move


# ---------------------------------------------------------------- round trip (from test_kernel)
def test_checkpoint_roundtrip(tmp_path):
    sim = make_net(seed=7).build()
    sim.run(300)
    sim.set_param("exc", "v_th", -51.0)                  # a changed parameter travels too
    path = tmp_path / "ck.npz"
    sim.save_checkpoint(path)
    a = sim.run(300, record=["exc.spikes", "exc.v"])
    fresh = make_net(seed=7).build()
    fresh.load_checkpoint(path)
    assert fresh.t == 300
    np.testing.assert_array_equal(fresh.get_param("exc", "v_th"), np.full(60, -51.0))
    b = fresh.run(300, record=["exc.spikes", "exc.v"])
    assert a.t_start == b.t_start == 300
    np.testing.assert_array_equal(spikes_of(a), spikes_of(b))
    np.testing.assert_array_equal(a.records["exc.v"], b.records["exc.v"])
    assert spikes_of(a).sum() > 20


def test_checkpoint_of_other_network_rejected(tmp_path):
    sim = make_net(seed=7).build()
    sim.run(10)
    path = tmp_path / "ck.npz"
    sim.save_checkpoint(path)
    other = make_net(seed=7, n=61).build()
    before = other.state
    with pytest.raises(NetworkError):
        other.load_checkpoint(path)
    assert other.t == 0
    np.testing.assert_array_equal(other.state["pools"]["exc"]["v"], before["pools"]["exc"]["v"])


# ---------------------------------------------------------------- the damage corpus
def snapshot(sim):
    """(t, state leaves, {(target, name): value}) of everything a load may change."""
    leaves = [np.array(x) for x in jax.tree_util.tree_leaves(sim.state)]
    params = {(tg, nm): sim.get_param(tg, nm) for tg, d in sim.parameters().items() for nm in d}
    return sim.t, leaves, params


def assert_same(a, b):
    assert a[0] == b[0]
    assert len(a[1]) == len(b[1])
    for x, y in zip(a[1], b[1]):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)
    assert a[2].keys() == b[2].keys()
    for k in a[2]:
        np.testing.assert_array_equal(a[2][k], b[2][k], err_msg=str(k))


def npy(arr) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=True)
    return buf.getvalue()


def unzip(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def rezip(entries, compression=zipfile.ZIP_STORED) -> bytes:
    """A zip of ``entries`` ({name: bytes} or [(name, bytes)], repeats allowed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for nm, b in (entries.items() if isinstance(entries, dict) else entries):
            z.writestr(nm, b)
    return buf.getvalue()


class Corpus:
    """One simulator that every bad file is tried on, a good checkpoint of the same network
    (other t, parameters and draws), and the run that follows the good checkpoint."""

    def __init__(self, tmp):
        self.tmp, self.n_files = tmp, 0
        ref = rich_network(6).build()
        ref.set_param("exc", "v_th", -49.0)
        ref.set_param("mix", "tau_m", Uniform(10.0, 20.0))            # uses up one initializer draw
        ref.run(300, inputs=DRIVE)
        self.good_path = str(tmp / "good.npz")
        ref.save_checkpoint(self.good_path)
        self.good = open(self.good_path, "rb").read()
        self.good_snap = snapshot(ref)
        ref.set_param("exc", "tau_m", Uniform(12.0, 30.0))            # seeded by the draw count
        self.expected = ref.run(200, record=RECORD, inputs=DRIVE)
        self.sim = rich_network(6).build()
        self.sim.run(7)
        self.base_path = str(tmp / "base.npz")
        self.sim.save_checkpoint(self.base_path)
        self.entries = unzip(self.good)
        self.meta = json.loads(bytes(np.load(io.BytesIO(self.entries["meta.npy"]))).decode())
        self.sentinels = self._locate_params()

    def _locate_params(self) -> dict:
        """{(target, name): indices in params:float64}, found by saving unusual values."""
        probe = rich_network(6).build()
        marks = {("exc", "tau_m"): 17.0123, ("exc", "g_inh"): 2.0123, ("gen->exc", "tau"): 4.0123,
                 ("plastic", "a_plus"): 0.0123, ("exc", "v_reset"): -61.0123, ("drive", "rate"): 271.0123}
        for (tg, nm), v in marks.items():
            probe.set_param(tg, nm, v)
        path = self.tmp / "probe.npz"
        probe.save_checkpoint(path)
        buf = np.load(path)["params:float64"]
        return {k: np.flatnonzero(buf == v) for k, v in marks.items()}

    def write(self, data) -> str:
        self.n_files += 1
        path = self.tmp / f"bad{self.n_files}.npz"
        path.write_bytes(data)
        return str(path)

    def with_entries(self, **replace) -> bytes:
        """The good checkpoint with entries replaced ({label: bytes or array}; None drops)."""
        out = dict(self.entries)
        for label, v in replace.items():
            nm = label.replace("__", ":").replace("_to_", "->") + ".npy"
            if v is None:
                out.pop(nm)
            else:
                out[nm] = v if isinstance(v, bytes) else npy(v)
        return rezip(out)

    def array(self, entry: str) -> np.ndarray:
        return np.load(io.BytesIO(self.entries[entry + ".npy"]))

    def with_meta(self, **changes) -> bytes:
        meta = {k: v for k, v in {**self.meta, **changes}.items() if v is not DROP}
        return self.with_entries(meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))

    def refused(self, data, entry=None, match=None, path=None) -> CheckpointError:
        """Loading ``data`` (or ``path``) raises CheckpointError naming file and ``entry`` and
        changes nothing."""
        path = path if path is not None else self.write(data)
        before = snapshot(self.sim)
        with pytest.raises(CheckpointError) as info:
            self.sim.load_checkpoint(path)
        err = info.value
        assert err.path == str(path) and str(path) in str(err)
        if entry is not None:
            assert err.entry == entry, str(err)
            assert not entry or f": {entry}: " in str(err)
        if match is not None:
            assert match in str(err), str(err)
        assert_same(snapshot(self.sim), before)
        return err

    def refused_or_good(self, data) -> None:
        """Either refused with nothing changed, or loaded as exactly the good checkpoint (then
        the simulator is put back with the baseline checkpoint)."""
        before = snapshot(self.sim)
        try:
            self.sim.load_checkpoint(self.write(data))
        except CheckpointError:
            assert_same(snapshot(self.sim), before)
            return
        assert_same(snapshot(self.sim), self.good_snap)
        self.sim.load_checkpoint(self.base_path)
        assert_same(snapshot(self.sim), before)

    def runs_on_exactly(self) -> None:
        """A good load after whatever was tried: the same run as the reference."""
        self.sim.load_checkpoint(self.good_path)
        assert int(self.sim.state["t"]) == self.sim.t == 300
        self.sim.set_param("exc", "tau_m", Uniform(12.0, 30.0))
        got = self.sim.run(200, record=RECORD, inputs=DRIVE)
        for k in RECORD:
            np.testing.assert_array_equal(got.records[k], self.expected.records[k], err_msg=k)
        assert np.asarray(got.records["exc.spikes"]).sum() > 0 and np.asarray(got.records["mix.spikes"]).sum() > 0
        self.sim.load_checkpoint(self.base_path)


DROP = object()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return Corpus(tmp_path_factory.mktemp("checkpoints"))


def test_the_good_checkpoint_loads_exactly(corpus):
    corpus.runs_on_exactly()
    corpus.refused_or_good(corpus.good)                  # loads, equals the good snapshot, put back
    corpus.refused_or_good(rezip(corpus.entries, zipfile.ZIP_DEFLATED))   # savez_compressed loads too


# the reproductions of issue 13
def test_unknown_weight_entry_refused_before_parameters_change(corpus):
    entries = {**corpus.entries, "weight:ghost.npy": npy(np.ones(3))}
    corpus.refused(rezip(entries), entry="weight:ghost", match="not an entry")


def test_meta_without_t_refused_and_host_t_stays_device_t(corpus):
    corpus.refused(corpus.with_meta(t=DROP), entry="meta", match="no t")
    assert int(corpus.sim.state["t"]) == corpus.sim.t


def test_wrong_shaped_weight_entry_then_a_good_checkpoint_still_loads(corpus):
    w = corpus.array("weight:plastic")
    corpus.refused(corpus.with_entries(weight__plastic=w[:-1]), entry="weight:plastic")
    corpus.refused(corpus.with_entries(weight__plastic=np.stack([w, w])), entry="weight:plastic")
    corpus.refused(corpus.with_entries(weight__plastic=np.float64(1.0)), entry="weight:plastic")
    corpus.runs_on_exactly()


@pytest.mark.parametrize("param", [("exc", "tau_m"), ("exc", "g_inh"), ("gen->exc", "tau"), ("plastic", "a_plus"),
                                   ("drive", "rate")])
@pytest.mark.parametrize("value", [np.nan, -5.0, np.inf])
def test_parameters_set_param_refuses_are_refused(corpus, param, value):
    buf = corpus.array("params:float64").copy()
    idx = corpus.sentinels[param]
    assert idx.size
    buf[idx[0]] = value
    err = corpus.refused(corpus.with_entries(params__float64=buf), entry="params:float64", match=param[1])
    assert isinstance(err.__cause__, sl.ParameterError)


def test_cross_field_rules_apply_to_loaded_parameters(corpus):
    buf = corpus.array("params:float64").copy()
    buf[corpus.sentinels[("exc", "v_reset")]] = -40.0           # above v_th
    corpus.refused(corpus.with_entries(params__float64=buf), entry="params:float64", match="v_reset")


@pytest.mark.parametrize("value", [np.nan, -0.5, 1e9])
def test_per_synapse_weights_follow_set_param(corpus, value):
    w = corpus.array("weight:plastic").copy()                     # from the Dale pool exc, w_max 2
    w[3] = value
    corpus.refused(corpus.with_entries(weight__plastic=w), entry="weight:plastic", match="weight")


@pytest.mark.parametrize("entry", ["state:float32", "state:int32", "params:float64", "weight:plastic"])
@pytest.mark.parametrize("dtype", [np.int8, np.complex64, np.float16, "<U4", "S4", ">f4", ">i4", bool, np.float64])
def test_wrong_dtypes_refused(corpus, entry, dtype):
    a = corpus.array(entry)
    bad = a.astype(dtype)
    if bad.dtype == a.dtype:
        pytest.skip("same dtype")
    corpus.refused(corpus.with_entries(**{entry.replace(":", "__"): bad}), entry=entry)


@pytest.mark.parametrize("entry", ["state:float32", "state:int32", "params:float64", "weight:drive->exc"])
def test_wrong_shapes_refused(corpus, entry):
    a = corpus.array(entry)
    label = entry.replace(":", "__").replace("->", "_to_")
    for bad in (a[:-1], np.concatenate([a, a[:1]]), a.reshape(1, -1), a[:0]):
        corpus.refused(corpus.with_entries(**{label: bad}), entry=entry)


def test_pickled_objects_are_never_unpickled(corpus, tmp_path):
    flag = tmp_path / "ran"

    class Boom:
        def __reduce__(self):
            return (open, (str(flag), "w"))

    obj = np.array([Boom()], dtype=object)
    corpus.refused(corpus.with_entries(state__float32=obj), entry="state:float32")
    corpus.refused(corpus.with_entries(meta=npy(obj)), entry="meta")
    assert not flag.exists()


@SETTINGS
@given(frac=st.floats(0.0, 1.0), value=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_non_finite_state_refused(corpus, frac, value):
    buf = corpus.array("state:float32").copy()
    buf[int(frac * (buf.size - 1))] = value
    corpus.refused(corpus.with_entries(state__float32=buf), entry="state:float32", match="finite")


@SETTINGS
@given(frac=st.floats(0.0, 1.0), value=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_non_finite_parameters_refused(corpus, frac, value):
    buf = corpus.array("params:float64").copy()
    buf[int(frac * (buf.size - 1))] = value
    corpus.refused(corpus.with_entries(params__float64=buf), entry="params:float64")


BAD_META = [({"t": DROP}, "no t"), ({"t": -5}, "t: -5"), ({"t": 40.0}, "t: 40.0"), ({"t": 1.5}, "t: 1.5"),
            ({"t": True}, "t: True"), ({"t": "40"}, "t: '40'"), ({"t": None}, "t: None"), ({"t": 41}, "state is at"),
            ({"t": 2 ** 70}, "state is at"), ({"draws": -1}, "draws: -1"), ({"draws": 0.5}, "draws"),
            ({"draws": DROP}, "no draws"), ({"extra": 1}, "unknown key 'extra'"), ({"format": "other/1"}, "format"),
            ({"format": DROP}, "format"), ({"fingerprint": "0" * 16}, "different network"),
            ({"fingerprint": None}, "different network"), ({"seed": 10}, "different network"),
            ({"seed": 9.0}, "different network"), ({"seed": DROP}, "no seed")]


@pytest.mark.parametrize("changes,match", BAD_META, ids=[str(c).replace(repr(DROP), "DROP") for c, _ in BAD_META])
def test_bad_meta_refused(corpus, changes, match):
    corpus.refused(corpus.with_meta(**changes), entry="meta", match=match)


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe", b"[1, 2]", b'"spark_lab.checkpoint/1"', b"null",
                                 b"[" * 5000 + b"]" * 5000, b" " * 70000])
def test_meta_not_a_json_object_refused(corpus, raw):
    corpus.refused(corpus.with_entries(meta=np.frombuffer(raw, np.uint8)), entry="meta")


def test_meta_of_another_dtype_or_shape_refused(corpus):
    raw = np.frombuffer(json.dumps(corpus.meta).encode(), np.uint8)
    corpus.refused(corpus.with_entries(meta=raw.astype(np.int16)), entry="meta")
    corpus.refused(corpus.with_entries(meta=raw.reshape(1, -1)), entry="meta")


@pytest.mark.parametrize("entry", ["meta", "state:float32", "state:int32", "params:float64", "weight:drive->exc",
                                   "weight:plastic", "weight:mix->exc"])
def test_missing_entries_refused(corpus, entry):
    corpus.refused(corpus.with_entries(**{entry.replace(":", "__").replace("->", "_to_"): None}),
                   entry=entry, match="missing")


@pytest.mark.parametrize("extra", ["weight:ghost.npy", "state:int8.npy", "params:float32.npy", "notes.txt",
                                   "meta", "state:float32", "dir/", "weight:exc->exc.npy"])
def test_added_entries_refused(corpus, extra):
    entries = {**corpus.entries, extra: npy(np.zeros(3, np.float32))}
    corpus.refused(rezip(entries), entry=extra.removesuffix(".npy"), match="not an entry")


def test_renamed_and_repeated_entries_refused(corpus):
    entries = dict(corpus.entries)
    entries["weight:plastic2.npy"] = entries.pop("weight:plastic.npy")
    corpus.refused(rezip(entries), entry="weight:plastic2")
    twice = list(corpus.entries.items()) + [("meta.npy", corpus.entries["meta.npy"])]
    with pytest.warns(UserWarning):
        data = rezip(twice)
    corpus.refused(data, entry="meta", match="twice")


@SETTINGS
@given(frac=st.floats(0.0, 1.0))
def test_truncated_files_refused(corpus, frac):
    corpus.refused(corpus.good[:int(frac * (len(corpus.good) - 1))])


@SETTINGS
@given(frac=st.floats(0.0, 1.0), flip=st.integers(1, 255))
def test_flipped_bytes_refused_or_harmless(corpus, frac, flip):
    data = bytearray(corpus.good)
    data[int(frac * (len(data) - 1))] ^= flip
    corpus.refused_or_good(bytes(data))


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_refused(corpus, data):
    corpus.refused(data)


def test_not_a_checkpoint_file_refused(corpus, tmp_path):
    corpus.refused(b"", entry="", match="not a readable zip")
    corpus.refused(b'{"pools": []}', entry="")
    corpus.refused(rezip({}), entry="meta", match="missing")
    corpus.refused(None, path=str(tmp_path), match="a directory")
    corpus.refused(None, path=str(tmp_path / "nothing.npz"), match="no such file")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)                                           # opening it would block
    corpus.refused(None, path=str(fifo), match="not a regular file")
    corpus.refused(None, path="/dev/zero", match="not a regular file")
    big = tmp_path / "big.npz"
    with open(big, "wb") as fh:
        fh.truncate(1 << 30)                                 # sparse: 1 GiB of nothing
    corpus.refused(None, path=str(big), match="at most")
    before = snapshot(corpus.sim)
    for not_a_path in (None, 3, ["a"]):
        with pytest.raises(CheckpointError):
            corpus.sim.load_checkpoint(not_a_path)
    assert_same(snapshot(corpus.sim), before)


def test_symlinks_and_path_types(corpus, tmp_path):
    link = tmp_path / "link.npz"
    link.symlink_to(corpus.good_path)
    for p in (link, str(link), os.fsencode(link)):
        corpus.sim.load_checkpoint(p)
        assert_same(snapshot(corpus.sim), corpus.good_snap)
    corpus.sim.load_checkpoint(corpus.base_path)
    dangling = tmp_path / "dangling.npz"
    dangling.symlink_to(tmp_path / "gone.npz")
    corpus.refused(None, path=str(dangling), match="a broken symbolic link")


def zip_bomb(entries: dict, size: int, lie: bool) -> bytes:
    """The good checkpoint with state:float32 inflating to ``size`` bytes of zeros; ``lie``:
    the zip directory and the .npy header still declare the good entry's size."""
    good = entries["state:float32.npy"]
    hbuf = io.BytesIO()
    n = (len(good) - 128) // 4 if lie else size // 4
    np.lib.format.write_array_header_1_0(hbuf, {"descr": "<f4", "fortran_order": False, "shape": (n,)})
    header = hbuf.getvalue()
    assert len(header) == 128
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for nm, b in entries.items():
            if nm != "state:float32.npy":
                z.writestr(nm, b)
        with z.open("state:float32.npy", "w") as f:
            f.write(header)
            zeros = bytes(1 << 22)
            for _ in range(size // len(zeros)):
                f.write(zeros)
    data = bytearray(buf.getvalue())
    if lie:
        true = 128 + (size // len(zeros)) * len(zeros)
        name = b"state:float32.npy"
        for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = data.find(sig)
            while at >= 0:
                start = at + (30 if sig == b"PK\x03\x04" else 46)
                if data[start:start + len(name)] == name:
                    assert int.from_bytes(data[at + off:at + off + 4], "little") == true
                    data[at + off:at + off + 4] = len(good).to_bytes(4, "little")
                at = data.find(sig, at + 1)
    return bytes(data)


@pytest.mark.parametrize("lie", [False, True], ids=["declared", "lying"])
def test_zip_bomb_fails_without_inflating(corpus, lie):
    data = zip_bomb(corpus.entries, 256 << 20, lie)
    assert len(data) < 2 << 20 and zlib.crc32(data)
    tracemalloc.start()
    try:
        err = corpus.refused(data, entry="state:float32")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"peak {peak / 2**20:.1f} MiB while refusing a bomb ({err})"


def test_every_refusal_is_a_spark_lab_error_and_a_network_error(corpus):
    err = corpus.refused(corpus.with_meta(seed=10))
    assert isinstance(err, SparkLabError) and isinstance(err, NetworkError)


def test_after_the_whole_corpus_a_good_checkpoint_runs_on_bit_exactly(corpus):
    w = corpus.array("weight:plastic")
    for data in (corpus.with_entries(weight__plastic=w[:-1]), corpus.with_meta(t=DROP), corpus.with_meta(t=-5),
                 rezip({**corpus.entries, "weight:ghost.npy": npy(np.ones(3))}), corpus.good[:-1], b""):
        corpus.refused(data)
    corpus.runs_on_exactly()


def test_parameters_of_a_rule_set_param_cannot_address_are_checked_too(tmp_path):
    """Two rules of one name on a projection: the first one's parameters have no set_param
    address; a checkpoint still loads, and still refuses what their declarations refuse."""
    def build():
        net = Network(seed=1)
        net.add_pool("a", sl.LIF(), 3)
        net.add_pool("b", sl.LIF(), 3)
        net.connect("a", "b", connectivity=sl.AllToAll(), weight=Uniform(0.1, 0.5),
                    plasticity=[sl.plasticity.STDP(a_plus=0.0123), sl.plasticity.STDP(a_plus=0.02)])
        return net.build()

    a, b = build(), build()
    a.run(20)
    path = tmp_path / "two_rules.npz"
    a.save_checkpoint(path)
    b.load_checkpoint(path)
    assert b.t == 20
    entries = unzip(path.read_bytes())
    buf = np.load(io.BytesIO(entries["params:float64.npy"])).copy()
    buf[np.flatnonzero(buf == 0.0123)] = -1.0
    bad = tmp_path / "bad.npz"
    bad.write_bytes(rezip({**entries, "params:float64.npy": npy(buf)}))
    c = build()
    with pytest.raises(CheckpointError, match="a_plus") as info:
        c.load_checkpoint(bad)
    assert info.value.entry == "params:float64" and c.t == 0
