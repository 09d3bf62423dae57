"""Scenarios: what the simulated far end does, when, and what breaks (pure data, no I/O).

A scenario is YAML validated against ``schemas/scenario.json`` (see scenarios/README.md).
Loading files is the shell's job; this module turns the parsed mapping into a frozen
:class:`Scenario`, and picks the variant a call or recording gets from the ``rules``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.config import Connection

__all__ = [
    "DEFAULT_SCENARIO",
    "CommandFault",
    "GatherInput",
    "Scenario",
    "SpeechSpan",
    "TranscriptLine",
    "WebhookFaults",
    "deep_merge",
    "scenario_from_mapping",
]


@dataclass(frozen=True)
class SpeechSpan:
    """Seconds after the call is answered during which a party speaks: ``[start, end)``."""

    start: float
    end: float


@dataclass(frozen=True)
class GatherInput:
    """What the caller keys in during one gather: ``digits``, the first ``after`` seconds
    after the gather starts, then one every ``interval`` seconds."""

    digits: str
    after: float = 1.0
    interval: float = 0.5


@dataclass(frozen=True)
class TranscriptLine:
    """One ``call.transcription`` result, ``at`` seconds after answer, while transcribing."""

    at: float
    text: str
    track: str = "inbound"  # who said it: "inbound" (the far end) or "outbound" (the app)
    confidence: float = 0.95
    is_final: bool = True


@dataclass(frozen=True)
class CommandFault:
    """A command (or Dial) answering with a Telnyx error instead of working."""

    command: str
    status: int
    code: str
    title: str
    detail: str | None = None
    times: int | None = None  # fail the first N times (per call; per API key for dial)
    probability: float | None = None  # or fail with this probability (seeded)


@dataclass(frozen=True)
class WebhookFaults:
    """How the simulated Telnyx mistreats webhooks, per event type (``*`` = every event)."""

    drop: tuple[str, ...] = ()
    duplicate: tuple[str, ...] = ()
    delay: Mapping[str, float] = field(default_factory=dict)
    out_of_order: bool = False
    signature: str | None = None  # "bad" or "stale"

    @staticmethod
    def _hits(names: tuple[str, ...] | Mapping[str, float], event_type: str) -> bool:
        return event_type in names or "*" in names

    def drops(self, event_type: str) -> bool:
        return self._hits(self.drop, event_type)

    def duplicates(self, event_type: str) -> bool:
        return self._hits(self.duplicate, event_type)

    def extra_delay(self, event_type: str) -> float:
        return float(self.delay.get(event_type, self.delay.get("*", 0.0)))


@dataclass(frozen=True)
class Scenario:
    """Timings and behaviour of simulated calls."""

    name: str = "default"
    description: str = "Far end answers after 1 s; recordings are saved 1 s after they stop."
    answer_delay: float = 1.0
    hangup_after: float | None = None  # far end hangs up this long after answer
    hangup_after_recording_start: float | None = None  # ...or this long into a recording
    jitter: float = 0.0  # up to this many seconds added to each scripted delay (seeded)
    # An inbound call left parked this long: the caller gives up (originator_cancel).
    inbound_ring_timeout: float = 60.0
    webhook_delay: float = 0.0  # before every webhook
    recording_saved_delay: float = 1.0
    transcription_saved_delay: float = 2.0
    # Default audio: the far end (inbound) speaks in bursts, our side (outbound) answers.
    inbound_speech: tuple[SpeechSpan, ...] = (SpeechSpan(0.5, 4.0), SpeechSpan(9.0, 14.0))
    outbound_speech: tuple[SpeechSpan, ...] = (SpeechSpan(4.5, 8.5),)
    transcription_text: str | None = None
    # The app's own audio: speak lasts per character of its text (at least 1 s) unless
    # speak_duration fixes it; one play of a playback_start file lasts playback_duration.
    speak_seconds_per_character: float = 0.07
    speak_duration: float | None = None
    playback_duration: float = 5.0
    # What the caller keys in: gather_inputs[n] answers the call's n-th gather; with
    # gather_every one input answers every gather. No input: the gather times out.
    gather_inputs: tuple[GatherInput, ...] = ()
    gather_every: bool = False
    # Real-time transcription (transcription_start); None: a line per speech span.
    transcript: tuple[TranscriptLine, ...] | None = None
    api_latency: float = 0.0  # simulated seconds (on the one clock) before every /v2 answer
    command_faults: tuple[CommandFault, ...] = ()
    recording_error: str | None = None  # send call.recording.error with this reason instead
    webhook_faults: WebhookFaults = field(default_factory=WebhookFaults)
    parallel_recordings: bool = False  # recordings.parallel: a second record_start is allowed
    connections: tuple[Connection, ...] = ()  # Call Control Applications the scenario declares
    source: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Variants by the rules that matched, built once each (rules × a big base is not cheap).
    _variants: dict[tuple[int, ...], Scenario] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def gather_input(self, index: int) -> GatherInput | None:
        """The scripted keys for the call's ``index``-th gather (0-based), if any."""
        if self.gather_every:
            return self.gather_inputs[0] if self.gather_inputs else None
        return self.gather_inputs[index] if index < len(self.gather_inputs) else None

    def for_call(self, *, to: str, connection_id: str) -> Scenario:
        """The variant a call gets: every matching rule's overrides, in file order."""
        return self._with_rules(lambda m: _matches(m, {"to": to, "connection_id": connection_id}))

    def for_recording(self, custom_file_name: str | None) -> Scenario:
        """The variant a recording gets, by its custom_file_name."""
        return self._with_rules(
            lambda m: (
                "custom_file_name" in m and _matches(m, {"custom_file_name": custom_file_name})
            )
        )

    def _with_rules(self, matches: Callable[[Mapping[str, Any]], bool]) -> Scenario:
        rules = self.source.get("rules", ())
        chosen = tuple(index for index, rule in enumerate(rules) if matches(rule["match"]))
        if not chosen:
            return self
        cached = self._variants.get(chosen)
        if cached is not None:
            return cached
        merged = _without_rules(self.source)
        for index in chosen:
            merged = deep_merge(merged, rules[index].get("set", {}))
        merged["rules"] = rules
        variant = scenario_from_mapping(merged, fallback_name=self.name)
        if len(self._variants) >= MAX_CACHED_VARIANTS:
            self._variants.clear()  # bounded: a few distinct variants are the common case
        self._variants[chosen] = variant
        return variant


