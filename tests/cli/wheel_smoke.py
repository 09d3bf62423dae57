"""``make wheel-test``: the built wheel, installed in a clean venv, works away from the checkout.

Run by the Makefile with that venv's interpreter, isolated (``python -I``, so neither the
checkout nor PYTHONPATH is on sys.path): ``python -I tests/cli/wheel_smoke.py WHEEL``. It needs
nothing but the standard library and the wheel's own dependencies (PyNaCl checks signatures).
Every step works in a temporary directory that is not the checkout:

1. the wheel carries the code, the schemas, the scenarios, the dashboard's files and py.typed,
   and the venv has no dev tools;
2. ``mockserver --version`` and ``--list-scenarios``;
3. ``mockserver --scenario dual_channel.yaml --clock manual`` serves dial -> record_start ->
   hangup -> a signed call.recording.saved (checked with the key from /_mock/webhook-key) ->
   a stereo WAV download;
4. a third-party pytest project with a ``mockserver/`` checkout folder inside it, whose test
   uses the ``telnyx_mock`` fixture, passes (``python -m pytest`` and ``pytest``), and
   ``python -m mockserver`` run there starts the installed package; a project
   that never uses the plugin, with a package of its own named ``mockserver``, passes too.

Not collected by pytest (no ``test_`` prefix); not a pytest test because it must run in the
wheel's venv, which has no dev extras.
"""

from __future__ import annotations

import base64
import importlib.metadata
import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import wave
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from nacl.signing import VerifyKey

TIMEOUT = 60
BIN = Path(sys.executable).parent
API_KEY = "KEY_WHEEL_TEST"


def say(message: str) -> None:
    print(f"wheel-test: {message}", flush=True)


def fail(message: str) -> None:
    raise SystemExit(f"wheel-test: FAILED: {message}")


