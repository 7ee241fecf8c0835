"""Budgets of the live lab (issue 6), printed as one JSON object.

    python bench/live_lab.py [--K 100] [--rounds 3] [--seconds 20] [--long-steps 1000000] [--long-max-s 120]

1. throughput: the 7-pool benchmark network (bench/spark_lab_net.py) in closed loop at K steps
   per chunk, headless (Simulator.run_chunk, as bench/spark_lab_bench.py) against the same
   network in a LiveLab (Session + controls + g_inh sliders + raster of 1000 neurons + membrane
   traces of 3 neurons + rates of the 7 pools; widgets created, no browser attached: widget
   state is serialised as for a front-end but the message goes nowhere). Interleaved rounds,
   medians. Budget: live >= 85 % of headless.
2. slider latency at K: a slider is moved (its value set, as the front-end does) while the
   session runs; "applied" = until the session has applied the value with set_params (at the
   next chunk boundary), "drawn" = until the raster monitor has drawn a frame computed after
   that (the moment its message is handed to the kernel's comm; browser paint time is not
   included: no browser here, and bqplot's own paint is ~10-80 ms per frame, see
   shared/notes/widget-stack.md section 7).
3. memory: a small network (100 LIF + 100 Poisson inputs) in a LiveLab, run for --long-steps
   steps at K or until --long-max-s seconds; resident memory (RSS) after warm-up and at the
   end, sampled along the way; growth extrapolated linearly to 10^6 steps when the run was
   cut short.
"""
import argparse
import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bench_common as bc  # noqa: E402
import numpy as np  # noqa: E402
import spark_lab_net  # noqa: E402

import spark_lab as sl  # noqa: E402
from spark_lab.notebook import LiveLab  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def headless(sim, rates, K, n_chunks, c0):
    t0 = time.perf_counter()
    for c in range(c0, c0 + n_chunks):
        np.asarray(sim.run_chunk(K, {"input": rates[c % len(rates)]}, readout=("p6",))["p6"])
    return n_chunks * K / (time.perf_counter() - t0)


def live(lab, steps):
    s = lab.session
    t_start = s.t
    t0 = time.perf_counter()
    s.run()
    s.wait(steps=t_start + steps, timeout=600)
    s.pause()
    return (s.t - t_start) / (time.perf_counter() - t0)


