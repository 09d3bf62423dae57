"""Call and recording transition tables, the silence rule and stale timers (no server)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from mockserver.core import calls, recordings
from mockserver.core.calls import Call, CallEvent, CallState
from mockserver.core.commands import COMMANDS, NEEDS_ANSWER, Command, check_command
from mockserver.core.effects import TimerKind
from mockserver.core.recordings import (
    IllegalTransition,
    Recording,
    RecordingEvent,
    RecordingOptions,
    RecordingState,
)
from mockserver.core.simulator import Effect, Simulator, StartTimer, TimerKey, silence_stop_time
from mockserver.errors import TelnyxError
from mockserver.ids import IdFactory

T0 = 1_790_000_000.0
KEY = "KEY_UNIT"

# speak, playback, gather, send_dtmf, transcription: they need media on the call.
MEDIA_COMMANDS = {
    Command.SPEAK,
    Command.PLAYBACK_START,
    Command.PLAYBACK_STOP,
    Command.GATHER,
    Command.GATHER_USING_SPEAK,
    Command.GATHER_STOP,
    Command.SEND_DTMF,
    Command.TRANSCRIPTION_START,
    Command.TRANSCRIPTION_STOP,
}
# What the COMMANDS table refuses, as (state, command) -> the refusal.
COMMAND_RULES = {
    (state, command): refusal
    for command, spec in COMMANDS.items()
    for state, refusal in spec.refusals.items()
}

# (state, command) -> (HTTP status, Telnyx code) that Telnyx answers; everything else is allowed.
EXPECTED_REFUSALS: dict[tuple[CallState, Command], tuple[int, str]] = {
    (CallState.INITIATED, Command.ANSWER): (422, "10015"),
    (CallState.INITIATED, Command.RECORD_START): (422, "90020"),
    (CallState.INITIATED, Command.RECORD_STOP): (422, "90034"),
    (CallState.INITIATED, Command.RECORD_PAUSE): (422, "90034"),
    (CallState.INITIATED, Command.RECORD_RESUME): (422, "90034"),
    (CallState.PARKED, Command.RECORD_START): (422, "90034"),
    (CallState.PARKED, Command.RECORD_STOP): (422, "90034"),
    (CallState.PARKED, Command.RECORD_PAUSE): (422, "90034"),
    (CallState.PARKED, Command.RECORD_RESUME): (422, "90034"),
    (CallState.ANSWERED, Command.ANSWER): (422, "10015"),
    # speak, playback, gather, send_dtmf, transcription need an answered call (SPEC 90034).
    **{(CallState.INITIATED, command): (422, "90034") for command in MEDIA_COMMANDS},
    **{(CallState.PARKED, command): (422, "90034") for command in MEDIA_COMMANDS},
    # reject is for an incoming call that is not answered yet.
    (CallState.INITIATED, Command.REJECT): (422, "10015"),
    (CallState.ANSWERED, Command.REJECT): (422, "10015"),
    # bridge and transfer need the path's leg answered.
    **{
        (state, command): (422, "90034")
        for state in (CallState.INITIATED, CallState.PARKED)
        for command in (Command.BRIDGE, Command.TRANSFER)
    },
    **{(CallState.ENDED, command): (422, "90018") for command in Command},
}
ALL_PAIRS = list(itertools.product(CallState, Command))
ALLOWED = [pair for pair in ALL_PAIRS if pair not in EXPECTED_REFUSALS]


def make_call(state: CallState) -> Call:
    return Call(
        tenant=KEY,
        call_control_id="v3:" + "A" * 54,
        call_leg_id="2dc6fc34-f9e0-11ea-b68e-02420a0f7768",
        call_session_id="2dc1b3c8-f9e0-11ea-bc5a-02420a0f7768",
        connection_id="1684641123236054244",
        direction="outgoing",
        from_number="+13125550111",
        to="+13125550100",
        start_time=T0,
        state=state,
    )


def make_recording(state: RecordingState = RecordingState.RECORDING) -> Recording:
    return Recording(
        id="d7e9c1d4-8b2a-4b8f-b3a7-9a671c9e9b0a",
        tenant=KEY,
        call_control_id="v3:" + "A" * 54,
        call_leg_id="2dc6fc34-f9e0-11ea-b68e-02420a0f7768",
        call_session_id="2dc1b3c8-f9e0-11ea-bc5a-02420a0f7768",
        connection_id="1684641123236054244",
        from_number="+13125550111",
        to="+13125550100",
        options=RecordingOptions(format="mp3", channels="dual"),
        started_at=T0,
        answered_at=T0,
        state=state,
    )


# -- call command rules -------------------------------------------------------------------------


def test_command_rules_table_lists_exactly_the_refusals_telnyx_makes() -> None:
    assert set(COMMAND_RULES) == set(EXPECTED_REFUSALS)


@pytest.mark.parametrize(("state", "command"), list(EXPECTED_REFUSALS), ids=str)
def test_refused_command_raises_the_listed_telnyx_error(state: CallState, command: Command) -> None:
    call = make_call(state)
    with pytest.raises(TelnyxError) as caught:
        check_command(call, command)
    status, code = EXPECTED_REFUSALS[(state, command)]
    assert caught.value.status == status
    assert [item.code for item in caught.value.items] == [code]
    # The rule itself builds the same error (the table is the behaviour).
    assert [item.code for item in COMMAND_RULES[(state, command)]().items] == [code]


def test_ended_call_error_is_telnyx_call_has_already_ended() -> None:
    with pytest.raises(TelnyxError) as caught:
        check_command(make_call(CallState.ENDED), Command.HANGUP)
    item = caught.value.items[0]
    assert (item.code, item.title) == ("90018", "Call has already ended")
    assert item.detail == "This call is no longer active and can't receive commands."


def test_record_start_before_audio_is_90020_with_telnyx_wording() -> None:
    with pytest.raises(TelnyxError) as caught:
        check_command(make_call(CallState.INITIATED), Command.RECORD_START)
    item = caught.value.items[0]
    assert item.title == "Call recording triggered before audio started"
    assert item.detail == "Call recording cannot be started until audio has commenced on the call."


@pytest.mark.parametrize(("state", "command"), ALLOWED, ids=str)
def test_allowed_command_does_not_raise(state: CallState, command: Command) -> None:
    check_command(make_call(state), command)


def test_allowed_commands_are_the_expected_ones() -> None:
    assert set(ALLOWED) == {
        (CallState.INITIATED, Command.HANGUP),
        (CallState.PARKED, Command.ANSWER),
        (CallState.PARKED, Command.HANGUP),
        (CallState.PARKED, Command.REJECT),
        *((CallState.ANSWERED, c) for c in Command if c not in (Command.ANSWER, Command.REJECT)),
    }


def test_every_command_is_in_the_commands_table() -> None:
    assert set(COMMANDS) == set(Command)


def test_commands_refused_only_until_answer_are_media_recording_control_and_bridging() -> None:
    needs_answer = {command for command, spec in COMMANDS.items() if spec.refusals is NEEDS_ANSWER}
    recording_control = {Command.RECORD_STOP, Command.RECORD_PAUSE, Command.RECORD_RESUME}
    bridging = {Command.BRIDGE, Command.TRANSFER}
    assert needs_answer == MEDIA_COMMANDS | recording_control | bridging


@pytest.mark.parametrize(("state", "event"), list(itertools.product(CallState, CallEvent)), ids=str)
def test_call_transitions_follow_the_table(state: CallState, event: CallEvent) -> None:
    call = make_call(state)
    target = calls.TRANSITIONS.get((state, event))
    if target is None:
        with pytest.raises(ValueError):
            call.apply(event, T0 + 1)
        assert call.state is state
        return
    assert call.apply(event, T0 + 1) is target
    assert call.state is target
    if target is CallState.ANSWERED:
        assert call.answered_at == T0 + 1 and call.is_alive
    if target is CallState.ENDED:
        assert call.ended_at == T0 + 1 and not call.is_alive


# -- recording transitions ----------------------------------------------------------------------

RECORDING_PAIRS = list(itertools.product(RecordingState, RecordingEvent))
LEGAL = [pair for pair in RECORDING_PAIRS if pair in recordings.TRANSITIONS]
ILLEGAL = [pair for pair in RECORDING_PAIRS if pair not in recordings.TRANSITIONS]


def test_recording_table_is_recording_paused_stopped() -> None:
    assert recordings.TRANSITIONS == {
        (RecordingState.RECORDING, RecordingEvent.PAUSE): RecordingState.PAUSED,
        (RecordingState.PAUSED, RecordingEvent.RESUME): RecordingState.RECORDING,
        (RecordingState.RECORDING, RecordingEvent.STOP): RecordingState.STOPPED,
        (RecordingState.PAUSED, RecordingEvent.STOP): RecordingState.STOPPED,
    }
    assert set(ILLEGAL) == {
        (RecordingState.RECORDING, RecordingEvent.RESUME),
        (RecordingState.PAUSED, RecordingEvent.PAUSE),
        (RecordingState.STOPPED, RecordingEvent.PAUSE),
        (RecordingState.STOPPED, RecordingEvent.RESUME),
        (RecordingState.STOPPED, RecordingEvent.STOP),
    }


@pytest.mark.parametrize(("state", "event"), LEGAL, ids=str)
def test_legal_recording_transition_moves_and_bumps_generation(
    state: RecordingState, event: RecordingEvent
) -> None:
    recording = make_recording(state)
    before = recording.generation
    assert recording.apply(event, T0 + 2) is recordings.TRANSITIONS[(state, event)]
    assert recording.state is recordings.TRANSITIONS[(state, event)]
    assert recording.generation == before + 1
    if recording.state is RecordingState.STOPPED:
        assert recording.ended_at == T0 + 2 and not recording.is_active
    else:
        assert recording.is_active and recording.ended_at is None


@pytest.mark.parametrize(("state", "event"), ILLEGAL, ids=str)
def test_illegal_recording_transition_raises_and_changes_nothing(
    state: RecordingState, event: RecordingEvent
) -> None:
    recording = make_recording(state)
    generation, segments = recording.generation, list(recording.segments)
    with pytest.raises(IllegalTransition) as caught:
        recording.apply(event, T0 + 2)
    assert (caught.value.state, caught.value.event) == (state, event)
    assert recording.state is state
    assert recording.generation == generation and recording.segments == segments


def test_recorded_seconds_excludes_paused_spans() -> None:
    recording = make_recording()
    assert recording.recorded_seconds(T0 + 2) == 2
    recording.apply(RecordingEvent.PAUSE, T0 + 2)
    assert recording.recorded_seconds(T0 + 4) == 2  # paused: the clock does not count
    recording.apply(RecordingEvent.RESUME, T0 + 5)
    assert recording.recorded_seconds(T0 + 6) == 3
    recording.apply(RecordingEvent.PAUSE, T0 + 7)
    recording.apply(RecordingEvent.STOP, T0 + 20)  # stopped while paused: nothing added
    assert recording.recorded_seconds(T0 + 100) == 4
    assert recording.segments == [(T0, T0 + 2), (T0 + 5, T0 + 7)]
    assert recording.media_segments() == [(0, 2), (5, 7)]
    assert recording.ended_at == T0 + 20


def test_recording_stopped_while_recording_closes_its_last_segment() -> None:
    recording = make_recording()
    recording.apply(RecordingEvent.STOP, T0 + 3)
    assert recording.segments == [(T0, T0 + 3)]
    assert recording.recorded_seconds(T0 + 50) == 3


# -- silence_stop_time --------------------------------------------------------------------------

DEFAULT_BOTH = [(0.5, 4.0), (9.0, 14.0), (4.5, 8.5)]


@pytest.mark.parametrize(
    ("speech", "start", "timeout", "expected"),
    [
        pytest.param(DEFAULT_BOTH, 0.0, 0, None, id="zero-timeout-means-never"),
        pytest.param(DEFAULT_BOTH, 0.0, 3, 17.0, id="both-tracks: gaps<3, stop 3s after 14"),
        pytest.param([(0.5, 4.0), (9.0, 14.0)], 0.0, 3, 7.0, id="inbound-only: 5s gap stops at 7"),
        pytest.param([(0.5, 4.0), (9.0, 14.0)], 0.0, 6, 20.0, id="gap shorter than timeout"),
        pytest.param([(4.5, 8.5)], 0.0, 3, 11.5, id="outbound-only"),
        pytest.param([], 0.0, 3, None, id="no-speech: timer never starts"),
        pytest.param([(0.5, 4.0)], 5.0, 3, None, id="speech only before start is not heard"),
        pytest.param([(0.5, 4.0), (9.0, 14.0)], 2.0, 3, 7.0, id="start mid-speech"),
        pytest.param([(0.5, 4.0), (9.0, 14.0)], 5.0, 3, 17.0, id="timer waits for first speech"),
        pytest.param([(0.0, 2.0), (5.0, 6.0)], 0.0, 3, 5.0, id="gap equal to timeout stops"),
        pytest.param([(0.0, 5.0), (1.0, 2.0), (6.0, 7.0)], 0.0, 3, 10.0, id="overlapping spans"),
    ],
)
def test_silence_stop_time(
    speech: list[tuple[float, float]], start: float, timeout: float, expected: float | None
) -> None:
    assert silence_stop_time(speech, start, timeout) == expected


# -- Simulator.fire and stale timers ------------------------------------------------------------


class DummyLinks:
    def recording_url(self, recording: Recording) -> str:
        return f"http://mock.invalid/{recording.id}.{recording.options.format}"


def state_of(recording: Recording) -> RecordingState:
    return recording.state  # read afresh: the simulator changes it behind mypy's back


def timers(effects: list[Effect], kind: str) -> list[StartTimer]:
    return [e for e in effects if isinstance(e, StartTimer) and e.key.kind == kind]


def answered(sim: Simulator) -> tuple[str, float]:
    data, effects = sim.dial(
        KEY,
        {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"},
        T0,
    )
    (answer,) = timers(effects, "answer")
    sim.fire(answer.key, answer.at)
    return str(data["call_control_id"]), answer.at


def start(sim: Simulator, ccid: str, now: float, **options: Any) -> list[Effect]:
    body = {"format": "mp3", "channels": "single", **options}
    _, effects = sim.command(KEY, ccid, Command.RECORD_START, body, now)
    return effects


def test_fire_ignores_a_max_length_timer_from_a_stale_generation() -> None:
    sim = Simulator(ids=IdFactory(3), links=DummyLinks())
    ccid, t = answered(sim)
    (first,) = timers(start(sim, ccid, t, max_length=5), "max_length")
    assert first.at == t + 5 and first.key.generation == 0
    sim.command(KEY, ccid, Command.RECORD_PAUSE, {}, t + 1)
    _, effects = sim.command(KEY, ccid, Command.RECORD_RESUME, {}, t + 2)
    (second,) = timers(effects, "max_length")
    assert second.at == t + 6 and second.key.generation == 2

    assert sim.fire(first.key, first.at) == []  # stale: paused and resumed meanwhile
    call = sim.find_call(KEY, ccid)
    assert call is not None and call.active_recording is not None
    recording = call.active_recording
    assert state_of(recording) is RecordingState.RECORDING

    effects = sim.fire(second.key, second.at)
    assert state_of(recording) is RecordingState.STOPPED and recording.stop_reason == "max_length"
    assert recording.recorded_seconds(t + 100) == 5
    assert len(effects) == 1  # the saved webhook
    assert sim.fire(second.key, second.at + 1) == []  # and never twice


def test_fire_ignores_a_max_length_timer_while_paused() -> None:
    sim = Simulator(ids=IdFactory(3), links=DummyLinks())
    ccid, t = answered(sim)
    (timer,) = timers(start(sim, ccid, t, max_length=5), "max_length")
    sim.command(KEY, ccid, Command.RECORD_PAUSE, {}, t + 1)
    # A key forged with the paused generation is still ignored: paused recordings do not stop.
    paused_key = TimerKey(
        TimerKind.MAX_LENGTH, KEY, ccid, timer.key.recording_id, timer.key.generation + 1
    )
    assert sim.fire(paused_key, t + 5) == []
    call = sim.find_call(KEY, ccid)
    assert call is not None and call.active_recording is not None
    assert call.active_recording.state is RecordingState.PAUSED


def test_fire_ignores_timers_of_ended_or_unknown_calls() -> None:
    sim = Simulator(ids=IdFactory(3), links=DummyLinks())
    ccid, t = answered(sim)
    (timer,) = timers(start(sim, ccid, t, max_length=5), "max_length")
    _, hangup_effects = sim.command(KEY, ccid, Command.HANGUP, {}, t + 1)
    assert sim.fire(timer.key, timer.at) == []
    (purge,) = timers(hangup_effects, "purge")
    assert purge.at == t + 1 + sim.call_retention_seconds
    assert sim.fire(purge.key, purge.at) == []
    assert sim.find_call(KEY, ccid) is None
    assert sim.fire(timer.key, timer.at) == []  # the call is gone: nothing to do
    assert sim.fire(TimerKey(TimerKind.ANSWER, "NOBODY", ccid), t) == []


def test_silence_timer_is_armed_at_the_computed_media_time() -> None:
    sim = Simulator(ids=IdFactory(3), links=DummyLinks())
    ccid, t = answered(sim)
    (silence,) = timers(start(sim, ccid, t, timeout_secs=3), "silence")
    assert silence.at == t + 17  # default scenario, both tracks
    (inbound,) = timers(
        start(sim, *answered(sim), timeout_secs=3, recording_track="inbound"), "silence"
    )
    assert inbound.at == t + 7


@pytest.mark.parametrize(
    ("speech", "start", "expected"),
    [
        pytest.param([(0.5, 4.0), (9.0, 14.0)], 8.5, 17.0, id="speech-soon-after-resume"),
        pytest.param([(0.5, 4.0), (9.0, 14.0)], 5.0, 8.0, id="silence-from-resume"),
        pytest.param([(0.5, 4.0)], 20.0, 23.0, id="no-more-speech-still-stops"),
        pytest.param([(0.0, 30.0)], 20.0, 33.0, id="resumed-mid-speech"),
    ],
)
def test_silence_stop_time_when_speech_was_heard_before_a_pause(
    speech: list[tuple[float, float]], start: float, expected: float
) -> None:
    assert silence_stop_time(speech, start, 3, heard=True) == expected


def test_fire_ignores_a_silence_timer_armed_before_a_pause() -> None:
    sim = Simulator(ids=IdFactory(3), links=DummyLinks())
    ccid, t = answered(sim)
    (first,) = timers(start(sim, ccid, t, timeout_secs=3, recording_track="inbound"), "silence")
    assert first.at == t + 7 and first.key.generation == 0
    sim.command(KEY, ccid, Command.RECORD_PAUSE, {}, t + 5)
    _, effects = sim.command(KEY, ccid, Command.RECORD_RESUME, {}, t + 6)
    (second,) = timers(effects, "silence")
    assert second.key.generation == 2
    assert second.at == t + 9  # heard before the pause: 3 s of silence counted from resume
    assert sim.fire(first.key, first.at) == []
    call = sim.find_call(KEY, ccid)
    assert call is not None and call.active_recording is not None
    recording = call.active_recording
    assert len(sim.fire(second.key, second.at)) == 1
    assert state_of(recording) is RecordingState.STOPPED
    assert recording.stop_reason == "silence_timeout"


def test_resume_without_timeout_secs_arms_no_silence_timer() -> None:
    sim = Simulator(ids=IdFactory(3), links=DummyLinks())
    ccid, t = answered(sim)
    assert timers(start(sim, ccid, t), "silence") == []
    sim.command(KEY, ccid, Command.RECORD_PAUSE, {}, t + 1)
    _, effects = sim.command(KEY, ccid, Command.RECORD_RESUME, {}, t + 2)
    assert effects == []