def _matches(match: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    return all(key in facts and facts[key] == value for key, value in match.items())


def _without_rules(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "rules"}


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``; mappings merge, everything else replaces.

    Parts of ``base`` that ``override`` does not touch are shared, not copied: scenario data
    is never mutated, and copying a 5,000-line transcript once per matching rule made a Dial
    cost rules × lines.
    """
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


DEFAULT_SCENARIO = Scenario()
MAX_CACHED_VARIANTS = 64


def _spans(raw: Any) -> tuple[SpeechSpan, ...]:
    return tuple(SpeechSpan(float(item["start"]), float(item["end"])) for item in raw or ())


def _optional_float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _command_faults(raw: Any) -> tuple[CommandFault, ...]:
    return tuple(
        CommandFault(
            command=str(item["command"]),
            status=int(item.get("status", 422)),
            code=str(item["code"]),
            title=str(item["title"]),
            detail=item.get("detail"),
            times=item.get("times"),
            probability=item.get("probability"),
        )
        for item in raw or ()
    )


def _gather_input(raw: Mapping[str, Any]) -> GatherInput:
    return GatherInput(
        digits=str(raw["digits"]),
        after=float(raw.get("after", 1.0)),
        interval=float(raw.get("interval", 0.5)),
    )


def _transcript(raw: Any) -> tuple[TranscriptLine, ...]:
    return tuple(
        TranscriptLine(
            at=float(item["at"]),
            text=str(item["text"]),
            track=str(item.get("track", "inbound")),
            confidence=float(item.get("confidence", 0.95)),
            is_final=bool(item.get("is_final", True)),
        )
        for item in raw or ()
    )


def _webhook_faults(raw: Mapping[str, Any]) -> WebhookFaults:
    return WebhookFaults(
        drop=tuple(raw.get("drop", ())),
        duplicate=tuple(raw.get("duplicate", ())),
        delay={str(k): float(v) for k, v in raw.get("delay", {}).items()},
        out_of_order=bool(raw.get("out_of_order", False)),
        signature=raw.get("signature"),
    )


def _connections(declared: Mapping[str, Any]) -> tuple[Connection, ...]:
    return tuple(
        Connection(
            id=str(connection_id),
            webhook_url=str(item["webhook_url"]),
            webhook_url_failover=item.get("webhook_url_failover"),
            webhook_timeout_secs=_optional_float(item.get("webhook_timeout_secs")),
        )
        for connection_id, item in declared.items()
    )


def scenario_from_mapping(data: Mapping[str, Any], *, fallback_name: str) -> Scenario:
    """Build a :class:`Scenario` from an already schema-validated mapping."""
    call = data.get("call", {})
    delays = data.get("delays", {})
    audio = data.get("audio", {})
    faults = data.get("faults", {})
    media = data.get("media", {})
    gather = data.get("gather")
    base = DEFAULT_SCENARIO
    return Scenario(
        name=str(data.get("name", fallback_name)),
        description=str(data.get("description", "")),
        answer_delay=float(call.get("answer_delay", base.answer_delay)),
        hangup_after=_optional_float(call.get("hangup_after")),
        hangup_after_recording_start=_optional_float(call.get("hangup_after_recording_start")),
        jitter=float(call.get("jitter", 0.0)),
        inbound_ring_timeout=float(call.get("inbound_ring_timeout", base.inbound_ring_timeout)),
        webhook_delay=float(delays.get("webhook", 0.0)),
        recording_saved_delay=float(delays.get("recording_saved", base.recording_saved_delay)),
        transcription_saved_delay=float(
            delays.get("transcription_saved", base.transcription_saved_delay)
        ),
        inbound_speech=_spans(audio["inbound"]) if "inbound" in audio else base.inbound_speech,
        outbound_speech=_spans(audio["outbound"]) if "outbound" in audio else base.outbound_speech,
        transcription_text=data.get("transcription", {}).get("text"),
        speak_seconds_per_character=float(
            media.get("speak_seconds_per_character", base.speak_seconds_per_character)
        ),
        speak_duration=_optional_float(media.get("speak_duration")),
        playback_duration=float(media.get("playback_duration", base.playback_duration)),
        gather_inputs=(
            tuple(_gather_input(item) for item in gather)
            if isinstance(gather, list)
            else (_gather_input(gather),)
            if gather is not None
            else ()
        ),
        gather_every=isinstance(gather, Mapping),
        transcript=_transcript(data["transcript"]) if "transcript" in data else None,
        api_latency=float(faults.get("api_latency", 0.0)),
        command_faults=_command_faults(faults.get("commands")),
        recording_error=faults.get("recording_error"),
        webhook_faults=_webhook_faults(faults.get("webhooks", {})),
        parallel_recordings=bool(data.get("recordings", {}).get("parallel", False)),
        connections=_connections(data.get("connections", {})),
        source=data,
    )
