# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Serving installs Boxoffice alone; testing and linting add the dev tools. A stamp each, so that `make test` after
# `make run` adds what testing needs, and `make run` never installs a test tool.
VENV_STAMP := $(VENV)/.created-stamp
RUN_STAMP  := $(VENV)/.installed-stamp
DEV_STAMP  := $(VENV)/.installed-dev-stamp
# Where `make run` listens: `make run PORT=8123 HOST=0.0.0.0`.
HOST := 127.0.0.1
PORT := 8000

.PHONY: install install-dev run test lint format bench clean

$(VENV_STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	touch $(VENV_STAMP)

$(RUN_STAMP): pyproject.toml $(VENV_STAMP)
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml $(VENV_STAMP)
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(DEV_STAMP)

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

## Migrate the embedded SQLite database, seed the demo merchant, and serve on http://$(HOST):$(PORT)
run: install
	$(BIN)/boxoffice migrate
	$(BIN)/boxoffice demo --port $(PORT)
	$(BIN)/boxoffice serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Test files run side by side, one process per core by default; a file's tests stay in one process, in order,
# since some share a server or a fixture across the file. `make test TEST_PROCESSES=0` runs them in this one. The
# slowest tests are listed at the end, to keep the whole run within its time.
TEST_PROCESSES := auto

## Lint, then the whole suite on SQLite and PostgreSQL, SDK compat tests included
test: lint
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile --durations=25

bench: install-dev
	$(BIN)/python bench/auth.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
