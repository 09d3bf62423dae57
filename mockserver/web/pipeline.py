"""The request pipeline every resource module shares: typed keys, body parsing, JSON responses
and the one middleware (bearer auth, errors in Telnyx's shape, the request's record).

One straight line per request: route → pipeline middleware (auth) → parse body → validate →
core → schedule effects → render → pipeline middleware (errors, record: command log,
dashboard notice, observers). Everything hangs off the Application through typed keys; there
are no module globals.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from mockserver import errors
from mockserver.config import host_name
from mockserver.errors import TelnyxError
from mockserver.runtime.activity_log import log_request
from mockserver.runtime.command_log import estimate_size
from mockserver.runtime.mock import MockServer

__all__ = [
    "MOCK",
    "PARSED_BODY",
    "REQUEST_ID_HEADER",
    "REQUEST_OBSERVERS",
    "SENT_JSON",
    "TENANT",
    "RequestObserver",
    "RequestRecord",
    "add_request_id",
    "bearer_key",
    "error_response",
    "json_response",
    "pipeline_middleware",
    "read_json_object",
    "s3_error_response",
]

log = logging.getLogger("mockserver")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


MOCK = web.AppKey("mock", MockServer)
TENANT = web.RequestKey("tenant", str)
# What read_json_object parsed and what json_response encoded, kept for the command log so it
# need not parse both again (that was ~9 % of a command's cost).
PARSED_BODY = web.RequestKey("parsed_body", dict)
SENT_JSON = web.ResponseKey("sent_json", object)


REQUEST_ID_HEADER = "x-request-id"


async def add_request_id(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """Every answer carries a request id, as Telnyx's do (the SDKs print it in their errors)."""
    response.headers.setdefault(REQUEST_ID_HEADER, str(uuid.uuid4()))


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    response = web.Response(
        body=json.dumps(data).encode("utf-8"),
        status=status,
        content_type="application/json",
        headers=headers,
    )
    response[SENT_JSON] = data
    return response


def error_response(error: TelnyxError) -> web.Response:
    return json_response(error.to_json(), status=error.status, headers=error.headers or None)


def s3_error_response(error: errors.S3Error) -> web.Response:
    """A failed download answers as S3 does: XML, and S3's request id header beside ours."""
    request_id = uuid.uuid4().hex[:16].upper()
    response = web.Response(
        text=error.to_xml(request_id),
        status=error.status,
        content_type="application/xml",
        headers=error.headers or None,
    )
    response.headers["x-amz-request-id"] = request_id
    return response


def bearer_key(request: web.Request) -> str:
    """The API key from ``Authorization: Bearer KEY``, or 401 as Telnyx answers."""
    header = request.headers.get("Authorization")
    if header is None:
        raise errors.authentication_failed(
            "No Authorization header: send 'Authorization: Bearer YOUR_API_KEY'."
        )
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key or " " in key:
        raise errors.authentication_failed(
            "The Authorization header is not 'Bearer YOUR_API_KEY' (one key after 'Bearer ')."
        )
    allowed = request.app[MOCK].config.api_keys
    if allowed is not None and key not in allowed:
        raise errors.authentication_failed(
            "This API key is not accepted: the mock was started with --api-key and"
            " accepts only those keys."
        )
    return key


@dataclass(slots=True)
class RequestRecord:
    """What one request was and what it got: made once per request, after the answer.

    ``command`` is set for call commands ("dial" or the action as requested); ``answer`` is
    the JSON that was sent (None for other bodies). Consumers (the command log, the dashboard,
    a request log) take what they need from it instead of each wrapping the request again.
    """

    method: str
    path: str
    tenant: str | None
    command: str | None
    call_control_id: str | None
    status: int
    answer: Any
    latency_ms: float


RequestObserver = Callable[[web.Request, RequestRecord], Awaitable[None] | None]
# Called with every request's record (after the command log took it), in order.
REQUEST_OBSERVERS = web.AppKey("request_observers", list[RequestObserver])


@web.middleware
async def pipeline_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The one wrapper around every request: auth, errors in Telnyx's shape, the record.

    One pass instead of three nested middlewares (each nesting costs a coroutine and a frame
    per request): the bearer key for /v2, every failure rendered as Telnyx JSON (never HTML,
    never a traceback), then one :class:`RequestRecord` for the command log and observers.
    """
    started = time.perf_counter()
    path = request.path
    tenant: str | None = None
    try:
        _check_host_and_origin(request, path)
        if path.startswith("/v2/") and path != "/v2/openapi.json":
            tenant = request[TENANT] = bearer_key(request)
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # a redirect is an answer, not an error
        response = await _error_answer(request, exc)
    except TelnyxError as error:
        response = error_response(error)
    except errors.S3Error as error:  # a download link: S3's XML, as Telnyx's storage answers
        response = s3_error_response(error)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, path)
        response = error_response(errors.unexpected_error())
    await _finish(request, response, tenant, started)
    return response


def _check_host_and_origin(request: web.Request, path: str) -> None:
    """Refuse what a local dev server refuses against DNS rebinding and cross-site requests.

    Every route: a ``Host`` that is not the listen host, loopback or an ``--allowed-host`` is
    403 (a page on evil.example whose name resolves to 127.0.0.1 read the tenant list). /_mock/
    routes also: an ``Origin`` (sent by browsers, also on a "simple" text/plain POST) that is
    not such a host is 403 (a page the developer visited reset every tenant).
    """
    allowed = request.app[MOCK].allowed_hosts
    if allowed is None:
        return
    host = request.headers.get("Host")
    if host is not None and host_name(host) not in allowed:
        raise errors.host_not_allowed(host)
    origin = request.headers.get("Origin")
    if origin is not None and path.startswith("/_mock") and not _origin_allowed(origin, allowed):
        raise errors.origin_not_allowed(origin)


def _origin_allowed(origin: str, allowed: frozenset[str]) -> bool:
    scheme, separator, rest = origin.strip().partition("://")
    if not separator or scheme.lower() not in ("http", "https") or "/" in rest:
        return False  # "null" (a sandboxed frame, a file: page) or anything else
    return host_name(rest) in allowed


async def _error_answer(request: web.Request, exc: web.HTTPException) -> web.Response:
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        limit = request.app[MOCK].config.max_body_bytes
        return error_response(errors.payload_too_large(limit))
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return error_response(errors.method_not_allowed(request.method, exc.allowed_methods))
    if isinstance(exc, web.HTTPNotFound):
        suggestion = await _suggest_path(request)
        return error_response(errors.route_not_found(request.path, suggestion=suggestion))
    return error_response(errors.http_error(exc.status, exc.reason or "Bad Request", exc.text))


async def _suggest_path(request: web.Request) -> str | None:
    """``/v2`` + the path when that is a route: the usual mistake is a base URL without /v2."""
    if request.path.startswith("/v2/") or request.path.startswith("/_"):
        return None
    candidate = "/v2" + request.path.rstrip("/")
    if candidate == "/v2":
        return None
    match = await request.app.router.resolve(request.clone(rel_url=candidate))
    return None if isinstance(match.http_exception, web.HTTPNotFound) else candidate


async def _finish(
    request: web.Request, response: web.StreamResponse, tenant: str | None, started: float
) -> None:
    """Make the request's record once; the command log, the terminal line and observers read it."""
    what = _command_of(request) if tenant is not None else None
    command = what[0] if what is not None else None
    answer = response.get(SENT_JSON)
    if answer is None and what is not None and isinstance(response, web.Response):
        raw = response.body
        answer = _json_or_text(raw) if isinstance(raw, bytes) else None
    call_control_id = what[1] if what is not None else request.match_info.get("call_control_id")
    if call_control_id is None and isinstance(answer, dict):
        data = answer.get("data")  # Dial (and inject) answer with the new call's id
        found = data.get("call_control_id") if isinstance(data, dict) else None
        call_control_id = found if isinstance(found, str) else None
    record = RequestRecord(
        request.method,
        request.path,
        tenant,
        command,
        call_control_id,
        response.status,
        answer,
        (time.perf_counter() - started) * 1000,
    )
    mock = request.app[MOCK]
    if command is not None and tenant is not None:
        await _log_command(request, mock, record, response)
    elif request.method in ("POST", "DELETE") and record.path.startswith("/v2/recordings"):
        mock.hub.publish("resync", tenant=tenant)  # a recording may be gone
    _log_request(record)
    for observer in request.app.get(REQUEST_OBSERVERS, ()):
        outcome = observer(request, record)
        if outcome is not None:
            await outcome


def _log_request(record: RequestRecord) -> None:
    """The terminal's line for this request."""
    codes: list[str] = []
    if record.status >= 400 and isinstance(record.answer, dict):
        codes = [
            str(item.get("code"))
            for item in record.answer.get("errors", [])
            if isinstance(item, dict) and item.get("code")
        ]
    # The dashboard polls and streams from /_mock/ GETs: only worth a line when debugging.
    quiet = record.method == "GET" and record.path.startswith("/_mock/")
    log_request(
        method=record.method,
        path=record.path,
        status=record.status,
        latency_ms=record.latency_ms,
        call_control_id=record.call_control_id,
        error_codes=codes,
        level=logging.DEBUG if quiet else logging.INFO,
    )


# -- the command log ---------------------------------------------------------------------------

MAX_LOGGED_BODY = 16 * 1024  # bytes of a command's request body kept in the log


def _command_of(request: web.Request) -> tuple[str, str | None] | None:
    """(command, call_control_id) for a call command request, else None."""
    if request.method != "POST":
        return None
    parts = request.path.split("/")  # "", "v2", "calls"[, ID, "actions", ACTION]
    if parts[:3] != ["", "v2", "calls"]:
        return None
    if len(parts) == 3 or parts[3:] == [""]:
        return "dial", None
    if len(parts) == 6 and parts[4] == "actions":
        return parts[5], parts[3]
    return None


def _json_or_text(raw: bytes) -> Any:
    """Parsed JSON to show, or the text itself when it is not JSON or too deep to re-encode."""
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text
    return text if _depth_exceeds(value, MAX_JSON_DEPTH) else value


async def _request_body(request: web.Request) -> tuple[Any, int]:
    """The body to keep in the command log, and the bytes it is estimated to cost.

    Over MAX_LOGGED_BODY only a placeholder is kept, however the body came: with a
    Content-Length or chunked (a chunked 1 MiB body was kept whole, parsed: 3,000 of them
    took RSS from 48 MiB to 3 GiB).
    """
    length = request.content_length
    if length is not None and length > MAX_LOGGED_BODY:
        return _not_kept(length)
    try:
        raw = await request.read()  # aiohttp keeps what the handler read
    except Exception:  # oversized or undecodable: the logged response says what was wrong
        return "<unreadable body>", 0
    if len(raw) > MAX_LOGGED_BODY:
        return _not_kept(len(raw))
    size = estimate_size(raw)
    if size > 4 * MAX_LOGGED_BODY:  # parsed, it would cost many times its text: keep the text
        return raw.decode("utf-8", errors="replace"), len(raw)
    if PARSED_BODY in request:
        return request[PARSED_BODY], size  # read_json_object parsed it already
    return _json_or_text(raw), size


def _not_kept(length: int) -> tuple[str, int]:
    return f"<{length} bytes, not kept>", 0


def _answer_to_keep(response: web.StreamResponse, answer: Any) -> tuple[Any, int]:
    """The answer to keep beside the request, within the same bound."""
    raw = response.body if isinstance(response, web.Response) else None
    if not isinstance(raw, bytes):
        return answer, 0
    if len(raw) > MAX_LOGGED_BODY:
        return _not_kept(len(raw))
    return answer, estimate_size(raw)


