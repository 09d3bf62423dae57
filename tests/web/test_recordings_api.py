"""The /v2/recordings REST resource: listing with Telnyx's fields, filters and pagination,
retrieve, delete (one and bulk), tenant isolation, and the official SDK on top of it."""

from __future__ import annotations

import io
import wave
from datetime import datetime
from typing import Any

import pytest
import telnyx

from mockserver.core.scenario import Scenario, SpeechSpan
from tests.conftest import API_KEY, OTHER_KEY, Harness, MakeHarness

RECORDING_FIELDS = {
    "id",
    "record_type",
    "call_control_id",
    "call_leg_id",
    "call_session_id",
    "channels",
    "duration_millis",
    "download_urls",
    "recording_started_at",
    "recording_ended_at",
    "source",
    "status",
    "created_at",
    "updated_at",
    "from",
    "to",
    "connection_id",
}


async def record(
    h: Harness,
    options: dict[str, Any] | None = None,
    seconds: float = 2.0,
    key: str = API_KEY,
    end: str = "record_stop",
) -> dict[str, Any]:
    """Answered call → record_start → ``seconds`` → ``end`` → saved; the saved payload."""
    ccid = await h.answered_call(key=key)
    seen = len(h.receiver.received)
    body = {"format": "wav", "channels": "dual", **(options or {})}
    status, response = await h.command(ccid, "record_start", body, key=key)
    assert status == 200, response
    await h.advance(seconds)
    status, response = await h.command(ccid, end, key=key)
    assert status == 200, response
    await h.advance(1)
    saved = [
        r.payload
        for r in h.receiver.received[seen:]
        if r.event_type == "call.recording.saved" and r.payload["call_control_id"] == ccid
    ]
    assert len(saved) == 1
    return saved[0]


async def record_many(h: Harness, count: int, key: str = API_KEY) -> list[str]:
    """``count`` one-second recordings, back to back on one call; their ids, oldest first."""
    ccid = await h.answered_call(key=key)
    for _ in range(count):
        status, body = await h.command(
            ccid, "record_start", {"format": "wav", "channels": "single"}, key=key
        )
        assert status == 200, body
        await h.advance(1)
        status, body = await h.command(ccid, "record_stop", key=key)
        assert status == 200, body
    await h.advance(1)
    saved = h.receiver.events("call.recording.saved", call_control_id=ccid)
    assert len(saved) == count
    return [str(e.payload["recording_id"]) for e in saved]


async def list_recordings(h: Harness, query: str = "", key: str = API_KEY) -> dict[str, Any]:
    status, body = await h.get(f"/v2/recordings{query}", key=key)
    assert status == 200, body
    return dict(body)


async def wav_millis(h: Harness, url: str) -> float:
    async with h.client.session.get(url) as response:
        assert response.status == 200
        data = await response.read()
    with wave.open(io.BytesIO(data)) as reader:
        return float(reader.getnframes() * 1000 / reader.getframerate())


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_error(status: int, body: Any, expected_status: int, code: str) -> dict[str, Any]:
    assert status == expected_status, body
    error = body["errors"][0]
    assert error["code"] == code and error["title"]
    return dict(error)


# --- list -----------------------------------------------------------------------------------


async def test_list_shows_a_completed_recording_with_telnyx_fields(harness: Harness) -> None:
    saved = await record(harness, {"format": "wav", "channels": "dual"}, seconds=5)
    body = await list_recordings(harness)
    assert body["meta"] == {"page_number": 1, "page_size": 20, "total_pages": 1, "total_results": 1}
    [item] = body["data"]
    assert set(item) >= RECORDING_FIELDS
    assert item["id"] == saved["recording_id"]
    assert item["record_type"] == "recording"
    for name in ("call_control_id", "call_leg_id", "call_session_id", "connection_id"):
        assert item[name] == saved[name]
    assert (item["from"], item["to"]) == ("+13125550111", "+13125550100")
    assert item["connection_id"] == "1684641123236054244"
    assert item["channels"] == "dual"
    assert (item["source"], item["status"]) == ("call", "completed")
    # REST has milliseconds, the webhook microseconds: the same instant either way.
    assert iso(item["recording_started_at"]) == iso(saved["recording_started_at"])
    assert iso(item["recording_ended_at"]) == iso(saved["recording_ended_at"])
    for name in ("created_at", "updated_at", "recording_started_at", "recording_ended_at"):
        assert iso(item[name]).tzinfo is not None
    assert item["duration_millis"] == 5000
    assert list(item["download_urls"]) == ["wav"]
    assert await wav_millis(harness, item["download_urls"]["wav"]) == item["duration_millis"]


