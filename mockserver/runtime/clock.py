"""The one clock every timer runs on: real, scaled or manual time.

Simulated time is Unix seconds. In ``real`` and ``scaled`` mode it follows the event loop's
monotonic clock (``scale`` simulated seconds per wall second is ``1 / time_scale``); in
``manual`` mode it moves only in :meth:`SimClock.advance`, which fires every due timer in
order and waits for the work each one started (webhook attempts) before moving on.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from mockserver.config import ClockMode
from mockserver.ids import iso_timestamp

__all__ = ["ClockError", "SimClock", "TimerCallback", "TimerHandle"]

TimerCallback = Callable[[], Awaitable[None] | None]


class ClockError(Exception):
    """Raised when a manual-only operation is asked of a running clock."""


@dataclass(order=True)
class TimerHandle:
    """A scheduled callback; ``cancel()`` makes it a no-op."""

    when: float
    seq: int
    callback: TimerCallback = field(compare=False)
    cancelled: bool = field(default=False, compare=False)
    _loop_handle: asyncio.TimerHandle | None = field(default=None, compare=False, repr=False)

    def cancel(self) -> None:
        self.cancelled = True
        if self._loop_handle is not None:
            self._loop_handle.cancel()


class SimClock:
    """Simulated time and timers, in one of three modes."""

    def __init__(self, mode: ClockMode, *, start: float, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self.mode: ClockMode = mode
        self.time_scale = time_scale if mode == "scaled" else 1.0
        self._start = start
        self._manual_now = start
        self._loop_start: float | None = None
        self._heap: list[TimerHandle] = []
        self._seq = itertools.count()
        self._tasks: set[asyncio.Task[None]] = set()
        self._advance_lock = asyncio.Lock()

    @property
    def is_manual(self) -> bool:
        return self.mode == "manual"

    def _loop_time(self) -> float:
        loop = asyncio.get_running_loop()
        if self._loop_start is None:
            self._loop_start = loop.time()
        return loop.time()

    def now(self) -> float:
        if self.is_manual:
            return self._manual_now
        try:
            elapsed = self._loop_time() - (self._loop_start or 0.0)
        except RuntimeError:  # no running loop yet: time has not started
            return self._start
        return self._start + elapsed / self.time_scale

    def call_at(self, when: float, callback: TimerCallback) -> TimerHandle:
        """Run ``callback`` at simulated time ``when`` (now, if that is in the past)."""
        handle = TimerHandle(when, next(self._seq), callback)
        if self.is_manual and when > self._manual_now:
            heapq.heappush(self._heap, handle)
            return handle
        if self.is_manual:
            # Due already: run now in the background (a webhook for a command just made
            # must not wait for the next advance); advance() waits for it first.
            self._track(self._invoke(handle))
            return handle
        loop = asyncio.get_running_loop()
        delay = max(0.0, (when - self.now()) * self.time_scale)
        handle._loop_handle = loop.call_later(delay, self._run_detached, handle)
        return handle

    def call_later(self, delay: float, callback: TimerCallback) -> TimerHandle:
        return self.call_at(self.now() + delay, callback)

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of simulated time: scaled like every timer, and in manual mode
        until :meth:`advance` passes it (the scenario's API latency waits here)."""
        if seconds <= 0:
            return
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        handle = self.call_later(seconds, wake)
        try:
            await woken
        finally:
            handle.cancel()  # a request given up meanwhile leaves no timer behind

    def _run_detached(self, handle: TimerHandle) -> None:
        self._track(self._invoke(handle))

    def _track(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _invoke(handle: TimerHandle) -> None:
        if handle.cancelled:
            return
        result = handle.callback()
        if inspect.isawaitable(result):
            await result

    def to_json(self) -> dict[str, Any]:
        """The clock as /_mock/clock and the dashboard show it."""
        now = self.now()
        return {
            "mode": self.mode,
            "time_scale": self.time_scale,
            "now": iso_timestamp(now),
            "epoch_seconds": now,
            "pending_timers": self.pending(),
        }

    def pending(self) -> int:
        """Timers not yet fired (manual mode) — useful for tests and /_mock/clock."""
        return sum(1 for handle in self._heap if not handle.cancelled)

    def next_due(self) -> float | None:
        live = [h.when for h in self._heap if not h.cancelled]
        return min(live) if live else None

    async def advance(self, seconds: float) -> int:
        """Manual mode: move time forward, firing due timers in order; returns how many fired.

        Timers due at the same instant run concurrently (so one hung webhook receiver does
        not hold up another call), and all of them finish before time moves on.
        """
        if not self.is_manual:
            raise ClockError("the clock is not manual; start the server with --clock manual")
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        async with self._advance_lock:
            await self.drain()
            target = self._manual_now + seconds
            fired = 0
            while self._heap and self._heap[0].when <= target:
                instant = max(self._heap[0].when, self._manual_now)
                self._manual_now = instant
                batch: list[Awaitable[None]] = []
                while self._heap and self._heap[0].when <= instant:
                    handle = heapq.heappop(self._heap)
                    if handle.cancelled:
                        continue
                    fired += 1
                    result = handle.callback()
                    if inspect.isawaitable(result):
                        batch.append(result)
                if batch:
                    await asyncio.gather(*batch)
                # Work those timers started for this very instant (a webhook enqueued by a
                # sync timer callback) runs now, before time moves on, not at the target.
                await self.drain()
            self._manual_now = max(self._manual_now, target)
            await self.drain()
            return fired

    async def drain(self) -> None:
        """Wait for callbacks already running in the background (and what they start)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            await asyncio.sleep(0)

    def cancel_all(self) -> list[TimerHandle]:
        """Cancel every timer not yet fired (shutdown); returns them."""
        pending = [h for h in self._heap if not h.cancelled]
        for handle in pending:
            handle.cancel()
        self._heap.clear()
        return pending
