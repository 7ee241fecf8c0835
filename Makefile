# spark_lab developer entry points.
#   make install      create .venv, editable install, JupyterLab overrides
#   make lab          JupyterLab on the repository, opened on the quickstart (ARGS=--no-browser for headless)
#   make app          the combined lab of a model as a page with no code (MODEL=balanced_ei; Voila)
#   make test-deps    test extras + Debian chromium for the browser tests
#   make test         ruff, make docs, unit tests (JOBS=2 workers), browser tests, notebooks + course under nbval
#   make course       the course's student edition -> build/course/student/ (tools/make_course.py)
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

.PHONY: install lab app test-deps test course docs bench bench-gpu clean distclean

install: $(STAMP)

$(VPY):
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml widgets/jupyterlab-overrides.json $(wildcard spark_lab/_native/*.cc spark_lab/_native/*.h) | $(VPY)
	$(VPY) -m pip install --upgrade pip
	$(VPY) -m pip install -e '.[notebooks]'
	$(VPY) -m spark_lab._native.build
	mkdir -p $(dir $(OVERRIDES))
	cp widgets/jupyterlab-overrides.json $(OVERRIDES)
	touch $@

# spark-lab lab: the server's root is this folder (README, docs, notebooks in the file browser)
# and notebooks/00_quickstart.ipynb is what opens; it adds --allow-root when run as root.
lab: install
	$(VENV)/bin/spark-lab lab $(ARGS)

# App mode (spark_lab/_serve.py): MODEL is a model file or a shipped example's name.
MODEL ?= balanced_ei
app: install
	$(VENV)/bin/spark-lab app $(MODEL) $(ARGS)

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
# xdist worker would start its own JupyterLab and chromium), and last every notebook under
# nbval with the student edition of the course (notebooks/course/ is the instructor edition),
# a notebook per worker (--dist loadfile: the cells of a notebook share one kernel).
JOBS ?= 2
# The docs build runs first so that pytest's summary is the last thing `make test` prints.
test: install test-deps
	$(VENV)/bin/ruff check .
	$(MAKE) docs
	$(VPY) -m pytest -q -n $(JOBS) -m "not browser" --durations=15 tests
	$(VPY) -m pytest -q -m browser tests
	$(MAKE) course
	$(VPY) -m pytest -q -n $(JOBS) --dist loadfile notebooks build/course/student --nbval-lax

# The course (notebooks/course/, instructor edition with solutions) -> its student edition:
# solution cells stubbed, exercise and check cells tagged raises-exception, outputs cleared.
course:
	$(VPY) tools/make_course.py notebooks/course build/course/student

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
