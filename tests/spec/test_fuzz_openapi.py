"""Fuzzing with schemathesis against the served OpenAPI document (GET /v2/openapi.json).

Every operation gets generated requests, valid and invalid; every answer must be documented
(status, Content-Type, body schema), never a 5xx, never a traceback, and every error must be
Telnyx-shaped JSON. ``make test`` runs a few examples per operation (seconds);
``make fuzz`` runs the same test with more (``MOCKSERVER_FUZZ_EXAMPLES``) and schemathesis'
coverage phase (``MOCKSERVER_FUZZ_COVERAGE=1``).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mockserver.config import ServerConfig
from mockserver.core.scenario import DEFAULT_SCENARIO
from mockserver.runtime.mock import MockServer, build_mock
from mockserver.spec.openapi import build_document
from mockserver.spec.validation import SchemaRegistry
from mockserver.web.app import build_app
from mockserver.web.server import MockRunner

EXAMPLES = int(os.environ.get("MOCKSERVER_FUZZ_EXAMPLES", "4"))
# The coverage phase (boundary and near-miss values, thousands per operation) runs in make fuzz.
COVERAGE = os.environ.get("MOCKSERVER_FUZZ_COVERAGE", "") == "1"
API_KEY = "KEY_FUZZ"

# GET /_mock/events is a server-sent event stream: it never ends, so it cannot be fuzzed
# with request/response checks (tests/ui/test_dashboard*.py test it).
schema = schemathesis.openapi.from_dict(build_document(SchemaRegistry())).exclude(
    path="/_mock/events"
)
schema.config.phases.coverage.enabled = COVERAGE


class ServerThread:
    """The mock on a manual clock, served from a private event loop in a thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.url = ""
        self.mock: MockServer | None = None
        self._runner: MockRunner | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self._ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        # Webhooks go to a closed port: delivery fails fast and is journaled, as it may.
        self.mock = build_mock(
            ServerConfig(
                clock_mode="manual",
                port=0,
                webhook_url="http://127.0.0.1:9/hooks",
                webhook_timeout_seconds=0.2,
            )
        )
        self._runner = MockRunner(build_app(self.mock), access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self.mock.links.base_url = self.url

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(30), "fuzz server did not start"

    def stop(self) -> None:
        async def cleanup() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    thread = ServerThread()
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


def no_traceback_and_telnyx_errors(response: Any) -> None:
    """Any 4xx is ``{"errors": [...]}`` JSON; nothing ever shows a traceback or HTML page."""
    text = response.text
    assert "Traceback" not in text, text[:500]
    assert "<html" not in text.lower() or response.request.path_url.startswith("/_mock/ui")
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), response.headers
        body = response.json()
        assert list(body) == ["errors"] and body["errors"], body
        for item in body["errors"]:
            assert isinstance(item["code"], str) and item["code"].isdigit(), item
            assert isinstance(item["title"], str) and item["title"], item


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the short run in `make test` is the same every time
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_answers_as_documented(
    case: Any, server: ServerThread, session: requests.Session
) -> None:
    if case.headers is None or "Authorization" not in case.headers:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {API_KEY}"}
    try:
        response = case.call_and_validate(
            base_url=server.url,
            session=session,
            timeout=10,
            checks=[
                status_code_conformance,
                content_type_conformance,
                response_headers_conformance,
                response_schema_conformance,
            ],
        )
        assert response.status_code < 500, response.text[:500]
        no_traceback_and_telnyx_errors(response)
    finally:
        # A fuzzed scenario may script API latency or faults: the next case starts clean.
        assert server.mock is not None
        server.mock.simulator.use_scenario(DEFAULT_SCENARIO)
