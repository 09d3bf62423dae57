"""The built image (``make image-test``), exercised from this machine as a CI job would.

The server runs inside the image with ``buildah run --isolation chroot`` and the host's network
(no daemon; ``podman run`` needs rlimits this machine refuses), listening on 127.0.0.1 so
nothing beyond loopback is touched. Everything else comes from the image: its user, entrypoint,
environment and health check.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telnyx import AsyncTelnyx

from tests.conftest import Receiver

IMAGE = os.environ.get("MOCKSERVER_IMAGE", "")
BASE = os.environ.get("MOCKSERVER_IMAGE_BASE", "")  # what IMAGE was built on
REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 30.0  # seconds for any single wait on the container (a shared 2-core machine)
READY = re.compile(r"mockserver ready on (http://127\.0\.0\.1:(\d+))\n")
API_KEY = "KEY_IMAGE_TEST"
SCENARIO_NAME = "from_a_volume"


def buildah(*args: str, timeout: float = TIMEOUT) -> str:
    result = subprocess.run(
        ["buildah", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"buildah {shlex.join(args)}: {result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def image_config() -> dict[str, Any]:
    """The image's Docker config (the OCI format has no HEALTHCHECK; the image is Docker's)."""
    inspected = json.loads(buildah("inspect", "--type", "image", IMAGE))
    config: dict[str, Any] = inspected["Docker"]["config"]
    return config


@pytest.fixture(scope="module")
def container() -> Iterator[str]:
    name = buildah("from", "--pull-never", "--quiet", IMAGE).strip()
    try:
        yield name
    finally:
        buildah("rm", name)


def run_in(
    container: str, *command: str, env: dict[str, str] | None = None, volume: str = ""
) -> list[str]:
    """``buildah run`` words: COMMAND inside the container, on the host's network."""
    words = ["buildah", "run", "--isolation", "chroot", "--network", "host"]
    for key, value in (env or {}).items():
        words += ["--env", f"{key}={value}"]
    if volume:
        words += ["--volume", volume]
    return [*words, container, "--", *command]


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class Served:
    proc: subprocess.Popen[str]
    base_url: str
    port: int
    server_pid: int
    stderr: list[str]


