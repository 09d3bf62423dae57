"""The whole path a recording app takes, over HTTP, on a manual clock."""

from __future__ import annotations

from tests.conftest import Harness


async def test_dial_answer_record_hangup_delivers_recording_saved(harness: Harness) -> None:
    call = await harness.dial(client_state="aGVsbG8=")
    ccid = call["call_control_id"]
    assert call["is_alive"] is False and call["record_type"] == "call"
    await harness.advance(0)
    assert harness.receiver.types() == ["call.initiated"]

    await harness.advance(1)
    assert harness.receiver.types() == ["call.initiated", "call.answered"]

    status, body = await harness.command(
        ccid, "record_start", {"format": "wav", "channels": "dual"}
    )
    assert (status, body) == (200, {"data": {"result": "ok"}})
    await harness.advance(10)
    status, body = await harness.command(ccid, "hangup")
    assert status == 200
    await harness.advance(0)
    assert harness.receiver.types()[-1] == "call.hangup"

    await harness.advance(1)
    saved = harness.receiver.events("call.recording.saved")
    assert len(saved) == 1
    payload = saved[0].payload
    assert payload["call_control_id"] == ccid
    assert payload["channels"] == "dual" and payload["format"] == "wav"
    assert payload["client_state"] == "aGVsbG8="
    assert list(payload["recording_urls"]) == ["wav"]
    assert payload["public_recording_urls"] == {}
    assert payload["recording_started_at"] == "2026-09-21T14:13:21.000000Z"
    assert payload["recording_ended_at"] == "2026-09-21T14:13:31.000000Z"
