"""Issue 12, hardening round two: each defect as it was reproduced, and its bound.

Scenario defects (4, 5, 6's YAML, 7's bounds, 12) are in tests/scenarios/test_scenario_hardening.py.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from mockserver.core.scenario import DEFAULT_SCENARIO
from tests.conftest import API_KEY, Harness, MakeHarness
from tests.web.media_support import inbound
from tests.web.telnyx_errors import error_items, send
from tests.web.test_hostile import raw_request

TOKEN = "control-secret"


# -- defect 6: odd inputs answered 500 ---------------------------------------------------------

HUGE_INTEGER = '{"seconds": ' + "1" * 4301 + "}"
JSON_ROUTES = [
    ("POST", "/v2/calls"),
    ("POST", "/v2/calls/v3:" + "Q" * 54 + "/actions/record_start"),
    ("POST", "/v2/recordings/actions/delete"),
    ("POST", "/_mock/reset"),
    ("POST", "/_mock/clock/advance"),
    ("POST", "/_mock/calls"),
    ("POST", "/_mock/calls/v3:" + "Q" * 54 + "/hangup"),
    ("POST", "/_mock/scenario"),
]


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
async def test_a_json_integer_over_4300_digits_is_400_on_every_json_route(
    harness: Harness, method: str, path: str
) -> None:
    response = await send(harness, method, path, HUGE_INTEGER)
    [item] = await error_items(response, 400)
    assert item["code"] == "10028" and "too many digits" in item["detail"]


async def test_redeliver_with_a_5000_digit_reference_is_404(harness: Harness) -> None:
    await harness.dial()  # a journal line to compare the reference with
    await harness.advance(0)
    assert harness.mock.dispatcher.journal
    status, body = await harness.post(f"/_mock/webhooks/{'9' * 5000}/redeliver", {}, key=None)
    assert status == 404 and body["errors"][0]["code"] == "10005"


async def test_a_control_token_that_is_not_utf8_is_401(make_harness: MakeHarness) -> None:
    h = await make_harness(control_token=TOKEN)
    request = (
        b"POST /_mock/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Authorization: Bearer \xff\xfe\r\nContent-Length: 0\r\n\r\n"
    )
    response = await raw_request(h, request)
    assert response.status == 401, response
    assert response.json()["errors"][0]["code"] == "10009"


# -- defect 7: far-future times break shutdown -------------------------------------------------


async def test_shutdown_reports_every_pending_webhook_even_one_no_timestamp_can_show(
    make_harness: MakeHarness,
) -> None:
    # The schema now refuses 1e12 (tests/scenarios); a scenario built in Python still can
    # carry it, and shutdown must report all, not stop at the first it cannot render.
    h = await make_harness(scenario=replace(DEFAULT_SCENARIO, recording_saved_delay=1e12))
    for _ in range(2):
        call = await h.answered_call()
        await h.command(call, "record_start", {"format": "wav", "channels": "single"})
        await h.command(call, "hangup")
    assert h.mock.dispatcher.pending_count() >= 2
    reported = await h.mock.dispatcher.shutdown(grace_seconds=1.0)
    # Both far-future call.recording.saved events are reported, with their ids.
    assert [entry.event_type for entry in reported] == ["call.recording.saved"] * 2
    assert {entry.outcome for entry in reported} == {"undelivered"}
    assert h.mock.dispatcher.pending_count() == 0


# -- ring timeout: a parked inbound call does not live forever ---------------------------------


async def test_an_unanswered_inbound_call_is_cancelled_by_the_caller_after_60_s(
    harness: Harness,
) -> None:
    call = await inbound(harness)
    await harness.advance(59.9)
    assert harness.receiver.types() == ["call.initiated"]
    await harness.advance(0.1)
    [hangup] = harness.receiver.events("call.hangup", call)
    assert (
        hangup.payload["hangup_cause"],
        hangup.payload["hangup_source"],
        hangup.payload["sip_hangup_cause"],
    ) == ("originator_cancel", "caller", "487")
    await harness.advance(harness.mock.simulator.call_retention_seconds)
    assert harness.mock.simulator.find_call(API_KEY, call) is None  # purged: memory back


async def test_the_ring_timeout_is_the_scenarios(make_harness: MakeHarness) -> None:
    h = await make_harness(scenario=replace(DEFAULT_SCENARIO, inbound_ring_timeout=5.0))
    status, _ = await h.post("/_mock/scenario", {"call": {"inbound_ring_timeout": 5}}, key=None)
    assert status == 200
    call = await inbound(h)
    await h.advance(5)
    assert [r.event_type for r in h.receiver.events(call_control_id=call)] == [
        "call.initiated",
        "call.hangup",
    ]


async def test_an_inbound_call_answered_in_time_is_not_cancelled(harness: Harness) -> None:
    call = await inbound(harness)
    await harness.advance(30)
    status, _ = await harness.command(call, "answer")
    assert status == 200
    await harness.advance(60)
    assert harness.receiver.events("call.hangup", call) == []
    status, body = await harness.get(f"/v2/calls/{call}")
    assert body["data"]["is_alive"] is True


def test_hugeinteger_is_beyond_pythons_int_limit() -> None:
    with pytest.raises(ValueError):
        json.loads(HUGE_INTEGER)
