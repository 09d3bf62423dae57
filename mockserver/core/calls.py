"""Call state machine (sans-IO): who may do what in which state.

Outbound calls start ``initiated`` (dialling/ringing) and the far end answers; inbound calls
start ``parked`` and the app answers. Either side may hang up. The two tables below are the
whole behaviour: :data:`TRANSITIONS` for state changes, :data:`COMMAND_RULES` for which
command a state refuses and with which Telnyx error.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from mockserver import errors
from mockserver.core.parties import Hearing, Party
from mockserver.core.prompts import CallMedia
from mockserver.core.recordings import Recording
from mockserver.core.scenario import DEFAULT_SCENARIO, Scenario
from mockserver.errors import TelnyxError

__all__ = [
    "COMMAND_RULES",
    "MEDIA_COMMANDS",
    "TRANSITIONS",
    "Call",
    "CallEvent",
    "CallState",
    "Command",
]


class CallState(StrEnum):
    INITIATED = "initiated"
    PARKED = "parked"
    ANSWERED = "answered"
    ENDED = "ended"


class CallEvent(StrEnum):
    FAR_END_ANSWERED = "far_end_answered"
    APP_ANSWERED = "app_answered"
    HANGUP = "hangup"


class Command(StrEnum):
    ANSWER = "answer"
    HANGUP = "hangup"
    RECORD_START = "record_start"
    RECORD_STOP = "record_stop"
    RECORD_PAUSE = "record_pause"
    RECORD_RESUME = "record_resume"
    SPEAK = "speak"
    PLAYBACK_START = "playback_start"
    PLAYBACK_STOP = "playback_stop"
    GATHER = "gather"
    GATHER_USING_SPEAK = "gather_using_speak"
    GATHER_STOP = "gather_stop"
    SEND_DTMF = "send_dtmf"
    REJECT = "reject"
    TRANSCRIPTION_START = "transcription_start"
    TRANSCRIPTION_STOP = "transcription_stop"
    BRIDGE = "bridge"
    TRANSFER = "transfer"


TRANSITIONS: dict[tuple[CallState, CallEvent], CallState] = {
    (CallState.INITIATED, CallEvent.FAR_END_ANSWERED): CallState.ANSWERED,
    (CallState.PARKED, CallEvent.APP_ANSWERED): CallState.ANSWERED,
    (CallState.INITIATED, CallEvent.HANGUP): CallState.ENDED,
    (CallState.PARKED, CallEvent.HANGUP): CallState.ENDED,
    (CallState.ANSWERED, CallEvent.HANGUP): CallState.ENDED,
}


def _not_incoming() -> TelnyxError:
    return errors.bad_request("Only an incoming call that is parked can be answered.", status=422)


def _already_answered() -> TelnyxError:
    return errors.bad_request("This call has already been answered.", status=422)


def _reject_not_incoming() -> TelnyxError:
    return errors.bad_request("Only an incoming call that is parked can be rejected.", status=422)


def _reject_answered() -> TelnyxError:
    return errors.bad_request(
        "This call has already been answered; it cannot be rejected (hang it up).", status=422
    )


def _before_audio() -> TelnyxError:
    return TelnyxError.single(
        422,
        "90020",
        "Call recording triggered before audio started",
        "Call recording cannot be started until audio has commenced on the call.",
    )


_RECORDING_COMMANDS = (
    Command.RECORD_START,
    Command.RECORD_STOP,
    Command.RECORD_PAUSE,
    Command.RECORD_RESUME,
)

# Commands that need media on the call: refused with 90034 until it is answered.
MEDIA_COMMANDS = (
    Command.SPEAK,
    Command.PLAYBACK_START,
    Command.PLAYBACK_STOP,
    Command.GATHER,
    Command.GATHER_USING_SPEAK,
    Command.GATHER_STOP,
    Command.SEND_DTMF,
    Command.TRANSCRIPTION_START,
    Command.TRANSCRIPTION_STOP,
)

# Commands a state refuses; anything not listed is allowed (recording commands are then
# checked against the recording state machine).
COMMAND_RULES: dict[tuple[CallState, Command], Callable[[], TelnyxError]] = {
    (CallState.INITIATED, Command.ANSWER): _not_incoming,
    (CallState.INITIATED, Command.RECORD_START): _before_audio,
    (CallState.INITIATED, Command.RECORD_STOP): errors.call_not_answered,
    (CallState.INITIATED, Command.RECORD_PAUSE): errors.call_not_answered,
    (CallState.INITIATED, Command.RECORD_RESUME): errors.call_not_answered,
    **{(CallState.PARKED, command): errors.call_not_answered for command in _RECORDING_COMMANDS},
    **{(CallState.INITIATED, command): errors.call_not_answered for command in MEDIA_COMMANDS},
    **{(CallState.PARKED, command): errors.call_not_answered for command in MEDIA_COMMANDS},
    # Bridging needs media on both legs: the path's leg must be answered (docs/fidelity.md).
    (CallState.INITIATED, Command.BRIDGE): errors.call_not_answered,
    (CallState.PARKED, Command.BRIDGE): errors.call_not_answered,
    (CallState.INITIATED, Command.TRANSFER): errors.call_not_answered,
    (CallState.PARKED, Command.TRANSFER): errors.call_not_answered,
    (CallState.INITIATED, Command.REJECT): _reject_not_incoming,
    (CallState.ANSWERED, Command.ANSWER): _already_answered,
    (CallState.ANSWERED, Command.REJECT): _reject_answered,
    **{(CallState.ENDED, command): errors.call_ended for command in Command},
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
    park_after_unbridge: bool = False  # "self": stays up when the other leg goes

    @property
    def is_alive(self) -> bool:
        return self.state is not CallState.ENDED

    @property
    def active_recording(self) -> Recording | None:
        # At most one recording is active at a time (record_start refuses a second one), and
        # it is the newest: earlier ones were stopped before it could start.
        newest = self.recordings[-1] if self.recordings else None
        return newest if newest is not None and newest.is_active else None

    def add_recording(self, recording: Recording) -> None:
        self.recordings.append(recording)
        self.recordings_by_id[recording.id] = recording

    def recording(self, recording_id: str) -> Recording | None:
        """One of this call's recordings by id (None: not this call's)."""
        return self.recordings_by_id.get(recording_id)

    def check_command(self, command: Command) -> None:
        """Raise Telnyx's error when this state refuses ``command``."""
        rule = COMMAND_RULES.get((self.state, command))
        if rule is not None:
            raise rule()

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
