"""The aiohttp shell: builds the application, wires the core to the clock and the network.

Request pipeline (one straight line): route → error middleware → auth → parse body →
validate → core → schedule effects → render. Everything hangs off the Application through
typed keys; there are no module globals.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import errors
from .clock import SimClock
from .command_log import CommandLog
from .commands import Effect, SendWebhook, Simulator, StartTimer, TimerKey
from .config import ServerConfig
from .errors import TelnyxError
from .hub import Hub
from .ids import IdFactory
from .media import MediaLinks
from .scenarios import DEFAULT_SCENARIO, Scenario
from .signing import WebhookSigner
from .validation import SchemaRegistry
from .webhooks import DeliveryAttempt, WebhookDispatcher

__all__ = ["MOCK", "TENANT", "MockServer", "build_app", "json_response", "read_json_object"]

log = logging.getLogger("mockserver")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class MockServer:
    """The running mock: config, clock, core, delivery, validators and keys."""

    config: ServerConfig
    clock: SimClock
    simulator: Simulator
    dispatcher: WebhookDispatcher
    schemas: SchemaRegistry
    signer: WebhookSigner
    links: MediaLinks
    hub: Hub = field(default_factory=Hub)  # change notices for the dashboard's live view
    command_log: CommandLog = field(default_factory=CommandLog)

    def __post_init__(self) -> None:
        self.dispatcher.on_journal = self._journaled

    def _journaled(self, attempt: DeliveryAttempt) -> None:
        # Rendered only for a listening dashboard: the journal line itself is what is kept.
        listening = self.hub.subscriber_count() > 0
        data = {"tenant": attempt.tenant, **attempt.to_json()} if listening else None
        self.hub.publish(
            "webhook", tenant=attempt.tenant, call_control_id=attempt.call_control_id, data=data
        )

    def apply(self, effects: list[Effect]) -> None:
        """Hand the core's effects to the clock and the dispatcher."""
        touched: dict[tuple[str, str], None] = {}
        for effect in effects:
            if isinstance(effect, SendWebhook):
                self.dispatcher.enqueue(effect.event, effect.at, effect.faults)
                touched[effect.event.tenant, effect.event.call_control_id] = None
            elif isinstance(effect, StartTimer):
                self.clock.call_at(effect.at, self._timer_callback(effect.key))
                touched[effect.key.tenant, effect.key.call_control_id] = None
        for tenant, call_control_id in touched:
            self.hub.publish("call", tenant=tenant, call_control_id=call_control_id)

    def _timer_callback(self, key: TimerKey) -> Callable[[], None]:
        def fire() -> None:
            effects = self.simulator.fire(key, self.clock.now())
            self.apply(effects)
            if not effects:  # a purge, or a change without webhooks: still worth showing
                self.hub.publish("call", tenant=key.tenant, call_control_id=key.call_control_id)

        return fire

    def now(self) -> float:
        return self.clock.now()

    def reset(self, tenant: str | None = None) -> None:
        self.simulator.reset(tenant)
        self.dispatcher.forget(tenant)
        self.command_log.forget(tenant)
        self.hub.publish("resync", tenant=tenant)


MOCK = web.AppKey("mock", MockServer)
TENANT = web.RequestKey("tenant", str)
# What read_json_object parsed and what json_response encoded, kept for the command log so it
# need not parse both again (that was ~9 % of a command's cost).
PARSED_BODY = web.RequestKey("parsed_body", dict)
SENT_JSON = web.ResponseKey("sent_json", object)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    response = web.Response(
        body=json.dumps(data).encode("utf-8"),
        status=status,
        content_type="application/json",
        headers=headers,
    )
    response[SENT_JSON] = data
    return response


def error_response(error: TelnyxError) -> web.Response:
    return json_response(error.to_json(), status=error.status, headers=error.headers or None)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure leaves as JSON in Telnyx's error shape; never HTML, never a traceback."""
    try:
        return await handler(request)
    except TelnyxError as error:
        return error_response(error)
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[MOCK].config.max_body_bytes
        return error_response(errors.payload_too_large(limit))
    except web.HTTPMethodNotAllowed as exc:
        return error_response(errors.method_not_allowed(request.method, exc.allowed_methods))
    except web.HTTPNotFound:
        return error_response(errors.route_not_found(request.path))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(
            TelnyxError.single(exc.status, "10015", exc.reason or "Bad Request", exc.text)
        )
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(errors.unexpected_error())


def bearer_key(request: web.Request) -> str:
    """The API key from ``Authorization: Bearer KEY``, or 401 as Telnyx answers."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key or " " in key:
        raise errors.authentication_failed()
    allowed = request.app[MOCK].config.api_keys
    if allowed is not None and key not in allowed:
        raise errors.authentication_failed()
    return key


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/v2/") and request.path != "/v2/openapi.json":
        request[TENANT] = bearer_key(request)
    return await handler(request)


MAX_JSON_DEPTH = 64  # far beyond any Telnyx request body; keeps validation off the stack limit
TOO_DEEP = f"The request body is nested too deeply (more than {MAX_JSON_DEPTH} levels)."


class _NonJsonConstant(ValueError):
    """NaN, Infinity or -Infinity: Python's json accepts them, JSON (and Telnyx) does not."""