def env() -> dict[str, str]:
    """The caller's environment minus anything that could put the checkout on sys.path."""
    drop = {"PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONHOME"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    clean["PATH"] = f"{BIN}{os.pathsep}{clean.get('PATH', '')}"
    return clean


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env(), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


# -- 1. what the wheel holds --------------------------------------------------------------------


def check_wheel(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = [
        "pytest_telnyx_mock/__init__.py",
        "mockserver/py.typed",
        "mockserver/__main__.py",
        "mockserver/schemas/record_start.json",
        "mockserver/schemas/scenario.json",
        "mockserver/scenarios/dual_channel.yaml",
        "mockserver/scenarios/default.yaml",
        "mockserver/ui/static/index.html",
    ]
    missing = [name for name in wanted if name not in names]
    if missing:
        fail(f"{wheel.name} lacks {missing}")
    stray = sorted(n for n in names if n.startswith(("tests/", "docs/", "benchmarks/")))
    if stray:
        fail(f"{wheel.name} holds repository files: {stray[:5]}")
    installed = importlib.util.find_spec("mockserver")
    if (
        installed is None
        or installed.origin is None
        or BIN.parent not in Path(installed.origin).parents
    ):
        fail(f"mockserver is not imported from the venv: {installed}")
    dev_tools = ["telnyx", "mypy", "ruff", "schemathesis", "playwright", "pytest_aiohttp"]
    present = [name for name in dev_tools if importlib.util.find_spec(name) is not None]
    if present:
        fail(f"the venv has dev tools installed: {present}")
    say(f"{wheel.name}: code, schemas, scenarios, ui/static, py.typed; no dev tools in the venv")


# -- 2. version and scenarios -------------------------------------------------------------------


def check_version_and_scenarios(work: Path) -> None:
    version = importlib.metadata.version("telnyx-mockserver")
    for args in (["mockserver", "--version"], [sys.executable, "-m", "mockserver", "--version"]):
        result = run(args, work)
        if result.returncode != 0 or result.stdout != f"mockserver {version}\n":
            fail(f"{' '.join(args[-3:])}: {result.returncode} {result.stdout!r} {result.stderr!r}")
    result = run(["mockserver", "--list-scenarios"], work)
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 or not {"default", "dual_channel"} <= set(listed):
        fail(f"--list-scenarios: {result.returncode} {result.stdout!r} {result.stderr!r}")
    say(f"mockserver --version: {version}; --list-scenarios: {len(listed)} scenarios")


# -- 3. a recorded call, end to end -------------------------------------------------------------


class Receiver(ThreadingHTTPServer):
    """Webhooks on 127.0.0.1: (headers with lower-case names, raw body) per request."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), ReceiverHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/webhooks"

    def events(self, event_type: str) -> list[tuple[dict[str, str], bytes]]:
        with self.lock:
            return [
                (h, raw)
                for h, raw in self.received
                if json.loads(raw)["data"]["event_type"] == event_type
            ]


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, raw))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the script prints its own
        pass


def http(method: str, url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {API_KEY}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        payload = response.read()
    return payload if "_media" in url or "download" in url else json.loads(payload)


def check_recorded_call(work: Path) -> None:
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    stderr = (work / "mockserver.err").open("w")
    args = ["--scenario", "dual_channel.yaml", "--port", "0", "--clock", "manual"]
    server = subprocess.Popen(
        ["mockserver", *args, "--webhook-url", receiver.url],
        cwd=work,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    # readline() has no timeout: a server that neither prints nor exits is killed instead.
    watchdog = threading.Timer(TIMEOUT, server.kill)
    watchdog.start()
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line.startswith("mockserver ready on "):
            fail(f"no ready line: {line!r}; {(work / 'mockserver.err').read_text()[-2000:]}")
        base = line.removeprefix("mockserver ready on ").strip()
        drive_a_recorded_call(base, receiver)
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=TIMEOUT)
        watchdog.cancel()
        receiver.shutdown()
        stderr.close()
    if code != 0:
        fail(f"mockserver exited {code} on SIGTERM")


def drive_a_recorded_call(base: str, receiver: Receiver) -> None:
    def advance(seconds: float) -> None:
        http("POST", f"{base}/_mock/clock/advance", {"seconds": seconds})

    public_key = http("GET", f"{base}/_mock/webhook-key")["public_key"]
    dial = {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"}
    call_id = http("POST", f"{base}/v2/calls", dial)["data"]["call_control_id"]
    advance(2)  # dual_channel answers after 2 s
    if not receiver.events("call.answered"):
        fail("no call.answered after 2 simulated seconds")
    actions = f"{base}/v2/calls/{call_id}/actions"
    http("POST", f"{actions}/record_start", {"format": "wav", "channels": "dual"})
    advance(10)
    http("POST", f"{actions}/hangup", {})
    advance(2)  # call.recording.saved comes 1.5 s after the recording stops
    saved = receiver.events("call.recording.saved")
    if len(saved) != 1:
        fail(f"{len(saved)} call.recording.saved webhooks")
    headers, raw = saved[0]
    signed = headers["telnyx-timestamp"].encode() + b"|" + raw
    signature = base64.b64decode(headers["telnyx-signature-ed25519"])
    VerifyKey(base64.b64decode(public_key)).verify(signed, signature)  # raises if forged
    wav_url = json.loads(raw)["data"]["payload"]["recording_urls"]["wav"]
    with urllib.request.urlopen(wav_url, timeout=10) as response:
        audio = response.read()
    with wave.open(io.BytesIO(audio)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
        if wav.getnchannels() != 2 or not 9 <= seconds <= 11:
            fail(f"WAV: {wav.getnchannels()} channels, {seconds:.1f} s (want 2, 10 s)")
    say(
        "dual_channel: dial -> record_start -> hangup -> signed call.recording.saved -> "
        f"{len(audio)} byte stereo WAV of {seconds:.1f} s"
    )


# -- 4. third-party pytest projects -------------------------------------------------------------

APP_TEST = """
import json
import urllib.request


def post(telnyx_mock, path, body):
    request = urllib.request.Request(
        telnyx_mock.base_url + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + telnyx_mock.api_key,
                 "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_recording_is_saved(telnyx_mock):
    telnyx_mock.load_scenario("dual_channel")
    dial = {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"}
    call_id = post(telnyx_mock, "/calls", dial)["data"]["call_control_id"]
    telnyx_mock.wait_for_webhook("call.answered", call_id)
    actions = f"/calls/{call_id}/actions"
    post(telnyx_mock, actions + "/record_start", {"format": "wav", "channels": "dual"})
    saved = telnyx_mock.wait_for_webhook("call.recording.saved", call_id)
    assert saved.payload["channels"] == "dual"
"""


def check_pytest_projects(work: Path) -> None:
    app = work / "app"
    checkout = app / "mockserver"  # actions/checkout with `path: mockserver`
    (checkout / "mockserver").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text('[project]\nname = "telnyx-mockserver"\n')
    (checkout / "mockserver" / "__init__.py").write_text(
        'raise ImportError("the checkout was imported instead of the installed package")\n'
    )
    (app / "tests").mkdir()
    (app / "tests" / "test_app.py").write_text(APP_TEST)
    for runner in ([sys.executable, "-m", "pytest"], ["pytest"]):
        expect_pass(app, runner, "1 passed")
    # python -m puts the app's root first on sys.path: the installed package must still win.
    result = run([sys.executable, "-m", "mockserver", "--version"], app)
    if result.returncode != 0 or not result.stdout.startswith("mockserver "):
        fail(f"python -m mockserver beside the checkout: {result.stdout!r} {result.stderr!r}")

    other = work / "other"
    (other / "mockserver").mkdir(parents=True)  # a package of its own called mockserver
    (other / "mockserver" / "__init__.py").write_text("NAME = 'not telnyx-mockserver'\n")
    (other / "test_math.py").write_text("def test_sum():\n    assert 1 + 1 == 2\n")
    expect_pass(other, [sys.executable, "-m", "pytest"], "1 passed")
    say(
        "pytest project using telnyx_mock beside a mockserver/ checkout passes (and python -m "
        "mockserver there runs the installed package); "
        "a project that never uses it, with its own mockserver package, passes"
    )


def expect_pass(project: Path, runner: list[str], summary: str) -> None:
    result = run([*runner, "-q", "-p", "no:cacheprovider"], project)
    # Exit code 0 and the count: exit 5 (nothing collected) must not pass for success.
    if result.returncode != 0 or summary not in result.stdout:
        fail(
            f"{' '.join(runner)} in {project.name}: exit {result.returncode}\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
        )


def main() -> int:
    started = time.monotonic()
    wheel = Path(sys.argv[1]).resolve()
    check_wheel(wheel)
    with tempfile.TemporaryDirectory(prefix="mockserver-wheel-test-") as tmp:
        work = Path(tmp)
        check_version_and_scenarios(work)
        check_recorded_call(work)
        check_pytest_projects(work)
    say(f"all passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
