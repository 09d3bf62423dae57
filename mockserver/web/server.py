"""The HTTP server under the app: aiohttp's, with its own error pages in Telnyx's shape.

A request aiohttp cannot parse (a header over 8190 bytes, a broken request line, bad chunked
encoding) never reaches the application or its middlewares: aiohttp's protocol handler answers
it with ``text/plain`` (or HTML, for a browser). :class:`MockRunner` serves the app through a
protocol handler whose only difference is that answer: a Telnyx error as JSON, a one-line log
message instead of a traceback, and the connection closed as before.
"""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from mockserver import errors
from mockserver.web.pipeline import REQUEST_ID_HEADER, error_response

__all__ = ["MockRunner", "low_level_error"]

log = logging.getLogger("mockserver.http")

MAX_DETAIL = 200


def low_level_error(status: int, message: str | None) -> errors.TelnyxError:
    """The Telnyx error for a request the HTTP parser refused (or a failure outside the app)."""
    if status >= 500:
        return errors.unexpected_error()
    # aiohttp's messages point at the bad byte with a caret on a line of its own: one line here.
    lines = [line.strip() for line in (message or "").splitlines()]
    text = " ".join(line for line in lines if line.strip("^ ")) or HTTPStatus(status).phrase
    if len(text) > MAX_DETAIL:
        text = text[: MAX_DETAIL - 3] + "..."
    return errors.bad_request(f"The request could not be parsed: {text}", status=status)


class _JsonErrorHandler(RequestHandler):
    __slots__ = ()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:  # a response is half sent: nothing to do but close
            raise ConnectionError("Response is sent already, cannot send another response")
        if status >= 500:
            log.error("unexpected error outside the application", exc_info=exc)
        else:
            log.info("unparsable request from %s: %s", request.remote, message or exc)
        response = error_response(low_level_error(status, message))
        response.headers[REQUEST_ID_HEADER] = str(uuid.uuid4())  # the app's hook never runs here
        response.force_close()
        return response


class _JsonErrorServer(web.Server):
    def __call__(self) -> RequestHandler:
        handler = super().__call__()
        handler.__class__ = _JsonErrorHandler  # same slots, one method different
        return handler


class MockRunner(web.AppRunner):
    """``web.AppRunner`` whose protocol-level errors are Telnyx JSON too."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _JsonErrorServer
        return server
