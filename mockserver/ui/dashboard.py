"""The dashboard: a page at ``/_mock/ui``, a JSON snapshot and a live event stream.

``GET /_mock/ui`` serves ``mockserver/ui/static/`` (plain HTML, CSS and JS, nothing fetched from
elsewhere) to anyone: it holds no data. The page loads ``GET /_mock/state`` (calls, their
command logs, recordings with fresh download links, the webhook journal) and follows
``GET /_mock/events``, a server-sent event stream fed by the
:class:`~mockserver.runtime.hub.Hub`: live state (a call and its recordings) is rendered
when a notice is sent, immutable records (a command, a webhook attempt) travel as they were
logged. The buttons act through the ordinary
control API. With ``--control-token`` the page sends the token as every control client does
(``Authorization: Bearer``), so it reads the event stream with ``fetch`` rather than
``EventSource``, which cannot send headers.

The command log is filled by the web pipeline's middleware (``mockserver.web.pipeline``),
which records every call command with the answer it got, errors included.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiohttp import web

from mockserver import errors
from mockserver.audio.recording_files import audio_spec
from mockserver.audio.waveform import MAX_POINTS, cached_waveform
from mockserver.core.recording_queries import is_completed
from mockserver.core.recordings import Recording
from mockserver.core.rendering import call_view_json
from mockserver.ids import iso_timestamp
from mockserver.runtime.hub import Notice
from mockserver.runtime.mock import MockServer
from mockserver.runtime.webhooks import DeliveryAttempt
from mockserver.web.pipeline import MOCK, json_response

__all__ = ["add_page_routes", "add_routes", "snapshot"]

STATIC_DIR = Path(__file__).with_name("static")
_CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
# The page may talk only to this server: no CDN, no fonts, no analytics, even by accident.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "media-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
)
KEEPALIVE_SECONDS = 15.0
WRITE_TIMEOUT_SECONDS = 30.0
SNAPSHOT_LIMIT = 1000  # newest journal lines and command-log entries in a snapshot


# -- rendering -------------------------------------------------------------------------------


def recording_view_json(mock: MockServer, recording: Recording) -> dict[str, Any]:
    """A recording as the dashboard shows it (GET /v2/recordings has Telnyx's shape), with
    fresh signed links to both formats once it is saved."""
    data: dict[str, Any] = {
        "id": recording.id,
        "tenant": recording.tenant,
        "call_control_id": recording.call_control_id,
        "state": recording.state.value,
        "format": recording.options.format,
        "channels": recording.options.channels,
        "started_at": iso_timestamp(recording.started_at),
        "ended_at": None if recording.ended_at is None else iso_timestamp(recording.ended_at),
        "stop_reason": recording.stop_reason,
        "failed": recording.failed,
        "completed": is_completed(recording),
        "duration_seconds": None,
        "download_url": None,
        "download_urls": {},
    }
    if is_completed(recording):
        # The same duration GET /v2/recordings reports (duration_millis).
        data["duration_seconds"] = round(mock.recording_seconds(recording), 3)
        data["download_url"] = mock.links.url_for(recording)
        data["download_urls"] = {fmt: mock.links.url_for(recording, fmt) for fmt in ("wav", "mp3")}
    return data


def snapshot(
    mock: MockServer,
    *,
    tenant: str | None = None,
    call_control_id: str | None = None,
    limit: int = SNAPSHOT_LIMIT,
) -> dict[str, Any]:
    """Everything the dashboard shows, for all tenants or one, for all calls or one."""
    owners = [
        state
        for key, state in sorted(mock.simulator.tenants.items())
        if tenant is None or key == tenant
    ]
    calls = [
        call
        for state in owners
        for call in state.calls.values()
        if call_control_id is None or call.call_control_id == call_control_id
    ]
    recordings = [
        recording
        for state in owners
        for recording in state.recordings.values()
        if call_control_id is None or recording.call_control_id == call_control_id
    ]
    forgotten = [
        call
        for call in mock.forgotten_calls
        if (tenant is None or call.tenant == tenant)
        and (call_control_id is None or call.call_control_id == call_control_id)
    ]
    commands = mock.command_log.entries(tenant=tenant, call_control_id=call_control_id)
    journal = mock.dispatcher.entries(tenant=tenant, call_control_id=call_control_id)
    tenants = {key for key in mock.simulator.tenants}
    tenants.update(mock.command_log.tenants())
    tenants.update(entry.tenant for entry in mock.dispatcher.journal)
    return {
        "seq": mock.hub.last_seq,
        "clock": mock.clock.to_json(),
        "scenario": mock.simulator.scenario.name,
        "public_key": mock.signer.public_key_b64,  # what the app's TELNYX_PUBLIC_KEY must hold
        "tenants": sorted({mock.tenant_label(key) for key in tenants}),
        "calls": [
            _masked(mock, call_view_json(call))
            for call in sorted(calls, key=lambda c: c.start_time)
        ],
        "forgotten_calls": [
            _masked(mock, {**call_view_json(call), "forgotten": True}) for call in forgotten
        ],
        "recordings": [
            _masked(mock, recording_view_json(mock, recording))
            for recording in sorted(recordings, key=lambda r: r.started_at)
        ],
        "commands": [_masked(mock, entry.to_json()) for entry in commands[-limit:]],
        "webhooks": [_masked(mock, webhook_json(entry)) for entry in journal[-limit:]],
    }


def _masked(mock: MockServer, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its ``tenant`` (an API key, maybe a real Telnyx one) as a label only."""
    tenant = data.get("tenant")
    if isinstance(tenant, str):
        return {**data, "tenant": mock.tenant_label(tenant)}
    return data


def webhook_json(entry: DeliveryAttempt) -> dict[str, Any]:
    """A journal line with its tenant (the control API's journal leaves the tenant out)."""
    return {"tenant": entry.tenant, **entry.to_json()}


def _render(mock: MockServer, notice: Notice) -> Iterator[tuple[str, dict[str, Any]]]:
    """The SSE events one notice becomes."""
    if notice.kind == "call" and notice.tenant is not None and notice.call_control_id:
        state = mock.simulator.tenants.get(notice.tenant)
        call = state.calls.get(notice.call_control_id) if state else None
        if call is None:
            yield (
                "call_removed",
                {
                    "tenant": notice.tenant,
                    "call_control_id": notice.call_control_id,
                },
            )
            return
        yield "call", call_view_json(call)
        for recording in call.recordings:
            yield "recording", recording_view_json(mock, recording)
    elif notice.kind in ("command", "webhook") and notice.data is not None:
        yield notice.kind, notice.data
    elif notice.kind == "resync":
        yield "resync", {"tenant": notice.tenant}


class _Recorded:
    """What one call's stream readers were last sent about its recordings."""

    __slots__ = ("sent", "settled")

    def __init__(self) -> None:
        self.settled = 0  # call.recordings[:settled] were sent stopped: they never change again
        self.sent: dict[str, tuple[object, ...]] = {}  # the rest: what each was sent as


def _version(recording: Recording) -> tuple[object, ...]:
    return (recording.state, recording.generation, recording.saved, recording.failed)


class ChangeRenderer:
    """Renders each notice once, for every stream, sending changes rather than snapshots.

    A call notice sends the call and only those of its recordings that changed since they
    were last sent: a stopped recording never changes, so a call with 2,000 recordings costs
    what a call with one does (re-rendering all of them for every stream made ``send_dtmf``
    take 192 ms with 5 dashboards open).
    """

    def __init__(self, mock: MockServer) -> None:
        self.mock = mock
        self._calls: dict[tuple[str, str], _Recorded] = {}

    def __call__(self, notice: Notice) -> bytes:
        now = iso_timestamp(self.mock.clock.now())
        return b"".join(
            _sse(event, {"now": now, "data": _masked(self.mock, data)}, notice.seq)
            for event, data in self._events(notice)
        )

    def _events(self, notice: Notice) -> Iterator[tuple[str, dict[str, Any]]]:
        if notice.kind == "resync":
            self._forget(notice.tenant)
        if notice.kind != "call" or notice.tenant is None or not notice.call_control_id:
            yield from _render(self.mock, notice)
            return
        key = (notice.tenant, notice.call_control_id)
        call = self.mock.simulator.find_call(*key)
        if call is None:
            self._calls.pop(key, None)
            yield from _render(self.mock, notice)
            return
        yield "call", call_view_json(call)
        memo = self._calls.get(key)
        recordings = call.recordings
        if memo is None or memo.settled > len(recordings):  # new here, or one was deleted
            memo = self._calls[key] = _Recorded()
            # What stopped before now is in the snapshot the page loaded; what is still
            # going on, or stopped just now, is news.
            now = self.mock.clock.now()
            changed = [r for r in recordings if r.ended_at is None or r.ended_at >= now]
            memo.settled = next(
                (i for i, r in enumerate(recordings) if r.is_active), len(recordings)
            )
        else:
            changed = recordings[memo.settled :]
        for recording in changed:
            version = _version(recording)
            if memo.sent.get(recording.id) != version:
                memo.sent[recording.id] = version
                yield "recording", recording_view_json(self.mock, recording)
        while memo.settled < len(recordings) and not recordings[memo.settled].is_active:
            memo.sent.pop(recordings[memo.settled].id, None)
            memo.settled += 1

    def _forget(self, tenant: str | None) -> None:
        for key in [k for k in self._calls if tenant is None or k[0] == tenant]:
            del self._calls[key]


# -- routes ----------------------------------------------------------------------------------


def _mock(request: web.Request) -> MockServer:
    return request.config_dict[MOCK]


def _static_response(name: str) -> web.Response:
    path = STATIC_DIR / name
    return web.Response(
        body=path.read_bytes(),
        content_type=_CONTENT_TYPES[path.suffix],
        charset="utf-8",
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": CSP},
    )


async def page(request: web.Request) -> web.Response:
    return _static_response("index.html")


async def asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    # Only the files the package ships, by exact name: no path ever reaches the file system.
    if name not in _assets():
        raise errors.route_not_found(request.path)
    return _static_response(name)


def _assets() -> set[str]:
    return {
        path.name
        for path in STATIC_DIR.iterdir()
        if path.is_file() and path.suffix in _CONTENT_TYPES and path.name != "index.html"
    }


def _query_filters(request: web.Request) -> tuple[str | None, str | None]:
    return request.query.get("api_key") or None, request.query.get("call_control_id") or None


async def state(request: web.Request) -> web.Response:
    mock = _mock(request)
    tenant, call_control_id = _query_filters(request)
    tenant = mock.resolve_tenant(tenant) if tenant else None  # the label the page shows
    return json_response({"data": snapshot(mock, tenant=tenant, call_control_id=call_control_id)})


def _sse(event: str, data: dict[str, Any], seq: int | None = None) -> bytes:
    lines = [f"event: {event}"]
    if seq is not None:
        lines.append(f"id: {seq}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode("utf-8")


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: ``hello`` first, then call, recording, command, webhook, resync."""
    mock = _mock(request)
    tenant = request.query.get("api_key") or None
    subscription = mock.hub.subscribe(mock.resolve_tenant(tenant) if tenant else None)
    response = web.StreamResponse(headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    response.content_type = "text/event-stream"
    response.charset = "utf-8"
    try:
        await response.prepare(request)
        hello = {"seq": mock.hub.last_seq, "clock": mock.clock.to_json()}
        await response.write(b"retry: 1000\n" + _sse("hello", hello))
        while True:
            try:
                notice = await subscription.get(KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if notice is None:
                break  # the server is shutting down, or this reader was too slow
            chunk = notice.chunk
            if chunk is None:  # a resync the subscription made for a reader that fell behind
                now = iso_timestamp(mock.clock.now())
                chunk = b"".join(
                    _sse(event, {"now": now, "data": _masked(mock, data)}, notice.seq)
                    for event, data in _render(mock, notice)
                )
            if chunk:
                # A reader that takes nothing for this long is gone: end its stream.
                async with asyncio.timeout(WRITE_TIMEOUT_SECONDS):
                    await response.write(chunk)
    except (ConnectionResetError, TimeoutError):
        pass  # the page went away, or stopped reading
    finally:
        subscription.close()
    return response


async def _close_hub(app: web.Application) -> None:
    app[MOCK].hub.close()


def add_page_routes(app: web.Application) -> None:
    """The page and its files, on the main application: public, as they hold no data."""
    app.router.add_get("/_mock/ui", page)
    app.router.add_get("/_mock/ui/{name}", asset)


def _find_recording(mock: MockServer, recording_id: str) -> Recording | None:
    for tenant in mock.simulator.tenants.values():
        found = tenant.recordings.get(recording_id)
        if found is not None:
            return found
    return None


async def recording_waveform(request: web.Request) -> web.Response:
    """Peaks per channel and the scripted speech of a saved recording (``?points=``, <= 2000)."""
    mock = _mock(request)
    recording_id = request.match_info["recording_id"]
    recording = _find_recording(mock, recording_id)
    if recording is None or not is_completed(recording):
        raise errors.waveform_not_found(recording_id)
    text = request.query.get("points", "600")
    if not (text.isascii() and text.isdigit() and len(text) <= 5 and 1 <= int(text) <= MAX_POINTS):
        raise errors.bad_request(f"points must be a whole number from 1 to {MAX_POINTS}.")
    spec = audio_spec(recording, mock.seed)
    # Up to a second of pure-Python synthesis on a loaded machine: off the event loop, so
    # webhooks due meanwhile are not held up.
    data = await asyncio.to_thread(cached_waveform, spec, int(text))
    return json_response({"data": {"recording_id": recording.id, **data}})


def add_routes(app: web.Application) -> None:
    """The data, on the control sub-application: the control token (if any) guards it."""
    app[MOCK].hub.renderer = ChangeRenderer(app[MOCK])
    app.router.add_get("/state", state)
    app.router.add_get("/recordings/{recording_id}/waveform", recording_waveform)
    app.router.add_get("/events", events)
    app.on_shutdown.append(_close_hub)
