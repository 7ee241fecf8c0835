"""The cortical microcircuit of Potjans & Diesmann (2014), built as a spark_lab Network.

    net = sl.load("microcircuit", scale=0.1)                  # 7,717 neurons, in-degrees x 0.1
    net = sl.load("microcircuit", scale=1.0, weight_sd=0.0)   # the full model: 77,169 neurons, 0.3e9 synapses
    net = sl.load("microcircuit", scale=0.1, k_scale=1.0, background="dc")

Eight populations (L23E, L23I, L4E, L4I, L5E, L5I, L6E, L6I; sizes ``N_FULL`` x ``scale``)
of current-based LIF neurons (NEST's ``iaf_psc_exp``: C_m = 250 pF, tau_m = 10 ms,
E_L = V_reset = -65 mV, V_th = -50 mV, t_ref = 2 ms, exponential synaptic currents with
tau_syn = 0.5 ms), connected with the paper's connection probabilities ``CONN_PROBS``
(Table 5; target x source), converted to in-degrees as in the NEST example: a pair
(target i, source j) of full-scale sizes N_i, N_j gets ``K_ij = log(1 - C_ij) / log(1 -
1/(N_i N_j)) / N_i`` synapses per target neuron; each target neuron of the built network
receives ``round(K_ij k_scale)`` of them, drawn from the source population with
replacement (multapses and autapses allowed, as NEST's ``fixed_total_number`` there).

Weights: a mean PSP of 0.15 mV (twice that from L4E to L23E), inhibitory ones -4 times
that, each synapse's weight drawn from a normal distribution with relative standard
deviation ``weight_sd`` (0.1; clipped at 0 so no synapse changes sign). PSPs are turned
into current amplitudes exactly (the PSP peak of an exponential current on the LIF); in
spark_lab's units a current is R I in mV (R = tau_m / C_m = 40 MOhm): 87.8 pA is 3.51 mV.
Delays: 1.5 ms from excitatory, 0.8 ms from inhibitory populations (the paper's means;
0.75 ms rounded to the 0.1 ms grid as NEST rounds). Each population's initial v is
uniform with the NEST example's "optimized" mean and standard deviation (``V0``).

Background (``background``):

* ``"poisson"``: each neuron receives ``K_EXT`` x k_scale independent Poisson inputs of
  8 Hz (weight: a 0.15 mV PSP) into an exponential current of tau_syn, drawn per neuron and
  step as one Poisson count (:class:`~spark_lab.LIFPoissonInput`, Brian2's
  PoissonInput; NEST's poisson_generator gives each neuron the same Poisson process):
  no source neurons, no synapses.
* ``"dc"``: the mean of that input as a constant current instead (NEST's
  ``poisson_input = False``), ``8 Hz x K_EXT x w_ext x tau_syn``.

A constant current enters as a shift of the resting potential: ``v_rest = -65 mV + R I``
(for this LIF the same dynamics, reset and threshold unchanged).

Scaling in-degrees (``k_scale`` < 1) keeps the mean and variance of each neuron's input
as the NEST example does (van Albada et al. 2015): weights x 1 / sqrt(k_scale) and the
lost mean as a constant current, ``(1 - sqrt(k_scale)) tau_syn sum_j w_ij K_ij nu_j``
(recurrent, with the full-scale rates ``FULL_MEAN_RATES``) and, with Poisson background,
the same for the external input. ``scale`` (neurons) alone changes nothing per neuron, but
with full in-degrees a small network is denser than the model (at scale 0.1 an L23E neuron
gets 2,200 synapses from 2,068 L23E neurons: every pair connected about once), its inputs
correlated and its rates several times the full model's (bench/MICROCIRCUIT.md); hence the
default ``k_scale = scale`` (capped at 1), as the NEST example (N_scaling = K_scaling = 0.1).

Delays (``delay_bins``, default 8): NEST's normal delays (means 1.5 and 0.75 ms, relative
sd 0.5, redrawn below dt) in bins of equal probability, each at its conditional mean on the
dt grid: each projection is split into one per bin, its in-degree shared by the bins
(``split_in_degree``). ``delay_bins=1``: one delay per projection, the means (1.5, 0.8 ms).
That matters: with one delay per projection the full-scale network is far from the NEST
example's rates (L2/3 20-35x, L4I, L5 and L6I 4-7x, bench/MICROCIRCUIT.md); with 8 bins
every population is within 10 % of them. A small network with full in-degrees (scale 0.1,
k_scale 1) needs finer delays: 8 bins leave L2/3E at 4.4x NEST's rate, 32 bring every
population within 1.32x (the downscaled model is the same with 8 or 32, which run 2.7x slower).

Differences from the NEST example, all documented here: the delays in bins as above (NEST
draws each synapse's delay); fixed in-degree per target neuron
(NEST: a fixed total number, so in-degrees vary binomially); a uniform initial v of the
same mean and sd (NEST: normal). Before 2026-12-02 the Poisson background came from m
private PoissonSource neurons per neuron (at most one spike a step each: variance 1 - p of
Poisson's, p <= 0.1) through FromList synapses; with ``LIFPoissonInput`` it is NEST's
Poisson process, and a seed draws other spikes than before.

Memory: ``weight_sd = 0`` (one weight per projection) keeps the native CPU kernel's compact
layout (about 4 bytes a synapse beside the (pre, post) index lists); the full model (0.3e9
synapses) then builds with a peak of 5.8 GB, 16 bytes a synapse after the build
(bench/MICROCIRCUIT.md). With ``weight_sd > 0``
every synapse carries its weight in the padded tables: far more (the memory estimate refuses
what does not fit, before drawing anything).
"""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from .. import _checks
from ..connectivity import FixedInDegree
from ..errors import ParameterError
from ..initializers import Normal
from ..network import Network
from ..neurons import LIF, LIFPoissonInput
from ..synapses import Exponential

