"""Deterministic, sans-IO synthesis of simulated call-recording audio (WAV and MP3).

The mock server needs recording files that a human (or a decoder in a test) can tell apart:
the far end ("inbound" track) talks in a low register, our side ("outbound" track: TTS or
playback) in a higher one, a 1000 Hz beep optionally marks the start of the recording, and
everything else is digital silence.

Design constraints this module keeps:

* **Pure**: no sockets, no files, no clock reads, no module-level mutable state. The output
  is a pure function of the :class:`AudioSpec`; equal specs give byte-identical files.
* **Random access**: every PCM sample is a pure function of its index, so
  :func:`iter_wav` serves an HTTP ``Range`` by generating only the requested bytes.
* **Streaming**: :func:`iter_wav` and :func:`iter_mp3` use memory proportional to one chunk,
  so a four-hour recording costs no more memory than a four-second one.
* **Fast without numpy**: speech is assembled from a small set of precomputed syllable
  waveforms (``array('h')`` slices), so generation is mostly C-level copying.

Time bases used below:

* *media time*: seconds since the call's audio started (what :class:`Span` values hold);
* *recorded time*: seconds into the concatenation of the recorded segments (pauses removed);
* *file time*: recorded time shifted by the leading trim (seconds from the first sample of the
  file). Untrimmed recordings have file time == recorded time.

See ``docs/audio.md`` for the signal design and which choices are guesses about Telnyx.
"""

from __future__ import annotations

import hashlib
import importlib
import math
import operator
import struct
import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol, get_args

__all__ = [
    "BEEP_HZ",
    "BEEP_SECONDS",
    "INBOUND_HZ",
    "MP3_BITRATE_MONO_KBPS",
    "MP3_BITRATE_STEREO_KBPS",
    "MP3_SAMPLE_RATES",
    "OUTBOUND_HZ",
    "SAMPLE_RATE_DEFAULT",
    "WAV_HEADER_BYTES",
    "AudioSpec",
    "Channels",
    "Format",
    "Span",
    "Track",
    "content_type",
    "duration_seconds",
    "effective_window",
    "iter_mp3",
    "iter_wav",
    "output_channel_count",
    "wav_size",
]

Format = Literal["wav", "mp3"]
"""Container/codec of a recording file."""

Channels = Literal["single", "dual"]
"""Telnyx ``channels`` option: one mixed channel, or one channel per leg."""

Track = Literal["both", "inbound", "outbound"]
"""Telnyx ``recording_track`` option: which leg(s) of the call end up in the file."""

SAMPLE_RATE_DEFAULT: Final = 8000
"""Default sample rate in Hz (narrow-band telephony)."""

BEEP_SECONDS: Final = 0.5
"""Length of the recording-start beep. It *overlays* the first BEEP_SECONDS of the file."""

BEEP_HZ: Final = 1000.0
"""Frequency of the recording-start beep."""

INBOUND_HZ: Final = 180.0
"""Nominal fundamental of the inbound (far-end) voice; harmonics at 2x and 3x."""

OUTBOUND_HZ: Final = 440.0
"""Nominal fundamental of the outbound (our side) voice; harmonic at 2x."""

WAV_HEADER_BYTES: Final = 44
"""Size of the canonical RIFF/WAVE PCM header written by :func:`iter_wav`."""

MP3_BITRATE_MONO_KBPS: Final = 32
"""Constant bit rate used for mono MP3 files."""

MP3_BITRATE_STEREO_KBPS: Final = 64
"""Constant bit rate used for stereo (joint stereo) MP3 files."""

MP3_SAMPLE_RATES: Final = frozenset({8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000})
"""Sample rates an MPEG-1/2/2.5 Layer III stream can carry (required for ``format="mp3"``)."""

# --- internal signal constants -------------------------------------------------------------

