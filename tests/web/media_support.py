"""Helpers shared by the tests of the commands around a recording (speak, playback, gather,
send_dtmf, reject, transcription)."""

from __future__ import annotations

import io
import wave
from array import array
from typing import Any

from mockserver.core.scenario import Scenario, SpeechSpan
from mockserver.ids import parse_timestamp
from tests.conftest import START, Harness, MakeHarness, Received

# dialled at START, answered at START + 1 (the default answer delay): media time 0.
ANSWERED_AT = START + 1.0

# A scenario without scripted speech, so only what the app plays is heard on the call.
QUIET = Scenario(inbound_speech=(), outbound_speech=())

# A valid body for every media command, so state checks (not validation) decide.
MEDIA_BODIES: dict[str, dict[str, Any]] = {
    "speak": {"payload": "Hello there", "voice": "female", "language": "en-US"},
    "playback_start": {"audio_url": "https://example.com/hold.mp3"},
    "playback_stop": {},
    "gather": {},
    "gather_using_speak": {"payload": "Press one", "voice": "female"},
    "gather_stop": {},
    "send_dtmf": {"digits": "1#"},
    "transcription_start": {},
    "transcription_stop": {},
}
# What must run first for a command to have something to act on.
PREREQUISITES: dict[str, tuple[str, dict[str, Any]]] = {
    "playback_stop": ("playback_start", MEDIA_BODIES["playback_start"]),
    "gather_stop": ("gather", {}),
    "transcription_stop": ("transcription_start", {}),
}


def codes(body: Any) -> list[str]:
    return [item["code"] for item in body["errors"]]


def pointers(body: Any) -> list[str | None]:
    return [item.get("source", {}).get("pointer") for item in body["errors"]]


def at(received: Received) -> float:
    """Seconds after answer at which the event occurred."""
    return parse_timestamp(received.body["data"]["occurred_at"]) - ANSWERED_AT


def timeline(h: Harness, ccid: str | None = None) -> list[tuple[float, str]]:
    """(seconds after answer, event type) of every webhook after call.answered."""
    events = [r for r in h.receiver.events(call_control_id=ccid)]
    return [
        (round(at(r), 3), r.event_type)
        for r in events
        if r.event_type not in ("call.initiated", "call.answered")
    ]


async def ok(h: Harness, ccid: str, action: str, body: dict[str, Any] | None = None) -> None:
    status, data = await h.command(ccid, action, body or {})
    assert (status, data) == (200, {"data": {"result": "ok"}}), data


async def answered(make_harness: MakeHarness, scenario: Scenario = QUIET) -> tuple[Harness, str]:
    h = await make_harness(scenario=scenario)
    return h, await h.answered_call()


async def inbound(h: Harness, **extra: Any) -> str:
    """An inbound call, parked: call.initiated delivered."""
    status, data = await h.post(
        "/_mock/calls",
        {
            "to": "+13125550100",
            "from": "+13125550199",
            "connection_id": "1684641123236054244",
            "webhook_url": h.receiver.url,
            **extra,
        },
    )
    assert status == 200, data
    await h.advance(0)
    return str(data["data"]["call_control_id"])


def speaking(*spans: tuple[float, float]) -> tuple[SpeechSpan, ...]:
    return tuple(SpeechSpan(start, end) for start, end in spans)


async def download(h: Harness, saved: Received) -> bytes:
    url = next(iter(saved.payload["recording_urls"].values()))
    async with h.client.session.get(url) as response:
        assert response.status == 200
        return await response.read()


def channel_levels(data: bytes, step: float = 0.5) -> list[list[int]]:
    """Peak absolute sample per ``step`` seconds, per channel, of a PCM16 WAV file."""
    with wave.open(io.BytesIO(data)) as reader:
        channels, rate = reader.getnchannels(), reader.getframerate()
        samples = array("h", reader.readframes(reader.getnframes()))
    per_step = int(rate * step)
    levels: list[list[int]] = []
    for channel in range(channels):
        values = samples[channel::channels]
        levels.append(
            [
                max((abs(v) for v in values[i : i + per_step]), default=0)
                for i in range(0, len(values), per_step)
            ]
        )
    return levels


def loud(levels: list[int], threshold: int = 1000) -> list[int]:
    """Indexes of the steps with sound."""
    return [i for i, level in enumerate(levels) if level > threshold]


def spoken(levels: list[int], spans: list[tuple[float, float]], step: float = 0.5) -> bool:
    """Sound throughout every span (a step of margin at each end) and nowhere outside them.

    ``levels`` are one channel's :func:`channel_levels`, ``spans`` seconds into the file.
    """
    inside = {i for i in range(len(levels)) if any(a <= i * step < b for a, b in spans)}
    sounding = set(loud(levels))
    core = {i for i in inside if any(a + step <= i * step < b - step for a, b in spans)}
    return core <= sounding <= inside
