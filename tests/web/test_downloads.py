"""Recording downloads over HTTP: what the file holds (checked with real decoders) and how the
S3-shaped pre-signed link behaves (types, lengths, HEAD, Range, signature, expiry, paths)."""

from __future__ import annotations

import asyncio
import io
import json
import math
import re
import wave
import xml.etree.ElementTree as ET
from array import array
from dataclasses import dataclass
from typing import Any

import pytest
from mutagen.mp3 import MP3
from yarl import URL

from mockserver.core.scenario import DEFAULT_SCENARIO, Scenario, SpeechSpan
from tests.conftest import API_KEY, START, Harness, MakeHarness

RATE = 8000
MP3_FRAME_SAMPLES = 576  # MPEG-2/2.5 Layer III at 8 kHz


@dataclass
class Recorded:
    ccid: str
    payload: dict[str, Any]

    @property
    def url(self) -> str:
        return str(next(iter(self.payload["recording_urls"].values())))


async def record(
    h: Harness,
    options: dict[str, Any] | None = None,
    seconds: float = 4.0,
    end: str | None = "record_stop",
    key: str = API_KEY,
) -> Recorded:
    """Answered call → record_start → ``seconds`` → ``end`` (None: let it stop itself)."""
    ccid = await h.answered_call(key)
    seen = len(h.receiver.received)  # receivers are shared by every harness of a test
    body = {"format": "wav", "channels": "dual", **(options or {})}
    status, response = await h.command(ccid, "record_start", body, key=key)
    assert status == 200, response
    await h.advance(seconds)
    if end is not None:
        status, response = await h.command(ccid, end, key=key)
        assert status == 200, response
    await h.advance(1)  # the default scenario saves the recording 1 s after it stops
    saved = [
        r
        for r in h.receiver.received[seen:]
        if r.event_type == "call.recording.saved" and r.payload["call_control_id"] == ccid
    ]
    assert len(saved) == 1, h.receiver.types()
    return Recorded(ccid, saved[0].payload)


@dataclass
class Download:
    status: int
    headers: dict[str, str]
    body: bytes


async def fetch(
    h: Harness, url: str | URL, method: str = "GET", headers: dict[str, str] | None = None
) -> Download:
    async with h.client.session.request(method, url, headers=headers) as response:
        body = await response.read()
        return Download(response.status, dict(response.headers), body)


async def download(h: Harness, url: str, headers: dict[str, str] | None = None) -> bytes:
    result = await fetch(h, url, headers=headers)
    assert result.status == 200, result.body[:300]
    return result.body


@dataclass
class Wav:
    channels: int
    rate: int
    width: int
    frames: int
    samples: array[int]  # interleaved

    def channel(self, index: int) -> array[int]:
        return self.samples[index :: self.channels]

    def seconds(self, channel: array[int], start: float, end: float) -> array[int]:
        return channel[round(start * self.rate) : round(end * self.rate)]


def decode_wav(data: bytes) -> Wav:
    with wave.open(io.BytesIO(data)) as reader:
        frames = reader.getnframes()
        samples = array("h", reader.readframes(frames))
        return Wav(
            reader.getnchannels(), reader.getframerate(), reader.getsampwidth(), frames, samples
        )


def peak(samples: array[int]) -> int:
    return max((abs(s) for s in samples), default=0)


