"""Per-call profile of ``Simulator.run_chunk`` at K = 1 on the 7-pool benchmark network.

    python bench/onestep_profile.py [--native on|off|both] [--calls 400] [--reps 9]

For each path (native C++ kernel, pure JAX) it times, in microseconds per call:

  run_chunk   the benchmark's closed-loop call: set the 100 input rates, one step, read pool 6
  jitted      the compiled chunk alone (native: over the packed state buffer, spark_lab/_packed.py;
              pure JAX: over the flat leaves of state, arguments and the rates) with the fetch
              of its output vector: JAX dispatch + XLA execution + transfer. Where the plan
              holds the native one-step call (spark_lab/_onestep.py, no JAX), that call alone:
              the ctypes call, the input copy and the step (its step_us is then against a JAX
              dispatch it no longer pays)
  floor       a trivial jitted function with the same argument and output trees (x + 1 per state
              leaf or buffer): what JAX's dispatch over these leaves costs, without the step
  host        run_chunk - jitted: spark_lab's Python around the call (checks, plan, counts)
  step        jitted - floor: the XLA execution of one step beyond the floor

Times are process CPU time (``time.process_time``), the minimum over ``reps`` batches of
``calls`` calls: on a shared machine this is far less noisy than wall time (other processes'
time is not counted; their cache pressure still is). One JSON line per path on stdout.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
import numpy as np  # noqa: E402


def per_call(fs: dict, calls: int, reps: int) -> dict:
    """{name: minimum over ``reps`` rounds of the process CPU time per call of ``f(i)``, in us};
    each round runs every ``f`` once for ``calls`` calls (interleaved, so a burst of load on
    the machine hits them alike)."""
    best = dict.fromkeys(fs, float("inf"))
    for _ in range(reps):
        for name, f in fs.items():
            t = time.process_time()
            for i in range(calls):
                f(i)
            best[name] = min(best[name], (time.process_time() - t) / calls * 1e6)
    return {name: round(v, 1) for name, v in best.items()}


def profile(native: bool, calls: int, reps: int) -> dict:
    import jax
    import jax.numpy as jnp
    import spark_lab_net

    from spark_lab._onestep import HostStep
    sim = spark_lab_net.build(bc.build_network(), native=native)
    rates = bc.rate_schedule(calls).astype(np.float32)
    ro = ("p6",)

    def call(i):
        return np.asarray(sim.run_chunk(1, {"input": rates[i]}, readout=ro)["p6"])
    for i in range(30):
        call(i)
    plan = next(iter(sim._plans.values()))          # noqa: SLF001 - a bench probe
    args = tuple(jax.tree_util.tree_leaves(sim.device_args()))
    if plan[2] is not None:      # the native path's lean loop: the state packed in one buffer (_packed.py)
        fn, words = plan[2], sim._packing[0].words   # noqa: SLF001
        ns, buf, tbuf = 1, [sim._packed], [jnp.array(sim._packed)]   # noqa: SLF001
        host = isinstance(fn, HostStep)

        def jitted(i):
            buf[0] = fn(buf[0], args, (rates[i],)) if host else fn(buf[0], *args, rates[i])
            np.asarray(buf[0])[words:]

        @jax.jit
        def trivial(b, *xs):
            return b + 1

        def floor(i):
            tbuf[0] = trivial(tbuf[0], *args, rates[i])
            np.asarray(tbuf[0])[words:]
    else:
        host, fn = False, plan[0][0]          # the chunk over the flat leaves (state, args, inputs)
        state = [tuple(jax.tree_util.tree_leaves(sim.get_state_tree()))]
        ns = len(state[0])

        def jitted(i):
            res = fn(*state[0], *args, rates[i])
            state[0] = res[:ns]
            np.asarray(res[ns])

        @jax.jit
        def trivial(*xs):
            return tuple(x + 1 for x in xs[:ns]) + (jnp.zeros((1025,), jnp.int32) + xs[ns - 1],)
        tstate = [tuple(jnp.array(x) for x in state[0])]

        def floor(i):
            res = trivial(*tstate[0], *args, rates[i])
            tstate[0] = res[:ns]
            np.asarray(res[ns])
    jitted(0)
    floor(0)
    t = per_call({"run_chunk_us": call, "jitted_us": jitted, "floor_us": floor}, calls, reps)
    r = dict(path="native" if sim.native else "jax", K=1, one_step_call=plan[2] is not None and host, **t,
             argument_leaves=ns + len(args) + 1)
    r["host_us"] = round(r["run_chunk_us"] - r["jitted_us"], 1)
    r["step_us"] = round(r["jitted_us"] - r["floor_us"], 1)
    r["steps_per_cpu_s"] = round(1e6 / r["run_chunk_us"], 0)
    r["load_avg"] = os.getloadavg()[0]
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--native", choices=["on", "off", "both"], default="both")
    ap.add_argument("--calls", type=int, default=400)
    ap.add_argument("--reps", type=int, default=9)
    a = ap.parse_args()
    for native in {"on": (True,), "off": (False,), "both": (True, False)}[a.native]:
        print(json.dumps(profile(native, a.calls, a.reps)), flush=True)


if __name__ == "__main__":
    main()
