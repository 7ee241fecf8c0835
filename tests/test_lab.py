"""Lab(model): the graph editor and the live lab on one network (Python level, no browser)."""
from __future__ import annotations

import time

import pytest

import spark_lab as sl
from spark_lab.notebook import Lab


def small_net():
    net = sl.Network(dt=0.5, seed=1)
    net.add_pool("ext", sl.PoissonSource(rate=50.0), 40)
    net.add_pool("exc", sl.LIF(tau_m=20.0), 30)
    syn = sl.Exponential(tau=5.0)
    net.connect("ext", "exc", synapse=syn, connectivity=sl.FixedProbability(p=0.3), weight=3.0)
    net.connect("exc", "exc", synapse=syn, connectivity=sl.FixedProbability(p=0.1), weight=0.5)
    return net


@pytest.fixture
def lab():
    lab = Lab(small_net(), chunk=50, analysis=False)
    yield lab
    lab.close()


def test_parameter_edits_in_the_editor_apply_live_without_rebuild(lab):
    sim = lab.session.sim
    lab.session.step()
    cc = sim.compile_count
    lab.editor.update_pool("exc", model=lab.network.pools["exc"].model.replace(tau_m=12.5))
    lab.editor.update_projection("ext->exc", weight=4.5)
    assert not lab.needs_rebuild and lab.session.sim is sim
    assert sim.get_param("exc", "tau_m")[0] == 12.5
    assert float(sim.get_param("ext->exc", "weight")) == 4.5
    lab.session.step()
    assert sim.compile_count == cc and lab.live_edits == 2
    assert "applied to the running network" in lab.status.value


def test_structural_edit_waits_for_run_then_rebuilds(lab):
    old = lab.session.sim
    lab.editor.add("LIF", name="extra", n=10)
    lab.editor.connect("exc", "extra")
    assert lab.needs_rebuild and lab.session.sim is old          # the running network is still the old one
    assert "structure changed" in lab.status.value
    lab.live.controls.run_button.click()                         # Run: rebuild, then run the new network
    try:
        assert "extra" in lab.session.sim.net.pools and lab.session.sim is not old
        assert not lab.needs_rebuild
        deadline = time.time() + 30
        while lab.session.t == 0 and time.time() < deadline:
            time.sleep(0.05)
        assert lab.session.t > 0
    finally:
        lab.session.pause()
        lab.session.wait()


def test_editing_a_shared_synapse_is_structural(lab):
    pr = lab.network.projections["ext->exc"]
    lab.editor.update_projection("ext->exc", synapse=pr.synapse.replace(tau=3.0))     # splits the shared receptor
    assert lab.needs_rebuild


def test_simulation_runs_on_a_copy(lab):
    lab.editor.delete("exc")                                     # removes the pool and its projections
    assert "exc" in lab.session.sim.net.pools                   # the running simulator is untouched
    lab.session.step()
    assert lab.needs_rebuild


def test_unbuildable_edit_is_reported_and_the_old_lab_keeps_running(lab):
    old = lab.live
    lab.network.remove_pool("ext")
    lab.network.remove_pool("exc")
    assert lab.rebuild() is False
    assert "cannot build" in lab.status.value and lab.live is old