async def test_duration_millis_matches_the_file_with_a_pause(harness: Harness) -> None:
    ccid = await harness.answered_call()
    await harness.command(ccid, "record_start", {"format": "wav", "channels": "single"})
    await harness.advance(4)
    await harness.command(ccid, "record_pause")
    await harness.advance(3)
    await harness.command(ccid, "record_resume")
    await harness.advance(2)
    await harness.command(ccid, "record_stop")
    await harness.advance(1)
    [item] = (await list_recordings(harness))["data"]
    assert item["duration_millis"] == 6000
    assert await wav_millis(harness, item["download_urls"]["wav"]) == 6000


async def test_duration_millis_matches_the_trimmed_file(make_harness: MakeHarness) -> None:
    scenario = Scenario(
        name="late", inbound_speech=(SpeechSpan(3.0, 5.0),), outbound_speech=(SpeechSpan(6, 7),)
    )
    h = await make_harness(scenario=scenario)
    await record(h, {"channels": "single", "trim": "trim-silence"}, seconds=10)
    [item] = (await list_recordings(h))["data"]
    assert item["duration_millis"] == 4000
    assert await wav_millis(h, item["download_urls"]["wav"]) == 4000


async def test_mp3_recording_lists_an_mp3_download_url(harness: Harness) -> None:
    await record(harness, {"format": "mp3", "channels": "single"}, seconds=2)
    [item] = (await list_recordings(harness))["data"]
    assert list(item["download_urls"]) == ["mp3"]
    assert item["channels"] == "single"
    assert item["download_urls"]["mp3"].split("?")[0].endswith(".mp3")


async def test_list_leaves_out_a_recording_still_in_progress(harness: Harness) -> None:
    ccid = await harness.answered_call()
    await harness.command(ccid, "record_start", {"format": "wav", "channels": "dual"})
    await harness.advance(5)
    body = await list_recordings(harness)
    assert body["data"] == []
    assert body["meta"]["total_results"] == 0


async def test_each_tenant_lists_only_its_own_recordings(harness: Harness) -> None:
    mine = await record(harness)
    theirs = await record(harness, key=OTHER_KEY)
    assert [r["id"] for r in (await list_recordings(harness))["data"]] == [mine["recording_id"]]
    other = await list_recordings(harness, key=OTHER_KEY)
    assert [r["id"] for r in other["data"]] == [theirs["recording_id"]]
    assert other["meta"]["total_results"] == 1


async def test_list_requires_an_api_key(harness: Harness) -> None:
    status, body = await harness.get("/v2/recordings", key=None)
    assert_error(status, body, 401, "10009")


@pytest.mark.parametrize("field", ["call_control_id", "call_leg_id", "call_session_id"])
async def test_filter_by_call_identifier_returns_only_that_calls_recordings(
    harness: Harness, field: str
) -> None:
    first = await record(harness)
    second = await record(harness)
    assert first[field] != second[field]
    body = await list_recordings(harness, f"?filter[{field}]={second[field]}")
    assert [r["id"] for r in body["data"]] == [second["recording_id"]]
    assert body["meta"]["total_results"] == 1
    body = await list_recordings(harness, f"?filter[{field}]=no-such-{field}")
    assert body["data"] == [] and body["meta"]["total_results"] == 0


async def test_filter_by_created_at_range(harness: Harness) -> None:
    early = await record(harness, seconds=2)
    await harness.advance(60)
    late = await record(harness, seconds=2)
    items = {r["id"]: r for r in (await list_recordings(harness))["data"]}
    early_at = items[early["recording_id"]]["created_at"]
    late_at = items[late["recording_id"]]["created_at"]
    assert iso(early_at) < iso(late_at)

    async def ids(query: str) -> list[str]:
        return [r["id"] for r in (await list_recordings(harness, query))["data"]]

    middle = "2026-09-21T14:14:00Z"
    assert iso(early_at) < iso(middle) < iso(late_at)
    assert await ids(f"?filter[created_at][gte]={middle}") == [late["recording_id"]]
    assert await ids(f"?filter[created_at][lte]={middle}") == [early["recording_id"]]
    both = f"?filter[created_at][gte]={early_at}&filter[created_at][lte]={late_at}"
    assert sorted(await ids(both)) == sorted([early["recording_id"], late["recording_id"]])
    assert await ids(f"?filter[created_at][gte]={early_at}&filter[created_at][lte]={middle}") == [
        early["recording_id"]
    ]


