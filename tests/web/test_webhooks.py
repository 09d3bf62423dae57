"""Webhooks as a receiver sees them: envelope, schema, signature, delivery, journal, control API.

Everything runs on the manual clock: time moves only in ``harness.advance`` (or
``POST /_mock/clock/advance``), so no test sleeps to wait for a webhook.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from nacl.signing import SigningKey, VerifyKey
from referencing import Registry
from telnyx import Telnyx

from mockserver.config import ServerConfig
from mockserver.core import events
from mockserver.core.scenario import Scenario
from mockserver.core.signing import WebhookSigner
from mockserver.runtime.mock import build_mock
from mockserver.spec.validation import SchemaRegistry
from mockserver.web.app import build_app
from tests.conftest import API_KEY, OTHER_KEY, START, Harness, MakeHarness, Receiver
from tests.spec_helpers import spec_errors

ISO_MICROS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")

EVENT_COMPONENTS = {
    "call.initiated": "CallInitiatedEvent",
    "call.answered": "CallAnsweredEvent",
    "call.hangup": "CallHangupEvent",
    "call.recording.saved": "CallRecordingSavedEvent",
    "call.recording.transcription.saved": "callRecordingTranscriptionSavedEvent",
    "call.recording.error": "callRecordingErrorEvent",
}

SDK_EVENT_CLASSES = {
    "call.initiated": "CallInitiatedWebhookEvent",
    "call.answered": "CallAnsweredWebhookEvent",
    "call.hangup": "CallHangupWebhookEvent",
    "call.recording.saved": "CallRecordingSavedWebhookEvent",
    "call.recording.transcription.saved": "CallRecordingTranscriptionSavedWebhookEvent",
}

RECORD = {"format": "wav", "channels": "single"}

Behaviour = Callable[[web.Request], Any]


# -- helpers ---------------------------------------------------------------------------------


def respond_with(status_for: Callable[[web.Request], int]) -> Behaviour:
    """A receiver behaviour answering each request with the status ``status_for`` picks."""

    async def behaviour(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status_for(request), text="x")

    return behaviour


async def journal(harness: Harness, **query: str) -> list[dict[str, Any]]:
    response = await harness.client.get("/_mock/webhooks", params=query)
    assert response.status == 200
    return list((await response.json())["data"])


def closed_port_url() -> str:
    with socket.socket() as sock:  # bound, then closed: nobody listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/webhooks"


async def recorded_call(harness: Harness, **dial: Any) -> str:
    """A call taken through every event the mock sends: initiated ... transcription.saved."""
    ccid = await harness.answered_call(**dial)
    status, body = await harness.command(
        ccid, "record_start", {"format": "mp3", "channels": "single", "transcription": True}
    )
    assert status == 200, body
    await harness.advance(5)
    status, body = await harness.command(ccid, "hangup")
    assert status == 200, body
    await harness.advance(10)
    return ccid


def raw_verify(public_key_b64: str, headers: dict[str, str], raw: bytes) -> None:
    message = headers["telnyx-timestamp"].encode() + b"|" + raw
    signature = base64.b64decode(headers["telnyx-signature-ed25519"], validate=True)
    VerifyKey(base64.b64decode(public_key_b64, validate=True)).verify(message, signature)


async def public_key(harness: Harness) -> str:
    status, body = await harness.get("/_mock/webhook-key", key=None)
    assert status == 200
    return str(body["public_key"])


# -- 1. envelope and headers -----------------------------------------------------------------


async def test_envelope_is_exactly_data_and_meta_as_telnyx_sends_it(harness: Harness) -> None:
    call = await harness.dial()
    await harness.advance(1)
    assert harness.receiver.types() == ["call.initiated", "call.answered"]
    ids = set()
    for received in harness.receiver.received:
        body = received.body
        assert set(body) == {"data", "meta"}
        assert set(body["data"]) == {"record_type", "event_type", "id", "occurred_at", "payload"}
        assert body["data"]["record_type"] == "event"
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
            body["data"]["id"],
        )
        assert body["data"]["payload"]["call_control_id"] == call["call_control_id"]
        assert body["meta"] == {"attempt": 1, "delivered_to": harness.receiver.url}
        assert json.loads(received.raw) == body
        ids.add(body["data"]["id"])
    assert len(ids) == 2  # one id per event


async def test_occurred_at_has_microseconds_and_z_and_follows_the_simulated_clock(
    harness: Harness,
) -> None:
    await harness.advance(0.25)
    await harness.dial()
    await harness.advance(1)
    initiated, answered = harness.receiver.received
    assert ISO_MICROS_Z.match(initiated.body["data"]["occurred_at"])
    assert initiated.body["data"]["occurred_at"] == "2026-09-21T14:13:20.250000Z"
    assert answered.body["data"]["occurred_at"] == "2026-09-21T14:13:21.250000Z"


async def test_headers_match_a_real_delivery(harness: Harness) -> None:
    before = int(time.time())
    await harness.dial()
    await harness.advance(0)
    after = int(time.time())
    (received,) = harness.receiver.received
    headers = received.headers
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "telnyx-webhooks"
    assert len(base64.b64decode(headers["telnyx-signature-ed25519"], validate=True)) == 64
    # Unix seconds of the wall clock, not of the simulated clock (which starts in 2026-09).
    assert re.fullmatch(r"\d+", headers["telnyx-timestamp"])
    assert before <= int(headers["telnyx-timestamp"]) <= after


async def test_timestamp_header_follows_the_wall_clock_while_the_manual_clock_moves(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(wall_clock=lambda: 1_234_567_890.75)
    await harness.dial()
    await harness.advance(100)  # the call is answered; simulated time moves, wall time not
    assert [r.headers["telnyx-timestamp"] for r in harness.receiver.received] == [
        "1234567890",
        "1234567890",
    ]


# -- 2. payloads against Telnyx's schema -----------------------------------------------------


@pytest.mark.parametrize("event_type", list(EVENT_COMPONENTS))
async def test_payload_validates_against_the_telnyx_event_schema(
    make_harness: MakeHarness, telnyx_spec: Registry[Any], event_type: str
) -> None:
    # The recording_error fault turns call.recording.saved into call.recording.error.
    failing = event_type == "call.recording.error"
    harness = await make_harness(
        scenario=Scenario(recording_error="Internal server error" if failing else None)
    )
    await recorded_call(harness, client_state="aGVsbG8=")
    (received,) = harness.receiver.events(event_type)
    component = EVENT_COMPONENTS[event_type]
    assert spec_errors(telnyx_spec, component, {"data": received.body["data"]}) == []
    # jsonschema skips format "date-time" without rfc3339-validator: check the shape here.
    times = {"occurred_at": received.body["data"]["occurred_at"]} | {
        k: v for k, v in received.payload.items() if k.endswith(("_time", "_at"))
    }
    assert all(ISO_MICROS_Z.match(v) for v in times.values()), times


async def test_schema_check_is_not_vacuous(harness: Harness, telnyx_spec: Registry[Any]) -> None:
    await recorded_call(harness, client_state="aGVsbG8=")
    (hangup,) = harness.receiver.events("call.hangup")
    data = json.loads(hangup.raw)["data"]
    data["payload"]["hangup_cause"] = "because"
    data["event_type"] = "call.answered"
    errors = spec_errors(telnyx_spec, "CallHangupEvent", {"data": data})
    assert errors == [
        "$.data.event_type: 'call.answered' is not one of ['call.hangup']",
        "$.data.payload.hangup_cause: 'because' is not one of ['call_rejected', "
        "'normal_clearing', 'originator_cancel', 'timeout', 'time_limit', 'user_busy', "
        "'not_found', 'no_answer', 'unspecified']",
    ]


async def test_hangup_of_a_never_answered_call_validates_against_the_schema(
    harness: Harness, telnyx_spec: Registry[Any]
) -> None:
    call = await harness.dial(client_state="aGVsbG8=")
    status, body = await harness.command(call["call_control_id"], "hangup")
    assert status == 200, body
    await harness.advance(0)
    (hangup,) = harness.receiver.events("call.hangup")
    assert "telnyx_error" in hangup.payload and "call_quality_stats" not in hangup.payload
    assert spec_errors(telnyx_spec, "CallHangupEvent", {"data": hangup.body["data"]}) == []


async def test_recording_error_as_rendered_validates_against_the_schema(
    harness: Harness, telnyx_spec: Registry[Any]
) -> None:
    ccid = await harness.answered_call(client_state="aGVsbG8=")
    call = harness.mock.simulator.find_call(API_KEY, ccid)
    assert call is not None
    event = events.recording_error(
        call, "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0", START, "Internal server error"
    )
    data = event.envelope(1, harness.receiver.url)["data"]
    assert spec_errors(telnyx_spec, "callRecordingErrorEvent", {"data": data}) == []


async def test_unset_client_state_is_null_as_live_telnyx_sends_though_the_spec_says_string(
    harness: Harness, telnyx_spec: Registry[Any]
) -> None:
    await harness.dial()
    await harness.advance(1)
    for received in harness.receiver.received:
        assert received.payload["client_state"] is None
        component = EVENT_COMPONENTS[received.event_type]
        errors = spec_errors(telnyx_spec, component, {"data": received.body["data"]})
        assert errors == ["$.data.payload.client_state: None is not of type 'string'"]


# -- 3. signatures ---------------------------------------------------------------------------


async def test_official_sdk_verifies_and_unwraps_every_delivered_webhook(
    harness: Harness,
) -> None:
    await recorded_call(harness)
    client = Telnyx(api_key="k", public_key=await public_key(harness))
    assert len(harness.receiver.received) == 5
    for received in harness.receiver.received:
        event = client.webhooks.unwrap(received.raw.decode(), headers=received.headers)
        assert event.data is not None
        assert event.data.event_type == received.event_type
        assert event.data.id == received.body["data"]["id"]
        assert type(event).__name__ == SDK_EVENT_CLASSES[received.event_type]


async def test_raw_ed25519_signature_covers_timestamp_pipe_raw_body(harness: Harness) -> None:
    await harness.dial()
    await harness.advance(1)
    key = await public_key(harness)
    for received in harness.receiver.received:
        raw_verify(key, received.headers, received.raw)


async def test_sdk_rejects_a_body_with_one_byte_changed(harness: Harness) -> None:
    await harness.dial()
    await harness.advance(0)
    (received,) = harness.receiver.received
    text = received.raw.decode()
    tampered = text.replace('"attempt":1', '"attempt":2', 1)
    assert tampered != text and len(tampered) == len(text)
    client = Telnyx(api_key="k", public_key=await public_key(harness))
    client.webhooks.unwrap(text, headers=received.headers)  # the original passes
    with pytest.raises(ValueError, match=r"[Ss]ignature"):
        client.webhooks.unwrap(tampered, headers=received.headers)


async def test_sdk_rejects_a_stale_timestamp_though_the_signature_is_valid(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(wall_clock=lambda: time.time() - 3600)
    await harness.dial()
    await harness.advance(0)
    (received,) = harness.receiver.received
    key = await public_key(harness)
    raw_verify(key, received.headers, received.raw)  # the signature itself is good
    with pytest.raises(ValueError, match="timestamp"):
        Telnyx(api_key="k", public_key=key).webhooks.unwrap(
            received.raw.decode(), headers=received.headers
        )


async def test_pinned_signing_key_file_is_served_and_signs_webhooks(
    receiver: Receiver, schemas: SchemaRegistry, tmp_path: Path
) -> None:
    seed = SigningKey.generate()
    key_file = tmp_path / "signing.key"
    key_file.write_text(base64.b64encode(bytes(seed)).decode() + "\n", encoding="ascii")
    expected = base64.b64encode(bytes(seed.verify_key)).decode()
    mock = build_mock(
        ServerConfig(clock_mode="manual", seed=7),
        signer=WebhookSigner.from_file(key_file),
        start_time=START,
        schemas=schemas,
    )
    client: TestClient[Any, Any] = TestClient(TestServer(build_app(mock), host="127.0.0.1"))
    await client.start_server()
    try:
        response = await client.get("/_mock/webhook-key")
        assert (response.status, await response.json()) == (200, {"public_key": expected})
        harness = Harness(client, mock, receiver)
        await harness.dial()
        await harness.advance(0)
        (received,) = receiver.received
        raw_verify(expected, received.headers, received.raw)
    finally:
        await client.close()


# -- 4. delivery: failures, failover, retries, isolation, order ------------------------------


async def test_failed_primary_goes_straight_to_the_failover_url_as_attempt_2(
    harness: Harness,
) -> None:
    failover = harness.receiver.url + "/failover"
    harness.receiver.behaviour = respond_with(lambda r: 500 if r.path == "/webhooks" else 200)
    call = await harness.dial(webhook_url_failover=failover)
    await harness.advance(0)  # no time passes: the failover is tried at once

    first, second = harness.receiver.received
    assert first.body["meta"] == {"attempt": 1, "delivered_to": harness.receiver.url}
    assert second.body["meta"] == {"attempt": 2, "delivered_to": failover}
    assert first.body["data"] == second.body["data"]  # the same event, same id
    entries = await journal(harness, call_control_id=call["call_control_id"])
    assert [(e["attempt"], e["url"], e["status"], e["outcome"]) for e in entries] == [
        (1, harness.receiver.url, 500, "failed"),
        (2, failover, 200, "delivered"),
    ]
    assert entries[0]["error"] == "HTTP 500" and entries[1]["error"] is None


async def test_without_failover_the_primary_is_retried_on_the_clock(harness: Harness) -> None:
    harness.receiver.behaviour = respond_with(lambda r: 503)
    await harness.dial()
    await harness.advance(0)
    assert len(harness.receiver.received) == 1

    await harness.advance(0.999)  # first retry delay is 1 s
    assert len(harness.receiver.received) == 1
    await harness.advance(0.001)
    assert len(harness.receiver.received) == 2

    await harness.advance(1.999)  # second retry delay is 2 s
    assert len(harness.receiver.received) == 2
    await harness.advance(0.001)

    initiated = harness.receiver.events("call.initiated")
    assert [r.body["meta"]["attempt"] for r in initiated] == [1, 2, 3]
    assert {r.body["data"]["id"] for r in initiated} == {initiated[0].body["data"]["id"]}
    assert all(r.body["meta"]["delivered_to"] == harness.receiver.url for r in initiated)


async def test_custom_retry_delays_are_followed(make_harness: MakeHarness) -> None:
    harness = await make_harness(webhook_retry_delays=(10.0,))
    harness.receiver.behaviour = respond_with(lambda r: 500)
    await harness.dial(timeout_secs=60, time_limit_secs=600)
    await harness.advance(9.5)
    assert len(harness.receiver.events("call.initiated")) == 1
    await harness.advance(0.5)
    assert len(harness.receiver.events("call.initiated")) == 2
    await harness.advance(100)
    assert len(harness.receiver.events("call.initiated")) == 2  # one retry only


async def test_an_event_that_exhausts_its_retries_is_journaled_undelivered(
    harness: Harness,
) -> None:
    harness.receiver.behaviour = respond_with(lambda r: 500)
    call = await harness.dial()
    await harness.advance(3)
    entries = await journal(
        harness, event_type="call.initiated", call_control_id=call["call_control_id"]
    )
    assert [(e["attempt"], e["outcome"]) for e in entries] == [
        (1, "failed"),
        (2, "failed"),
        (3, "failed"),
        (3, "undelivered"),
    ]
    final = entries[-1]
    assert final["error"] == "retries exhausted after 3 attempts (last: HTTP 500)"
    assert final["status"] is None
    assert final["body"]["data"]["event_type"] == "call.initiated"
    assert [e["simulated_at"] for e in entries[:3]] == [
        "2026-09-21T14:13:20.000000Z",
        "2026-09-21T14:13:21.000000Z",
        "2026-09-21T14:13:23.000000Z",
    ]


async def test_primary_and_failover_are_both_retried_each_round(harness: Harness) -> None:
    failover = harness.receiver.url + "/failover"
    harness.receiver.behaviour = respond_with(lambda r: 500)
    await harness.dial(webhook_url_failover=failover)
    await harness.advance(3)
    initiated = harness.receiver.events("call.initiated")
    assert [(r.body["meta"]["attempt"], r.body["meta"]["delivered_to"]) for r in initiated] == [
        (1, harness.receiver.url),
        (2, failover),
        (3, harness.receiver.url),
        (4, failover),
        (5, harness.receiver.url),
        (6, failover),
    ]


async def test_a_receiver_resetting_the_connection_is_a_failed_attempt(
    harness: Harness,
) -> None:
    async def reset(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.abort()
        raise ConnectionResetError("receiver hung up")

    harness.receiver.behaviour = reset
    call = await harness.dial()
    await harness.advance(0)
    (entry,) = await journal(harness)
    assert entry["outcome"] == "failed" and entry["status"] is None
    assert entry["error"]
    status, body = await harness.get(f"/v2/calls/{call['call_control_id']}")
    assert status == 200, body


async def test_a_receiver_that_is_down_is_a_failed_attempt(harness: Harness) -> None:
    call = await harness.dial(webhook_url=closed_port_url())
    await harness.advance(0)
    (entry,) = await journal(harness)
    assert entry["outcome"] == "failed" and entry["status"] is None
    assert "Connect" in entry["error"] or "refused" in entry["error"].lower()
    status, body = await harness.get(f"/v2/calls/{call['call_control_id']}")
    assert status == 200, body
    status, body = await harness.get("/_mock/health", key=None)
    assert status == 200 and body["status"] == "ok"


async def test_a_hung_receiver_for_one_call_does_not_delay_another_call(
    make_harness: MakeHarness, receiver: Receiver
) -> None:
    release = asyncio.Event()
    b_arrived = asyncio.Event()

    async def behaviour(request: web.Request) -> web.StreamResponse:
        if request.path.endswith("/a"):
            await release.wait()  # hangs past the mock's 2 s timeout
        else:
            b_arrived.set()
        return web.Response(text="ok")

    receiver.behaviour = behaviour
    # 2 s: B's webhooks, answered at once, must still beat it on a loaded machine.
    harness = await make_harness(webhook_timeout_seconds=2.0, webhook_retry_delays=(30.0,))
    try:
        a = (await harness.dial(webhook_url=receiver.url + "/a"))["call_control_id"]
        # The API answers while A's call.initiated hangs, and B's webhook goes out.
        b = (await harness.dial(webhook_url=receiver.url + "/b"))["call_control_id"]
        await asyncio.wait_for(b_arrived.wait(), timeout=30)
        assert not harness.mock.dispatcher.entries(call_control_id=a)  # A still hangs

        advancing = asyncio.create_task(harness.advance(1))  # waits for A's hung attempt
        status, body = await harness.get(f"/v2/calls/{a}")
        assert status == 200, body
        status, body = await harness.get("/_mock/health", key=None)
        assert status == 200, body
        await advancing
    finally:
        release.set()

    entries = await journal(harness)
    a_first = next(e for e in entries if e["call_control_id"] == a)
    b_first = next(e for e in entries if e["call_control_id"] == b)
    assert b_first["outcome"] == "delivered"
    assert b_first["seq"] < a_first["seq"]  # B was done before A's attempt gave up
    assert (a_first["event_type"], a_first["outcome"]) == ("call.initiated", "failed")
    assert a_first["error"] == "timeout after 2.0 s"
    assert a_first["latency_ms"] >= 1900
    assert [r.event_type for r in receiver.events(call_control_id=b)] == [
        "call.initiated",
        "call.answered",
    ]


async def test_hangup_is_delivered_before_recording_saved_even_with_no_saved_delay(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(scenario=Scenario(recording_saved_delay=0))
    ccid = await harness.answered_call()
    assert (await harness.command(ccid, "record_start", RECORD))[0] == 200
    await harness.advance(3)
    assert (await harness.command(ccid, "hangup"))[0] == 200
    await harness.advance(0)
    assert harness.receiver.types() == [
        "call.initiated",
        "call.answered",
        "call.hangup",
        "call.recording.saved",
    ]
    hangup, saved = harness.receiver.received[2:]
    assert hangup.body["data"]["occurred_at"] == saved.body["data"]["occurred_at"]


async def test_a_failing_event_holds_back_the_later_events_of_its_call(
    harness: Harness,
) -> None:
    failed_once: set[str] = set()

    def status_for(request: web.Request) -> int:
        latest = harness.receiver.received[-1]
        if latest.event_type == "call.initiated" and "initiated" not in failed_once:
            failed_once.add("initiated")
            return 500
        return 200

    harness.receiver.behaviour = respond_with(status_for)
    call = await harness.dial()
    await harness.advance(0.5)  # call.initiated failed once; its retry is due at +1 s
    status, body = await harness.command(call["call_control_id"], "hangup")
    assert status == 200, body
    await harness.advance(0)
    assert harness.receiver.types() == ["call.initiated"]  # the hangup waits its turn
    await harness.advance(0.5)
    assert harness.receiver.types() == ["call.initiated", "call.initiated", "call.hangup"]


async def test_a_redirect_is_a_failure_and_is_not_followed(harness: Harness) -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        if request.path == "/webhooks":
            return web.Response(status=307, headers={"Location": "/elsewhere"})
        return web.Response(text="ok")

    harness.receiver.behaviour = redirect
    await harness.dial()
    await harness.advance(0)
    assert len(harness.receiver.received) == 1  # /elsewhere was never requested
    (entry,) = await journal(harness)
    assert (entry["status"], entry["outcome"], entry["error"]) == (307, "failed", "HTTP 307")


# -- 5. journal and control API --------------------------------------------------------------


async def test_journal_filters_by_event_type_and_call_control_id_newest_last(
    harness: Harness,
) -> None:
    first = (await harness.dial())["call_control_id"]
    second = (await harness.dial())["call_control_id"]
    await harness.advance(1)

    everything = await journal(harness)
    assert len(everything) == 4
    seqs = [e["seq"] for e in everything]
    assert seqs == sorted(seqs)
    assert [e["event_type"] for e in everything][-2:] == ["call.answered", "call.answered"]

    answered = await journal(harness, event_type="call.answered")
    assert {e["call_control_id"] for e in answered} == {first, second}
    only_second = await journal(harness, call_control_id=second)
    assert [e["event_type"] for e in only_second] == ["call.initiated", "call.answered"]
    both = await journal(harness, event_type="call.initiated", call_control_id=first)
    assert [(e["event_type"], e["call_control_id"]) for e in both] == [("call.initiated", first)]
    assert await journal(harness, event_type="call.recording.saved") == []


async def test_journal_entries_say_what_happened(harness: Harness) -> None:
    await harness.dial()
    await harness.advance(0)
    (entry,) = await journal(harness)
    assert {
        "event_type",
        "url",
        "attempt",
        "status",
        "latency_ms",
        "error",
        "outcome",
        "body",
    } <= set(entry)
    assert entry["event_type"] == "call.initiated"
    assert entry["url"] == harness.receiver.url
    assert (entry["attempt"], entry["status"], entry["error"]) == (1, 200, None)
    assert entry["outcome"] == "delivered"
    assert isinstance(entry["latency_ms"], int | float) and entry["latency_ms"] >= 0
    assert entry["body"] == harness.receiver.received[0].body


async def test_journal_is_bounded(make_harness: MakeHarness) -> None:
    harness = await make_harness(journal_size=5)
    for _ in range(3):
        await harness.dial()
    await harness.advance(1)  # 3 x call.initiated + 3 x call.answered
    entries = await journal(harness)
    assert len(entries) == 5
    assert [e["seq"] for e in entries] == [2, 3, 4, 5, 6]  # the oldest went first


async def test_reset_clears_every_call_and_the_journal(harness: Harness) -> None:
    ccid = await harness.answered_call()
    other = (await harness.dial(key=OTHER_KEY))["call_control_id"]
    await harness.advance(0)
    status, body = await harness.post("/_mock/reset", {}, key=None)
    assert (status, body) == (200, {"data": {"result": "ok", "reset": "all"}})
    assert await journal(harness) == []
    assert (await harness.get(f"/v2/calls/{ccid}"))[0] == 404
    assert (await harness.get(f"/v2/calls/{other}", key=OTHER_KEY))[0] == 404


async def test_reset_of_one_tenant_keeps_the_other_tenants_calls(harness: Harness) -> None:
    mine = await harness.answered_call()
    theirs = (await harness.dial(key=OTHER_KEY))["call_control_id"]
    await harness.advance(0)
    status, body = await harness.post("/_mock/reset", {"api_key": API_KEY}, key=None)
    assert (status, body) == (200, {"data": {"result": "ok", "reset": API_KEY}})
    assert (await harness.get(f"/v2/calls/{mine}"))[0] == 404
    assert (await harness.get(f"/v2/calls/{theirs}", key=OTHER_KEY))[0] == 200
    remaining = await journal(harness)
    assert remaining and {e["call_control_id"] for e in remaining} == {theirs}
    assert await journal(harness, api_key=API_KEY) == []


async def test_reset_rejects_a_non_string_api_key(harness: Harness) -> None:
    status, body = await harness.post("/_mock/reset", {"api_key": 5}, key=None)
    assert status == 422 and body["errors"][0]["source"]["pointer"] == "/api_key"


async def test_control_clock_shows_and_advances_simulated_time(harness: Harness) -> None:
    status, body = await harness.get("/_mock/clock", key=None)
    assert status == 200
    assert body["data"]["mode"] == "manual"
    assert body["data"]["now"] == "2026-09-21T14:13:20.000000Z"
    assert body["data"]["epoch_seconds"] == START

    await harness.dial()
    status, body = await harness.post("/_mock/clock/advance", {"seconds": 5}, key=None)
    assert status == 200, body
    assert body["data"]["now"] == "2026-09-21T14:13:25.000000Z"
    assert body["data"]["timers_fired"] >= 1
    assert harness.receiver.types() == ["call.initiated", "call.answered"]
    status, body = await harness.get("/_mock/clock", key=None)
    assert body["data"]["epoch_seconds"] == START + 5


@pytest.mark.parametrize("seconds", [-1, "5", True, None, [1]])
async def test_control_clock_advance_rejects_negative_or_non_numbers(
    harness: Harness, seconds: Any
) -> None:
    status, body = await harness.post("/_mock/clock/advance", {"seconds": seconds}, key=None)
    assert status == 422, body
    assert body["errors"][0]["source"]["pointer"] == "/seconds"
    assert harness.mock.clock.now() == START


async def test_control_clock_advance_on_a_running_clock_is_a_conflict(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(clock_mode="real")
    status, body = await harness.post("/_mock/clock/advance", {"seconds": 5}, key=None)
    assert status == 409, body
    assert "manual" in body["errors"][0]["detail"]


async def test_health_reports_ok_and_pending_webhooks(harness: Harness) -> None:
    ccid = await harness.answered_call()
    assert (await harness.command(ccid, "record_start", RECORD))[0] == 200
    assert (await harness.command(ccid, "hangup"))[0] == 200
    await harness.advance(0)
    status, body = await harness.get("/_mock/health", key=None)
    assert status == 200
    assert body["status"] == "ok" and body["clock"] == "manual"
    assert body["pending_webhooks"] == 1  # call.recording.saved, due in 1 s


# -- 7. shutdown -----------------------------------------------------------------------------


async def test_shutdown_reports_webhooks_still_scheduled_as_undelivered(harness: Harness) -> None:
    ccid = await harness.answered_call()
    assert (await harness.command(ccid, "record_start", RECORD))[0] == 200
    assert (await harness.command(ccid, "hangup"))[0] == 200
    await harness.advance(0)

    reported = await harness.mock.dispatcher.shutdown()

    assert [(e.event_type, e.outcome) for e in reported] == [
        ("call.recording.saved", "undelivered")
    ]
    assert reported[0].error is not None and "shut down" in reported[0].error
    entries = await journal(harness, event_type="call.recording.saved")
    assert [(e["outcome"], e["error"]) for e in entries] == [("undelivered", reported[0].error)]
    assert harness.mock.dispatcher.pending_count() == 0
    await harness.advance(5)
    assert "call.recording.saved" not in harness.receiver.types()


async def test_a_timed_out_attempt_is_retried_before_the_next_event_and_nothing_overtakes(
    make_harness: MakeHarness, receiver: Receiver
) -> None:
    # What a loaded machine did once to a virtual-time test: an attempt outlived the mock's
    # webhook timeout. Reproduced on purpose: the receiver holds its first answer until the
    # mock has given up on it. The queue stays ordered: the retry goes out (and is answered)
    # before call.answered, which waits although it is due at the very instant of the retry.
    # The receiver may still record the abandoned attempt at any time: at-least-once
    # delivery, as Telnyx's; only the suite's harness (a generous timeout) keeps it rare.
    first_held = asyncio.Event()
    release = asyncio.Event()

    async def behaviour(request: web.Request) -> web.StreamResponse:
        if not first_held.is_set():
            first_held.set()
            await release.wait()  # past the mock's 1 s timeout
        return web.Response(text="ok")

    receiver.behaviour = behaviour
    harness = await make_harness(webhook_timeout_seconds=1.0, webhook_retry_delays=(1.0,))
    try:
        call = await harness.dial()
        await harness.advance(1)  # the retry and the answer are both due at +1 s
    finally:
        release.set()
    lines = [
        (e.event_type, e.attempt, e.outcome)
        for e in harness.mock.dispatcher.entries(call_control_id=call["call_control_id"])
    ]
    assert lines == [
        ("call.initiated", 1, "failed"),
        ("call.initiated", 2, "delivered"),
        ("call.answered", 1, "delivered"),
    ]
    # Arrival order at the receiver: the retry before call.answered, never the reverse.
    assert receiver.types() == ["call.initiated", "call.initiated", "call.answered"]
    assert [r.body["meta"]["attempt"] for r in receiver.received] == [1, 2, 1]
