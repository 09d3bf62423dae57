"""The real ``python -m mockserver`` process: start-up line, scenarios, errors, signals.

Every process runs with a bounded timeout and is killed in a ``finally`` (the ``launch``
fixture), so a hung server fails a test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib.metadata
import json
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from nacl.signing import SigningKey

from mockserver import __version__
from mockserver.cli import _load_signer as load_signer
from mockserver.cli import build_parser, parse_args
from mockserver.spec.scenario_files import ScenarioError, load_scenario
from mockserver.spec.validation import SchemaRegistry

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0  # seconds: a hang guard for any single wait on a child process (a loaded
# 2-core machine took 6 s just to import the SDK)
READY = re.compile(r"mockserver ready on (http://(127\.0\.0\.1|\[::1\]):(\d+))\n")


@dataclass
class Running:
    """A server process that printed its ready line."""

    proc: asyncio.subprocess.Process
    base_url: str

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session,
            session.get(self.base_url + path, headers=headers) as response,
        ):
            return response.status, await response.json()

    async def post(
        self, path: str, body: Any, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session,
            session.post(self.base_url + path, json=body, headers=headers) as response,
        ):
            return response.status, await response.json()

    async def stop(self, signum: signal.Signals) -> tuple[int, str, str]:
        """Send ``signum``; return (exit code, rest of stdout, stderr)."""
        self.proc.send_signal(signum)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        out, err = await asyncio.wait_for(
            asyncio.gather(self.proc.stdout.read(), self.proc.stderr.read()), TIMEOUT
        )
        code = await asyncio.wait_for(self.proc.wait(), TIMEOUT)
        return code, out.decode(), err.decode()


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str


class Launcher:
    def __init__(self) -> None:
        self.procs: list[asyncio.subprocess.Process] = []
        self.env: dict[str, str] = {}  # on top of this process's environment

    async def spawn(self, *args: str) -> asyncio.subprocess.Process:
        # The caller's own MOCKSERVER_* options would change what every test here starts.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSERVER_")}
        env = {**inherited, "PYTHONUNBUFFERED": "1", **self.env}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "mockserver",
            *args,
            cwd=REPO,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self.procs.append(proc)
        return proc

    async def start(self, *args: str) -> Running:
        """Start a server on a free port and wait for its one ready line."""
        proc = await self.spawn("--port", "0", *args)
        assert proc.stdout is not None and proc.stderr is not None
        line = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
        if not line:
            err = await asyncio.wait_for(proc.stderr.read(), TIMEOUT)
            pytest.fail(f"server exited before it was ready: {err.decode()!r}")
        match = READY.fullmatch(line.decode())
        assert match, f"unexpected first line: {line!r}"
        return Running(proc, match.group(1))

    async def run(self, *args: str) -> Finished:
        """Run a command that is expected to exit on its own."""
        proc = await self.spawn(*args)
        out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
        assert proc.returncode is not None
        return Finished(proc.returncode, out.decode(), err.decode())

    async def close(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), TIMEOUT)


@pytest.fixture
async def launch() -> AsyncIterator[Launcher]:
    launcher = Launcher()
    try:
        yield launcher
    finally:
        await launcher.close()


def assert_one_line_error(result: Finished, *, code: int | None = None) -> str:
    """Non-zero exit, nothing on stdout, one line on stderr, and no traceback."""
    if code is None:
        assert result.code != 0, result.stderr
    else:
        assert result.code == code, (result.code, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and result.stderr.endswith("\n"), result.stderr
    assert lines[0].startswith("mockserver: error: "), lines[0]
    return lines[0]


# -- start-up --------------------------------------------------------------------------------


async def test_port_0_prints_one_ready_line_and_serves_health(launch: Launcher) -> None:
    server = await launch.start()
    assert server.base_url.startswith("http://127.0.0.1:")
    port = int(server.base_url.rsplit(":", 1)[1])
    assert 0 < port < 65536
    status, body = await server.get("/_mock/health")
    assert status == 200
    assert body["status"] == "ok" and body["scenario"] == "default" and body["clock"] == "real"
    status, body = await server.post("/_mock/clock/advance", {"seconds": 5})
    assert status == 409 and "--clock manual" in body["errors"][0]["detail"]
    code, rest, err = await server.stop(signal.SIGTERM)
    assert code == 0
    assert rest == "", "only the ready line goes to stdout"
    assert "Traceback" not in err


@pytest.mark.parametrize("spec", ["dual_channel", "dual_channel.yaml", "PATH"])
async def test_scenario_by_name_file_name_or_path(
    launch: Launcher, tmp_path: Path, spec: str
) -> None:
    expected = "dual_channel"
    if spec == "PATH":
        path = tmp_path / "my_calls.yaml"
        path.write_text("description: temp\ncall:\n  answer_delay: 3\n", encoding="utf-8")
        spec, expected = str(path), "my_calls"  # no name: key, so the file stem
    server = await launch.start("--scenario", spec)
    status, body = await server.get("/_mock/health")
    assert status == 200 and body["scenario"] == expected


def test_scenario_name_key_wins_over_file_stem(tmp_path: Path, schemas: SchemaRegistry) -> None:
    path = tmp_path / "whatever.yaml"
    path.write_text("name: nightly\n", encoding="utf-8")
    assert load_scenario(str(path), schemas.schemas["scenario"]).name == "nightly"


async def test_list_scenarios(launch: Launcher) -> None:
    result = await launch.run("--list-scenarios")
    assert result.code == 0 and result.stderr == ""
    listed = dict(line.split(maxsplit=1) for line in result.stdout.splitlines())
    assert list(listed) == sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))
    assert listed["default"].startswith("Far end answers after 1 s")
    assert "recorded in stereo" in listed["dual_channel"]
    assert all(description.strip() for description in listed.values())


# -- bad input -------------------------------------------------------------------------------


async def test_unknown_scenario_is_one_line_naming_it(launch: Launcher) -> None:
    result = await launch.run("--scenario", "no_such_scenario")
    line = assert_one_line_error(result)
    assert "no_such_scenario" in line
    assert "default" in line and "dual_channel" in line  # says what does exist


async def test_missing_scenario_file_says_file_not_found(launch: Launcher) -> None:
    line = assert_one_line_error(await launch.run("--scenario", "./missing.yaml"), code=2)
    assert "scenario file ./missing.yaml: not found" in line
    assert "unknown scenario" not in line


async def test_scenario_with_invalid_value_names_file_line_and_key(
    launch: Launcher, tmp_path: Path
) -> None:
    path = tmp_path / "negative.yaml"
    path.write_text("delays:\n  recording_saved: -1\n", encoding="utf-8")
    result = await launch.run("--scenario", str(path))
    line = assert_one_line_error(result, code=2)
    assert line == "mockserver: error: negative.yaml:2: delays.recording_saved must be a number ≥ 0"


# The process test above shows how a ScenarioError reaches the terminal; these check the
# messages themselves in-process (a process each would cost more than the rest of the file).
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("call:\n  answer_delay: .inf\n", "bad.yaml:2: call.answer_delay must be a finite number"),
        ("delays:\n  recording_saved: .nan\n", "bad.yaml:2: delays.recording_saved must be a fin"),
        ("call:\n  hangup_after: -.inf\n", "bad.yaml:2: call.hangup_after must be a number ≥ 0"),
        (
            "audio:\n  inbound:\n    - {start: 0, end: 1}\n    - {start: 5, end: 2}\n",
            "bad.yaml:4: audio.inbound.1.end must not be before audio.inbound.1.start",
        ),
        (
            "rules:\n  - match: {to: '+1'}\n    set:\n      audio:\n"
            "        outbound: [{start: 3, end: 1}]\n",
            "bad.yaml:5: rules.0.set.audio.outbound.0.end must not be before",
        ),
        ("call: [1]\n", "bad.yaml:1: call must be of type object"),
        ("bogus: 1\n", "bad.yaml:1: bogus is not a known key"),
        ("call:\n  answer_delay: [\n", "bad.yaml:3: invalid YAML"),
    ],
)
def test_other_invalid_scenarios(
    tmp_path: Path, schemas: SchemaRegistry, text: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path), schemas.schemas["scenario"])
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


BAD_FLAGS = [
    (["--port", "abc"], "--port"),
    (["--time-scale", "0"], "--time-scale"),
    (["--bogus"], "--bogus"),
    (["--webhook-url", "ftp://x"], "--webhook-url"),
]


async def test_bad_flags_are_one_line(launch: Launcher) -> None:
    results = await asyncio.gather(*(launch.run(*args) for args, _ in BAD_FLAGS))
    for (args, mentions), result in zip(BAD_FLAGS, results, strict=True):
        line = assert_one_line_error(result, code=2)
        assert mentions in line, (args, line)


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "70000"],
        ["--port", "-1"],
        ["--time-scale", "nan"],
        ["--time-scale", "inf"],
        ["--url-ttl", "0"],
        ["--clock", "sundial"],
        ["--seed", "x"],
    ],
)
def test_more_bad_flags_in_process(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        parse_args(args)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mockserver: error: argument "), err


async def test_port_in_use_is_one_line(launch: Launcher) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = await launch.run("--port", str(port))
    line = assert_one_line_error(result)
    assert str(port) in line
    assert "--port 0" in line and "PORT=" in line  # names the fix


# -- signals ---------------------------------------------------------------------------------


async def test_sigterm_right_after_the_ready_line_exits_0(launch: Launcher) -> None:
    server = await launch.start()
    code, _, err = await server.stop(signal.SIGTERM)
    assert code == 0, err
    assert "Traceback" not in err, err


async def test_sigint_with_an_idle_keep_alive_connection_exits_0_promptly(
    launch: Launcher,
) -> None:
    server = await launch.start()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        async with session.get(server.base_url + "/_mock/health") as response:
            assert response.status == 200
        loop = asyncio.get_running_loop()
        started = loop.time()
        code, _, err = await server.stop(signal.SIGINT)
        assert code == 0, err
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
        assert loop.time() - started < 5


async def test_ipv6_host_gives_a_usable_url(launch: Launcher) -> None:
    server = await launch.start("--host", "::1")
    assert server.base_url.startswith("http://[::1]:")
    assert (await server.get("/_mock/health"))[0] == 200


async def test_sigterm_reports_undelivered_webhooks(launch: Launcher) -> None:
    """A webhook still waiting on the clock is reported at shutdown, not lost silently."""
    server = await launch.start("--clock", "manual")
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"
    body = {
        "connection_id": "1684641123236054244",
        "to": "+13125550100",
        "from": "+13125550111",
        "webhook_url": dead_url,
    }
    status, data = await server.post("/v2/calls", body, {"Authorization": "Bearer KEY"})
    assert status == 200, data
    code, _, err = await server.stop(signal.SIGTERM)
    assert code == 0
    assert "Traceback" not in err
    assert "undelivered" in err and "call.initiated" in err


# -- options that change behaviour -----------------------------------------------------------


async def test_signing_key_file_sets_the_webhook_key(launch: Launcher, tmp_path: Path) -> None:
    seed = os.urandom(32)
    key_file = tmp_path / "signing.key"
    key_file.write_text(base64.b64encode(seed).decode() + "\n", encoding="ascii")
    server = await launch.start("--signing-key", str(key_file))
    status, body = await server.get("/_mock/webhook-key")
    expected = base64.b64encode(bytes(SigningKey(seed).verify_key)).decode()
    assert (status, body) == (200, {"public_key": expected})


async def test_bad_signing_key_file_is_one_line(launch: Launcher, tmp_path: Path) -> None:
    key_file = tmp_path / "signing.key"
    key_file.write_text("not base64!\n", encoding="ascii")
    line = assert_one_line_error(await launch.run("--port", "0", "--signing-key", str(key_file)))
    assert line == (
        f"mockserver: error: --signing-key {key_file}: not the Base64 of a 32-byte Ed25519 seed"
    )


@pytest.mark.parametrize(
    "content",
    [base64.b64encode(b"x" * 16) + b"\n", b"", b"\xff\xfe\n", None],
    ids=["16-bytes", "empty", "binary", "missing"],
)
def test_bad_signing_key_messages(tmp_path: Path, content: bytes | None) -> None:
    key_file = tmp_path / "signing.key"
    if content is not None:
        key_file.write_bytes(content)
    with pytest.raises(ValueError) as caught:
        load_signer(key_file)
    message = str(caught.value)
    assert message.startswith(f"--signing-key {key_file}: ") and "\n" not in message


async def test_api_key_rejects_other_keys(launch: Launcher) -> None:
    server = await launch.start("--api-key", "good")
    status, body = await server.get("/v2/calls/nope", {"Authorization": "Bearer bad"})
    assert status == 401
    assert body["errors"][0]["code"] == "10009"
    status, body = await server.get("/v2/calls/nope", {"Authorization": "Bearer good"})
    assert status != 401, body


async def test_manual_clock_advances_on_request(launch: Launcher) -> None:
    server = await launch.start("--clock", "manual")
    assert (await server.get("/_mock/health"))[1]["clock"] == "manual"
    _, before = await server.get("/_mock/clock")
    status, body = await server.post("/_mock/clock/advance", {"seconds": 5})
    assert status == 200, body
    assert body["data"]["mode"] == "manual"
    assert body["data"]["epoch_seconds"] == before["data"]["epoch_seconds"] + 5


# -- what the terminal says (issue 15) -------------------------------------------------------


def dead_webhook_url() -> str:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{closed.getsockname()[1]}/hook"


async def record_one_call(server: Running, webhook_url: str) -> str:
    """Dial, answer, record, hang up, and let every webhook and retry run: the call's id."""
    auth = {"Authorization": "Bearer KEY"}
    body = {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"}
    status, data = await server.post("/v2/calls", {**body, "webhook_url": webhook_url}, auth)
    assert status == 200, data
    call = str(data["data"]["call_control_id"])
    await server.post("/_mock/clock/advance", {"seconds": 2})
    actions = f"/v2/calls/{call}/actions"
    status, _ = await server.post(f"{actions}/record_start", {"format": "ogg"}, auth)
    assert status == 422
    status, _ = await server.post(
        f"{actions}/record_start", {"format": "wav", "channels": "dual"}, auth
    )
    assert status == 200
    await server.post("/_mock/clock/advance", {"seconds": 3})
    assert (await server.post(f"{actions}/hangup", {}, auth))[0] == 200
    await server.post("/_mock/clock/advance", {"seconds": 30})
    return call


async def test_default_terminal_names_every_request_and_attempt(launch: Launcher) -> None:
    """Issue 15's bar: against a receiver that is down, one line per request and per attempt,
    naming the URL and the connection error; the ready line stays stdout's only line."""
    server = await launch.start("--clock", "manual")
    _, key = await server.get("/_mock/webhook-key")
    url = dead_webhook_url()
    call = await record_one_call(server, url)
    code, rest, err = await server.stop(signal.SIGTERM)
    assert code == 0 and rest == ""
    lines = [line.split(" ", 1)[1] for line in err.splitlines()]  # without the time of day
    assert lines[0] == f"dashboard: {server.base_url}/_mock/ui"
    assert lines[1] == f"webhook public key (TELNYX_PUBLIC_KEY): {key['public_key']}"
    assert f"POST /v2/calls 200 call={call}" in err
    assert re.search(rf"POST /v2/calls/{re.escape(call)}/actions/record_start 422 code=10004", err)
    assert f"POST /v2/calls/{call}/actions/record_start 200 " in err
    assert f"POST /v2/calls/{call}/actions/hangup 200 " in err
    for event in ("call.initiated", "call.answered", "call.hangup", "call.recording.saved"):
        for attempt in (1, 2, 3):
            assert f"webhook {event} #{attempt} -> {url} failed: ClientConnectorError" in err, event
        assert re.search(
            rf"WARNING webhook {event} #3 -> {re.escape(url)} undelivered: retries exhausted"
            r" after 3 attempts \(last: ClientConnectorError: Cannot connect",
            err,
        ), event
    assert "GET /_mock/" not in err  # the dashboard's reads only at DEBUG


async def test_log_format_json_is_one_object_per_line(launch: Launcher) -> None:
    server = await launch.start("--clock", "manual", "--log-format", "json")
    url = dead_webhook_url()
    call = await record_one_call(server, url)
    _, _, err = await server.stop(signal.SIGTERM)
    records = [json.loads(line) for line in err.splitlines()]
    requests = [r for r in records if r.get("kind") == "request"]
    attempts = [r for r in records if r.get("kind") == "webhook"]
    assert {
        "method": "POST",
        "path": "/v2/calls",
        "status": 200,
        "call_control_id": call,
    }.items() <= requests[0].items()
    rejected = next(r for r in requests if r["status"] == 422)
    assert rejected["error_codes"] == ["10004", "10032"] and rejected["latency_ms"] >= 0
    first = attempts[0]
    assert (first["event_type"], first["url"], first["attempt"], first["outcome"]) == (
        "call.initiated",
        url,
        1,
        "failed",
    )
    assert first["error"].startswith("ClientConnectorError") and first["level"] == "info"
    assert records[1]["public_key"] and records[0]["level"] == "info"


async def test_quiet_and_log_level_warning_drop_the_per_request_lines(launch: Launcher) -> None:
    for flags in (["--quiet"], ["--log-level", "warning"]):
        server = await launch.start("--clock", "manual", *flags)
        await record_one_call(server, dead_webhook_url())
        _, _, err = await server.stop(signal.SIGTERM)
        assert "POST /v2/calls" not in err and " failed: " not in err, flags
        assert "WARNING webhook call.initiated #3" in err  # what went wrong still shows


async def test_list_scenarios_into_head_exits_quietly() -> None:
    command = f"'{sys.executable}' -m mockserver --list-scenarios | head -1"
    proc = await asyncio.create_subprocess_shell(
        f"set -o pipefail; {command}",
        cwd=REPO,
        executable="/bin/bash",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0, err
    assert err == b"" and len(out.splitlines()) == 1


def test_help_explains_every_flag_and_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        parse_args(["--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    parser = build_parser()
    for action in parser._actions:
        assert action.help, action.option_strings
    for shown in ("(default: 8000)", "(default: 127.0.0.1)", "(default: real)", "(default: 600.0)"):
        assert shown in text
    assert "(default: INFO)" in text and "--log-format" in text and "--quiet" in text


# -- ids are new on every start ---------------------------------------------------------------


async def _first_ids(launch: Launcher, *args: str) -> tuple[str, str]:
    """Start a server, Dial once; the call_control_id and the call.initiated event id."""
    server = await launch.start(*args)
    auth = {"Authorization": "Bearer KEY_IDS"}
    dial = {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"}
    status, body = await server.post("/v2/calls", dial, auth)
    assert status == 200, body
    status, journal = await server.get("/_mock/webhooks?event_type=call.initiated")
    assert status == 200 and len(journal["data"]) == 1, journal
    code, _, _ = await server.stop(signal.SIGTERM)
    assert code == 0
    return body["data"]["call_control_id"], journal["data"][0]["event_id"]


async def test_two_starts_hand_out_different_ids_and_the_same_seed_the_same(
    launch: Launcher,
) -> None:
    first, second = await _first_ids(launch), await _first_ids(launch)
    assert first[0] != second[0] and first[1] != second[1]
    seeded = [await _first_ids(launch, "--seed", "42") for _ in range(2)]
    assert seeded[0] == seeded[1]
    assert seeded[0][0] not in (first[0], second[0])


# -- version ------------------------------------------------------------------------------------


async def test_version_prints_the_package_version(launch: Launcher) -> None:
    result = await launch.run("--version")
    assert (result.code, result.stdout, result.stderr) == (0, f"mockserver {__version__}\n", "")
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_version_is_the_distribution_version() -> None:
    # One number: pyproject reads it from mockserver.__version__, installs report it.
    assert importlib.metadata.version("telnyx-mockserver") == __version__


def test_readme_and_changelog_show_the_current_version() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"mockserver --version\n# mockserver {__version__}\n" in readme
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## [{__version__}]" in changelog


# -- a signing key that survives restarts -------------------------------------------------------


async def _public_key_of_a_run(launch: Launcher, *args: str) -> tuple[str, str]:
    """Start, read the key from /_mock/webhook-key, stop: (key, stderr)."""
    server = await launch.start(*args)
    status, body = await server.get("/_mock/webhook-key")
    assert status == 200
    code, _, err = await server.stop(signal.SIGTERM)
    assert code == 0, err
    assert f"webhook public key (TELNYX_PUBLIC_KEY): {body['public_key']}" in err
    return str(body["public_key"]), err


async def test_persistent_key_is_made_once_in_the_cache_dir_and_kept(
    launch: Launcher, tmp_path: Path
) -> None:
    launch.env["XDG_CACHE_HOME"] = str(tmp_path)
    key_file = tmp_path / "telnyx-mockserver" / "signing-key"
    first, err = await _public_key_of_a_run(launch, "--persistent-key")
    assert f"webhook signing key made and kept in {key_file}" in err
    assert key_file.stat().st_mode & 0o777 == 0o600
    second, err = await _public_key_of_a_run(launch, "--persistent-key")
    assert second == first and f"webhook signing key kept in {key_file}" in err
    assert load_signer(key_file).public_key_b64 == first
    without, _ = await _public_key_of_a_run(launch)  # the default stays a new key per start
    assert without != first


async def test_persistent_key_and_signing_key_together_is_one_line(
    launch: Launcher, tmp_path: Path
) -> None:
    launch.env["XDG_CACHE_HOME"] = str(tmp_path)
    result = await launch.run("--persistent-key", "--signing-key", str(tmp_path / "k"))
    line = assert_one_line_error(result, code=1)
    assert line == "mockserver: error: --signing-key and --persistent-key: use one of them"


def test_connection_flag_parses_id_url_failover_and_timeout() -> None:
    args = parse_args(
        [
            "--connection",
            "app-1=http://a/b,failover=https://c/d,timeout=5",
            "--connection",
            "2=http://e",
        ]
    )
    assert [
        (c.id, c.webhook_url, c.webhook_url_failover, c.webhook_timeout_secs)
        for c in args.connections
    ] == [
        ("app-1", "http://a/b", "https://c/d", 5.0),
        ("2", "http://e", None, None),
    ]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("app-1", "expected ID=URL"),
        ("app-1=ftp://x", "must be an http:// or https:// URL"),
        ("app-1=http://x,timeout=31", "timeout must be 0-30 seconds"),
        ("app-1=http://x,retries=3", "unknown option 'retries'"),
    ],
)
def test_bad_connection_flags_are_one_line(
    capsys: pytest.CaptureFixture[str], value: str, words: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(["--connection", value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("mockserver: error: argument --connection: ") and words in err
    assert len(err.splitlines()) == 1


async def test_cli_refuses_foreign_hosts_unless_allowed_host_opens_it(launch: Launcher) -> None:
    evil = {"Host": "attacker.example", "Origin": "http://attacker.example"}
    default = await launch.start()
    status, body = await default.get("/_mock/state", evil)
    assert (status, body["errors"][0]["code"]) == (403, "10010")
    assert (await default.get("/_mock/health", {"Host": "localhost"}))[0] == 200
    opened = await launch.start("--allowed-host", "*")
    status, body = await opened.get("/_mock/health", evil)
    assert (status, body["status"]) == (200, "ok")
