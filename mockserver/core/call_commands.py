"""A call's life (sans-IO): Dial, inbound calls, answer, hangup, reject, and the call's timers.

Handlers follow :data:`mockserver.core.context.Handler`; the call's states are the table in
core/calls.py. Ending a call ends what it plays (prompt_commands) and its recording
(recording_commands), then the call is forgotten ``call_retention_seconds`` later.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mockserver import errors
from mockserver.config import Connection
from mockserver.core import bridging, conferences, events, prompt_commands
from mockserver.core.calls import Call, CallEvent, CallState
from mockserver.core.context import OK, Body, Context, Result, call_timer, take_client_state
from mockserver.core.effects import Effect, SendWebhook, TimerKey, TimerKind
from mockserver.core.legs import ring
from mockserver.core.recording_commands import start_recording, stop_recording
from mockserver.core.recordings import RecordingOptions
from mockserver.core.webhook_routing import WebhookRouting, routing_from_body

__all__ = [
    "answer",
    "dial",
    "end_call",
    "far_end_answers",
    "far_end_hangs_up",
    "far_end_hangup",
    "hangup",
    "inject_inbound",
    "purge",
    "reject",
    "ring_timeout",
    "sip_cause",
    "time_limit_reached",
]

# Hangup cause → the SIP response code call.hangup reports with it.
SIP_CAUSES = {
    "normal_clearing": "200",
    "time_limit": "200",
    "originator_cancel": "487",
    "user_busy": "486",
    "call_rejected": "603",
    "timeout": "408",
    "no_answer": "480",
    "not_found": "404",
}

# RejectRequest.cause → the hangup cause SPEC's call.hangup enum has for it.
_REJECT_CAUSES = {"CALL_REJECTED": "call_rejected", "USER_BUSY": "user_busy"}


def sip_cause(cause: str) -> str:
    return SIP_CAUSES.get(cause, "unspecified")


def dial(ctx: Context, api_key: str, body: Body, now: float) -> tuple[Call, list[Effect]]:
    """Create an outbound call (the caller has checked Dial's command_id): call.initiated now,
    then the far end answers per the scenario, or the ring times out."""
    tenant = ctx.tenant(api_key)
    command_id = body.get("command_id")
    to = body["to"][0] if isinstance(body["to"], list) else body["to"]
    connection = ctx.connection(body["connection_id"])
    linked = _linked_call(ctx, api_key, body)
    ctx.raise_fault(
        ctx.scenario.for_call(to=to, connection_id=body["connection_id"]),
        "dial",
        tenant.fault_counts,
    )
    call = Call(
        tenant=api_key,
        call_control_id=ctx.ids.call_control_id(),
        call_leg_id=ctx.ids.leg_id(now),
        call_session_id=linked.call_session_id if linked else ctx.ids.leg_id(now),
        connection_id=body["connection_id"],
        direction="outgoing",
        # bridge_intent: "the from number will be overwritten by the from number from the
        # linked call".
        from_number=linked.from_number if linked and body.get("bridge_intent") else body["from"],
        to=to,
        start_time=now,
        state=CallState.INITIATED,
        client_state=body.get("client_state"),
        webhook_url=body.get("webhook_url"),
        webhook_url_failover=body.get("webhook_url_failover"),
        time_limit_secs=float(body.get("time_limit_secs", 14400)),
        dial_command_id=command_id,
        routing=routing_from_body(body, WebhookRouting()),
    )
    use_connection(call, connection)
    if body.get("record") == "record-from-answer":
        call.record_from_answer = {**body, "recording_id": ctx.ids.uuid4()}
    tenant.calls[call.call_control_id] = call
    if command_id is not None:
        tenant.dial_command_ids[command_id] = call.call_control_id
    call.scenario = ctx.scenario.for_call(to=to, connection_id=call.connection_id)
    if linked is not None and body.get("bridge_on_answer"):
        call.bridge_on_answer_to = linked
        linked.pending_legs.append(call)
        call.party.takes_turns = not bridging.scripts_its_party(call.scenario)
    call.park_after_unbridge = body.get("park_after_unbridge") == "self"
    return call, ring(ctx, call, float(body.get("timeout_secs", 30)), now)


def _linked_call(ctx: Context, api_key: str, body: Body) -> Call | None:
    """Dial's link_to: the live call whose session the new leg joins."""
    link_to = body.get("link_to")
    if link_to is None:
        for name in ("bridge_on_answer", "bridge_intent", "park_after_unbridge"):
            if body.get(name):  # "When <name> is set, link_to becomes required."
                raise errors.missing_parameter("link_to")
        return None
    return bridging.live_call(ctx, api_key, str(link_to), "/link_to")


def inject_inbound(
    ctx: Context,
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
    call = Call(
        tenant=api_key,
        call_control_id=ctx.ids.call_control_id(),
        call_leg_id=ctx.ids.leg_id(now),
        call_session_id=ctx.ids.leg_id(now),
        connection_id=connection_id,
        direction="incoming",
        from_number=from_number,
        to=to,
        start_time=now,
        state=CallState.PARKED,
        client_state=client_state,
        webhook_url=webhook_url,
    )
    use_connection(call, ctx.connection(connection_id))
    call.scenario = ctx.scenario.for_call(to=to, connection_id=connection_id)
    ctx.tenant(api_key).calls[call.call_control_id] = call
    effects = ctx.webhook(call, events.call_initiated(call, ctx.ids.uuid4(), now))
    # Nobody waits on a ringing phone forever: unanswered, the caller gives up.
    ring_timeout_at = now + call.scenario.inbound_ring_timeout
    effects.append(call_timer(ring_timeout_at, TimerKind.RING_TIMEOUT, call))
    return call, effects


def use_connection(call: Call, connection: Connection | None) -> None:
    """A call's webhooks go to its Call Control Application unless the request named a URL."""
    if connection is None:
        return
    if call.webhook_url is None:
        call.webhook_url = connection.webhook_url
        call.webhook_url_failover = call.webhook_url_failover or connection.webhook_url_failover
    call.webhook_timeout_secs = connection.webhook_timeout_secs


def far_end_hangup(ctx: Context, call: Call, now: float, cause: str | None) -> list[Effect]:
    """The simulated other party hangs up now (a caller giving up before answer cancels)."""
    if cause is None:
        cause = "normal_clearing" if call.state is CallState.ANSWERED else "originator_cancel"
    return end_call(ctx, call, now, cause, _far_end_side(call))


# -- command handlers ------------------------------------------------------------------------


def answer(ctx: Context, call: Call, body: Body, now: float) -> Result:
    routing = routing_from_body(body, call.routing)  # may refuse: before anything changes
    take_client_state(call, body)
    if body.get("webhook_url"):
        call.webhook_url = body["webhook_url"]
    if body.get("webhook_url_failover"):
        call.webhook_url_failover = body["webhook_url_failover"]
    call.routing = routing
    result: dict[str, Any] = dict(OK)
    if body.get("record") == "record-from-answer":
        call.record_from_answer = {**body, "recording_id": ctx.ids.uuid4()}
        result["recording_id"] = call.record_from_answer["recording_id"]
    call.apply(CallEvent.APP_ANSWERED, now)
    return result, _on_answered(ctx, call, now, "StartCallRecordingAPI")


def hangup(ctx: Context, call: Call, body: Body, now: float) -> Result:
    take_client_state(call, body)
    cause = "normal_clearing" if call.state is CallState.ANSWERED else "originator_cancel"
    return OK, end_call(ctx, call, now, cause, bridging.hangup_side(call))


def reject(ctx: Context, call: Call, body: Body, now: float) -> Result:
    take_client_state(call, body)
    return OK, end_call(ctx, call, now, _REJECT_CAUSES[body["cause"]], "callee")


# -- timers ----------------------------------------------------------------------------------


def far_end_answers(ctx: Context, call: Call, key: TimerKey, now: float) -> list[Effect]:
    call.apply(CallEvent.FAR_END_ANSWERED, now)
    return _on_answered(ctx, call, now, "DialVerb")


def ring_timeout(ctx: Context, call: Call, key: TimerKey, now: float) -> list[Effect]:
    if call.direction == "incoming":
        if call.state is not CallState.PARKED:
            return []  # answered (or ended) in time
        # As Telnyx reports a caller who hung up while parked (real payload, R7).
        return end_call(ctx, call, now, "originator_cancel", "caller")
    return end_call(ctx, call, now, "timeout", "unknown")


def time_limit_reached(ctx: Context, call: Call, key: TimerKey, now: float) -> list[Effect]:
    return end_call(ctx, call, now, "time_limit", "unknown")


def far_end_hangs_up(ctx: Context, call: Call, key: TimerKey, now: float) -> list[Effect]:
    return end_call(ctx, call, now, "normal_clearing", _far_end_side(call))


def purge(ctx: Context, call: Call, key: TimerKey, now: float) -> list[Effect]:
    """Forget an ended call; its Dial command_id goes with it."""
    tenant = ctx.tenant(call.tenant)
    del tenant.calls[call.call_control_id]
    dial_id = call.dial_command_id
    if dial_id is not None and tenant.dial_command_ids.get(dial_id) == call.call_control_id:
        del tenant.dial_command_ids[dial_id]
    ctx.forget_if_empty(call.tenant)
    return []


# -- internals -------------------------------------------------------------------------------


def _on_answered(ctx: Context, call: Call, now: float, initiated_by: str) -> list[Effect]:
    effects = ctx.webhook(call, events.call_answered(call, ctx.ids.uuid4(), now))
    if call.record_from_answer is not None:
        options = RecordingOptions.from_record_from_answer(call.record_from_answer, initiated_by)
        recording_id = str(call.record_from_answer["recording_id"])
        effects += start_recording(ctx, call, options, now, recording_id)
    # The time limit runs from answer (inbound calls get the 4 h default too).
    effects.append(call_timer(now + call.time_limit_secs, TimerKind.TIME_LIMIT, call))
    hangup_after = call.scenario.hangup_after
    if hangup_after is not None:
        at = now + ctx.delay(call.scenario, hangup_after)
        effects.append(call_timer(at, TimerKind.FAR_END_HANGUP, call))
    return effects + bridging.on_answered(ctx, call, now)


def end_call(ctx: Context, call: Call, now: float, cause: str, source: str) -> list[Effect]:
    call.apply(CallEvent.HANGUP, now)
    call.hangup_cause, call.hangup_source = cause, source
    call.sip_hangup_cause = sip_cause(cause)
    media_effects = prompt_commands.on_hangup(ctx, call, now)  # speak/playback/gather end first
    hangup_event = ctx.webhook(call, events.call_hangup(call, ctx.ids.uuid4(), now))
    recording_effects = [
        effect
        for active in call.active_recordings()
        for effect in stop_recording(ctx, call, active, now, "hangup")
    ]
    if call.scenario.webhook_faults.out_of_order and recording_effects:
        # Fault: the hangup arrives after the recording webhooks it caused.
        last = max(e.at for e in recording_effects)
        hangup_event = [
            replace(e, at=last + 0.5) for e in hangup_event if isinstance(e, SendWebhook)
        ]
    effects: list[Effect] = [*media_effects, *hangup_event, *recording_effects]
    effects.append(call_timer(now + ctx.call_retention_seconds, TimerKind.PURGE, call))
    effects += conferences.on_hangup(ctx, call, now)  # a participant leaves its conference
    other = bridging.leave_bridge(call, now)
    if other is not None:  # the other leg of a bridge goes too, unless it parks
        effects += end_call(ctx, other, now, "normal_clearing", bridging.hangup_side(other))
    pending, call.pending_legs = call.pending_legs, []
    for leg in pending:  # a transfer still ringing when its call ends is cancelled
        if leg.state is CallState.INITIATED and leg.bridge_on_answer_to is call:
            effects += end_call(ctx, leg, now, "originator_cancel", "caller")
    return effects


def _far_end_side(call: Call) -> str:
    return "callee" if call.direction == "outgoing" else "caller"
