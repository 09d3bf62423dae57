"""Recording state machine: recording ⇄ paused → stopped (sans-IO).

The transition table is the whole behaviour; illegal moves raise :class:`IllegalTransition`,
which the command layer turns into Telnyx's error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mockserver.core.parties import Hearing
from mockserver.core.prompts import MediaSpan
from mockserver.core.scenario import DEFAULT_SCENARIO, Scenario

__all__ = [
    "TRANSITIONS",
    "IllegalTransition",
    "Recording",
    "RecordingEvent",
    "RecordingOptions",
    "RecordingState",
]


class RecordingState(StrEnum):
    RECORDING = "recording"
    PAUSED = "paused"
    STOPPED = "stopped"


class RecordingEvent(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


TRANSITIONS: dict[tuple[RecordingState, RecordingEvent], RecordingState] = {
    (RecordingState.RECORDING, RecordingEvent.PAUSE): RecordingState.PAUSED,
    (RecordingState.PAUSED, RecordingEvent.RESUME): RecordingState.RECORDING,
    (RecordingState.RECORDING, RecordingEvent.STOP): RecordingState.STOPPED,
    (RecordingState.PAUSED, RecordingEvent.STOP): RecordingState.STOPPED,
}


class IllegalTransition(Exception):
    """An event that the recording's current state does not allow."""

    def __init__(self, state: RecordingState, event: RecordingEvent) -> None:
        super().__init__(f"cannot {event.value} a recording that is {state.value}")
        self.state = state
        self.event = event


@dataclass(frozen=True, slots=True)
class RecordingOptions:
    """record_start's options after defaults were applied."""

    format: str
    channels: str
    recording_track: str = "both"
    play_beep: bool = False
    trim: str | None = None
    max_length: int = 0
    timeout_secs: int = 0
    custom_file_name: str | None = None
    transcription: bool = False
    transcription_engine: str = "A"
    transcription_language: str = "en-US"
    initiated_by: str = "StartCallRecordingAPI"

    @classmethod
    def from_record_start(cls, body: dict[str, Any]) -> RecordingOptions:
        return cls(
            format=body["format"],
            channels=body["channels"],
            recording_track=body.get("recording_track", "both"),
            play_beep=bool(body.get("play_beep", False)),
            trim=body.get("trim"),
            max_length=int(body.get("max_length", 0)),
            timeout_secs=int(body.get("timeout_secs", 0)),
            custom_file_name=body.get("custom_file_name"),
            transcription=bool(body.get("transcription", False)),
            transcription_engine=str(body.get("transcription_engine", "A")),
            transcription_language=str(body.get("transcription_language", "en-US")),
        )

    @classmethod
    def from_record_from_answer(cls, body: dict[str, Any], initiated_by: str) -> RecordingOptions:
        """Dial/Answer's ``record_*`` fields (defaults dual + mp3, as Telnyx's spec)."""
        return cls(
            format=body.get("record_format", "mp3"),
            channels=body.get("record_channels", "dual"),
            recording_track=body.get("record_track", "both"),
            trim=body.get("record_trim"),
            max_length=int(body.get("record_max_length", 0)),
            timeout_secs=int(body.get("record_timeout_secs", 0)),
            custom_file_name=body.get("record_custom_file_name"),
            initiated_by=initiated_by,
        )


@dataclass(slots=True)
class Recording:
    """One recording of one call; times are simulated Unix seconds."""

    id: str
    tenant: str
    call_control_id: str
    call_leg_id: str
    call_session_id: str
    connection_id: str
    from_number: str
    to: str
    options: RecordingOptions
    started_at: float
    answered_at: float  # media time zero: recordings are cut from the call's audio timeline
    state: RecordingState = RecordingState.RECORDING
    ended_at: float | None = None
    # Recorded spans in simulated seconds; the gaps between them are pauses.
    segments: list[tuple[float, float]] = field(default_factory=list)
    segment_started_at: float | None = None
    generation: int = 0  # bumped on every transition so stale timers are ignored
    stop_reason: str | None = None
    saved: bool = False
    failed: bool = False
    client_state: str | None = None
    scenario: Scenario = DEFAULT_SCENARIO  # the call's variant, refined by custom_file_name
    # The app's speech and audio on the call (media time), mixed into the outbound track.
    played_media: list[MediaSpan] = field(default_factory=list)
    # Parties heard on the outbound track (a bridged leg's far end), in place of the
    # scenario's outbound speech while they are heard.
    heard_peers: list[Hearing] = field(default_factory=list)
    # Who is heard on the inbound track when it is not the scenario's script (a party taking
    # turns, a conference's first participant); None: the scenario's inbound speech.
    inbound_hearings: list[Hearing] | None = None
    scripted_outbound: bool = True  # the scenario's outbound speech (not in a conference mix)
    conference_id: str | None = None

    def __post_init__(self) -> None:
        if self.segment_started_at is None and self.state is RecordingState.RECORDING:
            self.segment_started_at = self.started_at

    @property
    def is_active(self) -> bool:
        return self.state is not RecordingState.STOPPED

    def recorded_seconds(self, now: float) -> float:
        """Recorded time so far, paused spans excluded."""
        total = sum(end - start for start, end in self.segments)
        if self.segment_started_at is not None:
            total += now - self.segment_started_at
        return total

    def apply(self, event: RecordingEvent, now: float) -> RecordingState:
        """Move to the next state at simulated time ``now``."""
        target = TRANSITIONS.get((self.state, event))
        if target is None:
            raise IllegalTransition(self.state, event)
        if self.segment_started_at is not None:
            self.segments.append((self.segment_started_at, now))
            self.segment_started_at = None
        if target is RecordingState.RECORDING:
            self.segment_started_at = now
        if target is RecordingState.STOPPED:
            self.ended_at = now
        self.state = target
        self.generation += 1
        return target

    @property
    def file_name(self) -> str:
        """Telnyx's naming: custom_file_name or call_leg_id, a hyphen, Unix seconds."""
        base = self.options.custom_file_name or self.call_leg_id
        return f"{base}-{int(self.started_at)}.{self.options.format}"

    def media_segments(self) -> list[tuple[float, float]]:
        """Recorded spans in media time (seconds since the call was answered)."""
        return [(start - self.answered_at, end - self.answered_at) for start, end in self.segments]