_FULL_SCALE: Final = 32767
# Amplitude budget: inbound peak + outbound peak + beep peak < full scale, so the mono mix and
# the beep overlay are plain sums that can never clip.
_VOICE_PEAK: Final = 0.38 * _FULL_SCALE
_BEEP_PEAK: Final = 0.2 * _FULL_SCALE
_BEEP_FADE_SECONDS: Final = 0.005
_SYLLABLE_SECONDS: Final = 0.25  # one syllable slot => ~4 Hz amplitude modulation
_VOICED_FRACTIONS: Final = (0.6, 0.7, 0.8, 0.9)  # voiced part of a slot; the rest is a gap
_PITCH_FACTORS: Final = (0.955, 0.97, 0.985, 1.0, 1.015, 1.03, 1.045)  # per-syllable wobble
_GLIDE: Final = 0.04  # pitch falls by 4 % over each syllable (intonation)
_INBOUND_HARMONICS: Final = (1.0, 0.5, 0.25)
_OUTBOUND_HARMONICS: Final = (1.0, 0.35)
_TRACK_INBOUND: Final = 0
_TRACK_OUTBOUND: Final = 1
_MP3_QUALITY: Final = 5  # LAME: 2 = best/slowest, 7 = fastest


@dataclass(frozen=True)
class Span:
    """A half-open interval ``[start, end)`` in seconds (media time unless stated otherwise)."""

    start: float
    end: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError(f"span bounds must be finite: {self!r}")
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"span must satisfy 0 <= start <= end: {self!r}")

    @property
    def duration(self) -> float:
        """Length of the span in seconds."""
        return self.end - self.start


@dataclass(frozen=True)
class AudioSpec:
    """Everything that determines a simulated recording file; equal specs => equal bytes.

    ``segments`` are the recorded spans in media time (in order, non-overlapping); the gaps
    between them are pauses and are left out of the file. ``inbound_speech`` and
    ``outbound_speech`` say when each party talks (media time, any order, may overlap; they
    are merged). ``seed`` drives the pseudo-random syllable pattern.
    """

    format: Format
    channels: Channels
    track: Track
    segments: tuple[Span, ...]
    inbound_speech: tuple[Span, ...]
    outbound_speech: tuple[Span, ...]
    play_beep: bool
    trim_silence: bool
    seed: int
    sample_rate: int = SAMPLE_RATE_DEFAULT

    def __post_init__(self) -> None:
        # Accept any sequence from callers but store tuples so the spec stays hashable.
        for name in ("segments", "inbound_speech", "outbound_speech"):
            value: Sequence[Span] = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        if self.format not in get_args(Format):
            raise ValueError(f"unknown format {self.format!r}")
        if self.channels not in get_args(Channels):
            raise ValueError(f"unknown channels {self.channels!r}")
        if self.track not in get_args(Track):
            raise ValueError(f"unknown track {self.track!r}")
        if isinstance(self.sample_rate, bool) or not isinstance(self.sample_rate, int):
            raise ValueError(f"sample_rate must be an int, got {self.sample_rate!r}")
        if self.sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {self.sample_rate}")
        if self.format == "mp3" and self.sample_rate not in MP3_SAMPLE_RATES:
            raise ValueError(f"MP3 cannot carry sample_rate {self.sample_rate}")
        previous_end = 0.0
        for seg in self.segments:
            if seg.start < previous_end:
                raise ValueError("segments must be in order and non-overlapping")
            previous_end = seg.end


# --- public helpers --------------------------------------------------------------------------


def output_channel_count(spec: AudioSpec) -> int:
    """Number of channels in the file: 2 only for ``dual`` + ``both``, otherwise 1."""
    return 2 if spec.channels == "dual" and spec.track == "both" else 1


def content_type(fmt: Format) -> str:
    """HTTP ``Content-Type`` for a recording format."""
    if fmt == "wav":
        return "audio/wav"
    if fmt == "mp3":
        return "audio/mpeg"
    raise ValueError(f"unknown format {fmt!r}")


def effective_window(spec: AudioSpec) -> tuple[float, float]:
    """``(start, end)`` of the kept audio, in seconds of recorded time.

    Recorded time is the concatenation of ``spec.segments`` (pauses removed). Without
    ``trim_silence`` this is ``(0, total recorded seconds)``. With it, the window runs from the
    first to the last audible moment, computed analytically: speech of the tracks that end up
    in the file, intersected with the segments, plus the beep. If nothing is audible the
    recording is kept untrimmed.
    """
    total = _total_recorded_seconds(spec)
    if not spec.trim_silence:
        return (0.0, total)
    first = math.inf
    last = -math.inf
    if spec.play_beep and total > 0:
        first = 0.0
        last = min(BEEP_SECONDS, total)
    for spans in _included_speech(spec).values():
        offset = 0.0
        for seg in spec.segments:
            for lo, hi in spans:
                a = max(lo, seg.start)
                b = min(hi, seg.end)
                if a < b:
                    first = min(first, offset + (a - seg.start))
                    last = max(last, offset + (b - seg.start))
            offset += seg.duration
    if first >= last:
        return (0.0, total)
    return (first, min(last, total))


