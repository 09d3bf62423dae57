"""Scenarios: what the simulated far end does and when (pure data, no I/O).

A scenario is YAML validated against ``schemas/scenario.json``. Loading the file is the
shell's job; this module turns the parsed mapping into a frozen :class:`Scenario`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULT_SCENARIO", "Scenario", "SpeechSpan", "scenario_from_mapping"]


@dataclass(frozen=True)
class SpeechSpan:
    """Seconds after the call is answered during which a party speaks: ``[start, end)``."""

    start: float
    end: float


@dataclass(frozen=True)
class Scenario:
    """Timings and behaviour of simulated calls."""

    name: str = "default"
    description: str = "Far end answers after 1 s; recordings are saved 1 s after they stop."
    answer_delay: float = 1.0
    hangup_after: float | None = None  # far end hangs up this long after answer
    recording_saved_delay: float = 1.0
    transcription_saved_delay: float = 2.0
    # Default audio: the far end (inbound) speaks in bursts, our side (outbound) answers.
    inbound_speech: tuple[SpeechSpan, ...] = (SpeechSpan(0.5, 4.0), SpeechSpan(9.0, 14.0))
    outbound_speech: tuple[SpeechSpan, ...] = (SpeechSpan(4.5, 8.5),)
    transcription_text: str | None = None
    source: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


DEFAULT_SCENARIO = Scenario()


def _spans(raw: Any) -> tuple[SpeechSpan, ...]:
    return tuple(SpeechSpan(float(item["start"]), float(item["end"])) for item in raw or ())


def scenario_from_mapping(data: Mapping[str, Any], *, fallback_name: str) -> Scenario:
    """Build a :class:`Scenario` from an already schema-validated mapping."""
    call = data.get("call", {})
    delays = data.get("delays", {})
    audio = data.get("audio", {})
    base = DEFAULT_SCENARIO
    return Scenario(
        name=str(data.get("name", fallback_name)),
        description=str(data.get("description", "")),
        answer_delay=float(call.get("answer_delay", base.answer_delay)),
        hangup_after=(
            float(call["hangup_after"]) if call.get("hangup_after") is not None else None
        ),
        recording_saved_delay=float(delays.get("recording_saved", base.recording_saved_delay)),
        transcription_saved_delay=float(
            delays.get("transcription_saved", base.transcription_saved_delay)
        ),
        inbound_speech=_spans(audio["inbound"]) if "inbound" in audio else base.inbound_speech,
        outbound_speech=_spans(audio["outbound"]) if "outbound" in audio else base.outbound_speech,
        transcription_text=data.get("transcription", {}).get("text"),
        source=data,
    )
