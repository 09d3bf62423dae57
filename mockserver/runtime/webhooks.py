"""Webhook delivery: signed POSTs, retries and failover, per-call ordering, a journal.

Each call has its own queue, delivered in order by its own pump, so a receiver that is down,
slow or resetting connections holds up only that call's later webhooks, never the API or
another call. Every attempt lands in a bounded journal; an event that exhausts its retries
(or is still queued at shutdown) is recorded as undelivered, never dropped silently.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import logging
import posixpath
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from yarl import URL

from mockserver.core.events import WebhookEvent
from mockserver.core.signing import WebhookSigner
from mockserver.core.webhook_routing import envelope_query
from mockserver.ids import iso_timestamp
from mockserver.runtime.activity_log import log_webhook_attempt
from mockserver.runtime.clock import SimClock

__all__ = ["DeliveryAttempt", "WebhookDispatcher", "targets_control_api"]


USER_AGENT = "telnyx-webhooks"
# Bytes of a receiver's answer read at most: only its status matters. Reading a 400 MiB answer
# whole cost 862 MiB of RSS; a small answer is read to its end so the connection is reused.
MAX_ANSWER_BYTES = 16 * 1024
REFUSED = (
    "refused: this URL is the mock's own control API (/_mock/ on its own port); "
    "webhooks are never delivered there"
)


def targets_control_api(url: str, own_port: int | None) -> bool:
    """True if ``url`` reaches this mock's ``/_mock/`` routes: its path (normalised, as the
    router will see it) is ``/_mock`` or below, on the mock's own port, whatever the host
    (any name can point back here)."""
    if own_port is None:
        return False
    try:
        parsed = URL(url)
        port = parsed.port
    except (ValueError, TypeError):
        return False
    if port != own_port:
        return False
    # normpath keeps a leading "//" (POSIX lets it mean something else): collapse first.
    path = posixpath.normpath(re.sub("/+", "/", "/" + parsed.path))
    return path == "/_mock" or path.startswith("/_mock/")


NO_WEBHOOK_URL = (
    "no webhook URL: set webhook_url on Dial, declare its connection (--connection) or use"
    " --webhook-url"
)
MAX_IN_FLIGHT = 100  # concurrent delivery attempts; aiohttp's default connection limit


@dataclass(frozen=True)
class DeliveryAttempt:
    """One line of the delivery journal."""

    seq: int
    event_id: str
    event_type: str
    tenant: str
    call_control_id: str
    url: str | None
    attempt: int
    status: int | None
    latency_ms: float
    error: str | None
    outcome: str  # "delivered", "failed" (will retry or fail over) or "undelivered" (final)
    simulated_at: float
    body: dict[str, Any] = field(repr=False)
    event: WebhookEvent | None = field(default=None, repr=False, compare=False)  # to redeliver

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "call_control_id": self.call_control_id,
            "url": self.url,
            "attempt": self.attempt,
            "status": self.status,
            "latency_ms": round(self.latency_ms, 3),
            "error": self.error,
            "outcome": self.outcome,
            "simulated_at": iso_timestamp(self.simulated_at),
            "body": self.body,
        }


@dataclass
class _Pending:
    event: WebhookEvent
    due: float  # when the next attempt may go out: moves later on every retry round
    seq: int
    attempts: int = 0
    round: int = 0
    order: tuple[float, int] = (0.0, 0)  # (first due, seq): a call's delivery order
    faults: tuple[str, ...] = ()  # the scenario's mischief: drop, duplicate, *_signature
    last_error: str | None = None  # the final "undelivered" line says why the last try failed

    def __post_init__(self) -> None:
        self.order = (self.due, self.seq)

    def __lt__(self, other: _Pending) -> bool:  # heap order of a call's queue
        return self.order < other.order


def _remove(queue: list[_Pending], pending: _Pending) -> None:
    """Take ``pending`` out of a call's heap: the head in O(log n), anything else in O(n)."""
    if queue and queue[0] is pending:
        heapq.heappop(queue)
    else:
        queue.remove(pending)
        heapq.heapify(queue)


