"""Peer mock servers to compare with: Stoplight Prism and WireMock, from npm.

Both are installed with ``npm install`` into a directory under the system temp dir that is
reused by later runs (the first install takes ~20 s). Either may be unavailable (no npm, no
network to the registry, no java): then :func:`install` says why and the benchmark notes it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.procs import Proc, started

__all__ = ["PEER_DIR", "Peers", "install", "prism", "wiremock"]

PEER_DIR = Path(tempfile.gettempdir()) / "mockserver-bench-peers"
PACKAGES = ["@stoplight/prism-cli@5", "wiremock@3"]


class Peers:
    def __init__(self) -> None:
        self.prism: Path | None = None
        self.wiremock_jar: Path | None = None
        self.versions: dict[str, str] = {}
        self.notes: list[str] = []


def _version(package_dir: Path) -> str:
    return str(json.loads((package_dir / "package.json").read_text())["version"])


def install() -> Peers:
    peers = Peers()
    modules = PEER_DIR / "node_modules"
    prism_bin = modules / ".bin" / "prism"
    jars = sorted((modules / "wiremock").glob("build/wiremock-standalone-*.jar"))
    if not (prism_bin.exists() and jars):
        npm = shutil.which("npm")
        if npm is None:
            peers.notes.append("Prism and WireMock skipped: npm is not installed.")
            return peers
        PEER_DIR.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *PACKAGES],
                cwd=PEER_DIR,
                capture_output=True,
                timeout=240,
                check=True,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            peers.notes.append(f"Prism and WireMock skipped: npm install failed ({exc}).")
            return peers
        jars = sorted((modules / "wiremock").glob("build/wiremock-standalone-*.jar"))
    if prism_bin.exists() and shutil.which("node"):
        peers.prism = prism_bin
        peers.versions["Prism"] = _version(modules / "@stoplight" / "prism-cli")
    else:
        peers.notes.append("Prism skipped: the prism-cli package did not install.")
    if not jars:
        peers.notes.append("WireMock skipped: the npm package brought no standalone jar.")
    elif shutil.which("java") is None:
        peers.notes.append("WireMock skipped: java is not installed.")
    else:
        peers.wiremock_jar = jars[-1]
        peers.versions["WireMock"] = _version(modules / "wiremock")
        java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
        peers.versions["java"] = (java.stderr.splitlines() or ["?"])[0]
    return peers


@contextmanager
def prism(binary: Path, document: dict[str, Any]) -> Iterator[Proc]:
    """``prism mock`` on our OpenAPI document (no dynamic examples, request validation on)."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "openapi.json"
        spec.write_text(json.dumps(document))
        port = _free_port()
        args = [str(binary), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port)]
        with started(args, ready="Prism is listening", timeout=90) as proc:
            yield proc


@contextmanager
def wiremock(jar: Path, record_start_schema: dict[str, Any]) -> Iterator[Proc]:
    """WireMock standalone with one stub: record_start, body checked against our JSON Schema."""
    port = _free_port()
    args = [
        "java",
        "-Xmx256m",
        "-jar",
        str(jar),
        "--bind-address",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-request-journal",
        "--async-response-enabled",
        "true",
    ]
    with started(args, ready="port:", timeout=90, url=f"http://127.0.0.1:{port}") as proc:
        stub = {
            "request": {
                "method": "POST",
                "urlPathPattern": "/v2/calls/[^/]+/actions/record_start",
                "headers": {"Authorization": {"matches": "Bearer .+"}},
                "bodyPatterns": [
                    {"matchesJsonSchema": record_start_schema, "schemaVersion": "V202012"}
                ],
            },
            "response": {
                "status": 200,
                "jsonBody": {"data": {"result": "ok"}},
                "headers": {"Content-Type": "application/json"},
            },
        }
        request = urllib.request.Request(
            f"{proc.url}/__admin/mappings",
            data=json.dumps(stub).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201, response.status
        yield proc


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
