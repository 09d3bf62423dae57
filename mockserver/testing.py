"""What the ``telnyx_mock`` pytest fixture hands a test, and the server behind it.

The fixture itself is registered by the tiny ``pytest_telnyx_mock`` module (entry point
``pytest11``), which imports this module only when a test asks for it. One mock per test
session runs on a manual clock in a background thread with its own event loop, so sync tests
(the sync Telnyx SDK) and async tests can both talk to it. Every test gets it reset: no calls,
no recordings, an empty journal, the default scenario. A built-in receiver collects webhooks;
``wait_for_webhook`` advances virtual time until one arrives.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from mockserver.config import ServerConfig
from mockserver.core.scenario import DEFAULT_SCENARIO, Scenario
from mockserver.core.webhook_routing import envelope_from_query
from mockserver.runtime.mock import MockServer, build_mock
from mockserver.spec.scenario_files import load_scenario, load_scenario_text
from mockserver.web.app import build_app
from mockserver.web.server import MockRunner

__all__ = [
    "DEFAULT_API_KEY",
    "ReceivedWebhook",
    "SessionServer",
    "TelnyxMock",
    "WebhookTimeout",
    "received_webhook",
]

T = TypeVar("T")

DEFAULT_API_KEY = "KEY_PYTEST_TELNYX_MOCK"


class WebhookTimeout(AssertionError):
    """The awaited webhook did not arrive within the simulated time allowed."""


@dataclass(frozen=True)
class ReceivedWebhook:
    """A webhook the built-in receiver got: headers (names lower-cased), the raw signed bytes
    (the body, or the query string of a GET delivery), the envelope, method and path."""

    headers: Mapping[str, str]
    raw: bytes
    body: dict[str, Any]
    method: str = "POST"
    path: str = "/"

    @property
    def event_type(self) -> str:
        return str(self.body["data"]["event_type"])

    @property
    def payload(self) -> dict[str, Any]:
        return dict(self.body["data"]["payload"])


async def received_webhook(request: web.Request) -> ReceivedWebhook:
    """A delivery as a receiver reads it: a JSON body (POST) or query parameters (GET)."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    if request.method == "GET":
        query = request.rel_url.raw_query_string
        body = envelope_from_query(query)
        return ReceivedWebhook(headers, query.encode(), body, "GET", request.path)
    raw = await request.read()
    return ReceivedWebhook(headers, raw, json.loads(raw), request.method, request.path)


