"""Shared fixtures: a mock on a manual clock, a webhook receiver, and a small driver."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from mockserver.config import ServerConfig
from mockserver.core.scenario import DEFAULT_SCENARIO, Scenario
from mockserver.runtime.mock import MockServer, build_mock
from mockserver.spec.validation import SchemaRegistry
from mockserver.testing import ReceivedWebhook, received_webhook
from mockserver.web.app import build_app
from mockserver.web.server import MockRunner

pytest_plugins = ["pytester", "tests.spec_helpers"]  # spec_helpers: the telnyx_spec fixture

API_KEY = "KEY_TENANT_A"
OTHER_KEY = "KEY_TENANT_B"
START = 1_790_000_000.0  # 2026-09-21T14:13:20Z: a fixed simulated start


# The plugin's record of a webhook serves the suite too (headers lower-cased).
Received = ReceivedWebhook


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that records every request it gets."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    # Optional per-request behaviour: return a status, or raise/await to misbehave.
    behaviour: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.received.append(await received_webhook(request))
        if self.behaviour is not None:
            return await self.behaviour(request)
        return web.Response(text="ok")

    def events(
        self, event_type: str | None = None, call_control_id: str | None = None
    ) -> list[Received]:
        return [
            r
            for r in self.received
            if (event_type is None or r.event_type == event_type)
            and (call_control_id is None or r.payload.get("call_control_id") == call_control_id)
        ]

    def types(self) -> list[str]:
        return [r.event_type for r in self.received]


@dataclass
class Harness:
    """Drives one mock over real HTTP on a manual clock."""

    client: TestClient[Any, Any]
    mock: MockServer
    receiver: Receiver

    @staticmethod
    def auth(key: str = API_KEY) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    async def post(
        self, path: str, body: Any = None, key: str | None = API_KEY, **kwargs: Any
    ) -> tuple[int, Any]:
        headers = self.auth(key) if key else {}
        response = await self.client.post(path, json=body, headers=headers, **kwargs)
        return response.status, await response.json()

    async def get(self, path: str, key: str | None = API_KEY) -> tuple[int, Any]:
        headers = self.auth(key) if key else {}
        response = await self.client.get(path, headers=headers)
        return response.status, await response.json()

    async def dial(self, key: str = API_KEY, **extra: Any) -> dict[str, Any]:
        body = {
            "connection_id": "1684641123236054244",
            "to": "+13125550100",
            "from": "+13125550111",
            "webhook_url": self.receiver.url,
            **extra,
        }
        status, data = await self.post("/v2/calls", body, key=key)
        assert status == 200, data
        return dict(data["data"])

    async def answered_call(self, key: str = API_KEY, **extra: Any) -> str:
        call = await self.dial(key, **extra)
        await self.advance(DEFAULT_SCENARIO.answer_delay)
        return str(call["call_control_id"])

    async def command(
        self, call_control_id: str, action: str, body: Any = None, key: str | None = API_KEY
    ) -> tuple[int, Any]:
        return await self.post(
            f"/v2/calls/{call_control_id}/actions/{action}", {} if body is None else body, key
        )

    async def advance(self, seconds: float) -> None:
        await self.mock.clock.advance(seconds)


@contextlib.asynccontextmanager
async def loop_stall() -> AsyncIterator[list[float]]:
    """Measure the event loop's longest stall while the block runs: ``[seconds]``.

    A ticker sleeps 5 ms at a time; anything a tick takes beyond that is the loop being held
    by other work (a bound on a resource, not a timing claim: assert it generously).
    """
    loop = asyncio.get_running_loop()
    worst = [0.0]

    async def tick() -> None:
        last = loop.time()
        while True:
            await asyncio.sleep(0.005)
            now = loop.time()
            worst[0] = max(worst[0], now - last - 0.005)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    try:
        yield worst
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker


@pytest.fixture(scope="session")
def schemas() -> SchemaRegistry:
    return SchemaRegistry()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", receiver.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    receiver.url = str(server.make_url("/webhooks"))
    yield receiver
    await server.close()


class MockTestServer(TestServer):
    """TestServer on the runner the CLI uses (protocol-level errors in Telnyx's shape too)."""

    async def _make_runner(self, **kwargs: Any) -> MockRunner:
        return MockRunner(self.app, **kwargs)


MakeHarness = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make_harness(receiver: Receiver, schemas: SchemaRegistry) -> AsyncIterator[MakeHarness]:
    clients: list[TestClient[Any, Any]] = []

    async def make(
        scenario: Scenario = DEFAULT_SCENARIO,
        wall_clock: Callable[[], float] = time.time,
        **config: Any,
    ) -> Harness:
        # A generous webhook timeout: attempts are real HTTP on the wall clock, and 2 s (the
        # server's default) was outlived once on a loaded machine: the retry then put a second
        # call.initiated in an exact list. Tests of timeouts set their own.
        settings = {"clock_mode": "manual", "seed": 7, "webhook_timeout_seconds": 60.0, **config}
        mock = build_mock(
            ServerConfig(**settings),
            scenario=scenario,
            start_time=START,
            wall_clock=wall_clock,
            schemas=schemas,
        )
        client: TestClient[Any, Any] = TestClient(MockTestServer(build_app(mock), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        mock.links.base_url = str(client.make_url("")).rstrip("/")
        return Harness(client, mock, receiver)

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def harness(make_harness: MakeHarness) -> Harness:
    return await make_harness()
