"""`make bench`: spark_lab and its peers on the 7-pool closed-loop benchmark.

The benchmark is defined in ../shared/notes/benchmark.md (executable form: bench_common.py).
For K in {1, 10, 100, 1000} execution timesteps per I/O chunk this runs

    spark_lab               bench/spark_lab_bench.py                       (.venv)
    Brian2 cython run()     bench/peers/brian2_bench.py --io run           (bench/.envs/brian2)
    Brian2 cython netop     bench/peers/brian2_bench.py --io netop         (bench/.envs/brian2)
    Brian2 cpp_standalone   bench/peers/brian2_bench.py --target cpp_standalone   (uninterrupted best case)
    BrainPy jit loop        bench/peers/brainpy_bench.py --runner jit_loop (bench/.envs/jaxpeers)
    plain JAX event loop    bench/peers/jax_bench.py --variant event_loop  (bench/.envs/jaxpeers)
    [numba event loop]      bench/peers/numba_bench.py, only with --with-numba (a ceiling, not a peer)

every configuration in its own process, in interleaved rounds (all configurations once per
round); ratios between simulators are taken within a round, then the median over rounds.
Before timing, an equivalence check: with BENCH_DETERMINISTIC_INPUT=5 every simulator's
per-pool spike counts over the first 100 steps must equal bench_common.numpy_reference.

Writes bench/results/results.jsonl (one JSON line per process), bench/results/equivalence.json,
bench/figure1.png (bench/plot.py) and bench/RESULTS.md.

    python bench/run.py [--quick] [--rounds 3] [--only spark_lab,brainpy_jit_loop] [--with-numba]
    python bench/run.py --report-only          # tables + figure from the last results.jsonl
The peer environments come from bench/envs.sh (`make bench` runs it first).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
ENVS = os.path.join(HERE, ".envs")
CYTHON_CACHE = os.path.join(ENVS, "cython_cache")
KS = (1, 10, 100, 1000)

PYTHONS = {
    "spark": os.path.join(ROOT, ".venv", "bin", "python"),
    "b2": os.path.join(ENVS, "brian2", "bin", "python"),
    "jax": os.path.join(ENVS, "jaxpeers", "bin", "python"),
}

# name -> label, interpreter key, script, extra args, {K: simulated s} full, {K: simulated s} quick
# The slow configurations simulate fewer seconds (as ../shared/bench-reference/run_all.py does);
# the seconds are stated with every result. Brian2 cpp_standalone is one uninterrupted run
# whatever K is (K only sets the TimedArray's dt), so QUICK runs it at K = 1000 only.
FULL = {K: 10.0 for K in KS}
CONFIGS = [
    dict(name="spark_lab", label="spark_lab (native CPU kernel)", py="spark", script="spark_lab_bench.py",
         args=["--native", "on"], full=FULL, quick={1: 0.5, 10: 1.0, 100: 1.0, 1000: 1.0}),
    dict(name="spark_lab_jax", label="spark_lab (pure JAX, the GPU path)", py="spark", script="spark_lab_bench.py",
         args=["--native", "off"], full=FULL, quick={1: 0.5, 10: 1.0, 100: 1.0, 1000: 1.0}),
    dict(name="brian2_cython_run", label="Brian2 cython, net.run() per chunk (end-to-end)", py="b2",
         script="peers/brian2_bench.py", args=["--target", "cython", "--io", "run"],
         full={1: 0.2, 10: 1.0, 100: 10.0, 1000: 10.0}, quick={1: 0.02, 10: 0.1, 100: 0.5, 1000: 2.0}),
    dict(name="brian2_cython_netop", label="Brian2 cython, I/O in a NetworkOperation", py="b2",
         script="peers/brian2_bench.py", args=["--target", "cython", "--io", "netop"],
         full=FULL, quick={1: 0.5, 10: 1.0, 100: 2.0, 1000: 2.0}),
    dict(name="brian2_cpp_standalone", label="Brian2 C++ standalone, uninterrupted (best case)", py="b2",
         script="peers/brian2_bench.py", args=["--target", "cpp_standalone"],
         full=FULL, quick={1000: 2.0}),
    dict(name="brainpy_jit_loop", label="BrainPy, jitted step loop per chunk", py="jax",
         script="peers/brainpy_bench.py", args=["--runner", "jit_loop"],
         full=FULL, quick={1: 0.5, 10: 1.0, 100: 2.0, 1000: 2.0}),
    dict(name="jax_event_loop", label="plain JAX, event-driven", py="jax",
         script="peers/jax_bench.py", args=["--variant", "event_loop"],
         full=FULL, quick={1: 0.5, 100: 1.0}),           # not a target peer: two points in QUICK
]
NUMBA = dict(name="numba_ref", label="numba event loop, one thread (ceiling, not a peer)", py="jax",
             script="peers/numba_bench.py", args=[], full=FULL, quick={1: 1.0, 10: 2.0, 100: 2.0, 1000: 2.0})

# equivalence: (name, interpreter key, script, args); 10 chunks of K = 10 steps
EQUIV = [
    ("numpy_reference (float64)", "spark", "equivalence.py", ["--who", "numpy_reference"]),
    ("spark_lab", "spark", "equivalence.py", ["--who", "spark_lab"]),
    ("Brian2 cython, run() per chunk", "b2", "peers/brian2_bench.py", ["--target", "cython", "--io", "run"]),
    ("Brian2 cython, netop", "b2", "peers/brian2_bench.py", ["--target", "cython", "--io", "netop"]),
    ("Brian2 cpp_standalone", "b2", "peers/brian2_bench.py", ["--target", "cpp_standalone"]),
    ("BrainPy jit loop", "jax", "peers/brainpy_bench.py", ["--runner", "jit_loop"]),
    ("plain JAX event loop", "jax", "peers/jax_bench.py", ["--variant", "event_loop"]),
]
EQUIV_NUMBA = ("numba event loop", "jax", "peers/numba_bench.py", [])


def run_one(py, script, args, timeout, env=None):
    """One configuration in its own process; returns its JSON line (dict) or {"error": ...}."""
    if not os.path.exists(py):
        return dict(error=f"interpreter {py} missing: run bench/envs.sh (or make bench)")
    cmd = [py, os.path.join(HERE, script)] + list(args)
    if "brian2_bench.py" in script and "cython" in args:
        cmd += ["--cache-dir", CYTHON_CACHE]
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return dict(error=f"timeout after {timeout} s", process_wall_s=time.perf_counter() - t)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        return dict(error=f"exit {p.returncode}: " + (p.stderr or p.stdout)[-1500:],
                    process_wall_s=time.perf_counter() - t)
    d = json.loads(lines[-1])
    d["process_wall_s"] = round(time.perf_counter() - t, 2)
    return d


def cfg_env(cfg):
    """The environment of a configuration's process: spark_lab's from this checkout (or the
    baseline's, ``--baseline``) first on the path, whatever the interpreter installs."""
    if cfg["py"] != "spark":
        return None
    return dict(os.environ, PYTHONPATH=cfg.get("pythonpath", ROOT), PYTHONDONTWRITEBYTECODE="1")


def baseline_configs(path):
    """spark_lab's two configurations again, importing the spark_lab of ``path`` (a copy of
    an earlier checkout): before/after figures from the same run."""
    out = []
    for c in CONFIGS[:2]:
        out.append(dict(c, name=c["name"] + "_baseline", label=c["label"] + f" [baseline {path}]",
                        pythonpath=os.path.abspath(path)))
    return out


def same_run_table(recs, ks):
    """Markdown: per K, each configuration's median steps/s and its same-round ratios to
    Brian2 C++ standalone, BrainPy's jitted loop and (where run) the baseline."""
    S = summarise(recs)
    names = list(dict.fromkeys(r["config"] for r in recs if "error" not in r))
    lines = ["| configuration | K | steps/s median (min-max) | vs Brian2 C++ standalone | vs BrainPy jit loop |"
             " vs baseline |", "|---|---|---|---|---|---|"]
    sps = {(r["config"], r["K"], r["round"]): r["steps_per_s"] for r in recs if "error" not in r}
    for nm in names:
        for K in ks:
            if (nm, K) not in S:
                continue
            x = S[(nm, K)]
            base = None
            if not nm.endswith("_baseline") and nm.startswith("spark_lab"):
                xs = [sps[(nm, K, r)] / sps[(nm + "_baseline", K, r)] for (c, k, r) in sps
                      if c == nm and k == K and (nm + "_baseline", K, r) in sps]
                base = (median(xs), min(xs), max(xs)) if xs else None
            lines.append(f"| {nm} | {K} | {fmt(x['median'])} ({fmt(x['min'])}-{fmt(x['max'])}) | "
                         f"{fratio(x['vs_cpp'])} | {fratio(x['vs_brainpy'])} | {fratio(base)} |")
    return "\n".join(lines)


def equivalence(a):
    env = dict(os.environ, BENCH_DETERMINISTIC_INPUT="5")
    impls = EQUIV + ([EQUIV_NUMBA] if a.with_numba else [])

    def one(item):
        name, key, script, args = item
        if script == "equivalence.py":
            extra = ["--steps", "100", "--K", "10"]
        else:
            extra = ["--K", "10", "--seconds", "0.1", "--warmup-chunks", "0"]
        d = run_one(PYTHONS[key], script, args + extra, a.timeout,
                    env=dict(env, PYTHONPATH=ROOT, PYTHONDONTWRITEBYTECODE="1") if key == "spark" else env)
        return dict(name=name, pool_counts=d.get("pool_counts"), error=d.get("error"))

    # not timed, so two at a time (the machine has two cores); the slow C++ compile first
    order = sorted(impls, key=lambda x: "cpp_standalone" not in x[3])
    with ThreadPoolExecutor(2) as ex:
        res = {r["name"]: r for r in ex.map(one, order)}
    rows = [res[i[0]] for i in impls]
    ref = rows[0]["pool_counts"]
    for r in rows:
        r["match"] = bool(ref is not None and r["pool_counts"] == ref)
    return rows


def measure(a, configs, out_path):
    rounds = 1 if a.quick else a.rounds
    recs = []
    with open(out_path, "w") as out:
        for r in range(1, rounds + 1):
            for cfg in configs:
                secs = cfg["quick"] if a.quick else cfg["full"]
                for K in a.ks:
                    if K not in secs:
                        continue
                    args = cfg["args"] + ["--K", str(K), "--seconds", str(secs[K])]
                    d = run_one(PYTHONS[cfg["py"]], cfg["script"], args, a.timeout, env=cfg_env(cfg))
                    d.update(config=cfg["name"], round=r, K=K, requested_seconds=secs[K])
                    out.write(json.dumps(d) + "\n")
                    out.flush()
                    recs.append(d)
                    brief = f"round {r} {cfg['name']:22s} K={K:<5d} "
                    brief += (f"{d['steps_per_s']:>10,.0f} steps/s  ({d['process_wall_s']:.1f} s process)"
                              if "error" not in d else "FAILED: " + d["error"].strip().splitlines()[-1][:200])
                    print(brief, flush=True)
    return recs


# ------------------------------------------------------------------ summary
def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return None
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def normalise(d):
    """compile/setup seconds and peak memory from each script's own fields."""
    c = d["config"]
    if c.startswith("spark_lab"):
        comp, setup = d.get("compile_s"), (d.get("setup_s") or 0) + (d.get("compile_s") or 0)
    elif c == "brian2_cpp_standalone":
        comp, setup = d.get("compile_s"), (d.get("define_s") or 0) + (d.get("compile_s") or 0)
    elif c.startswith("brian2") or c.startswith("brainpy"):
        comp, setup = d.get("first_run_s"), d.get("setup_s")
    else:
        comp, setup = d.get("compile_s"), d.get("setup_s")
    mem = d.get("peak_rss_mb")
    if c == "brian2_cpp_standalone":        # the simulation runs in the child binary
        mem = max(mem or 0, d.get("peak_rss_children_mb") or 0)
    return comp, setup, mem


def summarise(recs):
    ok = [r for r in recs if "error" not in r]
    by = {}
    for r in ok:
        by.setdefault((r["config"], r["K"]), []).append(r)
    sps = {(r["config"], r["K"], r["round"]): r["steps_per_s"] for r in ok}

    def ratio(name, K, ref):
        xs = []
        for r in by.get((name, K), []):
            den = sps.get((ref, K, r["round"]))
            if den is None and ref == "brian2_cpp_standalone":    # uninterrupted: K-independent
                den = sps.get((ref, 1000, r["round"]))
            if den:
                xs.append(r["steps_per_s"] / den)
        return (median(xs), min(xs), max(xs)) if xs else None

    S = {}
    for (name, K), rs in by.items():
        v = [r["steps_per_s"] for r in rs]
        norm = [normalise(r) for r in rs]
        S[(name, K)] = dict(
            median=median(v), min=min(v), max=max(v), n=len(v), seconds=rs[0].get("sim_seconds", rs[0].get("seconds")),
            compile_s=median([x[0] for x in norm if x[0] is not None]),
            setup_s=median([x[1] for x in norm if x[1] is not None]),
            peak_mb=max([x[2] for x in norm if x[2] is not None], default=None),
            process_s=median([r["process_wall_s"] for r in rs]),
            mean_rate=median([r["mean_rate_hz"] for r in rs]),
            pool6_rate=median([r["pool_rates_hz"][6] for r in rs]),
            vs_run=ratio(name, K, "brian2_cython_run"), vs_brainpy=ratio(name, K, "brainpy_jit_loop"),
            vs_netop=ratio(name, K, "brian2_cython_netop"), vs_cpp=ratio(name, K, "brian2_cpp_standalone"),
            variant=rs[0].get("variant"),
            e2e=median([r["steps_per_s_end_to_end"] for r in rs if "steps_per_s_end_to_end" in r]),
            process_sps=median([r["steps_per_s_process"] for r in rs if "steps_per_s_process" in r]))
    return S


# ------------------------------------------------------------------ report
def fmt(x):
    if x is None:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else (f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}")


def fratio(t):
    if not t:
        return "-"
    m, lo, hi = t
    f = (lambda x: f"{x:,.0f}" if x >= 100 else f"{x:.3g}")
    return f"{f(m)}×" if lo == hi else f"{f(m)}× ({f(lo)}–{f(hi)})"


def machine_info():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = [ln for ln in open("/proc/meminfo") if ln.startswith("MemTotal")][0].split()[1]
        mem = f"{int(mem) / 2**20:.0f} GiB"
    except (OSError, IndexError):
        mem = "?"
    return dict(cpu=model, cores=os.cpu_count(), mem=mem, os=platform.platform(),
                loadavg=" ".join(open("/proc/loadavg").read().split()[:3]) if os.path.exists("/proc/loadavg") else "?")


def versions():
    v = {}
    path = os.path.join(RESULTS, "versions.txt")
    if os.path.exists(path):
        env = None
        for line in open(path):
            line = line.strip()
            if line.startswith("## "):
                env = line[3:].split(":")[0].split(" ")[0]
                v[(env, "python")] = line.split("Python")[-1].strip()
            elif "==" in line and env:
                k, ver = line.split("==", 1)
                v[(env, k.lower())] = ver
    return v


# issue 3's targets: (spark_lab config, reference key in S, Ks, at least); same-round ratios
TARGETS = [
    ("spark_lab_jax", "vs_brainpy", KS, 1.8, "pure JAX ≥ 1.8× BrainPy's jitted loop"),
    ("spark_lab_jax", "vs_run", (1,), 400.0, "pure JAX ≥ 400× Brian2 `run()` per chunk"),
    ("spark_lab", "vs_cpp", (10, 100, 1000), 1.0, "native ≥ Brian2 C++ standalone (uninterrupted)"),
    ("spark_lab", "vs_netop", (1,), 1.0, "native ≥ Brian2 NetworkOperation"),
]


def targets_table(S):
    """The issue's ratio targets: median of the same-round ratios against the bar, with the
    min-max over rounds (a median that meets the bar while a round missed it says so)."""
    out = ["", "## Targets (issue 3)", "",
           "Median of the same-round ratios (min–max over rounds). \"met\": the median reaches the bar; "
           "\"met, not every round\": it does, but at least one round fell short.", "",
           "| target | K | ratio | result |", "|---|---|---|---|"]
    for name, key, ks, bar, text in TARGETS:
        for K in ks:
            r = S.get((name, K), {}).get(key)
            if not r:
                out.append(f"| {text} | {K} | - | not measured |")
                continue
            res = "met" if r[0] >= bar and r[1] >= bar else ("met, not every round" if r[0] >= bar else "missed")
            out.append(f"| {text} | {K} | {fratio(r)} | {res} |")
    return out


def write_report(meta, recs, eq, S, configs, path):
    m = machine_info()
    v = versions()
    lines = ["# Benchmark results: 7 x 1024 LIF pools, closed loop every K steps", ""]
    mode = ("QUICK (1 round, short simulated times: a smoke test, not a measurement)" if meta["quick"]
            else f"full ({meta['rounds']} interleaved rounds)")
    lines += [f"Generated by `make bench{' QUICK=1' if meta['quick'] else ''}` (bench/run.py) on "
              f"{meta['date']}; mode: {mode}; total {meta['total_s']:.0f} s. "
              f"Definition: ../shared/notes/benchmark.md (bench/bench_common.py, "
              f"fingerprint `{next((r['fingerprint'] for r in recs if r.get('fingerprint')), '?')}`).", ""]
    lines += ["| machine | |", "|---|---|",
              f"| CPU | {m['cpu']} |", f"| cores | {m['cores']} |", f"| memory | {m['mem']} |",
              f"| OS | {m['os']} |",
              f"| load average before / after | {meta['load_before']} / {meta['load_after']} "
              f"(shared machine: compare only within one run) |",
              f"| python | {v.get(('spark_lab', 'python'), platform.python_version())} (all environments) |",
              f"| spark_lab (.venv) | "
              f"spark_lab {v.get(('spark_lab', 'spark_lab'), v.get(('spark_lab', 'spark-lab'), '?'))}, "
              f"jax {v.get(('spark_lab', 'jax'), '?')}, numpy {v.get(('spark_lab', 'numpy'), '?')} |",
              f"| Brian2 (bench/.envs/brian2) | brian2 {v.get(('brian2', 'brian2'), '?')}, "
              f"cython {v.get(('brian2', 'cython'), '?')}, "
              f"numpy {v.get(('brian2', 'numpy'), '?')} |",
              f"| BrainPy, JAX (bench/.envs/jaxpeers) | brainpy {v.get(('jaxpeers', 'brainpy'), '?')}, brainevent "
              f"{v.get(('jaxpeers', 'brainevent'), '?')}, jax {v.get(('jaxpeers', 'jax'), '?')}, numba "
              f"{v.get(('jaxpeers', 'numba'), '?')}, numpy {v.get(('jaxpeers', 'numpy'), '?')} |", ""]
    variants = sorted({s["variant"] for (n, K), s in S.items() if n.startswith("spark_lab") and s["variant"]})
    if variants:
        lines += [f"spark_lab variant(s) as reported by spark_lab_bench.py: {', '.join(variants)}.", ""]

    # steps/s
    lines += ["## Steps per second", "",
              "Median over rounds (min–max); [simulated seconds per run where shorter than 10 s]. "
              "Timed part only: compilation and set-up are in the next table.", "",
              "| simulator | K=1 | K=10 | K=100 | K=1000 |", "|---|---|---|---|---|"]
    for cfg in configs:
        cells = []
        for K in KS:
            s = S.get((cfg["name"], K))
            if not s:
                cells.append("-")
                continue
            c = fmt(s["median"]) if s["n"] == 1 else f"{fmt(s['median'])} ({fmt(s['min'])}–{fmt(s['max'])})"
            if s["seconds"] and s["seconds"] < 10:
                c += f" [{s['seconds']:g} s]"
            cells.append(c)
        lines.append(f"| {cfg['label']} | " + " | ".join(cells) + " |")
    sa = [s for (n, K), s in S.items() if n == "brian2_cpp_standalone"]
    if sa:
        lines += ["", "Brian2 C++ standalone counts only its simulation loop (Brian2's own timer). "
                  f"Its binary as a process: {fmt(median([s['process_sps'] for s in sa]))} steps/s; "
                  f"end-to-end with Python definition, code generation and C++ compilation: "
                  f"{fmt(median([s['e2e'] for s in sa]))} steps/s for the simulated duration above. "
                  "It is not a closed loop (inputs are fixed up front)."
                  + (" QUICK runs it at K = 1000 only (K-independent by construction)." if meta["quick"] else "")]

    # ratios
    def ratio_table(title, key, note):
        out = ["", f"## {title}", "", note, "", "| simulator | K=1 | K=10 | K=100 | K=1000 |", "|---|---|---|---|---|"]
        for cfg in configs:
            cells = [fratio(S[(cfg["name"], K)][key]) if (cfg["name"], K) in S else "-" for K in KS]
            if any(c != "-" for c in cells):
                out.append(f"| {cfg['label']} | " + " | ".join(cells) + " |")
        return out
    lines += ratio_table("Speed relative to Brian2 `net.run()` per chunk (\"end-to-end\", the paper's reference)",
                         "vs_run", "steps/s ratio taken within each round, then the median (min–max over rounds).")
    lines += ratio_table("Speed relative to BrainPy's jitted loop", "vs_brainpy",
                         "steps/s ratio taken within each round, then the median (min–max over rounds).")
    for name in ("spark_lab", "spark_lab_jax"):
        sp = {K: S.get((name, K)) for K in KS}
        if any(sp.values()):
            label = next(c["label"] for c in CONFIGS if c["name"] == name)
            lines += ["", f"{label} against the other references (same-round ratios): ", "",
                      "| vs | K=1 | K=10 | K=100 | K=1000 |", "|---|---|---|---|---|",
                      "| Brian2 cython netop | "
                      + " | ".join(fratio(sp[K]["vs_netop"]) if sp[K] else "-" for K in KS) + " |",
                      "| Brian2 C++ standalone loop | "
                      + " | ".join(fratio(sp[K]["vs_cpp"]) if sp[K] else "-" for K in KS) + " |"]

    lines += targets_table(S)

    # compile/setup/memory
    lines += ["", "## Compilation, set-up and peak memory", "",
              "compile: JIT / code generation / C++ compilation as each script reports it (spark_lab: the warm-up "
              "chunks; Brian2 runtime and BrainPy: the first chunk; Brian2 standalone: C++ build; JAX: lower+compile); "
              "set-up: everything before the timed part, including the network build from the shared synapse "
              "lists and the compilation; process: wall time of the whole process (imports included). Peak memory: "
              "peak RSS of the process (Brian2 standalone: the larger of the Python process and its children, "
              "i.e. the compiler or the simulation binary). Medians over rounds, per K.", "",
              "| simulator | K | compile s | set-up s | process s | peak RSS MB | mean rate Hz | pool-6 Hz |",
              "|---|---|---|---|---|---|---|---|"]
    for cfg in configs:
        for K in KS:
            s = S.get((cfg["name"], K))
            if s:
                lines.append(f"| {cfg['label']} | {K} | {fmt(s['compile_s'])} | {fmt(s['setup_s'])} | "
                             f"{fmt(s['process_s'])} | {fmt(s['peak_mb'])} | {s['mean_rate']:.2f} | "
                             f"{s['pool6_rate']:.2f} |")

    # equivalence
    lines += ["", "## Equivalence", "",
              "BENCH_DETERMINISTIC_INPUT=5 (input channels 0-4 fire every step, the others never), "
              "10 chunks of K = 10: per-pool spike counts over the first 100 steps.", "",
              "| implementation | pool spike counts (pools 0-6) | equals numpy reference |", "|---|---|---|"]
    for r in eq or []:
        counts = (r["pool_counts"] if r["pool_counts"] is not None
                  else "FAILED: " + (r["error"] or "?").strip().splitlines()[-1][:150])
        lines.append(f"| {r['name']} | {counts} | {'yes' if r['match'] else '**NO**'} |")
    if eq is None:
        lines.append("| (skipped: --skip-equivalence) | | |")

    errs = [r for r in recs if "error" in r]
    if errs:
        lines += ["", "## Failed runs", ""]
        for e in errs:
            lines.append(f"- {e['config']} K={e['K']} round {e['round']}: "
                         f"`{e['error'].strip().splitlines()[-1][:300]}`")
    lines += ["", "![speed relative to Brian2 end-to-end](figure1.png)", "",
              "Raw lines: bench/results/results.jsonl; versions: bench/results/versions.txt.", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="1 round, short simulated times (< 3 min)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default=None, help="comma-separated configuration names")
    ap.add_argument("--with-numba", action="store_true", help="also the numba event loop (a ceiling)")
    ap.add_argument("--skip-equivalence", action="store_true")
    ap.add_argument("--report-only", action="store_true", help="rebuild RESULTS.md and the figure from results.jsonl")
    ap.add_argument("--timeout", type=int, default=None, help="per process, s (default 120 quick, 900 full)")
    ap.add_argument("--ks", default=None, help="comma-separated K values (default: all; with it, only a "
                                               "same-run table is printed and RESULTS.md is left alone)")
    ap.add_argument("--envs", default=None, help="the peer environments' folder (default bench/.envs)")
    ap.add_argument("--baseline", default=None, help="a copy of an earlier spark_lab checkout to run as well")
    ap.add_argument("--out", default=None, help="results file (default bench/results/results.jsonl)")
    ap.add_argument("--spark-python", default=None, help="spark_lab's interpreter (default .venv/bin/python)")
    a = ap.parse_args()
    a.timeout = a.timeout or (120 if a.quick else 900)
    partial = a.ks is not None
    a.ks = tuple(int(k) for k in a.ks.split(",")) if partial else KS
    if a.spark_python:
        PYTHONS["spark"] = a.spark_python
    if a.envs:
        global CYTHON_CACHE
        CYTHON_CACHE = os.path.join(a.envs, "cython_cache")
        PYTHONS.update(b2=os.path.join(a.envs, "brian2", "bin", "python"),
                       jax=os.path.join(a.envs, "jaxpeers", "bin", "python"))
    configs = CONFIGS + ([NUMBA] if a.with_numba else []) + (baseline_configs(a.baseline) if a.baseline else [])
    if a.only:
        only = set(a.only.split(","))
        configs = [c for c in configs if c["name"] in only]
    os.makedirs(RESULTS, exist_ok=True)
    out_path = a.out or os.path.join(RESULTS, "results.jsonl")
    eq_path = os.path.join(RESULTS, "equivalence.json")
    t0 = time.perf_counter()
    load_before = machine_info()["loadavg"]
    if a.report_only:
        recs = [json.loads(ln) for ln in open(out_path) if ln.strip()]
        names = {r["config"] for r in recs}
        configs = [c for c in CONFIGS + [NUMBA] if c["name"] in names]
        eq = json.load(open(eq_path)) if os.path.exists(eq_path) else None
    else:
        for key, py in PYTHONS.items():
            if not os.path.exists(py):
                print(f"warning: {py} missing ({'run make install' if key == 'spark' else 'run bench/envs.sh'}); "
                      "its configurations will be reported as failed", file=sys.stderr)
        eq = None
        if not a.skip_equivalence:
            print("equivalence check (BENCH_DETERMINISTIC_INPUT=5, 100 steps) ...", flush=True)
            eq = equivalence(a)
            for r in eq:
                print(f"  {r['name']:28s} {r['pool_counts']}  "
                      f"{'ok' if r['match'] else 'MISMATCH ' + str(r['error'] or '')[-300:]}",
                      flush=True)
            json.dump(eq, open(eq_path, "w"), indent=1)
        print(f"timed runs ({'QUICK' if a.quick else f'{a.rounds} rounds'}) ...", flush=True)
        recs = measure(a, configs, out_path)
        if partial:
            print(f"same-run table (load average before / after: {load_before} / {machine_info()['loadavg']}):")
            print(same_run_table(recs, a.ks))
            return
    meta_path = os.path.join(RESULTS, "meta.json")
    if a.report_only and os.path.exists(meta_path):
        meta = json.load(open(meta_path))
    else:
        meta = dict(quick=a.quick, rounds=1 if a.quick else a.rounds, total_s=time.perf_counter() - t0,
                    load_before=load_before, load_after=machine_info()["loadavg"],
                    date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
        if not a.report_only:
            json.dump(meta, open(meta_path, "w"), indent=1)
    S = summarise(recs)
    sys.path.insert(0, HERE)
    import plot
    fig = os.path.join(HERE, "figure1.png")
    try:
        plot.figure(recs, fig, configs, quick=meta["quick"])
    except Exception as e:                       # the tables are still worth writing
        print(f"figure failed: {e!r}", file=sys.stderr)
    report = os.path.join(HERE, "RESULTS.md")
    write_report(meta, recs, eq, S, configs, report)
    print(f"wrote {os.path.relpath(report, ROOT)}, {os.path.relpath(fig, ROOT)} ({time.perf_counter() - t0:.0f} s)")
    summary = {c["name"]: {K: round(S[(c["name"], K)]["median"]) for K in KS if (c["name"], K) in S} for c in configs}
    print(json.dumps({"steps_per_s_median": summary}))
    failed = [r for r in recs if "error" in r]
    bad_eq = [r["name"] for r in (eq or []) if not r["match"]]
    if failed or bad_eq:
        print(f"{len(failed)} failed runs; equivalence mismatches: {bad_eq or 'none'} (see bench/RESULTS.md)",
              file=sys.stderr)
    # a peer that fails is reported, not fatal; spark_lab failing or disagreeing is
    if any(r["config"] == "spark_lab" for r in failed) or any(n.startswith("spark_lab") for n in bad_eq):
        sys.exit(1)


if __name__ == "__main__":
    main()
