"""The /v2/recording_transcriptions resource (sans-IO): one per recording made with
``transcription: true``, filled when its ``call.recording.transcription.saved`` is sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver import errors
from mockserver.ids import iso_timestamp_ms, parse_timestamp

__all__ = ["RecordingTranscription", "select_transcriptions", "transcription_json"]

_FILTERS = ("filter[recording_id]", "filter[created_at][gte]", "filter[created_at][lte]")


@dataclass(frozen=True)
class RecordingTranscription:
    id: str
    tenant: str
    recording_id: str
    created_at: float  # when call.recording.transcription.saved is sent
    duration_millis: int  # of the recording it transcribes
    text: str


def transcription_json(transcription: RecordingTranscription) -> dict[str, Any]:
    """SPEC's RecordingTranscription object."""
    at = iso_timestamp_ms(transcription.created_at)
    return {
        "record_type": "recording_transcription",
        "id": transcription.id,
        "recording_id": transcription.recording_id,
        "created_at": at,
        "updated_at": at,
        "duration_millis": transcription.duration_millis,
        "status": "completed",
        "transcription_text": transcription.text,
    }


def select_transcriptions(
    transcriptions: Iterable[RecordingTranscription], query: Mapping[str, str], now: float
) -> list[RecordingTranscription]:
    """Those done by ``now`` that match SPEC's filters (filter[recording_id], created_at)."""
    for name in query:
        if name.startswith("filter[") and name not in _FILTERS:
            raise errors.bad_query(name, f"Unknown filter '{name}'.")
    bounds: dict[str, float] = {}
    for edge in ("gte", "lte"):
        name = f"filter[created_at][{edge}]"
        if name in query:
            try:
                bounds[edge] = parse_timestamp(query[name])
            except ValueError as exc:
                raise errors.bad_query(name, "Expected an ISO 8601 date-time.") from exc
    recording_id = query.get("filter[recording_id]")
    selected = [
        t
        for t in transcriptions
        if t.created_at <= now
        and (recording_id is None or t.recording_id == recording_id)
        and t.created_at >= bounds.get("gte", t.created_at)
        and t.created_at <= bounds.get("lte", t.created_at)
    ]
    return sorted(selected, key=lambda t: -t.created_at)
