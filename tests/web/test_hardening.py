"""Issue 12, hardening round two: each defect as it was reproduced, and its bound.

Scenario defects (4, 5, 6's YAML, 7's bounds, 12) are in tests/scenarios/test_scenario_hardening.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import json
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

import pytest
from aiohttp import web
from yarl import URL

from mockserver.cli import _config, parse_args
from mockserver.config import LOOPBACK_HOSTS
from mockserver.core.scenario import DEFAULT_SCENARIO
from mockserver.runtime.command_log import CommandLog
from mockserver.runtime.mock import mask_key
from mockserver.web.downloads import MEDIA_DIR
from tests.conftest import API_KEY, OTHER_KEY, Harness, MakeHarness, loop_stall
from tests.web.media_support import inbound
from tests.web.telnyx_errors import error_items, send
from tests.web.test_downloads import fetch, record
from tests.web.test_hostile import raw_request

TOKEN = "control-secret"


# -- defect 6: odd inputs answered 500 ---------------------------------------------------------

HUGE_INTEGER = '{"seconds": ' + "1" * 4301 + "}"
JSON_ROUTES = [
    ("POST", "/v2/calls"),
    ("POST", "/v2/calls/v3:" + "Q" * 54 + "/actions/record_start"),
    ("POST", "/v2/recordings/actions/delete"),
    ("POST", "/_mock/reset"),
    ("POST", "/_mock/clock/advance"),
    ("POST", "/_mock/calls"),
    ("POST", "/_mock/calls/v3:" + "Q" * 54 + "/hangup"),
    ("POST", "/_mock/scenario"),
]


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
async def test_a_json_integer_over_4300_digits_is_400_on_every_json_route(
    harness: Harness, method: str, path: str
) -> None:
    response = await send(harness, method, path, HUGE_INTEGER)
    [item] = await error_items(response, 400)
    assert item["code"] == "10028" and "too many digits" in item["detail"]


async def test_redeliver_with_a_5000_digit_reference_is_404(harness: Harness) -> None:
    await harness.dial()  # a journal line to compare the reference with
    await harness.advance(0)
    assert harness.mock.dispatcher.journal
    status, body = await harness.post(f"/_mock/webhooks/{'9' * 5000}/redeliver", {}, key=None)
    assert status == 404 and body["errors"][0]["code"] == "10005"


async def test_a_control_token_that_is_not_utf8_is_401(make_harness: MakeHarness) -> None:
    h = await make_harness(control_token=TOKEN)
    request = (
        b"POST /_mock/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Authorization: Bearer \xff\xfe\r\nContent-Length: 0\r\n\r\n"
    )
    response = await raw_request(h, request)
    assert response.status == 401, response
    assert response.json()["errors"][0]["code"] == "10009"


# -- defect 7: far-future times break shutdown -------------------------------------------------


async def test_shutdown_reports_every_pending_webhook_even_one_no_timestamp_can_show(
    make_harness: MakeHarness,
) -> None:
    # The schema now refuses 1e12 (tests/scenarios); a scenario built in Python still can
    # carry it, and shutdown must report all, not stop at the first it cannot render.
    h = await make_harness(scenario=replace(DEFAULT_SCENARIO, recording_saved_delay=1e12))
    for _ in range(2):
        call = await h.answered_call()
        await h.command(call, "record_start", {"format": "wav", "channels": "single"})
        await h.command(call, "hangup")
    assert h.mock.dispatcher.pending_count() >= 2
    reported = await h.mock.dispatcher.shutdown(grace_seconds=1.0)
    # Both far-future call.recording.saved events are reported, with their ids.
    assert [entry.event_type for entry in reported] == ["call.recording.saved"] * 2
    assert {entry.outcome for entry in reported} == {"undelivered"}
    assert h.mock.dispatcher.pending_count() == 0


# -- ring timeout: a parked inbound call does not live forever ---------------------------------


async def test_an_unanswered_inbound_call_is_cancelled_by_the_caller_after_60_s(
    harness: Harness,
) -> None:
    call = await inbound(harness)
    await harness.advance(59.9)
    assert harness.receiver.types() == ["call.initiated"]
    await harness.advance(0.1)
    [hangup] = harness.receiver.events("call.hangup", call)
    assert (
        hangup.payload["hangup_cause"],
        hangup.payload["hangup_source"],
        hangup.payload["sip_hangup_cause"],
    ) == ("originator_cancel", "caller", "487")
    await harness.advance(harness.mock.simulator.call_retention_seconds)
    assert harness.mock.simulator.find_call(API_KEY, call) is None  # purged: memory back


async def test_the_ring_timeout_is_the_scenarios(make_harness: MakeHarness) -> None:
    h = await make_harness(scenario=replace(DEFAULT_SCENARIO, inbound_ring_timeout=5.0))
    status, _ = await h.post("/_mock/scenario", {"call": {"inbound_ring_timeout": 5}}, key=None)
    assert status == 200
    call = await inbound(h)
    await h.advance(5)
    assert [r.event_type for r in h.receiver.events(call_control_id=call)] == [
        "call.initiated",
        "call.hangup",
    ]


async def test_an_inbound_call_answered_in_time_is_not_cancelled(harness: Harness) -> None:
    call = await inbound(harness)
    await harness.advance(30)
    status, _ = await harness.command(call, "answer")
    assert status == 200
    await harness.advance(60)
    assert harness.receiver.events("call.hangup", call) == []
    status, body = await harness.get(f"/v2/calls/{call}")
    assert body["data"]["is_alive"] is True


def test_hugeinteger_is_beyond_pythons_int_limit() -> None:
    with pytest.raises(ValueError):
        json.loads(HUGE_INTEGER)


# -- defect 1: a webhook URL pointing at the mock itself ---------------------------------------


def own_url(h: Harness, path: str) -> str:
    return f"{h.mock.links.base_url}{path}"


SELF_PATHS = [
    "/_mock/webhooks/1/redeliver",
    "/_mock/reset",
    "/_mock",
    "/hooks/../_mock/reset",
    "//_mock//reset",
]


@pytest.mark.parametrize("path", SELF_PATHS)
@pytest.mark.parametrize("field", ["webhook_url", "webhook_url_failover"])
async def test_dial_refuses_a_webhook_url_on_the_mocks_own_control_api(
    harness: Harness, path: str, field: str
) -> None:
    body = {
        "connection_id": "1",
        "to": "+13125550100",
        "from": "+13125550111",
        field: own_url(harness, path),
    }
    response = await send(harness, "POST", "/v2/calls", json.dumps(body))
    [item] = await error_items(response, 422)
    assert (item["code"], item["source"]["pointer"]) == ("10015", f"/{field}")
    assert harness.mock.simulator.tenants.get(API_KEY) is None or not (
        harness.mock.simulator.tenants[API_KEY].calls
    )


async def test_any_host_name_for_the_mocks_port_is_the_mock(harness: Harness) -> None:
    port = harness.client.server.port
    url = f"http://localhost:{port}/_mock/reset"
    status, body = await harness.post(
        "/v2/calls",
        {"connection_id": "1", "to": "+13125550100", "from": "+13125550111", "webhook_url": url},
    )
    assert status == 422, body


async def test_answer_and_injected_calls_refuse_the_mocks_own_control_api(
    harness: Harness,
) -> None:
    call = await inbound(harness)
    url = own_url(harness, "/_mock/reset")
    status, body = await harness.command(call, "answer", {"webhook_url": url})
    assert (status, body["errors"][0]["source"]["pointer"]) == (422, "/webhook_url")
    status, body = await harness.post(
        "/_mock/calls",
        {"to": "+13125550100", "from": "+13125550199", "connection_id": "1", "webhook_url": url},
    )
    assert status == 422, body


async def test_a_default_webhook_url_on_the_mock_is_journaled_as_refused_once(
    harness: Harness,
) -> None:
    harness.mock.dispatcher.default_url = own_url(harness, "/_mock/webhooks/1/redeliver")
    status, _ = await harness.post(
        "/v2/calls", {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"}
    )
    assert status == 200
    await harness.advance(60)  # every retry would have come round by now
    journal = list(harness.mock.dispatcher.journal)
    assert {line.outcome for line in journal} == {"refused"}
    assert len(journal) == len({line.event_id for line in journal})  # one line per event


async def test_a_webhook_that_reaches_the_control_api_anyway_is_refused_and_bounded(
    harness: Harness,
) -> None:
    # As through a proxy or a mapped port: the URL does not look like the mock's own.
    harness.mock.dispatcher.own_port = lambda: None
    other = await harness.answered_call(key="KEY_TENANT_B")
    looping = await harness.dial(webhook_url=own_url(harness, "/_mock/webhooks/1/redeliver"))
    await harness.dial(webhook_url=own_url(harness, "/_mock/reset"))
    await harness.advance(60)
    lines = [line for line in harness.mock.dispatcher.journal if line.tenant == API_KEY]
    # 1 + 2 retries per event, each refused by the control API with 403; nothing reset.
    assert {line.status for line in lines if line.outcome == "failed"} == {403}
    events = {line.event_id for line in lines}
    assert len(lines) <= 4 * len(events)
    assert harness.mock.simulator.find_call("KEY_TENANT_B", other) is not None
    [entry] = [line for line in lines if line.call_control_id == looping["call_control_id"]][:1]
    # Redeliver that line now that the port is known: refused, one line, no loop.
    harness.mock.dispatcher.own_port = lambda: harness.client.server.port
    before = len(harness.mock.dispatcher.journal)
    status, body = await harness.post(f"/_mock/webhooks/{entry.seq}/redeliver", {}, key=None)
    assert (status, body["data"]["outcome"]) == (200, "refused")
    await harness.advance(60)
    assert len(harness.mock.dispatcher.journal) == before + 1


async def test_a_signed_request_to_the_control_api_is_403(harness: Harness) -> None:
    response = await send(
        harness,
        "POST",
        "/_mock/reset",
        "{}",
        key=None,
        headers={"Telnyx-Signature-Ed25519": "x", "Telnyx-Timestamp": "1"},
    )
    [item] = await error_items(response, 403)
    assert item["code"] == "10010"


# -- defect 3: the webhook sender read the receiver's whole answer -----------------------------


def answering(h: Harness, respond: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> None:
    h.receiver.behaviour = respond


async def test_a_huge_answer_is_not_read_and_the_webhook_counts_as_delivered(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness()
    sent = [0]

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = 64 * 1024 * 1024
        await response.prepare(request)
        chunk = b"x" * 65536
        with contextlib.suppress(ConnectionError):
            for _ in range(1024):
                await response.write(chunk)
                sent[0] += len(chunk)
        return response

    answering(h, huge)
    await h.dial()
    await h.advance(0)
    [line] = list(h.mock.dispatcher.journal)
    assert (line.outcome, line.status) == ("delivered", 200)
    # The mock dropped the connection after 16 KiB: the receiver got only as far as the
    # socket buffers let it (64 MiB were on offer; reading it whole cost RSS its size).
    assert sent[0] < 16 * 1024 * 1024, sent[0]


async def test_a_gzip_answer_is_never_decompressed(make_harness: MakeHarness) -> None:
    h = await make_harness()
    bomb = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9)  # 64 KiB → 64 MiB

    async def gzipped(request: web.Request) -> web.StreamResponse:
        if request.headers.get("X-Probe"):
            raise AssertionError("unreachable")
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip"})

    answering(h, gzipped)
    async with loop_stall() as stall:
        await h.dial()
        await h.advance(0)
    [line] = list(h.mock.dispatcher.journal)
    assert (line.outcome, line.status) == ("delivered", 200)
    assert stall[0] < 1.0, f"loop stalled {stall[0]:.3f} s"


async def test_a_2xx_with_a_body_that_is_not_valid_gzip_is_delivered(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness()

    async def broken(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"not gzip at all", headers={"Content-Encoding": "gzip"})

    answering(h, broken)
    await h.dial()
    await h.advance(0)
    [line] = list(h.mock.dispatcher.journal)
    assert (line.outcome, line.status, line.error) == ("delivered", 200, None)


async def test_the_webhook_timeout_covers_a_body_that_never_ends(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(webhook_timeout_seconds=1.0)  # the 200 must arrive within it

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = 1024 * 1024
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            for _ in range(400):  # 8 s at least
                await response.write(b"x")
                await asyncio.sleep(0.02)
        return response

    answering(h, trickle)
    await h.dial()
    await h.advance(0)
    [line] = list(h.mock.dispatcher.journal)
    # Answered 200 in time: delivered (it was journaled as a timeout), and the attempt ends
    # with the timeout, not when the receiver is done.
    assert (line.outcome, line.status) == ("delivered", 200)
    assert line.latency_ms < 1000 + 2000, line.latency_ms


# -- defect 10: custom_file_name values that gave dead links -----------------------------------


@pytest.mark.parametrize("name", ["a/b", "../x", "..", "a?b#c", "50%", "é"])
async def test_every_custom_file_name_gives_links_that_work(harness: Harness, name: str) -> None:
    recorded = await record(harness, {"custom_file_name": name, "format": "mp3"})
    recording = harness.mock.simulator.find_recording(recorded.payload["recording_id"])
    assert recording is not None
    urls = [recorded.url, harness.mock.links.url_for(recording, "wav")]
    for url in urls:
        result = await fetch(harness, URL(url, encoded=True))
        assert result.status == 200, (url, result.body[:200])


# -- defect 11: MP3 scratch files survived a reset ---------------------------------------------


def scratch_files(h: Harness) -> list[str]:
    return sorted(path.name for path in h.client.server.app[MEDIA_DIR].iterdir())


async def test_reset_deletes_encoded_mp3_files(harness: Harness) -> None:
    mine = await record(harness, {"format": "mp3", "channels": "single"})
    other = await record(harness, {"format": "mp3", "channels": "single"}, key=OTHER_KEY)
    for recorded in (mine, other):
        assert (await fetch(harness, recorded.url)).status == 200
    assert len(scratch_files(harness)) == 2
    status, _ = await harness.post("/_mock/reset", {"api_key": OTHER_KEY}, key=None)
    assert status == 200
    assert scratch_files(harness) == [f"{mine.payload['recording_id']}.mp3"]
    status, _ = await harness.post("/_mock/reset", {}, key=None)
    assert status == 200
    assert scratch_files(harness) == []


# -- defect 2: the command log kept chunked bodies whole ---------------------------------------


async def chunked(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 16 * 1024):
        yield body[start : start + 16 * 1024]


def made_up_call_id(n: int) -> str:
    return "v3:" + f"{n:054d}"


async def test_chunked_bodies_for_made_up_calls_keep_a_bounded_log(harness: Harness) -> None:
    log = harness.mock.command_log
    body = json.dumps({"payload": "x" * (200 * 1024), "voice": "female", "language": "en-US"})
    for n in range(300):
        response = await harness.client.post(
            f"/v2/calls/{made_up_call_id(n)}/actions/speak",
            data=chunked(body.encode()),
            headers={**harness.auth(), "Content-Type": "application/json"},
        )
        assert response.status == 422  # no such call
        assert "Content-Length" not in response.request_info.headers
    entries = log.entries()
    # One bucket for ids no call has: per_call entries, each with a placeholder.
    assert len(entries) == log.per_call
    assert {entry.request for entry in entries} == {f"<{len(body)} bytes, not kept>"}
    # Each entry keeps a placeholder and a small error: 1 MiB in all (it was 300 × 200 KiB).
    assert log.bytes <= 1024 * 1024, log.bytes


async def test_the_command_log_is_bounded_by_bytes_overall(harness: Harness) -> None:
    harness.mock.command_log = CommandLog(max_bytes=256 * 1024)
    log = harness.mock.command_log
    # Parsed JSON costs more than its text: 4,000 empty lists are 12 KiB of text, 220 KiB kept.
    body = json.dumps({"client_state": None, "command_id": "c", "x": [[]] * 4000})
    assert len(body) < 16 * 1024
    calls = [(await harness.dial())["call_control_id"] for _ in range(10)]
    tracemalloc.start()
    try:
        gc.collect()
        baseline = tracemalloc.get_traced_memory()[0]
        for call in calls * 4:
            await send(harness, "POST", f"/v2/calls/{call}/actions/hangup", body)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert log.bytes <= log.max_bytes
    # Measured: what the log and everything else those 40 requests left hold (journal lines,
    # ended calls: under 1 MiB). Unbounded, the log alone held 40 × 220 KiB = 8.6 MiB.
    assert kept < log.max_bytes + 1024 * 1024, kept


# -- defect 13: tenants were never cleaned up --------------------------------------------------


async def test_reads_with_new_keys_create_no_tenant(harness: Harness) -> None:
    for n in range(300):
        key = f"KEY_NEW_{n}"
        assert (await harness.get("/v2/recordings", key=key))[0] == 200
        assert (await harness.get(f"/v2/calls/{made_up_call_id(n)}", key=key))[0] == 404
        assert (await harness.command(made_up_call_id(n), "hangup", key=key))[0] == 422
    assert dict(harness.mock.simulator.tenants) == {}
    status, body = await harness.get("/_mock/state", key=None)
    assert (status, body["data"]["tenants"]) == (200, [])


async def test_a_control_route_refuses_a_key_outside_the_api_keys(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(api_keys=frozenset({"KA", "KB"}))
    body = {"api_key": "EVIL", "to": "+13125550100", "from": "+13125550199", "connection_id": "1"}
    response = await send(h, "POST", "/_mock/calls", json.dumps(body), key="KA")
    [item] = await error_items(response, 422)
    assert item["source"]["pointer"] == "/api_key"
    assert "EVIL" not in h.mock.simulator.tenants
    body["api_key"] = "KB"
    response = await send(h, "POST", "/_mock/calls", json.dumps(body), key="KA")
    assert response.status == 200


async def test_a_tenant_goes_when_it_owns_nothing(harness: Harness) -> None:
    call = await harness.answered_call(key=OTHER_KEY)
    await harness.command(call, "hangup", key=OTHER_KEY)
    assert OTHER_KEY in harness.mock.simulator.tenants
    await harness.advance(harness.mock.simulator.call_retention_seconds)
    assert OTHER_KEY not in harness.mock.simulator.tenants  # the call purged, nothing left
    recorded = await record(harness, key=OTHER_KEY)
    await harness.command(recorded.ccid, "hangup", key=OTHER_KEY)
    await harness.advance(harness.mock.simulator.call_retention_seconds)
    assert OTHER_KEY in harness.mock.simulator.tenants  # the recording keeps it
    recording_id = recorded.payload["recording_id"]
    response = await send(harness, "DELETE", f"/v2/recordings/{recording_id}", key=OTHER_KEY)
    assert response.status == 200
    assert OTHER_KEY not in harness.mock.simulator.tenants


async def test_tenants_are_bounded(make_harness: MakeHarness) -> None:
    h = await make_harness(max_tenants=3)
    for n in range(3):
        await h.dial(key=f"KEY_{n}")
    status, body = await h.post(
        "/v2/calls",
        {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"},
        key="KEY_3",
    )
    assert (status, body["errors"][0]["code"]) == (429, "10011")
    await h.dial(key="KEY_0")  # keys that own something still work
    assert len(h.mock.simulator.tenants) == 3
    await h.post("/_mock/reset", {}, key=None)
    await h.dial(key="KEY_3")


# -- defect 9: the control API trusted any Origin and Host -------------------------------------


async def test_a_foreign_origin_cannot_reset_even_with_a_simple_text_post(
    harness: Harness,
) -> None:
    call = await harness.dial()
    response = await send(
        harness,
        "POST",
        "/_mock/reset",
        "{}",
        key=None,
        content_type="text/plain",
        headers={"Origin": "http://evil.example"},
    )
    [item] = await error_items(response, 403)
    assert item["code"] == "10010" and "evil.example" in item["detail"]
    assert harness.mock.simulator.find_call(API_KEY, call["call_control_id"]) is not None


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "null", "http://127.0.0.1.evil.example", "file://", "ftp://localhost"],
)
async def test_foreign_origins_are_refused_on_every_control_route(
    harness: Harness, origin: str
) -> None:
    for method, path in (("GET", "/_mock/state"), ("POST", "/_mock/clock/advance")):
        response = await send(harness, method, path, "{}", key=None, headers={"Origin": origin})
        await error_items(response, 403)


@pytest.mark.parametrize(
    "origin", ["http://127.0.0.1:1", "https://localhost", "http://[::1]:9000", "http://LOCALHOST"]
)
async def test_the_mocks_own_origins_are_accepted_on_any_port(
    harness: Harness, origin: str
) -> None:
    response = await send(
        harness,
        "POST",
        "/_mock/clock/advance",
        '{"seconds": 1}',
        key=None,
        headers={"Origin": origin},
    )
    assert response.status == 200, await response.text()


@pytest.mark.parametrize(
    "path", ["/_mock/state", "/_mock/ui", "/v2/recordings", "/v2/openapi.json"]
)
async def test_a_foreign_host_is_refused_on_every_route(harness: Harness, path: str) -> None:
    response = await send(
        harness,
        "GET",
        path,
        key=API_KEY,
        content_type=None,
        headers={"Host": "attacker.example"},
    )
    [item] = await error_items(response, 403)
    assert "--allowed-host" in item["detail"]


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:80", "LOCALHOST."])
async def test_loopback_hosts_are_accepted(harness: Harness, host: str) -> None:
    response = await send(harness, "GET", "/_mock/health", key=None, headers={"Host": host})
    assert response.status == 200


async def test_allowed_hosts_open_it_for_a_container(make_harness: MakeHarness) -> None:
    named = await make_harness(allowed_hosts=frozenset({"mock.internal"}))
    for host, status in (("mock.internal:8000", 200), ("other.internal", 403)):
        response = await send(named, "GET", "/_mock/health", key=None, headers={"Host": host})
        assert response.status == status
    anything = await make_harness(allowed_hosts=None)  # --allowed-host '*'
    response = await send(
        anything,
        "POST",
        "/_mock/reset",
        "{}",
        key=None,
        headers={"Host": "anything.example", "Origin": "http://anything.example"},
    )
    assert response.status == 200


async def test_state_never_shows_a_whole_api_key(harness: Harness) -> None:
    secret = "KEY0188E1B3CF3B43E5A0B0F4C2E52F3B9D_real_telnyx_key"
    call = await harness.answered_call(key=secret)
    await harness.command(call, "record_start", {"format": "wav", "channels": "single"}, key=secret)
    response = await harness.client.get("/_mock/state")
    text = await response.text()
    assert secret not in text
    label = mask_key(secret)
    assert label == "KEY…_key" and json.loads(text)["data"]["tenants"] == [label]
    # The dashboard filters and acts with the label: the mock knows which key it stands for.
    response = await harness.client.get("/_mock/state", params={"api_key": label})
    assert [c["call_control_id"] for c in (await response.json())["data"]["calls"]] == [call]
    status, _ = await harness.post(f"/_mock/calls/{call}/hangup", {"api_key": label}, key=None)
    assert status == 200
    status, _ = await harness.post("/_mock/reset", {"api_key": label}, key=None)
    assert status == 200 and secret not in harness.mock.simulator.tenants


def test_cli_allowed_host_flags() -> None:
    assert _config(parse_args([])).allowed_hosts == LOOPBACK_HOSTS
    assert _config(parse_args(["--allowed-host", "*"])).allowed_hosts is None
    hosts = _config(parse_args(["--allowed-host", "a.example", "--allowed-host", "b"]))
    assert hosts.allowed_hosts == LOOPBACK_HOSTS | {"a.example", "b"}
