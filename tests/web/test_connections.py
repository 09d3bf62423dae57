"""Connections (Call Control Applications, issue 13 item 4): declared with --connection or a
scenario's ``connections``, they give calls their webhook URLs, and an undeclared
connection_id is refused as Telnyx refuses it. None declared: any connection_id goes."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import web

from mockserver.config import Connection
from mockserver.core.effects import SendWebhook
from mockserver.spec.scenario_files import ScenarioError, load_scenario_text
from mockserver.spec.validation import SchemaRegistry
from tests.conftest import API_KEY, Harness, MakeHarness

DIAL = {"connection_id": "app-1", "to": "+13125550100", "from": "+13125550111"}
SPEC_DETAIL = (
    "The requested connection_id (Call Control App ID) is either invalid or does not exist."
    " Only Call Control Apps with valid webhook URL are accepted."
)


async def declared(make_harness: MakeHarness, **extra: Any) -> Harness:
    harness = await make_harness()
    url = harness.receiver.url
    connection = Connection("app-1", f"{url}/app-1", f"{url}/app-1-failover", **extra)
    return await make_harness(connections=(connection,))


async def test_dial_without_webhook_url_delivers_to_the_connection(
    make_harness: MakeHarness,
) -> None:
    harness = await declared(make_harness)
    status, body = await harness.post("/v2/calls", DIAL)
    assert status == 200, body
    await harness.advance(1)
    assert [(r.event_type, r.path) for r in harness.receiver.received] == [
        ("call.initiated", "/webhooks/app-1"),
        ("call.answered", "/webhooks/app-1"),
    ]


async def test_the_dial_webhook_url_wins_over_the_connection(make_harness: MakeHarness) -> None:
    harness = await declared(make_harness)
    status, _ = await harness.post("/v2/calls", {**DIAL, "webhook_url": harness.receiver.url})
    assert status == 200
    await harness.advance(0)
    assert [r.path for r in harness.receiver.received] == ["/webhooks"]


async def test_the_connection_failover_takes_over(make_harness: MakeHarness) -> None:
    harness = await declared(make_harness)

    async def primary_down(request: web.Request) -> web.StreamResponse:
        return web.Response(status=503 if request.path.endswith("/app-1") else 200)

    harness.receiver.behaviour = primary_down
    await harness.post("/v2/calls", DIAL)
    await harness.advance(0)
    assert [r.path for r in harness.receiver.received] == [
        "/webhooks/app-1",
        "/webhooks/app-1-failover",
    ]


@pytest.mark.parametrize("where", ["dial", "inbound"])
async def test_an_undeclared_connection_id_is_spec_s_422(
    make_harness: MakeHarness, where: str
) -> None:
    harness = await declared(make_harness)
    if where == "dial":
        status, body = await harness.post("/v2/calls", {**DIAL, "connection_id": "other"})
    else:
        inbound = {"to": "+13125550100", "from": "+13125550199", "connection_id": "other"}
        status, body = await harness.post("/_mock/calls", inbound)
    assert status == 422
    assert body["errors"] == [
        {
            "code": "10015",
            "title": "Invalid value for connection_id (Call Control App ID)",
            "detail": SPEC_DETAIL,
            "source": {"pointer": "/connection_id"},
        }
    ]
    assert harness.mock.simulator.tenant(API_KEY).calls == {}


async def test_an_inbound_call_on_a_declared_connection_goes_to_its_url(
    make_harness: MakeHarness,
) -> None:
    harness = await declared(make_harness)
    inbound = {"to": "+13125550100", "from": "+13125550199", "connection_id": "app-1"}
    status, body = await harness.post("/_mock/calls", inbound)
    assert status == 200, body
    await harness.advance(0)
    assert [(r.event_type, r.path) for r in harness.receiver.received] == [
        ("call.initiated", "/webhooks/app-1")
    ]


async def test_a_scenario_declares_connections_too(
    make_harness: MakeHarness, schemas: SchemaRegistry
) -> None:
    url = (await make_harness()).receiver.url
    text = f"connections:\n  app-1:\n    webhook_url: {url}/from-scenario\n"
    scenario = load_scenario_text(text, label="apps.yaml", schema=schemas.schemas["scenario"])
    harness = await make_harness(scenario=scenario)
    status, _ = await harness.post("/v2/calls", DIAL)
    assert status == 200
    status, body = await harness.post("/v2/calls", {**DIAL, "connection_id": "nope"})
    assert status == 422 and body["errors"][0]["source"] == {"pointer": "/connection_id"}
    await harness.advance(0)
    assert [r.path for r in harness.receiver.received] == ["/webhooks/from-scenario"]


async def test_the_connection_webhook_timeout_goes_with_its_events(
    make_harness: MakeHarness,
) -> None:
    harness = await declared(make_harness, webhook_timeout_secs=5.0)
    _, effects = harness.mock.simulator.dial(API_KEY, dict(DIAL), harness.mock.now())
    sent = [e for e in effects if isinstance(e, SendWebhook)]
    assert sent and all(e.event.timeout == 5.0 for e in sent)


async def test_without_connections_any_connection_id_goes_as_before(harness: Harness) -> None:
    status, body = await harness.post(
        "/v2/calls", {**DIAL, "connection_id": "anything", "webhook_url": harness.receiver.url}
    )
    assert status == 200, body


async def test_a_dial_with_no_webhook_url_anywhere_is_a_warning_and_journaled(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        status, body = await harness.post("/v2/calls", DIAL)
        await harness.advance(0)
    assert status == 200
    ccid = body["data"]["call_control_id"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"Dial for call {ccid} has no webhook URL" in w for w in warnings), warnings
    response = await harness.client.get("/_mock/webhooks", params={"call_control_id": ccid})
    (entry,) = (await response.json())["data"]
    assert entry["outcome"] == "undelivered" and entry["error"].startswith("no webhook URL")


def test_a_connection_without_a_webhook_url_is_not_a_scenario(schemas: SchemaRegistry) -> None:
    with pytest.raises(ScenarioError, match="webhook_url"):
        load_scenario_text(
            "connections:\n  app-1:\n    webhook_url_failover: http://x/y\n",
            label="apps.yaml",
            schema=schemas.schemas["scenario"],
        )
