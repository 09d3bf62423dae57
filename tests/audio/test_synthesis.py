"""Tests for mockserver.audio.synthesis: decoded with real decoders (stdlib wave, mutagen)."""

from __future__ import annotations

import io
import itertools
import math
import sys
import tracemalloc
import wave
from array import array
from dataclasses import replace
from typing import Any

import pytest
from mutagen.mp3 import MP3, BitrateMode, MPEGInfo

from mockserver.audio.synthesis import (
    BEEP_HZ,
    BEEP_SECONDS,
    INBOUND_HZ,
    OUTBOUND_HZ,
    WAV_HEADER_BYTES,
    AudioSpec,
    Span,
    content_type,
    duration_seconds,
    effective_window,
    iter_mp3,
    iter_wav,
    output_channel_count,
    wav_size,
)

RATE = 8000
# mutagen's MP3 length includes LAME's encoder delay and the padding of the last frame:
# measured 2..3 frames of 576 samples for MPEG-2/2.5 rates (0.144-0.216 s at 8 kHz).
MP3_EXTRA_MAX = 3 * 576 / RATE + 1e-6


def make_spec(**overrides: Any) -> AudioSpec:
    base = AudioSpec(
        format="wav",
        channels="dual",
        track="both",
        segments=(Span(0, 10),),
        inbound_speech=(Span(1, 3),),
        outbound_speech=(Span(4, 6),),
        play_beep=False,
        trim_silence=False,
        seed=7,
    )
    return replace(base, **overrides)


def wav_bytes(spec: AudioSpec) -> bytes:
    return b"".join(iter_wav(spec))


def decode_wav(data: bytes) -> tuple[int, int, list[array[int]]]:
    """(channels, rate, per-channel samples) using the stdlib decoder."""
    with wave.open(io.BytesIO(data)) as w:
        assert w.getsampwidth() == 2
        nch, rate, n = w.getnchannels(), w.getframerate(), w.getnframes()
        samples = array("h", w.readframes(n))
    assert len(samples) == n * nch
    if sys.byteorder == "big":
        samples.byteswap()
    return nch, rate, [samples[c::nch] for c in range(nch)]


def mp3_info(data: bytes) -> Any:
    """Parse an MP3 stream with mutagen (whose stubs do not declare the info attributes)."""
    info: Any = MP3(io.BytesIO(data)).info  # type: ignore[no-untyped-call]
    assert isinstance(info, MPEGInfo)
    return info


def window(x: array[int], t0: float, t1: float) -> array[int]:
    return x[round(t0 * RATE) : round(t1 * RATE)]


def rms(x: array[int]) -> float:
    return math.sqrt(sum(v * v for v in x) / len(x)) if len(x) else 0.0


def tone_amplitude(x: array[int], freq: float) -> float:
    """Goertzel: amplitude of the `freq` component of x."""
    coeff = 2.0 * math.cos(2.0 * math.pi * freq / RATE)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + coeff * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return 2.0 * math.sqrt(max(power, 0.0)) / len(x)


def pitch_estimate(x: array[int]) -> float:
    """Fundamental from zero crossings of the voiced (non-zero) samples."""
    voiced = [v for v in x if v != 0]
    crossings = sum(1 for a, b in itertools.pairwise(voiced) if (a < 0) != (b < 0))
    return crossings / 2 / (len(voiced) / RATE)


# --- small pure helpers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channels", "track", "expected"),
    [
        ("dual", "both", 2),
        ("single", "both", 1),
        ("dual", "inbound", 1),
        ("dual", "outbound", 1),
        ("single", "inbound", 1),
        ("single", "outbound", 1),
    ],
)
def test_output_channel_count(channels: str, track: str, expected: int) -> None:
    assert output_channel_count(make_spec(channels=channels, track=track)) == expected


