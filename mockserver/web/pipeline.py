"""The request pipeline every resource module shares: typed keys, body parsing, JSON responses
and the middlewares (errors in Telnyx's shape, bearer auth).

One straight line per request: route → error middleware → auth → parse body → validate →
core → schedule effects → render. Everything hangs off the Application through typed keys;
there are no module globals.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from mockserver import errors
from mockserver.errors import TelnyxError
from mockserver.runtime.activity_log import log_request
from mockserver.runtime.mock import MockServer

__all__ = [
    "MOCK",
    "PARSED_BODY",
    "REQUEST_ID_HEADER",
    "SENT_JSON",
    "TENANT",
    "add_request_id",
    "auth_middleware",
    "bearer_key",
    "error_middleware",
    "error_response",
    "json_response",
    "read_json_object",
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


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure leaves as JSON in Telnyx's error shape; one terminal line per request."""
    started = time.perf_counter()
    response = await _answer(request, handler)
    _log_request(request, response, started)
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except TelnyxError as error:
        return error_response(error)
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[MOCK].config.max_body_bytes
        return error_response(errors.payload_too_large(limit))
    except web.HTTPMethodNotAllowed as exc:
        return error_response(errors.method_not_allowed(request.method, exc.allowed_methods))
    except web.HTTPNotFound:
        return error_response(
            errors.route_not_found(request.path, suggestion=await _suggest_path(request))
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(
            TelnyxError.single(exc.status, "10015", exc.reason or "Bad Request", exc.text)
        )
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(errors.unexpected_error())


async def _suggest_path(request: web.Request) -> str | None:
    """``/v2`` + the path when that is a route: the usual mistake is a base URL without /v2."""
    if request.path.startswith("/v2/") or request.path.startswith("/_"):
        return None
    candidate = "/v2" + request.path.rstrip("/")
    if candidate == "/v2":
        return None
    match = await request.app.router.resolve(request.clone(rel_url=candidate))
    return None if isinstance(match.http_exception, web.HTTPNotFound) else candidate


def _log_request(request: web.Request, response: web.StreamResponse, started: float) -> None:
    latency_ms = (time.perf_counter() - started) * 1000
    call_control_id = request.match_info.get("call_control_id")
    sent = response.get(SENT_JSON)
    codes: list[str] = []
    if isinstance(sent, dict):
        data = sent.get("data")
        if call_control_id is None and isinstance(data, dict):
            found = data.get("call_control_id")
            call_control_id = found if isinstance(found, str) else None
        if response.status >= 400:
            codes = [
                str(item.get("code"))
                for item in sent.get("errors", [])
                if isinstance(item, dict) and item.get("code")
            ]
    # The dashboard polls and streams from /_mock/ GETs: only worth a line when debugging.
    quiet = request.method == "GET" and request.path.startswith("/_mock/")
    log_request(
        method=request.method,
        path=request.path,
        status=response.status,
        latency_ms=latency_ms,
        call_control_id=call_control_id,
        error_codes=codes,
        level=logging.DEBUG if quiet else logging.INFO,
    )


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


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/v2/") and request.path != "/v2/openapi.json":
        request[TENANT] = bearer_key(request)
    return await handler(request)


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
