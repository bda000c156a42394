# The two commands a fresh clone needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the package metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/routingkit demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The report tests render the HTML reports in headless Chromium (Debian's package chromium).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Debian's chromium for the report tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "the report tests need Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

unit: $(STAMP) browser
	$(BIN)/python -m pytest

test: lint typecheck unit

# Benchmarks run in their own environment so that peers (pyworkforce) never enter the project's.
BENCH_VENV := benchmarks/.venv
$(BENCH_VENV)/.installed: pyproject.toml benchmarks/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[dask]' -r benchmarks/requirements.txt
	touch $@

bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python benchmarks/bench_capacity.py
	$(BENCH_VENV)/bin/python benchmarks/bench_sandbox.py
	$(BENCH_VENV)/bin/python benchmarks/bench_client.py
	$(BENCH_VENV)/bin/python benchmarks/bench_workload.py
	$(BENCH_VENV)/bin/python benchmarks/bench_simulation.py
	$(BENCH_VENV)/bin/python benchmarks/bench_policy.py
	$(BENCH_VENV)/bin/python benchmarks/bench_sandbox_load.py
	$(BENCH_VENV)/bin/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