def duration_seconds(spec: AudioSpec) -> float:
    """Exact length of the produced audio in seconds (number of samples / sample rate).

    This is the effective window's length rounded to whole samples; for MP3 the decoded
    stream is slightly longer (encoder delay and frame padding, see ``docs/audio.md``).
    """
    return _sample_window(spec)[1] / spec.sample_rate


def wav_size(spec: AudioSpec) -> int:
    """Exact size in bytes of the WAV file :func:`iter_wav` produces (header + PCM16 data)."""
    frames = _sample_window(spec)[1]
    return WAV_HEADER_BYTES + frames * 2 * output_channel_count(spec)


def iter_wav(
    spec: AudioSpec, start: int = 0, end: int | None = None, chunk_bytes: int = 64 * 1024
) -> Iterator[bytes]:
    """Yield bytes ``[start, end)`` of the WAV file for ``spec`` (``end=None``: to the end).

    Bytes before ``start`` are never generated: samples are computed from their index, so an
    HTTP ``Range`` request costs only the requested bytes. Ranges are clamped to the file
    size. Memory use is O(``chunk_bytes``) regardless of the file length. ``spec.format`` is
    not consulted (the caller picks the encoder).
    """
    if start < 0:
        raise ValueError("start must be >= 0")
    if chunk_bytes <= 0:
        raise ValueError("chunk_bytes must be > 0")
    plan = _Plan(spec)
    size = WAV_HEADER_BYTES + plan.n_frames * plan.frame_bytes
    stop = size if end is None else min(end, size)
    if start >= stop:
        return
    if start < WAV_HEADER_BYTES:
        yield _wav_header(plan)[start : min(stop, WAV_HEADER_BYTES)]
    if stop <= WAV_HEADER_BYTES:
        return
    data_lo = max(start, WAV_HEADER_BYTES) - WAV_HEADER_BYTES
    data_hi = stop - WAV_HEADER_BYTES
    frame_bytes = plan.frame_bytes
    frames_per_chunk = max(1, chunk_bytes // frame_bytes)
    frame = data_lo // frame_bytes
    last_frame = -(-data_hi // frame_bytes)  # ceil
    while frame < last_frame:
        upto = min(frame + frames_per_chunk, last_frame)
        pcm = plan.render_bytes(frame, upto)
        base = frame * frame_bytes
        yield pcm[max(data_lo - base, 0) : data_hi - base]
        frame = upto


def iter_mp3(spec: AudioSpec, chunk_seconds: float = 10.0) -> Iterator[bytes]:
    """Yield a complete MPEG Layer III stream for ``spec``, encoded chunk by chunk.

    CBR (``MP3_BITRATE_MONO_KBPS`` / ``MP3_BITRATE_STEREO_KBPS``), at ``spec.sample_rate``,
    mono or joint stereo per :func:`output_channel_count`. Memory is O(``chunk_seconds``).
    The decoded stream is longer than :func:`duration_seconds` by the encoder delay plus
    last-frame padding (2-3 frames at 8 kHz). An empty recording still yields a valid stream
    of a few silent frames. ``spec.format`` is not consulted.
    """
    if not (chunk_seconds > 0 and math.isfinite(chunk_seconds)):
        raise ValueError("chunk_seconds must be a positive finite number")
    plan = _Plan(spec)
    if spec.sample_rate not in MP3_SAMPLE_RATES:
        raise ValueError(f"MP3 cannot carry sample_rate {spec.sample_rate}")
    encoder = _new_encoder(plan.channels, spec.sample_rate)
    frames_per_chunk = max(1, round(chunk_seconds * spec.sample_rate))
    frame = 0
    while frame < plan.n_frames:
        upto = min(frame + frames_per_chunk, plan.n_frames)
        out = bytes(encoder.encode(plan.render_bytes(frame, upto)))
        if out:
            yield out
        frame = upto
    if plan.n_frames == 0:
        # LAME refuses to flush before anything was encoded, and a lone MPEG-1 frame is not
        # recognised by common parsers; one silent sample yields >= 2 silent frames everywhere.
        encoder.encode(bytes(plan.frame_bytes))
    tail = bytes(encoder.flush())
    if tail:
        yield tail


# --- internals -------------------------------------------------------------------------------


class _Encoder(Protocol):
    """The subset of ``lameenc.Encoder`` this module uses (lameenc ships no type stubs)."""

    def set_bit_rate(self, kbps: int, /) -> None: ...
    def set_in_sample_rate(self, rate: int, /) -> None: ...
    def set_out_sample_rate(self, rate: int, /) -> None: ...
    def set_channels(self, channels: int, /) -> None: ...
    def set_quality(self, quality: int, /) -> None: ...
    def silence(self) -> None: ...
    def encode(self, pcm: bytes, /) -> bytes | bytearray: ...
    def flush(self) -> bytes | bytearray: ...


def _new_encoder(channels: int, sample_rate: int) -> _Encoder:
    # Imported lazily (and via importlib so mypy needs no stubs): WAV-only use never loads it.
    module = importlib.import_module("lameenc")
    encoder: _Encoder = module.Encoder()
    encoder.set_bit_rate(MP3_BITRATE_STEREO_KBPS if channels == 2 else MP3_BITRATE_MONO_KBPS)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_out_sample_rate(sample_rate)
    encoder.set_channels(channels)
    encoder.set_quality(_MP3_QUALITY)
    encoder.silence()
    return encoder


def _total_recorded_seconds(spec: AudioSpec) -> float:
    return sum(seg.duration for seg in spec.segments)


def _merge(spans: Sequence[Span]) -> list[tuple[float, float]]:
    """Sort and merge overlapping/touching spans; drop empty ones."""
    merged: list[tuple[float, float]] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if span.end <= span.start:
            continue
        if merged and span.start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], span.end))
        else:
            merged.append((span.start, span.end))
    return merged


