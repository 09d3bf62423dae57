"""Webhook routing as Telnyx's Dial/Answer take it (issue 13, item 3): ``webhook_url_method``
GET, ``webhook_urls`` per event type with ``webhook_urls_method``, and
``webhook_retries_policies``."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import web
from nacl.signing import VerifyKey

from tests.conftest import Harness
from tests.web.media_support import inbound


def verify(harness: Harness, headers: Any, signed: bytes) -> None:
    key = VerifyKey(base64.b64decode(harness.mock.signer.public_key_b64))
    message = headers["telnyx-timestamp"].encode() + b"|" + signed
    key.verify(message, base64.b64decode(headers["telnyx-signature-ed25519"]))


async def test_get_method_sends_the_envelope_as_signed_query_parameters(harness: Harness) -> None:
    call = await harness.dial(webhook_url_method="GET", client_state="aGVsbG8=")
    await harness.advance(0)
    (initiated,) = harness.receiver.events("call.initiated")
    assert initiated.method == "GET" and initiated.path == "/webhooks"
    payload = initiated.payload
    assert payload["call_control_id"] == call["call_control_id"]
    assert payload["client_state"] == "aGVsbG8=" and payload["direction"] == "outgoing"
    assert initiated.body["meta"] == {"attempt": "1", "delivered_to": harness.receiver.url}
    raw = initiated.raw.decode()
    assert "data%5Bpayload%5D%5Bcall_control_id%5D=" in raw  # data[payload][call_control_id]
    verify(harness, initiated.headers, initiated.raw)  # the signature covers the query string


async def test_post_stays_the_default(harness: Harness) -> None:
    await harness.dial()
    await harness.advance(0)
    (initiated,) = harness.receiver.events("call.initiated")
    assert initiated.method == "POST" and initiated.headers["content-type"] == "application/json"


async def test_webhook_urls_send_each_event_type_to_its_own_url(harness: Harness) -> None:
    base = harness.receiver.url
    ccid = await harness.answered_call(
        webhook_urls={"call.answered": f"{base}/answered", "call.hangup": f"{base}/hangup"},
        webhook_urls_method="GET",
    )
    await harness.command(ccid, "hangup")
    await harness.advance(1)
    routes = {(r.event_type, r.path, r.method) for r in harness.receiver.received}
    assert routes == {
        ("call.initiated", "/webhooks", "POST"),
        ("call.answered", "/webhooks/answered", "GET"),
        ("call.hangup", "/webhooks/hangup", "GET"),
    }
    (answered,) = harness.receiver.events("call.answered")
    assert answered.body["meta"]["delivered_to"] == f"{base}/answered"


async def test_answer_sets_the_routing_of_an_inbound_call(harness: Harness) -> None:
    ccid = await inbound(harness)
    status, body = await harness.command(
        ccid,
        "answer",
        {
            "webhook_urls": {"call.answered": f"{harness.receiver.url}/a"},
            "webhook_url_method": "GET",
        },
    )
    assert status == 200, body
    await harness.advance(0)
    await harness.command(ccid, "hangup")
    await harness.advance(0)
    routes = [(r.event_type, r.path, r.method) for r in harness.receiver.received]
    assert routes == [
        ("call.initiated", "/webhooks", "POST"),
        ("call.answered", "/webhooks/a", "POST"),  # webhook_urls_method stays POST
        ("call.hangup", "/webhooks", "GET"),
    ]


async def test_a_retry_policy_sets_the_delays_for_its_event_type(harness: Harness) -> None:
    async def failing(request: web.Request) -> web.StreamResponse:
        return web.Response(status=503)

    harness.receiver.behaviour = failing
    policy = {"call.initiated": {"retries_ms": [100, 250]}}
    await harness.dial(webhook_retries_policies=policy)
    await harness.advance(0)
    assert len(harness.receiver.events("call.initiated")) == 1
    await harness.advance(0.099)
    assert len(harness.receiver.events("call.initiated")) == 1
    await harness.advance(0.001)
    assert len(harness.receiver.events("call.initiated")) == 2
    await harness.advance(0.25)
    attempts = [r.body["meta"]["attempt"] for r in harness.receiver.events("call.initiated")]
    assert attempts == [1, 2, 3]
    await harness.advance(60)  # no fourth attempt: the policy had two retries
    assert len(harness.receiver.events("call.initiated")) == 3
    # Other event types keep the server's schedule (1 s, then 2 s).
    answered = harness.receiver.events("call.answered")
    assert [r.body["meta"]["attempt"] for r in answered] == [1, 2, 3]


async def test_a_retry_policy_over_60_seconds_or_negative_is_refused(harness: Harness) -> None:
    for delays, words in (([30_000, 30_001], "cannot exceed 60000 ms"), ([-1], "negative")):
        body = {
            "connection_id": "1",
            "to": "+13125550100",
            "from": "+13125550111",
            "webhook_retries_policies": {"call.hangup": {"retries_ms": delays}},
        }
        status, response = await harness.post("/v2/calls", body)
        assert status == 422, response
        (error,) = response["errors"]
        assert error["code"] == "10033" and words in error["detail"]
        assert error["source"] == {"pointer": "/webhook_retries_policies/call.hangup/retries_ms"}
    status, response = await harness.post(
        "/v2/calls",
        {**body, "webhook_retries_policies": {"call.hangup": {"retries_ms": [1] * 6}}},
    )
    assert status == 422 and response["errors"][0]["code"] == "10033"  # maxItems 5 (schema)
    assert harness.mock.simulator.tenant("KEY_TENANT_A").calls == {}


async def test_a_webhook_urls_entry_reaching_the_control_api_is_refused(harness: Harness) -> None:
    own = str(harness.client.make_url("/_mock/reset"))
    status, body = await harness.post(
        "/v2/calls",
        {
            "connection_id": "1",
            "to": "+13125550100",
            "from": "+13125550111",
            "webhook_urls": {"call.hangup": own},
        },
    )
    assert status == 422 and body["errors"][0]["source"] == {"pointer": "/webhook_urls/call.hangup"}
