"""A recording's waveform for the dashboard: peak levels per channel and the scripted speech.

The samples are the ones the download serves (same :class:`AudioSpec`, same synthesis), but
only a short probe at the start of each bucket is rendered, so a 4-hour recording costs what a
short one does: ``points`` x ``PROBE_SECONDS`` of audio at most. Speech spans are given in file
time (pauses removed, trimmed silence cut), so they line up with the player's timeline.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from mockserver.audio.synthesis import (
    _TRACK_INBOUND,
    _TRACK_OUTBOUND,
    BEEP_SECONDS,
    AudioSpec,
    _included_speech,
    _Plan,
    duration_seconds,
    effective_window,
)

__all__ = ["MAX_POINTS", "PROBE_SECONDS", "cached_waveform", "waveform"]

MAX_POINTS = 2000
PROBE_SECONDS = 0.02  # per bucket: two syllable periods of the synthetic voice at most


def _file_spans(spec: AudioSpec, spans: list[tuple[float, float]]) -> list[list[float]]:
    """Media-time spans as [start, end] seconds of the file (segments joined, trim applied)."""
    trim_start, trim_end = effective_window(spec)
    out: list[list[float]] = []
    offset = 0.0
    for segment in spec.segments:
        for lo, hi in spans:
            a, b = max(lo, segment.start), min(hi, segment.end)
            if a < b:
                start = max(offset + a - segment.start, trim_start) - trim_start
                end = min(offset + b - segment.start, trim_end) - trim_start
                if start < end:
                    out.append([round(start, 3), round(end, 3)])
        offset += segment.duration
    return out


def waveform(spec: AudioSpec, points: int) -> dict[str, Any]:
    """Peaks (0..1) of each channel in ``points`` equal buckets, and when each side speaks."""
    points = max(1, min(points, MAX_POINTS))
    plan = _Plan(spec)
    frames = plan.n_frames
    probe = max(1, round(PROBE_SECONDS * spec.sample_rate))
    channels = plan.channels
    peaks: list[list[float]] = [[] for _ in range(channels)]
    buckets = min(points, frames) if frames else 0
    for index in range(buckets):
        lo = index * frames // buckets
        hi = min(lo + probe, (index + 1) * frames // buckets)
        samples = plan.render(lo, hi)
        for channel in range(channels):
            values = samples[channel::channels]
            top = max((abs(v) for v in values), default=0)
            peaks[channel].append(round(top / 32768, 3))
    speech = _included_speech(spec)
    names = {_TRACK_INBOUND: "inbound", _TRACK_OUTBOUND: "outbound"}
    lanes = (
        ["inbound", "outbound"]
        if channels == 2
        else ["+".join(names[track] for track in sorted(speech)) or "silence"]
    )
    beep: list[float] | None = None
    if spec.play_beep:
        trim_start, _ = effective_window(spec)
        if trim_start < BEEP_SECONDS:
            beep = [0.0, round(min(BEEP_SECONDS - trim_start, duration_seconds(spec)), 3)]
    return {
        "duration_seconds": round(duration_seconds(spec), 3),
        "channels": channels,
        "lanes": [{"label": label, "peaks": peaks[i]} for i, label in enumerate(lanes)],
        "speech": {names[track]: _file_spans(spec, spans) for track, spans in speech.items()},
        "beep": beep,
        "segments": len(spec.segments),
    }


@lru_cache(maxsize=32)
def cached_waveform(spec: AudioSpec, points: int) -> dict[str, Any]:
    """:func:`waveform`, remembered: a saved recording's audio never changes (equal specs give
    equal bytes), and the dashboard asks again on every redraw of another page or tab."""
    return waveform(spec, points)