POPULATIONS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")
#: full-scale population sizes (Potjans & Diesmann 2014, Table 5)
N_FULL = np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948])
#: connection probabilities, target (row) x source (column) (Table 5)
CONN_PROBS = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443]])
#: external (background) in-degrees per population
K_EXT = np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100])
#: the full-scale rates (Hz) the NEST example uses for the in-degree compensation
FULL_MEAN_RATES = np.array([0.971, 2.868, 4.746, 5.396, 8.142, 9.078, 0.991, 7.523])
#: the NEST example's "optimized" initial v: mean and sd (mV) per population
V0 = (np.array([-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]),
      np.array([5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]))
BG_RATE = 8.0           # Hz per external input
PSP_E = 0.15            # mV, mean excitatory PSP
G = -4.0                # inhibitory / excitatory PSP
DELAY_E, DELAY_I = 1.5, 0.8     # ms (one delay per projection: 0.75 ms rounded to the 0.1 ms grid)
DELAY_MEANS = (1.5, 0.75)       # ms, the NEST example's mean delays from excitatory / inhibitory neurons
DELAY_SD = 0.5                  # the NEST example's relative standard deviation of the delays
TAU_M, C_M, TAU_SYN = 10.0, 250.0, 0.5      # ms, pF, ms
E_L, V_TH, V_RESET, T_REF = -65.0, -50.0, -65.0, 2.0


def psp_to_current(tau_m: float = TAU_M, tau_s: float = TAU_SYN) -> float:
    """The current amplitude (in mV, i.e. R I) whose PSP on the LIF peaks at 1 mV:
    1 / max_t [tau_s / (tau_s - tau_m) (exp(-t/tau_s) - exp(-t/tau_m))]."""
    t_peak = math.log(tau_m / tau_s) * tau_s * tau_m / (tau_m - tau_s)
    peak = tau_s / (tau_s - tau_m) * (math.exp(-t_peak / tau_s) - math.exp(-t_peak / tau_m))
    return 1.0 / peak


def full_in_degrees() -> np.ndarray:
    """(8, 8) mean synapses per target neuron at full scale, target x source (float)."""
    prod = np.outer(N_FULL, N_FULL).astype(np.float64)
    return np.log(1.0 - CONN_PROBS) / np.log(1.0 - 1.0 / prod) / N_FULL[:, None]


def in_degrees(k_scale: float = 1.0) -> np.ndarray:
    """(8, 8) int synapses per target neuron of the built network, target x source."""
    return np.rint(full_in_degrees() * k_scale).astype(np.int64)


