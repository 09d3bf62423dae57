"""What the Makefile installs: make run the runtime only, make test the dev extras and the
wheel check (read from `make -n -B`, which prints every command without running any)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def planned(target: str) -> list[str]:
    # Under make test this is a sub-make: drop the parent's flags (they add directory lines).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.splitlines()


def test_make_run_installs_the_runtime_without_extras() -> None:
    commands = planned("run")
    installs = [line for line in commands if "pip install" in line and "--upgrade pip" not in line]
    assert installs == [".venv/bin/python -m pip install -q -e ."]
    assert commands[-1].startswith(".venv/bin/mockserver --scenario ")


def test_make_test_installs_the_dev_extras_and_checks_the_wheel() -> None:
    commands = "\n".join(planned("test"))
    assert "pip install -q -e '.[dev]'" in commands
    assert ".venv/bin/python -m pytest" in commands
    assert "pip wheel -q --no-deps" in commands
    assert "-I tests/cli/wheel_smoke.py build/wheel/" in commands
