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

__all__ = ["CommandEntry", "CommandLog", "estimate_size"]


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
    size: int = 0  # estimated bytes this entry keeps alive (see estimate_size)

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


ENTRY_OVERHEAD = 600  # the entry itself, its tuple and the strings every entry has
UNKNOWN_CALLS = ("", "<unknown call ids>")  # one bucket for commands to ids no call has


def estimate_size(raw: bytes) -> int:
    """Bytes a JSON document of ``raw`` keeps alive once parsed, pessimistically.

    Parsed JSON costs more than its text: ``[[],[],...]`` is 3 bytes per 56-byte list. Every
    container and every string is counted at what CPython spends on a small one.
    """
    containers = raw.count(b"{") + raw.count(b"[")
    strings = raw.count(b'"') // 2
    return len(raw) + 200 * containers + 60 * strings


class CommandLog:
    """Bounded three ways: ``per_call`` newest entries per call, the ``max_calls`` calls used
    most recently, and ``max_bytes`` estimated bytes in all (the oldest calls go first).

    Commands to call ids that are not live calls (made up, purged, another tenant's) share
    one bucket of ``per_call`` entries, so inventing ids cannot grow the log.
    """

    def __init__(
        self, *, per_call: int = 200, max_calls: int = 1000, max_bytes: int = 32 * 1024 * 1024
    ) -> None:
        self.per_call = per_call
        self.max_calls = max_calls
        self.max_bytes = max_bytes
        self.bytes = 0  # estimated bytes kept, the sum of the entries' sizes
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
        size: int = 0,
        known_call: bool = True,
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
            size + ENTRY_OVERHEAD,
        )
        key = (tenant, call_control_id) if known_call else UNKNOWN_CALLS
        log = self._calls.get(key)
        if log is None:
            log = self._calls[key] = deque()
        else:
            self._calls.move_to_end(key)
        log.append(entry)
        self.bytes += entry.size
        if len(log) > self.per_call:
            self.bytes -= log.popleft().size
        while len(self._calls) > self.max_calls:
            self._drop_oldest_call()
        while self.bytes > self.max_bytes:
            if next(iter(self._calls)) != key:  # the least recently used call goes first
                self._drop_oldest_call()
            elif len(log) > 1:  # only this call is left: its oldest entries go
                self.bytes -= log.popleft().size
            else:
                break
        return entry

    def _drop_oldest_call(self) -> None:
        _, dropped = self._calls.popitem(last=False)
        self.bytes -= sum(entry.size for entry in dropped)

    def entries(
        self, *, tenant: str | None = None, call_control_id: str | None = None
    ) -> list[CommandEntry]:
        """Oldest first, across calls, optionally for one tenant and/or one call."""
        found = [
            entry
            for log in self._calls.values()
            for entry in log
            if (tenant is None or entry.tenant == tenant)
            and (call_control_id is None or entry.call_control_id == call_control_id)
        ]
        return sorted(found, key=lambda entry: entry.seq)

    def tenants(self) -> set[str]:
        """The keys with a logged Dial or call of their own (not the made-up-ids bucket)."""
        return {owner for (owner, _), log in self._calls.items() if log and owner}

    def forget(self, tenant: str | None = None) -> None:
        if tenant is None:
            self._calls.clear()
            self.bytes = 0
            return
        for key in [k for k in self._calls if k[0] == tenant]:
            self.bytes -= sum(entry.size for entry in self._calls.pop(key))
        bucket = self._calls.get(UNKNOWN_CALLS)
        if bucket is not None:
            kept = deque(entry for entry in bucket if entry.tenant != tenant)
            self.bytes -= sum(entry.size for entry in bucket) - sum(e.size for e in kept)
            self._calls[UNKNOWN_CALLS] = kept