def binned_delays(mean: float, n: int, dt: float = 0.1) -> list:
    """[(delay in ms, in-degree fraction)]: NEST's normal delays (mean, sd ``DELAY_SD`` x mean,
    redrawn below dt) in ``n`` bins of equal probability, each at its conditional mean rounded
    to the dt grid (bins that round alike merged). n = 1: the mean, rounded."""
    if n == 1:
        return [(round(max(dt, round(mean / dt) * dt), 9), 1.0)]
    nd = NormalDist(mean, DELAY_SD * mean)
    lo = nd.cdf(dt)
    edges = [nd.inv_cdf(min(lo + (1 - lo) * b / n, 1 - 1e-12)) if b else dt for b in range(n)] + [math.inf]
    out: dict = {}
    for a, b in zip(edges[:-1], edges[1:]):
        za, zb = (a - mean) / nd.stdev, (b - mean) / nd.stdev
        pa, pb = NormalDist().pdf(za), (0.0 if math.isinf(zb) else NormalDist().pdf(zb))
        cond = mean + nd.stdev * (pa - pb) / ((1 - lo) / n)
        d = round(max(dt, round(cond / dt) * dt), 9)
        out[d] = out.get(d, 0.0) + 1.0 / n
    return sorted(out.items())


def split_in_degree(k: int, fractions) -> list:
    """``k`` split by ``fractions`` into whole numbers summing to k (largest remainders; of
    equal ones, the bins nearest the middle first)."""
    raw = np.asarray(fractions, np.float64) * k
    out = np.floor(raw).astype(np.int64)
    mid = np.abs(np.arange(raw.size) - (raw.size - 1) / 2)
    out[np.lexsort((mid, -np.round(raw - out, 9)))[:k - int(out.sum())]] += 1
    return [int(x) for x in out]


def sizes(scale: float = 1.0) -> np.ndarray:
    """The population sizes at ``scale`` (at least 1 neuron each)."""
    return np.maximum(1, np.rint(N_FULL * scale)).astype(np.int64)


def weights_mv(k_scale: float = 1.0) -> np.ndarray:
    """(8, 8) mean weights (R I in mV), target x source, scaled by 1 / sqrt(k_scale)."""
    w = np.where(np.arange(8) % 2 == 0, PSP_E, PSP_E * G)[None, :].repeat(8, axis=0)
    w[0, 2] = 2 * PSP_E
    return w * psp_to_current() / math.sqrt(k_scale)


def dc_input_mv(k_scale: float = 1.0, background: str = "poisson") -> np.ndarray:
    """(8,) constant input (R I in mV) per population: the DC background, and the
    compensation of scaled in-degrees (see the module docstring)."""
    w_full = weights_mv(1.0)
    w_ext = PSP_E * psp_to_current()
    ext_mean = 1e-3 * TAU_SYN * BG_RATE * K_EXT * w_ext
    rec_mean = 1e-3 * TAU_SYN * (w_full * full_in_degrees() * FULL_MEAN_RATES[None, :]).sum(axis=1)
    dc = ext_mean.copy() if background == "dc" else np.zeros(8)
    lost = 1.0 - math.sqrt(k_scale)
    return dc + lost * rec_mean + (lost * ext_mean if background == "poisson" else 0.0)


def _check(scale, k_scale, background, dt, weight_sd, delays):
    where = "microcircuit"
    delays = _checks.number(delays, where, "delay_bins", "1", low=1)
    if delays != int(delays):
        raise ParameterError(where, "delay_bins", f"got {delays:g}", "give a whole number of delay bins >= 1")
    scale = _checks.number(scale, where, "scale", "1", low=0)
    k_scale = _checks.number(k_scale, where, "k_scale", "1", low=0)
    dt = _checks.number(dt, where, "dt", "ms", low=0)
    weight_sd = _checks.number(weight_sd, where, "weight_sd", "1", low=0)
    if scale == 0:
        raise ParameterError(where, "scale", "got 0", "give a fraction of the full model's neurons > 0 (1: full)")
    if not 0 < k_scale <= 1:
        raise ParameterError(where, "k_scale", f"got {k_scale:g}", "give a fraction of the full in-degrees in (0, 1]")
    if dt == 0:
        raise ParameterError(where, "dt", "got 0", "give a time step > 0 ms (0.1 as in the paper)")
    if background not in ("poisson", "dc"):
        raise ParameterError(where, "background", f"got {background!r}", 'give "poisson" or "dc"')
    for d in (DELAY_E, DELAY_I) if delays == 1 else ():
        if abs(d / dt - round(d / dt)) > 1e-9:
            raise ParameterError(where, "dt", f"got {dt:g} ms", f"the delays {DELAY_E} and {DELAY_I} ms must be "
                                 "whole numbers of steps: use dt = 0.1 ms (or 0.05, 0.02 ...)")
    return scale, k_scale, dt, weight_sd, int(delays)


