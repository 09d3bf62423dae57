"""The /v2/recordings resource as pure functions: render, filter, paginate (sans-IO)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockserver import errors
from mockserver.core.recordings import Recording
from mockserver.errors import TelnyxError
from mockserver.ids import iso_timestamp_ms, parse_timestamp

__all__ = [
    "PAGE_SIZE_DEFAULT",
    "PAGE_SIZE_MAX",
    "Page",
    "RecordingQuery",
    "is_completed",
    "parse_query",
    "recording_json",
]

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 250

# filter[...] keys matched by equality against the recording (Telnyx's case-sensitive filters).
_EQUALITY_FILTERS: dict[str, Callable[[Recording], str | None]] = {
    "call_control_id": lambda r: r.call_control_id,
    "call_leg_id": lambda r: r.call_leg_id,
    "call_session_id": lambda r: r.call_session_id,
    "connection_id": lambda r: r.connection_id,
    "from": lambda r: r.from_number,
    "to": lambda r: r.to,
    "conference_id": lambda r: r.conference_id,
    "conference_region": lambda r: None,
    "sip_call_id": lambda r: None,
}
_TIME_FILTERS: dict[str, Callable[[Recording], float | None]] = {
    "created_at": lambda r: r.ended_at,
    "start_time": lambda r: r.started_at,
    "end_time": lambda r: r.ended_at,
}


def is_completed(recording: Recording | None) -> bool:
    """Stopped and not failed: the only recordings the API lists, serves or deletes."""
    return recording is not None and recording.ended_at is not None and not recording.failed


def recording_json(
    recording: Recording, download_url: str, duration_seconds: float
) -> dict[str, Any]:
    """A Recording object as GET /v2/recordings returns it."""
    assert recording.ended_at is not None
    ended = iso_timestamp_ms(recording.ended_at)
    return {
        "id": recording.id,
        "record_type": "recording",
        "call_control_id": recording.call_control_id,
        "call_leg_id": recording.call_leg_id,
        "call_session_id": recording.call_session_id,
        "conference_id": recording.conference_id,
        "connection_id": recording.connection_id,
        "channels": recording.options.channels,
        "created_at": ended,
        "updated_at": ended,
        "download_urls": {recording.options.format: download_url},
        "duration_millis": round(duration_seconds * 1000),
        "from": recording.from_number,
        "to": recording.to,
        "initiated_by": recording.options.initiated_by,
        "recording_started_at": iso_timestamp_ms(recording.started_at),
        "recording_ended_at": ended,
        "source": "call" if recording.conference_id is None else "conference",
        "status": "completed",
    }


@dataclass(frozen=True)
class Page:
    number: int
    size: int


@dataclass(frozen=True)
class RecordingQuery:
    """Parsed ``filter[...]`` and ``page[...]`` parameters."""

    page: Page
    equals: Mapping[str, str]
    ranges: Mapping[str, tuple[datetime | None, datetime | None]]

    def matches(self, recording: Recording) -> bool:
        for key, value in self.equals.items():
            if _EQUALITY_FILTERS[key](recording) != value:
                return False
        for key, (low, high) in self.ranges.items():
            seconds = _TIME_FILTERS[key](recording)
            if seconds is None:
                return False
            # Compared as rendered (whole milliseconds), so a timestamp copied from a response
            # is an inclusive bound for that very recording.
            at = datetime.fromtimestamp(seconds, UTC)
            at = at.replace(microsecond=at.microsecond // 1000 * 1000)
            if (low is not None and at < low) or (high is not None and at > high):
                return False
        return True

    def select(self, recordings: Iterable[Recording]) -> tuple[list[Recording], dict[str, int]]:
        """The requested page, newest first, and Telnyx's flat pagination meta."""
        matching = sorted(
            (r for r in recordings if is_completed(r) and self.matches(r)),
            key=lambda r: (r.ended_at or 0.0, r.id),
            reverse=True,
        )
        total = len(matching)
        start = (self.page.number - 1) * self.page.size
        meta = {
            "page_number": self.page.number,
            "page_size": self.page.size,
            "total_pages": math.ceil(total / self.page.size),
            "total_results": total,
        }
        return matching[start : start + self.page.size], meta


def _query_error(parameter: str, detail: str) -> TelnyxError:
    return errors.bad_request(detail, parameter=parameter)


def _page_value(query: Mapping[str, str], name: str, default: int, high: int) -> int:
    parameter = f"page[{name}]"
    raw = query.get(parameter)
    if raw is None:
        return default
    digits = raw.strip()
    if not (digits.isascii() and digits.isdigit()):  # int() rejects some Unicode "digits"
        raise _query_error(parameter, f"{parameter} must be an integer.")
    # Python refuses to convert more than 4300 digits (ValueError: a 500); anything this long
    # is out of range anyway.
    significant = digits.lstrip("0") or "0"
    value = int(significant) if len(significant) <= len(str(high)) else high + 1
    if not 1 <= value <= high:
        raise errors.out_of_range(
            f"The value is outside of allowed range 1 to {high}", parameter=parameter, status=400
        )
    return value


def parse_query(query: Mapping[str, str]) -> RecordingQuery:
    """Validate the query string of GET /v2/recordings (400 with Telnyx's shape if wrong)."""
    page = Page(
        _page_value(query, "number", 1, 2**31 - 1),
        _page_value(query, "size", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX),
    )
    equals: dict[str, str] = {}
    ranges: dict[str, tuple[datetime | None, datetime | None]] = {}
    for parameter, value in query.items():
        if not parameter.startswith("filter["):
            continue
        parts = parameter[len("filter[") :].rstrip("]").split("][")
        key = parts[0]
        if key in _EQUALITY_FILTERS and len(parts) == 1:
            equals[key] = value
        elif key in _TIME_FILTERS and len(parts) == 2 and parts[1] in ("gte", "lte"):
            try:
                at = datetime.fromtimestamp(parse_timestamp(value), UTC)
            except (ValueError, OverflowError, OSError):
                raise _query_error(
                    parameter, f"{parameter} must be an ISO 8601 date-time."
                ) from None
            low, high = ranges.get(key, (None, None))
            ranges[key] = (at, high) if parts[1] == "gte" else (low, at)
        else:
            raise _query_error(parameter, f"Unknown filter {parameter}.")
    return RecordingQuery(page, equals, ranges)


def not_found() -> TelnyxError:
    return errors.recording_not_found()
