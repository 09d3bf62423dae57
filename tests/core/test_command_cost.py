"""A command costs the same on a call's 10,000th recording as on its first (issue 14).

Cost is counted, not timed: every attribute read of any Recording is counted while a window
of start/stop cycles runs. A lookup that scans the call's history (the active recording, a
recording by id) reads every past recording and makes the late window dearer than the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mockserver.core.commands import Command
from mockserver.core.effects import StartTimer
from mockserver.core.recordings import Recording
from mockserver.core.simulator import Simulator
from mockserver.errors import TelnyxError
from mockserver.ids import IdFactory

T0 = 1_790_000_000.0
KEY = "KEY_COST"
CYCLES = 10_000
WINDOW = 100


class _Links:
    def recording_url(self, recording: Recording) -> str:
        return "http://mock.invalid/file"


class ReadCounter:
    """Counts attribute reads on Recording instances while ``counting`` is on."""

    def __init__(self) -> None:
        self.reads = 0
        self.counting = False


@pytest.fixture
def recording_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReadCounter]:
    counter = ReadCounter()
    plain = object.__getattribute__

    def counted(self: Recording, name: str) -> Any:
        if counter.counting:
            counter.reads += 1
        return plain(self, name)

    monkeypatch.setattr(Recording, "__getattribute__", counted)
    yield counter


def _answered_call(sim: Simulator) -> tuple[str, float]:
    body = {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"}
    data, effects = sim.dial(KEY, body, T0)
    answer = next(e for e in effects if isinstance(e, StartTimer) and e.key.kind == "answer")
    sim.fire(answer.key, answer.at)
    return str(data["call_control_id"]), answer.at


def test_start_stop_cost_does_not_grow_with_the_calls_history(
    recording_reads: ReadCounter,
) -> None:
    sim = Simulator(ids=IdFactory(14), links=_Links())
    ccid, now = _answered_call(sim)
    start = {"format": "wav", "channels": "single"}
    # Windows: the WINDOW cycles after the first (which, with no history at all, reads less)
    # and the last WINDOW cycles.
    first = 0
    for cycle in range(CYCLES):
        if cycle == WINDOW + 1:
            first = recording_reads.reads
        recording_reads.counting = 1 <= cycle <= WINDOW or cycle >= CYCLES - WINDOW
        now += 1
        # Unique command_ids (every request a real change); stop alternates between "the
        # active one" and naming the recording by id, the two lookups a stop can take.
        sim.command(KEY, ccid, Command.RECORD_START, {**start, "command_id": f"s{cycle}"}, now)
        stop: dict[str, Any] = {"command_id": f"t{cycle}"}
        if cycle % 2:
            call = sim.find_call(KEY, ccid)
            assert call is not None
            stop["recording_id"] = call.recordings[-1].id
        sim.command(KEY, ccid, Command.RECORD_STOP, stop, now + 0.5)
    recording_reads.counting = False
    last = recording_reads.reads - first
    assert first > 0  # the counter sees the recordings a command touches
    assert last <= first, f"first {WINDOW} cycles read {first} attributes, last {WINDOW}: {last}"

    call = sim.find_call(KEY, ccid)
    assert call is not None and len(call.recordings) == CYCLES
    assert call.active_recording is None
    # Still deduplicated at the end: a repeated command_id changes nothing.
    _, effects = sim.command(KEY, ccid, Command.RECORD_START, {**start, "command_id": "t9999"}, now)
    assert effects == [] and call.active_recording is None


def test_record_stop_by_id_finds_only_this_calls_recordings() -> None:
    sim = Simulator(ids=IdFactory(15), links=_Links())
    first, now = _answered_call(sim)
    second, _ = _answered_call(sim)
    sim.command(KEY, first, Command.RECORD_START, {"format": "wav", "channels": "single"}, now)
    other = sim.find_call(KEY, first)
    assert other is not None and other.active_recording is not None
    with pytest.raises(TelnyxError) as caught:
        sim.command(
            KEY, second, Command.RECORD_STOP, {"recording_id": other.active_recording.id}, now
        )
    assert (caught.value.status, caught.value.items[0].code) == (404, "10005")
    assert other.active_recording is not None  # the other call's recording goes on
