"""SimClock: manual time that moves only when told, scaled time, and real time."""

from __future__ import annotations

import asyncio

import pytest

from mockserver.runtime.clock import ClockError, SimClock

START = 1_790_000_000.0


def manual() -> SimClock:
    return SimClock("manual", start=START)


async def test_manual_time_stands_still_until_advanced() -> None:
    clock = manual()
    assert clock.now() == START
    await asyncio.sleep(0)
    assert clock.now() == START
    await clock.advance(2.5)
    assert clock.now() == START + 2.5


async def test_manual_advance_fires_timers_in_time_order_at_their_own_instant() -> None:
    clock = manual()
    fired: list[tuple[str, float]] = []
    for name, delay in (("c", 3.0), ("a", 1.0), ("b", 2.0)):
        clock.call_later(delay, lambda name=name: fired.append((name, clock.now())))
    assert clock.pending() == 3
    assert clock.next_due() == START + 1.0

    count = await clock.advance(10)

    assert count == 3
    assert fired == [("a", START + 1), ("b", START + 2), ("c", START + 3)]
    assert clock.now() == START + 10
    assert clock.pending() == 0 and clock.next_due() is None


async def test_manual_advance_leaves_timers_beyond_the_target_pending() -> None:
    clock = manual()
    fired: list[str] = []
    clock.call_later(1, lambda: fired.append("soon"))
    clock.call_later(5, lambda: fired.append("later"))

    assert await clock.advance(4.999) == 1
    assert fired == ["soon"] and clock.pending() == 1

    assert await clock.advance(0.001) == 1
    assert fired == ["soon", "later"]


async def test_timers_at_the_same_instant_run_concurrently() -> None:
    clock = manual()
    other_started = asyncio.Event()
    order: list[str] = []

    async def waits_for_the_other() -> None:
        order.append("first started")
        await other_started.wait()  # deadlocks if the timers ran one after another
        order.append("first done")

    async def the_other() -> None:
        order.append("second started")
        other_started.set()

    clock.call_later(1, waits_for_the_other)
    clock.call_later(1, the_other)

    await asyncio.wait_for(clock.advance(1), timeout=30)  # a deadlock guard

    assert order == ["first started", "second started", "first done"]


async def test_advance_waits_for_async_timer_work_before_moving_on() -> None:
    clock = manual()
    seen: list[tuple[str, float]] = []

    async def slow() -> None:
        for _ in range(5):
            await asyncio.sleep(0)
        seen.append(("slow done", clock.now()))

    clock.call_later(1, slow)
    clock.call_later(2, lambda: seen.append(("next", clock.now())))
    await clock.advance(3)

    assert seen == [("slow done", START + 1), ("next", START + 2)]


async def test_timers_scheduled_during_advance_that_fall_before_the_target_also_fire() -> None:
    clock = manual()
    fired: list[tuple[str, float]] = []

    def first() -> None:
        fired.append(("first", clock.now()))
        clock.call_later(1.5, lambda: fired.append(("chained", clock.now())))
        clock.call_later(0, lambda: fired.append(("immediate", clock.now())))
        clock.call_later(100, lambda: fired.append(("too late", clock.now())))

    clock.call_later(1, first)
    count = await clock.advance(5)

    assert ("first", START + 1) in fired
    assert ("immediate", START + 1) in fired
    assert ("chained", START + 2.5) in fired
    assert all(name != "too late" for name, _ in fired)
    assert count == 2  # "immediate" was due at once and ran in the background, not as a timer
    assert clock.pending() == 1


async def test_a_timer_due_now_or_in_the_past_runs_without_an_advance() -> None:
    clock = manual()
    ran = asyncio.Event()

    async def callback() -> None:
        ran.set()

    clock.call_at(START - 10, callback)
    await asyncio.wait_for(ran.wait(), timeout=30)
    assert clock.now() == START
    await clock.drain()