def _included_speech(spec: AudioSpec) -> dict[int, list[tuple[float, float]]]:
    """Merged speech spans (media seconds) of the tracks that end up in the file."""
    tracks: dict[int, list[tuple[float, float]]] = {}
    if spec.track in ("both", "inbound"):
        tracks[_TRACK_INBOUND] = _merge(spec.inbound_speech)
    if spec.track in ("both", "outbound"):
        tracks[_TRACK_OUTBOUND] = _merge(spec.outbound_speech)
    return tracks


def _sample_window(spec: AudioSpec) -> tuple[int, int]:
    """``(first recorded sample kept, number of frames)`` in whole samples."""
    rate = spec.sample_rate
    total = round(_total_recorded_seconds(spec) * rate)
    lo, hi = effective_window(spec)
    first = min(round(lo * rate), total)
    count = max(0, min(round((hi - lo) * rate), total - first))
    return first, count


def _wav_header(plan: _Plan) -> bytes:
    data_size = plan.n_frames * plan.frame_bytes
    if data_size > 0xFFFFFFFF - 36:
        raise ValueError("recording too long for a RIFF/WAVE file")
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_size,
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        plan.channels,
        plan.sample_rate,
        plan.sample_rate * plan.frame_bytes,
        plan.frame_bytes,
        16,
        b"data",
        data_size,
    )


def _append_zeros(out: array[int], count: int) -> None:
    if count > 0:
        out.frombytes(bytes(2 * count))


def _hash_u64(*parts: int) -> int:
    """Stable 64-bit hash of integers (Python's ``hash`` is not stable across processes)."""
    key = ",".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")


def _syllable_table(rate: int, f0: float, harmonics: tuple[float, ...], length: int) -> array[int]:
    """One voiced syllable: harmonic tone with a falling glide under a sin^2 envelope.

    The envelope is 0 at both ends, so syllables join without clicks whatever their pitch.
    """
    table = array("h", bytes(2 * length))
    if length <= 0:
        return table
    amp = _VOICE_PEAK / sum(harmonics)
    two_pi_f = 2.0 * math.pi * f0 / rate
    glide = _GLIDE / (2.0 * length)
    env_step = math.pi / length
    sin = math.sin
    weighted = tuple(enumerate(harmonics, start=1))
    for i in range(length):
        phase = two_pi_f * (i - glide * i * i)  # integral of f0 * (1 - GLIDE * i / length)
        env = sin(env_step * i)
        value = 0.0
        for h, w in weighted:
            value += w * sin(h * phase)
        table[i] = round(amp * env * env * value)
    return table


