"""Conference commands (sans-IO): create, join, leave, hold, mute, end, and recordings.

A conference mixes its participants: each participant's party is heard in the conference from
when it joins until it leaves, except while it is muted or on hold (a
:class:`~mockserver.core.parties.Hearing` per stretch). A conference recording carries the
mix: with ``channels: dual`` the first participant (the leg the conference was created from)
on channel A and everyone else on channel B ("first leg on channel A, the rest on channel
B"), with ``single`` all of them mixed.

Handlers take the :class:`~mockserver.core.context.Context`, the conference (or, for create,
the tenant), an already validated body and the simulated time, and return
``(data, effects)`` like the call commands. The state is in core/conference_state.py.
Choices Telnyx does not document are listed in docs/fidelity.md ("Conferences").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver import errors
from mockserver.core import events
from mockserver.core.calls import Call, CallState
from mockserver.core.conference_state import Conference, ConferenceStatus, Participant
from mockserver.core.context import OK, Body, Context, take_client_state
from mockserver.core.effects import Effect
from mockserver.core.parties import Hearing
from mockserver.core.recording_commands import recording_of_leg, target_recording, transition
from mockserver.core.recordings import (
    Recording,
    RecordingEvent,
    RecordingOptions,
)
from mockserver.ids import is_well_formed_call_control_id

__all__ = ["CONFERENCE_ACTIONS", "command", "create", "on_hangup"]

DEFAULT_LIFETIME_SECONDS = 4 * 3600.0  # "expire ... after 4 hours regardless"
DEFAULT_MAX_PARTICIPANTS = 250  # CreateConferenceRequest: "Defaults to 250"

ConferenceHandler = Callable[[Context, Conference, Body, float], list[Effect]]


# -- create ------------------------------------------------------------------------------------


def create(ctx: Context, tenant: str, body: Body, now: float) -> tuple[Conference, list[Effect]]:
    """POST /v2/conferences: the call the conference is created from joins it at once."""
    call = _member_call(ctx, tenant, str(body["call_control_id"]))
    take_client_state(call, body)
    minutes = body.get("duration_minutes")
    # "expire ... after 4 hours regardless": a longer (or absurd) duration_minutes changes nothing.
    lifetime = DEFAULT_LIFETIME_SECONDS
    if isinstance(minutes, int) and 0 < minutes < DEFAULT_LIFETIME_SECONDS / 60:
        lifetime = minutes * 60.0
    conference = Conference(
        id=ctx.ids.uuid4(),
        tenant=tenant,
        name=str(body["name"]),
        host=call,
        created_at=now,
        expires_at=now + lifetime,
        region=body.get("region"),
        max_participants=int(body.get("max_participants", DEFAULT_MAX_PARTICIPANTS)),
        updated_at=now,
    )
    if body.get("start_conference_on_create") is False:
        conference.status = ConferenceStatus.INIT
    owned = ctx.tenant(tenant).conferences
    # Ended conferences are forgotten after the call retention, like calls (bounded memory);
    # their recordings stay listed.
    expired = [
        c.id
        for c in owned.values()
        if c.ended_at is not None and c.ended_at + ctx.call_retention_seconds <= now
    ]
    for conference_id in expired:
        del owned[conference_id]
    owned[conference.id] = conference
    effects = ctx.webhook(
        call, events.conference_created(call, conference.id, ctx.ids.uuid4(), now)
    )
    return conference, effects + _join_call(ctx, conference, call, {}, now)


# -- commands on a conference ------------------------------------------------------------------


def command(
    ctx: Context, conference: Conference, action: str, body: Body, now: float
) -> tuple[dict[str, Any], list[Effect]]:
    """POST /v2/conferences/{id}/actions/{action} with an already validated body."""
    command_id = body.get("command_id")
    if command_id is not None and command_id in conference.command_ids:
        return dict(OK), []  # a repeated command_id is ignored, as for calls
    if not conference.is_live:
        raise errors.conference_ended()
    effects = CONFERENCE_HANDLERS[action](ctx, conference, body, now)
    if command_id is not None:
        conference.command_ids[command_id] = None
        while len(conference.command_ids) > ctx.max_command_ids_per_call:
            conference.command_ids.popitem(last=False)
    conference.updated_at = now
    return dict(OK), effects


def _join(ctx: Context, conference: Conference, body: Body, now: float) -> list[Effect]:
    call = _member_call(ctx, conference.tenant, str(body["call_control_id"]))
    if sum(1 for _ in conference.present()) >= conference.max_participants:
        raise errors.conference_state(
            f"The conference is full ({conference.max_participants} participants).",
            pointer="/call_control_id",
        )
    take_client_state(call, body)
    return _join_call(ctx, conference, call, body, now)


def _leave(ctx: Context, conference: Conference, body: Body, now: float) -> list[Effect]:
    participant = _participant(conference, str(body["call_control_id"]), "/call_control_id")
    return _remove(ctx, conference, participant, now)


def _flag(name: str, value: bool) -> ConferenceHandler:
    """hold/unhold/mute/unmute: set ``name`` on the participants the body names (or all)."""

    def handler(ctx: Context, conference: Conference, body: Body, now: float) -> list[Effect]:
        for participant in _targets(conference, body):
            setattr(participant, name, value)
            _set_heard(conference, participant, now)
        return []

    return handler


def _end(ctx: Context, conference: Conference, body: Body, now: float) -> list[Effect]:
    return finish(ctx, conference, now, "ended_via_api", None)


def _record_start(ctx: Context, conference: Conference, body: Body, now: float) -> list[Effect]:
    if not any(True for _ in conference.present()):
        raise errors.conference_state("The conference has no participants to record.")
    if conference.active_recording is not None:
        raise errors.recording_not_active(
            "A recording is already in progress on this conference; stop it first."
        )
    host = conference.host
    options = RecordingOptions(
        format=str(body["format"]),
        channels=str(body.get("channels", "single")),
        play_beep=bool(body.get("play_beep", False)),
        trim=body.get("trim"),
        custom_file_name=body.get("custom_file_name"),
        initiated_by="StartConferenceRecordingAPI",
    )
    recording = recording_of_leg(
        ctx,
        host,
        options,
        now,
        answered_at=conference.created_at,  # media time zero: the conference's start
        conference_id=conference.id,
        inbound_hearings=conference.channel_a,  # shared: later joins are heard too
        heard_peers=conference.channel_b,
        scripted_outbound=False,
    )
    conference.recordings.append(recording)
    ctx.tenant(conference.tenant).recordings[recording.id] = recording
    return []


def _record_stop(ctx: Context, conference: Conference, body: Body, now: float) -> list[Effect]:
    recording = _target_recording(conference, body, "stop")
    take_client_state(conference.host, body)
    return _stop_recording(ctx, conference, recording, now)


def _record_pause(ctx: Context, conference: Conference, body: Body, now: float) -> list[Effect]:
    transition(_target_recording(conference, body, "pause"), RecordingEvent.PAUSE, now)
    return []


def _record_resume(ctx: Context, conference: Conference, body: Body, now: float) -> list[Effect]:
    transition(_target_recording(conference, body, "resume"), RecordingEvent.RESUME, now)
    return []


CONFERENCE_HANDLERS: dict[str, ConferenceHandler] = {
    "join": _join,
    "leave": _leave,
    "hold": _flag("on_hold", True),
    "unhold": _flag("on_hold", False),
    "mute": _flag("muted", True),
    "unmute": _flag("muted", False),
    "end": _end,
    "record_start": _record_start,
    "record_stop": _record_stop,
    "record_pause": _record_pause,
    "record_resume": _record_resume,
}
CONFERENCE_ACTIONS = tuple(CONFERENCE_HANDLERS)


# -- what happens around a conference ----------------------------------------------------------


def on_hangup(ctx: Context, call: Call, now: float) -> list[Effect]:
    """A participant's call ended: it leaves its conference."""
    conference = ctx.tenant(call.tenant).conferences.get(call.conference_id or "")
    if conference is None or not conference.is_live:
        return []
    participant = conference.participants.get(call.call_control_id)
    if participant is None or not participant.present:
        return []
    return _remove(ctx, conference, participant, now)