@pytest.fixture(scope="module")
def served(
    container: str, image_config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The image's entrypoint with a scenario from a mounted directory, configured through the
    environment as a ``services:`` block does; only the manual clock is an argument."""
    scenarios = tmp_path_factory.mktemp("scenarios")
    bundled = (REPO / "scenarios" / "default.yaml").read_text(encoding="utf-8")
    (scenarios / "mine.yaml").write_text(
        bundled.replace("name: default", f"name: {SCENARIO_NAME}", 1), encoding="utf-8"
    )
    scenarios.chmod(0o755)
    command = run_in(
        container,
        *image_config["Entrypoint"],
        "--clock",
        "manual",
        env={
            "MOCKSERVER_HOST": "127.0.0.1",  # loopback only; the image's default is 0.0.0.0
            "MOCKSERVER_PORT": "0",
            "MOCKSERVER_SCENARIO": "/scenarios/mine.yaml",
            "MOCKSERVER_API_KEY": f"{API_KEY},KEY_OTHER",
        },
        volume=f"{scenarios}:/scenarios:ro",
    )
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stderr is not None
    stderr: list[str] = []
    threading.Thread(target=lambda: stderr.extend(proc.stderr or []), daemon=True).start()
    line: list[str] = []
    stdout = proc.stdout
    reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(TIMEOUT)
    try:
        assert line and line[0], f"no ready line within {TIMEOUT} s: {''.join(stderr)}"
        match = READY.fullmatch(line[0])
        assert match, f"unexpected first line {line[0]!r}; stderr: {''.join(stderr)}"
        # buildah-chroot-exec runs the image's python, which is the server
        servers = [
            pid
            for pid in descendants(proc.pid)
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"/opt/mockserver/bin/python")
        ]
        assert len(servers) == 1, servers
        yield Served(proc, match.group(1), int(match.group(2)), servers[0], stderr)
    finally:
        if proc.poll() is None:
            for pid in reversed(descendants(proc.pid)):  # orphans would outlive buildah
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            proc.kill()
            proc.wait(TIMEOUT)


def test_image_config_serves_on_8000_of_every_interface_as_a_non_root_user(
    image_config: dict[str, Any],
) -> None:
    env = dict(item.split("=", 1) for item in image_config["Env"])
    assert image_config["Entrypoint"] == ["mockserver"]
    assert image_config["User"] not in ("", "root", "0")
    assert env["MOCKSERVER_HOST"] == "0.0.0.0" and env["MOCKSERVER_PORT"] == "8000"
    assert env["MOCKSERVER_ALLOWED_HOST"] == "*"  # reached by service name or mapped port
    assert "8000/tcp" in image_config["ExposedPorts"]
    assert image_config["Healthcheck"]["Test"][0] == "CMD"


def test_image_holds_the_runtime_only(container: str) -> None:
    probe = (
        "import importlib.util as u; "
        "print([m for m in ('pip', 'setuptools', 'pytest', 'mypy', 'telnyx', 'schemathesis')"
        " if u.find_spec(m)])"
    )
    found = subprocess.run(
        run_in(container, "python3", "-c", probe), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert found.stdout.strip() == "[]", found.stderr
    tools = "for t in gcc cc make curl git pip; do command -v $t || true; done"
    found = subprocess.run(
        run_in(container, "sh", "-c", tools), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert found.stdout == "", found.stderr


def image_megabytes(name: str) -> float:
    out = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Size}}", name],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    ).stdout
    return int(out) / 1e6


def test_readme_states_what_mockserver_adds_to_the_base() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"(\d+) MB of mockserver and its runtime dependencies", readme)
    assert stated, "README's container section states the size"
    added = image_megabytes(IMAGE) - image_megabytes(BASE)
    assert abs(added - int(stated.group(1))) <= 5, f"the image adds {added:.0f} MB to {BASE}"


def test_server_process_runs_as_the_non_root_user(served: Served) -> None:
    status = Path(f"/proc/{served.server_pid}/status").read_text()
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    assert uids[0] != "0" and set(uids) == {uids[0]}, status


async def test_health_route_and_the_image_health_check(
    served: Served, container: str, image_config: dict[str, Any]
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{served.base_url}/_mock/health") as response,
    ):
        assert response.status == 200
        health = await response.json()
    assert health["status"] == "ok" and health["clock"] == "manual"
    assert health["scenario"] == SCENARIO_NAME  # the YAML from the mounted directory

    # Reached by a service name from another container's app: any Host and Origin will do.
    headers = {"Host": "mockserver:8000", "Origin": "http://app:5000"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{served.base_url}/_mock/health", headers=headers) as response,
    ):
        assert response.status == 200, await response.text()

    # The HEALTHCHECK's own command, in the image, against the running server.
    check = image_config["Healthcheck"]["Test"][1:]
    ok = subprocess.run(
        run_in(container, *check, env={"MOCKSERVER_PORT": str(served.port)}),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    closed = subprocess.run(
        run_in(container, *check, env={"MOCKSERVER_PORT": str(unused_port(served.port))}),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert closed.returncode != 0  # it does fail when nothing answers


def unused_port(avoid: int) -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    assert port != avoid
    return port


async def test_recording_is_signed_and_downloadable_from_the_host(
    served: Served, receiver: Receiver
) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:

        async def advance(seconds: float) -> None:
            url = f"{served.base_url}/_mock/clock/advance"
            async with session.post(url, json={"seconds": seconds}) as response:
                assert response.status == 200, await response.text()

        async with session.get(f"{served.base_url}/_mock/webhook-key") as response:
            public_key = (await response.json())["public_key"]

        client = AsyncTelnyx(
            api_key=API_KEY, base_url=f"{served.base_url}/v2", max_retries=0, timeout=TIMEOUT
        )
        try:
            call = await client.calls.dial(
                connection_id="1",
                to="+13125550100",
                from_="+13125550111",
                webhook_url=receiver.url,
            )
            ccid = call.data.call_control_id
            assert ccid
            await advance(2)  # answered
            await client.calls.actions.start_recording(ccid, format="wav", channels="single")
            await advance(5)
            await client.calls.actions.hangup(ccid)
            await advance(2)  # the scenario saves the recording 1 s after it stops

            saved = receiver.events("call.recording.saved", ccid)
            assert len(saved) == 1, receiver.types()
            event = client.webhooks.unwrap(
                saved[0].raw.decode("utf-8"), headers=saved[0].headers, key=public_key
            )
            wav_url = event.data.payload.recording_urls.wav
        finally:
            await client.close()

        assert wav_url and wav_url.startswith(served.base_url)
        async with session.get(wav_url) as response:
            assert response.status == 200
            audio = await response.read()
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
    assert len(audio) > 44 + 8000 * 4  # the header and about 5 s of 8 kHz audio


def test_sigterm_stops_the_server_cleanly(served: Served) -> None:
    os.kill(served.server_pid, signal.SIGTERM)
    code = served.proc.wait(TIMEOUT)
    time.sleep(0)  # let the stderr reader thread finish its last line
    assert code == 0, "".join(served.stderr)
    assert "Traceback" not in "".join(served.stderr)