def build(scale: float = 0.1, k_scale: float | None = None, background: str = "poisson", dt: float = 0.1,
          seed: int = 1, weight_sd: float = 0.1, native=None, delay_bins: int = 8) -> Network:
    """The microcircuit as a Network (not yet built; see the module docstring).

    scale: neurons per population as a fraction of the full model (0 < scale; 1: 77,169
        neurons). k_scale: in-degrees as a fraction of the full ones (0 < k_scale <= 1; the
        weights and a constant input compensate, see the module docstring; default: ``scale``,
        at most 1). background:
        "poisson" or "dc". dt: time step in ms (the delays 1.5 and 0.8 ms must be whole
        steps). seed: the network seed. weight_sd: relative standard deviation of the
        weights (0: one weight per projection, the faster propagation). native: as
        ``Network(native=...)``. delay_bins: NEST's normal delays in this many bins of equal
        probability (``delay_bins``; each projection becomes one per bin, named
        ``"<pre>-><post>_<bin>"``); 1: one delay per projection, the mean (named
        ``"<pre>-><post>"``). Synapses: about 0.3e9 x scale x k_scale."""
    if k_scale is None and isinstance(scale, (int, float)) and not isinstance(scale, bool):
        k_scale = min(float(scale), 1.0)
    scale, k_scale, dt, weight_sd, n_bins = _check(scale, k_scale, background, dt, weight_sd, delay_bins)
    n, K, W = sizes(scale), in_degrees(k_scale), weights_mv(k_scale)
    dc = dc_input_mv(k_scale, background)
    net = Network(dt=dt, seed=seed, native=native)
    w_ext = PSP_E * psp_to_current() / math.sqrt(k_scale)
    for i, pop in enumerate(POPULATIONS):
        half = math.sqrt(3.0) * V0[1][i]                # uniform with the sd of the NEST example's normal
        kw = dict(tau_m=TAU_M, v_rest=E_L + dc[i], v_th=V_TH, v_reset=V_RESET, t_ref=T_REF,
                  v_init_low=V0[0][i] - half, v_init_high=V0[0][i] + half)
        lif = LIF(**kw) if background == "dc" else LIFPoissonInput(
            **kw, input_n=float(K_EXT[i] * k_scale), input_rate=BG_RATE, input_weight=w_ext, input_tau=TAU_SYN)
        net.add_pool(pop, lif, int(n[i]))
    syn = {pop: Exponential(tau=TAU_SYN) for pop in POPULATIONS}     # one receptor per population
    for i, post in enumerate(POPULATIONS):
        for j, pre in enumerate(POPULATIONS):
            if K[i, j] == 0:
                continue
            w = float(W[i, j])
            weight = w if weight_sd == 0 else Normal(w, abs(w) * weight_sd, clip_low=0.0 if w > 0 else None,
                                                      clip_high=0.0 if w < 0 else None)
            bins = binned_delays(DELAY_MEANS[j % 2], n_bins, dt)
            for b, ((d, _), k) in enumerate(zip(bins, split_in_degree(int(K[i, j]), [f for _, f in bins]))):
                if k:
                    net.connect(pre, post, synapse=syn[post], weight=weight, delay=d,
                                name=f"{pre}->{post}" if n_bins == 1 else f"{pre}->{post}_{b}",
                                connectivity=FixedInDegree(k=k, autapses=1, multapses=1))
    return net


def rates(result, net, t_ms: float) -> dict:
    """{population: mean rate in Hz} from a run's spike counts over ``t_ms`` ms."""
    return {pop: float(np.asarray(result.counts[pop]).sum()) / net.pools[pop].n / (t_ms * 1e-3)
            for pop in POPULATIONS}
