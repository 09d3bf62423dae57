"""Faults: webhook receivers that fail in every way, shutdown with webhooks due, and load.

Already covered in tests/http/test_webhooks.py and not repeated: a receiver down for one
attempt, a reset connection, one 307 not followed, a hung receiver holding up only its own
call, 500s until the retries run out, failover. Here: every failure mode followed by a
recovery, receivers down or redirecting for good (redirect loops), SIGTERM on the real
process while webhooks are in flight or queued, 100 identical concurrent commands, and 1,000
calls recording at once. No timing is asserted: the journal and the receiver say what happened.
"""

from __future__ import annotations

import asyncio
import re
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from mockserver.core.scenario import Scenario
from tests.cli.test_cli import Launcher, launch
from tests.conftest import API_KEY, Harness, MakeHarness

__all__ = ["launch"]  # the fixture, imported for the process tests below

RECORD = {"format": "wav", "channels": "single"}


async def journal(harness: Harness, **query: str) -> list[dict[str, Any]]:
    status, body = await harness.get(
        "/_mock/webhooks?" + "&".join(f"{k}={v}" for k, v in query.items()), key=None
    )
    assert status == 200, body
    return list(body["data"])


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/hooks"


Behaviour = Callable[[web.Request], Awaitable[web.StreamResponse]]