def tone_amplitude(samples: array[int], freq: float, rate: int = RATE) -> float:
    """Amplitude of the ``freq`` component (Goertzel), in sample units."""
    n = len(samples)
    coeff = 2.0 * math.cos(2.0 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return 2.0 * math.sqrt(max(power, 0.0)) / n


def assert_telnyx_error(result: Download, status: int, code: str | None = None) -> None:
    assert result.status == status, (result.status, result.body[:300])
    assert result.headers["Content-Type"].startswith("application/json")
    body = json.loads(result.body)
    assert isinstance(body["errors"], list) and body["errors"]
    assert {"code", "title"} <= set(body["errors"][0])
    if code is not None:
        assert body["errors"][0]["code"] == code


def assert_s3_error(
    result: Download, status: int, code: str, message: str | None = None
) -> ET.Element:
    """S3's answer: XML ``<Error><Code>…<Message>…``, never Telnyx JSON."""
    assert result.status == status, (result.status, result.body[:300])
    assert result.headers["Content-Type"].startswith("application/xml")
    error = ET.fromstring(result.body)
    assert error.tag == "Error" and error.findtext("Code") == code, result.body
    if message is not None:
        assert error.findtext("Message") == message
    assert error.findtext("RequestId") == result.headers["x-amz-request-id"]
    return error


# --- what the file contains ---------------------------------------------------------------


async def test_dual_channel_wav_is_stereo_8khz_pcm16_as_long_as_the_recording(
    harness: Harness,
) -> None:
    rec = await record(harness, {"channels": "dual"}, seconds=5)
    wav = decode_wav(await download(harness, rec.url))
    assert (wav.channels, wav.rate, wav.width) == (2, RATE, 2)
    assert abs(wav.frames - 5 * RATE) <= 1


async def test_single_channel_wav_is_mono(harness: Harness) -> None:
    rec = await record(harness, {"channels": "single"}, seconds=3)
    wav = decode_wav(await download(harness, rec.url))
    assert (wav.channels, wav.rate) == (1, RATE)
    assert abs(wav.frames - 3 * RATE) <= 1


@pytest.mark.parametrize("track", ["inbound", "outbound"])
async def test_one_track_recording_is_mono_even_when_dual_channels_requested(
    harness: Harness, track: str
) -> None:
    rec = await record(harness, {"channels": "dual", "recording_track": track}, seconds=3)
    wav = decode_wav(await download(harness, rec.url))
    assert wav.channels == 1
    assert abs(wav.frames - 3 * RATE) <= 1


async def test_dual_wav_has_inbound_speech_left_and_outbound_speech_right(
    harness: Harness,
) -> None:
    # Default scenario: inbound talks 0.5-4.0 s, outbound 4.5-8.5 s after answer.
    rec = await record(harness, {"channels": "dual"}, seconds=10)
    wav = decode_wav(await download(harness, rec.url))
    left, right = wav.channel(0), wav.channel(1)
    assert peak(wav.seconds(left, 0.6, 3.9)) > 1000
    assert peak(wav.seconds(right, 0.6, 3.9)) == 0
    assert peak(wav.seconds(left, 4.6, 8.4)) == 0
    assert peak(wav.seconds(right, 4.6, 8.4)) > 1000


async def test_inbound_track_recording_holds_only_the_far_end(harness: Harness) -> None:
    rec = await record(harness, {"channels": "dual", "recording_track": "inbound"}, seconds=10)
    mono = decode_wav(await download(harness, rec.url)).samples
    assert peak(mono[round(0.6 * RATE) : round(3.9 * RATE)]) > 1000
    assert peak(mono[round(4.1 * RATE) : round(8.9 * RATE)]) == 0  # outbound is not in it


async def test_paused_time_is_left_out_of_the_file(harness: Harness) -> None:
    ccid = await harness.answered_call()
    await harness.command(ccid, "record_start", {"format": "wav", "channels": "single"})
    await harness.advance(4)
    assert (await harness.command(ccid, "record_pause"))[0] == 200
    await harness.advance(3)
    assert (await harness.command(ccid, "record_resume"))[0] == 200
    await harness.advance(2)
    await harness.command(ccid, "record_stop")
    await harness.advance(1)
    url = harness.receiver.events("call.recording.saved")[0].payload["recording_urls"]["wav"]
    wav = decode_wav(await download(harness, url))
    assert abs(wav.frames - 6 * RATE) <= 1


async def test_paused_time_is_left_out_of_the_mp3_too(harness: Harness) -> None:
    ccid = await harness.answered_call()
    await harness.command(ccid, "record_start", {"format": "mp3", "channels": "single"})
    await harness.advance(4)
    await harness.command(ccid, "record_pause")
    await harness.advance(3)
    await harness.command(ccid, "record_resume")
    await harness.advance(2)
    await harness.command(ccid, "hangup")
    await harness.advance(1)
    url = harness.receiver.events("call.recording.saved")[0].payload["recording_urls"]["mp3"]
    info = MP3(io.BytesIO(await download(harness, url))).info
    assert 6.0 <= info.length <= 6.0 + 3 * MP3_FRAME_SAMPLES / RATE + 0.01


async def test_max_length_stops_the_recording_and_bounds_the_file(harness: Harness) -> None:
    rec = await record(harness, {"max_length": 3}, seconds=10, end=None)
    assert rec.payload["recording_ended_at"] == "2026-09-21T14:13:24.000000Z"  # start + 3 s
    assert "call.hangup" not in harness.receiver.types()  # the call goes on
    wav = decode_wav(await download(harness, rec.url))
    assert abs(wav.frames - 3 * RATE) <= 1


async def test_hangup_ends_the_recording_at_the_hangup(harness: Harness) -> None:
    rec = await record(harness, {"channels": "single"}, seconds=2.5, end="hangup")
    wav = decode_wav(await download(harness, rec.url))
    assert abs(wav.frames - 2.5 * RATE) <= 1


@pytest.mark.parametrize("channels", ["dual", "single"])
async def test_play_beep_puts_a_1000hz_tone_in_the_first_half_second(
    harness: Harness, channels: str
) -> None:
    rec = await record(harness, {"channels": channels, "play_beep": True}, seconds=3)
    wav = decode_wav(await download(harness, rec.url))
    for index in range(wav.channels):
        first = wav.seconds(wav.channel(index), 0.0, 0.5)
        assert tone_amplitude(first, 1000.0) > 4000  # beep peak is 0.2 of full scale
        assert tone_amplitude(first, 1000.0) > 10 * tone_amplitude(first, 700.0)
        # and it stops after half a second (speech begins at 0.5 s but has no 1000 Hz line)
        assert tone_amplitude(wav.seconds(wav.channel(index), 0.5, 1.0), 1000.0) < 400
    assert abs(wav.frames - 3 * RATE) <= 1  # the beep overlays, it does not lengthen


async def test_without_play_beep_the_first_half_second_has_no_tone(harness: Harness) -> None:
    rec = await record(harness, {"channels": "dual"}, seconds=3)
    wav = decode_wav(await download(harness, rec.url))
    for index in range(wav.channels):
        first = wav.seconds(wav.channel(index), 0.0, 0.5)
        assert tone_amplitude(first, 1000.0) < 1.0
        assert peak(first) == 0  # the default scenario is silent for the first 0.5 s


LATE_SPEECH = Scenario(
    name="late-speech",
    inbound_speech=(SpeechSpan(3.0, 5.0),),
    outbound_speech=(SpeechSpan(6.0, 7.0),),
)


async def test_trim_silence_cuts_leading_and_trailing_silence(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=LATE_SPEECH)
    plain = decode_wav(await download(h, (await record(h, {"channels": "single"}, 10)).url))
    trimmed_rec = await record(h, {"channels": "single", "trim": "trim-silence"}, 10)
    trimmed = decode_wav(await download(h, trimmed_rec.url))
    assert abs(plain.frames - 10 * RATE) <= 1
    assert peak(plain.samples[: 3 * RATE - 1]) == 0  # untrimmed: 3 s of leading silence
    # speech 3.0-7.0 s after answer: 4 s remain
    assert abs(trimmed.frames - 4 * RATE) <= 1
    # Syllables fade in and out (sin² envelope), so the very first and last samples round to
    # zero; the file must turn audible within a few milliseconds at both ends.
    five_ms = RATE // 200
    assert peak(trimmed.samples[:five_ms]) > 0
    assert peak(trimmed.samples[-five_ms:]) > 0


async def test_trim_silence_keeps_the_file_starting_at_the_beep(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=LATE_SPEECH)
    rec = await record(h, {"channels": "single", "trim": "trim-silence", "play_beep": True}, 10)
    wav = decode_wav(await download(h, rec.url))
    assert abs(wav.frames - 7 * RATE) <= 1  # beep at 0 s, last speech ends at 7 s
    assert tone_amplitude(wav.samples[: RATE // 2], 1000.0) > 4000


@pytest.mark.parametrize(("channels", "count"), [("dual", 2), ("single", 1)])
async def test_mp3_decodes_with_the_right_channels_and_length(
    harness: Harness, channels: str, count: int
) -> None:
    rec = await record(harness, {"format": "mp3", "channels": channels}, seconds=4)
    assert list(rec.payload["recording_urls"]) == ["mp3"]
    info = MP3(io.BytesIO(await download(harness, rec.url))).info
    assert info.channels == count
    assert info.sample_rate == RATE
    assert 4.0 <= info.length <= 4.0 + 3 * MP3_FRAME_SAMPLES / RATE + 0.01


async def test_mp3_inbound_track_is_mono_even_with_dual_channels(harness: Harness) -> None:
    rec = await record(
        harness, {"format": "mp3", "channels": "dual", "recording_track": "inbound"}, seconds=2
    )
    info = MP3(io.BytesIO(await download(harness, rec.url))).info
    assert info.channels == 1


# --- HTTP behaviour of the link -------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "content_type"), [("wav", "audio/wav"), ("mp3", "audio/mpeg")])
async def test_download_has_content_type_and_exact_content_length(
    harness: Harness, fmt: str, content_type: str
) -> None:
    rec = await record(harness, {"format": fmt}, seconds=2)
    result = await fetch(harness, rec.url)
    assert result.status == 200
    assert result.headers["Content-Type"] == content_type
    assert int(result.headers["Content-Length"]) == len(result.body)
    assert result.headers.get("Accept-Ranges") == "bytes"


@pytest.mark.parametrize("fmt", ["wav", "mp3"])
async def test_head_returns_the_headers_without_a_body(harness: Harness, fmt: str) -> None:
    rec = await record(harness, {"format": fmt}, seconds=2)
    full = await fetch(harness, rec.url)
    head = await fetch(harness, rec.url, method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert head.headers["Content-Type"] == full.headers["Content-Type"]
    assert int(head.headers["Content-Length"]) == len(full.body)


@pytest.mark.parametrize(
    ("header", "window"),
    [
        ("bytes=0-99", (0, 100)),
        ("bytes=-100", (-100, None)),
        ("bytes=100-", (100, None)),
        ("bytes=40-47", (40, 48)),  # straddles the end of the 44-byte header
        ("bytes=1000-999999999", (1000, None)),  # last-pos past the end is clamped
    ],
)
@pytest.mark.parametrize("fmt", ["wav", "mp3"])
async def test_range_request_returns_exactly_those_bytes(
    harness: Harness, fmt: str, header: str, window: tuple[int, int | None]
) -> None:
    rec = await record(harness, {"format": fmt}, seconds=2)
    full = await download(harness, rec.url)
    size = len(full)
    expected = full[window[0] : window[1]]
    first = window[0] % size
    result = await fetch(harness, rec.url, headers={"Range": header})
    assert result.status == 206
    assert result.body == expected
    assert result.headers["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{size}"
    assert int(result.headers["Content-Length"]) == len(expected)


@pytest.mark.parametrize("fmt", ["wav", "mp3"])
@pytest.mark.parametrize("header", ["bytes={size}-", "bytes={size}-{size}", "bytes=-0"])
async def test_unsatisfiable_range_is_416_with_the_size(
    harness: Harness, fmt: str, header: str
) -> None:
    rec = await record(harness, {"format": fmt}, seconds=2)
    size = len(await download(harness, rec.url))
    result = await fetch(harness, rec.url, headers={"Range": header.format(size=size)})
    error = assert_s3_error(result, 416, "InvalidRange", "The requested range is not satisfiable")
    assert error.findtext("ActualObjectSize") == str(size)
    assert result.headers["Content-Range"] == f"bytes */{size}"


@pytest.mark.parametrize("fmt", ["wav", "mp3"])
@pytest.mark.parametrize("header", ["bytes=0-9,20-29", "items=0-9", "bytes=abc"])
async def test_range_the_server_does_not_serve_gets_the_whole_file(
    harness: Harness, fmt: str, header: str
) -> None:
    rec = await record(harness, {"format": fmt}, seconds=1)
    full = await download(harness, rec.url)
    result = await fetch(harness, rec.url, headers={"Range": header})
    assert result.status == 200
    assert result.body == full
    assert "Content-Range" not in result.headers


@pytest.mark.parametrize("fmt", ["wav", "mp3"])
async def test_head_with_a_range_reports_the_partial_length(harness: Harness, fmt: str) -> None:
    rec = await record(harness, {"format": fmt}, seconds=1)
    size = len(await download(harness, rec.url))
    head = await fetch(harness, rec.url, method="HEAD", headers={"Range": "bytes=0-9"})
    assert head.status == 206 and head.body == b""
    assert head.headers["Content-Range"] == f"bytes 0-9/{size}"
    assert head.headers["Content-Length"] == "10"


async def test_ranges_stitch_back_into_the_whole_wav(harness: Harness) -> None:
    rec = await record(harness, {"format": "wav", "channels": "dual"}, seconds=3)
    full = await download(harness, rec.url)
    parts = []
    step = 7919  # odd: cuts through frames and samples
    for start in range(0, len(full), step):
        result = await fetch(
            harness, rec.url, headers={"Range": f"bytes={start}-{start + step - 1}"}
        )
        assert result.status == 206
        parts.append(result.body)
    assert b"".join(parts) == full


async def test_range_into_an_hour_long_recording_serves_just_those_bytes(
    harness: Harness,
) -> None:
    rec = await record(harness, {"format": "wav", "channels": "dual"}, seconds=3600)
    head = await fetch(harness, rec.url, method="HEAD")
    size = 44 + 3600 * RATE * 4
    assert int(head.headers["Content-Length"]) == size
    tail = await fetch(harness, rec.url, headers={"Range": "bytes=-200"})
    last = await fetch(harness, rec.url, headers={"Range": f"bytes={size - 100}-"})
    assert (tail.status, last.status) == (206, 206)
    assert len(tail.body) == 200 and tail.body[100:] == last.body
    assert last.headers["Content-Range"] == f"bytes {size - 100}-{size - 1}/{size}"
    middle = await fetch(harness, rec.url, headers={"Range": "bytes=57600044-57600143"})
    assert len(middle.body) == 100


async def test_concurrent_mp3_downloads_get_identical_bytes(harness: Harness) -> None:
    rec = await record(harness, {"format": "mp3", "channels": "dual"}, seconds=5)
    results = await asyncio.gather(*(fetch(harness, rec.url) for _ in range(5)))
    assert {r.status for r in results} == {200}
    assert len({r.body for r in results}) == 1
    assert MP3(io.BytesIO(results[0].body)).info.channels == 2


async def test_link_needs_no_authorization_header(harness: Harness) -> None:
    rec = await record(harness, seconds=1)
    result = await fetch(harness, rec.url, headers={})
    assert result.status == 200 and result.body.startswith(b"RIFF")
    # a wrong bearer key does not matter either: the signature authorises the link
    wrong = await fetch(harness, rec.url, headers={"Authorization": "Bearer nobody"})
    assert wrong.status == 200


def _with_query(url: str, **changes: str) -> URL:
    parsed = URL(url)
    return parsed.with_query({**parsed.query, **changes})


S3_LINK = re.compile(
    r"^http://127\.0\.0\.1:\d+/telephony-recorder-prod/(?P<id>[0-9a-f-]{36})/"
    r"(?P<day>\d{4}-\d{2}-\d{2})/(?P<name>[^/?]+)\?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    r"&X-Amz-Credential=AKIA[0-9A-F]{16}%2F(?P<scope_day>\d{8})%2Fus-east-1%2Fs3%2Faws4_request"
    r"&X-Amz-Date=(?P<date>\d{8}T\d{6}Z)&X-Amz-Expires=(?P<expires>\d+)"
    r"&X-Amz-SignedHeaders=host&X-Amz-Signature=[0-9a-f]{64}$"
)


async def test_link_has_the_shape_of_telnyx_s3_links(make_harness: MakeHarness) -> None:
    wall = MutableClock(1_700_000_000.0)  # 2023-11-14T22:13:20Z
    h = await make_harness(wall_clock=wall)
    rec = await record(h, seconds=1)
    match = S3_LINK.match(rec.url)
    assert match, rec.url
    assert match["id"] == rec.payload["recording_id"]
    assert match["day"] == "2026-09-21"  # the recording's own (simulated) start
    assert match["date"] == "20231114T221320Z" and match["scope_day"] == "20231114"
    assert match["expires"] == "600"
    started = int(START + DEFAULT_SCENARIO.answer_delay)
    assert match["name"] == f"{rec.payload['call_leg_id']}-{started}.wav"


async def test_tampered_link_is_403_signature_does_not_match(harness: Harness) -> None:
    rec = await record(harness, seconds=1)
    signature = URL(rec.url).query["X-Amz-Signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    for bad in (
        _with_query(rec.url, **{"X-Amz-Signature": flipped}),
        _with_query(rec.url, **{"X-Amz-Expires": "604800"}),  # extend the lifetime
        _with_query(rec.url, **{"X-Amz-Date": "20991231T000000Z"}),  # move the start
    ):
        result = await fetch(harness, bad)
        assert_s3_error(result, 403, "SignatureDoesNotMatch")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"X-Amz-Signature": ""}, 400, "AuthorizationQueryParametersError"),
        ({"X-Amz-Expires": "²"}, 400, "AuthorizationQueryParametersError"),
        ({"X-Amz-Expires": "-1"}, 400, "AuthorizationQueryParametersError"),
        ({"X-Amz-Expires": "604801"}, 400, "AuthorizationQueryParametersError"),
        ({"X-Amz-Expires": "9" * 5000}, 400, "AuthorizationQueryParametersError"),
        ({"X-Amz-Date": "yesterday"}, 400, "AuthorizationQueryParametersError"),
        ({"X-Amz-Algorithm": "AWS4-HMAC-SHA1"}, 400, "AuthorizationQueryParametersError"),
        (None, 403, "AccessDenied"),  # no query at all: a private bucket
    ],
)
async def test_malformed_link_gets_s3_answers(
    harness: Harness, change: dict[str, str] | None, status: int, code: str
) -> None:
    rec = await record(harness, seconds=1)
    bad = URL(rec.url).with_query(None) if change is None else _with_query(rec.url, **change)
    assert_s3_error(await fetch(harness, bad), status, code)


async def test_signature_of_one_recording_does_not_open_another(harness: Harness) -> None:
    first = await record(harness, seconds=1)
    second = await record(harness, seconds=1)
    forged = URL(second.url).with_query(URL(first.url).query)
    assert_s3_error(await fetch(harness, forged), 403, "SignatureDoesNotMatch")


async def test_signature_covers_the_format(harness: Harness) -> None:
    rec = await record(harness, {"format": "wav"}, seconds=1)
    other = URL(rec.url)
    other = other.with_name(other.name.replace(".wav", ".mp3")).with_query(other.query)
    assert_s3_error(await fetch(harness, other), 403, "SignatureDoesNotMatch")


class MutableClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_link_expires_after_the_ttl_and_a_fresh_one_works(
    make_harness: MakeHarness,
) -> None:
    wall = MutableClock(1_700_000_000.0)
    h = await make_harness(wall_clock=wall)
    rec = await record(h, seconds=1)
    assert URL(rec.url).query["X-Amz-Expires"] == "600"
    wall.now += 600
    assert (await fetch(h, rec.url)).status == 200
    assert (await fetch(h, rec.url, method="HEAD")).status == 200
    wall.now += 1  # 601 s after the link was made
    error = assert_s3_error(await fetch(h, rec.url), 403, "AccessDenied", "Request has expired")
    assert error.findtext("X-Amz-Expires") == "600"
    assert error.findtext("Expires") == "2023-11-14T22:23:20Z"
    assert error.findtext("ServerTime") == "2023-11-14T22:23:21Z"
    head = await fetch(h, rec.url, method="HEAD")
    assert head.status == 403 and head.body == b""
    status, body = await h.get(f"/v2/recordings/{rec.payload['recording_id']}")
    assert status == 200
    assert (await fetch(h, body["data"]["download_urls"]["wav"])).status == 200


async def test_url_ttl_comes_from_the_server_config(make_harness: MakeHarness) -> None:
    wall = MutableClock(1_700_000_000.0)
    h = await make_harness(wall_clock=wall, url_ttl_seconds=30)
    rec = await record(h, seconds=1)
    assert URL(rec.url).query["X-Amz-Expires"] == "30"
    wall.now += 31
    assert_s3_error(await fetch(h, rec.url), 403, "AccessDenied", "Request has expired")


async def test_a_deleted_recording_is_s3s_no_such_key(harness: Harness) -> None:
    rec = await record(harness, seconds=1)
    response = await harness.client.delete(
        f"/v2/recordings/{rec.payload['recording_id']}", headers=harness.auth()
    )
    assert response.status == 200
    error = assert_s3_error(
        await fetch(harness, rec.url), 404, "NoSuchKey", "The specified key does not exist."
    )
    assert error.findtext("Key") == URL(rec.url).path.split("/", 2)[2]


@pytest.mark.parametrize(
    "path",
    [
        "/telephony-recorder-prod/../../etc/passwd",
        "/telephony-recorder-prod/%2e%2e%2f%2e%2e%2fetc%2fpasswd/d/x.wav",
        "/telephony-recorder-prod/%2e%2e/%2e%2e/%2e%2e%2fetc%2fpasswd",
        "/telephony-recorder-prod/{id}/..%2f..%2fetc/passwd.wav",
        "/telephony-recorder-prod/not-a-uuid/2026-09-21/x.wav",
        "/telephony-recorder-prod/{id}/2026-09-21/x.txt",
        "/telephony-recorder-prod/{id}/2026-09-21/..%2f..%2f..%2fetc%2fpasswd",
        "/telephony-recorder-prod/{ID}/2026-09-21/x.wav",
    ],
)
async def test_bad_media_paths_get_s3_errors_never_files(harness: Harness, path: str) -> None:
    rec = await record(harness, seconds=1)
    recording_id = rec.payload["recording_id"]
    path = path.replace("{id}", recording_id).replace("{ID}", recording_id.upper())
    query = URL(rec.url).query_string
    origin = str(URL(rec.url).origin())
    result = await fetch(harness, URL(f"{origin}{path}?{query}", encoded=True))
    assert 400 <= result.status < 500
    assert b"root:" not in result.body and not result.body.startswith(b"RIFF")
    if result.headers["Content-Type"].startswith("application/xml"):
        assert_s3_error(result, 403, "SignatureDoesNotMatch")
    else:  # not under a bucket object's path at all: the mock's own 404
        assert_telnyx_error(result, 404, "10005")


async def test_default_file_name_is_call_leg_id_dash_unix_seconds(harness: Harness) -> None:
    rec = await record(harness, seconds=1)
    started = START + DEFAULT_SCENARIO.answer_delay
    assert URL(rec.url).name == f"{rec.payload['call_leg_id']}-{int(started)}.wav"


async def test_custom_file_name_replaces_the_call_leg_id(harness: Harness) -> None:
    rec = await record(harness, {"format": "mp3", "custom_file_name": "invoice-42"}, seconds=1)
    started = START + DEFAULT_SCENARIO.answer_delay
    name = URL(rec.url).name
    assert name == f"invoice-42-{int(started)}.mp3"
    assert re.fullmatch(r"invoice-42-\d+\.mp3", name)
    assert (await fetch(harness, rec.url)).status == 200


async def _timeline(h: Harness) -> tuple[bytes, bytes]:
    wav = await record(h, {"format": "wav", "channels": "dual", "play_beep": True}, seconds=9)
    mp3 = await record(h, {"format": "mp3", "channels": "single"}, seconds=6)
    return await download(h, wav.url), await download(h, mp3.url)


async def test_same_seed_and_timeline_give_byte_identical_files(
    make_harness: MakeHarness,
) -> None:
    first = await _timeline(await make_harness(seed=11))
    second = await _timeline(await make_harness(seed=11))
    assert first == second
    other = await _timeline(await make_harness(seed=12))
    assert other[0] != first[0]  # the seed changes the speech
    assert len(other[0]) == len(first[0])
