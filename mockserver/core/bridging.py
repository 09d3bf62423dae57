"""Two legs in one call: bridge, transfer and Dial's link_to/bridge_on_answer (sans-IO).

A bridge joins two answered legs: each hears the other's party on its outbound track from the
bridge on (:class:`~mockserver.core.parties.Hearing`), and both get ``call.bridged``. A
transfer dials a new leg in the same call session that bridges on answer. When a bridged leg
hangs up, the other is hung up too unless it asked for ``park_after_unbridge: self`` (the
spec's default: "If not set, the default behavior is to hang up the leg").

Handlers follow :data:`mockserver.core.context.Handler`; call_commands calls
:func:`on_answered` and :func:`leave_bridge` when a leg answers or ends.

Choices Telnyx does not document are listed in docs/fidelity.md ("Bridge and transfer").
"""

from __future__ import annotations

from mockserver import errors
from mockserver.core import events
from mockserver.core.calls import Call, CallState
from mockserver.core.context import OK, Body, Context, Result, take_client_state
from mockserver.core.effects import Effect
from mockserver.core.legs import LegRequest, start_leg
from mockserver.core.parties import Hearing
from mockserver.core.scenario import Scenario
from mockserver.ids import is_well_formed_call_control_id

__all__ = [
    "bridge",
    "hangup_side",
    "leave_bridge",
    "live_call",
    "on_answered",
    "scripts_its_party",
    "transfer",
]


def scripts_its_party(scenario: Scenario) -> bool:
    """True when the call's scenario variant says what its far end says (``audio.inbound``)."""
    audio = scenario.source.get("audio")
    return isinstance(audio, dict) and "inbound" in audio


def hangup_side(call: Call) -> str:
    """Who hangs up when the platform (not the far end) ends ``call``."""
    return "caller" if call.direction == "outgoing" else "callee"


# -- commands ----------------------------------------------------------------------------------


def bridge(ctx: Context, call: Call, body: Body, now: float) -> Result:
    target = live_call(ctx, call.tenant, str(body["call_control_id"]), "/call_control_id")
    if target is call:
        raise errors.bad_request(
            "A call cannot be bridged with itself.", pointer="/call_control_id", status=422
        )
    if target.state is CallState.PARKED:
        raise errors.call_not_answered(pointer="/call_control_id")
    if body.get("prevent_double_bridge") and target.bridged_to is not None:
        raise errors.already_bridged()
    take_client_state(call, body)
    call.park_after_unbridge = body.get("park_after_unbridge") == "self"
    unbridge(call, now)
    unbridge(target, now)
    if target.state is CallState.INITIATED:
        # Still ringing: bridged when it answers (play_ringtone's case in the spec).
        target.bridge_on_answer_to = call
        return OK, []
    return OK, join(ctx, call, target, now)


def transfer(ctx: Context, call: Call, body: Body, now: float) -> Result:
    take_client_state(call, body)
    call.park_after_unbridge = body.get("park_after_unbridge") == "self"
    request = LegRequest(
        tenant=call.tenant,
        to=str(body["to"]),
        # "This attribute will default to the `to` number of the original call if omitted."
        from_number=str(body.get("from") or call.to),
        connection_id=call.connection_id,
        call_session_id=call.call_session_id,  # one session: "a transferred call"
        client_state=body.get("target_leg_client_state"),
        webhook_url=body.get("webhook_url") or call.webhook_url,
        webhook_url_failover=call.webhook_url_failover,
        timeout_secs=float(body.get("timeout_secs", 30)),
        time_limit_secs=float(body.get("time_limit_secs", 14400)),
    )
    leg, effects = start_leg(ctx, request, now)
    leg.bridge_on_answer_to = call
    # Only legs still ringing can be cancelled: the others need not be kept (bounded memory).
    call.pending_legs[:] = [p for p in call.pending_legs if p.state is CallState.INITIATED]
    call.pending_legs.append(leg)
    leg.party.takes_turns = not scripts_its_party(leg.scenario)
    return OK, effects


# -- what answer and hangup mean for bridges ---------------------------------------------------


def on_answered(ctx: Context, call: Call, now: float) -> list[Effect]:
    """A leg dialled to be bridged (transfer, bridge_on_answer, a ringing bridge target)."""
    other = call.bridge_on_answer_to
    call.bridge_on_answer_to = None
    if other is None or other.state is not CallState.ANSWERED:
        return []
    unbridge(other, now)
    return join(ctx, other, call, now)


def leave_bridge(call: Call, now: float) -> Call | None:
    """``call`` ended: its bridge ends. Returns the other leg when it must hang up too (it
    did not ask to park)."""
    other = call.bridged_to
    unbridge(call, now)
    if other is not None and other.is_alive and not other.park_after_unbridge:
        return other
    return None


# -- internals ---------------------------------------------------------------------------------


def join(ctx: Context, a: Call, b: Call, now: float) -> list[Effect]:
    for this, other in ((a, b), (b, a)):
        this.bridged_to = other
        this.heard_peers.append(Hearing(other.party, now))
    b.party.join(a.party, now)  # only a party without a script takes turns
    a.party.join(b.party, now)
    effects = ctx.webhook(a, events.call_bridged(a, ctx.ids.uuid4(), now))
    return effects + ctx.webhook(b, events.call_bridged(b, ctx.ids.uuid4(), now))


def unbridge(call: Call, now: float) -> None:
    """End ``call``'s bridge, if any: neither leg hears the other from ``now`` on."""
    other = call.bridged_to
    if other is None:
        return
    for leg in (call, other):
        leg.bridged_to = None
        for hearing in leg.heard_peers:
            hearing.close(now)


def live_call(ctx: Context, tenant: str, call_control_id: str, pointer: str) -> Call:
    """Another live call of the same account, named in a body."""
    if not is_well_formed_call_control_id(call_control_id):
        raise errors.invalid_call_control_id(pointer=pointer)
    call = ctx.tenant(tenant).calls.get(call_control_id)
    if call is None or not call.is_alive:
        raise errors.call_ended(pointer=pointer)
    return call
