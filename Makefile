# Everything runs inside .venv, created from pyproject.toml and constraints.txt.
# `make demo` is the main job; `make test` runs the linters, then the test suite.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup system-packages test-packages demo compare-update-rules lint test test-fast bench bench-scale dist clean

# Student kernels run inside bubblewrap (prlimit and setpriv come with util-linux).
system-packages:
	@if ! command -v bwrap >/dev/null || ! command -v prlimit >/dev/null || ! command -v setpriv >/dev/null; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        apt-get update -qq && apt-get install -y -qq bubblewrap util-linux; \
	    else \
	        echo "Install bubblewrap and util-linux (e.g. sudo apt-get install bubblewrap util-linux)"; exit 1; \
	    fi; \
	fi

# The gradebook tests start a throw-away PostgreSQL server from the Debian package; the
# browser tests (tests/browser) drive JupyterLab in Debian's chromium through Playwright.
test-packages: system-packages
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || ! command -v chromium >/dev/null; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        apt-get update -qq && apt-get install -y -qq postgresql chromium; \
	    else \
	        echo "Install PostgreSQL and chromium for the tests (e.g. sudo apt-get install postgresql chromium)"; exit 1; \
	    fi; \
	fi

# The install builds the JupyterLab extension (labextension/ -> autograder/labextension) with
# Node.js and packages from the npm registry (pyproject.toml's jupyter-builder hook), so it runs
# again when the extension's sources change.
FRONTEND := labextension/package.json labextension/yarn.lock $(wildcard labextension/src/*.ts labextension/style/*)

$(VENV)/.installed: pyproject.toml constraints.txt $(FRONTEND)
	@command -v node >/dev/null || { echo "Install Node.js to build the JupyterLab extension (e.g. apt-get install nodejs)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# Plain nbgrader (generate_assignment, autograde) needs the files generated beside the
# source notebooks (nnsupport/, public_checks.json), which are not committed there.
setup: system-packages $(VENV)/.installed
	$(VENV)/bin/autograder sync --generated-only

demo: setup
	$(PY) -m autograder demo

compare-update-rules: setup
	$(PY) -m course.compare_update_rules

# Lint (ruff: pycodestyle, pyflakes, bugbear, import order, pyupgrade) and types (mypy);
# configured in pyproject.toml. A few seconds: `make test` runs it first.
lint: setup
	$(VENV)/bin/ruff check autograder tests benchmarks
	$(VENV)/bin/ruff format --check autograder tests benchmarks
	$(VENV)/bin/mypy autograder

# Two pytest workers on two cores: keep each one's numeric libraries single-threaded. The 30
# slowest tests are listed at the end: where CI's time goes.
test: setup test-packages lint
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n 2 -q --durations=30

# The tests that run no notebook, cluster or release (those are marked slow).
test-fast: setup
	$(PY) -m pytest -q -m "not slow"

bench: setup
	$(PY) benchmarks/train_step.py

# The writer and rescoring at class scale (2,000 submissions, no kernel), on SQLite and PostgreSQL.
bench-scale: setup test-packages
	OMP_NUM_THREADS=1 $(PY) benchmarks/scale.py
	OMP_NUM_THREADS=1 $(PY) benchmarks/scale.py --postgres

# The sdist and the wheel to install everywhere but here (README: Installing), built by the
# pinned build backend in isolated build environments.
dist: setup
	rm -rf outputs/dist
	$(PY) -m build --outdir outputs/dist .

clean:
	rm -rf $(VENV) outputs
