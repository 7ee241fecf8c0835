#!/usr/bin/env bash
# Creates (idempotently) the two peer environments of the benchmark under bench/.envs/
# and records the installed versions in bench/results/versions.txt.
#
#   brian2   : brian2, cython, setuptools, numpy<2.4  (Brian2 2.9 uses ndarray.ptp, gone in numpy 2.4)
#   jaxpeers : jax, brainpy, numba                     (brainevent, BrainPy's event kernels, needs numba on CPU)
#
# A stamp file per environment records the requirement line it was built from; an
# environment whose stamp matches is left alone (re-running costs a second or two).
# Override the interpreter with PY=/path/to/python3 (default: python3, 3.11 here).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENVS="$HERE/.envs"
PY="${PY:-python3}"
mkdir -p "$ENVS" "$HERE/results"

make_env() {   # name, requirements...
    local name="$1"; shift
    local dir="$ENVS/$name" stamp="$ENVS/$name/.installed"
    local want="$*"
    if [[ -x "$dir/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        echo "envs.sh: $name up to date ($dir)"
        return
    fi
    echo "envs.sh: creating $name ($want)"
    [[ -x "$dir/bin/python" ]] || "$PY" -m venv "$dir"
    "$dir/bin/python" -m pip install -q --upgrade pip
    "$dir/bin/python" -m pip install -q "$@"
    echo "$want" > "$stamp"
}

make_env brian2 brian2 cython setuptools "numpy<2.4"
make_env jaxpeers jax brainpy numba

# Brian2's Cython extensions are compiled on first use (~35 s on a 2-core machine); build
# them once here into the cache that bench/run.py passes to every Cython run.
CACHE="$ENVS/cython_cache"
if [[ ! -f "$CACHE/.warm" ]]; then
    echo "envs.sh: compiling Brian2's Cython code into $CACHE (first time only)"
    "$ENVS/brian2/bin/python" "$HERE/peers/brian2_bench.py" --target cython --io run --K 10 \
        --seconds 0.01 --warmup-chunks 1 --cache-dir "$CACHE" > /dev/null
    touch "$CACHE/.warm"
fi

{
    echo "# bench peer environments ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
    echo "host python: $("$PY" --version 2>&1)"
    for name in brian2 jaxpeers; do
        echo "## $name: $("$ENVS/$name/bin/python" --version 2>&1)"
        "$ENVS/$name/bin/python" -m pip list --format=freeze 2>/dev/null \
            | grep -i -E '^(brian2|cython|setuptools|numpy|scipy|sympy|jax|jaxlib|brainpy|brainevent|brainstate|brainunit|numba|llvmlite)==' || true
    done
    if [[ -x "$HERE/../.venv/bin/python" ]]; then
        echo "## spark_lab (.venv): $("$HERE/../.venv/bin/python" --version 2>&1)"
        "$HERE/../.venv/bin/python" -m pip list --format=freeze 2>/dev/null \
            | grep -i -E '^(spark[-_]lab|jax|jaxlib|numpy)==' || true
    fi
} > "$HERE/results/versions.txt"
cat "$HERE/results/versions.txt"
