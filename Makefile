# Every target creates .venv on first use, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= default
PORT ?= 8000

.PHONY: run test check lint typecheck unit bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m mockserver --scenario $(SCENARIO) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check mockserver tests benchmarks
	$(BIN)/ruff format --check mockserver tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck

unit: $(STAMP)
	$(BIN)/python -m pytest -q

test: check unit

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
