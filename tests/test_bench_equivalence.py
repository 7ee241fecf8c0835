"""The 7-pool benchmark network built with spark_lab's public API gives the same
per-pool spike counts over 100 steps as the independent numpy reference of
bench/bench_common.py (deterministic input: channels 0-4 fire every step)."""
import os
import sys

import numpy as np
import pytest

from spark_lab import _native

BENCH = os.path.join(os.path.dirname(__file__), "..", "bench")
sys.path.insert(0, BENCH)
import bench_common as bc  # noqa: E402
import spark_lab_net  # noqa: E402


@pytest.mark.parametrize("native", [False, True], ids=["pure_jax", "native_cpu"])
def test_benchmark_network_matches_numpy_reference(native):
    if native and not _native.available():
        if os.environ.get("CI"):
            pytest.fail("the native CPU kernel must be built by `make install` in CI")
        pytest.skip("native CPU kernel not built")
    d = bc.build_network()
    assert bc.fingerprint(d) == "03dfb4ec9d85fe44"
    det = np.zeros((1, bc.N_IN))
    det[:, :5] = 1.0 / bc.DT
    ref_counts, _ = bc.numpy_reference(100, K=100, net=d, rates=det)
    ref = ref_counts.reshape(bc.N_POOLS, bc.POOL_SIZE).sum(1)

    sim = spark_lab_net.build(d, native=native)
    assert sim.native == native
    counts = np.zeros(bc.N_POOLS, np.int64)
    for _ in range(10):                       # closed loop: 10 chunks of 10 steps
        res = sim.run(10, inputs={"input": det[0]})   # rates in Hz
        counts += [res.counts[f"p{a}"].sum() for a in range(bc.N_POOLS)]
    np.testing.assert_array_equal(counts, ref)
    assert counts.sum() > 10_000              # the network is active, not trivially equal
