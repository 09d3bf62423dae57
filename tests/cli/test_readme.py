"""README.md works as written: its code blocks run against a live mock and print what they show.

The curl walk-through runs verbatim on a manual clock (a ``sleep`` on PATH advances it, so no
test waits on the wall clock); the SDK snippet runs with its own webhook receiver; the pytest
example runs under pytester; the CI script is checked in ``test_ci_recipe.py``. Every other
block is listed in ``NOT_RUN`` with the reason.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.cli.readme_blocks import (
    README,
    ROOT,
    block,
    blocks,
    instrumented,
    output_matches,
    split_outputs,
    steps,
)
from tests.conftest import Harness

README_URL = "http://127.0.0.1:8000"
TIMEOUT = 60

# Blocks no test runs, and why (a new block must be run or added here).
NOT_RUN = {
    ("", ""): "the route summary at the top, not a program",
    ("Install", "sh"): "pip install from PyPI/a clone: make wheel-test installs the wheel",
    ("How it is built", ""): "a diagram of the layers",
    ("Run it as a container", "sh"): "needs docker or podman, which the test machine lacks",
    ("Run it as a container", "yaml"): "docker compose / GitHub Actions service: needs docker",
    ("Run it", "sh"): "make run/test themselves: make test is what runs this suite",
    ("Run it", ""): "sample terminal output",
    ("Verify webhook signatures in the app under test", "python"): "a line of the app's handler",
    ("Verify webhook signatures in the app under test", "sh"): "checked by test_ci_recipe.py"
    " (TELNYX_PUBLIC_KEY) and test_readme_key_and_signing_commands",
    ("Control API (`/_mock/`)", "sh"): "--control-token is covered by tests/web/test_hostile.py",
    ("Wait for a webhook in a test (no sleeping)", "python"): "a fragment (client, ccid);"
    " the same sequence runs in tests/cli/test_ci_recipe.py",
    ("Scenarios", "yaml"): "scenario examples are validated by tests/scenarios",
    ("Use it from a CI job", "yaml"): "a GitHub Actions job: runs only on GitHub",
    ("Benchmarks, fuzzing, hostile input and faults", "sh"): "make bench/fuzz: minutes long",
}
RUN = {
    ("Use it with curl", "sh"),
    ("Point the official Telnyx SDK at it", "python"),
    ("Point the official Telnyx SDK at it", "text"),  # what the SDK snippet prints
    ("Use it from a CI job", "sh"),
    ("Use it from pytest", "python"),  # in tests/cli/test_pytest_plugin.py's pytester run
}


def test_every_readme_block_is_run_or_says_why_not() -> None:
    kinds = {(b.heading, b.language) for b in blocks()}
    unaccounted = kinds - RUN - set(NOT_RUN)
    assert not unaccounted, (
        f"run these README blocks in a test, or list them in NOT_RUN: {unaccounted}"
    )


def test_readme_runs_commands_that_work_from_a_fresh_shell() -> None:
    """No bare `python` (absent on many systems, or not the one with mockserver installed)."""
    for b in blocks():
        if b.language in ("sh", ""):
            assert not re.search(r"(^|[\s(|])python (-m|-c)", b.text, re.M), b.text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveMock:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "--port", "0", "--quiet", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.startswith("mockserver ready on "), (line, self.proc.stderr)
        self.url = line.removeprefix("mockserver ready on ").strip()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.communicate(timeout=TIMEOUT)


@pytest.fixture
def manual_mock() -> Iterator[LiveMock]:
    mock = LiveMock("--clock", "manual")
    yield mock
    mock.stop()


def sleep_advances_the_clock(bin_dir: Path, mock_url: str) -> None:
    """A `sleep N` that moves the mock's manual clock by N seconds instead of waiting."""
    shim = bin_dir / "sleep"
    shim.write_text(
        "#!/bin/sh\n"
        f"curl -fsS -X POST {mock_url}/_mock/clock/advance -H 'Content-Type: application/json'"
        ' -d "{\\"seconds\\": $1}" >/dev/null\n',
        encoding="utf-8",
    )
    shim.chmod(0o755)


def run_shell_block(text: str, mock: LiveMock, tmp_path: Path) -> list[tuple[str, str | None, str]]:
    """Run a README shell block against ``mock``: (command, shown output, actual output)."""
    script_steps = steps(text.replace(README_URL, mock.url))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sleep_advances_the_clock(bin_dir, mock.url)
    env = {
        **os.environ,
        "PATH": os.pathsep.join(
            [str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]]
        ),
    }
    result = subprocess.run(
        ["bash", "-c", instrumented(script_steps)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outputs = split_outputs(result.stdout, len(script_steps))
    return [(s.command, s.shown, out) for s, out in zip(script_steps, outputs, strict=True)]


def test_curl_walk_through_prints_what_the_readme_shows(
    manual_mock: LiveMock, tmp_path: Path
) -> None:
    ran = run_shell_block(block("Use it with curl", "sh").text, manual_mock, tmp_path)
    shown = [(command, expected, actual) for command, expected, actual in ran if expected]
    assert len(shown) >= 5
    for command, expected, actual in shown:
        expected = expected.replace(README_URL, manual_mock.url)
        assert output_matches(expected, actual), f"{command}\nREADME: {expected}\nprinted: {actual}"


def test_sdk_snippet_waits_for_answered_and_prints_what_the_readme_shows(tmp_path: Path) -> None:
    """Against a scaled real clock (1 s of the scenario = 10 ms), as `make run` but faster:
    the snippet's own webhook endpoint hears call.answered before it starts recording."""
    mock = LiveMock("--time-scale", "0.01")
    try:
        port = str(free_port())
        snippet = block("Point the official Telnyx SDK at it", "python").text
        snippet = snippet.replace(README_URL, mock.url).replace("5000", port)
        (tmp_path / "app.py").write_text(snippet, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "app.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    finally:
        mock.stop()
    assert result.returncode == 0, result.stderr
    shown = block("Point the official Telnyx SDK at it", "text").text.replace(README_URL, mock.url)
    printed = result.stdout.strip().splitlines()
    expected = shown.strip().splitlines()
    assert len(printed) == len(expected), result.stdout
    for want, got in zip(expected, printed, strict=True):
        assert output_matches(want, got), (want, got)


def _routes_of(app: web.Application) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, sub-applications' too (their paths carry the prefix)."""
    for resource in app.router.resources():
        sub_app = getattr(resource, "_app", None)
        if isinstance(sub_app, web.Application):
            yield from _routes_of(sub_app)
            continue
        for route in resource:
            if route.method != "HEAD":
                yield route.method, resource.canonical


def test_control_api_table_lists_every_route(harness: Harness) -> None:
    readme = README.read_text(encoding="utf-8")
    table = readme[readme.index("## Control API") : readme.index("## Watch it in a browser")]
    listed = {
        re.sub(r"\{[^}]*\}", "{}", route).split("?")[0]
        for route in re.findall(r"^\| `([A-Z]+ /[^`]+)`", table, re.M)
    }
    routes = {
        f"{method} {re.sub(r'{[^}]*}', '{}', path)}"
        for method, path in _routes_of(harness.client.app)
        if path.startswith("/_mock/") and not path.startswith("/_mock/ui/")
    }
    assert routes - listed == set()


def test_readme_pictures_exist() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README.read_text(encoding="utf-8"))
    assert pictures, "the README shows the dashboard"
    for picture in pictures:
        assert (ROOT / picture).is_file(), picture
