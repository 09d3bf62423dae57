"""What a call plays and listens for, as plain data and pure rules (sans-IO).

The app's audio (speak, playback_start) waits in two queues per call, the main one and the
overlay one; one item of each plays at a time. A gather collects the keys the scenario's
caller presses; a real-time transcription sends the scenario's transcript. The command
handlers in :mod:`mockserver.core.prompt_commands` drive this state; everything here is data and
arithmetic on it, so it is tested without a server.

Times are simulated Unix seconds unless a name says *media* time (seconds since answer,
the time base of recordings and scenario audio).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mockserver.core.scenario import TranscriptLine

__all__ = [
    "MIN_SPEAK_SECONDS",
    "CallMedia",
    "Gather",
    "GatherOutcome",
    "GatherRules",
    "GatherStep",
    "Lane",
    "MediaSpan",
    "Prompt",
    "Transcription",
    "gather_status",
    "plan_gather",
    "spoken_text",
]

MIN_SPEAK_SECONDS = 1.0
_TAG = re.compile(r"<[^>]*>")


@dataclass
class MediaSpan:
    """Media seconds during which the app's audio goes out to the far end (the recording's
    outbound track); ``end`` is None while it plays on with no end in sight."""

    start: float
    end: float | None = None

    def close(self, at: float) -> None:
        """Cut the span at media time ``at`` (an item stopped early or the call ended)."""
        if self.end is None or self.end > at:
            self.end = max(at, self.start)


@dataclass
class Prompt:
    """One speak or playback_start on a call's queue."""

    id: str
    kind: str  # "speak" or "playback"
    seconds: float | None  # how long it plays in all, loops included; None: until stopped
    overlay: bool = False
    audible: bool = True  # heard by the far end (target_legs other than "opposite")
    media_url: str | None = None
    media_name: str | None = None
    span: MediaSpan | None = None  # set while it plays

    @property
    def ended_event(self) -> str:
        return f"call.{self.kind}.ended"

    @property
    def started_event(self) -> str:
        return f"call.{self.kind}.started"


@dataclass
class Lane:
    """A playback queue: at most one item plays, the rest wait in order."""

    playing: Prompt | None = None
    waiting: list[Prompt] = field(default_factory=list)


@dataclass(frozen=True)
class GatherRules:
    """A gather's settings in seconds, after the request's defaults were applied."""

    minimum_digits: int
    maximum_digits: int
    terminating_digit: str
    valid_digits: str
    first_digit_timeout: float  # from the start of the gather
    inter_digit_timeout: float
    overall_timeout: float | None = None  # gather's timeout_millis; none for gather_using_speak


@dataclass(frozen=True)
class GatherStep:
    """A key press (``call.dtmf.received``) at simulated time ``at``."""

    at: float
    digit: str


@dataclass(frozen=True)
class GatherOutcome:
    """How a gather ends if nothing stops it: the presses it hears, then call.gather.ended."""

    presses: tuple[GatherStep, ...]
    ends_at: float
    digits: str
    status: str  # "valid", "invalid" or "timeout"


@dataclass
class Gather:
    """The gather running on a call (at most one)."""

    id: str  # the request's gather_id, or one made up
    token: str  # unique per gather: its timers are stale once another gather runs
    rules: GatherRules
    outcome: GatherOutcome
    collected: str = ""  # digits heard so far (what gather_stop reports)
    prompts: list[MediaSpan] = field(default_factory=list)  # gather_using_speak's prompt


@dataclass
class Transcription:
    """A real-time transcription (transcription_start) running on a call."""

    id: str
    engine: str
    tracks: str  # "inbound", "outbound" or "both"
    lines: tuple[TranscriptLine, ...] = ()  # what it will report, in order


@dataclass
class CallMedia:
    """Everything media a call has going on."""

    main: Lane = field(default_factory=Lane)
    overlay: Lane = field(default_factory=Lane)
    gather: Gather | None = None
    gathers_started: int = 0  # picks the scenario's scripted input for the next gather
    transcription: Transcription | None = None
    # The app's audio on the outbound track, shared with the call's recordings.
    spans: list[MediaSpan] = field(default_factory=list)

    def lane(self, overlay: bool) -> Lane:
        return self.overlay if overlay else self.main


def spoken_text(payload: str, payload_type: str) -> str:
    """The words a speak says: SSML tags are not spoken."""
    text = _TAG.sub(" ", payload) if payload_type == "ssml" else payload
    return " ".join(text.split())


def gather_status(digits: str, rules: GatherRules) -> str:
    """``valid`` when every digit is allowed and the count is within the limits."""
    allowed = all(digit in rules.valid_digits for digit in digits)
    in_range = rules.minimum_digits <= len(digits) <= rules.maximum_digits
    return "valid" if allowed and in_range else "invalid"


def plan_gather(
    rules: GatherRules, start: float, keys: str, first_key_at: float, interval: float
) -> GatherOutcome:
    """What a gather that starts at ``start`` hears when the caller presses ``keys``, the
    first at ``first_key_at`` and then one every ``interval`` seconds.

    The gather ends at the terminating digit (not reported in ``digits``), at
    ``maximum_digits`` digits, or when a timeout runs out: the first-digit timeout, the
    inter-digit timeout after a key, or the overall timeout. A timeout before any digit
    gives status ``timeout``; otherwise the digits are checked (``valid``/``invalid``).
    """
    presses: list[GatherStep] = []
    collected = ""
    last: float | None = None

    def deadline() -> float:
        limit = (
            start + rules.first_digit_timeout if last is None else last + rules.inter_digit_timeout
        )
        if rules.overall_timeout is not None:
            limit = min(limit, start + rules.overall_timeout)
        return limit

    for index, key in enumerate(keys):
        at = first_key_at + index * interval
        if at > deadline():
            break
        presses.append(GatherStep(at, key))
        last = at
        if key == rules.terminating_digit:
            return GatherOutcome(tuple(presses), at, collected, gather_status(collected, rules))
        collected += key
        if len(collected) >= rules.maximum_digits:
            return GatherOutcome(tuple(presses), at, collected, gather_status(collected, rules))
    status = gather_status(collected, rules) if collected else "timeout"
    return GatherOutcome(tuple(presses), deadline(), collected, status)
