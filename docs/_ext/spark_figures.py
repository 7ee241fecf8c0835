"""Small simulations drawn for the component gallery (docs/_ext/spark_docs.py).

Each recipe builds a tiny network with spark_lab itself, runs it for at most a few
thousand steps and draws one matplotlib figure: an f-I curve and a voltage trace for a
neuron model, the postsynaptic potential of one spike for a synapse model, the weight
change against spike timing (or over time) for a plasticity rule. The numbers on the
figures are the code's, computed at every build.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import spark_lab as sl  # noqa: E402

DT = 0.1
#: constant drives swept for an f-I curve, in each model's INPUT_UNIT
DRIVES = {"mV": np.linspace(0.0, 60.0, 25), "pA": np.linspace(0.0, 1500.0, 25), "mV/ms": np.linspace(0.0, 30.0, 25)}
#: the drive of the voltage trace (index into DRIVES)
TRACE_AT = 16


def _figure(ncols: int = 2):
    fig, axes = plt.subplots(1, ncols, figsize=(3.4 * ncols, 2.6), dpi=110, constrained_layout=True)
    return fig, np.atleast_1d(axes)


def neuron(cls):
    """f-I curve: a pool of neurons, each with its own constant input, simulated for 1 s
    (defaults, dt = 0.1 ms); right: the membrane potential of one of them for 200 ms."""
    drive = DRIVES.get(cls.INPUT_UNIT, DRIVES["mV"])
    net = sl.Network(dt=DT, seed=0)
    net.add_pool("p", cls(), drive.size)
    net.record("p", cls.VOLTAGE, neurons=[TRACE_AT])
    res = net.build().run(10_000, inputs={"p": drive})
    rates = res.counts["p"] / 1.0
    fig, (a, b) = _figure()
    a.plot(drive, rates, "o-", ms=3)
    a.set(xlabel=f"constant input ({cls.INPUT_UNIT})", ylabel="rate (Hz)", title="f-I curve")
    v = res.records[f"p.{cls.VOLTAGE}"][:2000, 0]
    b.plot(np.arange(v.size) * DT, v, lw=0.8)
    b.set(xlabel="time (ms)", ylabel=f"{cls.VOLTAGE} (mV)", title=f"input {drive[TRACE_AT]:g} {cls.INPUT_UNIT}")
    return fig


def spike_source(cls):
    """Spikes of 20 neurons over 200 ms: the model's defaults (Poisson), given spike times
    (SpikeGenerator), or random per-step spikes given as input (SpikeInput)."""
    n, steps = 20, 2000
    if cls is sl.SpikeGenerator:
        model, inputs = cls(times=[[10.0 + 9.0 * i, 120.0 + 3.0 * i] for i in range(n)]), None
    elif cls is sl.SpikeInput:
        rng = np.random.default_rng(0)
        model, inputs = cls(), {"p": rng.random((steps, n)) < 0.002}
    else:
        model, inputs = cls(), None
    net = sl.Network(dt=DT, seed=0)
    net.add_pool("p", model, n)
    net.record("p", "spikes")
    spk = net.build().run(steps, inputs=inputs).records["p.spikes"]
    t, i = np.nonzero(spk)
    fig, (a,) = _figure(1)
    a.plot(t * DT, i, "|", ms=6)
    a.set(xlabel="time (ms)", ylabel="neuron", title="spikes (defaults)", xlim=(0, steps * DT))
    return fig


def synapse(cls):
    """The postsynaptic potential of one spike: a SpikeGenerator spikes at 10 ms into a LIF whose
    threshold is out of reach, through the synapse with its defaults and weight 2."""
    net = sl.Network(dt=DT, seed=0)
    net.add_pool("pre", sl.SpikeGenerator(times=[[10.0]]), 1)
    net.add_pool("post", sl.LIF(v_th=1e6, v_init_low=-65.0, v_init_high=-65.0), 1)
    net.connect("pre", "post", synapse=cls(), connectivity=sl.AllToAll(), weight=2.0)
    net.record("post", "v")
    v = net.build().run(1000).records["post.v"][:, 0]
    fig, (a,) = _figure(1)
    a.plot(np.arange(v.size) * DT, v - (-65.0), lw=1)
    a.set(xlabel="time (ms)", ylabel="v - v_rest (mV)", title="PSP of one spike (w = 2) into a LIF")
    return fig


LAGS = np.linspace(-60.0, 60.0, 41)          # t_post - t_pre, ms
T0 = 100.0


def _paired(rule, w0=0.5, extra_steps=20, inputs=None):
    """Weight change of n pre/post pairs, pair i with lag LAGS[i] (one-to-one, SpikeGenerators)."""
    net = sl.Network(dt=DT, seed=0)
    net.add_pool("pre", sl.SpikeGenerator(times=[[T0]] * LAGS.size), LAGS.size)
    net.add_pool("post", sl.SpikeGenerator(times=[[T0 + d] for d in LAGS]), LAGS.size)
    net.connect("pre", "post", connectivity=sl.OneToOne(), weight=w0, plasticity=rule)
    sim = net.build()
    steps = int((T0 + LAGS.max()) / DT) + extra_steps
    sim.run(steps)
    if inputs is not None:
        sim.run(inputs[1], inputs=inputs[0])
    return sim.get_param("pre->post", "weight") - w0




def _window(cls):
    """The STDP window: the weight change of one pre/post spike pair against t_post - t_pre
    (41 pairs of SpikeGenerator neurons, one-to-one, initial weight 0.5, defaults; a rule with a
    modulator channel gets a modulator of 1 for 50 ms after the pairs)."""
    title = "weight change of one pair"
    if "modulator" in getattr(cls, "OPTIONS", {}):
        rule = cls(modulator="m")
        dw = _paired(rule, inputs=({"m": 1.0}, 500))
        title = "one pair, then modulator 1 for 50 ms"
    else:
        dw = _paired(cls())
    fig, (a,) = _figure(1)
    a.axhline(0, color="0.7", lw=0.8)
    a.axvline(0, color="0.7", lw=0.8)
    a.plot(LAGS, dw, "o-", ms=3)
    a.set(xlabel="t_post - t_pre (ms)", ylabel="weight change", title=title)
    return fig


def _frequency(cls):
    """The weight change after 15 pairings at +10 ms and at -10 ms against the pairing frequency
    (defaults, initial weight 0.5): the frequency dependence that pair STDP lacks."""
    freqs = np.array([1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0])
    pre, post = [], []
    for lag in (10.0, -10.0):
        for f in freqs:
            t = 20.0 + 1000.0 / f * np.arange(15)
            pre.append(list(t))
            post.append(list(t + lag))
    net = sl.Network(dt=DT, seed=0)
    net.add_pool("pre", sl.SpikeGenerator(times=pre), len(pre))
    net.add_pool("post", sl.SpikeGenerator(times=post), len(post))
    net.connect("pre", "post", connectivity=sl.OneToOne(), weight=0.5, plasticity=cls())
    sim = net.build()
    sim.run(int((20.0 + 14_000.0 + 30.0) / DT))
    dw = (sim.get_param("pre->post", "weight") - 0.5).reshape(2, freqs.size)
    fig, (a,) = _figure(1)
    a.axhline(0, color="0.7", lw=0.8)
    a.plot(freqs, dw[0], "o-", ms=3, label="pre 10 ms before post")
    a.plot(freqs, dw[1], "s-", ms=3, label="post 10 ms before pre")
    a.set(xlabel="pairing frequency (Hz)", ylabel="weight change", title="15 pairings (defaults)")
    a.legend(fontsize=7)
    return fig


def _short_term(cls):
    """Postsynaptic potentials of a 20 Hz train of 10 spikes through the rule with its defaults
    (weight 2, exponential synapse) into a LIF whose threshold is out of reach."""
    times = 20.0 + 50.0 * np.arange(10)
    net = sl.Network(dt=DT, seed=0)
    net.add_pool("pre", sl.SpikeGenerator(times=[times]), 1)
    net.add_pool("post", sl.LIF(v_th=1e6, v_init_low=-65.0, v_init_high=-65.0), 1)
    net.connect("pre", "post", connectivity=sl.AllToAll(), weight=2.0, plasticity=cls())
    net.record("post", "v")
    v = net.build().run(6000).records["post.v"][:, 0]
    fig, (a,) = _figure(1)
    a.plot(np.arange(v.size) * DT, v + 65.0, lw=1)
    a.set(xlabel="time (ms)", ylabel="v - v_rest (mV)", title="20 Hz train, defaults")
    return fig


#: faster learning than the defaults, so that 20 s show where the weights go
RATE_RULE_ARGS = {"oja": {"eta": 5e-4, "w_max": 20.0}, "synaptic_scaling": {"w_max": 20.0}}


def _rate_rule(cls):
    """The mean weight over 20 s: 50 Poisson inputs (20 Hz) all-to-all into 5 LIF neurons driven
    by them (initial weights uniform in [1, 3], exponential synapses of 5 ms, dt = 1 ms)."""
    args = RATE_RULE_ARGS.get(cls.name, {})
    net = sl.Network(dt=1.0, seed=1)
    net.add_pool("inp", sl.PoissonSource(rate=20.0), 50)
    net.add_pool("out", sl.LIF(), 5)
    net.connect("inp", "out", synapse=sl.Exponential(tau=5.0), connectivity=sl.AllToAll(),
                weight=sl.Uniform(1.0, 3.0), plasticity=cls(**args))
    sim = net.build()
    t, w = [0.0], [float(sim.get_param("inp->out", "weight").mean())]
    for k in range(20):
        sim.run(1000)
        t.append(k + 1.0)
        w.append(float(sim.get_param("inp->out", "weight").mean()))
    fig, (a,) = _figure(1)
    a.plot(t, w, "o-", ms=3)
    a.ticklabel_format(useOffset=False)
    shown = ", ".join(f"{k}={v:g}" for k, v in args.items() if k != "w_max") or "defaults"
    a.set(xlabel="time (s)", ylabel="mean weight", title=f"Poisson 20 Hz -> LIF; {shown}")
    return fig


#: recipes by registry name, where the kind's default does not fit
SPECIAL = {"tsodyks_markram": _short_term, "oja": _rate_rule, "synaptic_scaling": _rate_rule,
           "triplet_stdp": _frequency}


def recipe_for(kind: str, cls):
    """The function that draws ``cls``'s figure, or None for kinds without figures."""
    if cls.name in SPECIAL:
        return SPECIAL[cls.name]
    if kind == "neuron":
        return spike_source if cls.VOLTAGE is None else neuron
    return {"synapse": synapse, "plasticity": _window}.get(kind)


def draw(kind: str, cls, path) -> str | None:
    """Draw the figure of component class ``cls`` into ``path`` (PNG); return what it shows
    (the recipe's docstring), or None where the kind has no figure."""
    recipe = recipe_for(kind, cls)
    if recipe is None:
        return None
    fig = recipe(cls)
    fig.savefig(path)
    plt.close(fig)
    return " ".join(recipe.__doc__.split())
