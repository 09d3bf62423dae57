# Every target creates .venv on first use, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= default
PORT ?= 8000

.PHONY: run test check lint typecheck unit bench fuzz clean browser-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m mockserver --scenario $(SCENARIO) --port $(PORT)

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

test: browser-deps check unit

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# The fuzz test of make test, longer: more examples per operation and schemathesis' coverage
# phase (boundary values). FUZZ_EXAMPLES=1000 make fuzz digs deeper.
FUZZ_EXAMPLES ?= 200
fuzz: $(STAMP)
	MOCKSERVER_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) MOCKSERVER_FUZZ_COVERAGE=1 \
		$(BIN)/python -m pytest -q -p no:cacheprovider tests/spec/test_fuzz_openapi.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