async def test_created_at_copied_from_a_response_is_an_inclusive_bound(
    harness: Harness,
) -> None:
    # Recordings ending at fractional seconds: created_at shows whole milliseconds only.
    ccid = await harness.answered_call()
    for i in range(3):
        await harness.command(ccid, "record_start", {"format": "wav", "channels": "single"})
        await harness.advance(1 / 3 + i / 7)
        await harness.command(ccid, "record_stop")
    await harness.advance(1)
    items = (await list_recordings(harness))["data"]
    assert len(items) == 3
    for item in items:
        at = item["created_at"]
        body = await list_recordings(
            harness, f"?filter[created_at][gte]={at}&filter[created_at][lte]={at}"
        )
        assert [r["id"] for r in body["data"]] == [item["id"]], at


async def test_malformed_created_at_filter_is_400(harness: Harness) -> None:
    status, body = await harness.get("/v2/recordings?filter[created_at][gte]=yesterday")
    error = assert_error(status, body, 400, "10015")
    assert error["source"] == {"parameter": "filter[created_at][gte]"}


# --- pagination ------------------------------------------------------------------------------


async def test_default_page_size_is_20_and_the_last_page_is_partial(harness: Harness) -> None:
    ids = await record_many(harness, 23)
    first = await list_recordings(harness)
    assert len(first["data"]) == 20
    assert first["meta"] == {
        "page_number": 1,
        "page_size": 20,
        "total_pages": 2,
        "total_results": 23,
    }
    last = await list_recordings(harness, "?page[number]=2")
    assert len(last["data"]) == 3
    assert last["meta"] == {
        "page_number": 2,
        "page_size": 20,
        "total_pages": 2,
        "total_results": 23,
    }
    listed = [r["id"] for r in first["data"] + last["data"]]
    assert sorted(listed) == sorted(ids)  # every recording once, no duplicates


async def test_pages_partition_the_results(harness: Harness) -> None:
    ids = await record_many(harness, 5)
    pages = [await list_recordings(harness, f"?page[size]=2&page[number]={n}") for n in (1, 2, 3)]
    assert [len(p["data"]) for p in pages] == [2, 2, 1]
    assert all(p["meta"]["total_pages"] == 3 for p in pages)
    listed = [r["id"] for p in pages for r in p["data"]]
    assert len(set(listed)) == 5 and set(listed) == set(ids)


async def test_page_beyond_the_last_is_empty_with_correct_meta(harness: Harness) -> None:
    await record_many(harness, 3)
    body = await list_recordings(harness, "?page[size]=2&page[number]=3")
    assert body == {
        "data": [],
        "meta": {"page_number": 3, "page_size": 2, "total_pages": 2, "total_results": 3},
    }


async def test_page_size_250_is_allowed(harness: Harness) -> None:
    await record_many(harness, 2)
    body = await list_recordings(harness, "?page[size]=250")
    assert len(body["data"]) == 2
    assert body["meta"]["page_size"] == 250 and body["meta"]["total_pages"] == 1


@pytest.mark.parametrize(
    ("query", "parameter", "code"),
    [
        ("page[size]=251", "page[size]", "10033"),
        ("page[size]=0", "page[size]", "10033"),
        ("page[size]=abc", "page[size]", "10015"),
        ("page[size]=-1", "page[size]", "10015"),
        ("page[number]=0", "page[number]", "10033"),
        ("page[number]=1.5", "page[number]", "10015"),
        ("page[size]=%C2%B2", "page[size]", "10015"),  # "²": isdigit() but not an int
        ("page[number]=%D9%A3", "page[number]", "10015"),  # Arabic-Indic three
    ],
)
async def test_bad_page_parameters_are_400_naming_the_parameter(
    harness: Harness, query: str, parameter: str, code: str
) -> None:
    status, body = await harness.get(f"/v2/recordings?{query}")
    error = assert_error(status, body, 400, code)
    assert error["source"] == {"parameter": parameter}


# --- retrieve ----------------------------------------------------------------------------------


async def test_retrieve_returns_the_same_recording_as_the_list(harness: Harness) -> None:
    saved = await record(harness, seconds=3)
    [listed] = (await list_recordings(harness))["data"]
    status, body = await harness.get(f"/v2/recordings/{saved['recording_id']}")
    assert status == 200
    item = body["data"]
    assert {k: v for k, v in item.items() if k != "download_urls"} == {
        k: v for k, v in listed.items() if k != "download_urls"
    }
    assert await wav_millis(harness, item["download_urls"]["wav"]) == 3000


