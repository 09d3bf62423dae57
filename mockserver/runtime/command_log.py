"""Every call command the mock received, with its answer: accepted or rejected, and why.

Each ``POST /v2/calls`` (Dial) and ``POST /v2/calls/{id}/actions/...`` request is kept with the
response it got, including Telnyx's validation errors, in a bounded log per call (Dial requests
rejected before a call existed are kept under the tenant with no call id). The web
pipeline's middleware fills it; the dashboard shows it and tests read it from ``GET /_mock/state``.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

from mockserver.ids import iso_timestamp

__all__ = ["CommandEntry", "CommandLog"]


@dataclass(frozen=True)
class CommandEntry:
    """One command request and the answer it got."""

    seq: int
    tenant: str
    call_control_id: str | None  # None: a Dial rejected before any call existed
    command: str  # "dial", or the action name as requested ("record_start", "nonsense")
    path: str
    request: Any  # the JSON body, or its text when it was not JSON
    status: int
    response: Any
    simulated_at: float
    latency_ms: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def to_json(self) -> dict[str, Any]:
        errors = self.response.get("errors") if isinstance(self.response, dict) else None
        return {
            "seq": self.seq,
            "tenant": self.tenant,
            "call_control_id": self.call_control_id,
            "command": self.command,
            "path": self.path,
            "request": self.request,
            "status": self.status,
            "ok": self.ok,
            "response": self.response,
            "errors": errors if isinstance(errors, list) else [],
            "simulated_at": iso_timestamp(self.simulated_at),
            "latency_ms": round(self.latency_ms, 3),
        }


class CommandLog:
    """Bounded: ``per_call`` newest entries for each of the ``max_calls`` newest calls."""

    def __init__(self, *, per_call: int = 200, max_calls: int = 1000) -> None:
        self.per_call = per_call
        self.max_calls = max_calls
        self._calls: OrderedDict[tuple[str, str | None], deque[CommandEntry]] = OrderedDict()
        self._seq = itertools.count(1)

    def record(
        self,
        *,
        tenant: str,
        call_control_id: str | None,
        command: str,
        path: str,
        request: Any,
        status: int,
        response: Any,
        simulated_at: float,
        latency_ms: float,
    ) -> CommandEntry:
        entry = CommandEntry(
            next(self._seq),
            tenant,
            call_control_id,
            command,
            path,
            request,
            status,
            response,
            simulated_at,
            latency_ms,
        )
        key = (tenant, call_control_id)
        log = self._calls.get(key)
        if log is None:
            log = self._calls[key] = deque(maxlen=self.per_call)
            while len(self._calls) > self.max_calls:
                self._calls.popitem(last=False)
        else:
            self._calls.move_to_end(key)
        log.append(entry)
        return entry

    def entries(
        self, *, tenant: str | None = None, call_control_id: str | None = None
    ) -> list[CommandEntry]:
        """Oldest first, across calls, optionally for one tenant and/or one call."""
        found = [
            entry
            for (owner, call), log in self._calls.items()
            if (tenant is None or owner == tenant)
            and (call_control_id is None or call == call_control_id)
            for entry in log
        ]
        return sorted(found, key=lambda entry: entry.seq)

    def forget(self, tenant: str | None = None) -> None:
        for key in [k for k in self._calls if tenant is None or k[0] == tenant]:
            del self._calls[key]
