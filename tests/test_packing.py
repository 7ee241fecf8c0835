"""_packing.Packer: many small arrays as one flat buffer per dtype, and back."""
import jax
import jax.numpy as jnp
import numpy as np

from spark_lab._packing import Packer


def _tree():
    return {"a": np.arange(3, dtype=np.float32), "b": [np.float32(2.5), np.ones((2, 2), np.float32)],
            "c": np.array([1, 2], np.int32)}


def test_pack_unpack_round_trip_one_buffer_per_dtype():
    t = _tree()
    p = Packer(t)
    flat = p.pack(t)
    assert set(flat) == {"float32", "int32"} and flat["float32"].shape == (3 + 1 + 4,) and p.sizes["int32"] == 2
    back = p.unpack(flat)
    for x, y in zip(jax.tree_util.tree_leaves(back), jax.tree_util.tree_leaves(t)):
        np.testing.assert_array_equal(x, y)
        assert np.shape(x) == np.shape(y)


def test_forced_dtype_and_empty_kind_has_one_element():
    p = Packer({"x": np.zeros(0), "y": np.ones(2, np.float32)}, np.float64)
    flat = p.pack({"x": np.zeros(0), "y": np.ones(2, np.float32)})
    assert list(flat) == ["float64"] and flat["float64"].dtype == np.float64
    q = Packer({"z": np.zeros(0, np.float32)})
    assert q.pack({"z": np.zeros(0, np.float32)})["float32"].shape == (1,)


def test_pack_traced_matches_pack_under_jit():
    t = _tree()
    p = Packer(t)
    traced = jax.jit(lambda tr: p.pack_traced(tr))(jax.tree_util.tree_map(jnp.asarray, t))
    for k, v in p.pack(t).items():
        np.testing.assert_array_equal(np.asarray(traced[k]), v)
    out = jax.jit(lambda f: p.unpack(f)["b"][1].sum())({k: jnp.asarray(v) for k, v in p.pack(t).items()})
    assert float(out) == 4.0
