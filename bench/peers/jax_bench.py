"""Adapted copy of ../shared/bench-reference/jax_bench.py for bench/: imports bench/bench_common.py,
adds peak_rss_mb / peak_rss_children_mb and pool_counts to the JSON line.

Plain-JAX reference implementation of the 7-pool LIF benchmark (see ../shared/notes/benchmark.md).

Every K steps: new input rates (100 floats) are passed in from Python, a jitted
function runs lax.scan over K steps, and the pool-6 spike counts of the chunk
are copied back to a host numpy array before the next chunk is dispatched.

Variants (--variant):
  dense       spikes(float32 7168) @ W  with W dense masked 7168x7168 float32 (205 MB)
  event_pad   event-driven: indices of spiking neurons via jnp.nonzero(size=M),
              gather their padded out-synapse rows (ELL, D=max out-degree) and
              scatter-add; fixed cost M*D per step, spikes beyond M are dropped
              (counted in 'dropped_spikes')
  event_loop  event-driven: lax.fori_loop with a dynamic trip count (#spikes),
              one scatter-add of a D-long padded row per spiking neuron (exact)
  post_gather post-synaptic ELL: rec_i = sum_k w_ik * s[pre_ik]  (all synapses, every step)
  bcoo        jax.experimental.sparse BCOO (post x pre) @ s  (all synapses, every step)
Usage: python jax_bench.py --K 10 --seconds 10 [--variant event_loop]
"""
import os
import sys
import time

# bench_common.py lives one level up, in bench/
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bench_common as bc
import numpy as np


def extra(ap):
    ap.add_argument("--variant", default="event_loop",
                    choices=["dense", "event_pad", "event_loop", "post_gather", "bcoo"])
    ap.add_argument("--max-spikes", type=int, default=512, help="M for event_pad")
    ap.add_argument("--seed", type=int, default=0, help="seed of the Poisson input RNG")
    ap.add_argument("--no-recurrent", action="store_true",
                    help="overhead probe: drop recurrent synapses (NOT the benchmark; measures the "
                         "per-step neuron/input/scan cost and the per-chunk call cost)")


