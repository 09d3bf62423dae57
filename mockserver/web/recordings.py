"""Telnyx v2 recordings routes: list, retrieve, delete (one or many); recording transcriptions."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mockserver import errors
from mockserver.core.recording_queries import parse_query, recording_json
from mockserver.core.recording_transcriptions import (
    RecordingTranscription,
    select_transcriptions,
    transcription_json,
)
from mockserver.core.recordings import Recording
from mockserver.runtime.mock import MockServer
from mockserver.web.downloads import forget_file
from mockserver.web.pipeline import MOCK, TENANT, json_response, read_json_object

__all__ = ["add_routes"]


def _render(mock: MockServer, recording: Recording) -> dict[str, Any]:
    # Fresh pre-signed link on every read, as Telnyx's REST API hands out.
    return recording_json(
        recording, mock.links.url_for(recording), mock.recording_seconds(recording)
    )


async def list_recordings(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    query = parse_query(request.query)
    recordings = mock.simulator.tenant(request[TENANT]).recordings.values()
    page, meta = query.select(recordings)
    return json_response({"data": [_render(mock, r) for r in page], "meta": meta})


async def get_recording(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    recording = mock.simulator.completed_recording(
        request[TENANT], request.match_info["recording_id"]
    )
    return json_response({"data": _render(mock, recording)})


def _deleted(request: web.Request, recordings: list[Recording]) -> None:
    mock = request.app[MOCK]
    for recording in recordings:
        forget_file(request.app, recording.id)
    if recordings:
        # An open dashboard reloads the tenant's state: the recordings are gone.
        mock.hub.publish("resync", tenant=request[TENANT])


async def delete_recording(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    recording = mock.simulator.completed_recording(
        request[TENANT], request.match_info["recording_id"]
    )
    data = _render(mock, recording)
    _deleted(request, [mock.simulator.delete_recording(request[TENANT], recording.id)])
    return json_response({"data": data})


async def delete_many(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    ids = body.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        detail = "The 'ids' parameter must be an array of recording ids."
        if ids is None:
            raise errors.missing_parameter("ids", detail)
        raise errors.invalid_type(detail, "/ids")
    _deleted(request, request.app[MOCK].simulator.delete_recordings(request[TENANT], ids))
    return json_response({"status": "ok"})


async def list_transcriptions(request: web.Request) -> web.Response:
    mock = request.app[MOCK]
    owned = mock.simulator.tenant(request[TENANT]).transcriptions.values()
    selected = select_transcriptions(owned, request.query, mock.now())
    # SPEC's cursor pagination: everything fits on one page, so there are no cursors.
    return json_response({"data": [transcription_json(t) for t in selected], "meta": {}})


def _owned_transcription(request: web.Request) -> RecordingTranscription:
    mock = request.app[MOCK]
    found = mock.simulator.tenant(request[TENANT]).transcriptions.get(
        request.match_info["recording_transcription_id"]
    )
    if found is None or found.created_at > mock.now():
        raise errors.recording_transcription_not_found()
    return found


async def get_transcription(request: web.Request) -> web.Response:
    return json_response({"data": transcription_json(_owned_transcription(request))})


async def delete_transcription(request: web.Request) -> web.Response:
    found = _owned_transcription(request)
    request.app[MOCK].simulator.tenant(request[TENANT]).transcriptions.pop(found.id, None)
    return json_response({"data": transcription_json(found)})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v2/recordings", list_recordings)
    app.router.add_post("/v2/recordings/actions/delete", delete_many)
    app.router.add_get("/v2/recordings/{recording_id}", get_recording)
    app.router.add_delete("/v2/recordings/{recording_id}", delete_recording)
    app.router.add_get("/v2/recording_transcriptions", list_transcriptions)
    path = "/v2/recording_transcriptions/{recording_transcription_id}"
    app.router.add_get(path, get_transcription)
    app.router.add_delete(path, delete_transcription)