def test_content_type() -> None:
    assert content_type("wav") == "audio/wav"
    assert content_type("mp3") == "audio/mpeg"
    with pytest.raises(ValueError):
        content_type("ogg")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "overrides",
    [
        {"segments": (Span(0, 5), Span(4, 6))},
        {"segments": (Span(5, 6), Span(0, 1))},
        {"format": "ogg"},
        {"channels": "triple"},
        {"track": "neither"},
        {"sample_rate": 0},
        {"format": "mp3", "sample_rate": 7000},
    ],
)
def test_invalid_spec_rejected(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_spec(**overrides)


def test_invalid_span_rejected() -> None:
    with pytest.raises(ValueError):
        Span(3, 2)
    with pytest.raises(ValueError):
        Span(-1, 2)
    with pytest.raises(ValueError):
        Span(0, math.inf)


# --- channel mapping -------------------------------------------------------------------------


def test_dual_left_is_inbound_right_is_outbound() -> None:
    nch, rate, (left, right) = decode_wav(wav_bytes(make_spec()))
    assert (nch, rate) == (2, RATE)
    # Inbound speaks 1-3 s: left only.
    assert rms(window(left, 1.2, 2.8)) > 2000
    assert rms(window(right, 1.0, 3.0)) == 0
    # Outbound speaks 4-6 s: right only.
    assert rms(window(right, 4.2, 5.8)) > 2000
    assert rms(window(left, 4.0, 6.0)) == 0
    # Silence elsewhere is digital zero.
    assert rms(window(left, 0, 1)) == rms(window(right, 6, 10)) == 0
    # The legs are recognisable by register.
    assert pitch_estimate(window(left, 1, 3)) == pytest.approx(INBOUND_HZ, rel=0.15)
    assert pitch_estimate(window(right, 4, 6)) == pytest.approx(OUTBOUND_HZ, rel=0.15)


def test_single_both_is_mono_mix_of_the_legs() -> None:
    overlapping = {"inbound_speech": (Span(1, 5),), "outbound_speech": (Span(3, 7),)}
    nch, _, (mono,) = decode_wav(wav_bytes(make_spec(channels="single", **overlapping)))
    _, _, (left, right) = decode_wav(wav_bytes(make_spec(channels="dual", **overlapping)))
    assert nch == 1
    assert list(mono) == [a + b for a, b in zip(left, right, strict=True)]
    assert rms(window(mono, 3, 5)) > rms(window(mono, 1, 3)) > 0


@pytest.mark.parametrize("channels", ["single", "dual"])
@pytest.mark.parametrize(("track", "leg"), [("inbound", 0), ("outbound", 1)])
def test_single_track_is_mono_of_that_leg(channels: str, track: str, leg: int) -> None:
    nch, _, (mono,) = decode_wav(wav_bytes(make_spec(channels=channels, track=track)))
    _, _, legs = decode_wav(wav_bytes(make_spec()))
    assert nch == 1
    assert mono == legs[leg]
    other_span = (4, 6) if track == "inbound" else (1, 3)
    assert rms(window(mono, *other_span)) == 0


# --- beep ------------------------------------------------------------------------------------


def test_beep_overlays_start_of_every_channel() -> None:
    # Inbound talks from t=0, so the beep is mixed over speech; duration is unchanged.
    spec = make_spec(inbound_speech=(Span(0, 3),), play_beep=True)
    plain = replace(spec, play_beep=False)
    _, _, with_beep = decode_wav(wav_bytes(spec))
    _, _, without = decode_wav(wav_bytes(plain))
    assert duration_seconds(spec) == duration_seconds(plain) == 10
    assert wav_size(spec) == wav_size(plain)
    for beeped, clean in zip(with_beep, without, strict=True):
        assert tone_amplitude(window(beeped, 0, BEEP_SECONDS), BEEP_HZ) > 3000
        assert tone_amplitude(window(clean, 0, BEEP_SECONDS), BEEP_HZ) < 100
        # Only the beep window differs.
        cut = round(BEEP_SECONDS * RATE)
        assert beeped[cut:] == clean[cut:]
        assert beeped[:cut] != clean[:cut]


def test_beep_in_mono_mix_and_mp3_does_not_break() -> None:
    spec = make_spec(channels="single", play_beep=True)
    _, _, (mono,) = decode_wav(wav_bytes(spec))
    assert tone_amplitude(window(mono, 0, BEEP_SECONDS), BEEP_HZ) > 3000
    assert rms(window(mono, BEEP_SECONDS, 1)) == 0


# --- trim and pauses -------------------------------------------------------------------------


def test_trim_removes_leading_and_trailing_silence() -> None:
    untrimmed = make_spec(segments=(Span(0, 20),), outbound_speech=(Span(7.5, 12),))
    trimmed = replace(untrimmed, trim_silence=True)
    assert effective_window(untrimmed) == (0, 20)
    assert effective_window(trimmed) == (1, 12)
    assert duration_seconds(trimmed) == 11
    _, _, full = decode_wav(wav_bytes(untrimmed))
    nch, _, cut = decode_wav(wav_bytes(trimmed))
    assert nch == 2
    assert len(cut[0]) == 11 * RATE
    for channel_full, channel_cut in zip(full, cut, strict=True):
        assert channel_cut == window(channel_full, 1, 12)
    # Sound right at both ends of the trimmed file.
    assert rms(window(cut[0], 0, 0.05)) > 0
    assert rms(window(cut[1], 10.95, 11)) > 0


def test_trim_only_counts_tracks_in_the_file() -> None:
    spec = make_spec(track="inbound", trim_silence=True, outbound_speech=(Span(0.5, 1), Span(5, 9)))
    assert effective_window(spec) == (1, 3)
    nch, _, (mono,) = decode_wav(wav_bytes(spec))
    assert nch == 1 and len(mono) == 2 * RATE


def test_trim_keeps_beep() -> None:
    spec = make_spec(trim_silence=True, play_beep=True)
    assert effective_window(spec) == (0, 6)


def test_trim_of_silent_recording_keeps_it_untrimmed() -> None:
    spec = make_spec(trim_silence=True, inbound_speech=(), outbound_speech=())
    assert effective_window(spec) == (0, 10)
    _, _, (left, right) = decode_wav(wav_bytes(spec))
    assert len(left) == 10 * RATE and not any(left) and not any(right)


def test_pauses_are_left_out() -> None:
    paused = make_spec(
        segments=(Span(0, 5), Span(8, 10)),
        inbound_speech=(Span(1, 3), Span(8.5, 9.5)),
        outbound_speech=(Span(4, 6),),
    )
    continuous = replace(paused, segments=(Span(0, 10),))
    assert duration_seconds(paused) == 7
    _, _, paused_legs = decode_wav(wav_bytes(paused))
    _, _, full_legs = decode_wav(wav_bytes(continuous))
    for p, f in zip(paused_legs, full_legs, strict=True):
        # The signal is a function of media time: the file is the recorded pieces spliced.
        assert p == window(f, 0, 5) + window(f, 8, 10)


def test_trim_with_pauses_uses_recorded_time() -> None:
    # Speech during the pause (6-8) is not recorded, so it does not extend the window.
    spec = make_spec(
        segments=(Span(2, 5), Span(8, 12)),
        inbound_speech=(Span(0, 2.5), Span(6, 8.5)),
        outbound_speech=(),
        trim_silence=True,
    )
    assert effective_window(spec) == (0, 3.5)
    assert duration_seconds(spec) == 3.5


# --- files, sizes, determinism ---------------------------------------------------------------


def test_wav_header_and_size() -> None:
    spec = make_spec(segments=(Span(0, 1.2345),))
    data = wav_bytes(spec)
    assert len(data) == wav_size(spec) == WAV_HEADER_BYTES + round(1.2345 * RATE) * 4
    assert data[:4] == b"RIFF" and data[8:16] == b"WAVEfmt "
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnframes() == round(duration_seconds(spec) * RATE)


@pytest.mark.parametrize("segments", [(), (Span(0, 0),), (Span(3, 3), Span(4, 4))])
def test_empty_recording_is_valid(segments: tuple[Span, ...]) -> None:
    spec = make_spec(segments=segments, play_beep=True, trim_silence=True)
    assert duration_seconds(spec) == 0
    data = wav_bytes(spec)
    assert len(data) == wav_size(spec) == WAV_HEADER_BYTES
    nch, rate, channels = decode_wav(data)
    assert (nch, rate) == (2, RATE) and all(len(c) == 0 for c in channels)
    mp3 = mp3_info(b"".join(iter_mp3(replace(spec, format="mp3"))))
    assert mp3.channels == 2 and mp3.sample_rate == RATE
    assert 0 < mp3.length <= MP3_EXTRA_MAX


def test_very_short_recording() -> None:
    spec = make_spec(segments=(Span(0, 0.01),), inbound_speech=(Span(0, 1),), play_beep=True)
    _, _, (left, _right) = decode_wav(wav_bytes(spec))
    assert len(left) == 80 and any(left)
    mp3 = mp3_info(b"".join(iter_mp3(replace(spec, format="mp3"))))
    assert 0.01 < mp3.length <= 0.01 + MP3_EXTRA_MAX


def test_same_spec_same_bytes_different_seed_different_bytes() -> None:
    spec = make_spec(play_beep=True)
    assert wav_bytes(spec) == wav_bytes(make_spec(play_beep=True))
    assert wav_bytes(spec) != wav_bytes(replace(spec, seed=8))
    mp3 = replace(spec, format="mp3")
    assert b"".join(iter_mp3(mp3)) == b"".join(iter_mp3(replace(mp3)))
    assert b"".join(iter_mp3(mp3)) != b"".join(iter_mp3(replace(mp3, seed=8)))


def test_random_access_matches_full_file() -> None:
    spec = make_spec(
        segments=(Span(0, 2.5), Span(3.1, 7)),
        inbound_speech=(Span(0.3, 4.4),),
        outbound_speech=(Span(2, 3.3), Span(4, 9)),
        play_beep=True,
    )
    full = wav_bytes(spec)
    size = len(full)
    assert size == wav_size(spec)
    ranges = [
        (0, 1),
        (0, 44),
        (3, 17),
        (43, 46),
        (41, 1001),
        (44, 45),
        (45, 47),
        (777, 7777),
        (12345, 12346),
        (size - 3, size),
        (size - 1000, size + 500),
        (size, size + 10),
        (500, 100),
    ]
    for start, end in ranges:
        for chunk in (1, 3, 1000, 64 * 1024):
            assert b"".join(iter_wav(spec, start, end, chunk)) == full[start:end], (start, end)
    assert b"".join(iter_wav(spec, 10_001)) == full[10_001:]
    with pytest.raises(ValueError):
        list(iter_wav(spec, -1))


@pytest.mark.parametrize(
    ("channels", "track", "nch"),
    [("dual", "both", 2), ("single", "both", 1), ("dual", "inbound", 1)],
)
def test_mp3_decodes_with_right_shape(channels: str, track: str, nch: int) -> None:
    spec = make_spec(
        format="mp3", channels=channels, track=track, segments=(Span(0, 4), Span(5, 8.3))
    )
    data = b"".join(iter_mp3(spec, chunk_seconds=1.7))
    assert data == b"".join(iter_mp3(spec))  # chunking does not change the stream
    info = mp3_info(data)
    assert info.channels == nch
    assert info.sample_rate == RATE
    assert info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)
    assert info.bitrate == (64000 if nch == 2 else 32000)
    assert duration_seconds(spec) == pytest.approx(7.3)
    assert duration_seconds(spec) < info.length <= duration_seconds(spec) + MP3_EXTRA_MAX


