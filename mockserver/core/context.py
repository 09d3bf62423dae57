"""What every command and timer handler works with (sans-IO).

Decisions:

- Handlers are plain functions ``handler(ctx, call, body, now) -> (result, effects)`` in
  focused modules (call_commands, recording_commands, prompt_commands), not methods of the
  Simulator, so the COMMANDS table (core/commands.py) and the timer table (core/timers.py) can
  name them and the Simulator stays a thin facade.
- The :class:`Context` holds the state (tenants), the id source, the link maker, the scenario
  and the settings, plus the helpers that turn a rendered event or a scripted delay into
  effects, so every handler applies the scenario's delays, jitter and faults the same way.
- Only handlers (called by the Simulator) and the Simulator itself change this state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from mockserver import errors
from mockserver.config import Connection
from mockserver.core.calls import Call
from mockserver.core.effects import Effect, SendWebhook, StartTimer, TimerKey, TimerKind
from mockserver.core.events import WebhookEvent
from mockserver.core.recordings import Recording
from mockserver.core.scenario import DEFAULT_SCENARIO, Scenario
from mockserver.core.tenants import TenantState
from mockserver.ids import IdFactory

__all__ = [
    "OK",
    "Body",
    "Context",
    "Handler",
    "RecordingLinks",
    "Result",
    "call_timer",
    "take_client_state",
]

Body = dict[str, Any]  # a request body, already validated against its schema
Result = tuple[dict[str, Any], list[Effect]]  # the response's data, and what follows from it
Handler = Callable[["Context", Call, Body, float], Result]

OK: dict[str, Any] = {"result": "ok"}
# API keys owning something at once. Without --api-key any key is a tenant; this bounds what a
# client inventing keys can hold (each also needs a live call or a recording to count).
MAX_TENANTS = 10_000


class RecordingLinks(Protocol):
    """Makes the download URL of a recording file (the shell knows the server's address)."""

    def recording_url(self, recording: Recording) -> str: ...


@dataclass
class Context:
    """All tenants' state with the id source, link maker, scenario and settings."""

    ids: IdFactory
    links: RecordingLinks
    scenario: Scenario = DEFAULT_SCENARIO
    call_retention_seconds: float = 600.0
    max_command_ids_per_call: int = 10_000
    tenants: dict[str, TenantState] = field(default_factory=dict)
    max_tenants: int = MAX_TENANTS
    connections: tuple[Connection, ...] = ()  # the server's (--connection)

    def connection(self, connection_id: str) -> Connection | None:
        """The declared connection, None when none are declared (any id goes, as before), or
        SPEC's 422 10015 for an id that is not declared."""
        declared = {c.id: c for c in (*self.connections, *self.scenario.connections)}
        if not declared:
            return None
        found = declared.get(connection_id)
        if found is None:
            raise errors.invalid_connection_id()
        return found

    def tenant(self, api_key: str) -> TenantState:
        """The key's state, created when it is about to own something (a call, a recording,
        a scripted fault's count): reads never create one (see ``existing``)."""
        state = self.tenants.get(api_key)
        if state is None:
            if len(self.tenants) >= self.max_tenants:
                raise errors.too_many_tenants(self.max_tenants)
            state = self.tenants[api_key] = TenantState(api_key)
        return state

    def existing(self, api_key: str) -> TenantState:
        """The key's state for reading: an empty one, not kept, if the key owns nothing."""
        return self.tenants.get(api_key) or TenantState(api_key)

    def forget_if_empty(self, api_key: str) -> None:
        """A key that owns nothing any more is no tenant (30,000 GETs with new keys made
        30,000 tenants that lived until reset)."""
        state = self.tenants.get(api_key)
        if state is not None and state.owns_nothing():
            del self.tenants[api_key]

    def webhook(
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

    def delay(self, scenario: Scenario, seconds: float) -> float:
        """A scripted delay plus the scenario's seeded jitter."""
        if scenario.jitter <= 0:
            return seconds
        return seconds + self.ids.uniform(0.0, scenario.jitter)

    def raise_fault(self, scenario: Scenario, command: str, counts: dict[str, int]) -> None:
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
            raise errors.TelnyxError.single(fault.status, fault.code, fault.title, fault.detail)


def call_timer(at: float, kind: TimerKind, call: Call) -> StartTimer:
    """A timer about the call as a whole (not one recording or prompt)."""
    return StartTimer(at, TimerKey(kind, call.tenant, call.call_control_id))


def take_client_state(call: Call, body: Body) -> None:
    # client_state given with a command is echoed in every later webhook of the call.
    if body.get("client_state") is not None:
        call.client_state = body["client_state"]
