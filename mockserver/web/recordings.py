"""Telnyx v2 recordings routes: list, retrieve, delete (one or many)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mockserver import errors
from mockserver.audio import synthesis as audio
from mockserver.audio.recording_files import audio_spec
from mockserver.core.recording_queries import is_completed, parse_query, recording_json
from mockserver.core.recordings import Recording
from mockserver.runtime.mock import MockServer
from mockserver.web.downloads import forget_file
from mockserver.web.pipeline import MOCK, TENANT, json_response, read_json_object

__all__ = ["add_routes"]


def _render(mock: MockServer, recording: Recording) -> dict[str, Any]:
    # Fresh pre-signed link on every read, as Telnyx's REST API hands out.
    spec = audio_spec(recording, mock.seed)
    return recording_json(recording, mock.links.url_for(recording), audio.duration_seconds(spec))


def _owned(request: web.Request) -> Recording:
    mock = request.app[MOCK]
    recording = mock.simulator.tenant(request[TENANT]).recordings.get(
        request.match_info["recording_id"]
    )
    if recording is None or not is_completed(recording):
        raise errors.recording_not_found()
    return recording


async def list_recordings(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    query = parse_query(request.query)
    recordings = mock.simulator.tenant(request[TENANT]).recordings.values()
    page, meta = query.select(recordings)
    return json_response({"data": [_render(mock, r) for r in page], "meta": meta})


async def get_recording(request: web.Request) -> web.Response:
    return json_response({"data": _render(request.app[MOCK], _owned(request))})


def _delete(request: web.Request, recording: Recording) -> None:
    request.app[MOCK].simulator.tenant(request[TENANT]).recordings.pop(recording.id, None)
    forget_file(request.app, recording.id)


async def delete_recording(request: web.Request) -> web.Response:
    recording = _owned(request)
    data = _render(request.app[MOCK], recording)
    _delete(request, recording)
    return json_response({"data": data})


async def delete_many(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    ids = body.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise errors.TelnyxError.single(
            422,
            "10004" if ids is None else "10026",
            "Missing required parameter" if ids is None else "Invalid parameter type",
            "The 'ids' parameter must be an array of recording ids.",
            pointer="/ids",
        )
    owned = request.app[MOCK].simulator.tenant(request[TENANT]).recordings
    found: list[Recording] = []
    for index, recording_id in enumerate(ids):
        recording = owned.get(recording_id)
        if recording is None or not is_completed(recording):
            # SPEC declares 404 for this route; nothing is deleted when one id is unknown, so
            # a retry after fixing the list cannot half-apply (docs/fidelity.md).
            raise errors.recording_not_found(pointer=f"/ids/{index}")
        found.append(recording)
    for recording in found:
        _delete(request, recording)
    return json_response({"status": "ok"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v2/recordings", list_recordings)
    app.router.add_post("/v2/recordings/actions/delete", delete_many)
    app.router.add_get("/v2/recordings/{recording_id}", get_recording)
    app.router.add_delete("/v2/recordings/{recording_id}", delete_recording)
