"""Adapted copy of ../shared/bench-reference/brian2_bench.py for bench/: imports bench/bench_common.py,
adds peak_rss_mb / peak_rss_children_mb and pool_counts to the JSON line.

Brian2 implementation of the 7-pool LIF benchmark (see ../shared/notes/benchmark.md).

--target cython | numpy : runtime mode; net.run(K*dt) is called repeatedly, the
    PoissonGroup rates are set from Python before each chunk and the pool-6 spike
    counts of the chunk are read back (SpikeMonitor.count difference) after it.
--target cpp_standalone : one uninterrupted run of the whole duration (the "best
    case"); the per-chunk input rates are supplied up front as a TimedArray with
    dt = K*dt, the readout is recovered afterwards from recorded pool-6 spikes.
    Reports codegen+compile time, process wall time of the binary and the time of
    the simulation loop alone (Brian2's own last_run_time).
Usage: python brian2_bench.py --K 10 --seconds 10 [--target cython]
"""
import os
import shutil
import sys
import tempfile
import time

# bench_common.py lives one level up, in bench/
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bench_common as bc
import numpy as np


def extra(ap):
    ap.add_argument("--target", default="cython", choices=["cython", "numpy", "cpp_standalone"])
    ap.add_argument("--float32", action="store_true", help="prefs.core.default_float_dtype = float32")
    ap.add_argument("--threads", type=int, default=0,
                    help="cpp_standalone OpenMP threads (0 = Brian2 default: no OpenMP)")
    ap.add_argument("--cache-dir", default=None,
                    help="Cython cache dir (default: Brian2's default, ~/.cython/brian_extensions)")
    ap.add_argument("--seed", type=int, default=0, help="Brian2 RNG seed (Poisson input)")
    ap.add_argument("--io", default="run", choices=["run", "netop"],
                    help="runtime targets: 'run' = net.run(K*dt) per chunk (I/O between runs); "
                         "'netop' = one net.run, I/O in a NetworkOperation(dt=K*dt) Python callback")


def build_model(b2, net_arr, rates_expr_ta=None):
    from brian2 import Hz, NeuronGroup, PoissonGroup, SpikeMonitor, Synapses
    ns = dict(tau_m=bc.TAU_M * b2.second, tau_s=bc.TAU_S * b2.second, I_b=bc.I_BIAS,
              v_th=bc.V_TH, v_reset=bc.V_RESET)
    eqs = """dv/dt = (-(v - v_rest) + I + I_b)/tau_m : 1 (unless refractory)
             dI/dt = -I/tau_s : 1"""
    ns["v_rest"] = bc.V_REST
    G = NeuronGroup(bc.N, eqs, threshold="v > v_th", reset="v = v_reset",
                    refractory=bc.T_REF * b2.second, method="exact", namespace=ns, name="G")
    G.v = net_arr["v0"].astype(np.float64)
    S = Synapses(G, G, "w : 1 (constant)", on_pre="I_post += w", name="S")
    S.connect(i=net_arr["pre"], j=net_arr["post"])
    S.w = net_arr["w"].astype(np.float64)
    if rates_expr_ta is None:
        P = PoissonGroup(bc.N_IN, rates=0 * Hz, name="P")
    else:
        P = PoissonGroup(bc.N_IN, rates="rates_ta(t, i)", namespace={"rates_ta": rates_expr_ta}, name="P")
    Sin = Synapses(P, G, "w : 1 (constant)", on_pre="I_post += w", name="Sin")
    Sin.connect(i=net_arr["in_pre"], j=net_arr["in_post"])
    Sin.w = net_arr["in_w"].astype(np.float64)
    mon = SpikeMonitor(G, record=False, name="mon")
    objs = [G, S, P, Sin, mon]
    return objs, G, P, mon


