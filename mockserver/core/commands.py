"""The COMMANDS table (sans-IO): every ``POST /v2/calls/{id}/actions/{name}`` in one place.

Decisions:

- One :class:`CommandSpec` per command holds its handler, its request schema's name, its
  OpenAPI operation id and summary, and the call states that refuse it (with Telnyx's error).
  The Simulator dispatches through it, web/calls.py validates with its schema, and
  spec/openapi.py builds the served document from it, so adding a command is one entry here
  plus its handler.
- State rules list refusals; a state not listed allows the command (recording commands are
  then checked against the recording's own state table in core/recordings.py).
- The Telnyx names (``record_start``, ``StartCallRecord``) are the wire names, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from mockserver import errors
from mockserver.core import bridging, call_commands, prompt_commands, recording_commands
from mockserver.core.calls import Call, CallState
from mockserver.core.context import Handler
from mockserver.errors import TelnyxError

__all__ = [
    "COMMANDS",
    "NEEDS_ANSWER",
    "Command",
    "CommandSpec",
    "Refusal",
    "check_command",
    "command_named",
]


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


Refusal = Callable[[], TelnyxError]


@dataclass(frozen=True)
class CommandSpec:
    """One call command: how it is handled, validated, documented and refused."""

    handler: Handler
    schema: str  # request schema name in schemas/ (and in the OpenAPI components)
    operation_id: str  # Telnyx's OpenAPI operationId
    summary: str
    refusals: Mapping[CallState, Refusal]  # states that refuse it; the rest allow it


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


_ENDED: Mapping[CallState, Refusal] = {CallState.ENDED: errors.call_ended}
# Needs an answered call (media to play, hear or record): refused with 90034 before.
NEEDS_ANSWER: Mapping[CallState, Refusal] = {
    CallState.INITIATED: errors.call_not_answered,
    CallState.PARKED: errors.call_not_answered,
    **_ENDED,
}


COMMANDS: dict[Command, CommandSpec] = {
    Command.ANSWER: CommandSpec(
        call_commands.answer,
        "answer",
        "AnswerCall",
        "Answer call",
        {CallState.INITIATED: _not_incoming, CallState.ANSWERED: _already_answered, **_ENDED},
    ),
    Command.HANGUP: CommandSpec(
        call_commands.hangup, "hangup", "HangupCall", "Hangup call", _ENDED
    ),
    Command.RECORD_START: CommandSpec(
        recording_commands.record_start,
        "record_start",
        "StartCallRecord",
        "Recording start",
        {**NEEDS_ANSWER, CallState.INITIATED: errors.recording_before_audio},
    ),
    Command.RECORD_STOP: CommandSpec(
        recording_commands.record_stop,
        "record_stop",
        "StopCallRecording",
        "Recording stop",
        NEEDS_ANSWER,
    ),
    Command.RECORD_PAUSE: CommandSpec(
        recording_commands.record_pause,
        "record_pause",
        "PauseCallRecording",
        "Record pause",
        NEEDS_ANSWER,
    ),
    Command.RECORD_RESUME: CommandSpec(
        recording_commands.record_resume,
        "record_resume",
        "ResumeCallRecording",
        "Record resume",
        NEEDS_ANSWER,
    ),
    Command.SPEAK: CommandSpec(
        prompt_commands.speak, "speak", "SpeakCall", "Speak text", NEEDS_ANSWER
    ),
    Command.PLAYBACK_START: CommandSpec(
        prompt_commands.playback_start,
        "playback_start",
        "StartCallPlayback",
        "Play audio URL",
        NEEDS_ANSWER,
    ),
    Command.PLAYBACK_STOP: CommandSpec(
        prompt_commands.playback_stop,
        "playback_stop",
        "StopCallPlayback",
        "Stop audio playback",
        NEEDS_ANSWER,
    ),
    Command.GATHER: CommandSpec(
        prompt_commands.gather, "gather", "GatherCall", "Gather", NEEDS_ANSWER
    ),
    Command.GATHER_USING_SPEAK: CommandSpec(
        prompt_commands.gather_using_speak,
        "gather_using_speak",
        "GatherUsingSpeak",
        "Gather using speak",
        NEEDS_ANSWER,
    ),
    Command.GATHER_STOP: CommandSpec(
        prompt_commands.gather_stop, "gather_stop", "StopCallGather", "Gather stop", NEEDS_ANSWER
    ),
    Command.SEND_DTMF: CommandSpec(
        prompt_commands.send_dtmf, "send_dtmf", "SendDTMF", "Send DTMF", NEEDS_ANSWER
    ),
    Command.REJECT: CommandSpec(
        call_commands.reject,
        "reject",
        "RejectCall",
        "Reject a call",
        {
            CallState.INITIATED: _reject_not_incoming,
            CallState.ANSWERED: _reject_answered,
            **_ENDED,
        },
    ),
    Command.TRANSCRIPTION_START: CommandSpec(
        prompt_commands.transcription_start,
        "transcription_start",
        "StartCallTranscription",
        "Transcription start",
        NEEDS_ANSWER,
    ),
    Command.TRANSCRIPTION_STOP: CommandSpec(
        prompt_commands.transcription_stop,
        "transcription_stop",
        "StopCallTranscription",
        "Transcription stop",
        NEEDS_ANSWER,
    ),
    # Bridging needs media on both legs: the path's leg must be answered (docs/fidelity.md).
    Command.BRIDGE: CommandSpec(
        bridging.bridge, "bridge", "BridgeCall", "Bridge calls", NEEDS_ANSWER
    ),
    Command.TRANSFER: CommandSpec(
        bridging.transfer, "transfer", "TransferCall", "Transfer call", NEEDS_ANSWER
    ),
}


def command_named(action: str) -> Command | None:
    """The command a URL's ``actions/{action}`` names, if there is one."""
    try:
        return Command(action)
    except ValueError:
        return None


def check_command(call: Call, command: Command) -> None:
    """Raise Telnyx's error when the call's state refuses ``command``."""
    refusal = COMMANDS[command].refusals.get(call.state)
    if refusal is not None:
        raise refusal()