async def test_another_tenants_recording_is_not_found_like_an_unknown_id(
    harness: Harness,
) -> None:
    saved = await record(harness)
    status, body = await harness.get(f"/v2/recordings/{saved['recording_id']}", key=OTHER_KEY)
    assert_error(status, body, 404, "10005")
    unknown = await harness.get("/v2/recordings/3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert (status, body) == unknown


async def test_recording_in_progress_is_not_found(harness: Harness) -> None:
    ccid = await harness.answered_call()
    seen = len(harness.receiver.received)
    await harness.command(ccid, "record_start", {"format": "wav", "channels": "dual"})
    await harness.advance(2)
    await harness.command(ccid, "record_stop")
    await harness.advance(1)
    [saved] = [r for r in harness.receiver.received[seen:] if r.event_type.endswith("saved")]
    await harness.command(ccid, "record_start", {"format": "wav", "channels": "dual"})
    await harness.advance(1)
    body = await list_recordings(harness)
    assert [r["id"] for r in body["data"]] == [saved.payload["recording_id"]]


async def test_failed_recording_is_not_listed_retrieved_or_served(harness: Harness) -> None:
    saved = await record(harness)
    kept = await record(harness)
    # A recording whose storage failed (call.recording.error) has no file: mark one failed.
    harness.mock.simulator.tenant(API_KEY).recordings[saved["recording_id"]].failed = True
    body = await list_recordings(harness)
    assert [r["id"] for r in body["data"]] == [kept["recording_id"]]
    status, response = await harness.get(f"/v2/recordings/{saved['recording_id']}")
    assert_error(status, response, 404, "10005")
    async with harness.client.session.get(saved["recording_urls"]["wav"]) as download:
        assert download.status == 404


# --- delete ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["wav", "mp3"])
async def test_delete_returns_the_recording_and_removes_it_and_its_file(
    harness: Harness, fmt: str
) -> None:
    saved = await record(harness, {"format": fmt})
    keep = await record(harness, {"format": fmt})
    recording_id = saved["recording_id"]
    link = saved["recording_urls"][fmt]
    async with harness.client.session.get(link) as response:
        assert response.status == 200  # MP3: the encoded file now exists in the scratch dir
    status, before = await harness.get(f"/v2/recordings/{recording_id}")

    response = await harness.client.delete(f"/v2/recordings/{recording_id}", headers=harness.auth())
    assert response.status == 200
    deleted = (await response.json())["data"]
    assert deleted["id"] == recording_id and deleted["status"] == "completed"
    assert {k: v for k, v in deleted.items() if k != "download_urls"} == {
        k: v for k, v in before["data"].items() if k != "download_urls"
    }

    status, body = await harness.get(f"/v2/recordings/{recording_id}")
    assert_error(status, body, 404, "10005")
    assert [r["id"] for r in (await list_recordings(harness))["data"]] == [keep["recording_id"]]
    async with harness.client.session.get(link) as response:
        assert response.status == 404  # S3's answer for a deleted object
        assert b"<Code>NoSuchKey</Code>" in await response.read()
    again = await harness.client.delete(f"/v2/recordings/{recording_id}", headers=harness.auth())
    assert again.status == 404


async def test_another_tenant_cannot_delete_a_recording(harness: Harness) -> None:
    saved = await record(harness)
    response = await harness.client.delete(
        f"/v2/recordings/{saved['recording_id']}", headers=harness.auth(OTHER_KEY)
    )
    assert response.status == 404
    assert (await response.json())["errors"][0]["code"] == "10005"
    status, _ = await harness.get(f"/v2/recordings/{saved['recording_id']}")
    assert status == 200


async def test_bulk_delete_removes_the_listed_recordings(harness: Harness) -> None:
    one, two, three = await record_many(harness, 3)
    status, body = await harness.post("/v2/recordings/actions/delete", {"ids": [one, two]})
    assert (status, body) == (200, {"status": "ok"})
    assert [r["id"] for r in (await list_recordings(harness))["data"]] == [three]


@pytest.mark.parametrize("how", ["one", "bulk"])
async def test_a_deleted_recording_is_gone_from_its_call_in_the_dashboard_state(
    harness: Harness, how: str
) -> None:
    # The dashboard's calls (snapshot and live `call` events) list the call's recordings.
    gone, kept = await record_many(harness, 2)
    if how == "one":
        response = await harness.client.delete(f"/v2/recordings/{gone}", headers=harness.auth())
        assert response.status == 200
    else:
        status, _ = await harness.post("/v2/recordings/actions/delete", {"ids": [gone]})
        assert status == 200
    status, state = await harness.get(f"/_mock/state?api_key={API_KEY}", key=None)
    assert status == 200
    [call] = state["data"]["calls"]
    assert call["recording_ids"] == [kept]
    assert [r["id"] for r in state["data"]["recordings"]] == [kept]


@pytest.mark.parametrize("which", ["unknown", "another tenant's"])
async def test_bulk_delete_with_an_id_not_ours_is_404_and_deletes_nothing(
    harness: Harness, which: str
) -> None:
    one, two = await record_many(harness, 2)
    theirs = (await record(harness, key=OTHER_KEY))["recording_id"]
    stranger = "3fa85f64-5717-4562-b3fc-2c963f66afa6" if which == "unknown" else theirs
    status, body = await harness.post(
        "/v2/recordings/actions/delete", {"ids": [one, stranger, two]}
    )
    error = assert_error(status, body, 404, "10005")
    assert error["title"] == "Recording not found"
    assert error["detail"] == (
        "The recording could not be found. Please check the recording_id and try again."
    )
    assert error["source"] == {"pointer": "/ids/1"}
    assert {r["id"] for r in (await list_recordings(harness))["data"]} == {one, two}
    assert [r["id"] for r in (await list_recordings(harness, key=OTHER_KEY))["data"]] == [theirs]


@pytest.mark.parametrize(
    ("body", "code"), [({}, "10004"), ({"ids": "abc"}, "10026"), ({"ids": [1, 2]}, "10026")]
)
async def test_bulk_delete_needs_a_list_of_ids(
    harness: Harness, body: dict[str, Any], code: str
) -> None:
    status, response = await harness.post("/v2/recordings/actions/delete", body)
    error = assert_error(status, response, 422, code)
    assert error["source"] == {"pointer": "/ids"}


# --- the official SDK ----------------------------------------------------------------------------


def sdk(h: Harness, key: str = API_KEY) -> telnyx.AsyncTelnyx:
    base = str(h.client.make_url("")).rstrip("/")
    return telnyx.AsyncTelnyx(api_key=key, base_url=f"{base}/v2", max_retries=0)


async def test_sdk_list_auto_paginates_every_recording_once(harness: Harness) -> None:
    ids = await record_many(harness, 25)
    async with sdk(harness) as client:
        first = await client.recordings.list(page_size=10)
        assert len(first.data) == 10
        assert first.meta is not None and first.meta.total_pages == 3
        listed = [r.id async for r in client.recordings.list(page_size=10)]
    assert len(listed) == 25
    assert len(set(listed)) == 25 and set(listed) == set(ids)


async def test_sdk_list_filters_by_call_control_id(harness: Harness) -> None:
    await record(harness)
    wanted = await record(harness, {"format": "mp3"})
    async with sdk(harness) as client:
        page = await client.recordings.list(filter={"call_control_id": wanted["call_control_id"]})
    assert [r.id for r in page.data] == [wanted["recording_id"]]
    assert page.data[0].download_urls is not None and page.data[0].download_urls.mp3


async def test_sdk_retrieve_and_delete(harness: Harness) -> None:
    saved = await record(harness, seconds=3)
    recording_id = saved["recording_id"]
    async with sdk(harness) as client:
        got = (await client.recordings.retrieve(recording_id)).data
        assert got is not None
        assert got.id == recording_id and got.duration_millis == 3000
        assert got.record_type == "recording" and got.status == "completed"
        assert got.from_ == "+13125550111" and got.channels == "dual"
        assert got.download_urls is not None and got.download_urls.wav
        deleted = (await client.recordings.delete(recording_id)).data
        assert deleted is not None and deleted.id == recording_id
        with pytest.raises(telnyx.NotFoundError):
            await client.recordings.retrieve(recording_id)
        with pytest.raises(telnyx.NotFoundError):
            await client.recordings.delete(recording_id)


async def test_sdk_cannot_see_another_tenants_recording(harness: Harness) -> None:
    saved = await record(harness)
    async with sdk(harness, OTHER_KEY) as client:
        with pytest.raises(telnyx.NotFoundError):
            await client.recordings.retrieve(saved["recording_id"])
        assert (await client.recordings.list()).data == []
