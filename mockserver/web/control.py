"""The control API under ``/_mock/``: clock, reset, journal, signing key, fault injection.

It is its own aiohttp sub-application so it never mixes with the Telnyx surface under /v2.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from mockserver import errors
from mockserver.runtime.clock import ClockError
from mockserver.runtime.mock import MockServer
from mockserver.spec.scenario_files import (
    ScenarioError,
    load_bundled_scenario,
    load_scenario_text,
)
from mockserver.web.calls import refuse_own_webhook_urls
from mockserver.web.control_auth import (
    control_tenant,
    control_token_middleware,
    refuse_webhooks_middleware,
)
from mockserver.web.pipeline import MOCK, json_response, read_json_object

__all__ = ["build_control_app"]


def _mock(request: web.Request) -> MockServer:
    return request.app[MOCK]


async def health(request: web.Request) -> web.Response:
    mock = _mock(request)
    return json_response(
        {
            "status": "ok",
            "clock": mock.clock.mode,
            "scenario": mock.simulator.scenario.name,
            "pending_webhooks": mock.dispatcher.pending_count(),
        }
    )


async def reset(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    tenant = body.get("api_key")
    if tenant is not None and not isinstance(tenant, str):
        raise errors.bad_request("'api_key' must be a string.", pointer="/api_key", status=422)
    mock = _mock(request)
    mock.reset(mock.resolve_tenant(tenant) if tenant else None)  # a key or the dashboard's label
    return json_response({"data": {"result": "ok", "reset": tenant or "all"}})


async def get_clock(request: web.Request) -> web.Response:
    return json_response({"data": _mock(request).clock.to_json()})


async def advance_clock(request: web.Request) -> web.Response:
    mock = _mock(request)
    body = await read_json_object(request)
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise TelnyxErrorFactory.seconds()
    if seconds > LATEST_SIMULATED_TIME - mock.clock.now():  # no float(): 10**400 overflows it
        raise errors.out_of_range(
            "'seconds' would move simulated time past 9999-12-31T23:59:59Z.", pointer="/seconds"
        )
    try:
        fired = await mock.clock.advance(float(seconds))
    except ClockError as exc:
        raise errors.bad_request(str(exc), status=409) from exc
    return json_response({"data": {**mock.clock.to_json(), "timers_fired": fired}})


LATEST_SIMULATED_TIME = 253_402_300_799.0  # 9999-12-31T23:59:59Z: the last a timestamp shows


class TelnyxErrorFactory:
    """Errors only the control API raises."""

    @staticmethod
    def seconds() -> errors.TelnyxError:
        return errors.out_of_range("'seconds' must be a number >= 0.", pointer="/seconds")


async def webhooks(request: web.Request) -> web.Response:
    query = request.query
    entries = _mock(request).dispatcher.entries(
        tenant=query.get("api_key"),
        event_type=query.get("event_type"),
        call_control_id=query.get("call_control_id"),
    )
    return json_response({"data": [entry.to_json() for entry in entries]})


async def redeliver_webhook(request: web.Request) -> web.Response:
    """Send a journaled webhook again as its next attempt: by journal ``seq`` or event id."""
    dispatcher = _mock(request).dispatcher
    ref = request.match_info["ref"]
    entry = dispatcher.find(ref)
    if entry is None or entry.event is None:
        raise errors.webhook_not_in_journal(ref)
    attempt = await dispatcher.redeliver(entry)
    return json_response({"data": attempt.to_json()})


async def webhook_key(request: web.Request) -> web.Response:
    return json_response({"public_key": _mock(request).signer.public_key_b64})


async def inject_call(request: web.Request) -> web.Response:
    """An inbound call for a tenant: call.initiated (incoming, parked) goes to its webhook URL."""
    mock = _mock(request)
    body = await read_json_object(request)
    tenant = control_tenant(request, body)
    problems = [
        errors.missing_parameter_item(field, f"/{field}")
        for field in ("to", "from", "connection_id")
        if not isinstance(body.get(field), str) or not body.get(field)
    ]
    if problems:
        raise errors.TelnyxError(422, problems)
    refuse_own_webhook_urls(mock, body)
    call, effects = mock.simulator.inject_inbound(
        str(tenant),
        to=body["to"],
        from_number=body["from"],
        connection_id=body["connection_id"],
        webhook_url=body.get("webhook_url"),
        client_state=body.get("client_state"),
        now=mock.now(),
    )
    mock.apply(effects)
    return json_response(
        {
            "data": {
                "call_control_id": call.call_control_id,
                "call_leg_id": call.call_leg_id,
                "call_session_id": call.call_session_id,
                "direction": call.direction,
                "state": call.state.value,
            }
        }
    )


async def far_end_hangup(request: web.Request) -> web.Response:
    mock = _mock(request)
    body = await read_json_object(request)
    tenant = control_tenant(request, body)
    cause = body.get("hangup_cause")
    allowed = {
        "call_rejected",
        "normal_clearing",
        "originator_cancel",
        "timeout",
        "time_limit",
        "user_busy",
        "not_found",
        "no_answer",
        "unspecified",
    }
    if cause is not None and cause not in allowed:
        raise errors.invalid_enum(allowed, "/hangup_cause")
    effects = mock.simulator.far_end_hangup(
        str(tenant), request.match_info["call_control_id"], mock.now(), cause
    )
    mock.apply(effects)
    return json_response({"data": {"result": "ok"}})


# What a scenario sent without a `name:` is called (health, dashboard): not "request body".
CUSTOM_SCENARIO = "custom"


async def load_scenario_route(request: web.Request) -> web.Response:
    """Swap the scenario at run time: a scenario as JSON, YAML text, or ``{"bundled": NAME}``.

    Parsing and validating run in a worker thread: a large scenario must not stall the loop
    that every tenant's calls and webhooks share.
    """
    mock = _mock(request)
    schema = mock.schemas.schemas["scenario"]
    try:
        if request.content_type in ("application/yaml", "application/x-yaml", "text/yaml"):
            text = (await request.read()).decode("utf-8", errors="replace")
            scenario = await asyncio.to_thread(
                load_scenario_text,
                text,
                label="request body",
                schema=schema,
                fallback_name=CUSTOM_SCENARIO,
            )
        else:
            body = await read_json_object(request)
            if set(body) == {"bundled"} and isinstance(body["bundled"], str):
                # Bundled names only: never a path (it read /etc/shadow and echoed a line).
                scenario = await asyncio.to_thread(load_bundled_scenario, body["bundled"], schema)
            else:
                # JSON is YAML, so one loader gives the same checks and messages.
                scenario = await asyncio.to_thread(
                    load_scenario_text,
                    json.dumps(body),
                    label="request body",
                    schema=schema,
                    fallback_name=CUSTOM_SCENARIO,
                )
    except ScenarioError as exc:
        raise errors.invalid_scenario(str(exc)) from exc
    mock.simulator.use_scenario(scenario)
    return json_response(
        {"data": {"result": "ok", "name": scenario.name, "description": scenario.description}}
    )


def build_control_app(mock: MockServer) -> web.Application:
    app = web.Application(middlewares=[refuse_webhooks_middleware, control_token_middleware])
    app[MOCK] = mock
    app.router.add_get("/health", health)
    app.router.add_post("/reset", reset)
    app.router.add_get("/clock", get_clock)
    app.router.add_post("/clock/advance", advance_clock)
    app.router.add_get("/webhooks", webhooks)
    app.router.add_post("/webhooks/{ref}/redeliver", redeliver_webhook)
    app.router.add_get("/webhook-key", webhook_key)
    app.router.add_post("/calls", inject_call)
    app.router.add_post("/calls/{call_control_id}/hangup", far_end_hangup)
    app.router.add_post("/scenario", load_scenario_route)
    return app
