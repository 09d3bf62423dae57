"""Every bundled scenario, run end to end over HTTP on a manual clock."""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest
from mutagen.mp3 import MP3

from mockserver.spec.scenario_files import bundled_scenario_dir, load_scenario
from mockserver.spec.validation import SchemaRegistry
from tests.conftest import Harness, MakeHarness, Received
from tests.web.media_support import channel_levels, spoken

T = TypeVar("T")
BUNDLED = sorted(p.stem for p in bundled_scenario_dir().glob("*.yaml"))


async def run(make_harness: MakeHarness, schemas: SchemaRegistry, name: str) -> tuple[Harness, str]:
    """A harness on scenario ``name`` and a call the far end has just answered."""
    scenario = load_scenario(name, schemas.schemas["scenario"])
    h = await make_harness(scenario=scenario)
    call = await h.dial()
    await h.advance(scenario.answer_delay)
    assert h.receiver.types() == ["call.initiated", "call.answered"]
    return h, str(call["call_control_id"])


async def record(h: Harness, ccid: str, **options: Any) -> None:
    status, body = await h.command(ccid, "record_start", options)
    assert status == 200, body


def only(h: Harness, event_type: str) -> Received:
    found = h.receiver.events(event_type)
    assert len(found) == 1, h.receiver.types()
    return found[0]


async def file_of(h: Harness, payload: dict[str, Any]) -> bytes:
    url = next(iter(payload["recording_urls"].values()))
    async with h.client.session.get(url) as response:
        assert response.status == 200
        return await response.read()


def wav_info(data: bytes) -> tuple[int, float]:
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getnchannels(), reader.getnframes() / reader.getframerate()


def recorded_seconds(payload: dict[str, Any]) -> float:
    from mockserver.ids import parse_timestamp

    return parse_timestamp(payload["recording_ended_at"]) - parse_timestamp(
        payload["recording_started_at"]
    )


def test_every_bundled_scenario_has_an_end_to_end_test() -> None:
    tested = {name.removeprefix("test_").split("_scenario")[0] for name in globals()}
    assert set(BUNDLED) <= tested, set(BUNDLED) - tested


async def test_default_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h, _ = await run(make_harness, schemas, "default")
    await h.advance(3600)
    assert "call.hangup" not in h.receiver.types()  # the default far end never hangs up


async def test_dual_channel_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h, ccid = await run(make_harness, schemas, "dual_channel")
    await record(h, ccid, format="wav", channels="dual")
    await h.advance(30)
    hangup = only(h, "call.hangup").payload
    assert (hangup["hangup_cause"], hangup["hangup_source"]) == ("normal_clearing", "callee")
    await h.advance(1.5)
    saved = only(h, "call.recording.saved").payload
    assert recorded_seconds(saved) == 30
    channels, seconds = wav_info(await file_of(h, saved))
    assert (channels, seconds) == (2, 30)


async def test_single_mp3_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h, ccid = await run(make_harness, schemas, "single_mp3")
    await record(h, ccid, format="mp3", channels="single")
    await h.advance(21)
    saved = only(h, "call.recording.saved").payload
    assert list(saved["recording_urls"]) == ["mp3"]
    audio = MP3(io.BytesIO(await file_of(h, saved)))
    assert audio.info.channels == 1
    assert 20 <= audio.info.length < 20.3


async def test_inbound_only_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h, ccid = await run(make_harness, schemas, "inbound_only")
    await record(h, ccid, format="wav", channels="dual", recording_track="inbound")
    await h.advance(26)
    saved = only(h, "call.recording.saved").payload
    channels, seconds = wav_info(await file_of(h, saved))
    assert (channels, seconds) == (1, 25)  # the track forces mono whatever channels says


async def test_max_length_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h, ccid = await run(make_harness, schemas, "max_length")
    await record(h, ccid, format="wav", channels="single", max_length=10)
    await h.advance(11)
    saved = only(h, "call.recording.saved").payload
    assert recorded_seconds(saved) == 10
    status, call = await h.get(f"/v2/calls/{ccid}")
    assert status == 200
    assert call["data"]["is_alive"] is True  # max_length ends the recording, not the call


