"""New outbound legs (sans-IO): ringing one, and a leg a transfer dials.

Below both call_commands (Dial) and bridging (transfer), so neither imports the other to
start a leg.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.core import events
from mockserver.core.calls import Call, CallState
from mockserver.core.context import Context, call_timer
from mockserver.core.effects import Effect, TimerKind

__all__ = ["LegRequest", "ring", "start_leg"]


@dataclass(frozen=True)
class LegRequest:
    """What a transfer asks for: a new outbound leg."""

    tenant: str
    to: str
    from_number: str
    connection_id: str
    call_session_id: str
    client_state: str | None
    webhook_url: str | None
    webhook_url_failover: str | None
    timeout_secs: float
    time_limit_secs: float


def ring(ctx: Context, call: Call, ring_timeout: float, now: float) -> list[Effect]:
    """call.initiated for a new outbound leg; the far end answers per the scenario, or the
    ring times out first."""
    effects = ctx.webhook(call, events.call_initiated(call, ctx.ids.uuid4(), now))
    answer_delay = ctx.delay(call.scenario, call.scenario.answer_delay)
    if answer_delay <= ring_timeout:
        effects.append(call_timer(now + answer_delay, TimerKind.ANSWER, call))
    else:
        effects.append(call_timer(now + ring_timeout, TimerKind.RING_TIMEOUT, call))
    return effects


def start_leg(ctx: Context, request: LegRequest, now: float) -> tuple[Call, list[Effect]]:
    """A new outbound leg for a transfer, in the session of the call it is for."""
    call = Call(
        tenant=request.tenant,
        call_control_id=ctx.ids.call_control_id(),
        call_leg_id=ctx.ids.leg_id(now),
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
    call.scenario = ctx.scenario.for_call(to=request.to, connection_id=request.connection_id)
    ctx.tenant(request.tenant).calls[call.call_control_id] = call
    return call, ring(ctx, call, request.timeout_secs, now)
