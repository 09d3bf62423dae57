"""In-process notifications for the dashboard: who changed what, fanned out to live streams.

The shell publishes small :class:`Notice` objects (a call may have changed, a command was
logged, a webhook attempt was journaled, everything must be reloaded); each subscriber (one
per open ``/_mock/events`` stream) has its own bounded queue. Publishing never blocks and costs
nothing without subscribers. A subscriber that falls too far behind loses its backlog and gets
one ``resync`` notice instead, telling it to reload the snapshot.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Hub", "Notice", "Subscription"]


@dataclass(frozen=True)
class Notice:
    """One change. ``data`` carries immutable records; live state is rendered when sent."""

    seq: int
    kind: str  # "call", "command", "webhook", "resync"
    tenant: str | None = None
    call_control_id: str | None = None
    data: dict[str, Any] | None = None
    # What the streams send for it, rendered once at publish (Hub.renderer), not per stream.
    chunk: bytes | None = None


class Subscription:
    """One listener's bounded backlog; iterate with :meth:`get` until it returns None."""

    def __init__(self, hub: Hub, tenant: str | None, maxsize: int) -> None:
        self._hub = hub
        self.tenant = tenant
        self._queue: asyncio.Queue[Notice | None] = asyncio.Queue(maxsize)
        self.overflowed = 0
        self._unread_resync = False  # overflowed, and has not read since

    def offer(self, notice: Notice | None) -> None:
        """Queue ``notice`` (None: the hub closed) unless it is another tenant's."""
        if (
            notice is not None
            and self.tenant is not None
            and notice.tenant not in (None, self.tenant)
        ):
            return
        try:
            self._queue.put_nowait(notice)
        except asyncio.QueueFull:
            # Too slow a reader: drop its backlog and tell it to reload the snapshot. One that
            # has not read even that since is not reading at all: it is dropped (its stream
            # ends; a page reconnects), so it costs publishers nothing from now on.
            self.overflowed += 1
            while not self._queue.empty():
                self._queue.get_nowait()
            if notice is None or self._unread_resync:
                self._hub.unsubscribe(self)
                self._queue.put_nowait(None)
                return
            self._unread_resync = True
            self._queue.put_nowait(Notice(notice.seq, "resync"))

    async def get(self, timeout: float | None = None) -> Notice | None:
        """The next notice; None once the hub closed. TimeoutError after ``timeout`` seconds."""
        notice = await asyncio.wait_for(self._queue.get(), timeout)
        self._unread_resync = False
        return notice

    def close(self) -> None:
        self._hub.unsubscribe(self)


class Hub:
    """Fan-out of notices to every open subscription."""

    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._subscriptions: set[Subscription] = set()
        self._seq = itertools.count(1)
        self.last_seq = 0
        self.closed = False
        # Renders a notice into what every stream sends, once per notice (the dashboard's).
        self.renderer: Callable[[Notice], bytes] | None = None

    def publish(
        self,
        kind: str,
        *,
        tenant: str | None = None,
        call_control_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.last_seq = next(self._seq)
        if not self._subscriptions:
            return
        notice = Notice(self.last_seq, kind, tenant, call_control_id, data)
        if self.renderer is not None:
            notice = Notice(
                self.last_seq, kind, tenant, call_control_id, data, self.renderer(notice)
            )
        for subscription in list(self._subscriptions):
            subscription.offer(notice)

    def subscribe(self, tenant: str | None = None) -> Subscription:
        """A new subscription, for all tenants or one (``resync`` notices reach everyone)."""
        subscription = Subscription(self, tenant, self.queue_size)
        if self.closed:
            subscription.offer(None)
        else:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    def close(self) -> None:
        """Server shutdown: every stream ends (an open browser must not hold it up)."""
        self.closed = True
        for subscription in list(self._subscriptions):
            subscription.offer(None)
        self._subscriptions.clear()
