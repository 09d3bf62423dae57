"""The simulator core: calls, recordings and commands per tenant (sans-IO).

Every entry point takes the simulated time ``now`` and returns *effects*: webhooks to send at
a time, and timers to fire later (which come back through :meth:`Simulator.fire`). The core
never reads a clock, sleeps or touches a socket, so the shell decides how time passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from mockserver import errors
from mockserver.core import events
from mockserver.core.bridging import BridgeCommands, LegRequest, scripts_its_party
from mockserver.core.calls import Call, CallEvent, CallState, Command
from mockserver.core.effects import Effect, SendWebhook, StartTimer, TimerKey
from mockserver.core.events import WebhookEvent
from mockserver.core.prompt_commands import MEDIA_TIMERS, Handler, MediaCommands
from mockserver.core.recordings import (
    IllegalTransition,
    Recording,
    RecordingEvent,
    RecordingOptions,
    RecordingState,
)
from mockserver.core.scenario import DEFAULT_SCENARIO, Scenario
from mockserver.core.tenants import TenantState
from mockserver.errors import TelnyxError
from mockserver.ids import IdFactory, is_well_formed_call_control_id, iso_timestamp_ms

__all__ = [
    "Effect",
    "RecordingLinks",
    "SendWebhook",
    "Simulator",
    "StartTimer",
    "TimerKey",
    "silence_stop_time",
]


class RecordingLinks(Protocol):
    """Makes the download URL of a recording file (the shell knows the server's address)."""

    def recording_url(self, recording: Recording) -> str: ...


@dataclass
class _Outcome:
    result: dict[str, Any]
    effects: list[Effect] = field(default_factory=list)


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


class Simulator:
    """All tenants' calls and recordings, driven by commands and timers."""

    def __init__(
        self,
        *,
        ids: IdFactory,
        links: RecordingLinks,
        scenario: Scenario = DEFAULT_SCENARIO,
        call_retention_seconds: float = 600.0,
        max_command_ids_per_call: int = 10_000,
    ) -> None:
        self.ids = ids
        self.links = links
        self.scenario = scenario
        self.call_retention_seconds = call_retention_seconds
        self.max_command_ids_per_call = max_command_ids_per_call
        self.tenants: dict[str, TenantState] = {}
        self.media = MediaCommands(ids=ids, webhook=self._webhook)
        media: dict[Command, Handler] = {
            Command.SPEAK: self.media.speak,
            Command.PLAYBACK_START: self.media.playback_start,
            Command.PLAYBACK_STOP: self.media.playback_stop,
            Command.GATHER: self.media.gather,
            Command.GATHER_USING_SPEAK: self.media.gather_using_speak,
            Command.GATHER_STOP: self.media.gather_stop,
            Command.SEND_DTMF: self.media.send_dtmf,
            Command.TRANSCRIPTION_START: self.media.transcription_start,
            Command.TRANSCRIPTION_STOP: self.media.transcription_stop,
        }
        self.bridges = BridgeCommands(
            ids=ids,
            webhook=self._webhook,
            find_call=self.find_call,
            start_leg=self._start_leg,
            end_call=self._end_call,
        )
        media[Command.BRIDGE] = self.bridges.bridge
        media[Command.TRANSFER] = self.bridges.transfer
        self._handlers: dict[Command, Callable[[Call, dict[str, Any], float], _Outcome]] = {
            Command.ANSWER: self._answer,
            Command.HANGUP: self._hangup,
            Command.REJECT: self._reject,
            Command.RECORD_START: self._record_start,
            Command.RECORD_STOP: self._record_stop,
            Command.RECORD_PAUSE: self._record_pause,
            Command.RECORD_RESUME: self._record_resume,
            **{command: _outcome_of(handler) for command, handler in media.items()},
        }

    # -- tenants -----------------------------------------------------------------------------

    def tenant(self, api_key: str) -> TenantState:
        state = self.tenants.get(api_key)
        if state is None:
            state = self.tenants[api_key] = TenantState(api_key)
        return state

    def reset(self, api_key: str | None = None) -> None:
        """Forget every call and recording (of one tenant, or of all)."""
        if api_key is None:
            self.tenants.clear()
        else:
            self.tenants.pop(api_key, None)

    # -- Dial and inbound calls --------------------------------------------------------------

    def dial(
        self, api_key: str, body: dict[str, Any], now: float
    ) -> tuple[dict[str, Any], list[Effect]]:
        """POST /v2/calls: create an outbound call; the far end answers per the scenario."""
        tenant = self.tenant(api_key)
        command_id = body.get("command_id")
        if command_id is not None:
            previous = tenant.calls.get(tenant.dial_command_ids.get(command_id, ""))
            if previous is not None:
                return self._dial_response(previous), []
        to = body["to"][0] if isinstance(body["to"], list) else body["to"]
        linked = self._linked_call(api_key, body)
        self._raise_fault(
            self.scenario.for_call(to=to, connection_id=body["connection_id"]),
            "dial",
            tenant.fault_counts,
        )
        call = Call(
            tenant=api_key,
            call_control_id=self.ids.call_control_id(),
            call_leg_id=self.ids.leg_id(now),
            call_session_id=linked.call_session_id if linked else self.ids.leg_id(now),
            connection_id=body["connection_id"],
            direction="outgoing",
            # bridge_intent: "the from number will be overwritten by the from number from the
            # linked call".
            from_number=linked.from_number
            if linked and body.get("bridge_intent")
            else body["from"],
            to=to,
            start_time=now,
            state=CallState.INITIATED,
            client_state=body.get("client_state"),
            webhook_url=body.get("webhook_url"),
            webhook_url_failover=body.get("webhook_url_failover"),
            time_limit_secs=float(body.get("time_limit_secs", 14400)),
            dial_command_id=command_id,
        )
        if body.get("record") == "record-from-answer":
            call.record_from_answer = {**body, "recording_id": self.ids.uuid4()}
        tenant.calls[call.call_control_id] = call
        if command_id is not None:
            tenant.dial_command_ids[command_id] = call.call_control_id
        call.scenario = self.scenario.for_call(to=to, connection_id=call.connection_id)
        if linked is not None and body.get("bridge_on_answer"):
            call.bridge_on_answer_to = linked
            call.party.takes_turns = not scripts_its_party(call.scenario)
        call.park_after_unbridge = body.get("park_after_unbridge") == "self"
        effects = self._ring(call, float(body.get("timeout_secs", 30)), now)
        return self._dial_response(call), effects

    def _linked_call(self, api_key: str, body: dict[str, Any]) -> Call | None:
        """Dial's link_to: the live call whose session the new leg joins."""
        link_to = body.get("link_to")
        if link_to is None:
            for name in ("bridge_on_answer", "bridge_intent", "park_after_unbridge"):
                if body.get(name):  # "When <name> is set, link_to becomes required."
                    raise errors.missing_parameter("link_to")
            return None
        return self.bridges.live_call(api_key, str(link_to), "/link_to")

    def _ring(self, call: Call, ring_timeout: float, now: float) -> list[Effect]:
        """call.initiated for a new outbound leg; the far end answers per the scenario."""
        effects = self._webhook(call, events.call_initiated(call, self.ids.uuid4(), now))
        answer_delay = self._delay(call.scenario, call.scenario.answer_delay)
        if answer_delay <= ring_timeout:
            effects.append(self._timer(now + answer_delay, "answer", call))
        else:
            effects.append(self._timer(now + ring_timeout, "ring_timeout", call))
        return effects

    def _start_leg(self, request: LegRequest, now: float) -> tuple[Call, list[Effect]]:
        """A new outbound leg for a transfer, in the session of the call it is for."""
        call = Call(
            tenant=request.tenant,
            call_control_id=self.ids.call_control_id(),
            call_leg_id=self.ids.leg_id(now),
            call_session_id=request.call_session_id,
            connection_id=request.connection_id,
            direction="outgoing",
            from_number=request.from_number,
            to=request.to,
            start_time=now,
            state=CallState.INITIATED,
            client_state=request.client_state,
            webhook_url=request.webhook_url,
            webhook_url_failover=request.webhook_url_failover,
            time_limit_secs=request.time_limit_secs,
        )
        call.scenario = self.scenario.for_call(to=request.to, connection_id=request.connection_id)
        self.tenant(request.tenant).calls[call.call_control_id] = call
        return call, self._ring(call, request.timeout_secs, now)

    def inject_inbound(
        self,
        api_key: str,
        *,
        to: str,
        from_number: str,
        connection_id: str,
        now: float,
        webhook_url: str | None = None,
        client_state: str | None = None,
    ) -> tuple[Call, list[Effect]]:
        """A call arrives from the far end: it is parked until the app answers it."""
        tenant = self.tenant(api_key)
        call = Call(
            tenant=api_key,
            call_control_id=self.ids.call_control_id(),
            call_leg_id=self.ids.leg_id(now),
            call_session_id=self.ids.leg_id(now),
            connection_id=connection_id,
            direction="incoming",
            from_number=from_number,
            to=to,
            start_time=now,
            state=CallState.PARKED,
            client_state=client_state,
            webhook_url=webhook_url,
        )
        call.scenario = self.scenario.for_call(to=to, connection_id=connection_id)
        tenant.calls[call.call_control_id] = call
        effects = self._webhook(call, events.call_initiated(call, self.ids.uuid4(), now))
        # Nobody waits on a ringing phone forever: unanswered, the caller gives up.
        effects.append(self._timer(now + call.scenario.inbound_ring_timeout, "ring_timeout", call))
        return call, effects

    def far_end_hangup(
        self, api_key: str, call_control_id: str, now: float, cause: str | None = None
    ) -> list[Effect]:
        """The simulated other party hangs up now (a caller giving up before answer cancels)."""
        call = self._lookup(api_key, call_control_id)
        call.check_command(Command.HANGUP)
        if cause is None:
            cause = "normal_clearing" if call.state is CallState.ANSWERED else "originator_cancel"
        return self._end_call(call, now, cause, self._far_end_side(call), _sip_cause(cause))

    # -- reads -------------------------------------------------------------------------------

    def get_call(self, api_key: str, call_control_id: str, now: float) -> dict[str, Any]:
        """GET /v2/calls/{id}: status as Telnyx returns it."""
        if not is_well_formed_call_control_id(call_control_id):
            raise errors.invalid_call_control_id()
        call = self.tenant(api_key).calls.get(call_control_id)
        if call is None:
            raise errors.call_not_found()
        return self._call_json(call, now)

    def find_recording(self, recording_id: str) -> Recording | None:
        """Any tenant's recording: download links are authorised by their signature."""
        for tenant in self.tenants.values():
            if recording_id in tenant.recordings:
                return tenant.recordings[recording_id]
        return None

    def find_call(self, api_key: str, call_control_id: str) -> Call | None:
        return self.tenant(api_key).calls.get(call_control_id)

    # -- commands ----------------------------------------------------------------------------

    def command(
        self, api_key: str, call_control_id: str, command: Command, body: dict[str, Any], now: float
    ) -> tuple[dict[str, Any], list[Effect]]:
        """POST /v2/calls/{id}/actions/{command} with an already validated body."""
        call = self._lookup(api_key, call_control_id)
        command_id = body.get("command_id")
        if command_id is not None and command_id in call.command_ids:
            return {"result": "ok"}, []  # Telnyx ignores a repeated command_id
        self._raise_fault(call.scenario, command.value, call.fault_counts)
        call.check_command(command)
        outcome = self._handlers[command](call, body, now)
        if command_id is not None:
            call.remember_command_id(command_id, self.max_command_ids_per_call)
        return outcome.result, outcome.effects

    def fire(self, key: TimerKey, now: float) -> list[Effect]:
        """A timer started earlier is due."""
        tenant = self.tenants.get(key.tenant)
        call = tenant.calls.get(key.call_control_id) if tenant else None
        if tenant is None or call is None:
            return []  # reset or purged meanwhile
        if key.kind == "purge":
            del tenant.calls[call.call_control_id]
            dial_id = call.dial_command_id
            if dial_id is not None and tenant.dial_command_ids.get(dial_id) == key.call_control_id:
                del tenant.dial_command_ids[dial_id]  # the Dial command_id goes with the call
            return []
        if not call.is_alive:
            return []
        if key.kind == "answer":
            return self._far_end_answers(call, now)
        if key.kind == "ring_timeout" and call.direction == "incoming":
            if call.state is not CallState.PARKED:
                return []  # answered (or ended) in time
            # As Telnyx reports a caller who hung up while parked (real payload, R7).
            return self._end_call(call, now, "originator_cancel", "caller", "487")
        if key.kind == "ring_timeout":
            return self._end_call(call, now, "timeout", "unknown", "408")
        if key.kind == "time_limit":
            return self._end_call(call, now, "time_limit", "unknown", "200")
        if key.kind == "far_end_hangup":
            return self._end_call(call, now, "normal_clearing", self._far_end_side(call), "200")
        if key.kind in MEDIA_TIMERS:
            return self.media.fire(call, key, now)
        recording = tenant.recordings.get(key.recording_id or "")
        if recording is None or recording.state is not RecordingState.RECORDING:
            return []
        if key.kind == "max_length" and recording.generation == key.generation:
            return self._stop_recording(call, recording, now, "max_length")
        if key.kind == "silence" and recording.generation == key.generation:
            return self._stop_recording(call, recording, now, "silence_timeout")
        return []

    # -- command handlers ----------------------------------------------------------------------

    def _answer(self, call: Call, body: dict[str, Any], now: float) -> _Outcome:
        self._take_client_state(call, body)
        if body.get("webhook_url"):
            call.webhook_url = body["webhook_url"]
        if body.get("webhook_url_failover"):
            call.webhook_url_failover = body["webhook_url_failover"]
        result: dict[str, Any] = {"result": "ok"}
        if body.get("record") == "record-from-answer":
            call.record_from_answer = {**body, "recording_id": self.ids.uuid4()}
            result["recording_id"] = call.record_from_answer["recording_id"]
        call.apply(CallEvent.APP_ANSWERED, now)
        return _Outcome(result, self._on_answered(call, now, "StartCallRecordingAPI"))

    def _hangup(self, call: Call, body: dict[str, Any], now: float) -> _Outcome:
        self._take_client_state(call, body)
        if call.state is CallState.ANSWERED:
            cause, sip = "normal_clearing", "200"
        else:
            cause, sip = "originator_cancel", "487"
        side = "caller" if call.direction == "outgoing" else "callee"
        return _Outcome({"result": "ok"}, self._end_call(call, now, cause, side, sip))

    def _reject(self, call: Call, body: dict[str, Any], now: float) -> _Outcome:
        # RejectRequest.cause → the hangup cause SPEC's call.hangup enum has for it.
        self._take_client_state(call, body)
        cause = {"CALL_REJECTED": "call_rejected", "USER_BUSY": "user_busy"}[body["cause"]]
        return _Outcome(
            {"result": "ok"}, self._end_call(call, now, cause, "callee", _sip_cause(cause))
        )

    def _record_start(self, call: Call, body: dict[str, Any], now: float) -> _Outcome:
        if call.active_recording is not None:
            raise errors.recording_not_active(
                "A recording is already in progress on this call; stop it first."
            )
        self._take_client_state(call, body)
        options = RecordingOptions.from_record_start(body)
        return _Outcome({"result": "ok"}, self._start_recording(call, options, now, None))

    def _record_stop(self, call: Call, body: dict[str, Any], now: float) -> _Outcome:
        recording = self._target_recording(call, body, "stop")
        self._take_client_state(call, body)
        return _Outcome({"result": "ok"}, self._stop_recording(call, recording, now, "record_stop"))

    def _record_pause(self, call: Call, body: dict[str, Any], now: float) -> _Outcome:
        recording = self._target_recording(call, body, "pause")
        self._transition(recording, RecordingEvent.PAUSE, now)
        self._take_client_state(call, body)
        return _Outcome({"result": "ok"})

    def _record_resume(self, call: Call, body: dict[str, Any], now: float) -> _Outcome:
        recording = self._target_recording(call, body, "resume")
        self._transition(recording, RecordingEvent.RESUME, now)
        self._take_client_state(call, body)
        effects = self._max_length_timer(recording, now)
        effects += self._silence_timer(recording, now)
        return _Outcome({"result": "ok"}, effects)

    # -- internals -----------------------------------------------------------------------------

    def _lookup(self, api_key: str, call_control_id: str) -> Call:
        if not is_well_formed_call_control_id(call_control_id):
            raise errors.invalid_call_control_id()
        call = self.tenant(api_key).calls.get(call_control_id)
        if call is None:
            # Unknown, purged, or another tenant's: all look like a call that is no longer
            # live, which is what Telnyx answers for a stale id (docs/fidelity.md).
            raise errors.call_ended()
        return call

    def _target_recording(self, call: Call, body: dict[str, Any], verb: str) -> Recording:
        recording_id = body.get("recording_id")
        if recording_id is not None:
            found = call.recording(recording_id)
            if found is None:
                raise errors.recording_not_found()
            if not found.is_active:
                raise errors.recording_not_active(
                    f"Recording {recording_id} has already stopped; there is nothing to {verb}."
                )
            return found
        active = call.active_recording
        if active is None:
            raise errors.recording_not_active(
                f"There is no active recording on this call to {verb}."
            )
        return active

    @staticmethod
    def _transition(recording: Recording, event: RecordingEvent, now: float) -> None:
        try:
            recording.apply(event, now)
        except IllegalTransition as exc:
            raise errors.recording_not_active(
                f"The recording cannot {event.value}: {exc}."
            ) from exc

    @staticmethod
    def _take_client_state(call: Call, body: dict[str, Any]) -> None:
        # client_state given with a command is echoed in every later webhook of the call.
        if body.get("client_state") is not None:
            call.client_state = body["client_state"]

    def _far_end_answers(self, call: Call, now: float) -> list[Effect]:
        call.apply(CallEvent.FAR_END_ANSWERED, now)
        return self._on_answered(call, now, "DialVerb")

    def _on_answered(self, call: Call, now: float, initiated_by: str) -> list[Effect]:
        effects = self._webhook(call, events.call_answered(call, self.ids.uuid4(), now))
        if call.record_from_answer is not None:
            options = RecordingOptions.from_record_from_answer(
                call.record_from_answer, initiated_by
            )
            recording_id = str(call.record_from_answer["recording_id"])
            effects += self._start_recording(call, options, now, recording_id)
        # The time limit runs from answer (inbound calls get the 4 h default too).
        effects.append(self._timer(now + call.time_limit_secs, "time_limit", call))
        hangup_after = call.scenario.hangup_after
        if hangup_after is not None:
            at = now + self._delay(call.scenario, hangup_after)
            effects.append(self._timer(at, "far_end_hangup", call))
        return effects + self.bridges.on_answered(call, now)

    def _start_recording(
        self, call: Call, options: RecordingOptions, now: float, recording_id: str | None
    ) -> list[Effect]:
        assert call.answered_at is not None
        recording = Recording(
            id=recording_id or self.ids.uuid4(),
            tenant=call.tenant,
            call_control_id=call.call_control_id,
            call_leg_id=call.call_leg_id,
            call_session_id=call.call_session_id,
            connection_id=call.connection_id,
            from_number=call.from_number,
            to=call.to,
            options=options,
            started_at=now,
            answered_at=call.answered_at,
            client_state=call.client_state,
            scenario=call.scenario.for_recording(options.custom_file_name),
            played_media=call.media.spans,  # shared: what the app plays later is heard too
            # Shared too: a party bridged later is heard from then on, on the outbound track.
            heard_peers=call.heard_peers,
            party=call.party if call.party.takes_turns else None,
        )
        call.add_recording(recording)
        self.tenants[call.tenant].recordings[recording.id] = recording
        effects = self._max_length_timer(recording, now) + self._silence_timer(recording, now)
        cut_after = recording.scenario.hangup_after_recording_start
        if cut_after is not None:
            at = now + self._delay(recording.scenario, cut_after)
            effects.append(self._timer(at, "far_end_hangup", call))
        return effects

    def _silence_timer(self, recording: Recording, now: float) -> list[Effect]:
        """Arm timeout_secs for a recording that is (again) recording from ``now``.

        A pause stops the listening: on resume the silence is counted afresh from the resume,
        and timers armed before the pause are stale (their generation is older).
        """
        if recording.options.timeout_secs <= 0:
            return []
        answered_at = recording.answered_at
        speech = self._audible_speech(recording)
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
        key = TimerKey(
            "silence",
            recording.tenant,
            recording.call_control_id,
            recording.id,
            recording.generation,
        )
        return [StartTimer(answered_at + stop_at, key)]

    @staticmethod
    def _audible_speech(recording: Recording) -> list[tuple[float, float]]:
        track, scenario = recording.options.recording_track, recording.scenario
        spans = []
        if track in ("both", "inbound"):
            spans += [(s.start, s.end) for s in scenario.inbound_speech]
        if track in ("both", "outbound"):
            spans += [(s.start, s.end) for s in scenario.outbound_speech]
        return spans

    def _max_length_timer(self, recording: Recording, now: float) -> list[Effect]:
        if recording.options.max_length <= 0:
            return []
        remaining = recording.options.max_length - recording.recorded_seconds(now)
        key = TimerKey(
            "max_length",
            recording.tenant,
            recording.call_control_id,
            recording.id,
            recording.generation,
        )
        return [StartTimer(now + max(remaining, 0.0), key)]

    def _stop_recording(
        self, call: Call, recording: Recording, now: float, reason: str
    ) -> list[Effect]:
        self._transition(recording, RecordingEvent.STOP, now)
        recording.stop_reason = reason
        scenario = recording.scenario
        saved_at = now + self._delay(scenario, scenario.recording_saved_delay)
        if scenario.recording_error is not None:
            # The scenario's storage failure: an error webhook, and no file to list or fetch.
            recording.failed = True
            event = events.recording_error(
                call, self.ids.uuid4(), saved_at, scenario.recording_error
            )
            return self._webhook(call, event, scenario)
        url = self.links.recording_url(recording)
        recording.saved = True
        effects = self._webhook(
            call, events.recording_saved(call, recording, self.ids.uuid4(), saved_at, url), scenario
        )
        if recording.options.transcription:
            text = scenario.transcription_text or _default_transcript(call, recording)
            at = saved_at + self._delay(scenario, scenario.transcription_saved_delay)
            event = events.transcription_saved(
                call, recording, self.ids.uuid4(), at, self.ids.uuid4(), text
            )
            effects += self._webhook(call, event, scenario)
        return effects

    def _end_call(
        self, call: Call, now: float, cause: str, source: str, sip_cause: str
    ) -> list[Effect]:
        call.apply(CallEvent.HANGUP, now)
        call.hangup_cause, call.hangup_source, call.sip_hangup_cause = cause, source, sip_cause
        media_effects = self.media.on_hangup(call, now)  # speak/playback/gather end first
        hangup = self._webhook(call, events.call_hangup(call, self.ids.uuid4(), now))
        active = call.active_recording
        recording_effects = self._stop_recording(call, active, now, "hangup") if active else []
        if call.scenario.webhook_faults.out_of_order and recording_effects:
            # Fault: the hangup arrives after the recording webhooks it caused.
            last = max(e.at for e in recording_effects)
            hangup = [replace(e, at=last + 0.5) for e in hangup if isinstance(e, SendWebhook)]
        effects: list[Effect] = [*media_effects, *hangup, *recording_effects]
        effects.append(self._timer(now + self.call_retention_seconds, "purge", call))
        return effects + self.bridges.on_hangup(call, now)

    @staticmethod
    def _far_end_side(call: Call) -> str:
        return "callee" if call.direction == "outgoing" else "caller"

    def _raise_fault(self, scenario: Scenario, command: str, counts: dict[str, int]) -> None:
        """The scenario's scripted error for ``command``, if it strikes this time."""
        for fault in scenario.command_faults:
            if fault.command != command:
                continue
            seen = counts.get(command, 0)
            counts[command] = seen + 1
            if fault.times is not None and seen >= fault.times:
                continue
            if fault.probability is not None and self.ids.uniform(0.0, 1.0) >= fault.probability:
                continue
            raise TelnyxError.single(fault.status, fault.code, fault.title, fault.detail)

    def _delay(self, scenario: Scenario, seconds: float) -> float:
        """A scripted delay plus the scenario's seeded jitter."""
        if scenario.jitter <= 0:
            return seconds
        return seconds + self.ids.uniform(0.0, scenario.jitter)

    def _webhook(
        self, call: Call, event: WebhookEvent, scenario: Scenario | None = None
    ) -> list[Effect]:
        """Send ``event`` after the scenario's webhook delays, with its webhook faults."""
        scenario = scenario or call.scenario
        faults = scenario.webhook_faults
        at = event.occurred_at + scenario.webhook_delay + faults.extra_delay(event.event_type)
        marks: list[str] = []
        if faults.drops(event.event_type):
            marks.append("drop")
        if faults.duplicates(event.event_type):
            marks.append("duplicate")
        if faults.signature is not None:
            marks.append(f"{faults.signature}_signature")
        return [SendWebhook(at, event, tuple(marks))]

    @staticmethod
    def _timer(at: float, kind: str, call: Call) -> StartTimer:
        return StartTimer(at, TimerKey(kind, call.tenant, call.call_control_id))

    def _dial_response(self, call: Call) -> dict[str, Any]:
        data: dict[str, Any] = {
            "call_control_id": call.call_control_id,
            "call_leg_id": call.call_leg_id,
            "call_session_id": call.call_session_id,
            "client_state": call.client_state,
            "is_alive": False,  # "For Dial command it will always be false"
            "record_type": "call",
            "call_duration": 0,
            "start_time": iso_timestamp_ms(call.start_time),
        }
        if call.record_from_answer is not None:
            data["recording_id"] = call.record_from_answer["recording_id"]
        return data

    def _call_json(self, call: Call, now: float) -> dict[str, Any]:
        end = call.ended_at if call.ended_at is not None else now
        data: dict[str, Any] = {
            "call_control_id": call.call_control_id,
            "call_leg_id": call.call_leg_id,
            "call_session_id": call.call_session_id,
            "client_state": call.client_state,
            "is_alive": call.is_alive,
            "record_type": "call",
            "call_duration": int(end - call.start_time),
            "start_time": iso_timestamp_ms(call.start_time),
        }
        if call.ended_at is not None:
            data["end_time"] = iso_timestamp_ms(call.ended_at)
        return data


def _outcome_of(handler: Handler) -> Callable[[Call, dict[str, Any], float], _Outcome]:
    def run(call: Call, body: dict[str, Any], now: float) -> _Outcome:
        result, effects = handler(call, body, now)
        return _Outcome(result, effects)

    return run


def _sip_cause(cause: str) -> str:
    return {
        "normal_clearing": "200",
        "originator_cancel": "487",
        "user_busy": "486",
        "call_rejected": "603",
        "timeout": "408",
        "no_answer": "480",
        "not_found": "404",
    }.get(cause, "unspecified")


def _default_transcript(call: Call, recording: Recording) -> str:
    return (
        f"This is a simulated transcription of recording {recording.id} on call {call.call_leg_id}."
    )