async def test_a_cancelled_timer_does_not_fire() -> None:
    clock = manual()
    fired: list[str] = []
    handle = clock.call_later(1, lambda: fired.append("cancelled"))
    clock.call_later(2, lambda: fired.append("kept"))
    handle.cancel()

    assert clock.pending() == 1
    assert await clock.advance(3) == 1
    assert fired == ["kept"]


async def test_cancel_all_returns_the_unfired_timers() -> None:
    clock = manual()
    clock.call_later(1, lambda: None)
    clock.call_later(2, lambda: None)
    cancelled = clock.cancel_all()
    assert len(cancelled) == 2 and all(h.cancelled for h in cancelled)
    assert await clock.advance(5) == 0


async def test_advance_rejects_going_backwards() -> None:
    clock = manual()
    with pytest.raises(ValueError):
        await clock.advance(-1)
    assert clock.now() == START


@pytest.mark.parametrize("mode", ["real", "scaled"])
async def test_advance_refuses_a_clock_that_is_not_manual(mode: str) -> None:
    clock = SimClock(mode, start=START, time_scale=0.5)  # type: ignore[arg-type]
    with pytest.raises(ClockError):
        await clock.advance(1)


def test_time_scale_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SimClock("scaled", start=START, time_scale=0)


async def test_scaled_clock_runs_simulated_time_a_hundred_times_faster() -> None:
    clock = SimClock("scaled", start=START, time_scale=0.01)
    assert clock.time_scale == 0.01
    loop = asyncio.get_running_loop()
    fired = asyncio.Event()
    fired_at: list[float] = []

    def callback() -> None:
        fired_at.append(clock.now())
        fired.set()

    wall_start = loop.time()
    clock.call_later(5, callback)  # 5 simulated seconds: 50 ms of wall time
    await asyncio.wait_for(fired.wait(), timeout=30)
    wall_elapsed = loop.time() - wall_start

    assert wall_elapsed < 4.5  # unscaled, 5 s: a loaded machine only adds a little to 50 ms
    assert fired_at[0] >= START + 5
    assert clock.now() - START >= 5
    # Simulated time outruns wall time a hundredfold.
    assert clock.now() - START >= 50 * wall_elapsed


async def test_real_clock_call_at_fires_async_callbacks() -> None:
    clock = SimClock("real", start=START, time_scale=0.01)
    assert clock.time_scale == 1.0  # time_scale means nothing outside scaled mode
    done = asyncio.Event()

    async def callback() -> None:
        await asyncio.sleep(0)
        done.set()

    clock.call_at(clock.now() + 0.01, callback)
    await asyncio.wait_for(done.wait(), timeout=30)
    assert clock.now() >= START + 0.01


async def test_real_clock_runs_a_past_timer_at_once() -> None:
    clock = SimClock("real", start=START)
    done = asyncio.Event()
    clock.call_at(START - 60, done.set)
    await asyncio.wait_for(done.wait(), timeout=30)


async def test_manual_sleep_ends_when_an_advance_passes_it() -> None:
    clock = manual()
    sleeper = asyncio.ensure_future(clock.sleep(0.3))
    await asyncio.sleep(0)
    assert clock.pending() == 1
    await clock.advance(0.29)
    assert not sleeper.done()
    await clock.advance(0.01)
    await asyncio.wait_for(sleeper, timeout=30)
    assert clock.now() == START + 0.3


async def test_a_sleep_given_up_leaves_no_timer() -> None:
    clock = manual()
    sleeper = asyncio.ensure_future(clock.sleep(5))
    await asyncio.sleep(0)
    sleeper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sleeper
    assert clock.pending() == 0


async def test_scaled_sleep_takes_scaled_wall_time() -> None:
    clock = SimClock("scaled", start=START, time_scale=0.01)
    loop = asyncio.get_running_loop()
    wall_start = loop.time()
    await asyncio.wait_for(clock.sleep(5), timeout=30)  # 5 simulated seconds: 50 ms of wall time
    assert loop.time() - wall_start < 4.5  # unscaled, 5 s
    assert clock.now() - START >= 5
