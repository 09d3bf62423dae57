"""Call and recording state over real HTTP on a manual clock: each test names one behaviour."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pytest

from mockserver.core.recordings import Recording, RecordingState
from mockserver.core.scenario import Scenario
from mockserver.ids import parse_timestamp
from tests.conftest import API_KEY, START, Harness, MakeHarness, Received
from tests.web.media_support import inbound

MP3_DUAL = {"format": "mp3", "channels": "dual"}
WAV_SINGLE = {"format": "wav", "channels": "single"}
UNKNOWN_RECORDING = "0f5d8a53-7c5b-4c55-9d1e-6f3f1f7b0c11"

# A valid body for each command, so state checks (not validation) decide the answer.
COMMAND_BODIES: dict[str, dict[str, Any]] = {
    "answer": {},
    "hangup": {},
    "record_start": MP3_DUAL,
    "record_stop": {},
    "record_pause": {},
    "record_resume": {},
}


def codes(body: Any) -> list[str]:
    return [item["code"] for item in body["errors"]]


def saved(harness: Harness, ccid: str | None = None) -> list[Received]:
    return harness.receiver.events("call.recording.saved", ccid)


def seconds_between(payload: dict[str, Any], start_key: str, end_key: str) -> float:
    return parse_timestamp(payload[end_key]) - parse_timestamp(payload[start_key])


async def recording_stops_after(harness: Harness, ccid: str, seconds: float) -> None:
    """Still recording 0.1 s before ``seconds`` from now, stopped exactly at ``seconds``."""
    await harness.advance(seconds - 0.1)
    call = harness.mock.simulator.find_call(API_KEY, ccid)
    assert call is not None and call.active_recording is not None
    await harness.advance(0.1)
    assert call.active_recording is None


def recording(harness: Harness, recording_id: str) -> Recording:
    found = harness.mock.simulator.find_recording(recording_id)
    assert found is not None
    return found


async def record(harness: Harness, ccid: str, body: dict[str, Any] | None = None) -> None:
    status, data = await harness.command(ccid, "record_start", body or MP3_DUAL)
    assert (status, data) == (200, {"data": {"result": "ok"}})


# -- ids and call status ------------------------------------------------------------------------


async def test_dial_returns_telnyx_shaped_ids_and_is_not_alive(harness: Harness) -> None:
    call = await harness.dial()
    assert re.fullmatch(r"v3:[A-Za-z0-9_-]{54}", call["call_control_id"])
    for key in ("call_leg_id", "call_session_id"):
        parsed = uuid.UUID(call[key])
        assert str(parsed) == call[key]
        assert parsed.version == 1 and parsed.variant == uuid.RFC_4122
    assert call["call_leg_id"] != call["call_session_id"]
    assert call["is_alive"] is False
    assert call["record_type"] == "call"
    assert "recording_id" not in call
    another = await harness.dial()
    assert another["call_control_id"] != call["call_control_id"]


async def test_get_call_is_alive_after_answer_then_ended_with_end_time_and_duration(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()  # dialled at START, answered at +1
    await harness.advance(5)
    status, body = await harness.get(f"/v2/calls/{ccid}")
    assert status == 200
    assert body["data"]["is_alive"] is True
    assert body["data"]["call_duration"] == 5  # from answer, as SPEC's example counts it
    assert "end_time" not in body["data"]

    await harness.advance(5)
    assert (await harness.command(ccid, "hangup"))[0] == 200
    await harness.advance(30)
    status, body = await harness.get(f"/v2/calls/{ccid}")
    assert status == 200
    data = body["data"]
    assert data["is_alive"] is False
    assert data["call_duration"] == 10  # frozen at hangup
    assert parse_timestamp(data["end_time"]) == START + 11
    assert parse_timestamp(data["start_time"]) == START


# -- commands refused in the wrong state --------------------------------------------------------


async def test_record_start_before_answer_is_422_90020(harness: Harness) -> None:
    call = await harness.dial()
    status, body = await harness.command(call["call_control_id"], "record_start", MP3_DUAL)
    assert status == 422 and codes(body) == ["90020"]


@pytest.mark.parametrize("action", ["record_stop", "record_pause", "record_resume"])
async def test_recording_command_before_answer_is_422_90034(harness: Harness, action: str) -> None:
    call = await harness.dial()
    status, body = await harness.command(call["call_control_id"], action, {})
    assert status == 422 and codes(body) == ["90034"]


@pytest.mark.parametrize("action", list(COMMAND_BODIES))
async def test_every_command_after_hangup_is_422_90018_call_has_already_ended(
    harness: Harness, action: str
) -> None:
    ccid = await harness.answered_call()
    await record(harness, ccid)
    assert (await harness.command(ccid, "hangup"))[0] == 200
    status, body = await harness.command(ccid, action, COMMAND_BODIES[action])
    assert status == 422
    assert body["errors"] == [
        {
            "code": "90018",
            "title": "Call has already ended",
            "detail": "This call is no longer active and can't receive commands.",
        }
    ]


@pytest.mark.parametrize("action", ["record_stop", "record_pause", "record_resume"])
async def test_recording_command_without_active_recording_is_422_10015(
    harness: Harness, action: str
) -> None:
    ccid = await harness.answered_call()
    status, body = await harness.command(ccid, action, {})
    assert status == 422 and codes(body) == ["10015"]
    # Also once the only recording has stopped.
    await record(harness, ccid)
    assert (await harness.command(ccid, "record_stop"))[0] == 200
    status, body = await harness.command(ccid, action, {})
    assert status == 422 and codes(body) == ["10015"]


async def test_record_start_while_a_recording_runs_or_is_paused_is_422(harness: Harness) -> None:
    ccid = await harness.answered_call()
    await record(harness, ccid)
    status, body = await harness.command(ccid, "record_start", WAV_SINGLE)
    assert status == 422 and codes(body) == ["10015"]
    assert (await harness.command(ccid, "record_pause"))[0] == 200
    status, body = await harness.command(ccid, "record_start", WAV_SINGLE)
    assert status == 422 and codes(body) == ["10015"]
    call = harness.mock.simulator.find_call(API_KEY, ccid)
    assert call is not None and len(call.recordings) == 1


async def test_record_pause_when_paused_and_resume_when_recording_are_422(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()
    await record(harness, ccid)
    status, body = await harness.command(ccid, "record_resume")
    assert status == 422 and codes(body) == ["10015"]
    assert (await harness.command(ccid, "record_pause"))[0] == 200
    status, body = await harness.command(ccid, "record_pause")
    assert status == 422 and codes(body) == ["10015"]
    assert (await harness.command(ccid, "record_resume"))[0] == 200


@pytest.mark.parametrize("action", ["record_stop", "record_pause", "record_resume"])
async def test_recording_command_with_unknown_recording_id_is_404_10005(
    harness: Harness, action: str
) -> None:
    ccid = await harness.answered_call()
    await record(harness, ccid)
    status, body = await harness.command(ccid, action, {"recording_id": UNKNOWN_RECORDING})
    assert status == 404 and codes(body) == ["10005"]
    assert body["errors"][0]["source"] == {"pointer": "/recording_id"}
    await harness.advance(5)
    assert saved(harness) == []  # the running recording was not touched


# -- recordings stopping and saving -------------------------------------------------------------


async def test_record_stop_saves_while_call_stays_alive_then_second_recording_saved_on_hangup(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()
    await record(harness, ccid, WAV_SINGLE)
    await harness.advance(4)
    assert (await harness.command(ccid, "record_stop"))[0] == 200
    await harness.advance(1)  # recording_saved_delay
    first = saved(harness, ccid)
    assert len(first) == 1
    assert seconds_between(first[0].payload, "recording_started_at", "recording_ended_at") == 4
    assert harness.receiver.events("call.hangup") == []
    status, body = await harness.get(f"/v2/calls/{ccid}")
    assert status == 200 and body["data"]["is_alive"] is True

    await record(harness, ccid, MP3_DUAL)
    await harness.advance(3)
    assert (await harness.command(ccid, "hangup"))[0] == 200
    await harness.advance(1)
    both = saved(harness, ccid)
    assert len(both) == 2
    ids = [event.payload["recording_id"] for event in both]
    assert len(set(ids)) == 2
    assert [event.payload["format"] for event in both] == ["wav", "mp3"]
    assert seconds_between(both[1].payload, "recording_started_at", "recording_ended_at") == 3
    assert recording(harness, ids[1]).stop_reason == "hangup"


@pytest.mark.parametrize("saved_delay", [1.0, 0.0])
async def test_hangup_while_recording_sends_call_hangup_before_recording_saved(
    make_harness: MakeHarness, saved_delay: float
) -> None:
    harness = await make_harness(scenario=Scenario(recording_saved_delay=saved_delay))
    ccid = await harness.answered_call()
    await record(harness, ccid)
    await harness.advance(2)
    assert (await harness.command(ccid, "hangup"))[0] == 200
    await harness.advance(saved_delay)
    assert harness.receiver.types() == [
        "call.initiated",
        "call.answered",
        "call.hangup",
        "call.recording.saved",
    ]


async def test_far_end_hangup_saves_recording_with_hangup_source_callee(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(scenario=Scenario(hangup_after=5))
    ccid = await harness.answered_call()
    await record(harness, ccid)
    await harness.advance(4.9)
    assert harness.receiver.events("call.hangup") == []
    await harness.advance(0.1)
    (hangup,) = harness.receiver.events("call.hangup", ccid)
    assert hangup.payload["hangup_source"] == "callee"
    assert hangup.payload["hangup_cause"] == "normal_clearing"
    assert parse_timestamp(hangup.payload["end_time"]) == START + 1 + 5
    await harness.advance(1)
    (event,) = saved(harness, ccid)
    assert seconds_between(event.payload, "recording_started_at", "recording_ended_at") == 5
    assert harness.receiver.types()[-2:] == ["call.hangup", "call.recording.saved"]


# -- max_length ---------------------------------------------------------------------------------


async def test_max_length_stops_recording_after_5_s_while_the_call_stays_alive(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()
    await record(harness, ccid, {**MP3_DUAL, "max_length": 5})
    await recording_stops_after(harness, ccid, 5)
    await harness.advance(1)
    (event,) = saved(harness, ccid)
    assert seconds_between(event.payload, "recording_started_at", "recording_ended_at") == 5
    found = recording(harness, event.payload["recording_id"])
    assert found.stop_reason == "max_length"
    assert harness.receiver.events("call.hangup") == []
    status, body = await harness.get(f"/v2/calls/{ccid}")
    assert status == 200 and body["data"]["is_alive"] is True


async def test_max_length_counts_recorded_time_only_so_a_3_s_pause_delays_the_stop(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()
    await record(harness, ccid, {**MP3_DUAL, "max_length": 5})
    await harness.advance(2)
    assert (await harness.command(ccid, "record_pause"))[0] == 200
    await harness.advance(3)  # the original 5 s timer comes due while paused: ignored
    assert (await harness.command(ccid, "record_resume"))[0] == 200
    await recording_stops_after(harness, ccid, 3)
    await harness.advance(1)
    (event,) = saved(harness, ccid)
    payload = event.payload
    assert seconds_between(payload, "recording_started_at", "recording_ended_at") == 8
    found = recording(harness, payload["recording_id"])
    assert found.recorded_seconds(harness.mock.now()) == 5  # 8 s of wall time, 3 s paused
    assert found.media_segments() == [(0, 2), (5, 8)]
    assert found.stop_reason == "max_length"


async def test_recording_duration_excludes_paused_time_when_stopped_by_hangup(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()
    await record(harness, ccid)
    await harness.advance(3)
    await harness.command(ccid, "record_pause")
    await harness.advance(4)
    await harness.command(ccid, "record_resume")
    await harness.advance(2)
    await harness.command(ccid, "hangup")
    await harness.advance(1)
    (event,) = saved(harness, ccid)
    assert seconds_between(event.payload, "recording_started_at", "recording_ended_at") == 9
    assert recording(harness, event.payload["recording_id"]).recorded_seconds(0) == 5


# -- timeout_secs (silence) ---------------------------------------------------------------------


async def test_silence_timeout_3_stops_default_recording_17_s_after_answer(
    harness: Harness,
) -> None:
    # Both tracks: speech 0.5-4, 4.5-8.5, 9-14 (gaps of 0.5 s), then silence: 14 + 3 = 17.
    ccid = await harness.answered_call()
    await record(harness, ccid, {**MP3_DUAL, "timeout_secs": 3})
    await recording_stops_after(harness, ccid, 17)
    await harness.advance(1)
    (event,) = saved(harness, ccid)
    assert seconds_between(event.payload, "recording_started_at", "recording_ended_at") == 17
    assert recording(harness, event.payload["recording_id"]).stop_reason == "silence_timeout"
    status, body = await harness.get(f"/v2/calls/{ccid}")
    assert status == 200 and body["data"]["is_alive"] is True


async def test_silence_timeout_3_on_inbound_track_stops_in_the_first_5_s_gap(
    harness: Harness,
) -> None:
    # Inbound only: speech 0.5-4, then 5 s of silence before 9: stops at 4 + 3 = 7.
    ccid = await harness.answered_call()
    await record(harness, ccid, {**MP3_DUAL, "timeout_secs": 3, "recording_track": "inbound"})
    await harness.advance(8)
    (event,) = saved(harness, ccid)
    assert seconds_between(event.payload, "recording_started_at", "recording_ended_at") == 7


async def test_silence_timer_starts_only_once_speech_is_heard(harness: Harness) -> None:
    # Started at 14.5 s, after all speech: nothing is ever heard, so silence never stops it.
    ccid = await harness.answered_call()
    await harness.advance(14.5)
    await record(harness, ccid, {**MP3_DUAL, "timeout_secs": 3})
    await harness.advance(120)
    assert saved(harness) == []


# -- ring timeout and time limit ----------------------------------------------------------------


async def test_unanswered_dial_hangs_up_with_timeout_after_30_s(make_harness: MakeHarness) -> None:
    harness = await make_harness(scenario=Scenario(answer_delay=40))
    call = await harness.dial()
    await harness.advance(29.9)
    assert harness.receiver.types() == ["call.initiated"]
    await harness.advance(0.1)
    (hangup,) = harness.receiver.events("call.hangup")
    assert hangup.payload["hangup_cause"] == "timeout"
    assert parse_timestamp(hangup.payload["end_time"]) == START + 30
    assert hangup.payload["call_control_id"] == call["call_control_id"]
    await harness.advance(60)
    assert harness.receiver.events("call.answered") == []
    assert harness.receiver.types() == ["call.initiated", "call.hangup"]


async def test_time_limit_secs_hangs_up_with_time_limit_60_s_after_answer(
    harness: Harness,
) -> None:
    # Spec: "by setting a time limit of 120 seconds, a Call Leg will be automatically
    # terminated two minutes after being answered."
    ccid = await harness.answered_call(time_limit_secs=60)  # answered at START + 1
    await record(harness, ccid)
    await harness.advance(59.9)
    assert harness.receiver.events("call.hangup") == []
    await harness.advance(0.1)
    (hangup,) = harness.receiver.events("call.hangup", ccid)
    assert hangup.payload["hangup_cause"] == "time_limit"
    assert parse_timestamp(hangup.payload["end_time"]) == START + 61
    await harness.advance(1)
    assert len(saved(harness, ccid)) == 1


# -- record-from-answer -------------------------------------------------------------------------


async def test_dial_record_from_answer_records_mp3_dual_and_saves_with_dial_recording_id(
    harness: Harness,
) -> None:
    call = await harness.dial(record="record-from-answer")
    recording_id = call["recording_id"]
    assert uuid.UUID(recording_id)
    assert harness.mock.simulator.find_recording(recording_id) is None  # not before answer
    await harness.advance(1)
    running = recording(harness, recording_id)
    assert running.state is RecordingState.RECORDING
    assert running.options.initiated_by == "DialVerb"
    await harness.advance(6)
    assert (await harness.command(call["call_control_id"], "hangup"))[0] == 200
    await harness.advance(1)
    (event,) = saved(harness)
    payload = event.payload
    assert payload["recording_id"] == recording_id
    assert payload["format"] == "mp3" and payload["channels"] == "dual"
    assert list(payload["recording_urls"]) == ["mp3"]
    assert seconds_between(payload, "recording_started_at", "recording_ended_at") == 6


async def test_answer_record_from_answer_returns_recording_id_and_saves_it(
    harness: Harness,
) -> None:
    ccid = await inbound(harness)
    status, body = await harness.command(
        ccid, "answer", {"record": "record-from-answer", "record_format": "wav"}
    )
    assert status == 200
    assert body["data"]["result"] == "ok"
    recording_id = body["data"]["recording_id"]
    assert recording(harness, recording_id).options.initiated_by == "StartCallRecordingAPI"
    await harness.advance(3)
    await harness.command(ccid, "hangup")
    await harness.advance(1)
    (event,) = saved(harness, ccid)
    assert event.payload["recording_id"] == recording_id
    assert event.payload["format"] == "wav" and event.payload["channels"] == "dual"


# -- inbound calls ------------------------------------------------------------------------------


async def test_inbound_call_arrives_incoming_and_parked(harness: Harness) -> None:
    ccid = await inbound(harness)
    (initiated,) = harness.receiver.received
    assert initiated.event_type == "call.initiated"
    assert initiated.payload["call_control_id"] == ccid
    assert initiated.payload["direction"] == "incoming"
    assert initiated.payload["state"] == "parked"
    assert initiated.payload["from"] == "+13125550199"


async def test_inbound_record_start_before_answer_is_422_90034(harness: Harness) -> None:
    ccid = await inbound(harness)
    status, body = await harness.command(ccid, "record_start", MP3_DUAL)
    assert status == 422 and codes(body) == ["90034"]


async def test_inbound_answer_then_far_end_hangup_with_user_busy(harness: Harness) -> None:
    ccid = await inbound(harness)
    status, body = await harness.command(ccid, "answer")
    assert (status, body) == (200, {"data": {"result": "ok"}})
    await harness.advance(0)
    assert harness.receiver.types() == ["call.initiated", "call.answered"]
    status, body = await harness.post(f"/_mock/calls/{ccid}/hangup", {"hangup_cause": "user_busy"})
    assert status == 200, body
    await harness.advance(0)
    (hangup,) = harness.receiver.events("call.hangup", ccid)
    assert hangup.payload["hangup_cause"] == "user_busy"
    assert hangup.payload["hangup_source"] == "caller"
    assert hangup.payload["sip_hangup_cause"] == "486"


async def test_unanswered_inbound_cancelled_by_far_end_is_originator_cancel_487(
    harness: Harness,
) -> None:
    ccid = await inbound(harness)
    await harness.advance(2)
    status, body = await harness.post(f"/_mock/calls/{ccid}/hangup", {})
    assert status == 200, body
    await harness.advance(0)
    (hangup,) = harness.receiver.events("call.hangup", ccid)
    payload = hangup.payload
    assert payload["hangup_cause"] == "originator_cancel"
    assert payload["hangup_source"] == "caller"
    assert payload["sip_hangup_cause"] == "487"
    assert "telnyx_error" in payload and payload["telnyx_error"] is None
    assert harness.receiver.events("call.answered") == []


# -- command_id dedup ---------------------------------------------------------------------------


async def test_record_stop_repeated_command_id_is_200_with_no_second_saved(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()
    await record(harness, ccid)
    await harness.advance(2)
    once = {"command_id": "stop-1"}
    assert await harness.command(ccid, "record_stop", once) == (200, {"data": {"result": "ok"}})
    assert await harness.command(ccid, "record_stop", once) == (200, {"data": {"result": "ok"}})
    await harness.advance(5)
    assert len(saved(harness, ccid)) == 1
    # A fresh command_id is a fresh command: nothing is recording, so it is refused.
    status, body = await harness.command(ccid, "record_stop", {"command_id": "stop-2"})
    assert status == 422 and codes(body) == ["10015"]


async def test_hangup_repeated_command_id_after_the_call_ended_is_200_not_90018(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()
    assert (await harness.command(ccid, "hangup", {"command_id": "bye"}))[0] == 200
    await harness.advance(10)
    assert await harness.command(ccid, "hangup", {"command_id": "bye"}) == (
        200,
        {"data": {"result": "ok"}},
    )
    status, body = await harness.command(ccid, "hangup", {"command_id": "bye-again"})
    assert status == 422 and codes(body) == ["90018"]
    await harness.advance(1)
    assert len(harness.receiver.events("call.hangup")) == 1


async def test_same_command_id_on_a_different_call_works_normally(harness: Harness) -> None:
    first = await harness.answered_call()
    second = await harness.answered_call()
    body = {**MP3_DUAL, "command_id": "shared"}
    assert (await harness.command(first, "record_start", body))[0] == 200
    assert (await harness.command(second, "record_start", body))[0] == 200
    assert (await harness.command(second, "record_start", body))[0] == 200  # dup on second
    await harness.command(first, "hangup")
    await harness.command(second, "hangup")
    await harness.advance(1)
    assert len(saved(harness, first)) == 1
    assert len(saved(harness, second)) == 1


async def test_50_concurrent_record_start_with_one_command_id_make_one_recording(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()
    body = {**MP3_DUAL, "command_id": "start-once"}
    results = await asyncio.gather(
        *(harness.command(ccid, "record_start", body) for _ in range(50))
    )
    assert all(result == (200, {"data": {"result": "ok"}}) for result in results)
    call = harness.mock.simulator.find_call(API_KEY, ccid)
    assert call is not None and len(call.recordings) == 1
    await harness.command(ccid, "hangup")
    await harness.advance(1)
    assert len(saved(harness, ccid)) == 1


async def test_50_concurrent_record_start_without_command_id_one_wins_49_refused(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()
    results = await asyncio.gather(
        *(harness.command(ccid, "record_start", MP3_DUAL) for _ in range(50))
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [422] * 49
    assert all(codes(body) == ["10015"] for status, body in results if status == 422)
    call = harness.mock.simulator.find_call(API_KEY, ccid)
    assert call is not None and len(call.recordings) == 1
    await harness.command(ccid, "hangup")
    await harness.advance(1)
    assert len(saved(harness, ccid)) == 1


async def test_dial_repeated_command_id_returns_the_same_call_and_no_second_initiated(
    harness: Harness,
) -> None:
    first = await harness.dial(command_id="dial-1")
    second = await harness.dial(command_id="dial-1")
    assert second["call_control_id"] == first["call_control_id"]
    assert second["call_leg_id"] == first["call_leg_id"]
    await harness.advance(0)
    assert harness.receiver.types() == ["call.initiated"]
    await harness.advance(1)
    assert harness.receiver.types() == ["call.initiated", "call.answered"]
    other = await harness.dial(command_id="dial-2")
    assert other["call_control_id"] != first["call_control_id"]


async def test_ended_call_is_forgotten_with_its_ids_after_call_retention_seconds(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call(command_id="dial-forgotten")
    await harness.command(ccid, "hangup", {"command_id": "bye"})
    tenant = harness.mock.simulator.tenant(API_KEY)
    assert tenant.dial_command_ids == {"dial-forgotten": ccid}
    await harness.advance(599)
    status, body = await harness.get(f"/v2/calls/{ccid}")
    assert status == 200 and body["data"]["is_alive"] is False
    assert await harness.command(ccid, "hangup", {"command_id": "bye"}) == (
        200,
        {"data": {"result": "ok"}},
    )
    await harness.advance(1)  # call_retention_seconds (600) after the hangup
    status, body = await harness.get(f"/v2/calls/{ccid}")
    assert status == 404 and codes(body) == ["10005"]
    assert ccid not in tenant.calls
    assert tenant.dial_command_ids == {}  # the Dial command_id went with the call
    status, body = await harness.command(ccid, "hangup", {"command_id": "bye"})
    assert status == 422 and codes(body) == ["90018"]


# -- client_state -------------------------------------------------------------------------------


async def test_client_state_given_on_a_command_is_echoed_in_later_webhooks(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call(client_state="aGVsbG8=")
    answered = harness.receiver.events("call.answered", ccid)
    assert answered[0].payload["client_state"] == "aGVsbG8="
    await record(harness, ccid, {**MP3_DUAL, "client_state": "d29ybGQ="})
    await harness.advance(2)
    await harness.command(ccid, "record_stop")
    await harness.advance(1)
    assert saved(harness, ccid)[0].payload["client_state"] == "d29ybGQ="
    await harness.command(ccid, "hangup", {"client_state": "Ynll"})
    await harness.advance(0)
    (hangup,) = harness.receiver.events("call.hangup", ccid)
    assert hangup.payload["client_state"] == "Ynll"
    status, body = await harness.get(f"/v2/calls/{ccid}")
    assert status == 200 and body["data"]["client_state"] == "Ynll"


async def test_silence_timeout_still_stops_a_recording_paused_across_its_deadline(
    harness: Harness,
) -> None:
    # Deadline 17 s (see above) falls inside a pause from 15 to 20 s. After the resume
    # nobody speaks again, so 3 s of recorded silence later (23 s) the recording stops.
    ccid = await harness.answered_call()
    await record(harness, ccid, {**MP3_DUAL, "timeout_secs": 3})
    await harness.advance(15)
    assert (await harness.command(ccid, "record_pause"))[0] == 200
    await harness.advance(5)
    assert (await harness.command(ccid, "record_resume"))[0] == 200
    await recording_stops_after(harness, ccid, 3)
    await harness.advance(1)
    (event,) = saved(harness, ccid)
    assert seconds_between(event.payload, "recording_started_at", "recording_ended_at") == 23
    assert recording(harness, event.payload["recording_id"]).stop_reason == "silence_timeout"


async def test_silence_timer_from_before_a_pause_does_not_cut_speech_after_resume(
    harness: Harness,
) -> None:
    # Inbound track: the first deadline is 7 s (silence 4-7). Paused at 5, resumed at 8.5:
    # speech resumes at 9, so the stale 7 s timer must not fire; the stop is 14 + 3 = 17 s.
    ccid = await harness.answered_call()
    await record(harness, ccid, {**MP3_DUAL, "timeout_secs": 3, "recording_track": "inbound"})
    await harness.advance(5)
    await harness.command(ccid, "record_pause")
    await harness.advance(3.5)
    await harness.command(ccid, "record_resume")
    await harness.advance(8.4)
    assert saved(harness) == []
    await harness.advance(1.6)
    (event,) = saved(harness, ccid)
    assert seconds_between(event.payload, "recording_started_at", "recording_ended_at") == 17


async def test_record_stop_while_paused_saves_without_the_paused_time(harness: Harness) -> None:
    ccid = await harness.answered_call()
    await record(harness, ccid)
    await harness.advance(2)
    await harness.command(ccid, "record_pause")
    await harness.advance(6)
    assert (await harness.command(ccid, "record_stop"))[0] == 200
    await harness.advance(1)
    (event,) = saved(harness, ccid)
    assert seconds_between(event.payload, "recording_started_at", "recording_ended_at") == 8
    assert recording(harness, event.payload["recording_id"]).recorded_seconds(0) == 2


async def test_answered_inbound_call_ends_at_the_default_4_h_time_limit(
    harness: Harness,
) -> None:
    ccid = await inbound(harness)
    await harness.advance(10)
    await harness.command(ccid, "answer")
    await harness.advance(14399)
    assert harness.receiver.events("call.hangup") == []
    await harness.advance(1)
    (hangup,) = harness.receiver.events("call.hangup", ccid)
    assert hangup.payload["hangup_cause"] == "time_limit"
    assert parse_timestamp(hangup.payload["end_time"]) == START + 10 + 14400


async def test_a_call_never_answered_has_call_duration_0(harness: Harness) -> None:
    call = await harness.dial(timeout_secs=5)
    status, body = await harness.get(f"/v2/calls/{call['call_control_id']}")
    assert status == 200 and body["data"]["call_duration"] == 0
    assert (await harness.command(call["call_control_id"], "hangup"))[0] == 200
    await harness.advance(3)
    status, body = await harness.get(f"/v2/calls/{call['call_control_id']}")
    assert body["data"]["is_alive"] is False and body["data"]["call_duration"] == 0
