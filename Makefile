# Every target creates .venv on first use, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Installed with the dev extras (make test, check, bench, fuzz) / the runtime only (make run).
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.runtime
SCENARIO ?= default
PORT ?= 8000

.PHONY: run test check lint typecheck unit wheel-test bench fuzz clean browser-deps \
	image image-base image-test image-deps image-test-if-tools

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
	$(BIN)/ruff check mockserver tests benchmarks docs/tools/trim_spec.py
	$(BIN)/ruff format --check mockserver tests benchmarks docs/tools/trim_spec.py

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

test: browser-deps check unit wheel-test image-test-if-tools

# -- container image (Containerfile) -----------------------------------------------------------
# make image: build it with buildah on IMAGE_BASE (default python:3.11-slim, pulled from a
# registry) and print its size. The wheel is built from this checkout inside the build; its
# runtime dependencies come from .cache/wheelhouse, filled here by pip, so the build itself needs
# no network.
IMAGE ?= localhost/telnyx-mockserver:latest
IMAGE_BASE ?= python:3.11-slim
WHEELHOUSE := .cache/wheelhouse
BUILDAH_ISOLATION ?= chroot

$(WHEELHOUSE)/.complete: pyproject.toml | $(STAMP)
	rm -rf $(WHEELHOUSE)
	$(BIN)/pip download -q --disable-pip-version-check --dest $(WHEELHOUSE) \
		'.[fast]' 'setuptools>=68' wheel
	rm -f $(WHEELHOUSE)/telnyx_mockserver-*
	touch $@

image: $(WHEELHOUSE)/.complete
	buildah bud --quiet --format docker --isolation $(BUILDAH_ISOLATION) \
		--build-arg BASE=$(IMAGE_BASE) -f Containerfile -t $(IMAGE) . >/dev/null
	@size=$$(podman image inspect --format '{{.Size}}' $(IMAGE)); \
	base=$$(podman image inspect --format '{{.Size}}' $(IMAGE_BASE)); \
	echo "image $(IMAGE): $$((size / 1000000)) MB, of which $$(((size - base) / 1000000)) MB" \
		"mockserver and its dependencies on top of $(IMAGE_BASE)"

# make image-test: the image built on a local Debian base (no registry needed) and exercised
# from this machine (tests/container). The base is made once with debootstrap and kept in
# podman's storage; later runs only rebuild the image. Measured on a shared 2-core machine
# (load ~9): from a fresh clone 6 min 48 s (the .venv ~2 min, debootstrap ~3 min, the image
# ~1 min, the tests 15 s); warm 1 min 15 s. Needs root with buildah, podman and debootstrap;
# `podman run` is not needed (`buildah run --isolation chroot` with the host's network runs
# the server).
DEBIAN_MIRROR ?= http://deb.debian.org/debian
IMAGE_CACHE ?= $(HOME)/.cache/telnyx-mockserver
LOCAL_BASE := localhost/telnyx-mockserver-base:bookworm-1
# One test image per checkout, so two checkouts testing at once do not remove each other's.
IMAGE_TEST ?= localhost/telnyx-mockserver-test:$(shell pwd | cksum | cut -d' ' -f1)

image-base:
	@mkdir -p $(IMAGE_CACHE)
	@flock $(IMAGE_CACHE)/base.lock sh -euc '\
		podman image exists $(LOCAL_BASE) && exit 0; \
		echo "image-base: making $(LOCAL_BASE) with debootstrap (once; ~2 min)"; \
		root=$(IMAGE_CACHE)/rootfs; rm -rf "$$root"; \
		debootstrap --variant=minbase --include=python3,python3-venv bookworm "$$root" \
			$(DEBIAN_MIRROR) >$(IMAGE_CACHE)/debootstrap.log 2>&1 \
			|| { tail -20 $(IMAGE_CACHE)/debootstrap.log; exit 1; }; \
		rm -rf "$$root"/var/cache/apt/* "$$root"/var/lib/apt/lists/* "$$root"/usr/share/doc \
			"$$root"/usr/share/man "$$root"/usr/share/locale; \
		tar -C "$$root" -c . | podman import --quiet - $(LOCAL_BASE) >/dev/null; \
		rm -rf "$$root"'

image-test: image-base $(STAMP)
	@buildah rmi -f $(IMAGE_TEST) >/dev/null 2>&1 || true
	$(MAKE) --no-print-directory image IMAGE=$(IMAGE_TEST) IMAGE_BASE=$(LOCAL_BASE)
	MOCKSERVER_IMAGE=$(IMAGE_TEST) MOCKSERVER_IMAGE_BASE=$(LOCAL_BASE) \
		$(BIN)/python -m pytest -q -p no:cacheprovider tests/container

# As root with apt-get (CI) missing tools are installed and a failed install fails the build;
# otherwise make test says that it skips the image test.
IMAGE_TOOLS := buildah podman debootstrap
image-deps:
	@missing=$$(for t in $(IMAGE_TOOLS); do command -v $$t >/dev/null 2>&1 || echo $$t; done); \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "image-deps: installing Debian's" $$missing "for the container image test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

image-test-if-tools: image-deps
	@if [ "$$(id -u)" = 0 ] && command -v buildah >/dev/null 2>&1 \
		&& command -v podman >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory image-test; \
	else \
		echo "make test: SKIPPED the container image test (make image-test): it needs root" \
			"with buildah, podman and debootstrap"; \
	fi

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