async def test_silence_timeout_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h, ccid = await run(make_harness, schemas, "silence_timeout")
    await record(h, ccid, format="wav", channels="single", timeout_secs=5)
    await h.advance(12)
    saved = only(h, "call.recording.saved").payload
    # Speech 1–6 s after answer, then silence: stopped 5 s after the speech ended.
    assert recorded_seconds(saved) == 11


async def test_transcription_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h, ccid = await run(make_harness, schemas, "transcription")
    await record(h, ccid, format="mp3", channels="single", transcription=True)
    await h.advance(16)
    saved = only(h, "call.recording.saved").payload
    assert "call.recording.transcription.saved" not in h.receiver.types()
    await h.advance(4)
    transcription = only(h, "call.recording.transcription.saved").payload
    assert transcription["recording_id"] == saved["recording_id"]
    assert transcription["transcription_text"] == (
        "Hi, this is Alex from Acme. Please call me back about order 4471."
    )
    assert transcription["status"] == "completed"


async def test_caller_hangup_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h, ccid = await run(make_harness, schemas, "caller_hangup")
    await h.advance(5)
    await record(h, ccid, format="wav", channels="dual")
    await h.advance(8)
    assert only(h, "call.hangup").payload["hangup_source"] == "callee"
    await h.advance(1)
    assert recorded_seconds(only(h, "call.recording.saved").payload) == 8


async def test_recording_error_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h, ccid = await run(make_harness, schemas, "recording_error")
    await record(h, ccid, format="wav", channels="dual")
    await h.advance(12)
    error = only(h, "call.recording.error").payload
    assert error["reason"] == "Internal server error"
    assert error["call_control_id"] == ccid
    assert h.receiver.events("call.recording.saved") == []
    status, listed = await h.get("/v2/recordings")
    assert (status, listed["data"]) == (200, [])


async def test_webhook_retry_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h, ccid = await run(make_harness, schemas, "webhook_retry")
    await record(h, ccid, format="wav", channels="single")
    await h.advance(12)
    saved = h.receiver.events("call.recording.saved")
    assert [r.body["meta"]["attempt"] for r in saved] == [1, 2]
    assert saved[0].body["data"]["id"] == saved[1].body["data"]["id"]
    types = h.receiver.types()
    assert types.index("call.hangup") > types.index("call.recording.saved")


async def slowly(h: Harness, request: Awaitable[T], latency: float) -> T:
    """``request`` answered only once the clock passes the scenario's API latency."""
    pending = h.mock.clock.pending()
    task = asyncio.ensure_future(request)
    while h.mock.clock.pending() == pending:  # the request reached its latency timer
        assert not task.done()
        await asyncio.sleep(0)
    await h.advance(latency - 0.01)
    assert not task.done()
    await h.advance(0.01)
    return await task


async def test_slow_api_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    scenario = load_scenario("slow_api", schemas.schemas["scenario"])
    latency = scenario.api_latency
    assert latency > 0
    h = await make_harness(scenario=scenario)
    call = await slowly(h, h.dial(), latency)
    ccid = str(call["call_control_id"])
    await h.advance(scenario.answer_delay)
    record_start = h.command(ccid, "record_start", {"format": "wav", "channels": "dual"})
    status, body = await slowly(h, record_start, latency)
    assert status == 500
    assert body["errors"][0]["code"] == "10007"
    record_start = h.command(ccid, "record_start", {"format": "wav", "channels": "dual"})
    status, body = await slowly(h, record_start, latency)  # the retry works
    assert status == 200, body
    await h.advance(16)
    assert len(h.receiver.events("call.recording.saved")) == 1


