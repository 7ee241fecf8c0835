"""Adapted copy of ../shared/bench-reference/brainpy_bench.py for bench/: imports bench/bench_common.py,
adds peak_rss_mb / peak_rss_children_mb and pool_counts to the JSON line.

BrainPy implementation of the 7-pool LIF benchmark (see ../shared/notes/benchmark.md).

Idiomatic BrainPy 2.x components: bp.dyn.LifRef population (7168), PoissonGroup
(100 channels, rates held in a bm.Variable that Python overwrites every chunk),
HalfProjAlignPostMg projections with bp.dnn.EventCSRLinear (event-driven CSR,
heterogeneous weights, same synapse list as the other simulators) into a merged
bp.dyn.Expon synapse with CUBA output.

Exact-match constants (so the deterministic dynamics equal Brian2's method='exact'):
 * BrainPy's Expon decays g *after* the projection added the new spikes, so the
   weights are divided by exp(-dt/tau_s);
 * LifRef's exponential-Euler update holds the current constant over the step,
   so R = C_VI / (1 - exp(-dt/tau_m)) reproduces the exact propagator;
 * BrainPy's refractory test is (t - t_last) <= tau_ref, so tau_ref = 1.5 ms gives
   Brian2's "2 ms at dt = 1 ms" (clamped in the step after the spike only).
 * the threshold test is V >= V_th (Brian2: v > v_th).

--runner jit_loop : one bm.jit-compiled function per chunk running bm.for_loop over
                    K steps, returning the chunk's pool-6 counts (default)
--runner dsrunner : bp.DSRunner(jit=True).run(K*dt) per chunk with a monitor on
                    pool-6 spikes
Usage: python brainpy_bench.py --K 10 --seconds 10 [--runner jit_loop]
"""
import os
import sys
import time

# bench_common.py lives one level up, in bench/
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bench_common as bc
import numpy as np


def extra(ap):
    ap.add_argument("--runner", default="jit_loop", choices=["jit_loop", "dsrunner"])
    ap.add_argument("--seed", type=int, default=0)


def make_net(net_arr):
    """Builds the BrainPy network from the shared synapse lists (see module doc)."""
    import brainpy as bp
    import brainpy.math as bm
    import jax
    N = bc.N
    indptr, post, w = bc.csr_from_pre(net_arr["pre"], net_arr["post"], net_arr["w"], N)
    in_indptr, in_post, in_w = bc.csr_from_pre(net_arr["in_pre"], net_arr["in_post"], net_arr["in_w"], bc.N_IN)
    a_i, a_v = bc.A_I, bc.A_V
    R = bc.C_VI / (1.0 - a_v)

    class Net(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            self.pop = bp.dyn.LifRef(N, V_rest=bc.V_REST, V_reset=bc.V_RESET, V_th=bc.V_TH,
                                     tau=bc.TAU_M * 1e3, tau_ref=bc.T_REF * 1e3 - 0.5, R=R,
                                     V_initializer=bm.asarray(net_arr["v0"]))
            self.rates = bm.Variable(bm.zeros(bc.N_IN))
            self.inp = bp.dyn.PoissonGroup(bc.N_IN, freqs=self.rates)
            syn = bp.dyn.Expon.desc(N, tau=bc.TAU_S * 1e3)
            self.rec = bp.dyn.HalfProjAlignPostMg(
                comm=bp.dnn.EventCSRLinear(bp.conn.CSRConn(post, indptr)(N, N), w / a_i),
                syn=syn, out=bp.dyn.CUBA.desc(), post=self.pop)
            self.inproj = bp.dyn.HalfProjAlignPostMg(
                comm=bp.dnn.EventCSRLinear(bp.conn.CSRConn(in_post, in_indptr)(bc.N_IN, N), in_w / a_i),
                syn=syn, out=bp.dyn.CUBA.desc(), post=self.pop)
            self.count = bm.Variable(bm.zeros(N, dtype=jax.numpy.int32))

        def update(self):
            # spikes of the previous step (recurrent and input) reach the synapses now
            self.rec(self.pop.spike.value)
            self.inproj(self.inp.spike.value)
            self.inp()
            spk = self.pop()
            self.count.value += spk.astype(jax.numpy.int32)
            return spk

    return Net()


def main():
    args = bc.parse_args(extra)
    t_setup0 = time.perf_counter()
    import brainpy as bp
    import brainpy.math as bm
    import jax

    bm.set_environment(mode=bm.nonbatching_mode, dt=bc.DT * 1e3)   # ms
    bm.random.seed(args.seed)
    P0 = bc.POOL_SIZE
    K = args.K
    n_chunks = max(1, int(round(args.seconds / (K * bc.DT))))
    n_warm = args.warmup_chunks if args.warmup_chunks is not None else min(3, max(1, -(-20 // K)))
    rate_table = bc.rate_schedule(n_warm + n_chunks).astype(np.float32)
    net_arr = bc.build_network()
    lo = bc.READOUT_POOL * P0

    net = make_net(net_arr)
    t_build = time.perf_counter() - t_setup0

    if args.runner == "jit_loop":
        @bm.jit
        def run_chunk(rates, idx):
            net.rates.value = rates
            spk = bm.for_loop(lambda i: net.step_run(i)[lo:], idx)
            return spk.astype(jax.numpy.int32).sum(0)

        def chunk(c):
            idx = np.arange(c * K, (c + 1) * K)
            return np.asarray(run_chunk(rate_table[c], idx))
    else:
        runner = bp.DSRunner(net, monitors={"s6": lambda: net.pop.spike[lo:]},
                             jit=True, progress_bar=False, numpy_mon_after_run=False)

        def chunk(c):
            net.rates.value = bm.asarray(rate_table[c])
            runner.run(K * bc.DT * 1e3)
            return np.asarray(runner.mon["s6"]).sum(0)

    t_first0 = time.perf_counter()
    first_run_s = None
    readout_sum = 0
    for c in range(n_warm):
        readout_sum += int(chunk(c).sum())
        if c == 0:
            first_run_s = time.perf_counter() - t_first0
    setup_s = time.perf_counter() - t_setup0
    cnt_warm = np.asarray(net.count.value).copy()
    t0, cpu0 = time.perf_counter(), time.process_time()
    for c in range(n_warm, n_warm + n_chunks):
        out = chunk(c)                      # rates in, pool-6 counts back on host
        readout_sum += int(out.sum())
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    steps = n_chunks * K
    counts = np.asarray(net.count.value) - cnt_warm
    res = dict(sim="brainpy", runner=args.runner, K=K, steps=steps, sim_seconds=steps * bc.DT,
               wall_s=wall, steps_per_s=steps / wall, steps_per_cpu_s=steps / cpu, build_s=t_build,
               first_run_s=first_run_s,
               setup_s=setup_s, readout_pool6_spikes=int(counts[lo:].sum()),
               brainpy=bp.__version__, jax=jax.__version__)
    try:
        import brainevent
        res["brainevent"] = brainevent.__version__
    except Exception:
        pass
    res.update(bc.rate_stats(counts, steps * bc.DT))
    bc.add_run_stats(res, counts)
    bc.emit(res)


if __name__ == "__main__":
    main()
