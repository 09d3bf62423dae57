"""The Simulator facade (sans-IO): the one object that changes simulation state.

Decisions:

- Every entry point takes the simulated time ``now`` and returns *effects*: webhooks to send
  at a time, and timers that come back through :meth:`Simulator.fire`. The core never reads
  a clock, sleeps or touches a socket, so the shell decides how time passes.
- The facade stays thin: it finds the tenant and the call, applies the cross-cutting rules
  (command_id dedup, scripted faults, state refusals) and dispatches through the COMMANDS
  table (core/commands.py) and the timer table (core/timers.py). What a command does lives
  in call_commands, recording_commands and prompt_commands; the JSON in rendering.
- Other layers read state through it (``tenant``, ``find_call``, ``find_recording``) and
  change it only through its methods (``reset``, ``use_scenario``, ``delete_recording``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver import errors
from mockserver.config import Connection
from mockserver.core import call_commands, conferences, recording_commands
from mockserver.core.calls import Call
from mockserver.core.commands import COMMANDS, Command, check_command
from mockserver.core.conference_state import Conference, conference_json, participant_json
from mockserver.core.context import MAX_TENANTS, OK, Body, Context, RecordingLinks
from mockserver.core.effects import Effect, SendWebhook, StartTimer, TimerKey, TimerKind
from mockserver.core.recording_commands import silence_stop_time
from mockserver.core.recordings import Recording
from mockserver.core.rendering import call_status_json, dial_json
from mockserver.core.scenario import DEFAULT_SCENARIO, Scenario
from mockserver.core.tenants import TenantState
from mockserver.core.timers import TIMERS
from mockserver.ids import IdFactory, is_well_formed_call_control_id

__all__ = [
    "Effect",
    "RecordingLinks",
    "SendWebhook",
    "Simulator",
    "StartTimer",
    "TimerKey",
    "TimerKind",
    "silence_stop_time",
]


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
        max_tenants: int = MAX_TENANTS,
        connections: tuple[Connection, ...] = (),
    ) -> None:
        self._ctx = Context(
            ids=ids,
            links=links,
            scenario=scenario,
            call_retention_seconds=call_retention_seconds,
            max_command_ids_per_call=max_command_ids_per_call,
            max_tenants=max_tenants,
            connections=connections,
        )

    # -- reads -------------------------------------------------------------------------------

    @property
    def scenario(self) -> Scenario:
        """The scenario new calls get their variant from."""
        return self._ctx.scenario

    @property
    def tenants(self) -> Mapping[str, TenantState]:
        return self._ctx.tenants

    @property
    def call_retention_seconds(self) -> float:
        return self._ctx.call_retention_seconds

    def tenant(self, api_key: str) -> TenantState:
        """The key's calls and recordings, to read (a key that owns nothing reads empty)."""
        return self._ctx.existing(api_key)

    def find_call(self, api_key: str, call_control_id: str) -> Call | None:
        return self._ctx.existing(api_key).calls.get(call_control_id)

    def find_recording(self, recording_id: str) -> Recording | None:
        """Any tenant's recording: download links are authorised by their signature."""
        for tenant in self._ctx.tenants.values():
            if recording_id in tenant.recordings:
                return tenant.recordings[recording_id]
        return None

    def get_call(self, api_key: str, call_control_id: str, now: float) -> dict[str, Any]:
        """GET /v2/calls/{id}: status as Telnyx returns it."""
        if not is_well_formed_call_control_id(call_control_id):
            raise errors.invalid_call_control_id()
        call = self.find_call(api_key, call_control_id)
        if call is None:
            raise errors.call_not_found()
        return call_status_json(call, now)

    # -- state changes without a call command ------------------------------------------------

    def reset(self, api_key: str | None = None) -> None:
        """Forget every call and recording (of one tenant, or of all)."""
        if api_key is None:
            self._ctx.tenants.clear()
        else:
            self._ctx.tenants.pop(api_key, None)

    def use_scenario(self, scenario: Scenario) -> None:
        """Calls placed from now on follow ``scenario``; live calls keep their variant."""
        self._ctx.scenario = scenario

    def completed_recording(self, api_key: str, recording_id: str) -> Recording:
        """One of the tenant's saved recordings, or Telnyx's 404."""
        return recording_commands.completed_recording(self._ctx, api_key, recording_id)

    def delete_recording(self, api_key: str, recording_id: str) -> Recording:
        """DELETE /v2/recordings/{id}: forget it everywhere (its call's list too)."""
        recording = self.completed_recording(api_key, recording_id)
        recording_commands.forget_recording(self._ctx, recording)
        return recording

    def delete_recordings(self, api_key: str, recording_ids: list[str]) -> list[Recording]:
        """POST /v2/recordings/actions/delete. All or nothing: an id the tenant has no saved
        recording for refuses the request (pointing at it), so a retry after fixing the list
        cannot half-apply (docs/fidelity.md)."""
        found = [
            recording_commands.completed_recording(self._ctx, api_key, recording_id, f"/ids/{i}")
            for i, recording_id in enumerate(recording_ids)
        ]
        for recording in found:
            recording_commands.forget_recording(self._ctx, recording)
        return found

    # -- calls ---------------------------------------------------------------------------------

    def dial(self, api_key: str, body: Body, now: float) -> tuple[dict[str, Any], list[Effect]]:
        """POST /v2/calls: create an outbound call; the far end answers per the scenario."""
        tenant = self._ctx.tenant(api_key)
        command_id = body.get("command_id")
        if command_id is not None:
            previous = tenant.calls.get(tenant.dial_command_ids.get(command_id, ""))
            if previous is not None:
                return dial_json(previous), []
        call, effects = call_commands.dial(self._ctx, api_key, body, now)
        return dial_json(call), effects

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
        return call_commands.inject_inbound(
            self._ctx,
            api_key,
            to=to,
            from_number=from_number,
            connection_id=connection_id,
            now=now,
            webhook_url=webhook_url,
            client_state=client_state,
        )

    def far_end_hangup(
        self, api_key: str, call_control_id: str, now: float, cause: str | None = None
    ) -> list[Effect]:
        """The simulated other party hangs up now (a caller giving up before answer cancels)."""
        call = self._live_call(api_key, call_control_id)
        check_command(call, Command.HANGUP)
        return call_commands.far_end_hangup(self._ctx, call, now, cause)

    def command(
        self, api_key: str, call_control_id: str, command: Command, body: Body, now: float
    ) -> tuple[dict[str, Any], list[Effect]]:
        """POST /v2/calls/{id}/actions/{command} with an already validated body."""
        call = self._live_call(api_key, call_control_id)
        command_id = body.get("command_id")
        if command_id is not None and command_id in call.command_ids:
            return dict(OK), []  # Telnyx ignores a repeated command_id
        self._ctx.raise_fault(call.scenario, command.value, call.fault_counts)
        check_command(call, command)
        result, effects = COMMANDS[command].handler(self._ctx, call, body, now)
        if command_id is not None:
            call.remember_command_id(command_id, self._ctx.max_command_ids_per_call)
        return result, effects

    # -- conferences ---------------------------------------------------------------------------

    def create_conference(
        self, api_key: str, body: Body, now: float
    ) -> tuple[dict[str, Any], list[Effect]]:
        """POST /v2/conferences: a conference created from a call, which joins it."""
        conference, effects = conferences.create(self._ctx, api_key, body, now)
        return conference_json(conference), effects

    def conference_command(
        self, api_key: str, conference_id: str, action: str, body: Body, now: float
    ) -> tuple[dict[str, Any], list[Effect]]:
        """POST /v2/conferences/{id}/actions/{action} with an already validated body."""
        conference = self.find_conference(api_key, conference_id)
        return conferences.command(self._ctx, conference, action, body, now)

    def find_conference(self, api_key: str, id_or_name: str) -> Conference:
        """By id, or by name ("Uniquely identifies the conference by id or name")."""
        owned = self._ctx.existing(api_key).conferences
        found = owned.get(id_or_name)
        if found is None:
            named = [c for c in owned.values() if c.name == id_or_name]
            found = next((c for c in reversed(named) if c.is_live), named[-1] if named else None)
        if found is None:
            raise errors.conference_not_found()
        return found

    def get_conference(self, api_key: str, conference_id: str) -> dict[str, Any]:
        return conference_json(self.find_conference(api_key, conference_id))

    def list_conferences(self, api_key: str) -> list[dict[str, Any]]:
        owned = self._ctx.existing(api_key).conferences.values()
        return [conference_json(c) for c in sorted(owned, key=lambda c: -c.expires_at)]

    def list_participants(self, api_key: str, conference_id: str) -> list[dict[str, Any]]:
        conference = self.find_conference(api_key, conference_id)
        return [participant_json(conference, p) for p in conference.participants.values()]

    def fire(self, key: TimerKey, now: float) -> list[Effect]:
        """A timer started earlier is due."""
        tenant = self._ctx.tenants.get(key.tenant)
        call = tenant.calls.get(key.call_control_id) if tenant else None
        if call is None:
            return []  # reset or purged meanwhile
        if not call.is_alive and key.kind is not TimerKind.PURGE:
            return []
        return TIMERS[key.kind](self._ctx, call, key, now)

    def _live_call(self, api_key: str, call_control_id: str) -> Call:
        if not is_well_formed_call_control_id(call_control_id):
            raise errors.invalid_call_control_id()
        call = self.find_call(api_key, call_control_id)
        if call is None:
            # Unknown, purged, or another tenant's: all look like a call that is no longer
            # live, which is what Telnyx answers for a stale id (docs/fidelity.md).
            raise errors.call_ended()
        return call
