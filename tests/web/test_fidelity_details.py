"""Payload and header details a real app reads (issue 13, item 5): SIP URIs of inbound calls,
``flow_destination``, ``x-request-id`` on every answer, millisecond REST timestamps."""

from __future__ import annotations

import re
from typing import Any

from referencing import Registry

from tests.conftest import Harness
from tests.spec_helpers import spec_errors
from tests.web.media_support import inbound

ISO_MILLIS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


async def test_inbound_call_initiated_carries_both_sip_uris_as_live_telnyx(
    harness: Harness, telnyx_spec: Registry[Any]
) -> None:
    await inbound(harness, client_state="aGVsbG8=")
    (initiated,) = harness.receiver.events("call.initiated")
    assert initiated.payload["from_sip_uri"] == "+13125550199@206.147.72.186:5060"
    assert initiated.payload["to_sip_uri"] == "+13125550100@192.76.120.10:5060"
    assert spec_errors(telnyx_spec, "CallInitiatedEvent", {"data": initiated.body["data"]}) == []


async def test_outbound_call_initiated_has_no_sip_uris(harness: Harness) -> None:
    await harness.dial()
    await harness.advance(0)
    (initiated,) = harness.receiver.events("call.initiated")
    assert "from_sip_uri" not in initiated.payload and "to_sip_uri" not in initiated.payload


async def test_recording_saved_carries_flow_destination(harness: Harness) -> None:
    ccid = await harness.answered_call()
    await harness.command(ccid, "record_start", {"format": "wav", "channels": "single"})
    await harness.advance(3)
    await harness.command(ccid, "hangup")
    await harness.advance(5)
    (saved,) = harness.receiver.events("call.recording.saved")
    assert saved.payload["flow_destination"] == "telnyx_number_cc_app"


async def test_every_answer_carries_a_fresh_request_id(harness: Harness) -> None:
    seen = set()
    for method, path, headers in [
        ("POST", "/v2/calls", harness.auth()),  # 422: no body fields
        ("GET", "/v2/recordings", harness.auth()),  # 200
        ("GET", "/v2/recordings", {}),  # 401
        ("GET", "/v2/nowhere", harness.auth()),  # 404
        ("GET", "/_mock/health", {}),  # control API
    ]:
        async with harness.client.request(method, path, headers=headers, json={}) as response:
            request_id = response.headers.get("x-request-id", "")
            assert UUID.match(request_id), (path, response.status, request_id)
            seen.add(request_id)
    assert len(seen) == 5


async def test_rest_timestamps_have_three_fractional_digits(harness: Harness) -> None:
    await harness.advance(0.123456)
    call = await harness.dial()
    assert ISO_MILLIS_Z.match(call["start_time"]) and call["start_time"].endswith("20.123Z")
    ccid = call["call_control_id"]
    await harness.advance(1)
    await harness.command(ccid, "record_start", {"format": "wav", "channels": "single"})
    await harness.advance(2)
    await harness.command(ccid, "hangup")
    await harness.advance(2)
    status, body = await harness.get(f"/v2/calls/{ccid}")
    assert status == 200
    assert ISO_MILLIS_Z.match(body["data"]["start_time"])
    assert ISO_MILLIS_Z.match(body["data"]["end_time"])
    status, body = await harness.get("/v2/recordings")
    (recording,) = body["data"]
    times = {k: v for k, v in recording.items() if k.endswith(("_at", "_time"))}
    assert len(times) == 4 and all(ISO_MILLIS_Z.match(v) for v in times.values()), times
    # Webhooks keep the microseconds the live captures show.
    (saved,) = harness.receiver.events("call.recording.saved")
    assert re.match(r".*\.\d{6}Z$", saved.payload["recording_started_at"])
