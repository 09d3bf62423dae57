"""GET/DELETE /v2/recording_transcriptions: filled by recordings made with transcription."""

from __future__ import annotations

from typing import Any

from referencing import Registry

from tests.conftest import Harness
from tests.spec_helpers import spec_errors
from tests.web.media_support import codes, ok


async def transcribed(h: Harness) -> tuple[str, str]:
    """A recording with transcription: (recording_id, recording_transcription_id)."""
    ccid = await h.answered_call()
    await ok(
        h, ccid, "record_start", {"format": "wav", "channels": "single", "transcription": True}
    )
    await h.advance(10)
    await ok(h, ccid, "record_stop")
    await h.advance(1)  # call.recording.saved; the transcription is due 2 s later
    status, body = await h.get("/v2/recording_transcriptions")
    assert (status, body) == (200, {"data": [], "meta": {}})  # not done yet
    await h.advance(2)
    (saved,) = h.receiver.events("call.recording.transcription.saved")
    return saved.payload["recording_id"], saved.payload["recording_transcription_id"]


async def test_list_retrieve_delete_as_the_spec_shapes_them(
    harness: Harness, telnyx_spec: Registry[Any]
) -> None:
    recording_id, transcription_id = await transcribed(harness)
    status, body = await harness.get("/v2/recording_transcriptions")
    assert status == 200
    (item,) = body["data"]
    assert item["id"] == transcription_id and item["recording_id"] == recording_id
    assert item["record_type"] == "recording_transcription" and item["status"] == "completed"
    assert item["duration_millis"] == 10_000 and item["transcription_text"]
    assert spec_errors(telnyx_spec, "RecordingTranscription", item) == []
    status, one = await harness.get(f"/v2/recording_transcriptions/{transcription_id}")
    assert (status, one["data"]) == (200, item)
    status, body = await harness.get(
        f"/v2/recording_transcriptions?filter[recording_id]={recording_id}"
    )
    assert [i["id"] for i in body["data"]] == [transcription_id]
    status, body = await harness.get("/v2/recording_transcriptions?filter[recording_id]=other")
    assert body["data"] == []
    response = await harness.client.delete(
        f"/v2/recording_transcriptions/{transcription_id}", headers=harness.auth()
    )
    assert response.status == 200 and (await response.json())["data"] == item
    status, body = await harness.get(f"/v2/recording_transcriptions/{transcription_id}")
    assert (status, codes(body)) == (404, ["10005"])


async def test_recordings_without_transcription_have_none_and_bad_filters_are_400(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()
    await ok(harness, ccid, "record_start", {"format": "wav", "channels": "single"})
    await ok(harness, ccid, "hangup")
    await harness.advance(10)
    status, body = await harness.get("/v2/recording_transcriptions")
    assert (status, body["data"]) == (200, [])
    status, body = await harness.get("/v2/recording_transcriptions?filter[colour]=red")
    assert (status, codes(body)) == (400, ["10015"])
    assert body["errors"][0]["source"] == {"parameter": "filter[colour]"}
    status, body = await harness.get("/v2/recording_transcriptions?filter[created_at][gte]=soon")
    assert (status, codes(body)) == (400, ["10015"])
