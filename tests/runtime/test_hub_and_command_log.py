"""The dashboard's in-process pieces: the notification hub and the bounded command log."""

from __future__ import annotations

import pytest

from mockserver.runtime.command_log import CommandLog
from mockserver.runtime.hub import Hub


async def test_publishing_without_subscribers_only_counts() -> None:
    hub = Hub()
    hub.publish("call", tenant="A", call_control_id="c1")
    assert hub.last_seq == 1
    assert hub.subscriber_count() == 0


async def test_subscribers_get_notices_in_order() -> None:
    hub = Hub()
    subscription = hub.subscribe()
    hub.publish("call", tenant="A", call_control_id="c1")
    hub.publish("command", tenant="A", call_control_id="c1", data={"seq": 1})
    first, second = await subscription.get(1), await subscription.get(1)
    assert first is not None and second is not None
    assert (first.seq, first.kind) == (1, "call")
    assert (second.kind, second.data) == ("command", {"seq": 1})


async def test_a_tenant_subscription_skips_other_tenants_but_not_global_notices() -> None:
    hub = Hub()
    subscription = hub.subscribe("B")
    hub.publish("call", tenant="A", call_control_id="c1")
    hub.publish("resync")
    hub.publish("call", tenant="B", call_control_id="c2")
    kinds = [
        (n.kind, n.tenant) for n in [await subscription.get(1), await subscription.get(1)] if n
    ]
    assert kinds == [("resync", None), ("call", "B")]


async def test_a_slow_subscriber_loses_its_backlog_for_one_resync() -> None:
    hub = Hub(queue_size=3)
    subscription = hub.subscribe()
    for n in range(5):
        hub.publish("call", tenant="A", call_control_id=f"c{n}")
    notice = await subscription.get(1)
    assert notice is not None and notice.kind == "resync"
    later = await subscription.get(1)
    assert later is not None and later.call_control_id == "c4"
    assert subscription.overflowed == 1


async def test_closing_the_hub_ends_every_subscription() -> None:
    hub = Hub(queue_size=1)
    subscription = hub.subscribe()
    hub.publish("call", tenant="A", call_control_id="c1")  # a full queue still gets the end
    hub.close()
    assert await subscription.get(1) is None
    assert await hub.subscribe().get(1) is None
    assert hub.subscriber_count() == 0


async def test_an_idle_subscription_times_out_and_unsubscribes() -> None:
    hub = Hub()
    subscription = hub.subscribe()
    with pytest.raises(TimeoutError):
        await subscription.get(0.01)
    subscription.close()
    assert hub.subscriber_count() == 0


def record(log: CommandLog, tenant: str, call: str | None, command: str = "hangup") -> int:
    entry = log.record(
        tenant=tenant,
        call_control_id=call,
        command=command,
        path="/v2/calls",
        request={},
        status=200,
        response={"data": {"result": "ok"}},
        simulated_at=0.0,
        latency_ms=1.0,
    )
    return entry.seq


def test_the_command_log_keeps_the_newest_entries_of_each_call() -> None:
    log = CommandLog(per_call=2, max_calls=10)
    seqs = [record(log, "A", "c1") for _ in range(4)]
    assert [e.seq for e in log.entries()] == seqs[-2:]


def test_the_command_log_forgets_the_least_recently_used_call_first() -> None:
    log = CommandLog(per_call=5, max_calls=2)
    record(log, "A", "c1")
    record(log, "A", "c2")
    record(log, "A", "c1")  # c1 is used again: c2 is now the oldest
    record(log, "A", "c3")
    assert {e.call_control_id for e in log.entries()} == {"c1", "c3"}


def test_the_command_log_filters_and_forgets_by_tenant() -> None:
    log = CommandLog()
    record(log, "A", "c1")
    record(log, "B", "c2")
    record(log, "B", None, "dial")
    assert [e.call_control_id for e in log.entries(tenant="B")] == ["c2", None]
    assert [e.tenant for e in log.entries(call_control_id="c1")] == ["A"]
    log.forget("B")
    assert [e.tenant for e in log.entries()] == ["A"]
    log.forget()
    assert log.entries() == []


def test_a_command_entry_says_whether_it_was_accepted() -> None:
    log = CommandLog()
    entry = log.record(
        tenant="A",
        call_control_id="c1",
        command="record_start",
        path="/v2/calls/c1/actions/record_start",
        request={"format": "ogg"},
        status=422,
        response={"errors": [{"code": "10032", "title": "Invalid enumerated value"}]},
        simulated_at=1_790_000_000.0,
        latency_ms=0.5,
    )
    data = entry.to_json()
    assert data["ok"] is False
    assert data["errors"] == [{"code": "10032", "title": "Invalid enumerated value"}]
    assert data["simulated_at"] == "2026-09-21T14:13:20.000000Z"
