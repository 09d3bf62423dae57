"""Recording downloads: ``GET``/``HEAD /telephony-recorder-prod/{id}/{date}/{file}?X-Amz-…``
(pre-signed like Telnyx's S3 links) with Range support; failures answer S3's XML errors.

WAV is streamed straight from the synthesizer (any byte range is computed, not stored);
MP3 is encoded once into the server's scratch directory and then streamed from that file. Both
go through one response path (same headers, Range rules and Telnyx-shaped 416), neither holds a
whole recording in memory, and no request path ever reaches the file system.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from pathlib import Path
from typing import BinaryIO

from aiohttp import web

from mockserver import errors
from mockserver.audio import synthesis as audio
from mockserver.audio.recording_files import audio_spec
from mockserver.core.recording_queries import is_completed
from mockserver.core.recordings import Recording
from mockserver.runtime.download_links import BUCKET, object_path
from mockserver.web.pipeline import MOCK

__all__ = ["add_routes", "parse_range"]

MEDIA_DIR = web.AppKey("media_dir", Path)
MP3_LOCKS = web.AppKey("mp3_locks", dict)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``a-`` / ``-n`` as a half-open (start, end); None: serve it all.

    Raises ValueError when the range cannot be satisfied (HTTP 416).
    """
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if match is None:
        return None  # multiple or malformed ranges: the whole file is a valid answer
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        length = int(last)
        if length == 0:
            raise ValueError("empty suffix range")
        return max(size - length, 0), size
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or end <= start:
        raise ValueError("range not satisfiable")
    return start, end


def _find(request: web.Request) -> tuple[Recording, str]:
    mock = request.app[MOCK]
    info = request.match_info
    path = f"/{BUCKET}/{info['recording_id']}/{info['day']}/{info['file_name']}"
    signed = mock.links.open(path, request.query)  # S3's 400/403 for a bad or stale link
    recording = mock.simulator.find_recording(signed.recording_id)
    if (
        recording is None
        or not is_completed(recording)
        or signed.fmt not in ("wav", "mp3")
        or object_path(recording, signed.fmt) != path
    ):
        raise errors.s3_no_such_key(signed.key)  # deleted, reset, or never there
    return recording, signed.fmt


async def download(request: web.Request) -> web.StreamResponse:
    mock = request.app[MOCK]
    recording, fmt = _find(request)
    spec = audio_spec(recording, mock.seed, fmt)
    if fmt == "mp3":
        path = await _mp3_file(request.app, recording, spec)
        # Opened before it is measured: a concurrent DELETE cannot pull it from under us.
        with path.open("rb") as handle:
            if mock.simulator.find_recording(recording.id) is None:
                # Reset (or deleted) while it was being encoded: this answer still gets it,
                # the disk does not keep it.
                forget_file(request.app, recording.id)
            size = os.fstat(handle.fileno()).st_size
            return await _send(request, "mp3", size, lambda a, b: _read(handle, a, b))
    return await _send(
        request, "wav", audio.wav_size(spec), lambda a, b: audio.iter_wav(spec, a, b)
    )


async def _send(
    request: web.Request,
    fmt: audio.Format,
    size: int,
    chunks: Callable[[int, int], Iterator[bytes]],
) -> web.StreamResponse:
    """One code path for both formats: same headers, same Range rules, same 416."""
    headers = {"Accept-Ranges": "bytes", "Content-Type": audio.content_type(fmt)}
    try:
        byte_range = parse_range(request.headers.get("Range", ""), size)
    except ValueError:
        raise errors.s3_invalid_range(request.headers.get("Range", ""), size) from None
    start, end = byte_range or (0, size)
    response = web.StreamResponse(status=206 if byte_range else 200, headers=headers)
    if byte_range:
        response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    response.content_length = end - start
    await response.prepare(request)
    if request.method != "HEAD":
        for chunk in chunks(start, end):
            await response.write(chunk)
    await response.write_eof()
    return response


def _read(handle: BinaryIO, start: int, end: int, chunk_bytes: int = 64 * 1024) -> Iterator[bytes]:
    handle.seek(start)
    remaining = end - start
    while remaining > 0:
        data = handle.read(min(chunk_bytes, remaining))
        if not data:
            return
        remaining -= len(data)
        yield data


async def _mp3_file(app: web.Application, recording: Recording, spec: audio.AudioSpec) -> Path:
    path = app[MEDIA_DIR] / f"{recording.id}.mp3"
    lock = app[MP3_LOCKS].setdefault(recording.id, asyncio.Lock())
    async with lock:
        if not path.exists():
            await asyncio.to_thread(_write_mp3, spec, path)
    return path


def _write_mp3(spec: audio.AudioSpec, path: Path) -> None:
    partial = path.with_suffix(".part")
    with partial.open("wb") as handle:
        for chunk in audio.iter_mp3(spec):
            handle.write(chunk)
    partial.rename(path)


async def _media_dir_ctx(app: web.Application) -> AsyncIterator[None]:
    directory = Path(tempfile.mkdtemp(prefix="mockserver-media-"))
    app[MEDIA_DIR] = directory
    app[MP3_LOCKS] = {}

    def purge(recording_ids: Collection[str] | None) -> None:
        # POST /_mock/reset (the pytest fixture's, before every test) frees the disk too: a
        # 4-hour MP3 is 112 MiB, and a session used to keep every one it had encoded.
        if recording_ids is None:
            for path in directory.iterdir():
                path.unlink(missing_ok=True)
            app[MP3_LOCKS].clear()
            return
        for recording_id in recording_ids:
            forget_file(app, recording_id)

    app[MOCK].reset_hooks.append(purge)
    yield
    app[MOCK].reset_hooks.remove(purge)
    shutil.rmtree(directory, ignore_errors=True)


def forget_file(app: web.Application, recording_id: str) -> None:
    """Delete a recording's encoded file (DELETE /v2/recordings/{id})."""
    (app[MEDIA_DIR] / f"{recording_id}.mp3").unlink(missing_ok=True)
    app[MP3_LOCKS].pop(recording_id, None)


def add_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(_media_dir_ctx)
    app.router.add_get(f"/{BUCKET}/{{recording_id}}/{{day}}/{{file_name}}", download)