def finish(
    ctx: Context, conference: Conference, now: float, reason: str, ended_by: Call | None
) -> list[Effect]:
    """End the conference: everyone leaves, the recording is saved, conference.ended."""
    conference.status = ConferenceStatus.COMPLETED
    conference.ended_at, conference.end_reason, conference.ended_by = now, reason, ended_by
    effects: list[Effect] = []
    for participant in list(conference.present()):
        effects += _remove(ctx, conference, participant, now, ending=True)
    active = conference.active_recording
    if active is not None:
        effects += _stop_recording(ctx, conference, active, now)
    host = conference.host
    event = events.conference_ended(host, conference.id, ctx.ids.uuid4(), now, reason)
    return effects + ctx.webhook(host, event)


# -- internals ---------------------------------------------------------------------------------


def _join_call(
    ctx: Context, conference: Conference, call: Call, body: Body, now: float
) -> list[Effect]:
    if body.get("start_conference_on_enter") and conference.status is ConferenceStatus.INIT:
        conference.status = ConferenceStatus.IN_PROGRESS
        for other in conference.present():
            _set_heard(conference, other, now)
    participant = Participant(
        id=ctx.ids.uuid4(),
        call=call,
        joined_at=now,
        muted=bool(body.get("mute", False)),
        on_hold=bool(body.get("hold", False)),
        end_conference_on_exit=bool(body.get("end_conference_on_exit", False)),
        soft_end_conference_on_exit=bool(body.get("soft_end_conference_on_exit", False)),
        updated_at=now,
    )
    conference.participants[call.call_control_id] = participant
    call.conference_id = conference.id
    _set_heard(conference, participant, now)
    event = events.conference_participant(
        call, conference.id, ctx.ids.uuid4(), now, "conference.participant.joined"
    )
    return ctx.webhook(call, event)


