# spark_lab developer entry points.
#   make install      create .venv, editable install, JupyterLab overrides
#   make lab          open the quickstart in JupyterLab (ARGS=--no-browser for headless)
#   make test-deps    test extras + Debian chromium for the browser tests
#   make test         ruff, make docs, unit tests (JOBS=2 workers), browser tests, every notebook under nbval
#   make docs         the documentation site -> build/docs/index.html (warnings are errors)
#   make bench        benchmarks (QUICK=1 for the short run)
#   make bench-gpu    the pure-JAX path on the accelerator JAX sees -> bench/GPU.md
#   make clean        build/test leftovers (distclean also removes .venv)

PY ?= python3
VENV = .venv
VPY = $(VENV)/bin/python
STAMP = $(VENV)/.installed
TEST_STAMP = $(VENV)/.test-deps
DOCS_STAMP = $(VENV)/.docs-deps
OVERRIDES = $(VENV)/share/jupyter/lab/settings/overrides.json
CHROMIUM = /usr/bin/chromium

# JupyterLab refuses to start as root without --allow-root.
ROOT_FLAG = $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install lab test-deps test docs bench bench-gpu clean distclean

install: $(STAMP)

$(VPY):
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml widgets/jupyterlab-overrides.json spark_lab/_native/spikeprop.cc | $(VPY)
	$(VPY) -m pip install --upgrade pip
	$(VPY) -m pip install -e '.[notebooks]'
	$(VPY) -m spark_lab._native.build
	mkdir -p $(dir $(OVERRIDES))
	cp widgets/jupyterlab-overrides.json $(OVERRIDES)
	touch $@

lab: install
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) notebooks/00_quickstart.ipynb $(ARGS)

test-deps: $(TEST_STAMP) $(CHROMIUM)

$(TEST_STAMP): $(STAMP)
	$(VPY) -m pip install -e '.[notebooks,formats,test]'
	touch $@

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; \
	elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	else echo "error: $(CHROMIUM) is missing; install Debian's chromium package as root" >&2; exit 1; fi; \
	$$SUDO apt-get update && $$SUDO apt-get install -y chromium

# Lint first (a ruff finding fails the target), then the unit tests on JOBS workers
# (pytest-xdist; they are independent), then without workers the browser tests (each
# xdist worker would start its own JupyterLab and chromium) and every notebook under
# nbval (the cells of a notebook share one kernel, so they must not be split across workers).
JOBS ?= 2
# The docs build runs first so that pytest's summary is the last thing `make test` prints.
test: install test-deps
	$(VENV)/bin/ruff check .
	$(MAKE) docs
	$(VPY) -m pytest -q -n $(JOBS) -m "not browser" tests
	$(VPY) -m pytest -q -m browser tests
	$(VPY) -m pytest -q notebooks --nbval-lax

# The site (Sphinx + MyST + myst-nb, docs/conf.py): user guide, API reference, gallery figures
# simulated at build time, notebooks from their stored outputs. -W: a warning (a broken
# reference, a public name without a docstring) fails the build; --keep-going lists them all.
docs: $(DOCS_STAMP)
	$(VENV)/bin/sphinx-build -W --keep-going -b html docs build/docs

$(DOCS_STAMP): $(STAMP)
	$(VPY) -m pip install -e '.[notebooks,docs]'
	touch $@

# Peer environments (Brian2; JAX + BrainPy + numba) under bench/.envs/, created once by
# bench/envs.sh; then spark_lab and the peers -> bench/RESULTS.md, bench/figure1.png.
bench: install
	bash bench/envs.sh
	$(VPY) bench/run.py $(if $(QUICK),--quick,)

# The pure-JAX path on whatever accelerator JAX sees (the CPU where none): 7-pool benchmark at
# K = 1 ... 1000 and the microcircuit -> bench/GPU.md, bench/results/gpu.json. A few minutes.
bench-gpu:
	$(VPY) bench/gpu.py

clean:
	rm -rf build dist *.egg-info tests/artifacts .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -prune -exec rm -rf {} +

# clean, and also remove the virtual environment (next `make install` rebuilds it).
distclean: clean
	rm -rf $(VENV)
