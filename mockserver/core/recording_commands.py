"""record_start, record_stop, record_pause, record_resume and the recording timers (sans-IO).

Handlers follow :data:`mockserver.core.context.Handler`; the recording's own states are the
table in core/recordings.py. A recording is stopped by record_stop, by the call's hangup, by
``max_length`` or by ``timeout_secs`` of silence; the last two are timers whose generation
goes stale when the recording is paused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver import errors
from mockserver.core import events
from mockserver.core.calls import Call
from mockserver.core.context import OK, Body, Context, Result, call_timer, take_client_state
from mockserver.core.effects import Effect, StartTimer, TimerKey, TimerKind
from mockserver.core.parties import Hearing
from mockserver.core.recording_queries import is_completed
from mockserver.core.recording_transcriptions import RecordingTranscription
from mockserver.core.recordings import (
    IllegalTransition,
    Recording,
    RecordingEvent,
    RecordingOptions,
    RecordingState,
)

__all__ = [
    "completed_recording",
    "forget_recording",
    "max_length_reached",
    "record_pause",
    "record_resume",
    "record_start",
    "record_stop",
    "silence_reached",
    "silence_stop_time",
    "start_recording",
    "stop_recording",
    "target_recording",
    "transition",
]


def record_start(ctx: Context, call: Call, body: Body, now: float) -> Result:
    if call.active_recording is not None and not call.scenario.parallel_recordings:
        # The strict answer by default; recordings.parallel lets a second one start.
        raise errors.recording_not_active(
            "A recording is already in progress on this call; stop it first."
        )
    take_client_state(call, body)
    options = RecordingOptions.from_record_start(body)
    return OK, start_recording(ctx, call, options, now, None)


def record_stop(ctx: Context, call: Call, body: Body, now: float) -> Result:
    recording = _target_recording(call, body, "stop")
    take_client_state(call, body)
    return OK, stop_recording(ctx, call, recording, now, "record_stop")


def record_pause(ctx: Context, call: Call, body: Body, now: float) -> Result:
    recording = _target_recording(call, body, "pause")
    transition(recording, RecordingEvent.PAUSE, now)
    take_client_state(call, body)
    return OK, []


def record_resume(ctx: Context, call: Call, body: Body, now: float) -> Result:
    recording = _target_recording(call, body, "resume")
    transition(recording, RecordingEvent.RESUME, now)
    take_client_state(call, body)
    return OK, _max_length_timer(recording, now) + _silence_timer(recording, now)


def completed_recording(
    ctx: Context, api_key: str, recording_id: str, pointer: str = "/recording_id"
) -> Recording:
    """One of the tenant's saved recordings: the only ones the API lists, serves or deletes."""
    recording = ctx.existing(api_key).recordings.get(recording_id)
    if recording is None or not is_completed(recording):
        raise errors.recording_not_found(pointer=pointer)
    return recording


def forget_recording(ctx: Context, recording: Recording) -> None:
    """A deleted recording goes everywhere: from the tenant's list and from its call's."""
    tenant = ctx.tenant(recording.tenant)
    tenant.recordings.pop(recording.id, None)
    call = tenant.calls.get(recording.call_control_id)
    if call is not None:
        call.remove_recording(recording.id)
    ctx.forget_if_empty(recording.tenant)


def max_length_reached(ctx: Context, call: Call, key: TimerKey, now: float) -> list[Effect]:
    return _stop_on_timer(ctx, call, key, now, "max_length")


def silence_reached(ctx: Context, call: Call, key: TimerKey, now: float) -> list[Effect]:
    return _stop_on_timer(ctx, call, key, now, "silence_timeout")


def _stop_on_timer(
    ctx: Context, call: Call, key: TimerKey, now: float, reason: str
) -> list[Effect]:
    recording = ctx.tenant(call.tenant).recordings.get(key.recording_id or "")
    if recording is None or recording.state is not RecordingState.RECORDING:
        return []
    if recording.generation != key.generation:
        return []  # paused (and maybe resumed) since the timer was armed
    return stop_recording(ctx, call, recording, now, reason)