def _remove(
    ctx: Context,
    conference: Conference,
    participant: Participant,
    now: float,
    *,
    ending: bool = False,
) -> list[Effect]:
    participant.left_at = participant.updated_at = now
    if participant.hearing is not None:
        participant.hearing.close(now)
        participant.hearing = None
    call = participant.call
    call.conference_id = None
    event = events.conference_participant(
        call, conference.id, ctx.ids.uuid4(), now, "conference.participant.left"
    )
    effects = ctx.webhook(call, event)
    if ending:
        return effects
    if participant.end_conference_on_exit:
        return effects + finish(ctx, conference, now, "host_left", call)
    if not any(True for _ in conference.present()):
        return effects + finish(ctx, conference, now, "all_left", call)
    return effects


def _set_heard(conference: Conference, participant: Participant, now: float) -> None:
    """Open or close the participant's stretch in the mix after a change."""
    audible = (
        participant.present
        and not participant.muted
        and not participant.on_hold
        and conference.status is ConferenceStatus.IN_PROGRESS
    )
    if audible and participant.hearing is None:
        participant.hearing = Hearing(participant.call.party, now)
        host = participant.call is conference.host
        (conference.channel_a if host else conference.channel_b).append(participant.hearing)
    elif not audible and participant.hearing is not None:
        participant.hearing.close(now)
        participant.hearing = None
    participant.updated_at = now


def _stop_recording(
    ctx: Context, conference: Conference, recording: Recording, now: float
) -> list[Effect]:
    transition(recording, RecordingEvent.STOP, now)
    recording.stop_reason = "record_stop"
    scenario = recording.scenario
    saved_at = now + ctx.delay(scenario, scenario.recording_saved_delay)
    recording.saved = True
    url = ctx.links.recording_url(recording)
    event = events.conference_recording_saved(
        conference.host, conference.id, recording, ctx.ids.uuid4(), saved_at, url
    )
    return ctx.webhook(conference.host, event, scenario)


def _target_recording(conference: Conference, body: Body, verb: str) -> Recording:
    by_id = {recording.id: recording for recording in conference.recordings}
    return target_recording(
        body, verb, find=by_id.get, active=conference.active_recording, owner="conference"
    )


def _targets(conference: Conference, body: Body) -> list[Participant]:
    """call_control_ids named in the body, or every participant when none are."""
    ids = body.get("call_control_ids") or []
    if not ids:
        return list(conference.present())
    return [
        _participant(conference, str(ccid), f"/call_control_ids/{index}")
        for index, ccid in enumerate(ids)
    ]


def _participant(conference: Conference, call_control_id: str, pointer: str) -> Participant:
    participant = conference.participants.get(call_control_id)
    if participant is None or not participant.present:
        raise errors.conference_state(
            "The call is not a participant of this conference.", pointer=pointer
        )
    return participant


def _member_call(ctx: Context, tenant: str, call_control_id: str) -> Call:
    """A live, answered call that is in no conference yet."""
    if not is_well_formed_call_control_id(call_control_id):
        raise errors.invalid_call_control_id()
    call = ctx.tenant(tenant).calls.get(call_control_id)
    if call is None or not call.is_alive:
        raise errors.call_ended(pointer="/call_control_id")
    if call.state is not CallState.ANSWERED:
        raise errors.call_not_answered(pointer="/call_control_id")
    if call.conference_id is not None:
        raise errors.conference_state(
            "The call is already a participant of a conference.", pointer="/call_control_id"
        )
    return call
