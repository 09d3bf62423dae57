"""The dashboard's HTTP surface: the page, the snapshot, the event stream, redelivery."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse, web

from mockserver.core.scenario import DEFAULT_SCENARIO
from mockserver.runtime.mock import mask_key
from tests.conftest import API_KEY, OTHER_KEY, Harness

STATIC = Path(__file__).resolve().parents[2] / "mockserver" / "ui" / "static"
RECORD = {"format": "wav", "channels": "dual"}


# -- helpers ---------------------------------------------------------------------------------


async def next_event(response: ClientResponse, timeout: float = 30.0) -> tuple[str, Any]:
    """The next server-sent event (name, parsed data); comments and retry lines skipped."""
    name, data = "message", []
    while True:
        line = await asyncio.wait_for(response.content.readline(), timeout)
        assert line, "the event stream ended"
        text = line.decode("utf-8").rstrip("\r\n")
        if not text:
            if data:
                return name, json.loads("\n".join(data))
            continue
        field, _, value = text.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)


async def wait_for_event(
    response: ClientResponse, name: str, match: Any = lambda data: True
) -> Any:
    """Read events until one called ``name`` whose data satisfies ``match``."""
    while True:
        event, data = await next_event(response)
        if event == name and match(data):
            return data


async def state(harness: Harness, query: str = "") -> dict[str, Any]:
    status, body = await harness.get(f"/_mock/state{query}", key=None)
    assert status == 200, body
    return dict(body["data"])


async def recorded_call(harness: Harness) -> str:
    """A call that records 5 s, hangs up and whose recording.saved webhook was delivered."""
    call_control_id = await harness.answered_call()
    status, _ = await harness.command(call_control_id, "record_start", RECORD)
    assert status == 200
    await harness.advance(5)
    status, _ = await harness.command(call_control_id, "hangup")
    assert status == 200
    await harness.advance(DEFAULT_SCENARIO.recording_saved_delay + 1)
    assert harness.receiver.events("call.recording.saved", call_control_id)
    return call_control_id


def journal_entry(snapshot: dict[str, Any], event_type: str) -> dict[str, Any]:
    return next(w for w in snapshot["webhooks"] if w["event_type"] == event_type)


# -- the page --------------------------------------------------------------------------------


async def test_dashboard_page_is_html_served_by_the_mock(harness: Harness) -> None:
    response = await harness.client.get("/_mock/ui")
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    assert "<title>mockserver dashboard</title>" in html
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    for asset, content_type in (("app.js", "text/javascript"), ("style.css", "text/css")):
        assert f"/_mock/ui/{asset}" in html
        served = await harness.client.get(f"/_mock/ui/{asset}")
        assert served.status == 200, asset
        assert served.content_type == content_type
        assert await served.read() == (STATIC / asset).read_bytes()


def test_dashboard_files_reference_nothing_outside_the_mock() -> None:
    files = sorted(STATIC.iterdir())
    assert {f.name for f in files} >= {"index.html", "app.js", "style.css"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(?:https?|wss?|ftp):", text, re.IGNORECASE), path.name
        assert not re.search(r"""(?:src|href|url)\s*[=(]\s*["']?//""", text), path.name
        assert "@import" not in text, path.name
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    for reference in re.findall(r"""(?:src|href)="([^"]*)\"""", html):
        assert reference.startswith(("/_mock/ui/", "data:")), reference


async def test_unknown_dashboard_files_are_telnyx_shaped_404s(harness: Harness) -> None:
    for path in ("/_mock/ui/nope.js", "/_mock/ui/..%2Fapp.py", "/_mock/ui/index.html"):
        response = await harness.client.get(path)
        assert response.status == 404, path
        body = await response.json()
        assert body["errors"][0]["code"] == "10005", path


# -- the snapshot ----------------------------------------------------------------------------


async def test_state_shows_calls_commands_recordings_and_the_journal(harness: Harness) -> None:
    call_control_id = await harness.answered_call()
    status, _ = await harness.command(call_control_id, "record_start", {"format": "ogg"})
    assert status == 422
    status, _ = await harness.command(call_control_id, "record_start", RECORD)
    assert status == 200
    await harness.advance(5)
    await harness.command(call_control_id, "hangup")
    await harness.advance(DEFAULT_SCENARIO.recording_saved_delay + 1)

    snapshot = await state(harness)
    assert snapshot["tenants"] == [mask_key(API_KEY)]
    assert snapshot["clock"]["mode"] == "manual"
    [call] = snapshot["calls"]
    assert call["call_control_id"] == call_control_id
    assert call["state"] == "ended"
    assert call["tenant"] == mask_key(API_KEY)

    commands = [(c["command"], c["status"]) for c in snapshot["commands"]]
    assert commands == [
        ("dial", 200),
        ("record_start", 422),
        ("record_start", 200),
        ("hangup", 200),
    ]
    rejected = snapshot["commands"][1]
    assert rejected["ok"] is False
    assert rejected["call_control_id"] == call_control_id
    assert rejected["request"] == {"format": "ogg"}
    pointers = {e["source"]["pointer"] for e in rejected["errors"]}
    assert pointers == {"/format", "/channels"}

    [recording] = snapshot["recordings"]
    assert recording["completed"] is True
    assert recording["duration_seconds"] > 0
    assert set(recording["download_urls"]) == {"wav", "mp3"}
    async with harness.client.session.get(recording["download_url"]) as download:
        assert download.status == 200
        assert download.content_type == "audio/wav"

    saved = journal_entry(snapshot, "call.recording.saved")
    assert saved["tenant"] == mask_key(API_KEY)
    assert saved["outcome"] == "delivered"
    assert saved["attempt"] == 1


async def test_state_links_are_fresh_on_every_read(make_harness: Any) -> None:
    now = [1_800_000_000.0]
    harness = await make_harness(wall_clock=lambda: now[0])
    await recorded_call(harness)
    first = (await state(harness))["recordings"][0]["download_url"]
    now[0] += 60
    second = (await state(harness))["recordings"][0]["download_url"]
    assert first != second


async def test_state_filters_by_tenant_and_call(harness: Harness) -> None:
    ours = await harness.dial()
    theirs = await harness.dial(OTHER_KEY)
    await harness.advance(0)  # the call.initiated webhooks, due now, go out
    snapshot = await state(harness)
    assert snapshot["tenants"] == sorted([mask_key(API_KEY), mask_key(OTHER_KEY)])
    assert len(snapshot["calls"]) == 2

    only_other = await state(harness, f"?api_key={OTHER_KEY}")
    assert [c["call_control_id"] for c in only_other["calls"]] == [theirs["call_control_id"]]
    assert {c["tenant"] for c in only_other["commands"]} == {mask_key(OTHER_KEY)}
    assert {w["tenant"] for w in only_other["webhooks"]} == {mask_key(OTHER_KEY)}

    one_call = await state(harness, f"?call_control_id={ours['call_control_id']}")
    assert [c["call_control_id"] for c in one_call["calls"]] == [ours["call_control_id"]]
    assert [c["command"] for c in one_call["commands"]] == ["dial"]


async def test_a_rejected_dial_is_logged_without_a_call(harness: Harness) -> None:
    status, _ = await harness.post("/v2/calls", {"to": "+13125550100"})
    assert status == 422
    [entry] = (await state(harness))["commands"]
    assert entry["command"] == "dial"
    assert entry["call_control_id"] is None
    assert entry["ok"] is False
    assert {e["source"]["pointer"] for e in entry["errors"]} == {"/connection_id", "/from"}


async def test_command_log_keeps_unknown_actions_and_malformed_bodies(harness: Harness) -> None:
    call_control_id = (await harness.dial())["call_control_id"]
    status, _ = await harness.command(call_control_id, "teleport")
    assert status == 404
    response = await harness.client.post(
        f"/v2/calls/{call_control_id}/actions/hangup",
        data=b"{not json",
        headers={**harness.auth(), "Content-Type": "application/json"},
    )
    assert response.status == 400
    entries = (await state(harness))["commands"]
    assert [(e["command"], e["status"]) for e in entries] == [
        ("dial", 200),
        ("teleport", 404),
        ("hangup", 400),
    ]
    assert entries[2]["request"] == "{not json"
    assert entries[2]["errors"][0]["code"] == "10028"


async def test_unauthenticated_commands_are_not_logged(harness: Harness) -> None:
    status, _ = await harness.post("/v2/calls", {}, key=None)
    assert status == 401
    assert (await state(harness))["commands"] == []


async def test_reset_clears_the_command_log(harness: Harness) -> None:
    await harness.dial()
    await harness.dial(OTHER_KEY)
    status, _ = await harness.post("/_mock/reset", {"api_key": API_KEY}, key=None)
    assert status == 200
    assert {c["tenant"] for c in (await state(harness))["commands"]} == {mask_key(OTHER_KEY)}
    await harness.post("/_mock/reset", {}, key=None)
    assert (await state(harness))["commands"] == []


async def test_command_log_is_bounded_per_call(make_harness: Any) -> None:
    harness = await make_harness()
    harness.mock.command_log.per_call = 3
    call_control_id = (await harness.dial())["call_control_id"]
    for _ in range(5):
        await harness.command(call_control_id, "record_stop")
    entries = (await state(harness))["commands"]
    assert len(entries) == 3
    assert [e["seq"] for e in entries] == [4, 5, 6]


# -- the event stream ------------------------------------------------------------------------


async def test_events_are_server_sent_and_a_dial_shows_up(harness: Harness) -> None:
    response = await harness.client.get("/_mock/events")
    assert response.status == 200
    assert response.content_type == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    hello = await wait_for_event(response, "hello")
    assert hello["clock"]["mode"] == "manual"

    call = await harness.dial()
    call_control_id = call["call_control_id"]
    logged = await wait_for_event(response, "command")
    assert logged["data"]["command"] == "dial"
    assert logged["data"]["call_control_id"] == call_control_id
    shown = await wait_for_event(
        response, "call", lambda d: d["data"]["call_control_id"] == call_control_id
    )
    assert shown["data"]["state"] == "initiated"
    assert shown["now"].endswith("Z")
    webhook = await wait_for_event(response, "webhook")
    assert webhook["data"]["event_type"] == "call.initiated"
    assert webhook["data"]["tenant"] == mask_key(API_KEY)

    await harness.client.post("/_mock/clock/advance", json={"seconds": 2})
    answered = await wait_for_event(response, "call", lambda d: d["data"]["state"] == "answered")
    assert answered["data"]["call_control_id"] == call_control_id
    response.close()


async def test_events_carry_recordings_and_the_saved_webhook(harness: Harness) -> None:
    response = await harness.client.get("/_mock/events")
    await wait_for_event(response, "hello")
    call_control_id = await recorded_call(harness)
    recording = await wait_for_event(response, "recording", lambda d: d["data"]["completed"])
    assert recording["data"]["call_control_id"] == call_control_id
    assert recording["data"]["download_url"]
    saved = await wait_for_event(
        response, "webhook", lambda d: d["data"]["event_type"] == "call.recording.saved"
    )
    assert saved["data"]["outcome"] == "delivered"
    response.close()


async def test_events_filter_by_tenant(harness: Harness) -> None:
    response = await harness.client.get(f"/_mock/events?api_key={OTHER_KEY}")
    await wait_for_event(response, "hello")
    await harness.dial()
    theirs = await harness.dial(OTHER_KEY)
    logged = await wait_for_event(response, "command")
    assert logged["data"]["call_control_id"] == theirs["call_control_id"]
    response.close()


async def test_reset_tells_streams_to_reload(harness: Harness) -> None:
    response = await harness.client.get("/_mock/events")
    await wait_for_event(response, "hello")
    await harness.post("/_mock/reset", {}, key=None)
    assert (await wait_for_event(response, "resync"))["data"] == {"tenant": None}
    response.close()


async def test_an_open_stream_does_not_hold_up_shutdown(harness: Harness) -> None:
    response = await harness.client.get("/_mock/events")
    await wait_for_event(response, "hello")
    assert harness.mock.hub.subscriber_count() == 1
    await asyncio.wait_for(harness.client.server.close(), 5)
    assert harness.mock.hub.subscriber_count() == 0
    assert await asyncio.wait_for(response.content.read(), 5) == b""


# -- redelivery ------------------------------------------------------------------------------


async def test_redeliver_by_seq_sends_the_next_attempt(harness: Harness) -> None:
    call_control_id = await recorded_call(harness)
    saved = journal_entry(await state(harness), "call.recording.saved")
    before = len(harness.receiver.events("call.recording.saved", call_control_id))

    status, body = await harness.post(f"/_mock/webhooks/{saved['seq']}/redeliver", key=None)
    assert status == 200, body
    again = body["data"]
    assert again["event_id"] == saved["event_id"]
    assert again["attempt"] == saved["attempt"] + 1
    assert again["outcome"] == "delivered"
    assert again["seq"] > saved["seq"]

    received = harness.receiver.events("call.recording.saved", call_control_id)
    assert len(received) == before + 1
    assert received[-1].body["meta"]["attempt"] == 2
    assert received[-1].body["data"]["id"] == saved["event_id"]
    assert "telnyx-signature-ed25519" in received[-1].headers

    status, journal = await harness.get(
        f"/_mock/webhooks?event_type=call.recording.saved&call_control_id={call_control_id}",
        key=None,
    )
    assert [e["attempt"] for e in journal["data"]] == [1, 2]


async def test_redeliver_by_event_id_counts_on_from_the_latest_attempt(harness: Harness) -> None:
    call = await harness.dial()
    await harness.advance(0)
    initiated = journal_entry(await state(harness), "call.initiated")
    for expected in (2, 3):
        status, body = await harness.post(
            f"/_mock/webhooks/{initiated['event_id']}/redeliver", key=None
        )
        assert status == 200, body
        assert body["data"]["attempt"] == expected
    attempts = [
        r.body["meta"]["attempt"]
        for r in harness.receiver.events("call.initiated", call["call_control_id"])
    ]
    assert attempts == [1, 2, 3]


async def test_redeliver_an_unknown_webhook_is_a_telnyx_shaped_404(harness: Harness) -> None:
    for ref in ("999", "5d1c4ab0-0000-4000-8000-000000000000"):
        status, body = await harness.post(f"/_mock/webhooks/{ref}/redeliver", key=None)
        assert status == 404
        [error] = body["errors"]
        assert error["code"] == "10005"
        assert ref in error["detail"]


async def test_redelivery_is_journaled_live(harness: Harness) -> None:
    await harness.dial()
    await harness.advance(0)
    initiated = journal_entry(await state(harness), "call.initiated")
    response = await harness.client.get("/_mock/events")
    await wait_for_event(response, "hello")
    await harness.post(f"/_mock/webhooks/{initiated['seq']}/redeliver", key=None)
    again = await wait_for_event(response, "webhook")
    assert again["data"]["attempt"] == 2
    response.close()


async def test_openapi_lists_the_dashboard_routes(harness: Harness) -> None:
    status, document = await harness.get("/v2/openapi.json", key=None)
    assert status == 200
    paths = document["paths"]
    assert "post" in paths["/_mock/webhooks/{ref}/redeliver"]
    for path in ("/_mock/state", "/_mock/events", "/_mock/ui"):
        assert "get" in paths[path], path


async def test_a_retry_after_a_redelivery_counts_on(harness: Harness) -> None:
    statuses = iter([500])

    async def fail_once(request: web.Request) -> web.StreamResponse:
        return web.Response(status=next(statuses, 200))

    harness.receiver.behaviour = fail_once
    await harness.dial()
    await harness.advance(0)  # attempt 1 fails; the retry is due in 1 s
    failed = journal_entry(await state(harness), "call.initiated")
    assert failed["outcome"] == "failed"
    status, body = await harness.post(f"/_mock/webhooks/{failed['seq']}/redeliver", key=None)
    assert (status, body["data"]["attempt"], body["data"]["outcome"]) == (200, 2, "delivered")
    await harness.advance(1)  # the queued retry still goes, as the next attempt
    attempts = [r.body["meta"]["attempt"] for r in harness.receiver.events("call.initiated")]
    assert attempts == [1, 2, 3]


# -- with a control token ----------------------------------------------------------------------

TOKEN = "dashboard-control-token"


async def test_with_a_control_token_the_page_loads_but_its_data_needs_the_token(
    make_harness: Any,
) -> None:
    harness = await make_harness(control_token=TOKEN)
    for path in ("/_mock/ui", "/_mock/ui/app.js", "/_mock/ui/style.css"):
        response = await harness.client.get(path)
        assert response.status == 200, path  # no data in them, and a browser cannot send it
    for path in ("/_mock/state", "/_mock/events"):
        response = await harness.client.get(path)
        assert response.status == 401, path
        assert (await response.json())["errors"][0]["code"] == "10009"
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    response = await harness.client.get("/_mock/state", headers=bearer)
    assert response.status == 200
    response = await harness.client.get("/_mock/events", headers=bearer)
    assert response.content_type == "text/event-stream"
    await wait_for_event(response, "hello")
    response.close()
    response = await harness.client.post("/_mock/webhooks/1/redeliver")
    assert response.status == 401


async def test_state_and_page_show_the_webhook_public_key(harness: Harness) -> None:
    snapshot = await state(harness)
    assert snapshot["public_key"] == harness.mock.signer.public_key_b64
    status, body = await harness.get("/_mock/webhook-key", key=None)
    assert status == 200 and body["public_key"] == snapshot["public_key"]
    async with harness.client.get("/_mock/ui") as response:
        assert 'data-testid="public-key"' in await response.text()


# -- waveform and the history of ended calls (issue 15) --------------------------------------


async def waveform_of(harness: Harness, recording_id: str, query: str = "") -> tuple[int, Any]:
    return await harness.get(f"/_mock/recordings/{recording_id}/waveform{query}", key=None)


async def test_waveform_of_a_dual_recording_has_two_lanes_and_the_speech(
    harness: Harness,
) -> None:
    call_control_id = await recorded_call(harness)
    [recording] = (await state(harness))["recordings"]
    assert recording["call_control_id"] == call_control_id
    status, body = await waveform_of(harness, recording["id"], "?points=50")
    assert status == 200, body
    data = body["data"]
    assert [lane["label"] for lane in data["lanes"]] == ["inbound", "outbound"]
    assert all(len(lane["peaks"]) == 50 for lane in data["lanes"])
    assert all(0 <= peak <= 1 for lane in data["lanes"] for peak in lane["peaks"])
    assert data["duration_seconds"] == recording["duration_seconds"]
    assert set(data["speech"]) == {"inbound", "outbound"}
    for spans in data["speech"].values():
        assert all(0 <= start < end <= data["duration_seconds"] for start, end in spans)


async def test_waveform_of_a_single_recording_has_one_lane(harness: Harness) -> None:
    call_control_id = await harness.answered_call()
    await harness.command(call_control_id, "record_start", {"format": "mp3", "channels": "single"})
    await harness.advance(3)
    await harness.command(call_control_id, "hangup")
    await harness.advance(DEFAULT_SCENARIO.recording_saved_delay + 1)
    [recording] = (await state(harness))["recordings"]
    status, body = await waveform_of(harness, recording["id"])
    assert status == 200, body
    assert len(body["data"]["lanes"]) == 1 and body["data"]["channels"] == 1


async def test_waveform_errors_are_telnyx_shaped(harness: Harness) -> None:
    await recorded_call(harness)
    [recording] = (await state(harness))["recordings"]
    status, body = await waveform_of(harness, "no-such-recording")
    assert status == 404 and body["errors"][0]["code"] == "10005"
    for points in ("0", "2001", "x", "9" * 5000):
        status, body = await waveform_of(harness, recording["id"], f"?points={points}")
        assert status == 400 and "points" in body["errors"][0]["detail"], points


async def test_ended_calls_the_api_forgot_stay_in_the_snapshot_until_reset(
    harness: Harness,
) -> None:
    call_control_id = await recorded_call(harness)
    await harness.advance(601)  # call_retention_seconds: the API forgets it
    assert (await harness.get(f"/v2/calls/{call_control_id}"))[0] == 404
    snapshot = await state(harness)
    assert snapshot["calls"] == []
    [forgotten] = snapshot["forgotten_calls"]
    assert forgotten["call_control_id"] == call_control_id and forgotten["forgotten"] is True
    assert forgotten["state"] == "ended"
    await harness.post("/_mock/reset", {}, key=None)
    assert (await state(harness))["forgotten_calls"] == []


async def test_the_history_is_bounded_by_count(harness: Harness) -> None:
    from mockserver.runtime.mock import ENDED_CALL_HISTORY

    assert harness.mock.forgotten_calls.maxlen == ENDED_CALL_HISTORY
