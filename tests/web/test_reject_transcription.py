"""reject (an incoming call not answered yet) and real-time transcription over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from referencing import Registry
from telnyx import Telnyx

from mockserver.core.scenario import Scenario, TranscriptLine
from mockserver.ids import parse_timestamp
from tests.conftest import START, Harness, MakeHarness
from tests.spec_helpers import spec_errors
from tests.web.media_support import answered, codes, inbound, ok, speaking, timeline

# -- reject ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "hangup_cause", "sip"),
    [("CALL_REJECTED", "call_rejected", "603"), ("USER_BUSY", "user_busy", "486")],
)
async def test_reject_hangs_up_the_parked_call_with_the_cause(
    harness: Harness, telnyx_spec: Registry[Any], cause: str, hangup_cause: str, sip: str
) -> None:
    ccid = await inbound(harness)
    await harness.advance(2)
    await ok(harness, ccid, "reject", {"cause": cause, "client_state": "bm8="})
    await harness.advance(0)
    assert harness.receiver.types() == ["call.initiated", "call.hangup"]
    (hangup,) = harness.receiver.events("call.hangup")
    payload = hangup.payload
    assert (payload["hangup_cause"], payload["sip_hangup_cause"]) == (hangup_cause, sip)
    assert payload["hangup_source"] == "callee"  # the app is the callee of an inbound call
    assert parse_timestamp(payload["end_time"]) == START + 2
    assert "call_quality_stats" not in payload  # never answered: no media
    assert spec_errors(telnyx_spec, "CallHangupEvent", {"data": hangup.body["data"]}) == []
    status, data = await harness.get(f"/v2/calls/{ccid}")
    assert (status, data["data"]["is_alive"]) == (200, False)
    status, data = await harness.command(ccid, "answer")
    assert status == 422 and codes(data) == ["90018"]


async def test_rejected_call_records_nothing_and_answer_is_too_late(harness: Harness) -> None:
    ccid = await inbound(harness)
    await ok(harness, ccid, "reject", {"cause": "CALL_REJECTED"})
    await harness.advance(700)  # the call is forgotten after 600 s
    status, _ = await harness.get(f"/v2/calls/{ccid}")
    assert status == 404
    status, data = await harness.get("/v2/recordings")
    assert (status, data["data"]) == (200, [])


# -- transcription -----------------------------------------------------------------------------

LINES = (
    TranscriptLine(at=1.0, text="Too early", track="inbound"),
    TranscriptLine(at=3.0, text="Hello, is this Acme?", track="inbound", confidence=0.91),
    TranscriptLine(at=4.0, text="Yes, how can I help?", track="outbound"),
    TranscriptLine(at=6.0, text="I'd like to", track="inbound", is_final=False, confidence=0.5),
    TranscriptLine(at=6.5, text="I'd like to order", track="inbound"),
    TranscriptLine(at=9.0, text="After the stop", track="inbound"),
)


def transcript_scenario() -> Scenario:
    return Scenario(inbound_speech=(), outbound_speech=(), transcript=LINES)


def said(h: Harness) -> list[tuple[float, str]]:
    return [
        (
            parse_timestamp(r.body["data"]["occurred_at"]) - START - 1,
            r.payload["transcription_data"]["transcript"],
        )
        for r in h.receiver.events("call.transcription")
    ]


async def test_transcription_sends_the_scenario_lines_of_the_inbound_track_by_default(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness, transcript_scenario())
    await h.advance(2)
    await ok(h, ccid, "transcription_start")
    await h.advance(60)
    assert said(h) == [
        (3.0, "Hello, is this Acme?"),
        (6.0, "I'd like to"),
        (6.5, "I'd like to order"),
        (9.0, "After the stop"),
    ]
    first, partial = h.receiver.events("call.transcription")[:2]
    assert first.payload["transcription_data"] == {
        "confidence": 0.91,
        "is_final": True,
        "transcript": "Hello, is this Acme?",
    }
    assert partial.payload["transcription_data"]["is_final"] is False


async def test_transcription_both_tracks_with_the_telnyx_engine_names_the_track(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness, transcript_scenario())
    await h.advance(2)
    await ok(
        h,
        ccid,
        "transcription_start",
        {"transcription_engine": "Telnyx", "transcription_tracks": "both"},
    )
    await h.advance(5)
    tracks = [
        (
            r.payload["transcription_data"]["transcript"],
            r.payload["transcription_data"]["transcription_track"],
        )
        for r in h.receiver.events("call.transcription")
    ]
    assert tracks == [
        ("Hello, is this Acme?", "inbound"),
        ("Yes, how can I help?", "outbound"),
        ("I'd like to", "inbound"),
        ("I'd like to order", "inbound"),
    ]


async def test_transcription_outbound_track_only(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness, transcript_scenario())
    await ok(h, ccid, "transcription_start", {"transcription_tracks": "outbound"})
    await h.advance(60)
    assert said(h) == [(4.0, "Yes, how can I help?")]
    assert (
        "transcription_track"
        not in h.receiver.events("call.transcription")[0].payload["transcription_data"]
    )  # SPEC: only with engine B (Telnyx)


async def test_transcription_stop_ends_the_lines(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness, transcript_scenario())
    await ok(h, ccid, "transcription_start")
    await h.advance(7)
    await ok(h, ccid, "transcription_stop")
    await h.advance(60)
    assert [text for _, text in said(h)] == [
        "Too early",
        "Hello, is this Acme?",
        "I'd like to",
        "I'd like to order",
    ]


async def test_transcription_can_start_again_after_a_stop(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness, transcript_scenario())
    await ok(h, ccid, "transcription_start")
    await ok(h, ccid, "transcription_stop")
    await h.advance(8)
    await ok(h, ccid, "transcription_start")
    await h.advance(60)
    assert said(h) == [(9.0, "After the stop")]


async def test_transcription_started_twice_is_90054(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness, transcript_scenario())
    await ok(h, ccid, "transcription_start")
    status, data = await h.command(ccid, "transcription_start")
    assert status == 422 and codes(data) == ["90054"]
    assert data["errors"][0]["title"] == "Call transcription is already in progress"
    assert data["errors"][0]["detail"] == "Call transcription can not be started more than once."


async def test_transcription_stop_without_a_transcription_is_422(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    status, data = await h.command(ccid, "transcription_stop")
    assert status == 422 and codes(data) == ["10015"]


async def test_hangup_stops_the_transcription(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness, transcript_scenario())
    await ok(h, ccid, "transcription_start")
    await h.advance(5)
    await ok(h, ccid, "hangup")
    await h.advance(60)
    assert [text for _, text in said(h)] == ["Too early", "Hello, is this Acme?"]
    assert timeline(h)[-1] == (5.0, "call.hangup")


async def test_without_a_scripted_transcript_each_speech_span_gives_a_line(
    make_harness: MakeHarness,
) -> None:
    scenario = Scenario(
        inbound_speech=speaking((0.5, 4), (9, 14)), outbound_speech=speaking((4.5, 8))
    )
    h, ccid = await answered(make_harness, scenario)
    await h.advance(1)
    await ok(h, ccid, "transcription_start", {"transcription_tracks": "both"})
    await h.advance(60)
    assert said(h) == [
        (4.0, "Simulated caller speech, part 1."),
        (8.0, "Simulated agent speech, part 1."),
        (14.0, "Simulated caller speech, part 2."),
    ]


async def test_an_empty_scripted_transcript_sends_nothing(make_harness: MakeHarness) -> None:
    scenario = Scenario(inbound_speech=speaking((1, 3)), transcript=())
    h, ccid = await answered(make_harness, scenario)
    await ok(h, ccid, "transcription_start")
    await h.advance(60)
    assert said(h) == []


async def test_transcription_webhooks_match_telnyx_schema_and_the_sdk(
    make_harness: MakeHarness, telnyx_spec: Registry[Any]
) -> None:
    h, ccid = await answered(make_harness, transcript_scenario())
    await ok(
        h,
        ccid,
        "transcription_start",
        {"transcription_engine": "B", "transcription_tracks": "both", "client_state": "aGk="},
    )
    await h.advance(60)
    response = await h.client.get("/_mock/webhook-key")
    client = Telnyx(api_key="k", public_key=(await response.json())["public_key"])
    events = h.receiver.events("call.transcription")
    assert len(events) == 6
    for received in events:
        assert spec_errors(telnyx_spec, "TranscriptionEvent", {"data": received.body["data"]}) == []
        event = client.webhooks.unwrap(received.raw.decode(), headers=dict(received.headers))
        assert type(event).__name__ == "TranscriptionWebhookEvent"
        assert received.payload["client_state"] == "aGk="
