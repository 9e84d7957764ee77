# citystat developer commands. `make demo` and `make test` are the README's quick start.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

CONSTRAINTS := requirements/constraints.txt

.PHONY: demo test test-fast lint install install-test screenshots bench clean upgrade-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[test,spark,s3]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Build the demo city and serve it on http://127.0.0.1:8000
demo: install
	$(BIN)/citystat demo

lint: install-test
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy citystat
	$(BIN)/citystat makemigrations --check --dry-run

## Everything CI runs: lint, types, migrations, the whole suite on SQLite and,
## when CITYSTAT_TEST_POSTGRES_URL is set, again on PostgreSQL (that server is also the
## PostgreSQL warehouse of the engine tests) without the browser and the slow, large-size
## checks, which the SQLite pass has run; then the Spark warehouse tests, in one process
## so that one JVM serves them all.
test: lint
	$(BIN)/pytest -n auto -m "not spark" $(PYTEST_ARGS)
	@if [ -n "$$CITYSTAT_TEST_POSTGRES_URL" ]; then \
		echo "== the suite again on PostgreSQL =="; \
		DATABASE_URL="$$CITYSTAT_TEST_POSTGRES_URL" $(BIN)/pytest -n auto -m "not browser and not spark and not slow" $(PYTEST_ARGS); \
	else \
		echo "CITYSTAT_TEST_POSTGRES_URL is not set: skipped the PostgreSQL pass (CI runs it)."; \
	fi
	@if [ -n "$$CI" ] || command -v java >/dev/null; then \
		echo "== the warehouse suite on Spark in local mode, and DuckDB = PostgreSQL = Spark =="; \
		$(BIN)/pytest -p no:xdist -m spark $(PYTEST_ARGS); \
	else \
		echo "no Java: skipped the Spark pass (CI runs it; apt-get install default-jre-headless)."; \
	fi

## The quick loop: no browser, no slow checks.
test-fast: install-test
	$(BIN)/pytest -n auto -m "not browser and not slow and not spark" $(PYTEST_ARGS)

## Every benchmark in turn, into benchmarks/RESULTS.md (about 80 min at 10M rows; needs
## PostgreSQL, Java and wrk, or skips what needs them). BENCH_ARGS="--only pages" for one.
BENCH_ARGS ?=
bench: install-test
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

## Refresh the README's screenshots from a demo city.
screenshots: install-test
	CITYSTAT_SCREENSHOTS=1 $(BIN)/pytest tests/browser -m browser

## Refresh requirements/constraints.txt to the newest releases pyproject.toml's ranges
## allow, install them, and run everything CI runs. Run it on a schedule; commit the new
## constraints only when the suite passes.
upgrade-deps: | $(BIN)/python
	$(BIN)/pip install --quiet 'uv>=0.5,<1'
	$(BIN)/uv pip compile pyproject.toml --all-extras --upgrade --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header --quiet -o $(CONSTRAINTS).new
	{ sed -n '/^#/!q;p' $(CONSTRAINTS); cat $(CONSTRAINTS).new; } > $(CONSTRAINTS).tmp
	mv $(CONSTRAINTS).tmp $(CONSTRAINTS); rm -f $(CONSTRAINTS).new
	$(MAKE) test

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
