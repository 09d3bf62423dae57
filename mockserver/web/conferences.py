"""Telnyx v2 conference routes: create, list, retrieve, participants and the commands."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mockserver import errors
from mockserver.core.conferences import CONFERENCE_ACTIONS
from mockserver.web.calls import scripted_latency
from mockserver.web.pipeline import MOCK, TENANT, json_response, read_json_object

__all__ = ["add_routes"]


def _page(items: list[dict[str, Any]]) -> dict[str, Any]:
    # One page holds them all: a mock has few conferences (docs/fidelity.md).
    meta = {"page_number": 1, "page_size": max(len(items), 1), "total_pages": 1}
    return {"data": items, "meta": {**meta, "total_results": len(items)}}


async def create_conference(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    await scripted_latency(mock)
    body = mock.schemas.validate("conference_create", await read_json_object(request))
    data, effects = mock.simulator.create_conference(request[TENANT], body, mock.now())
    mock.apply(effects)
    return json_response({"data": data})


async def list_conferences(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    return json_response(_page(mock.simulator.list_conferences(request[TENANT])))


async def get_conference(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    data = mock.simulator.get_conference(request[TENANT], request.match_info["id"])
    return json_response({"data": data})


async def list_participants(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    items = mock.simulator.list_participants(request[TENANT], request.match_info["id"])
    return json_response(_page(items))


async def conference_command(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    await scripted_latency(mock)
    action = request.match_info["action"]
    if action not in CONFERENCE_ACTIONS:
        raise errors.route_not_found(request.path)
    body = mock.schemas.validate(f"conference_{action}", await read_json_object(request))
    result, effects = mock.simulator.conference_command(
        request[TENANT], request.match_info["id"], action, body, mock.now()
    )
    mock.apply(effects)
    return json_response({"data": result})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v2/conferences", create_conference)
    app.router.add_get("/v2/conferences", list_conferences)
    app.router.add_get("/v2/conferences/{id}", get_conference)
    app.router.add_get("/v2/conferences/{id}/participants", list_participants)
    app.router.add_post("/v2/conferences/{id}/actions/{action}", conference_command)