def main():
    args = bc.parse_args(extra)
    t_setup0 = time.perf_counter()
    import brian2 as b2
    from brian2 import Hz, Network, SpikeMonitor, TimedArray, defaultclock, device, prefs, set_device
    K = args.K
    n_chunks = max(1, int(round(args.seconds / (K * bc.DT))))
    net_arr = bc.build_network()
    if args.float32:
        prefs.core.default_float_dtype = np.float32
    defaultclock.dt = bc.DT * b2.second
    b2.seed(args.seed)

    if args.target in ("cython", "numpy"):
        prefs.codegen.target = args.target
        if args.cache_dir and args.target == "cython":
            prefs.codegen.runtime.cython.cache_dir = args.cache_dir
        n_warm = args.warmup_chunks if args.warmup_chunks is not None else min(3, max(1, -(-20 // K)))
        rate_table = bc.rate_schedule(n_warm + n_chunks)
        objs, G, P, mon = build_model(b2, net_arr)
        net = Network(*objs)
        t_build = time.perf_counter() - t_setup0
        lo = bc.READOUT_POOL * bc.POOL_SIZE
        prev = np.zeros(bc.POOL_SIZE, np.int64)
        readout_sum = 0
        t_first0 = time.perf_counter()
        first_run_s = None
        if args.io == "run":
            for c in range(n_warm):
                P.rates = rate_table[c] * Hz
                net.run(K * bc.DT * b2.second, namespace={})
                cur = np.array(mon.count[lo:])
                readout_sum += int((cur - prev).sum())
                prev = cur
                if c == 0:
                    first_run_s = time.perf_counter() - t_first0
            setup_s = time.perf_counter() - t_setup0
            cnt_warm = np.array(mon.count[:])
            t0 = time.perf_counter()
            for c in range(n_warm, n_warm + n_chunks):
                P.rates = rate_table[c] * Hz                 # new input from Python
                net.run(K * bc.DT * b2.second, namespace={})
                cur = np.array(mon.count[lo:])          # readout back to Python
                readout_sum += int((cur - prev).sum())
                prev = cur
            wall = time.perf_counter() - t0
        else:
            from brian2 import NetworkOperation
            st = dict(c=0, prev=np.zeros(bc.POOL_SIZE, np.int64), readout_sum=0)
            rates_var = P.variables["rates"].get_value()   # the rates array itself (runtime)
            count_var = mon.variables["count"].get_value()

            def io():
                # called at the start of every K-th step: read the readout of the
                # previous chunk, then set the input rates of the next chunk
                if st["c"] > 0:
                    cur = count_var[lo:].copy()
                    st["readout_sum"] += int((cur - st["prev"]).sum())
                    st["prev"] = cur
                if st["c"] < len(rate_table):
                    rates_var[:] = rate_table[st["c"]]
                st["c"] += 1
            net.add(NetworkOperation(io, dt=K * bc.DT * b2.second, when="start", name="io"))
            if n_warm:
                net.run(n_warm * K * bc.DT * b2.second, namespace={})
                first_run_s = time.perf_counter() - t_first0
            setup_s = time.perf_counter() - t_setup0
            cnt_warm = np.array(mon.count[:])
            t0 = time.perf_counter()
            net.run(n_chunks * K * bc.DT * b2.second, namespace={})
            io()                                          # readout of the last chunk
            wall = time.perf_counter() - t0
            assert st["c"] == n_warm + n_chunks + 1, st["c"]
        steps = n_chunks * K
        counts = np.array(mon.count[:]) - cnt_warm
        res = dict(sim="brian2", target=args.target, io=args.io, K=K, steps=steps, sim_seconds=steps * bc.DT,
                   wall_s=wall, steps_per_s=steps / wall, build_s=t_build,
                   first_run_s=first_run_s, setup_s=setup_s,
                   readout_pool6_spikes=int(counts[lo:].sum()))
    else:
        tmpdir = tempfile.mkdtemp(prefix="b2sa_", dir=os.environ.get("B2_STANDALONE_TMP"))
        set_device("cpp_standalone", directory=tmpdir, build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = args.threads
        rate_table = bc.rate_schedule(n_chunks)
        ta = TimedArray(rate_table * Hz, dt=K * bc.DT * b2.second)
        objs, G, P, mon = build_model(b2, net_arr, rates_expr_ta=ta)
        lo = bc.READOUT_POOL * bc.POOL_SIZE
        mon6 = SpikeMonitor(G[lo:], name="mon6")     # for the per-chunk readout (post hoc)
        net = Network(*objs, mon6)
        steps = n_chunks * K
        net.run(steps * bc.DT * b2.second, namespace={})
        t_def = time.perf_counter() - t_setup0
        t1 = time.perf_counter()
        device.build(directory=tmpdir, compile=True, run=False, clean=True, with_output=False)
        compile_s = time.perf_counter() - t1
        t2 = time.perf_counter()
        device.run(directory=tmpdir, with_output=False)
        proc_s = time.perf_counter() - t2
        loop_s = float(device._last_run_time)
        counts = np.array(mon.count[:])
        chunk_of_spike = (np.array(mon6.t_[:]) / (K * bc.DT) + 1e-9).astype(np.int64)
        readout = np.bincount(chunk_of_spike, minlength=n_chunks)   # pool-6 count per chunk
        shutil.rmtree(tmpdir, ignore_errors=True)
        res = dict(sim="brian2", target="cpp_standalone", K=K, steps=steps, sim_seconds=steps * bc.DT,
                   wall_s=loop_s, steps_per_s=steps / loop_s, run_process_s=proc_s,
                   steps_per_s_process=steps / proc_s, define_s=t_def, compile_s=compile_s,
                   end_to_end_s=t_def + compile_s + proc_s,
                   steps_per_s_end_to_end=steps / (t_def + compile_s + proc_s),
                   openmp_threads=args.threads,
                   readout_pool6_spikes=int(readout.sum()))
    res["float"] = "float32" if args.float32 else "float64"
    res["brian2"] = b2.__version__
    res["numpy"] = np.__version__
    res.update(bc.rate_stats(counts, res["sim_seconds"]))
    bc.add_run_stats(res, counts)
    bc.emit(res)


if __name__ == "__main__":
    main()