class WebhookDispatcher:
    """Schedules, signs, sends and journals webhooks on the simulated clock."""

    def __init__(
        self,
        *,
        clock: SimClock,
        signer: WebhookSigner,
        default_url: str | None,
        timeout_seconds: float,
        retry_delays: tuple[float, ...],
        journal_size: int,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.signer = signer
        self.default_url = default_url
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.retry_delays = retry_delays
        self.wall_clock = wall_clock
        self.journal: deque[DeliveryAttempt] = deque(maxlen=journal_size)
        self._queues: dict[tuple[str, str], list[_Pending]] = {}
        self._busy: set[tuple[str, str]] = set()
        self._seq = itertools.count(1)
        self._journal_seq = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None
        self._closing = False
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._ready: deque[tuple[str, str]] = deque()  # calls waiting for a free pump
        self.on_journal: Callable[[DeliveryAttempt], None] | None = None  # the dashboard's hook
        # The mock's own port (once listening): URLs reaching its /_mock/ routes are refused.
        self.own_port: Callable[[], int | None] = lambda: None

    async def start(self) -> None:
        # No automatic decompression: a 1 MiB gzip bomb inflated on the event loop held it 2.9 s.
        self._session = aiohttp.ClientSession(
            timeout=self.timeout, headers={"User-Agent": USER_AGENT}, auto_decompress=False
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- scheduling ----------------------------------------------------------------------------

    def enqueue(self, event: WebhookEvent, at: float, faults: tuple[str, ...] = ()) -> None:
        """Send ``event`` at simulated time ``at``, after earlier events of the same call."""
        key = (event.tenant, event.call_control_id)
        queue = self._queues.setdefault(key, [])
        # A heap by when each event was first due, not by ``due``: an event waiting for its
        # retry keeps its place at the head and holds back the call's later events. A heap,
        # not a list sorted on every enqueue: a call with thousands of webhooks pending (a
        # slow receiver, a long call) costs O(log n) per event, not O(n).
        heapq.heappush(queue, _Pending(event, at, next(self._seq), faults=faults))
        self.clock.call_at(at, lambda: self._pump(key))

    def pending_count(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    async def _pump(self, key: tuple[str, str]) -> None:
        if key in self._busy or self._closing:
            return  # the running pump (or, closing, shutdown()) takes what became due
        if len(self._busy) >= MAX_IN_FLIGHT:
            # Enough calls are being delivered: a running pump takes this one when it is done
            # (10,000 calls answered at one instant make 100 pumps, not 10,000 waiting tasks).
            self._ready.append(key)
            return
        current: tuple[str, str] | None = key
        while current is not None:
            self._busy.add(current)
            try:
                await self._deliver_due(current)
            finally:
                self._busy.discard(current)
            current = self._next_ready()

    def _next_ready(self) -> tuple[str, str] | None:
        while self._ready and not self._closing:
            key = self._ready.popleft()
            if key not in self._busy and key in self._queues:
                return key
        return None

    async def _deliver_due(self, key: tuple[str, str]) -> None:
        """Deliver ``key``'s due events in order, until one has to wait for a retry."""
        queue = self._queues.get(key, [])
        while queue and queue[0].due <= self.clock.now() and not self._closing:
            head = queue[0]
            if "drop" in head.faults:
                _remove(queue, head)
                self._record_final(head, "dropped by the scenario", outcome="dropped")
                continue
            if await self._deliver_round(head):
                _remove(queue, head)
                if "duplicate" in head.faults:
                    # Telnyx redelivers: same event id, the next attempt number.
                    head.faults = tuple(f for f in head.faults if f != "duplicate")
                    await self._deliver_round(head)
                continue
            delays = self._retry_delays(head.event)
            if head.round < len(delays):
                head.due = self.clock.now() + delays[head.round]
                head.round += 1
                self.clock.call_at(head.due, lambda: self._pump(key))
                break
            _remove(queue, head)
            self._record_final(
                head, f"retries exhausted after {head.attempts} attempts (last: {head.last_error})"
            )
        if not queue:
            self._queues.pop(key, None)

    def _retry_delays(self, event: WebhookEvent) -> tuple[float, ...]:
        """The call's webhook_retries_policies for this event type, else the server's."""
        return self.retry_delays if event.retry_delays is None else event.retry_delays

    def _urls(self, event: WebhookEvent) -> list[str]:
        primary = event.webhook_url or self.default_url
        return [url for url in (primary, event.webhook_url_failover) if url]

    async def _deliver_round(self, pending: _Pending) -> bool:
        """One round: the primary URL, then straight to the failover URL on failure."""
        urls = self._urls(pending.event)
        if not urls:
            self._record_final(pending, NO_WEBHOOK_URL)
            return True
        sent = False
        for url in urls:
            pending.attempts += 1
            if self.refuses(url):
                self._journal_refused(pending, url)
                continue
            sent = True
            if await self._attempt(pending, url):
                return True
        return not sent  # every URL refused: final, nothing to retry

    def refuses(self, url: str) -> bool:
        """The mock never posts to its own control routes (a redeliver URL looped forever)."""
        return targets_control_api(url, self.own_port())

    def _journal_refused(self, pending: _Pending, url: str) -> None:
        envelope = pending.event.envelope(pending.attempts, url)
        self._journal(pending, url, None, 0.0, REFUSED, "refused", envelope)
        pending.last_error = REFUSED

    async def _attempt(self, pending: _Pending, url: str) -> bool:
        # At most MAX_IN_FLIGHT attempts at once (aiohttp's connection limit): 10,000 calls
        # answered at one instant would otherwise build 10,000 requests that then queue for a
        # connection, costing ~100 MB at the peak and eating their own 2 s timeout while queued.
        async with self._slots:
            return await self._attempt_now(pending, url)

    async def _attempt_now(self, pending: _Pending, url: str) -> bool:
        event = pending.event
        envelope = event.envelope(pending.attempts, url)
        body = json.dumps(envelope, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        # webhook_url_method / webhook_urls_method GET: the envelope as query parameters, and
        # the signature over them (there is no body); the failover URL always gets a POST.
        method = event.method if url == (event.webhook_url or self.default_url) else "POST"
        target = url
        if method == "GET":
            body = envelope_query(envelope).encode("ascii")
            target = url + ("&" if "?" in url else "?") + body.decode("ascii")
            headers = {}
        # The connection's webhook_timeout_secs, else the server's.
        timeout = self.timeout if event.timeout is None else aiohttp.ClientTimeout(event.timeout)
        timestamp = int(self.wall_clock())
        signed = body
        if "stale_signature" in pending.faults:
            timestamp -= 600  # outside every receiver's 300-second tolerance
        if "bad_signature" in pending.faults:
            signed = body + b" "  # a valid signature of other bytes: verification fails
        headers.update(self.signer.headers(timestamp, signed))
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            if self._session is None:
                raise RuntimeError("webhook dispatcher is not started")
            async with self._session.request(
                method,
                URL(target, encoded=True),  # the query exactly as signed
                data=body if method == "POST" else None,
                headers=headers,
                allow_redirects=False,
                timeout=timeout,
            ) as response:
                status = response.status
                try:
                    await _read_capped(response)
                except (TimeoutError, aiohttp.ClientError, OSError):
                    response.close()  # the status is the answer; the body never mattered
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except TimeoutError:
            error = f"timeout after {timeout.total} s"
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        latency_ms = (time.perf_counter() - started) * 1000
        delivered = error is None
        self._journal(
            pending,
            url,
            status,
            latency_ms,
            error,
            "delivered" if delivered else "failed",
            envelope,
        )
        pending.last_error = error
        return delivered

    def _record_final(self, pending: _Pending, reason: str, outcome: str = "undelivered") -> None:
        event = pending.event
        urls = self._urls(event)
        try:
            envelope = event.envelope(max(pending.attempts, 1), urls[0] if urls else "")
        except (ValueError, OverflowError, OSError):
            # A time no timestamp can show (year 33715): the event is still reported, by id.
            envelope = {"data": {"event_type": event.event_type, "id": event.event_id}}
        self._journal(pending, urls[0] if urls else None, None, 0.0, reason, outcome, envelope)

    def _journal(
        self,
        pending: _Pending,
        url: str | None,
        status: int | None,
        latency_ms: float,
        error: str | None,
        outcome: str,
        body: dict[str, Any],
    ) -> None:
        event = pending.event
        self.journal.append(
            DeliveryAttempt(
                seq=next(self._journal_seq),
                event_id=event.event_id,
                event_type=event.event_type,
                tenant=event.tenant,
                call_control_id=event.call_control_id,
                url=url,
                attempt=pending.attempts,
                status=status,
                latency_ms=latency_ms,
                error=error,
                outcome=outcome,
                simulated_at=self.clock.now(),
                body=body,
                event=event,
            )
        )
        line = self.journal[-1]
        # One terminal line per attempt (and per final verdict), naming the URL and the error.
        log_webhook_attempt(
            event_type=line.event_type,
            event_id=line.event_id,
            call_control_id=line.call_control_id,
            url=line.url,
            attempt=line.attempt,
            outcome=line.outcome,
            status=line.status,
            error=line.error,
            latency_ms=line.latency_ms,
        )
        if self.on_journal is not None:
            self.on_journal(line)

    async def redeliver(self, entry: DeliveryAttempt) -> DeliveryAttempt:
        """Send a journaled event again, now, as its next attempt (journaled like any other).

        It goes to the URL of ``entry`` (or the URLs the event has now, if it had none), out
        of the call's queue order: this is the operator's manual resend, not a retry.
        """
        if entry.event is None:
            raise ValueError("journal entry has no event to redeliver")
        attempts = max(e.attempt for e in self.journal if e.event_id == entry.event_id)
        pending = _Pending(entry.event, self.clock.now(), next(self._seq), attempts=attempts + 1)
        for queued in self._queues.get((entry.tenant, entry.call_control_id), []):
            if queued.event.event_id == entry.event_id:  # still retrying: count on after this
                queued.attempts = max(queued.attempts, pending.attempts)
        urls = [entry.url] if entry.url else self._urls(entry.event)
        if urls and self.refuses(urls[0]):
            self._journal_refused(pending, urls[0])  # a redeliver cannot trigger itself
        elif urls:
            await self._attempt(pending, urls[0])
        else:
            self._record_final(pending, NO_WEBHOOK_URL)
        return self.journal[-1]

    def find(self, ref: str) -> DeliveryAttempt | None:
        """A journal entry by its ``seq``, or the latest attempt of an event id."""
        if ref.isascii() and ref.isdigit():
            if len(ref) > 20:  # no seq is that long, and int() refuses 4,301 digits
                return None
            return next((e for e in self.journal if e.seq == int(ref)), None)
        return next((e for e in reversed(self.journal) if e.event_id == ref), None)

    # -- reading and lifecycle -----------------------------------------------------------------

    def entries(
        self,
        *,
        tenant: str | None = None,
        event_type: str | None = None,
        call_control_id: str | None = None,
    ) -> list[DeliveryAttempt]:
        return [
            entry
            for entry in self.journal
            if (tenant is None or entry.tenant == tenant)
            and (event_type is None or entry.event_type == event_type)
            and (call_control_id is None or entry.call_control_id == call_control_id)
        ]

    def forget(self, tenant: str | None = None) -> None:
        """Reset: drop queued webhooks and journal lines (of one tenant, or all)."""
        for key in [k for k in self._queues if tenant is None or k[0] == tenant]:
            del self._queues[key]
        kept = [e for e in self.journal if tenant is not None and e.tenant != tenant]
        self.journal.clear()
        self.journal.extend(kept)

    async def shutdown(self, grace_seconds: float = 5.0) -> list[DeliveryAttempt]:
        """Finish attempts under way, deliver what is due now (one round each), report the rest.

        Every queued event ends up delivered or journaled (and logged) as undelivered; none
        vanishes. Each of the two steps gets ``grace_seconds`` at most.
        """
        self._closing = True  # pumps stop taking new events; this method takes them
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_seconds
        while self._busy and loop.time() < deadline:  # attempts already on the wire
            await asyncio.sleep(0.01)
        now = self.clock.now()
        due = [
            (key, queue[0])
            for key, queue in self._queues.items()
            if queue and queue[0].due <= now and key not in self._busy
        ]
        if due:
            rounds = [self._deliver_round(pending) for _, pending in due]
            try:
                results = await asyncio.wait_for(
                    asyncio.gather(*rounds, return_exceptions=True), grace_seconds
                )
            except TimeoutError:
                results = [False] * len(due)
            for (key, pending), ok in zip(due, results, strict=True):
                if ok is True:
                    _remove(self._queues[key], pending)
        reported: list[DeliveryAttempt] = []
        for queue in self._queues.values():
            for pending in sorted(queue):  # in the call's order, as delivery would have been
                try:
                    self._record_final(pending, "server shut down before delivery")
                except Exception:  # one event must not stop the others being reported
                    logging.getLogger(__name__).exception(
                        "cannot journal %s at shutdown", pending.event.event_id
                    )
                    continue
                reported.append(self.journal[-1])
        self._queues.clear()
        return reported


async def _read_capped(response: aiohttp.ClientResponse) -> None:
    """Read the answer's body up to MAX_ANSWER_BYTES; past that, drop the connection."""
    received = 0
    while received <= MAX_ANSWER_BYTES:
        chunk = await response.content.read(MAX_ANSWER_BYTES + 1 - received)
        if not chunk:
            return
        received += len(chunk)
    response.close()
