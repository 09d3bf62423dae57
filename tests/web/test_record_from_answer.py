"""Answer with ``record: record-from-answer``: the recording_id in the response, and every
``record_*`` option taking effect in call.recording.saved and in the file."""

from __future__ import annotations

import io
import wave

from mockserver.core.scenario import Scenario
from mockserver.ids import parse_timestamp
from tests.conftest import START, Harness, MakeHarness
from tests.web.media_support import channel_levels, download, inbound, loud, ok, speaking

# The caller talks 0.5–4 s and 6–8 s after answer; our side 4.5–5.5 s.
SCENARIO = Scenario(inbound_speech=speaking((0.5, 4), (6, 8)), outbound_speech=speaking((4.5, 5.5)))


async def answer_recording(h: Harness, ccid: str, **options: object) -> str:
    status, data = await h.command(ccid, "answer", {"record": "record-from-answer", **options})
    assert status == 200, data
    assert set(data["data"]) == {"result", "recording_id"}
    return str(data["data"]["recording_id"])


def seconds(data: bytes) -> tuple[int, float]:
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getnchannels(), reader.getnframes() / reader.getframerate()


async def test_answer_options_shape_the_saved_webhook_and_the_file(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=SCENARIO)
    ccid = await inbound(h)
    await h.advance(1)  # answered 1 s after the call arrived
    recording_id = await answer_recording(
        h,
        ccid,
        record_format="wav",
        record_channels="single",
        record_track="inbound",
        record_max_length=10,
        record_custom_file_name="voicemail-7",
    )
    await h.advance(11)  # stops at 10 s (record_max_length); saved 1 s later
    (saved,) = h.receiver.events("call.recording.saved", ccid)
    payload = saved.payload
    assert payload["recording_id"] == recording_id
    assert (payload["format"], payload["channels"]) == ("wav", "single")
    assert list(payload["recording_urls"]) == ["wav"]
    answered_at = START + 1
    assert parse_timestamp(payload["recording_started_at"]) == answered_at
    assert parse_timestamp(payload["recording_ended_at"]) == answered_at + 10  # max length
    assert "call.hangup" not in h.receiver.types()  # the call goes on
    url = payload["recording_urls"]["wav"]
    assert f"/voicemail-7-{int(answered_at)}.wav" in url.split("?")[0]
    data = await download(h, saved)
    assert seconds(data) == (1, 10.0)  # recording_track inbound: mono
    (mono,) = channel_levels(data)
    assert loud(mono) == [1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]  # only the caller (0.5–4, 6–8 s)
    status, listed = await h.get("/v2/recordings")
    assert status == 200
    assert [r["id"] for r in listed["data"]] == [recording_id]
    assert listed["data"][0]["channels"] == "single"


async def test_answer_record_trim_cuts_leading_and_trailing_silence(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=SCENARIO)
    ccid = await inbound(h)
    await answer_recording(
        h, ccid, record_format="wav", record_channels="dual", record_trim="trim-silence"
    )
    await h.advance(12)
    await ok(h, ccid, "hangup")
    await h.advance(2)
    (saved,) = h.receiver.events("call.recording.saved", ccid)
    assert saved.payload["channels"] == "dual"
    # 12 s recorded; speech from 0.5 s to 8 s: the file keeps 7.5 s, stereo.
    assert seconds(await download(h, saved)) == (2, 7.5)


async def test_answer_record_timeout_secs_stops_after_silence(make_harness: MakeHarness) -> None:
    h = await make_harness(scenario=SCENARIO)
    ccid = await inbound(h)
    await answer_recording(h, ccid, record_timeout_secs=3)
    await h.advance(30)
    (saved,) = h.receiver.events("call.recording.saved", ccid)
    started = parse_timestamp(saved.payload["recording_started_at"])
    # the last speech ends at 8 s (with gaps under 3 s before it), then 3 s of silence
    assert parse_timestamp(saved.payload["recording_ended_at"]) - started == 11
    # defaults: mp3, dual (Telnyx's record_format / record_channels defaults)
    assert (saved.payload["format"], saved.payload["channels"]) == ("mp3", "dual")


async def test_answer_record_outbound_track_hears_the_app_s_speech(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=SCENARIO)
    ccid = await inbound(h)
    await answer_recording(h, ccid, record_format="wav", record_track="outbound")
    await h.advance(9)
    await ok(h, ccid, "speak", {"payload": "y" * 20, "voice": "female"})  # 9–10.4 s
    await h.advance(3)
    await ok(h, ccid, "hangup")
    await h.advance(2)
    (saved,) = h.receiver.events("call.recording.saved", ccid)
    (mono,) = channel_levels(await download(h, saved))
    assert loud(mono) == [9, 10, 18, 19, 20]  # scenario outbound 4.5–5.5 s, then the speak
