"""Lab(model): the graph editor and the live lab on one network (Python level, no browser)."""
from __future__ import annotations

import time

import numpy as np
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


def ei_net():
    net = sl.Network(dt=0.5, seed=2)
    net.add_pool("ext", sl.PoissonSource(rate=40.0), 40)
    net.add_pool("exc", sl.LIF(tau_m=20.0), 40, excitatory=True)
    net.add_pool("inh", sl.LIF(tau_m=10.0), 10, excitatory=False, g_inh=5.0)
    syn = sl.Exponential(tau=5.0)
    net.connect("ext", "exc", synapse=syn, connectivity=sl.FixedProbability(p=0.2), weight=4.0)
    net.connect("exc", "inh", synapse=syn, connectivity=sl.FixedProbability(p=0.2), weight=1.0)
    net.connect("inh", "exc", synapse=sl.Exponential(tau=8.0), connectivity=sl.FixedProbability(p=0.2),
                weight=1.0)
    return net


SCENARIO = [(("inh", "g_inh"), 7.0, 3.0, lambda net, v: net.update_pool("inh", g_inh=v)),
            (("exc", "tau_m"), 30.0, 15.0,
             lambda net, v: net.update_pool("exc", model=net.pools["exc"].model.replace(tau_m=v))),
            (("ext->exc", "weight"), 6.0, 2.5, lambda net, v: net.update_projection("ext->exc", weight=v)),
            (("inh->exc", "tau"), 12.0, 6.0,
             lambda net, v: net.update_projection(
                 "inh->exc", synapse=net.projections["inh->exc"].synapse.replace(tau=v)))]


@pytest.mark.parametrize("key, moved, edited, edit", SCENARIO, ids=[f"{t}.{n}" for (t, n), *_ in SCENARIO])
def test_one_value_in_network_inspector_slider_and_session(key, moved, edited, edit):
    from spark_lab.notebook._values import network_value
    target, name = key
    keys = [k for k, *_ in SCENARIO]
    lab = Lab(ei_net(), params=keys, chunk=20, analysis=False)
    try:
        ps = lab.live.sliders[key]
        span = ps.span
        ps.slider.value = moved                                     # slider -> network, inspector, session
        assert float(network_value(lab.network, target, name)) == moved
        lab.editor.select(target)
        field = name if target in lab.network.pools or name in ("weight", "delay") else f"synapse.{name}"
        assert lab.editor.inspector.fields[field].widget.value == moved
        lab.session.step()
        assert float(np.mean(lab.session.sim.get_param(target, name))) == moved
        assert ps.errors == 0 and not lab.needs_rebuild
        edit(lab.network, edited)                                   # code (or inspector) -> slider, session
        assert ps.slider.value == edited
        assert lab.editor.inspector.fields[field].widget.value == edited
        lab.session.step()
        assert float(np.mean(lab.session.sim.get_param(target, name))) == edited
        others = {k: s.slider.value for k, s in lab.live.sliders.sliders.items()}
        lab.session.run()
        lab.network.add_pool("extra", sl.LIF(), 5)                  # structure: rebuild while running
        assert lab.needs_rebuild
        t_old = lab.session.t
        assert lab.rebuild()
        try:
            new = lab.live.sliders[key]
            assert lab.session.running
            assert float(np.mean(lab.session.sim.get_param(target, name))) == edited
            assert new.slider.value == edited and new.span == span
            assert {k: s.slider.value for k, s in lab.live.sliders.sliders.items()} == others
            if hasattr(lab.session.sim, "set_state_tree"):
                assert lab.session.t >= t_old
        finally:
            lab.session.pause()
    finally:
        lab.close()


def test_slider_range_comes_from_the_declaration_not_the_value():
    net = ei_net()
    lab = Lab(net, params=[("inh", "g_inh")], chunk=20, analysis=False)
    try:
        s = lab.live.sliders[("inh", "g_inh")]
        assert s.slider.max >= 7.0                                   # built at g_inh = 5: still reaches 7
        span = s.span
        s.slider.value = 7.0
        lab.network.add_pool("extra", sl.LIF(), 5)
        lab.rebuild()
        s = lab.live.sliders[("inh", "g_inh")]
        assert s.span == span and s.slider.value == 7.0
        lab.network.update_pool("inh", g_inh=40.0)                   # set from code beyond the range: widens it
        assert s.slider.value == 40.0 and s.span[1] >= 40.0 and s.span[0] == span[0]
    finally:
        lab.close()


def test_slider_echo_is_one_network_event_and_one_queued_change():
    lab = Lab(ei_net(), params=[("inh", "g_inh")], chunk=20, analysis=False)
    try:
        events = []
        lab.network.observe(events.append)
        applied = lab.session.applied_changes
        lab.live.sliders[("inh", "g_inh")].slider.value = 6.0
        assert [e["op"] for e in events] == ["update_pool"]
        assert lab.session.applied_changes == applied + 1 and lab.live_edits == 1
    finally:
        lab.close()


def test_slider_on_a_shared_synapse_keeps_it_shared_and_live():
    lab = Lab(ei_net(), params=[("ext->exc", "tau")], chunk=20, analysis=False)
    try:
        lab.live.sliders[("ext->exc", "tau")].slider.value = 3.0
        net = lab.network
        assert net.projections["ext->exc"].synapse is net.projections["exc->inh"].synapse
        assert net.projections["exc->inh"].synapse.values["tau"] == 3.0
        assert not lab.needs_rebuild
        lab.session.step()
        assert float(np.mean(lab.session.sim.get_param("exc->inh", "tau"))) == 3.0
    finally:
        lab.close()


def test_rebuild_keeps_the_state_of_unchanged_pools():
    lab = Lab(ei_net(), chunk=20, analysis=False)
    try:
        lab.session.step()
        lab.session.step()
        v = lab.session.sim.state["pools"]["exc"]["v"]
        lab.network.add_pool("extra", sl.LIF(), 5)
        assert lab.rebuild()
        np.testing.assert_array_equal(lab.session.sim.state["pools"]["exc"]["v"], v)
    finally:
        lab.close()
