# Accord — the two commands: `make run` (set up and serve the demo) and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
DEVSTAMP:= $(VENV)/.installed-dev

.PHONY: run test test-sqlite test-postgres lint format setup setup-dev assets bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml requirements/base.lock | $(BIN)/python
	$(BIN)/pip install -q -r requirements/base.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(DEVSTAMP): pyproject.toml requirements/dev.lock | $(BIN)/python
	$(BIN)/pip install -q -r requirements/dev.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@ $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json

setup: $(STAMP) assets
setup-dev: $(DEVSTAMP) assets

run: setup
	$(BIN)/accord run

# Two workers each; worksteal: a worker that runs out takes queued tests from the other (the
# long leak walks otherwise pile up on one worker at the end).
# The whole suite on the embedded default (SQLite), then again on PostgreSQL + Redis when
# they answer on this machine (CI always has them; see .ci/run).
test: setup-dev
	$(BIN)/python -m pytest -q -n 2 --dist worksteal -m "not e2e and not scale" --durations=15 tests
	$(BIN)/python -m pytest -q -n 2 --dist worksteal -m "e2e" --durations=10 tests
	@if $(BIN)/python -m accord.probe postgres redis; then $(MAKE) --no-print-directory test-postgres; \
	 else echo "PostgreSQL/Redis not reachable: production-path tests skipped (CI runs them)"; fi

test-postgres: setup-dev
	ACCORD_DATABASE_URL=$${ACCORD_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	ACCORD_REDIS_URL=$${ACCORD_TEST_REDIS_URL:-redis://127.0.0.1:6379/0} \
	  $(BIN)/python -m pytest -q -n 2 --dist worksteal -m "not e2e and not suite" --durations=15 --ignore=tests/analysis tests

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup-dev
	$(BIN)/python bench/bench_ledger.py
	$(BIN)/python bench/bench_analysis.py
	$(BIN)/python bench/bench_alignment.py
	$(BIN)/python bench/bench_library.py
	$(BIN)/python bench/bench_verification.py

clean:
	rm -rf $(VENV) node_modules var
