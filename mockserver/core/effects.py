"""What the sans-IO core asks the shell to do: send a webhook at a time, start a timer.

The core returns these from every entry point; the shell (``app.MockServer.apply``) hands
webhooks to the dispatcher and timers to the clock, and a due timer comes back to the core
through ``Simulator.fire`` with its :class:`TimerKey`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mockserver.core.events import WebhookEvent

__all__ = ["Effect", "SendWebhook", "StartTimer", "TimerKey", "TimerKind"]


class TimerKind(StrEnum):
    """What a timer is for; :data:`mockserver.core.timers.TIMERS` maps each to its handler."""

    ANSWER = "answer"  # the far end answers a Dial
    RING_TIMEOUT = "ring_timeout"  # nobody answered within Dial's timeout_secs
    TIME_LIMIT = "time_limit"  # Dial's time_limit_secs since answer
    FAR_END_HANGUP = "far_end_hangup"  # the scenario's far end hangs up
    PURGE = "purge"  # an ended call is forgotten
    MAX_LENGTH = "max_length"  # record_start's max_length
    SILENCE = "silence"  # record_start's timeout_secs of silence
    PROMPT_END = "prompt_end"  # a speak or playback finishes
    GATHER = "gather"  # the next key press of a gather, or its end
    TRANSCRIPT = "transcript"  # the next line of a real-time transcription


@dataclass(frozen=True)
class SendWebhook:
    """Deliver ``event`` at simulated time ``at``; ``faults`` are the scenario's mischief."""

    at: float
    event: WebhookEvent
    faults: tuple[str, ...] = ()  # "drop", "duplicate", "bad_signature", "stale_signature"


@dataclass(frozen=True)
class TimerKey:
    """What to do when a timer fires; stale generations are ignored.

    ``item_id`` names the thing the timer belongs to when it is not a recording (a speak or
    playback, a gather, a transcription); ``generation`` then counts steps within it.
    """

    kind: TimerKind
    tenant: str
    call_control_id: str
    recording_id: str | None = None
    generation: int = 0
    item_id: str | None = None


@dataclass(frozen=True)
class StartTimer:
    """Call ``Simulator.fire`` with ``key`` at simulated time ``at``."""

    at: float
    key: TimerKey


Effect = SendWebhook | StartTimer