def bench_throughput(K, rounds, seconds, raster):
    d = bc.build_network()
    rates = bc.rate_schedule(2000).astype(np.float32)
    sim_h = spark_lab_net.build(d)
    sim_l = spark_lab_net.build(d)

    def inputs(t, steps):            # the same closed-loop input schedule, one rate vector per chunk
        return {"input": rates[(t // K) % len(rates)]}

    lab = LiveLab(sim_l, chunk=K, inputs=inputs, raster=raster, raster_neurons=1000, traces={"p0": (0, 1, 2)})
    n_chunks = max(1, int(seconds / (K * bc.DT)))
    headless(sim_h, rates, K, 3, 0)                  # compile both
    lab.session.step()
    out_h, out_l = [], []
    for r in range(rounds):
        out_h.append(headless(sim_h, rates, K, n_chunks, 3 + r * n_chunks))
        out_l.append(live(lab, n_chunks * K))
    draws = {type(m).__name__: dict(drawn=m.throttle.drawn, dropped=m.throttle.dropped,
                                    last_draw_ms=round(m.throttle.last_cost * 1e3, 2)) for m in lab.monitors}
    compiles = sim_l.compile_count
    lab.close()
    h, live_ = statistics.median(out_h), statistics.median(out_l)
    return dict(K=K, raster_pools=[p for p, _ in lab.raster.pools],
                raster_neurons=lab.raster.n_rows, headless_steps_per_s=round(h, 1), live_steps_per_s=round(live_, 1),
                ratio=round(live_ / h, 3), budget_ratio=0.85, ok=live_ / h >= 0.85,
                rounds_headless=[round(x) for x in out_h], rounds_live=[round(x) for x in out_l],
                simulated_s_per_round=n_chunks * K * bc.DT, monitor_draws=draws, live_compile_count=compiles)


def bench_latency(K, moves=30):
    d = bc.build_network()
    rates = bc.rate_schedule(200).astype(np.float32)
    sim = spark_lab_net.build(d)
    lab = LiveLab(sim, chunk=K, inputs=lambda t, n: {"input": rates[(t // K) % len(rates)]},
                  params=[("p0", "g_inh")], traces={"p0": (0, 1)})
    s = lab.session
    s.step()
    slider = lab.sliders[("p0", "g_inh")].slider
    s.run()
    time.sleep(0.5)
    rng = np.random.default_rng(0)
    applied, drawn = [], []
    before = sim.compile_count
    for _ in range(moves):
        time.sleep(rng.uniform(0.05, 0.15))
        n_applied, n_drawn = s.applied_changes, lab.raster.throttle.drawn
        t0 = time.perf_counter()
        slider.value = float(np.round(rng.uniform(3.0, 7.0), 2))     # as the front-end sets it
        while s.applied_changes == n_applied:
            time.sleep(0.0002)
        t1 = time.perf_counter()
        n_drawn = lab.raster.throttle.drawn
        while lab.raster.throttle.drawn == n_drawn:
            time.sleep(0.0002)
        t2 = time.perf_counter()
        applied.append((t1 - t0) * 1e3)
        drawn.append((t2 - t0) * 1e3)
    chunk_ms = round(1e3 * K / s.steps_per_s, 2) if s.steps_per_s else None    # while still running
    s.pause()
    ok_value = float(s.get_param("p0", "g_inh")) == slider.value
    recompiles = sim.compile_count - before
    lab.close()
    q = lambda a, p: round(float(np.percentile(a, p)), 2)  # noqa: E731
    return dict(K=K, moves=moves, applied_ms=dict(median=q(applied, 50), p95=q(applied, 95), max=q(applied, 100)),
                drawn_ms=dict(median=q(drawn, 50), p95=q(drawn, 95), max=q(drawn, 100)),
                budget_ms=200, ok=float(np.max(drawn)) <= 200, last_value_applied=ok_value,
                recompilations=recompiles, chunk_wall_ms_estimate=chunk_ms)


def bench_frame(K, frames=50):
    """Where the kernel's time of one live frame goes: the raster's pixels (binning the ring
    buffer), its PNG encoding, handing the Image bytes and the mark change to the comm
    (serialisation), and the trace and rate frames; thread CPU time and wall time per frame."""
    from spark_lab.notebook._png import encode_indexed
    d = bc.build_network()
    sim = spark_lab_net.build(d)
    lab = LiveLab(sim, chunk=K, inputs={"input": bc.rate_schedule(1)[0].astype(np.float32)},
                  params=[("p0", "g_inh")], raster="p0", raster_neurons=1000, traces={"p0": (0, 1, 2)},
                  window_ms=200.0, analysis=False)
    s = lab.session
    s.step(3000)
    r = lab.raster

    def per_frame(f):
        w0, c0 = time.perf_counter(), time.thread_time()
        for _ in range(frames):
            f()
        return dict(wall_ms=round((time.perf_counter() - w0) / frames * 1e3, 3),
                    cpu_ms=round((time.thread_time() - c0) / frames * 1e3, 3))
    px = r.image()[0]
    png = encode_indexed(px, r.palette, alpha=(0,))
    out = dict(raster_pixels=list(px.shape), png_bytes=len(png), pixels=per_frame(r.image),
               png_encode=per_frame(lambda: encode_indexed(px, r.palette, alpha=(0,))),
               raster_frame=per_frame(r.draw_now), trace_frame=per_frame(lab.traces[0].draw_now),
               rates_frame=per_frame(lab.rates.draw_now), status_line=per_frame(lab.controls.monitor.update))
    s.step()                                   # compiles the K-step chunk
    t0 = time.perf_counter()
    for _ in range(20):
        s.step()
    out["chunk_ms"] = round((time.perf_counter() - t0) / 20 * 1e3, 2)
    lab.close()
    return out


def small_net():
    net = sl.Network(dt=0.1, seed=3)
    lif = sl.LIF(tau_m=20.0, v_rest=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0, v_init_low=-65.0, v_init_high=-50.0)
    net.add_pool("exc", lif, 80, excitatory=True)
    net.add_pool("inh", lif, 20, excitatory=False, g_inh=4.0)
    net.add_pool("ext", sl.PoissonSource(rate=15.0), 100)
    for pre in ("exc", "inh"):
        for post in ("exc", "inh"):
            net.connect(pre, post, synapse=sl.Exponential(tau=5.0), connectivity=sl.FixedProbability(p=0.2),
                        weight=1.0, delay=1.0)
    for post in ("exc", "inh"):
        net.connect("ext", post, connectivity=sl.FixedProbability(p=0.2), weight=5.0)
    return net


def bench_memory(K, steps, max_s):
    lab = LiveLab(small_net(), chunk=K)
    s = lab.session
    warm = 50_000
    s.run()
    s.wait(steps=warm, timeout=300)
    time.sleep(0.2)
    r0, t0 = rss_mb(), time.perf_counter()
    t_warm = s.t
    samples = []
    stop = threading.Event()

    def sampler():
        while not stop.wait(2.0):
            samples.append((s.t, round(rss_mb(), 1)))
    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    s.wait(steps=steps, timeout=max_s)
    s.pause()
    stop.set()
    th.join()
    r1, wall = rss_mb(), time.perf_counter() - t0
    done = s.t
    growth = r1 - r0
    run_steps = done - t_warm
    per_1e6 = growth / run_steps * 1e6 if run_steps else float("nan")
    out = dict(K=K, steps_run=done, steps_after_warmup=run_steps, wall_s=round(wall, 1),
               rss_after_warmup_mb=round(r0, 1), rss_end_mb=round(r1, 1), growth_mb=round(growth, 2),
               growth_per_1e6_steps_mb_extrapolated=round(per_1e6, 2), budget_mb=50,
               ok=(growth if done >= steps else per_1e6) < 50, ring_buffer_mb=round(s.buffer_bytes / 2**20, 2),
               samples=samples[:: max(1, len(samples) // 12)], reached_target=done >= steps)
    lab.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--K", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=20.0, help="simulated seconds per throughput round")
    ap.add_argument("--long-steps", type=int, default=1_000_000)
    ap.add_argument("--long-max-s", type=float, default=120.0)
    ap.add_argument("--only", choices=["throughput", "latency", "memory", "frame"], default=None)
    a = ap.parse_args()
    res = dict(bench="live_lab", load_before=os.getloadavg())
    if a.only in (None, "throughput"):
        # the budget configuration: raster of pool p0 (1024 neurons), traces of 3 neurons, rates of all 7 pools
        res["throughput"] = bench_throughput(a.K, a.rounds, a.seconds, ["p0"])
        # for comparison: 1000 raster neurons taken from all 7 pools (7 recordings per step)
        res["throughput_raster_7_pools"] = bench_throughput(a.K, a.rounds, a.seconds, None)
    if a.only in (None, "frame"):
        res["frame"] = bench_frame(a.K)
    if a.only in (None, "latency"):
        res["latency"] = bench_latency(a.K)
    if a.only in (None, "memory"):
        res["memory"] = bench_memory(a.K, a.long_steps, a.long_max_s)
    res["load_after"] = os.getloadavg()
    print(json.dumps(res))


if __name__ == "__main__":
    main()