def recording_of_leg(
    ctx: Context,
    leg: Call,
    options: RecordingOptions,
    now: float,
    *,
    answered_at: float,
    recording_id: str | None = None,
    **audio: Any,
) -> Recording:
    """A new recording made on ``leg``: its ids, numbers, client_state and scenario variant;
    ``audio`` says what the file hears (played media, peers, hearings)."""
    return Recording(
        id=recording_id or ctx.ids.uuid4(),
        tenant=leg.tenant,
        call_control_id=leg.call_control_id,
        call_leg_id=leg.call_leg_id,
        call_session_id=leg.call_session_id,
        connection_id=leg.connection_id,
        from_number=leg.from_number,
        to=leg.to,
        options=options,
        started_at=now,
        answered_at=answered_at,
        client_state=leg.client_state,
        scenario=leg.scenario.for_recording(options.custom_file_name),
        **audio,
    )


def start_recording(
    ctx: Context, call: Call, options: RecordingOptions, now: float, recording_id: str | None
) -> list[Effect]:
    assert call.answered_at is not None
    recording = recording_of_leg(
        ctx,
        call,
        options,
        now,
        recording_id=recording_id,
        answered_at=call.answered_at,
        played_media=call.media.spans,  # shared: what the app plays later is heard too
        # Shared too: a party bridged later is heard from then on, on the outbound track.
        heard_peers=call.heard_peers,
        inbound_hearings=[Hearing(call.party, call.answered_at)]
        if call.party.takes_turns
        else None,
    )
    call.add_recording(recording)
    ctx.tenant(call.tenant).recordings[recording.id] = recording
    effects = _max_length_timer(recording, now) + _silence_timer(recording, now)
    cut_after = recording.scenario.hangup_after_recording_start
    if cut_after is not None:
        at = now + ctx.delay(recording.scenario, cut_after)
        effects.append(call_timer(at, TimerKind.FAR_END_HANGUP, call))
    return effects


def stop_recording(
    ctx: Context, call: Call, recording: Recording, now: float, reason: str
) -> list[Effect]:
    transition(recording, RecordingEvent.STOP, now)
    recording.stop_reason = reason
    scenario = recording.scenario
    saved_at = now + ctx.delay(scenario, scenario.recording_saved_delay)
    if scenario.recording_error is not None:
        # The scenario's storage failure: an error webhook, and no file to list or fetch.
        recording.failed = True
        event = events.recording_error(call, ctx.ids.uuid4(), saved_at, scenario.recording_error)
        return ctx.webhook(call, event, scenario)
    url = ctx.links.recording_url(recording)
    recording.saved = True
    effects = ctx.webhook(
        call, events.recording_saved(call, recording, ctx.ids.uuid4(), saved_at, url), scenario
    )
    if recording.options.transcription:
        text = scenario.transcription_text or _default_transcript(call, recording)
        at = saved_at + ctx.delay(scenario, scenario.transcription_saved_delay)
        event_id, transcription_id = ctx.ids.uuid4(), ctx.ids.uuid4()
        # The /v2/recording_transcriptions resource, shown from when the webhook is due.
        ctx.tenant(call.tenant).transcriptions[transcription_id] = RecordingTranscription(
            id=transcription_id,
            tenant=call.tenant,
            recording_id=recording.id,
            created_at=at,
            duration_millis=int(recording.recorded_seconds(now) * 1000),
            text=text,
        )
        event = events.transcription_saved(call, recording, event_id, at, transcription_id, text)
        effects += ctx.webhook(call, event, scenario)
    return effects


