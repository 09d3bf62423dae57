"""speak, playback_start and playback_stop over HTTP: their webhooks, when they come, the
queue, and the audio they put on the recording's outbound track."""

from __future__ import annotations

import re
from typing import Any

import pytest
from referencing import Registry
from telnyx import Telnyx

from mockserver.core.scenario import Scenario
from tests.conftest import MakeHarness
from tests.spec_helpers import spec_errors
from tests.web.media_support import (
    answered,
    at,
    channel_levels,
    codes,
    download,
    loud,
    ok,
    speaking,
    timeline,
)

SPEAK = {"payload": "x" * 50, "voice": "female"}  # 50 characters: 3.5 s at 0.07 s each
PLAY = {"audio_url": "https://example.com/hold.mp3"}


# -- speak -------------------------------------------------------------------------------------


async def test_speak_starts_now_and_ends_after_0_07_s_per_character(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness)
    await h.advance(2)
    await ok(h, ccid, "speak", SPEAK)
    await h.advance(10)
    assert timeline(h) == [(2.0, "call.speak.started"), (5.5, "call.speak.ended")]
    started, ended = h.receiver.events("call.speak.started"), h.receiver.events("call.speak.ended")
    assert started[0].payload["speak_id"] == ended[0].payload["speak_id"]
    assert re.fullmatch(r"[0-9A-Za-z]{10}", started[0].payload["speak_id"])
    assert ended[0].payload["status"] == "completed"


@pytest.mark.parametrize(
    ("body", "seconds"),
    [
        ({"payload": "Hi"}, 1.0),  # at least 1 s
        ({"payload": "<speak>Hello <break time='1s'/> world</speak>", "payload_type": "ssml"}, 1.0),
        ({"payload": "y" * 100, "payload_type": "ssml"}, 7.0),
        ({"payload": "y" * 20, "loop": 3}, 4.2),
        ({"payload": "y" * 20, "loop": "2"}, 2.8),
    ],
)
async def test_speak_duration(
    make_harness: MakeHarness, body: dict[str, Any], seconds: float
) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "speak", {"voice": "female", **body})
    await h.advance(60)
    assert timeline(h) == [(0.0, "call.speak.started"), (seconds, "call.speak.ended")]


async def test_scenario_sets_the_speak_duration(make_harness: MakeHarness) -> None:
    scenario = Scenario(inbound_speech=(), outbound_speech=(), speak_duration=2.5)
    h, ccid = await answered(make_harness, scenario)
    await ok(h, ccid, "speak", {"payload": "y" * 300, "voice": "female", "loop": 2})
    await h.advance(60)
    assert timeline(h) == [(0.0, "call.speak.started"), (5.0, "call.speak.ended")]


async def test_scenario_sets_seconds_per_character(make_harness: MakeHarness) -> None:
    scenario = Scenario(speak_seconds_per_character=0.1)
    h, ccid = await answered(make_harness, scenario)
    await ok(h, ccid, "speak", {"payload": "y" * 30, "voice": "female"})
    await h.advance(60)
    assert timeline(h) == [(0.0, "call.speak.started"), (3.0, "call.speak.ended")]


async def test_speaks_queue_and_play_one_after_another(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "speak", SPEAK)
    await h.advance(1)
    await ok(h, ccid, "speak", {**SPEAK, "payload": "y" * 20})
    await h.advance(60)
    assert timeline(h) == [
        (0.0, "call.speak.started"),
        (3.5, "call.speak.ended"),
        (3.5, "call.speak.started"),
        (4.9, "call.speak.ended"),
    ]


async def test_speak_with_stop_all_cuts_what_plays_and_clears_the_queue(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "speak", SPEAK)
    await ok(h, ccid, "speak", SPEAK)  # queued
    await h.advance(1)
    await ok(h, ccid, "speak", {"payload": "Now", "voice": "female", "stop": "all"})
    await h.advance(60)
    assert timeline(h) == [
        (0.0, "call.speak.started"),
        (1.0, "call.speak.ended"),
        (1.0, "call.speak.started"),
        (2.0, "call.speak.ended"),
    ]
    # The spec's call.speak.ended statuses have no "cancelled": a cut speak ends "completed".
    assert [e.payload["status"] for e in h.receiver.events("call.speak.ended")] == [
        "completed",
        "completed",
    ]


async def test_speak_with_stop_current_plays_the_queue_on(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "speak", SPEAK)
    await ok(h, ccid, "speak", {"payload": "y" * 20, "voice": "female"})  # queued: 1.4 s
    await h.advance(1)
    await ok(h, ccid, "speak", {"payload": "Now", "voice": "female", "stop": "current"})
    await h.advance(60)
    assert timeline(h) == [
        (0.0, "call.speak.started"),
        (1.0, "call.speak.ended"),
        (1.0, "call.speak.started"),
        (2.4, "call.speak.ended"),
        (2.4, "call.speak.started"),
        (3.4, "call.speak.ended"),
    ]


