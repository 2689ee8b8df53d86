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
test: $(INSTALLED)
	bash .ci/ensure-chromium
	$(BIN)/pytest -q

lint: $(INSTALLED)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

bench: $(INSTALLED)
	@if $(BIN)/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('flowline.bench') is None)"; then \
		$(BIN)/python -m flowline.bench; \
	else \
		echo "no benchmark yet (flowline.bench)"; \
	fi

# Keeps .flowline/ (the dev data: database, Temporal history, outbox); delete it by hand to start over.
clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .coverage
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +
