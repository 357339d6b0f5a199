# Two commands on a fresh machine (only Python 3 and git needed):
#   make run    create .venv, install, open the app
#   make test   create .venv, install, run the whole suite headless
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean install

run: $(STAMP)
	$(PY) main.py

# One pytest-xdist worker per core (TEST_JOBS=0 runs in one process, e.g. to debug).
# worksteal: a worker that runs out takes tests queued on the other. With `load`, the tests
# queued behind a crash sweep waited for it while the other worker sat idle for minutes.
TEST_JOBS ?= auto

# Byte-compiled first: the suite starts hundreds of `main.py` processes, and where
# PYTHONDONTWRITEBYTECODE is set (as on CI machines) each would compile every module it
# imports again (0.12 s of CPU a process here).
test: $(STAMP)
	$(PY) -m compileall -q -j 0 core gui main.py >/dev/null
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n $(TEST_JOBS) --dist worksteal $(PYTEST_ARGS)

bench: $(STAMP)
	set -e; for script in bench/bench_*.py; do QT_QPA_PLATFORM=offscreen $(PY) $$script; done

install: $(STAMP)

$(STAMP): pyproject.toml
	@# A venv made without pip (Debian's python3 lacks ensurepip until python3-venv is installed)
	@# is rebuilt rather than reused, so installing that package and re-running make is enough.
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV) || { \
	  echo "Could not create $(VENV): install Python's venv module (Debian/Ubuntu: apt install python3-venv) and run make again." >&2; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