async def test_endless_speak_ends_on_playback_stop(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "speak", {**SPEAK, "loop": "infinity"})
    await h.advance(3600)
    assert timeline(h) == [(0.0, "call.speak.started")]
    await ok(h, ccid, "playback_stop")
    await h.advance(0)
    assert timeline(h)[-1] == (3600.0, "call.speak.ended")


async def test_hangup_ends_the_speak_with_call_hangup_before_call_hangup(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "speak", SPEAK)
    await ok(h, ccid, "speak", SPEAK)  # queued: never starts
    await h.advance(2)
    await ok(h, ccid, "hangup")
    await h.advance(60)
    assert timeline(h) == [
        (0.0, "call.speak.started"),
        (2.0, "call.speak.ended"),
        (2.0, "call.hangup"),
    ]
    assert h.receiver.events("call.speak.ended")[0].payload["status"] == "call_hangup"


async def test_speak_client_state_is_echoed_from_then_on(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "speak", {**SPEAK, "client_state": "Z3JlZXRpbmc="})
    await h.advance(60)
    for event in h.receiver.events("call.speak.started") + h.receiver.events("call.speak.ended"):
        assert event.payload["client_state"] == "Z3JlZXRpbmc="


# -- playback ----------------------------------------------------------------------------------


async def test_playback_lasts_the_scenario_s_5_seconds_and_reports_the_url(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "playback_start", PLAY)
    await h.advance(60)
    assert timeline(h) == [(0.0, "call.playback.started"), (5.0, "call.playback.ended")]
    started, ended = (
        h.receiver.events("call.playback.started")[0],
        h.receiver.events("call.playback.ended")[0],
    )
    assert started.payload["media_url"] == PLAY["audio_url"]
    assert started.payload["overlay"] is False and "media_name" not in started.payload
    assert (ended.payload["status"], ended.payload["media_url"]) == ("completed", PLAY["audio_url"])


async def test_playback_loop_and_scenario_duration(make_harness: MakeHarness) -> None:
    scenario = Scenario(inbound_speech=(), outbound_speech=(), playback_duration=2)
    h, ccid = await answered(make_harness, scenario)
    await ok(h, ccid, "playback_start", {"media_name": "hold_music", "loop": 3})
    await h.advance(60)
    assert timeline(h) == [(0.0, "call.playback.started"), (6.0, "call.playback.ended")]
    assert h.receiver.events("call.playback.ended")[0].payload["media_name"] == "hold_music"


async def test_playback_content_reports_no_url_or_name(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "playback_start", {"playback_content": "SUQzBAAAAAAA"})
    await h.advance(60)
    for event in h.receiver.events("call.playback.started") + h.receiver.events(
        "call.playback.ended"
    ):
        assert "media_url" not in event.payload and "media_name" not in event.payload


async def test_playback_stop_cancels_what_plays(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "playback_start", {**PLAY, "loop": "infinity"})
    await ok(h, ccid, "playback_start", PLAY)  # queued
    await h.advance(2)
    await ok(h, ccid, "playback_stop", {"stop": "all"})
    await h.advance(60)
    assert timeline(h) == [(0.0, "call.playback.started"), (2.0, "call.playback.ended")]
    assert h.receiver.events("call.playback.ended")[0].payload["status"] == "cancelled"


async def test_playback_stop_current_plays_the_next_one(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "playback_start", PLAY)
    await ok(h, ccid, "speak", SPEAK)  # speak and playback share the queue
    await h.advance(1)
    await ok(h, ccid, "playback_stop", {"stop": "current"})
    await h.advance(60)
    assert timeline(h) == [
        (0.0, "call.playback.started"),
        (1.0, "call.playback.ended"),
        (1.0, "call.speak.started"),
        (4.5, "call.speak.ended"),
    ]