class _Voice:
    """Speech of one track as a pure function of the media sample index.

    Each merged speech span is cut into syllable slots of ``_SYLLABLE_SECONDS`` aligned to the
    span start. A slot's pitch and voiced length come from hashing (seed, track, span start,
    slot index), so any sample can be produced without producing the ones before it.
    """

    def __init__(
        self,
        track: int,
        seed: int,
        spans: list[tuple[float, float]],
        rate: int,
        f0: float,
        harmonics: tuple[float, ...],
    ) -> None:
        self._track = track
        self._seed = seed
        self._rate = rate
        self._f0 = f0
        self._harmonics = harmonics
        self._slot = max(1, round(_SYLLABLE_SECONDS * rate))
        starts: list[int] = []
        ends: list[int] = []
        for lo, hi in spans:
            s, e = round(lo * rate), round(hi * rate)
            if e <= s:
                continue
            if ends and s <= ends[-1]:
                ends[-1] = max(ends[-1], e)
            else:
                starts.append(s)
                ends.append(e)
        self._starts = starts
        self._ends = ends
        self._cache: dict[tuple[int, int], array[int]] = {}
        self._tail: tuple[tuple[int, int, int], array[int]] | None = None

    def render(self, lo: int, hi: int, out: array[int], active: list[tuple[int, int]]) -> None:
        """Append the samples for media sample indices ``[lo, hi)`` to ``out``.

        Ranges of ``out`` (as indices into it) that lie inside speech spans are appended to
        ``active``; everything outside them is digital zero.
        """
        starts, ends = self._starts, self._ends
        i = bisect_right(ends, lo)
        pos = lo
        while pos < hi:
            if i >= len(starts) or starts[i] >= hi:
                _append_zeros(out, hi - pos)
                return
            if pos < starts[i]:
                _append_zeros(out, starts[i] - pos)
                pos = starts[i]
            stop = min(ends[i], hi)
            begin = len(out)
            self._render_span(starts[i], ends[i], pos, stop, out)
            active.append((begin, len(out)))
            pos = stop
            i += 1

    def _render_span(self, s: int, e: int, pos: int, stop: int, out: array[int]) -> None:
        slot = self._slot
        index = (pos - s) // slot
        while pos < stop:
            slot_start = s + index * slot
            slot_end = min(slot_start + slot, e)
            table = self._syllable(s, index, slot_end - slot_start, slot_end == e)
            a = pos - slot_start
            b = min(stop, slot_end) - slot_start
            voiced = len(table)
            if a < voiced:
                out.extend(table[a : min(b, voiced)])
            if b > voiced:
                _append_zeros(out, b - max(a, voiced))
            pos = slot_start + b
            index += 1

    def _syllable(self, span_start: int, index: int, available: int, last: bool) -> array[int]:
        h = _hash_u64(self._seed, self._track, span_start, index)
        pitch = _PITCH_FACTORS[h % len(_PITCH_FACTORS)]
        if last:
            # The span's last (possibly truncated) slot: voice it to the very end of the span
            # so speech is audible until the span ends (this keeps the analytic trim honest).
            key = (span_start, index, available)
            if self._tail is None or self._tail[0] != key:
                table = _syllable_table(self._rate, self._f0 * pitch, self._harmonics, available)
                self._tail = (key, table)
            return self._tail[1]
        fraction = _VOICED_FRACTIONS[(h // len(_PITCH_FACTORS)) % len(_VOICED_FRACTIONS)]
        length = round(self._slot * fraction)
        cache_key = (h % len(_PITCH_FACTORS), length)
        cached = self._cache.get(cache_key)
        if cached is None:
            cached = _syllable_table(self._rate, self._f0 * pitch, self._harmonics, length)
            self._cache[cache_key] = cached
        return cached


def _beep_table(rate: int, length: int) -> array[int]:
    table = array("h", bytes(2 * length))
    fade = max(1, round(_BEEP_FADE_SECONDS * rate))
    step = 2.0 * math.pi * BEEP_HZ / rate
    for i in range(length):
        gain = min(1.0, (i + 0.5) / fade, (length - i - 0.5) / fade)
        table[i] = round(_BEEP_PEAK * gain * math.sin(step * i))
    return table


def _mix(
    a: array[int], a_active: list[tuple[int, int]], b: array[int], b_active: list[tuple[int, int]]
) -> array[int]:
    """Sum of two equally long tracks, modifying ``a`` in place.

    Each track is zero outside its ``active`` ranges, so per-sample Python work is only spent
    where both parties talk at once; elsewhere it is C-level slice copying. The amplitude
    budget guarantees ``|a + b + beep|`` stays below full scale, so no clipping is needed.
    """
    for lo, hi in b_active:
        pos = lo
        for a_lo, a_hi in a_active:
            x0, x1 = max(a_lo, lo), min(a_hi, hi)
            if x0 >= x1:
                continue
            if pos < x0:
                a[pos:x0] = b[pos:x0]
            a[x0:x1] = array("h", map(operator.add, a[x0:x1], b[x0:x1]))
            pos = x1
        if pos < hi:
            a[pos:hi] = b[pos:hi]
    return a


class _Plan:
    """Per-call precomputation: sample-domain layout of one spec (never shared globally)."""

    def __init__(self, spec: AudioSpec) -> None:
        rate = spec.sample_rate
        self.sample_rate = rate
        self.channels = output_channel_count(spec)
        self.frame_bytes = 2 * self.channels
        self.stereo = self.channels == 2
        self.trim_start, self.n_frames = _sample_window(spec)
        # Recorded sample index r in segment k maps to media sample index r + offsets[k].
        self.seg_ends: list[int] = []
        self.seg_offsets: list[int] = []
        elapsed = 0.0
        for seg in spec.segments:
            rec_start = round(elapsed * rate)
            elapsed += seg.duration
            self.seg_ends.append(round(elapsed * rate))
            self.seg_offsets.append(round(seg.start * rate) - rec_start)
        speech = _included_speech(spec)
        self.voices: list[_Voice] = []
        if _TRACK_INBOUND in speech:
            self.voices.append(
                _Voice(
                    _TRACK_INBOUND,
                    spec.seed,
                    speech[_TRACK_INBOUND],
                    rate,
                    INBOUND_HZ,
                    _INBOUND_HARMONICS,
                )
            )
        if _TRACK_OUTBOUND in speech:
            self.voices.append(
                _Voice(
                    _TRACK_OUTBOUND,
                    spec.seed,
                    speech[_TRACK_OUTBOUND],
                    rate,
                    OUTBOUND_HZ,
                    _OUTBOUND_HARMONICS,
                )
            )
        beep_len = round(BEEP_SECONDS * rate) if spec.play_beep else 0
        self.beep_len = min(beep_len, self.seg_ends[-1] if self.seg_ends else 0)
        self._beep: array[int] | None = None  # built on first use (range requests skip it)

    def _track(self, voice: _Voice, r0: int, r1: int) -> tuple[array[int], list[tuple[int, int]]]:
        """Samples of one voice for recorded sample indices ``[r0, r1)``, and its speech ranges."""
        out: array[int] = array("h")
        active: list[tuple[int, int]] = []
        k = bisect_right(self.seg_ends, r0)
        pos = r0
        while pos < r1 and k < len(self.seg_ends):
            upto = min(self.seg_ends[k], r1)
            if upto > pos:
                voice.render(pos + self.seg_offsets[k], upto + self.seg_offsets[k], out, active)
                pos = upto
            k += 1
        _append_zeros(out, r1 - pos)  # only if rounding left a gap (defensive)
        return out, active

    def _add_beep(self, channel: array[int], r0: int, r1: int) -> None:
        end = min(r1, self.beep_len)
        if r0 < end:
            if self._beep is None:
                self._beep = _beep_table(self.sample_rate, self.beep_len)
            n = end - r0
            channel[0:n] = array("h", map(operator.add, channel[0:n], self._beep[r0:end]))

    def render(self, n0: int, n1: int) -> array[int]:
        """Interleaved PCM16 samples for file frames ``[n0, n1)``."""
        r0, r1 = n0 + self.trim_start, n1 + self.trim_start
        tracks = [self._track(v, r0, r1) for v in self.voices]
        if self.stereo:
            (left, _), (right, _) = tracks
            self._add_beep(left, r0, r1)
            self._add_beep(right, r0, r1)
            out = array("h", bytes(4 * (n1 - n0)))
            out[0::2] = left
            out[1::2] = right
            return out
        mono = _mix(*tracks[0], *tracks[1]) if len(tracks) == 2 else tracks[0][0]
        self._add_beep(mono, r0, r1)
        return mono

    def render_bytes(self, n0: int, n1: int) -> bytes:
        """Little-endian PCM16 bytes for file frames ``[n0, n1)``."""
        samples = self.render(n0, n1)
        if sys.byteorder == "big":
            samples.byteswap()
        return samples.tobytes()