def main():
    args = bc.parse_args(extra)
    t_setup0 = time.perf_counter()
    import jax
    import jax.numpy as jnp
    from jax import lax

    N, P0 = bc.N, bc.POOL_SIZE
    net = bc.build_network()
    K = args.K
    n_chunks = max(1, int(round(args.seconds / (K * bc.DT))))
    n_warm = args.warmup_chunks if args.warmup_chunks is not None else min(3, max(1, -(-20 // K)))
    rates = bc.rate_schedule(n_warm + n_chunks)

    W_in = np.zeros((bc.N_IN, P0), np.float32)
    W_in[net["in_pre"], net["in_post"]] = net["in_w"]
    W_in = jnp.asarray(W_in)

    v = args.variant
    if v == "dense":
        W = jnp.asarray(bc.dense_weights(net))

        def recurrent(spk):
            return spk.astype(jnp.float32) @ W
    elif v in ("event_pad", "event_loop"):
        deg = np.bincount(net["pre"], minlength=N)
        D = int(deg.max())
        post_tab = np.full((N + 1, D), N, np.int32)     # padding -> dummy slot N
        w_tab = np.zeros((N + 1, D), np.float32)
        start = np.concatenate([[0], np.cumsum(deg)[:-1]])
        col = np.arange(len(net["pre"])) - start[net["pre"]]
        post_tab[net["pre"], col] = net["post"]
        w_tab[net["pre"], col] = net["w"]
        post_tab, w_tab = jnp.asarray(post_tab), jnp.asarray(w_tab)
        M = args.max_spikes
        if v == "event_pad":
            def recurrent(spk):
                idx = jnp.nonzero(spk, size=M, fill_value=N)[0]
                acc = jnp.zeros(N + 1, jnp.float32).at[post_tab[idx].ravel()].add(w_tab[idx].ravel())
                return acc[:N]
        else:
            def recurrent(spk):
                n = spk.sum()
                idx = jnp.nonzero(spk, size=N, fill_value=N)[0]

                def body(k, acc):
                    r = idx[k]
                    return acc.at[post_tab[r]].add(w_tab[r])
                acc = lax.fori_loop(0, n, body, jnp.zeros(N + 1, jnp.float32))
                return acc[:N]
    elif v == "post_gather":
        deg = np.bincount(net["post"], minlength=N)
        D = int(deg.max())
        order = np.lexsort((net["pre"], net["post"]))
        pre_s, post_s, w_s = net["pre"][order], net["post"][order], net["w"][order]
        start = np.concatenate([[0], np.cumsum(deg)[:-1]])
        col = np.arange(len(pre_s)) - start[post_s]
        pre_tab = np.full((N, D), N, np.int32)
        w_tab = np.zeros((N, D), np.float32)
        pre_tab[post_s, col] = pre_s
        w_tab[post_s, col] = w_s
        pre_tab, w_tab = jnp.asarray(pre_tab), jnp.asarray(w_tab)

        def recurrent(spk):
            s = jnp.concatenate([spk.astype(jnp.float32), jnp.zeros(1, jnp.float32)])
            return (w_tab * s[pre_tab]).sum(1)
    elif v == "bcoo":
        from jax.experimental import sparse
        idx = np.stack([net["post"], net["pre"]], 1)
        Wt = sparse.BCOO((jnp.asarray(net["w"]), jnp.asarray(idx)), shape=(N, N))

        def recurrent(spk):
            return Wt @ spk.astype(jnp.float32)

    if args.no_recurrent:
        def recurrent(spk):
            return jnp.zeros(N, jnp.float32)
        v = v + "+no_recurrent"

    a_v, a_i, c_vi, b_v = bc.A_V, bc.A_I, bc.C_VI, bc.B_V

    def step(carry, u):
        vm, I, last, cnt, t = carry
        u_in, p = u
        nr = (t - last) >= bc.REF_STEPS
        vm = jnp.where(nr, vm * a_v + I * c_vi + b_v, vm)
        I = I * a_i
        spk = (vm > bc.V_TH) & nr
        last = jnp.where(spk, t, last)
        inp = (u_in < p).astype(jnp.float32)
        I = I.at[:P0].add(inp @ W_in) + recurrent(spk)
        vm = jnp.where(spk, bc.V_RESET, vm)
        return (vm, I, last, cnt + spk.astype(jnp.int32), t + 1), spk.sum()

    def chunk(state, rates_c):
        vm, I, last, tot, t, key, maxspk = state
        key, sub = jax.random.split(key)
        u = jax.random.uniform(sub, (K, bc.N_IN))
        p = (rates_c * bc.DT).astype(jnp.float32)
        cnt0 = jnp.zeros(N, jnp.int32)
        (vm, I, last, cnt, t), nspk = lax.scan(
            lambda c, uu: step(c, (uu, p)), (vm, I, last, cnt0, t), u)
        state = (vm, I, last, tot + cnt, t, key, jnp.maximum(maxspk, nspk.max()))
        return state, cnt[bc.READOUT_POOL * P0:]

    chunk_j = jax.jit(chunk, donate_argnums=(0,))
    state = (jnp.asarray(net["v0"]), jnp.zeros(N, jnp.float32),
             jnp.full(N, -10**6, jnp.int32), jnp.zeros(N, jnp.int32), jnp.int32(0),
             jax.random.PRNGKey(args.seed), jnp.int32(0))
    t_c0 = time.perf_counter()
    compiled = chunk_j.lower(state, jnp.asarray(rates[0], jnp.float32)).compile()
    compile_s = time.perf_counter() - t_c0
    setup_s = time.perf_counter() - t_setup0

    readout_sum = 0
    for c in range(n_warm):
        state, out = compiled(state, rates[c].astype(np.float32))
        readout_sum += int(np.asarray(out).sum())
    tot_warm = np.asarray(state[3]).copy()

    t0 = time.perf_counter()
    for c in range(n_warm, n_warm + n_chunks):
        state, out = compiled(state, rates[c].astype(np.float32))
        out = np.asarray(out)          # closed loop: readout on host before next input
        readout_sum += int(out.sum())
    wall = time.perf_counter() - t0

    steps = n_chunks * K
    counts = np.asarray(state[3]) - tot_warm
    res = dict(sim="jax", variant=v, K=K, steps=steps, sim_seconds=steps * bc.DT,
               wall_s=wall, steps_per_s=steps / wall, compile_s=compile_s, setup_s=setup_s,
               max_spikes_per_step=int(np.asarray(state[6])),
               readout_pool6_spikes=int(counts[bc.READOUT_POOL * P0:].sum()),
               jax=jax.__version__, backend=jax.default_backend())
    if v.startswith("event_pad"):
        res["max_spikes_buffer"] = args.max_spikes
        res["dropped_spikes_possible"] = bool(int(np.asarray(state[6])) > args.max_spikes)
    res.update(bc.rate_stats(counts, steps * bc.DT))
    bc.add_run_stats(res, counts)
    bc.emit(res)


if __name__ == "__main__":
    main()
