"""Telnyx v2 call routes: Dial, call status and call commands."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from mockserver import errors
from mockserver.core.commands import COMMANDS, command_named
from mockserver.runtime.mock import MockServer
from mockserver.runtime.webhooks import NO_WEBHOOK_URL
from mockserver.web.pipeline import MOCK, TENANT, json_response, read_json_object

log = logging.getLogger("mockserver")

__all__ = ["add_routes", "scripted_latency"]


async def scripted_latency(mock: MockServer) -> None:
    # Scenario fault: a slow API, on the one clock (manual mode: until the test advances it).
    # Waited before the body is read, so the synchronous validate-dedup-apply step below
    # stays atomic.
    await mock.clock.sleep(mock.simulator.scenario.api_latency)


WEBHOOK_URL_FIELDS = ("webhook_url", "webhook_url_failover")


def refuse_own_webhook_urls(mock: MockServer, body: dict[str, Any]) -> None:
    """422 for a webhook URL reaching the mock's own /_mock/ routes: each retry of a webhook
    posted to ``/_mock/webhooks/1/redeliver`` redelivered it, forever; ``/_mock/reset`` let a
    Dial body wipe every tenant."""
    for name in WEBHOOK_URL_FIELDS:
        url = body.get(name)
        if isinstance(url, str) and mock.is_own_control_url(url):
            raise errors.webhook_url_is_the_mock(f"/{name}")
    per_event = body.get("webhook_urls")
    for event_type, url in per_event.items() if isinstance(per_event, dict) else ():
        if isinstance(url, str) and mock.is_own_control_url(url):
            pointer = "/webhook_urls/" + event_type.replace("~", "~0").replace("/", "~1")
            raise errors.webhook_url_is_the_mock(pointer)


async def dial(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    await scripted_latency(mock)
    body = mock.schemas.validate("dial", await read_json_object(request))
    refuse_own_webhook_urls(mock, body)
    data, effects = mock.simulator.dial(request[TENANT], body, mock.now())
    mock.apply(effects)
    call = mock.simulator.find_call(request[TENANT], data["call_control_id"])
    if call is not None and not call.webhook_url and not mock.dispatcher.default_url:
        # Telnyx would refuse a connection without a URL; here every event of the call will be
        # journaled undelivered: say so now, once, rather than leave the app waiting.
        log.warning(
            "Dial for call %s has no webhook URL: its webhooks go nowhere (%s)",
            data["call_control_id"],
            NO_WEBHOOK_URL,
        )
    return json_response({"data": data})


async def get_call(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    await scripted_latency(mock)
    call_control_id = request.match_info["call_control_id"]
    return json_response(
        {"data": mock.simulator.get_call(request[TENANT], call_control_id, mock.now())}
    )


async def call_command(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    await scripted_latency(mock)
    command = command_named(request.match_info["action"])
    if command is None:
        raise errors.route_not_found(request.path)
    body = mock.schemas.validate(COMMANDS[command].schema, await read_json_object(request))
    refuse_own_webhook_urls(mock, body)
    # Validation, dedup and the state change happen in one synchronous step, so concurrent
    # requests carrying the same command_id cannot both take effect.
    result, effects = mock.simulator.command(
        request[TENANT], request.match_info["call_control_id"], command, body, mock.now()
    )
    mock.apply(effects)
    return json_response({"data": result})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v2/calls", dial)
    app.router.add_get("/v2/calls/{call_control_id}", get_call)
    app.router.add_post("/v2/calls/{call_control_id}/actions/{action}", call_command)