def _reject_constant(name: str) -> Any:
    raise _NonJsonConstant(name)


# One decoder for every request (json.loads with a keyword builds a new one per call).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True if arrays/objects nest deeper than ``limit`` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)
    return False


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a Telnyx 4xx saying what is wrong with it."""
    try:
        raw = await request.read()
    except web.RequestPayloadError as exc:
        # A Content-Encoding (gzip, deflate) the body does not decode with; unhandled, 500.
        encoding = request.headers.get("Content-Encoding", "")
        raise errors.encoding_error(
            f"Error decoding request body: it is not valid '{encoding}' content."
        ) from exc
    if not raw.strip():
        return {}  # a command with no body means "no options" (docs/fidelity.md)
    if request.content_type != "application/json":
        raise errors.unsupported_media_type(request.content_type)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.encoding_error(f"Error decoding request body at position {exc.start}") from exc
    try:
        body = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise errors.encoding_error(f"Error decoding request body at position {exc.pos}") from exc
    except _NonJsonConstant as exc:
        raise errors.encoding_error(
            f"Error decoding request body: {exc.args[0]} is not valid JSON"
        ) from exc
    except RecursionError as exc:
        raise errors.bad_request(TOO_DEEP) from exc
    # Nesting needs a bracket per level: a body with few of them cannot be too deep.
    brackets = raw.count(b"[") + raw.count(b"{")
    if brackets > MAX_JSON_DEPTH and _depth_exceeds(body, MAX_JSON_DEPTH):
        # json.loads copes with ~1000 levels but the validators recurse too: a body nested just
        # under the parser's limit would overflow there and answer 500.
        raise errors.bad_request(TOO_DEEP)
    if not isinstance(body, dict):
        raise errors.bad_request(
            f"The request body must be a JSON object, not {type(body).__name__}."
        )
    request[PARSED_BODY] = body
    return body


def build_mock(
    config: ServerConfig,
    *,
    scenario: Scenario = DEFAULT_SCENARIO,
    signer: WebhookSigner | None = None,
    start_time: float | None = None,
    wall_clock: Callable[[], float] | None = None,
    schemas: SchemaRegistry | None = None,
) -> MockServer:
    """Assemble a MockServer; tests pass a fixed start time and their own wall clock."""
    import time

    wall = wall_clock or time.time
    clock = SimClock(
        config.clock_mode,
        start=start_time if start_time is not None else wall(),
        time_scale=config.time_scale,
    )
    signer = signer or WebhookSigner.generate()
    links = MediaLinks(
        ttl_seconds=config.url_ttl_seconds,
        base_url=f"http://{config.host}:{config.port}",
        wall_clock=wall,
    )
    simulator = Simulator(
        ids=IdFactory(config.seed),
        links=links,
        scenario=scenario,
        call_retention_seconds=config.call_retention_seconds,
        max_command_ids_per_call=config.max_command_ids_per_call,
    )
    dispatcher = WebhookDispatcher(
        clock=clock,
        signer=signer,
        default_url=config.webhook_url,
        timeout_seconds=config.webhook_timeout_seconds,
        retry_delays=config.webhook_retry_delays,
        journal_size=config.journal_size,
        wall_clock=wall,
    )
    return MockServer(
        config=config,
        clock=clock,
        simulator=simulator,
        dispatcher=dispatcher,
        schemas=schemas or SchemaRegistry(),
        signer=signer,
        links=links,
    )


async def _dispatcher_ctx(app: web.Application) -> AsyncIterator[None]:
    mock = app[MOCK]
    await mock.dispatcher.start()
    yield
    undelivered = await mock.dispatcher.shutdown()
    for entry in undelivered:
        log.warning("undelivered at shutdown: %s %s", entry.event_type, entry.event_id)
    await mock.dispatcher.close()


def build_app(mock: MockServer) -> web.Application:
    """The aiohttp application: /v2 (Telnyx API), /_mock (control), /_media (downloads)."""
    from . import control, dashboard, media_routes, openapi, recordings_routes, routes

    app = web.Application(
        middlewares=[error_middleware, auth_middleware, dashboard.command_log_middleware],
        client_max_size=mock.config.max_body_bytes,
    )
    app[MOCK] = mock
    routes.add_routes(app)
    media_routes.add_routes(app)
    recordings_routes.add_routes(app)
    openapi.add_routes(app)
    # The dashboard's page and its static files hold no data, so they stay outside the control
    # token (a browser cannot send it to load them); added first, they resolve before /_mock/.
    dashboard.add_page_routes(app)
    app.add_subapp("/_mock/", control.build_control_app(mock))
    app.cleanup_ctx.append(_dispatcher_ctx)
    return app
