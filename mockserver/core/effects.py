"""What the sans-IO core asks the shell to do: send a webhook at a time, start a timer.

The core returns these from every entry point; the shell (``app.MockServer.apply``) hands
webhooks to the dispatcher and timers to the clock, and a due timer comes back to the core
through ``Simulator.fire`` with its :class:`TimerKey`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.core.events import WebhookEvent

__all__ = ["Effect", "SendWebhook", "StartTimer", "TimerKey"]


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

    kind: str
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
