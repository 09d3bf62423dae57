"""What a recording's audio file contains, as an :class:`~.synthesis.AudioSpec` (pure).

The outbound track is the scenario's outbound speech plus what the app itself played on the
call (speak, playback_start, gather_using_speak prompts), from ``Recording.played_media``.
"""

from __future__ import annotations

import hashlib

from mockserver.audio.synthesis import AudioSpec, Span
from mockserver.core.recordings import Recording

__all__ = ["audio_spec"]


def _played(recording: Recording) -> tuple[Span, ...]:
    """What the app spoke or played (speak, playback_start, gather prompts) during the
    recording: outbound audio. A span still open when the recording ended is cut there."""
    segments = recording.media_segments()
    if not segments:
        return ()
    last = segments[-1][1]
    spans = []
    for played in recording.played_media:
        end = last if played.end is None else min(played.end, last)
        if played.start < end:
            spans.append(Span(played.start, end))
    return tuple(spans)


def audio_spec(recording: Recording, seed: int, fmt: str | None = None) -> AudioSpec:
    """The file for ``recording`` in ``fmt`` (its own format by default).

    The speech timeline is the recording's own scenario variant (after the rules that
    matched its call and custom_file_name), the same one its silence timeout used.
    """
    options = recording.options
    scenario = recording.scenario
    digest = hashlib.sha256(f"{seed}|{recording.id}".encode()).digest()
    return AudioSpec(
        format="mp3" if (fmt or options.format) == "mp3" else "wav",
        channels="dual" if options.channels == "dual" else "single",
        track=(
            "inbound"
            if options.recording_track == "inbound"
            else "outbound"
            if options.recording_track == "outbound"
            else "both"
        ),
        segments=tuple(Span(start, end) for start, end in recording.media_segments()),
        inbound_speech=tuple(Span(s.start, s.end) for s in scenario.inbound_speech),
        outbound_speech=tuple(Span(s.start, s.end) for s in scenario.outbound_speech)
        + _played(recording),
        play_beep=options.play_beep,
        trim_silence=options.trim == "trim-silence",
        seed=int.from_bytes(digest[:8], "big"),
    )