async def _log_command(
    request: web.Request, mock: MockServer, record: RequestRecord, response: web.StreamResponse
) -> None:
    """Keep a call command with the answer it got, errors included; tell the dashboard."""
    assert record.tenant is not None and record.command is not None
    body, body_size = await _request_body(request)
    answer, answer_size = _answer_to_keep(response, record.answer)
    call_control_id = record.call_control_id
    entry = mock.command_log.record(
        tenant=record.tenant,
        call_control_id=call_control_id,
        command=record.command,
        path=record.path,
        request=body,
        status=record.status,
        response=answer,
        simulated_at=mock.clock.now(),
        latency_ms=record.latency_ms,
        size=body_size + answer_size,
        # An id no live call has (made up, purged, another tenant's) goes to one bounded
        # bucket, not a log of its own.
        known_call=call_control_id is None
        or mock.simulator.find_call(record.tenant, call_control_id) is not None,
    )
    # Rendering the entry is a good part of a command's cost: only for a listening dashboard.
    data = entry.to_json() if mock.hub.subscriber_count() else None
    tenant, call_control_id = record.tenant, record.call_control_id
    mock.hub.publish("command", tenant=tenant, call_control_id=call_control_id, data=data)
    if call_control_id is not None:
        # Commands that schedule nothing (pause, a repeated command_id) still change a call.
        mock.hub.publish("call", tenant=tenant, call_control_id=call_control_id)


MAX_JSON_DEPTH = 64  # far beyond any Telnyx request body; keeps validation off the stack limit
TOO_DEEP = f"The request body is nested too deeply (more than {MAX_JSON_DEPTH} levels)."


class _NonJsonConstant(ValueError):
    """NaN, Infinity or -Infinity: Python's json accepts them, JSON (and Telnyx) does not."""


def _reject_constant(name: str) -> Any:
    raise _NonJsonConstant(name)


# One decoder for every request (json.loads with a keyword builds a new one per call).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True if arrays/objects nest deeper than ``limit`` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)
    return False


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a Telnyx 4xx saying what is wrong with it."""
    try:
        raw = await request.read()
    except web.RequestPayloadError as exc:
        # A Content-Encoding (gzip, deflate) the body does not decode with; unhandled, 500.
        encoding = request.headers.get("Content-Encoding", "")
        raise errors.encoding_error(
            f"Error decoding request body: it is not valid '{encoding}' content."
        ) from exc
    if not raw.strip():
        return {}  # a command with no body means "no options" (docs/fidelity.md)
    if request.content_type != "application/json":
        raise errors.unsupported_media_type(request.content_type)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.encoding_error(f"Error decoding request body at position {exc.start}") from exc
    try:
        body = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise errors.encoding_error(f"Error decoding request body at position {exc.pos}") from exc
    except _NonJsonConstant as exc:
        raise errors.encoding_error(
            f"Error decoding request body: {exc.args[0]} is not valid JSON"
        ) from exc
    except RecursionError as exc:
        raise errors.bad_request(TOO_DEEP) from exc
    except ValueError as exc:
        # int() refuses more than 4,300 decimal digits (sys.get_int_max_str_digits); the
        # decoder lets that ValueError through, and it is no JSONDecodeError.
        raise errors.encoding_error(
            "Error decoding request body: a number has too many digits"
        ) from exc
    # Nesting needs a bracket per level: a body with few of them cannot be too deep.
    brackets = raw.count(b"[") + raw.count(b"{")
    if brackets > MAX_JSON_DEPTH and _depth_exceeds(body, MAX_JSON_DEPTH):
        # json.loads copes with ~1000 levels but the validators recurse too: a body nested just
        # under the parser's limit would overflow there and answer 500.
        raise errors.bad_request(TOO_DEEP)
    if not isinstance(body, dict):
        raise errors.bad_request(
            f"The request body must be a JSON object, not {type(body).__name__}."
        )
    request[PARSED_BODY] = body
    return body
