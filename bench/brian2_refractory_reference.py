"""Brian2's refractory schedule as reference data for tests/test_numerics_faults.py.

    python3 -m venv /tmp/b2 && /tmp/b2/bin/pip install brian2 "numpy<2.3"
    /tmp/b2/bin/python bench/brian2_refractory_reference.py      # writes tests/data/brian2_refractory.json

(Brian2 2.9 uses ``np.ndarray.ptp``, which numpy 2.3+ no longer has: hence the numpy pin.)

A neuron that spiked at t = 0 receives one input spike at a time inside, at the end of,
or after its refractory period: a delta synapse (``on_pre="v_post += w"``) or an
exponentially decaying current (``on_pre="I_post += w"``), one input time per neuron,
plus a neuron without input as the control. Models: the LIF (``method="exact"``) at
t_ref = 2, 0.1 and 0 ms, and the AdEx (``method="euler"``) at t_ref = 2 ms, both with
``(unless refractory)`` on dv/dt. Brian2 (numpy target, dt = 0.1 ms) records v at the
start of every step (StateMonitor's default slot) and the spikes. The test needs no
Brian2: it reads this file.
"""
import json
import os
import sys

import brian2 as b2
import numpy as np

DT = 0.1                  # ms
T_END = 5.0               # ms
TIMES = [0.0, 0.1, 0.5, 1.0, 1.8, 1.9, 2.0, 2.1, 2.5]   # input spike times, ms
W_DELTA = 5.0             # mV
W_EXP = 20.0              # mV (LIF drive); the AdEx gets no current input
LIF = dict(tau_m=20.0, v_rest=-65.0, v_th=-50.0, v_reset=-60.0, tau_s=5.0, v0=-49.0)
ADEX = dict(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, tau_w=144.0, a=4.0, b=80.5,
            V_r=-70.6, V_peak=0.0, v0=10.0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "brian2_refractory.json")


def _inputs(group, n_exp):
    """Spike generator and synapses: neuron k gets a delta input at TIMES[k]; neuron
    len(TIMES) + k an exponential-current input at TIMES[k] (when n_exp); the last
    neuron none."""
    m = len(TIMES)
    gen = b2.SpikeGeneratorGroup(m, np.arange(m), np.array(TIMES) * b2.ms)
    delta = b2.Synapses(gen, group, on_pre=f"v_post += {W_DELTA}*mV")
    delta.connect(i=np.arange(m), j=np.arange(m))
    objs = [gen, delta]
    if n_exp:
        cur = b2.Synapses(gen, group, on_pre=f"I_post += {W_EXP}*mV")
        cur.connect(i=np.arange(m), j=m + np.arange(m))
        objs.append(cur)
    return objs


def _run(group, objs):
    mon = b2.StateMonitor(group, "v", record=True)
    spk = b2.SpikeMonitor(group)
    net = b2.Network(group, mon, spk, *objs)
    net.run(T_END * b2.ms)
    return {"v": np.round(mon.v / b2.mV, 7).tolist(), "t": np.round(mon.t / b2.ms, 6).tolist(),
            "spike_i": spk.i[:].tolist(), "spike_t": np.round(spk.t / b2.ms, 6).tolist()}


def lif_case(t_ref):
    p = {k: v * b2.mV for k, v in LIF.items() if k.startswith("v")}
    ns = dict(tau_m=LIF["tau_m"] * b2.ms, tau_s=LIF["tau_s"] * b2.ms, **p)
    eqs = """dv/dt = (v_rest - v + I)/tau_m : volt (unless refractory)
             dI/dt = -I/tau_s : volt"""
    g = b2.NeuronGroup(2 * len(TIMES) + 1, eqs, threshold="v > v_th", reset="v = v_reset",
                       refractory=t_ref * b2.ms, method="exact", namespace=ns)
    g.v = LIF["v0"] * b2.mV
    return {"model": "lif", "t_ref": t_ref, **_run(g, _inputs(g, True))}


def adex_case(t_ref):
    a = ADEX
    ns = dict(C=a["C"] * b2.pF, g_L=a["g_L"] * b2.nS, E_L=a["E_L"] * b2.mV, V_T=a["V_T"] * b2.mV,
              delta_T=a["delta_T"] * b2.mV, tau_w=a["tau_w"] * b2.ms, a=a["a"] * b2.nS, b=a["b"] * b2.pA,
              V_r=a["V_r"] * b2.mV, V_peak=a["V_peak"] * b2.mV)
    eqs = """dv/dt = (-g_L*(v - E_L) + g_L*delta_T*exp((v - V_T)/delta_T) - w)/C : volt (unless refractory)
             dw/dt = (a*(v - E_L) - w)/tau_w : amp"""
    g = b2.NeuronGroup(len(TIMES) + 1, eqs, threshold="v > V_peak", reset="v = V_r; w += b",
                       refractory=t_ref * b2.ms, method="euler", namespace=ns)
    g.v = a["v0"] * b2.mV
    return {"model": "adex", "t_ref": t_ref, **_run(g, _inputs(g, False))}


def main():
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = DT * b2.ms
    cases = [lif_case(2.0), lif_case(0.1), lif_case(0.0), adex_case(2.0)]
    doc = {"made_by": "bench/brian2_refractory_reference.py", "brian2": b2.__version__, "numpy": np.__version__,
           "python": sys.version.split()[0], "target": "numpy", "dt": DT, "t_end": T_END, "times": TIMES,
           "w_delta": W_DELTA, "w_exp": W_EXP, "lif": LIF, "adex": ADEX,
           "record_slot": "start (v at t_k is the state before step k)", "cases": cases}
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)} (Brian2 {b2.__version__})")


if __name__ == "__main__":
    main()
