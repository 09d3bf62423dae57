"""Call state machine (sans-IO): who may do what in which state.

Outbound calls start ``initiated`` (dialling/ringing) and the far end answers; inbound calls
start ``parked`` and the app answers. Either side may hang up. :data:`TRANSITIONS` is the
whole behaviour; which command a state refuses, and with which Telnyx error, is each
command's ``refusals`` in the COMMANDS table (core/commands.py).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum

from mockserver.core.parties import Hearing, Party
from mockserver.core.prompts import CallMedia
from mockserver.core.recordings import Recording
from mockserver.core.scenario import DEFAULT_SCENARIO, Scenario
from mockserver.core.webhook_routing import WebhookRouting

__all__ = ["TRANSITIONS", "Call", "CallEvent", "CallState"]


class CallState(StrEnum):
    INITIATED = "initiated"
    PARKED = "parked"
    ANSWERED = "answered"
    ENDED = "ended"


class CallEvent(StrEnum):
    FAR_END_ANSWERED = "far_end_answered"
    APP_ANSWERED = "app_answered"
    HANGUP = "hangup"


TRANSITIONS: dict[tuple[CallState, CallEvent], CallState] = {
    (CallState.INITIATED, CallEvent.FAR_END_ANSWERED): CallState.ANSWERED,
    (CallState.PARKED, CallEvent.APP_ANSWERED): CallState.ANSWERED,
    (CallState.INITIATED, CallEvent.HANGUP): CallState.ENDED,
    (CallState.PARKED, CallEvent.HANGUP): CallState.ENDED,
    (CallState.ANSWERED, CallEvent.HANGUP): CallState.ENDED,
}


@dataclass
class Call:
    """One simulated call leg as the API and webhooks see it. Times are simulated seconds."""

    tenant: str
    call_control_id: str
    call_leg_id: str
    call_session_id: str
    connection_id: str
    direction: str  # "outgoing" (Dial) or "incoming" (injected)
    from_number: str
    to: str
    start_time: float
    state: CallState
    client_state: str | None = None
    webhook_url: str | None = None
    webhook_url_failover: str | None = None
    # webhook_url_method, webhook_urls (+ method) and webhook_retries_policies of Dial/Answer.
    routing: WebhookRouting = field(default_factory=WebhookRouting)
    webhook_timeout_secs: float | None = None  # the connection's; None: the server's
    answered_at: float | None = None
    ended_at: float | None = None
    hangup_cause: str | None = None
    hangup_source: str | None = None
    sip_hangup_cause: str | None = None
    # Oldest first. Add with add_recording(): the lookups below are kept O(1) in the history,
    # so a command costs the same on the call's 10,000th recording as on its first.
    recordings: list[Recording] = field(default_factory=list)
    recordings_by_id: dict[str, Recording] = field(default_factory=dict, repr=False)
    record_from_answer: dict[str, object] | None = None
    # Dial's time_limit_secs: the call is hung up this long after it is answered (spec:
    # "a time limit of 120 seconds ... terminated two minutes after being answered").
    time_limit_secs: float = 14400.0
    dial_command_id: str | None = None  # forgotten together with the call
    command_ids: OrderedDict[str, None] = field(default_factory=OrderedDict)
    scenario: Scenario = DEFAULT_SCENARIO  # the variant this call got from the rules
    fault_counts: dict[str, int] = field(default_factory=dict)  # scripted failures so far
    media: CallMedia = field(default_factory=CallMedia)  # speak/playback, gather, transcription
    # The simulated person at the far end, and who else is heard on this leg (bridges).
    party: Party = field(default_factory=Party)
    heard_peers: list[Hearing] = field(default_factory=list)
    bridged_to: Call | None = field(default=None, repr=False)
    bridge_on_answer_to: Call | None = field(default=None, repr=False)  # transfer, link_to
    # Legs dialled to be bridged with this one (transfer, link_to): cancelled if it ends first.
    pending_legs: list[Call] = field(default_factory=list, repr=False)
    park_after_unbridge: bool = False  # "self": stays up when the other leg goes
    conference_id: str | None = None  # the conference this leg is in now

    @property
    def is_alive(self) -> bool:
        return self.state is not CallState.ENDED

    @property
    def active_recording(self) -> Recording | None:
        # Without recordings.parallel at most one recording is active at a time (record_start
        # refuses a second one), and it is the newest: earlier ones were stopped before it.
        newest = self.recordings[-1] if self.recordings else None
        return newest if newest is not None and newest.is_active else None

    def active_recordings(self) -> list[Recording]:
        """Every recording still running or paused, oldest first: more than one only when the
        scenario allows parallel recordings (then this scans the call's recordings)."""
        if not self.scenario.parallel_recordings:
            active = self.active_recording
            return [active] if active is not None else []
        return [recording for recording in self.recordings if recording.is_active]

    def add_recording(self, recording: Recording) -> None:
        self.recordings.append(recording)
        self.recordings_by_id[recording.id] = recording

    def remove_recording(self, recording_id: str) -> None:
        """Forget a stopped recording (deleted through the API)."""
        recording = self.recordings_by_id.pop(recording_id, None)
        if recording is not None:
            self.recordings.remove(recording)

    def recording(self, recording_id: str) -> Recording | None:
        """One of this call's recordings by id (None: not this call's)."""
        return self.recordings_by_id.get(recording_id)

    def apply(self, event: CallEvent, now: float) -> CallState:
        target = TRANSITIONS.get((self.state, event))
        if target is None:
            raise ValueError(f"call {self.call_control_id}: {event} not allowed in {self.state}")
        if target is CallState.ANSWERED:
            self.answered_at = now
            self.party.answered_at = now
            if not self.party.takes_turns:
                self.party.script = self.scenario.inbound_speech
        if target is CallState.ENDED:
            self.ended_at = now
        self.state = target
        return target

    def remember_command_id(self, command_id: str, limit: int) -> None:
        self.command_ids[command_id] = None
        while len(self.command_ids) > limit:
            self.command_ids.popitem(last=False)
