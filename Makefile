PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when pyproject.toml changed since the last install.
INSTALLED := $(VENV)/.installed

.PHONY: install dev test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	touch $@

install: $(INSTALLED)

dev: $(INSTALLED)
	$(BIN)/flowline dev

# The browser tests need Debian's chromium; it is installed (apt-get) only when missing.
# One pytest worker process per core, at most 4 (each runs its own Temporal dev server and, with
# PostgreSQL, a database of its own): most tests wait on other processes, not on the CPU.
PYTEST_WORKERS ?= --numprocesses=auto --maxprocesses=4
test: $(INSTALLED)
	bash .ci/ensure-chromium
	$(BIN)/pytest -q $(PYTEST_WORKERS)

lint: $(INSTALLED)
	$(BIN)/ruff check src tests bench testkit
	$(BIN)/ruff format --check src tests bench testkit
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

# The benchmark lives beside src/ and tests/ (not installed): run from the repository root.
bench: $(INSTALLED)
	@$(BIN)/python -m bench $(ARGS)

# Keeps .flowline/ (the dev data: database, Temporal history, outbox); delete it by hand to start over.
clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .coverage
	find src tests bench testkit -name __pycache__ -type d -prune -exec rm -rf {} +
