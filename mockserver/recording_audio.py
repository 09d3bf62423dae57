"""What a recording's audio file contains, as an :class:`~mockserver.audio.AudioSpec` (pure)."""

from __future__ import annotations

import hashlib

from .audio import AudioSpec, Span
from .recordings import Recording
from .scenarios import Scenario

__all__ = ["audio_spec"]


def audio_spec(
    recording: Recording, scenario: Scenario, seed: int, fmt: str | None = None
) -> AudioSpec:
    """The file for ``recording`` in ``fmt`` (its own format by default)."""
    options = recording.options
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
        outbound_speech=tuple(Span(s.start, s.end) for s in scenario.outbound_speech),
        play_beep=options.play_beep,
        trim_silence=options.trim == "trim-silence",
        seed=int.from_bytes(digest[:8], "big"),
    )
