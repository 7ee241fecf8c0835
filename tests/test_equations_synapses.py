"""SynapseEquations where Exponential and Conductance plug in: same responses as the
built-ins, an alpha synapse against its closed form, an NMDA Mg block reading v."""
from __future__ import annotations

import numpy as np
import pytest

import spark_lab as sl
from spark_lab.equations import EquationError, NeuronEquations, SynapseEquations


def _drive(syn, model=None, weight=6.0, steps=3000):
    net = sl.Network(dt=0.1, seed=1)
    net.add_pool("src", sl.PoissonSource(rate=40.0), 50)
    net.add_pool("p", model or sl.LIF(), 10)
    net.connect("src", "p", syn, sl.FixedProbability(p=0.3), weight=weight)
    net.record("p", "v")
    net.record("p", "spikes")
    return net.build().run(steps)


def test_exponential_from_equations_matches_builtin():
    syn = SynapseEquations("dI/dt = -I/tau : mV", current="I", on_spike="I += w", params={"tau": "5 ms"})
    assert syn.method == "exact" and syn.STATE == ("I",) and not syn.NEEDS_VOLTAGE
    assert syn.exp_taus({"tau": 5.0}) == (5.0,)       # passed to the LIF as an exactly integrated term
    a, b = _drive(sl.Exponential(tau=5.0)), _drive(syn)
    assert a.records["p.spikes"].sum() > 50
    np.testing.assert_array_equal(a.records["p.spikes"], b.records["p.spikes"])
    np.testing.assert_allclose(a.records["p.v"], b.records["p.v"], atol=1e-4)


def test_conductance_from_equations_matches_builtin():
    syn = SynapseEquations("dg/dt = -g/tau : 1", current="g*(E - v)", on_spike="g += w", weight_unit="1",
                           params={"tau": "5 ms", "E": "0 mV"})
    assert syn.NEEDS_VOLTAGE
    a, b = _drive(sl.Conductance(tau=5.0, E_rev=0.0), weight=0.2), _drive(syn, weight=0.2)
    assert a.records["p.spikes"].sum() > 50
    np.testing.assert_array_equal(a.records["p.spikes"], b.records["p.spikes"])


def test_alpha_synapse_psp_matches_closed_form():
    # one spike of weight w at t0: x = w e^{-s/tau}, I = w (s/tau) e^{-s/tau}; into a passive
    # equation neuron dv/dt = I/tau_m (a perfect integrator) v(s) = w tau/tau_m (1 - (1 + s/tau) e^{-s/tau})
    tau, tau_m, w = 3.0, 10.0, 2.0
    alpha = SynapseEquations("dI/dt = (x - I)/tau : mV\ndx/dt = -x/tau : mV", current="I", on_spike="x += w",
                             params={"tau": f"{tau} ms"})
    assert alpha.method == "exact"
    integ = NeuronEquations("dv/dt = I/tau_m : mV", params={"tau_m": f"{tau_m} ms"})
    net = sl.Network(dt=0.1)
    net.add_pool("src", sl.SpikeGenerator(times=[[1.0]]), 1)
    net.add_pool("p", integ, 1)
    net.connect("src", "p", alpha, sl.AllToAll(), weight=w)
    net.record("p", "v")
    v = net.build().run(400).records["p.v"][:, 0]
    k0 = np.flatnonzero(v)[0]
    s = (np.arange(400) - k0 + 1) * 0.1                      # time since the spike reached x
    exact = np.where(s > 0, w * tau / tau_m * (1 - (1 + s / tau) * np.exp(-s / tau)), 0.0)
    # I enters v as a constant over each step: first order in dt (1 % of the peak)
    np.testing.assert_allclose(v[k0:], exact[k0:], atol=0.01 * exact.max())
    assert abs(v[-1] - exact[-1]) < 0.01 * exact.max()


def test_nmda_mg_block_reads_post_v():
    nmda = SynapseEquations(
        "dg/dt = -g/tau : 1", current="g*(E - v) / (1 + Mg/(3.57*mM)*exp(-0.062*v/mV))", on_spike="g += w",
        params={"tau": "100 ms", "E": "0 mV", "Mg": "1 mM"}, weight_unit="1")
    free = nmda.replace(Mg=0.0)
    assert nmda.NEEDS_VOLTAGE and free.values["Mg"] == 0.0 and type(free) is type(nmda)
    blocked, unblocked = _drive(nmda, weight=0.01), _drive(free, weight=0.01)
    # at rest (-65 mV) the block divides the current by 1 + e^{4.03}/3.57 ~ 16
    assert unblocked.records["p.spikes"].sum() > 20
    assert blocked.records["p.spikes"].sum() < unblocked.records["p.spikes"].sum() / 2


def test_synapse_errors():
    with pytest.raises(EquationError, match="proportional to w"):
        SynapseEquations("dg/dt = -g/tau : 1", current="g*mV", on_spike="g = w", params={"tau": "5 ms"},
                         weight_unit="1")
    with pytest.raises(EquationError, match="post potential"):
        SynapseEquations("dg/dt = -g*v/tau/mV : 1", current="g*mV", on_spike="g += w", params={"tau": "5 ms"})
    with pytest.raises(EquationError, match="expected mV"):
        SynapseEquations("dg/dt = -g/tau : 1", current="g", on_spike="g += w", params={"tau": "5 ms"})
