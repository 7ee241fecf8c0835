"""Adapted copy of ../shared/bench-reference/numba_bench.py for bench/: imports bench/bench_common.py,
adds peak_rss_mb / peak_rss_children_mb and pool_counts to the JSON line.

Hand-written event-driven reference (numba, one thread) for the benchmark.

Not a peer simulator: a practical ceiling for a single-threaded, compiled,
event-driven CPU implementation of exactly the same update (same order as
Brian2, float32 state like the JAX variants). Every K steps a jit-compiled
function is called from Python with new input rates and returns the chunk's
pool-6 counts. Usage: python numba_bench.py --K 10 --seconds 10
"""
import os
import sys
import time

# bench_common.py lives one level up, in bench/
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bench_common as bc
import numpy as np


def extra(ap):
    ap.add_argument("--seed", type=int, default=0)


def main():
    args = bc.parse_args(extra)
    t_setup0 = time.perf_counter()
    import numba
    from numba import njit

    N, P0 = bc.N, bc.POOL_SIZE
    net = bc.build_network()
    indptr, post, w = bc.csr_from_pre(net["pre"], net["post"], net["w"], N)
    in_indptr, in_post, in_w = bc.csr_from_pre(net["in_pre"], net["in_post"], net["in_w"], bc.N_IN)
    a_v, a_i, c_vi, b_v = (np.float32(x) for x in (bc.A_V, bc.A_I, bc.C_VI, bc.B_V))
    v_th, v_reset, ref = np.float32(bc.V_TH), np.float32(bc.V_RESET), bc.REF_STEPS
    lo = bc.READOUT_POOL * P0

    @njit(cache=False, fastmath=False)
    def run_chunk(K, t0, v, I, last, tot, p_in, indptr, post, w, in_indptr, in_post, in_w, out, spk):
        out[:] = 0
        maxs = 0
        for k in range(K):
            t = t0 + k
            ns = 0
            for n in range(v.size):
                nr = (t - last[n]) >= ref
                if nr:
                    v[n] = v[n] * a_v + I[n] * c_vi + b_v
                I[n] = I[n] * a_i
                if nr and v[n] > v_th:
                    spk[ns] = n
                    ns += 1
            for c in range(p_in.size):                       # Poisson input
                if np.random.random() < p_in[c]:
                    for s in range(in_indptr[c], in_indptr[c + 1]):
                        I[in_post[s]] += in_w[s]
            for q in range(ns):                              # recurrent events
                n = spk[q]
                last[n] = t
                tot[n] += 1
                v[n] = v_reset
                if n >= lo:
                    out[n - lo] += 1
                for s in range(indptr[n], indptr[n + 1]):
                    I[post[s]] += w[s]
            if ns > maxs:
                maxs = ns
        return maxs

    @njit
    def seed(s):
        np.random.seed(s)

    seed(args.seed)
    K = args.K
    n_chunks = max(1, int(round(args.seconds / (K * bc.DT))))
    n_warm = args.warmup_chunks if args.warmup_chunks is not None else min(3, max(1, -(-20 // K)))
    rates = bc.rate_schedule(n_warm + n_chunks)
    v = net["v0"].astype(np.float32).copy()
    I = np.zeros(N, np.float32)
    last = np.full(N, -10**6, np.int64)
    tot = np.zeros(N, np.int64)
    out = np.zeros(P0, np.int64)
    spk = np.zeros(N, np.int64)
    consts = (indptr, post, w, in_indptr, in_post, in_w)
    t_c0 = time.perf_counter()
    run_chunk(0, 0, v, I, last, tot, np.zeros(bc.N_IN), *consts, out, spk)   # compile only
    compile_s = time.perf_counter() - t_c0
    t = 0
    maxs = 0
    for c in range(n_warm):
        maxs = max(maxs, run_chunk(K, t, v, I, last, tot, rates[c] * bc.DT, *consts, out, spk))
        t += K
    setup_s = time.perf_counter() - t_setup0
    tot_warm = tot.copy()
    readout_sum = 0
    t0 = time.perf_counter()
    for c in range(n_warm, n_warm + n_chunks):
        maxs = max(maxs, run_chunk(K, t, v, I, last, tot, rates[c] * bc.DT, *consts, out, spk))
        readout_sum += int(out.sum())
        t += K
    wall = time.perf_counter() - t0
    steps = n_chunks * K
    counts = tot - tot_warm
    res = dict(sim="numba_ref", K=K, steps=steps, sim_seconds=steps * bc.DT, wall_s=wall,
               steps_per_s=steps / wall, compile_s=compile_s, setup_s=setup_s,
               max_spikes_per_step=int(maxs), readout_pool6_spikes=int(counts[lo:].sum()),
               numba=numba.__version__)
    res.update(bc.rate_stats(counts, steps * bc.DT))
    bc.add_run_stats(res, counts)
    bc.emit(res)


if __name__ == "__main__":
    main()
