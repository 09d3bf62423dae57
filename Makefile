# Every target creates .venv on first use, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Installed with the dev extras (make test, check, bench, fuzz) / the runtime only (make run).
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.runtime
SCENARIO ?= default
PORT ?= 8000

.PHONY: run test check lint typecheck unit wheel-test bench fuzz clean browser-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Starting the server needs no test tools: no extras (a .venv made by make test has them anyway).
$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $(RUNTIME_STAMP)

run: $(RUNTIME_STAMP)
	$(BIN)/mockserver --scenario $(SCENARIO) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check mockserver pytest_telnyx_mock.py tests benchmarks docs/tools/trim_spec.py
	$(BIN)/ruff format --check mockserver pytest_telnyx_mock.py tests benchmarks docs/tools/trim_spec.py

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck

unit: $(STAMP)
	$(BIN)/python -m pytest -q

# The dashboard's browser test drives Debian's Chromium through playwright (a dev extra; its pip
# package brings no browser, and `playwright install` is never run). As root with apt-get (CI),
# a missing Chromium is installed and a failed install fails the build; otherwise the test skips.
CHROMIUM ?= /usr/bin/chromium

browser-deps: $(STAMP)
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "browser-deps: installing Debian's chromium for the dashboard's browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "browser-deps: $(CHROMIUM) is missing and installing it needs root and apt-get;" \
			"the dashboard's browser test will be skipped"; \
	fi

# What a user gets: the wheel, installed without extras into a venv of its own, run from a
# temporary directory that is not the checkout (tests/cli/wheel_smoke.py says what it checks).
# The venv is kept between runs while pyproject.toml (the dependencies) stays the same; the
# wheel itself is reinstalled every time.
WHEEL_DIR := build/wheel
WHEEL_VENV := build/wheel-venv

wheel-test: $(STAMP)
	rm -rf $(WHEEL_DIR)
	$(BIN)/python -m pip wheel -q --no-deps --no-build-isolation -w $(WHEEL_DIR) .
	@key="$$(cat pyproject.toml | sha256sum | cut -c1-16) $$($(PYTHON) -V)"; \
	if [ "$$(cat $(WHEEL_VENV)/.key 2>/dev/null)" != "$$key" ]; then \
		echo "wheel-test: new venv $(WHEEL_VENV) (no dev extras; pytest for the plugin check)"; \
		rm -rf $(WHEEL_VENV) && $(PYTHON) -m venv $(WHEEL_VENV) && \
		$(WHEEL_VENV)/bin/python -m pip install -q --upgrade pip && \
		$(WHEEL_VENV)/bin/python -m pip install -q $(WHEEL_DIR)/*.whl pytest && \
		echo "$$key" > $(WHEEL_VENV)/.key; \
	fi
	$(WHEEL_VENV)/bin/python -m pip install -q --no-deps --force-reinstall $(WHEEL_DIR)/*.whl
	$(WHEEL_VENV)/bin/python -m pip check
	$(WHEEL_VENV)/bin/python -I tests/cli/wheel_smoke.py $(WHEEL_DIR)/*.whl

test: browser-deps check unit wheel-test

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# The fuzz test of make test, longer: more examples per operation and schemathesis' coverage
# phase (boundary values). FUZZ_EXAMPLES=1000 make fuzz digs deeper.
FUZZ_EXAMPLES ?= 200
fuzz: $(STAMP)
	MOCKSERVER_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) MOCKSERVER_FUZZ_COVERAGE=1 \
		$(BIN)/python -m pytest -q -p no:cacheprovider tests/spec/test_fuzz_openapi.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache *.egg-info
