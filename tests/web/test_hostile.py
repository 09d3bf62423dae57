"""Hostile and broken input: every answer is a Telnyx-shaped JSON error, never text or a 500.

Covered elsewhere and not repeated here (tests/http/test_auth_and_errors.py): malformed,
truncated and deeply nested JSON, invalid UTF-8 in the body, NaN/Infinity, bad gzip, bodies
over 1 MiB, non-object bodies, wrong Content-Type, unknown routes and methods, missing and
malformed Authorization on a sample of /v2 routes, other tenants' calls. Wrongly typed fields
(a list as command_id, a string max_length, a number client_state): tests/http/
test_validation.py. Page parameters that are not integers or out of range:
tests/http/test_recordings_api.py. Path traversal in download links:
tests/http/test_downloads.py. This file adds what those leave out: requests aiohttp's HTTP
parser refuses, a 10 MB body, the whole route table for authentication, the control token,
more traversal and page-parameter shapes, and slow clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from yarl import URL

from tests.cli.test_cli import Launcher, launch
from tests.conftest import API_KEY, OTHER_KEY, Harness, MakeHarness
from tests.web.telnyx_errors import error_items, expect_errors, send
from tests.web.test_downloads import record

BAD = ("10015", "Bad Request")
AUTH = ("10009", "Authentication failed")
NOT_FOUND = ("10005", "Resource not found")
TEN_MB = 10 * 1024 * 1024
TOKEN = "control-secret"

__all__ = ["launch"]  # the fixture, imported for the process tests at the end


# -- raw HTTP --------------------------------------------------------------------------------


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def raw_request(harness: Harness, data: bytes, timeout: float = 5.0) -> RawResponse:
    """Send bytes as they are and read the answer until the server closes the connection."""
    server = harness.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        with contextlib.suppress(ConnectionError):  # the server may answer before reading all
            writer.write(data)
            await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(int(status_line.split()[1]), headers, body)


def assert_telnyx_json(response: RawResponse, status: int, code: str) -> dict[str, Any]:
    assert response.status == status, response
    assert response.headers["content-type"].startswith("application/json"), response.headers
    assert int(response.headers["content-length"]) == len(response.body)
    body = response.json()
    assert list(body) == ["errors"] and len(body["errors"]) == 1, body
    [item] = body["errors"]
    assert item["code"] == code and item["title"], item
    assert "Traceback" not in item.get("detail", ""), item
    return dict(item)


HOST = b"Host: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer KEY_TENANT_A\r\n"
CALL = b"/v2/calls/v3:" + b"Q" * 54
UNPARSABLE = {
    "not HTTP at all": b"GARBAGE\r\n\r\n",
    "request line over 8 KiB": b"GET /v2/" + b"a" * 9000 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
    "header over 8 KiB": b"GET "
    + CALL
    + b" HTTP/1.1\r\n"
    + HOST
    + b"X-Big: "
    + b"a" * 9000
    + b"\r\n\r\n",
    "200 headers": b"GET "
    + CALL
    + b" HTTP/1.1\r\n"
    + HOST
    + b"".join(b"X-%d: a\r\n" % i for i in range(200))
    + b"\r\n",
    "header without a colon": b"GET " + CALL + b" HTTP/1.1\r\n" + HOST + b"X-Bad\r\n\r\n",
    "space in a header name": b"GET " + CALL + b" HTTP/1.1\r\n" + HOST + b"Bad Header: x\r\n\r\n",
    "NUL in a header value": b"GET " + CALL + b" HTTP/1.1\r\n" + HOST + b"X-N: a\x00b\r\n\r\n",
    "raw non-ASCII in the path": b"GET /v2/calls/\xff\xfe HTTP/1.1\r\n" + HOST + b"\r\n",
    "HTTP/9.9": b"GET " + CALL + b" HTTP/9.9\r\n" + HOST + b"\r\n",
    "Content-Length: abc": b"POST /v2/calls HTTP/1.1\r\n" + HOST + b"Content-Length: abc\r\n\r\n{}",
    "Content-Length and chunked (smuggling)": b"POST /v2/calls HTTP/1.1\r\n"
    + HOST
    + b"Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"2\r\n{}\r\n0\r\n\r\n",
    "bad chunk size": b"POST /v2/calls HTTP/1.1\r\n"
    + HOST
    + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "unknown Transfer-Encoding": b"POST /v2/calls HTTP/1.1\r\n"
    + HOST
    + b"Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n{}",
    "browser asking for HTML": b"GARBAGE\r\nAccept: text/html\r\n\r\n",
    "Content-Encoding: br (no decoder installed)": b"POST /v2/calls HTTP/1.1\r\n"
    + HOST
    + b"Content-Type: application/json\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\n{}",
    "Content-Encoding: zstd (no decoder installed)": b"POST /v2/calls HTTP/1.1\r\n"
    + HOST
    + b"Content-Type: application/json\r\nContent-Encoding: zstd\r\nContent-Length: 2\r\n\r\n{}",
}


@pytest.mark.parametrize("data", list(UNPARSABLE.values()), ids=list(UNPARSABLE))
async def test_request_the_http_parser_refuses_is_a_telnyx_json_400(
    harness: Harness, data: bytes
) -> None:
    response = await raw_request(harness, data)
    item = assert_telnyx_json(response, 400, "10015")
    assert item["title"] == "Bad Request"
    assert item["detail"].startswith("The request could not be parsed: ")
    assert "\n" not in item["detail"] and len(item["detail"]) <= 240
    # The server keeps serving afterwards.
    status, _ = await harness.get("/v2/recordings")
    assert status == 200


async def test_header_too_long_names_the_limit(harness: Harness) -> None:
    data = b"GET " + CALL + b" HTTP/1.1\r\n" + HOST + b"Cookie: " + b"a" * 9000 + b"\r\n\r\n"
    item = assert_telnyx_json(await raw_request(harness, data), 400, "10015")
    assert "Got more than 8190 bytes" in item["detail"]


async def test_invalid_utf8_percent_escapes_in_path_and_query_are_ordinary_misses(
    harness: Harness,
) -> None:
    # %FF decodes to U+FFFD: an id that is not a call control id, a filter matching nothing.
    response = await send(harness, "GET", "/v2/calls/%FF%FE")
    await expect_errors(response, 422, ("90015", "Invalid Call Control ID", "/call_control_id"))
    status, body = await harness.get("/v2/recordings?filter[call_control_id]=%FF")
    assert (status, body["data"]) == (200, [])


async def test_raw_non_ascii_api_key_is_just_an_unknown_key_when_keys_are_configured(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(api_keys=frozenset({"good"}))
    data = b"GET /v2/recordings HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    data += b"Authorization: Bearer \xff\xfe\r\n\r\n"
    assert_telnyx_json(await raw_request(harness, data), 401, "10009")


# -- 10 MB bodies ----------------------------------------------------------------------------


@pytest.fixture
async def call(harness: Harness) -> str:
    return await harness.answered_call()


async def test_10_mb_body_with_content_length_is_413_and_the_call_is_untouched(
    harness: Harness, call: str
) -> None:
    head = f"POST /v2/calls/{call}/actions/hangup HTTP/1.1\r\n".encode() + HOST
    head += f"Content-Type: application/json\r\nContent-Length: {TEN_MB}\r\n\r\n".encode()
    body = b'{"command_id": "' + b"x" * (TEN_MB - 18) + b'"}'
    assert len(body) == TEN_MB
    item = assert_telnyx_json(await raw_request(harness, head + body), 413, "10015")
    assert item["detail"] == "The request body exceeds the limit of 1048576 bytes."
    status, data = await harness.get(f"/v2/calls/{call}")
    assert status == 200 and data["data"]["is_alive"] is True


async def test_10_mb_chunked_body_is_413(harness: Harness, call: str) -> None:
    head = f"POST /v2/calls/{call}/actions/hangup HTTP/1.1\r\n".encode() + HOST
    head += b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n" % (1024 * 1024) + b"x" * (1024 * 1024) + b"\r\n"
    assert_telnyx_json(await raw_request(harness, head + chunk * 10 + b"0\r\n\r\n"), 413, "10015")
    status, data = await harness.get(f"/v2/calls/{call}")
    assert status == 200 and data["data"]["is_alive"] is True


async def test_body_shorter_than_its_content_length_is_not_acted_on(
    harness: Harness, call: str
) -> None:
    # The client promises 100 bytes, sends 10 and half-closes: no hangup may happen.
    server = harness.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    head = f"POST /v2/calls/{call}/actions/hangup HTTP/1.1\r\n".encode() + HOST
    writer.write(head + b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{}        ")
    await writer.drain()
    writer.write_eof()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    if answer:  # aiohttp may answer 400 (payload not complete) or just close
        status = int(answer.split(b" ", 2)[1])
        assert status == 400, answer
        assert b"application/json" in answer.partition(b"\r\n\r\n")[0].lower(), answer
    status, data = await harness.get(f"/v2/calls/{call}")
    assert status == 200 and data["data"]["is_alive"] is True


# -- authentication on every route -----------------------------------------------------------


def concrete(path: str) -> str:
    """A route pattern with every {variable} filled with a plausible value."""
    values = {
        "call_control_id": "v3:" + "Q" * 54,
        "recording_id": "2dc6fc34-f9e0-11ea-b68e-02420a0f7768",
    }
    return re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: values.get(m.group(1), "x"), path)


def routes(app: web.Application, prefix: str) -> list[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix")
        if path and path.startswith(prefix) and route.method != "HEAD":
            found.add((route.method, concrete(path)))
    return sorted(found)


def v2_routes(harness: Harness) -> list[tuple[str, str]]:
    app = harness.client.server.app
    assert app is not None
    return [r for r in routes(app, "/v2/") if r[1] != "/v2/openapi.json"]


def control_routes(harness: Harness) -> list[tuple[str, str]]:
    app = harness.client.server.app
    assert app is not None
    [control] = [
        resource._app  # type: ignore[attr-defined]
        for resource in app.router.resources()
        if getattr(resource, "canonical", "") == "/_mock"
    ]
    return routes(control, "/_mock/")


async def test_route_table_is_what_the_auth_tests_walk(harness: Harness) -> None:
    v2 = v2_routes(harness)
    assert ("POST", "/v2/calls") in v2 and ("GET", "/v2/recordings") in v2
    assert len(v2) >= 6
    control = control_routes(harness)
    assert ("GET", "/_mock/health") in control and ("POST", "/_mock/clock/advance") in control


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer ", "Basic a2V5", "Bearer two words"]
)
async def test_every_v2_route_refuses_missing_or_malformed_authorization(
    harness: Harness, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in v2_routes(harness):
        response = await send(harness, method, path, "{}", key=None, headers=headers)
        await expect_errors(response, 401, (*AUTH, None))


async def test_every_v2_route_refuses_a_key_outside_the_configured_ones(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(api_keys=frozenset({"the-only-key"}))
    for method, path in v2_routes(harness):
        response = await send(harness, method, path, "{not json", key="KEY_TENANT_A")
        await expect_errors(response, 401, (*AUTH, None))


async def test_another_tenants_recording_does_not_show_through_a_call_filter(
    harness: Harness,
) -> None:
    rec = await record(harness, seconds=1)
    query = f"/v2/recordings?filter[call_control_id]={rec.ccid}"
    status, body = await harness.get(query, key=OTHER_KEY)
    assert (status, body["data"], body["meta"]["total_results"]) == (200, [], 0)
    status, body = await harness.get(query, key=API_KEY)
    assert status == 200 and len(body["data"]) == 1


# -- the control token -----------------------------------------------------------------------


@pytest.fixture
async def guarded(make_harness: MakeHarness) -> Harness:
    return await make_harness(control_token=TOKEN)


def control_request_body(path: str) -> str | None:
    return None if path.endswith(("/events", "/ui")) else "{}"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN[:-1]}"],
)
async def test_with_a_control_token_every_control_route_refuses_others(
    guarded: Harness, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in control_routes(guarded):
        response = await send(
            guarded, method, path, control_request_body(path), key=None, headers=headers
        )
        await expect_errors(response, 401, (*AUTH, None))


async def test_with_a_control_token_the_api_keys_do_not_open_the_control_api(
    guarded: Harness,
) -> None:
    response = await send(guarded, "GET", "/_mock/health", key=API_KEY)
    [item] = await expect_errors(response, 401, (*AUTH, None))
    assert "not the token given to --control-token" in item["detail"]
    response = await send(guarded, "GET", "/_mock/health", key=None)
    [item] = await expect_errors(response, 401, (*AUTH, None))
    assert "started with --control-token" in item["detail"] and "none was sent" in item["detail"]


async def test_the_control_token_opens_the_control_api(guarded: Harness) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = await send(guarded, "GET", "/_mock/health", key=None, headers=headers)
    assert response.status == 200 and (await response.json())["status"] == "ok"
    response = await send(
        guarded, "POST", "/_mock/clock/advance", '{"seconds": 1}', key=None, headers=headers
    )
    assert response.status == 200, await response.text()


async def test_with_a_control_token_an_injected_call_is_for_the_body_api_key(
    guarded: Harness,
) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    body = {"to": "+13125550100", "from": "+13125550111", "connection_id": "1"}
    response = await send(
        guarded, "POST", "/_mock/calls", json.dumps(body), key=None, headers=headers
    )
    [item] = await expect_errors(response, 422, ("10004", "Missing required parameter", "/api_key"))
    assert "control token" in item["detail"]

    body["api_key"] = OTHER_KEY
    response = await send(
        guarded, "POST", "/_mock/calls", json.dumps(body), key=None, headers=headers
    )
    assert response.status == 200, await response.text()
    ccid = (await response.json())["data"]["call_control_id"]
    assert (await guarded.get(f"/v2/calls/{ccid}", key=OTHER_KEY))[0] == 200
    assert (await guarded.get(f"/v2/calls/{ccid}", key=API_KEY))[0] == 404

    hangup = f"/_mock/calls/{ccid}/hangup"
    response = await send(guarded, "POST", hangup, "{}", key=None, headers=headers)
    await expect_errors(response, 422, ("10004", "Missing required parameter", "/api_key"))
    response = await send(
        guarded, "POST", hangup, json.dumps({"api_key": OTHER_KEY}), key=None, headers=headers
    )
    assert response.status == 200, await response.text()


@pytest.mark.parametrize("api_key", [123, "", ["KEY"], None], ids=repr)
async def test_injected_call_with_a_non_string_api_key_is_422(
    harness: Harness, api_key: Any
) -> None:
    body = {"to": "+13125550100", "from": "+13125550111", "connection_id": "1", "api_key": api_key}
    response = await send(harness, "POST", "/_mock/calls", json.dumps(body), key=None)
    if api_key is None:  # null means "not given": the bearer key is the tenant, and there is none
        await expect_errors(response, 401, (*AUTH, None))
    else:
        await expect_errors(response, 422, ("10026", "Invalid parameter type", "/api_key"))


async def test_without_a_control_token_the_control_api_is_open(harness: Harness) -> None:
    response = await send(harness, "GET", "/_mock/health", key=None)
    assert response.status == 200


# -- page parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("page[number]=" + "9" * 5000, "10033"),  # more digits than Python converts: not a 500
        ("page[size]=" + "9" * 40, "10033"),
        ("page[number]=2147483648", "10033"),
        ("page[size]=", "10015"),
        ("page[size]=1e2", "10015"),
        ("page[size]=0x10", "10015"),
        ("page[number]=%00", "10015"),
        ("page[number]=-0", "10015"),
    ],
    ids=lambda v: v[:40] if isinstance(v, str) else v,
)
async def test_more_bad_page_parameters_are_400_never_500(
    harness: Harness, query: str, code: str
) -> None:
    response = await send(harness, "GET", f"/v2/recordings?{query}")
    [item] = await error_items(response, 400)
    assert item["code"] == code
    assert item["source"]["parameter"] == query.split("=")[0]


async def test_page_parameters_with_leading_zeros_or_spaces_are_integers(
    harness: Harness,
) -> None:
    status, body = await harness.get(
        "/v2/recordings?page[size]=000000000000000005&page[number]=%201"
    )
    assert status == 200, body
    assert (body["meta"]["page_size"], body["meta"]["page_number"]) == (5, 1)


# -- more path traversal in download links ---------------------------------------------------


B = "/telephony-recorder-prod"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (B + "/{id}/2026-09-21/..%00.wav", 403, "SignatureDoesNotMatch"),
        (B + "/{id}/2026-09-21/%252e%252e%252fetc%252fpasswd.wav", 403, "SignatureDoesNotMatch"),
        (B + "/{id}/2026-09-21/..%2f..%2fetc%2fpasswd.wav", 403, "SignatureDoesNotMatch"),
        (B + "/{id}/2026-09-21/..%5c..%5cwindows%5cwin.ini", 403, "SignatureDoesNotMatch"),
        (B + "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", 404, "10005"),
        (B + "/{id}/%2e%2e%2f%2e%2e%2f/{id}.mp3", 403, "SignatureDoesNotMatch"),
        (B + "/{id}%00/2026-09-21/x.wav", 403, "SignatureDoesNotMatch"),
        (B + "/%2e%2e/%2e%2e/etc/passwd", 404, "10005"),
        (B + "//etc/passwd", 404, "10005"),  # not an object path: the mock's own 404
        ("/_media/recordings/{id}/x.wav", 404, "10005"),  # the old link shape is gone
    ],
)
async def test_more_traversal_shapes_in_media_paths_are_errors_never_files(
    harness: Harness, path: str, status: int, code: str
) -> None:
    rec = await record(harness, seconds=1)
    recording_id = rec.payload["recording_id"]
    url = URL(rec.url)
    target = URL(
        f"{url.origin()}{path.replace('{id}', recording_id)}?{url.query_string}", encoded=True
    )
    async with harness.client.session.get(target) as response:
        body = await response.read()
        assert response.status == status, body
        assert b"root:" not in body and not body.startswith(b"RIFF")
        if code.isdigit():
            assert response.content_type == "application/json"
            assert json.loads(body)["errors"][0]["code"] == code
        else:
            assert response.content_type == "application/xml"
            assert f"<Code>{code}</Code>".encode() in body


# -- slow clients ----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def slow_clients(harness: Harness, count: int, *, body: bool) -> AsyncIterator[None]:
    """``count`` connections that send a request a byte at a time and never finish it."""
    server = harness.client.server
    writers: list[asyncio.StreamWriter] = []
    stop = asyncio.Event()
    for _ in range(count):
        _, writer = await asyncio.open_connection(server.host, server.port)
        if body:  # complete headers, then a body that never arrives in full
            writer.write(
                b"POST /v2/calls HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Authorization: Bearer KEY_TENANT_A\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
            )
        else:
            writer.write(b"GET /v2/recordings HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        writers.append(writer)

    async def trickle() -> None:
        while not stop.is_set():
            for writer in writers:
                with contextlib.suppress(ConnectionError):
                    writer.write(b" ")
            await asyncio.sleep(0.05)

    task = asyncio.create_task(trickle())
    try:
        yield
    finally:
        stop.set()
        await task
        for writer in writers:
            writer.close()


@pytest.mark.parametrize("body", [False, True], ids=["slow headers", "slow body"])
async def test_slow_clients_do_not_stop_the_server_serving_others(
    harness: Harness, body: bool
) -> None:
    async with slow_clients(harness, 50, body=body):
        for _ in range(3):
            await asyncio.sleep(0.1)
            # Hang guards: a server held by the slow clients would never answer.
            call = await asyncio.wait_for(harness.dial(), 30)
            status, data = await asyncio.wait_for(
                harness.get(f"/v2/calls/{call['call_control_id']}"), 30
            )
            assert status == 200, data
    assert len(harness.mock.simulator.tenant(API_KEY).calls) == 3  # the slow dials made none


async def test_expiry_with_thousands_of_digits_is_400_not_500(harness: Harness) -> None:
    rec = await record(harness, seconds=1)
    url = URL(rec.url).update_query({"X-Amz-Expires": "9" * 5000})
    async with harness.client.session.get(url) as response:
        assert response.status == 400 and response.content_type == "application/xml"
        assert b"<Code>AuthorizationQueryParametersError</Code>" in await response.read()


async def test_a_signed_link_opens_only_its_own_file_name(harness: Harness) -> None:
    rec = await record(harness, seconds=1)
    url = URL(rec.url)
    other = url.with_name("someone-else-1790000000.wav").with_query(url.query)
    async with harness.client.session.get(other) as response:
        assert response.status == 403 and response.content_type == "application/xml"
        assert b"<Code>SignatureDoesNotMatch</Code>" in await response.read()


# -- the real process ------------------------------------------------------------------------


async def test_cli_control_token_guards_the_control_api(launch: Launcher) -> None:
    server = await launch.start("--control-token", TOKEN)
    status, body = await server.get("/_mock/health")
    assert status == 401 and body["errors"][0]["code"] == "10009"
    status, body = await server.get("/_mock/health", {"Authorization": "Bearer nope"})
    assert status == 401 and body["errors"][0]["code"] == "10009"
    status, body = await server.get("/_mock/health", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and body["status"] == "ok"
    status, body = await server.get("/v2/recordings", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200  # the token is also just another tenant's API key on /v2


async def test_cli_answers_an_oversized_header_with_telnyx_json(launch: Launcher) -> None:
    server = await launch.start()
    host, port = server.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"GET /v2/recordings HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"
    )
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400 ") and b"Content-Type: application/json" in head, raw
    assert json.loads(body)["errors"][0]["code"] == "10015"


@pytest.mark.parametrize("seconds", ["1.5e16", "1" + "0" * 400, "1.7976931348623157e308"])
async def test_advancing_the_clock_past_year_9999_is_422_and_the_clock_still_works(
    harness: Harness, seconds: str
) -> None:
    # Found by fuzzing: the clock moved, then every timestamp it rendered was a 500.
    response = await send(harness, "POST", "/_mock/clock/advance", f'{{"seconds": {seconds}}}')
    [item] = await expect_errors(response, 422, ("10033", "Value outside of range", "/seconds"))
    assert "9999-12-31" in item["detail"]
    status, body = await harness.get("/_mock/clock", key=None)
    assert status == 200 and body["data"]["now"].startswith("2026-")
    status, body = await harness.get("/_mock/state", key=None)
    assert status == 200, body
