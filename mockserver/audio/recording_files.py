"""What a recording's audio file contains, as an :class:`~.synthesis.AudioSpec` (pure).

The outbound track is the scenario's outbound speech plus what the app itself played on the
call (speak, playback_start, gather_using_speak prompts), from ``Recording.played_media``.
"""

from __future__ import annotations

import hashlib

from mockserver.audio.synthesis import AudioSpec, Span
from mockserver.core.parties import heard, outside
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


def _tracks(recording: Recording) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """Inbound and outbound speech in media time.

    Inbound is the leg's party: the scenario's script, or its turns in a conversation.
    Outbound is the scenario's outbound speech, except while a bridged party is heard there
    instead (from the bridge on, until it ends).
    """
    scenario = recording.scenario
    base = recording.answered_at
    until = recording.ended_at if recording.ended_at is not None else recording.started_at
    if recording.segment_started_at is not None:
        until = max(until, recording.segment_started_at)
    if recording.segments:
        until = max(until, recording.segments[-1][1])
    if recording.inbound_hearings is not None:
        inbound = [(a - base, b - base) for a, b in heard(recording.inbound_hearings, until)]
    else:
        inbound = [(s.start, s.end) for s in scenario.inbound_speech]
    windows = [
        (h.start - base, (h.end if h.end is not None else until) - base)
        for h in recording.heard_peers
    ]
    scripted = scenario.outbound_speech if recording.scripted_outbound else ()
    outbound = outside([(s.start, s.end) for s in scripted], windows)
    outbound += [(a - base, b - base) for a, b in heard(recording.heard_peers, until)]
    return (
        tuple(Span(max(a, 0.0), b) for a, b in inbound if b > 0),
        tuple(Span(max(a, 0.0), b) for a, b in outbound if b > 0),
    )


def audio_spec(recording: Recording, seed: int, fmt: str | None = None) -> AudioSpec:
    """The file for ``recording`` in ``fmt`` (its own format by default).

    The speech timeline is the recording's own scenario variant (after the rules that
    matched its call and custom_file_name), the same one its silence timeout used.
    """
    options = recording.options
    inbound, outbound = _tracks(recording)
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
        inbound_speech=inbound,
        outbound_speech=outbound + _played(recording),
        play_beep=options.play_beep,
        trim_silence=options.trim == "trim-silence",
        seed=int.from_bytes(digest[:8], "big"),
    )
