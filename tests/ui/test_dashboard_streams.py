"""Issue 12, defect 8: open dashboards slowed every command.

Each command re-rendered all of a call's recordings for every ``/_mock/events`` stream. Now a
notice is rendered once for all streams, a call sends only the recordings that changed, and a
stream that does not read is dropped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse

from mockserver.runtime.hub import Hub
from mockserver.ui import dashboard
from tests.conftest import Harness
from tests.ui.test_dashboard import wait_for_event

RECORDINGS = 150
STREAMS = 5


@pytest.fixture
async def streams(harness: Harness) -> AsyncIterator[list[ClientResponse]]:
    opened = []
    for _ in range(STREAMS):
        response = await harness.client.get("/_mock/events")
        await wait_for_event(response, "hello")
        opened.append(response)
    yield opened
    for response in opened:
        response.close()


async def test_a_command_renders_only_what_changed_once_for_all_streams(
    harness: Harness, streams: list[ClientResponse], monkeypatch: pytest.MonkeyPatch
) -> None:
    call = await harness.answered_call()
    for _ in range(RECORDINGS):
        assert (
            await harness.command(call, "record_start", {"format": "wav", "channels": "single"})
        )[0] == 200
        assert (await harness.command(call, "record_stop"))[0] == 200
    await harness.advance(2)
    rendered: list[str] = []
    real = dashboard.recording_view_json

    def counting(mock: Any, recording: Any) -> dict[str, Any]:
        rendered.append(recording.id)
        return real(mock, recording)

    monkeypatch.setattr(dashboard, "recording_view_json", counting)
    status, _ = await harness.command(call, "send_dtmf", {"digits": "1"})
    assert status == 200
    # Nothing about the recordings changed: none is rendered (it was 150 × 5 streams).
    assert rendered == []
    await harness.command(call, "record_start", {"format": "wav", "channels": "single"})
    await harness.command(call, "record_stop")
    # The one that started and stopped, rendered once per change, not per stream.
    assert 1 <= len(rendered) <= 4 and len(set(rendered)) == 1, rendered
    for response in streams:  # every stream still gets it
        shown = await wait_for_event(
            response, "recording", lambda d: d["data"]["id"] == rendered[0]
        )
        assert shown["data"]["state"] in ("recording", "stopped")


def test_a_notice_is_rendered_once_whatever_the_number_of_streams() -> None:
    hub = Hub(queue_size=100)
    renders: list[int] = []
    hub.renderer = lambda notice: renders.append(notice.seq) or b"x"
    subscriptions = [hub.subscribe() for _ in range(300)]
    for _ in range(10):
        hub.publish("call", tenant="K", call_control_id="c")
    assert len(renders) == 10
    assert all(s._queue.qsize() == 10 for s in subscriptions)


def test_a_reader_that_never_reads_is_dropped() -> None:
    hub = Hub(queue_size=10)
    stuck = hub.subscribe()
    for _ in range(10):
        hub.publish("command", tenant="K")
    assert hub.subscriber_count() == 1
    hub.publish("command", tenant="K")  # overflow: backlog dropped, one resync queued
    assert stuck.overflowed == 1 and stuck._queue.qsize() == 1
    for _ in range(10):
        hub.publish("command", tenant="K")  # still not reading: dropped, its stream ends
    assert hub.subscriber_count() == 0
    assert stuck._queue.get_nowait() is None  # what its stream reads next: the end
    # From now on publishing costs nothing for it.
    for _ in range(1000):
        hub.publish("command", tenant="K")
    assert stuck._queue.qsize() == 0


async def test_a_reader_that_falls_behind_once_gets_a_resync_and_stays() -> None:
    hub = Hub(queue_size=10)
    slow = hub.subscribe()
    for _ in range(11):
        hub.publish("command", tenant="K")
    notice = await slow.get(1)
    assert notice is not None and notice.kind == "resync"
    for _ in range(11):
        hub.publish("command", tenant="K")
    assert hub.subscriber_count() == 1  # it read since: resynced again, not dropped