async def test_voicemail_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    # The app's side (answer, greet, record on call.speak.ended) in raw HTTP; the same flow
    # with the official SDK is tests/scenarios/test_voicemail_app.py.
    h = await make_harness(scenario=load_scenario("voicemail", schemas.schemas["scenario"]))
    status, data = await h.post(
        "/_mock/calls",
        {"to": "+13125550100", "from": "+13125550199", "connection_id": "1"}
        | {"webhook_url": h.receiver.url},
    )
    assert status == 200, data
    ccid = data["data"]["call_control_id"]
    assert (await h.command(ccid, "answer"))[0] == 200
    greeting = {"payload": "Please leave a message after the beep.", "voice": "female"}
    assert (await h.command(ccid, "speak", greeting))[0] == 200
    await h.advance(38 * 0.07)  # 38 characters
    assert h.receiver.types()[-1] == "call.speak.ended"
    await record(h, ccid, format="wav", channels="single", play_beep=True, transcription=True)
    await h.advance(20)
    hangup = only(h, "call.hangup").payload
    assert (hangup["hangup_source"], hangup["hangup_cause"]) == ("caller", "normal_clearing")
    await h.advance(4)
    saved = only(h, "call.recording.saved").payload
    assert recorded_seconds(saved) == 20
    assert wav_info(await file_of(h, saved)) == (1, 20)
    text = only(h, "call.recording.transcription.saved").payload["transcription_text"]
    assert text.startswith("Hi Sam, it's Alex from Acme.")


async def test_contact_centre_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h = await make_harness(scenario=load_scenario("contact_centre", schemas.schemas["scenario"]))
    status, data = await h.post(
        "/_mock/calls",
        {"to": "+13125550100", "from": "+13125550199", "connection_id": "1"}
        | {"webhook_url": h.receiver.url},
    )
    assert status == 200, data
    customer = data["data"]["call_control_id"]
    assert (await h.command(customer, "answer"))[0] == 200
    await record(h, customer, format="wav", channels="dual")
    await h.advance(5)
    assert (await h.command(customer, "transfer", {"to": "+13125550200"}))[0] == 200
    await h.advance(4)  # the agent answers: both legs bridged
    assert len(h.receiver.events("call.bridged")) == 2
    await h.advance(30)  # the agent hangs up; the customer's leg ends with the bridge
    assert len(h.receiver.events("call.hangup")) == 2
    await h.advance(1)
    saved = only(h, "call.recording.saved").payload
    assert saved["call_control_id"] == customer and recorded_seconds(saved) == 39
    left, right = channel_levels(await file_of(h, saved))
    assert spoken(left, [(0.5, 4), (16, 20)])  # the customer, from its answer
    assert spoken(right, [(9 + 1, 9 + 5), (9 + 12, 9 + 15)])  # the agent, from the bridge


async def test_conference_scenario(make_harness: MakeHarness, schemas: SchemaRegistry) -> None:
    h = await make_harness(scenario=load_scenario("conference", schemas.schemas["scenario"]))
    legs = [
        (await h.dial(to=to))["call_control_id"]
        for to in ("+13125550301", "+13125550302", "+13125550303")
    ]
    await h.advance(1)
    status, body = await h.post("/v2/conferences", {"call_control_id": legs[0], "name": "team"})
    assert status == 200, body
    conference_id = body["data"]["id"]
    for leg in legs[1:]:
        status, _ = await h.post(
            f"/v2/conferences/{conference_id}/actions/join", {"call_control_id": leg}
        )
        assert status == 200
    actions = f"/v2/conferences/{conference_id}/actions"
    assert (await h.post(f"{actions}/record_start", {"format": "wav"}))[0] == 200
    await h.advance(16)
    assert (await h.post(f"{actions}/end", {}))[0] == 200
    await h.advance(1)
    saved = only(h, "conference.recording.saved").payload
    assert saved["conference_id"] == conference_id
    (mono,) = channel_levels(await file_of(h, saved))
    assert spoken(mono, [(1, 4), (5, 8), (9, 12), (13, 15)])  # all three parties, in turn


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_loads_with_a_description(name: str, schemas: SchemaRegistry) -> None:
    scenario = load_scenario(name, schemas.schemas["scenario"])
    assert scenario.name == name
    assert scenario.description