def silence_stop_time(
    speech: list[tuple[float, float]], start: float, timeout: float, *, heard: bool = False
) -> float | None:
    """When a silence timeout of ``timeout`` s stops a recording that started at ``start``.

    Times are media seconds. The timer runs only once speech has been detected (Telnyx's
    rule), i.e. from the end of the first speech that is heard after ``start``; ``heard``
    says speech was already detected before ``start`` (a recording resumed after a pause),
    so the silence is counted from ``start`` itself.
    """
    if timeout <= 0:
        return None
    cursor = start
    for span_start, span_end in sorted(speech):
        if span_end <= start:
            continue
        if heard and span_start - cursor >= timeout:
            return cursor + timeout
        heard = True
        cursor = max(cursor, span_end)
    return cursor + timeout if heard else None


def _target_recording(call: Call, body: Body, verb: str) -> Recording:
    active = call.active_recordings()  # the newest: the only one unless recordings.parallel
    return target_recording(
        body, verb, find=call.recording, active=active[-1] if active else None, owner="call"
    )


def target_recording(
    body: Body,
    verb: str,
    *,
    find: Callable[[str], Recording | None],
    active: Recording | None,
    owner: str,
) -> Recording:
    """The recording a stop/pause/resume acts on: ``recording_id``'s, else the active one
    (calls and conferences alike)."""
    recording_id = body.get("recording_id")
    if recording_id is not None:
        found = find(recording_id)
        if found is None:
            raise errors.recording_not_found()
        if not found.is_active:
            raise errors.recording_not_active(
                f"Recording {recording_id} has already stopped; there is nothing to {verb}."
            )
        return found
    if active is None:
        raise errors.recording_not_active(
            f"There is no active recording on this {owner} to {verb}."
        )
    return active


def transition(recording: Recording, event: RecordingEvent, now: float) -> None:
    """Apply ``event``; a state that refuses it is Telnyx's 422."""
    try:
        recording.apply(event, now)
    except IllegalTransition as exc:
        raise errors.recording_not_active(f"The recording cannot {event.value}: {exc}.") from exc


def _silence_timer(recording: Recording, now: float) -> list[Effect]:
    """Arm timeout_secs for a recording that is (again) recording from ``now``.

    A pause stops the listening: on resume the silence is counted afresh from the resume,
    and timers armed before the pause are stale (their generation is older).
    """
    if recording.options.timeout_secs <= 0:
        return []
    answered_at = recording.answered_at
    speech = _audible_speech(recording)
    heard = any(
        max(s_start, seg_start) < min(s_end, seg_end)
        for s_start, s_end in speech
        for seg_start, seg_end in recording.media_segments()
    )
    stop_at = silence_stop_time(
        speech, now - answered_at, recording.options.timeout_secs, heard=heard
    )
    if stop_at is None:
        return []
    return [StartTimer(answered_at + stop_at, _recording_key(TimerKind.SILENCE, recording))]


def _audible_speech(recording: Recording) -> list[tuple[float, float]]:
    track, scenario = recording.options.recording_track, recording.scenario
    spans = []
    if track in ("both", "inbound"):
        spans += [(s.start, s.end) for s in scenario.inbound_speech]
    if track in ("both", "outbound"):
        spans += [(s.start, s.end) for s in scenario.outbound_speech]
    return spans


def _max_length_timer(recording: Recording, now: float) -> list[Effect]:
    if recording.options.max_length <= 0:
        return []
    remaining = recording.options.max_length - recording.recorded_seconds(now)
    key = _recording_key(TimerKind.MAX_LENGTH, recording)
    return [StartTimer(now + max(remaining, 0.0), key)]


def _recording_key(kind: TimerKind, recording: Recording) -> TimerKey:
    return TimerKey(
        kind, recording.tenant, recording.call_control_id, recording.id, recording.generation
    )


def _default_transcript(call: Call, recording: Recording) -> str:
    return (
        f"This is a simulated transcription of recording {recording.id} on call {call.call_leg_id}."
    )
