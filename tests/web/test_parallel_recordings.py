"""A second record_start while one runs (issue 13, item 7): 422 10015 by default, the strict
answer; with the scenario's ``recordings.parallel`` each starts its own recording."""

from __future__ import annotations

from mockserver.core.scenario import scenario_from_mapping
from tests.conftest import Harness, MakeHarness

RECORD = {"format": "wav", "channels": "single"}
PARALLEL = scenario_from_mapping({"recordings": {"parallel": True}}, fallback_name="parallel")


async def test_a_second_record_start_is_refused_by_default(harness: Harness) -> None:
    ccid = await harness.answered_call()
    assert (await harness.command(ccid, "record_start", RECORD))[0] == 200
    status, body = await harness.command(ccid, "record_start", RECORD)
    assert status == 422 and body["errors"][0]["code"] == "10015"
    assert "already in progress" in body["errors"][0]["detail"]


async def test_parallel_recordings_each_have_their_id_and_stop_one_by_one(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(scenario=PARALLEL)
    ccid = await harness.answered_call()
    assert (await harness.command(ccid, "record_start", RECORD))[0] == 200
    await harness.advance(2)
    assert (await harness.command(ccid, "record_start", {**RECORD, "format": "mp3"}))[0] == 200
    await harness.advance(3)
    recordings = harness.mock.simulator.find_call("KEY_TENANT_A", ccid)
    assert recordings is not None
    first, second = (r.id for r in recordings.recordings)
    assert first != second

    # Stop the first by its id: only its call.recording.saved comes.
    assert (await harness.command(ccid, "record_stop", {"recording_id": first}))[0] == 200
    await harness.advance(2)
    saved = harness.receiver.events("call.recording.saved")
    assert [s.payload["recording_id"] for s in saved] == [first]
    assert list(saved[0].payload["recording_urls"]) == ["wav"]

    # Pause and resume name the second; hangup stops it.
    assert (await harness.command(ccid, "record_pause", {"recording_id": second}))[0] == 200
    status, body = await harness.command(ccid, "record_stop", {"recording_id": first})
    assert status == 422  # already stopped
    assert (await harness.command(ccid, "record_resume", {"recording_id": second}))[0] == 200
    assert (await harness.command(ccid, "hangup"))[0] == 200
    await harness.advance(2)
    saved = harness.receiver.events("call.recording.saved")
    assert [s.payload["recording_id"] for s in saved] == [first, second]
    assert list(saved[1].payload["recording_urls"]) == ["mp3"]
    status, body = await harness.get("/v2/recordings")
    assert {r["id"] for r in body["data"]} == {first, second}


async def test_without_recording_id_stop_acts_on_the_newest_parallel_recording(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(scenario=PARALLEL)
    ccid = await harness.answered_call()
    await harness.command(ccid, "record_start", RECORD)
    await harness.command(ccid, "record_start", {**RECORD, "custom_file_name": "second"})
    await harness.advance(1)
    assert (await harness.command(ccid, "record_stop"))[0] == 200
    await harness.advance(2)
    (saved,) = harness.receiver.events("call.recording.saved")
    assert "/second-" in next(iter(saved.payload["recording_urls"].values()))
    assert (await harness.command(ccid, "record_stop"))[0] == 200  # then the older one
    await harness.advance(2)
    assert len(harness.receiver.events("call.recording.saved")) == 2