def test_other_sample_rate() -> None:
    spec = make_spec(sample_rate=16000, segments=(Span(0, 2),))
    with wave.open(io.BytesIO(wav_bytes(spec))) as w:
        assert (w.getframerate(), w.getnframes(), w.getnchannels()) == (16000, 32000, 2)
    info = mp3_info(b"".join(iter_mp3(replace(spec, format="mp3"))))
    assert info.sample_rate == 16000 and info.channels == 2


# --- streaming of long recordings ------------------------------------------------------------


def test_four_hour_recording_random_access_at_the_end() -> None:
    hours = 4 * 3600.0
    spec = make_spec(
        segments=(Span(0, hours),),
        inbound_speech=(Span(hours - 10, hours),),
        outbound_speech=(Span(0, 1),),
    )
    size = wav_size(spec)
    assert size == WAV_HEADER_BYTES + int(hours) * RATE * 4
    tail = b"".join(iter_wav(spec, size - 1000))
    assert len(tail) == 1000
    samples = array("h", tail)
    assert any(samples[0::2]) and not any(samples[1::2])  # inbound (left) talks at the end
    head = b"".join(iter_wav(spec, 0, 64 * 1024))
    assert len(head) == 64 * 1024 and head[:4] == b"RIFF"


def _peak_memory_streaming(chunks: Any) -> tuple[int, int]:
    tracemalloc.start()
    try:
        total = 0
        for chunk in chunks:
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return total, peak


def test_streaming_memory_is_bounded() -> None:
    ten_minutes = make_spec(
        segments=(Span(0, 600),),
        inbound_speech=(Span(0, 300),),
        outbound_speech=(Span(200, 600),),
        play_beep=True,
    )
    total, peak = _peak_memory_streaming(iter_wav(ten_minutes))
    assert total == wav_size(ten_minutes) > 19_000_000
    assert peak < 3_000_000

    two_minutes = replace(ten_minutes, format="mp3", channels="single", segments=(Span(0, 120),))
    total, peak = _peak_memory_streaming(iter_mp3(two_minutes))
    assert total > 400_000
    assert peak < 3_000_000
