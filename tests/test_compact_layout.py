"""Class groups laid out for the native CPU kernel only (spark_lab/_sparse.py:
``build_runs_csr``, used when a group's padded table would exceed ``TABLE_LIMIT``): the same
kernel arrays as the layout read off the padded table, the same spikes, a clear error where
the table is needed (batching, sharding), and the memory estimate without the table."""
from __future__ import annotations

import numpy as np
import pytest

import spark_lab as sl
from spark_lab import _memory, _native, _sparse
from spark_lab.errors import NetworkError

pytestmark = pytest.mark.skipif(not _native.available(), reason="the native CPU kernel is not built")


def _dale_net():
    """Dale pools (row signs), a pool slice, two receptors into one pool, two projections into
    one receptor with one delay (two classes), three delays."""
    net = sl.Network(dt=0.1, seed=4)
    net.add_pool("e", sl.LIF(v_init_low=-65.0, v_init_high=-50.5), 120, excitatory=0.8, g_inh=4.0)
    net.add_pool("o", sl.LIF(v_init_low=-60.0, v_init_high=-51.0), 70)
    net.add_pool("src", sl.PoissonSource(rate=300.0), 50)
    fast, slow = sl.Exponential(tau=2.0), sl.Exponential(tau=8.0)
    net.connect("e", "e", synapse=fast, weight=0.8, connectivity=sl.FixedProbability(p=0.2), delay=0.5)
    net.connect("e", "o", synapse=slow, weight=1.1, connectivity=sl.FixedInDegree(k=30, multapses=1), delay=1.0)
    net.connect(net.pools["src"][:30], "o", synapse=fast, weight=2.0, connectivity=sl.FixedProbability(p=0.3))
    net.connect("src", "e", synapse=fast, weight=1.5, connectivity=sl.FixedProbability(p=0.3), delay=0.5)
    net.connect("o", "e", synapse=slow, weight=-0.5, connectivity=sl.AllToAll(), delay=0.5)
    return net


NETS = {"dale": _dale_net,
        "microcircuit": lambda: sl.load("microcircuit", scale=0.01, k_scale=0.05, weight_sd=0.0, background="poisson",
                                        seed=2)}


@pytest.mark.parametrize("which", sorted(NETS))
def test_runs_layout_equals_the_one_read_off_the_table(which, monkeypatch):
    padded = NETS[which]().build()
    monkeypatch.setattr(_sparse, "TABLE_LIMIT", 0)
    compact = NETS[which]().build()
    assert padded.native and compact.native
    for g, h in zip(padded.layout.groups, compact.layout.groups):
        assert g.gid == h.gid and not g.per_synapse
        assert isinstance(h.targets, _sparse.NoTable) and isinstance(g.targets, np.ndarray)
        assert (g.width, g.packed, g.n_classes, g.projections) == (h.width, h.packed, h.n_classes, h.projections)
        for k in ("rows", "runs", "targets"):
            np.testing.assert_array_equal(getattr(g.csr, k), getattr(h.csr, k), err_msg=f"{which} {g.gid} {k}")
    assert padded.fingerprint() == compact.fingerprint()
    a, b = padded.run(1500), compact.run(1500)
    for pool in a.counts:
        np.testing.assert_array_equal(np.asarray(a.counts[pool]), np.asarray(b.counts[pool]))
    assert sum(int(np.asarray(c).sum()) for c in a.counts.values()) > 50          # the network is active


def test_a_layout_without_tables_refuses_what_needs_them(monkeypatch):
    monkeypatch.setattr(_sparse, "TABLE_LIMIT", 0)
    lay = _dale_net().build().layout
    with pytest.raises(NetworkError, match="native=False"):
        lay.padded({g.gid: g.width + 2 for g in lay.groups})


def test_the_estimate_drops_the_table_and_counts_the_draw(monkeypatch):
    net = NETS["microcircuit"]()
    with_table = _memory.estimate(net, path_="native")
    monkeypatch.setattr(_sparse, "TABLE_LIMIT", 0)
    without = _memory.estimate(net, path_="native")
    assert any(n.field == "table" for n in with_table.needs)
    assert not any(n.field == "table" for n in without.needs)
    draws = [n for n in without.needs if n.what.startswith("drawing")]
    assert len(draws) == 1
    syn = sum(n.bytes for n in without.needs if n.field == "connectivity") - draws[0].bytes
    assert syn == pytest.approx(without.synapses * _memory.COMPACT_BYTES, rel=1e-3)
    assert without.total < with_table.total