def first_attempt_fails(failure: Behaviour) -> Behaviour:
    """The receiver misbehaves on attempt 1 of every event and answers 200 after that."""

    async def behaviour(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if body["meta"]["attempt"] == 1:
            return await failure(request)
        return web.Response(text="ok")

    return behaviour


def status(code: int) -> Behaviour:
    async def answer(request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, headers={"Location": str(request.url)}, text="no")

    return answer


async def reset(request: web.Request) -> web.StreamResponse:
    assert request.transport is not None
    request.transport.abort()
    raise ConnectionResetError("receiver hung up")


async def hang(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(3)  # past the 1 s timeout these tests configure
    return web.Response(text="too late")


FAILURES: dict[str, tuple[Behaviour, int | None, str | None]] = {
    # name: (behaviour, journaled status, journaled error; None: any non-empty error)
    "500": (status(500), 500, "HTTP 500"),
    "502": (status(502), 502, "HTTP 502"),
    "503": (status(503), 503, "HTTP 503"),
    "429": (status(429), 429, "HTTP 429"),
    "404": (status(404), 404, "HTTP 404"),
    "301": (status(301), 301, "HTTP 301"),
    "302": (status(302), 302, "HTTP 302"),
    "303": (status(303), 303, "HTTP 303"),
    "307": (status(307), 307, "HTTP 307"),
    "308": (status(308), 308, "HTTP 308"),
    "connection reset": (reset, None, None),
    "timeout": (hang, None, "timeout after 1.0 s"),
}


@pytest.mark.parametrize("failure", list(FAILURES), ids=list(FAILURES))
async def test_a_failed_attempt_is_retried_and_the_event_delivered_once(
    make_harness: MakeHarness, failure: str
) -> None:
    behaviour, status_code, error = FAILURES[failure]
    # Only the hanging receiver needs a short timeout (1 s: the retry that follows must still
    # be answered within it on a loaded machine); the others keep the harness's generous one.
    timeout = {"webhook_timeout_seconds": 1.0} if failure == "timeout" else {}
    harness = await make_harness(**timeout)
    harness.receiver.behaviour = first_attempt_fails(behaviour)
    call = await harness.dial()
    ccid = call["call_control_id"]
    await harness.advance(0)  # call.initiated: attempt 1 fails
    await harness.advance(2)  # its retry at 1 s works; call.answered (1 s) fails, then works
    entries = await journal(harness, call_control_id=ccid)
    assert [(e["event_type"], e["attempt"], e["outcome"]) for e in entries] == [
        ("call.initiated", 1, "failed"),
        ("call.initiated", 2, "delivered"),
        ("call.answered", 1, "failed"),
        ("call.answered", 2, "delivered"),
    ], entries
    for entry in (entries[0], entries[2]):
        assert entry["status"] == status_code
        assert entry["error"] == error if error is not None else entry["error"]
    # Delivered means the receiver answered 2xx exactly once per event.
    delivered = [r for r in harness.receiver.received if r.body["meta"]["attempt"] == 2]
    assert [r.event_type for r in delivered] == ["call.initiated", "call.answered"]
    status_now, body = await harness.get(f"/v2/calls/{ccid}")
    assert status_now == 200 and body["data"]["is_alive"] is True


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
async def test_a_redirect_loop_is_never_followed_and_ends_undelivered(
    harness: Harness, code: int
) -> None:
    harness.receiver.behaviour = status(code)  # Location: the very same URL, for ever
    call = await harness.dial(timeout_secs=60)
    await harness.advance(0.5)  # call.initiated only: answering comes at 1 s
    await harness.advance(3)
    initiated = [
        e
        for e in await journal(harness, call_control_id=call["call_control_id"])
        if e["event_type"] == "call.initiated"
    ]
    assert [(e["attempt"], e["status"], e["outcome"]) for e in initiated] == [
        (1, code, "failed"),
        (2, code, "failed"),
        (3, code, "failed"),
        (3, None, "undelivered"),
    ]
    # One request per attempt: the redirect itself was never requested again.
    assert [r.body["meta"]["attempt"] for r in harness.receiver.events("call.initiated")] == [
        1,
        2,
        3,
    ]


async def test_a_receiver_down_for_good_ends_every_event_undelivered_and_the_api_serves(
    harness: Harness,
) -> None:
    call = await harness.dial(webhook_url=closed_port_url())
    ccid = call["call_control_id"]
    await harness.advance(10)
    entries = await journal(harness, call_control_id=ccid)
    finals = [(e["event_type"], e["outcome"]) for e in entries if e["outcome"] != "failed"]
    assert finals == [("call.initiated", "undelivered"), ("call.answered", "undelivered")]
    assert all(
        e["status"] is None and "Connect" in e["error"] for e in entries if e["outcome"] == "failed"
    )
    assert len([e for e in entries if e["outcome"] == "failed"]) == 6  # 3 attempts each
    assert (await harness.command(ccid, "hangup"))[0] == 200
    assert (await harness.get("/_mock/health", key=None))[0] == 200


# -- concurrency -----------------------------------------------------------------------------


async def test_100_concurrent_identical_record_starts_on_100_connections_have_one_effect(
    harness: Harness,
) -> None:
    ccid = await harness.answered_call()
    body = {**RECORD, "command_id": "once", "client_state": "QQ=="}
    url = harness.client.make_url(f"/v2/calls/{ccid}/actions/record_start")
    connector = aiohttp.TCPConnector(limit=0, force_close=True)  # one connection per request
    async with aiohttp.ClientSession(connector=connector) as session:

        async def start() -> tuple[int, Any]:
            async with session.post(url, json=body, headers=harness.auth()) as response:
                return response.status, await response.json()

        results = await asyncio.gather(*(start() for _ in range(100)))
    assert results == [(200, {"data": {"result": "ok"}})] * 100
    call = harness.mock.simulator.find_call(API_KEY, ccid)
    assert call is not None and len(call.recordings) == 1
    assert (await harness.command(ccid, "hangup"))[0] == 200
    await harness.advance(2)
    [saved] = harness.receiver.events("call.recording.saved", ccid)
    assert saved.payload["client_state"] == "QQ=="


async def test_1000_calls_recording_at_once_each_get_exactly_one_saved_webhook(
    make_harness: MakeHarness,
) -> None:
    scenario = Scenario(answer_delay=1, hangup_after_recording_start=5, recording_saved_delay=1)
    harness = await make_harness(scenario=scenario)
    semaphore = asyncio.Semaphore(50)

    async def limited(work: Awaitable[Any]) -> Any:
        async with semaphore:
            return await work

    calls = await asyncio.gather(*(limited(harness.dial()) for _ in range(1000)))
    ccids = [call["call_control_id"] for call in calls]
    assert len(set(ccids)) == 1000
    await harness.advance(1)  # all answer at once
    results = await asyncio.gather(
        *(limited(harness.command(ccid, "record_start", RECORD)) for ccid in ccids)
    )
    assert {status for status, _ in results} == {200}
    await harness.advance(5)  # 1000 far ends hang up mid-recording at the same instant
    await harness.advance(1)  # 1000 recordings saved at the same instant
    saved = harness.receiver.events("call.recording.saved")
    assert sorted(r.payload["call_control_id"] for r in saved) == sorted(ccids)
    assert len({r.body["data"]["id"] for r in saved}) == 1000
    entries = harness.mock.dispatcher.entries(event_type="call.recording.saved")
    assert [e.outcome for e in entries] == ["delivered"] * 1000
    assert harness.mock.dispatcher.pending_count() == 0


# -- SIGTERM on the real process --------------------------------------------------------------


# The terminal's final line for an event: "webhook TYPE #N -> URL undelivered: REASON call=ID".
UNDELIVERED = re.compile(r"webhook (\S+) #\d+ -> \S+ undelivered: .+ call=(\S+)$", re.M)


class SlowReceiver:
    """A receiver in this process that takes ``delay`` seconds to answer each webhook."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.arrived: list[tuple[str, str]] = []  # (event_type, call_control_id)
        self.answered: list[tuple[str, str]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        data = (await request.json())["data"]
        key = (data["event_type"], data["payload"]["call_control_id"])
        self.arrived.append(key)
        await asyncio.sleep(self.delay)
        self.answered.append(key)
        return web.Response(text="ok")


@pytest.fixture
async def slow_receiver(request: pytest.FixtureRequest) -> AsyncIterator[SlowReceiver]:
    receiver = SlowReceiver(request.param)
    app = web.Application()
    app.router.add_post("/hooks", receiver.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hooks"
    yield receiver
    await runner.cleanup()


async def dial_calls(
    launch: Launcher, receiver: SlowReceiver, tmp_path: Path, count: int
) -> tuple[Any, list[str]]:
    scenario = tmp_path / "instant.yaml"
    scenario.write_text("name: instant\ncall:\n  answer_delay: 0\n")
    server = await launch.start("--scenario", str(scenario), "--webhook-url", receiver.url)
    ccids = []
    for _ in range(count):
        status, data = await server.post(
            "/v2/calls",
            {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"},
            {"Authorization": "Bearer KEY"},
        )
        assert status == 200, data
        ccids.append(data["data"]["call_control_id"])
    # call.initiated of every call is on the wire; call.answered waits behind it in its queue.
    for _ in range(500):
        if len(receiver.arrived) >= count:
            break
        await asyncio.sleep(0.01)
    assert len(receiver.arrived) >= count
    return server, ccids


@pytest.mark.parametrize("slow_receiver", [0.5], indirect=True)
async def test_sigterm_with_webhooks_in_flight_and_queued_delivers_them_all(
    launch: Launcher, slow_receiver: SlowReceiver, tmp_path: Path
) -> None:
    server, ccids = await dial_calls(launch, slow_receiver, tmp_path, 20)
    code, _, err = await server.stop(signal.SIGTERM)
    assert code == 0 and "Traceback" not in err, err
    expected = sorted((t, c) for c in ccids for t in ("call.initiated", "call.answered"))
    assert sorted(slow_receiver.answered) == expected  # each delivered exactly once
    assert not UNDELIVERED.findall(err), err


@pytest.mark.parametrize("slow_receiver", [30.0], indirect=True)
async def test_sigterm_with_a_hung_receiver_reports_every_webhook_undelivered(
    launch: Launcher, slow_receiver: SlowReceiver, tmp_path: Path
) -> None:
    server, ccids = await dial_calls(launch, slow_receiver, tmp_path, 5)
    code, _, err = await server.stop(signal.SIGTERM)
    assert code == 0 and "Traceback" not in err, err
    reported = sorted((t, c) for t, c in UNDELIVERED.findall(err))
    expected = sorted((t, c) for c in ccids for t in ("call.initiated", "call.answered"))
    assert reported == expected, err  # none vanished, none reported twice
    assert slow_receiver.answered == []


async def test_sigterm_with_slow_clients_mid_request_exits_0_in_bounded_time(
    launch: Launcher,
) -> None:
    server = await launch.start()
    host, port = server.base_url.removeprefix("http://").split(":")
    writers = []
    for _ in range(5):  # bodies promised and never sent: their handlers wait on them
        _, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /v2/calls HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer K\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        await writer.drain()
        writers.append(writer)
    await asyncio.sleep(0.2)
    try:
        code, _, err = await server.stop(signal.SIGTERM)  # Launcher bounds this at 10 s
    finally:
        for writer in writers:
            writer.close()
    assert code == 0 and "Traceback" not in err, err
