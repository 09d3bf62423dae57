"""``GET /v2/openapi.json``: the OpenAPI document of what the mock serves, built on first use."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mockserver.spec.openapi import build_document
from mockserver.web.pipeline import MOCK, json_response

__all__ = ["add_routes"]

OPENAPI_DOC = web.AppKey("openapi_document", dict[str, Any])


async def serve_document(request: web.Request) -> web.Response:
    cache = request.app[OPENAPI_DOC]
    if "document" not in cache:  # built on first request: it costs start-up time otherwise
        cache["document"] = build_document(request.app[MOCK].schemas)
    return json_response(cache["document"])


def add_routes(app: web.Application) -> None:
    app[OPENAPI_DOC] = {}
    app.router.add_get("/v2/openapi.json", serve_document)