class SessionServer:
    """The mock and the webhook receiver, served from a private event loop thread (one per
    test session)."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self.loop = asyncio.new_event_loop()
        self.received: list[ReceivedWebhook] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="telnyx-mock", daemon=True)
        self.mock: MockServer | None = None
        self.url = ""
        self.receiver_url = ""
        self._runners: list[web.AppRunner] = []

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(timeout=30)
        if self.mock is None:
            raise RuntimeError("telnyx_mock server did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self._ready.set()
        self.loop.run_forever()

    async def _receive(self, request: web.Request) -> web.Response:
        webhook = await received_webhook(request)
        with self._lock:
            self.received.append(webhook)
        return web.Response(text="ok")

    async def _serve(self, app: web.Application) -> str:
        runner = MockRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    async def _start(self) -> None:
        receiver = web.Application()
        receiver.router.add_route("*", "/{tail:.*}", self._receive)
        self.receiver_url = await self._serve(receiver) + "/webhooks"
        config = ServerConfig(
            clock_mode="manual", port=0, webhook_url=self.receiver_url, seed=self.seed
        )
        mock = build_mock(config)
        self.url = await self._serve(build_app(mock))
        mock.links.base_url = self.url
        self.mock = mock

    def call(self, work: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return future.result(timeout)

    def stop(self) -> None:
        async def shutdown() -> None:
            for runner in reversed(self._runners):
                await runner.cleanup()

        self.call(shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)


class TelnyxMock:
    """What a test gets from the ``telnyx_mock`` fixture."""

    def __init__(self, server: SessionServer, api_key: str = DEFAULT_API_KEY) -> None:
        self._server = server
        self.api_key = api_key

    @property
    def mock(self) -> MockServer:
        assert self._server.mock is not None
        return self._server.mock

    @property
    def url(self) -> str:
        """Root URL of the mock (control API under /_mock)."""
        return self._server.url

    @property
    def base_url(self) -> str:
        """What to give the Telnyx SDK as ``base_url``."""
        return f"{self._server.url}/v2"

    @property
    def webhook_url(self) -> str:
        """The built-in receiver (also the default for calls without a webhook_url)."""
        return self._server.receiver_url

    @property
    def public_key(self) -> str:
        """Base64 Ed25519 key that verifies the webhooks (``TELNYX_PUBLIC_KEY``)."""
        return self.mock.signer.public_key_b64

    @property
    def now(self) -> float:
        return self.mock.clock.now()

    def advance(self, seconds: float) -> None:
        """Move virtual time; returns once the webhooks it caused were attempted."""
        self._server.call(self.mock.clock.advance(seconds))

    def load_scenario(self, scenario: str | Path | Mapping[str, Any] | Scenario) -> Scenario:
        """Use a bundled name, a YAML path, a mapping or a Scenario from now on."""
        schema = self.mock.schemas.schemas["scenario"]
        if isinstance(scenario, Scenario):
            loaded = scenario
        elif isinstance(scenario, Mapping):
            text = json.dumps(dict(scenario))  # JSON is YAML: one validation path
            loaded = load_scenario_text(
                text, label="<mapping>", schema=schema, fallback_name="custom"
            )
        else:
            loaded = load_scenario(str(scenario), schema)

        async def swap() -> None:
            self.mock.simulator.use_scenario(loaded)

        self._server.call(swap())
        return loaded

    def webhooks(
        self, event_type: str | None = None, call_control_id: str | None = None
    ) -> list[ReceivedWebhook]:
        """Webhooks the built-in receiver got, oldest first, optionally filtered."""
        with self._server._lock:
            received = list(self._server.received)
        return [
            w
            for w in received
            if (event_type is None or w.event_type == event_type)
            and (call_control_id is None or w.payload.get("call_control_id") == call_control_id)
        ]

    def wait_for_webhook(
        self,
        event_type: str,
        call_control_id: str | None = None,
        *,
        max_seconds: float = 4 * 3600,
    ) -> ReceivedWebhook:
        """The first matching webhook, advancing virtual time (never sleeping) until it comes.

        Time jumps from one scheduled timer to the next, so a 60-second call takes no
        wall time. Raises :class:`WebhookTimeout` if nothing is due any more or
        ``max_seconds`` of virtual time pass.
        """
        deadline = self.now + max_seconds
        self._server.call(self.mock.clock.advance(0))
        while True:
            found = self.webhooks(event_type, call_control_id)
            if found:
                return found[0]
            due = self.mock.clock.next_due()
            if due is None or due > deadline:
                raise WebhookTimeout(
                    f"no {event_type} webhook"
                    + (f" for {call_control_id}" if call_control_id else "")
                    + f" reached the fixture's receiver ({self.webhook_url}) within"
                    f" {max_seconds:g} simulated seconds. "
                    + self._where_it_went(event_type, call_control_id)
                )
            self.advance(max(due - self.now, 0.0))

    def _where_it_went(self, event_type: str, call_control_id: str | None) -> str:
        """What the delivery journal says about the awaited event: its URL and outcomes."""
        journal = self.mock.dispatcher.entries(
            tenant=self.api_key, event_type=event_type, call_control_id=call_control_id
        )
        if not journal:
            sent = sorted(
                {
                    entry.event_type
                    for entry in self.mock.dispatcher.entries(
                        tenant=self.api_key, call_control_id=call_control_id
                    )
                }
            )
            return f"The mock never sent one (it sent: {', '.join(sent) or 'nothing'})."
        lines = []
        for entry in journal[-5:]:
            result = entry.outcome
            if entry.status is not None:
                result += f" (HTTP {entry.status})"
            if entry.error and entry.status is None:
                result += f" ({entry.error})"
            lines.append(f"attempt {entry.attempt} to {entry.url}: {result}")
        other = {entry.url for entry in journal} - {self.webhook_url}
        hint = (
            f" It went to {', '.join(sorted(str(url) for url in other))}, the call's own"
            " webhook_url: leave webhook_url out of Dial (or set it to telnyx_mock.webhook_url)"
            " to receive it here."
            if other
            else ""
        )
        return f"The delivery journal says: {'; '.join(lines)}.{hint}"

    def reset(self) -> None:
        async def clear() -> None:
            self.mock.reset()
            self.mock.simulator.use_scenario(DEFAULT_SCENARIO)

        self._server.call(clear())
        with self._server._lock:
            self._server.received.clear()