async def test_playback_stop_with_nothing_playing_is_422(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    status, data = await h.command(ccid, "playback_stop")
    assert status == 422 and codes(data) == ["10015"]
    assert data["errors"][0]["detail"] == "There is no audio playing on this call to stop."


async def test_overlay_plays_on_top_and_stops_on_its_own(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "playback_start", {**PLAY, "loop": 4})  # 20 s
    await h.advance(1)
    await ok(
        h, ccid, "playback_start", {"audio_url": "https://example.com/ding.wav", "overlay": True}
    )
    await h.advance(1)
    await ok(h, ccid, "playback_stop", {"overlay": True})
    await h.advance(60)
    assert timeline(h) == [
        (0.0, "call.playback.started"),
        (1.0, "call.playback.started"),
        (2.0, "call.playback.ended"),
        (20.0, "call.playback.ended"),
    ]
    overlay_end, main_end = h.receiver.events("call.playback.ended")
    assert (overlay_end.payload["overlay"], overlay_end.payload["status"]) == (True, "cancelled")
    assert (main_end.payload["overlay"], main_end.payload["status"]) == (False, "completed")


async def test_overlay_needs_a_playback_playing(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "speak", SPEAK)  # a speak is not "a Play Audio with overlay=false"
    status, data = await h.command(ccid, "playback_start", {**PLAY, "overlay": True})
    assert status == 422 and codes(data) == ["10015"]
    assert data["errors"][0]["source"] == {"pointer": "/overlay"}
    status, data = await h.command(
        ccid, "playback_start", {**PLAY, "overlay": True, "target_legs": "both"}
    )
    assert status == 422 and data["errors"][0]["source"] == {"pointer": "/target_legs"}


# -- the webhooks against Telnyx's schemas -----------------------------------------------------

COMPONENTS = {
    "call.speak.started": ("CallSpeakStartedEvent", "CallSpeakStartedWebhookEvent"),
    "call.speak.ended": ("CallSpeakEndedEvent", "CallSpeakEndedWebhookEvent"),
    "call.playback.started": ("CallPlaybackStartedEvent", "CallPlaybackStartedWebhookEvent"),
    "call.playback.ended": ("CallPlaybackEndedEvent", "CallPlaybackEndedWebhookEvent"),
}


async def test_speak_and_playback_webhooks_match_telnyx_schemas_and_the_sdk(
    make_harness: MakeHarness, telnyx_spec: Registry[Any]
) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "speak", {**SPEAK, "client_state": "aGVsbG8="})
    await ok(h, ccid, "playback_start", PLAY)
    await h.advance(60)
    await ok(h, ccid, "playback_start", {"media_name": "x", "loop": "infinity"})
    await ok(h, ccid, "playback_stop")  # cancelled
    await ok(h, ccid, "speak", SPEAK)
    await ok(h, ccid, "hangup")  # call_hangup
    await h.advance(10)
    response = await h.client.get("/_mock/webhook-key")
    client = Telnyx(api_key="k", public_key=(await response.json())["public_key"])
    seen: dict[str, set[str]] = {}
    for received in h.receiver.received:
        if received.event_type not in COMPONENTS:
            continue
        component, sdk_class = COMPONENTS[received.event_type]
        assert spec_errors(telnyx_spec, component, {"data": received.body["data"]}) == []
        event = client.webhooks.unwrap(received.raw.decode(), headers=dict(received.headers))
        assert type(event).__name__ == sdk_class
        seen.setdefault(received.event_type, set()).add(received.payload.get("status", ""))
    assert seen == {
        "call.speak.started": {""},
        "call.speak.ended": {"completed", "call_hangup"},
        "call.playback.started": {""},
        "call.playback.ended": {"completed", "cancelled"},
    }
    assert at(h.receiver.events("call.hangup")[0]) == 60.0


# -- what the recording hears ------------------------------------------------------------------


async def test_speech_and_playback_are_on_the_outbound_channel_of_a_dual_recording(
    make_harness: MakeHarness,
) -> None:
    scenario = Scenario(inbound_speech=speaking((10, 12)), outbound_speech=(), speak_duration=2)
    h, ccid = await answered(make_harness, scenario)
    await ok(h, ccid, "record_start", {"format": "wav", "channels": "dual"})
    await h.advance(2)
    await ok(h, ccid, "speak", SPEAK)  # 2–4 s
    await h.advance(3)
    await ok(h, ccid, "playback_start", {**PLAY, "loop": "infinity"})  # 5 s → stopped at 7 s
    await h.advance(2)
    await ok(h, ccid, "playback_stop")
    await h.advance(7)
    await ok(h, ccid, "hangup")  # at 14 s
    await h.advance(2)
    (saved,) = h.receiver.events("call.recording.saved")
    inbound, outbound = channel_levels(await download(h, saved))
    assert loud(outbound) == [4, 5, 6, 7, 10, 11, 12, 13]  # 2–4 s and 5–7 s, in 0.5 s steps
    assert loud(inbound) == [20, 21, 22, 23]  # the far end, 10–12 s


async def test_an_inbound_only_recording_leaves_the_app_s_audio_out(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness)
    await ok(
        h,
        ccid,
        "record_start",
        {"format": "wav", "channels": "single", "recording_track": "inbound"},
    )
    await ok(h, ccid, "speak", SPEAK)
    await h.advance(5)
    await ok(h, ccid, "hangup")
    await h.advance(2)
    (saved,) = h.receiver.events("call.recording.saved")
    (mono,) = channel_levels(await download(h, saved))
    assert loud(mono) == []


async def test_speech_before_the_recording_is_not_in_it_and_target_opposite_is_not_heard(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "speak", SPEAK)  # 0–3.5 s
    await h.advance(4)
    await ok(h, ccid, "record_start", {"format": "wav", "channels": "single"})
    await ok(h, ccid, "speak", {**SPEAK, "target_legs": "opposite"})  # no other leg here
    await h.advance(4)
    await ok(h, ccid, "speak", {"payload": "y" * 20, "voice": "female"})  # 8–9.4 s
    await h.advance(2)
    await ok(h, ccid, "hangup")
    await h.advance(2)
    (saved,) = h.receiver.events("call.recording.saved")
    (mono,) = channel_levels(await download(h, saved))
    assert loud(mono) == [8, 9, 10]  # file time 4–5.4 s
