"""A call as JSON (sans-IO): ``GET /v2/calls/{id}``, Dial's response, the dashboard's view.

Every shape starts from :func:`call_ids`, which webhook payloads (core/events.py) use too, so
the identifiers are named and ordered the same everywhere. The dashboard's view is not a
Telnyx shape; it says what the mock knows about the call.
"""

from __future__ import annotations

from typing import Any

from mockserver.core.calls import Call
from mockserver.ids import iso_timestamp, iso_timestamp_ms

__all__ = ["call_ids", "call_status_json", "call_view_json", "dial_json"]


def call_status_json(call: Call, now: float) -> dict[str, Any]:
    """``GET /v2/calls/{id}``: status as Telnyx returns it."""
    end = call.ended_at if call.ended_at is not None else now
    data = _api_fields(call)
    data["is_alive"] = call.is_alive
    # Counted from answer: SPEC's example (18:10:02 -> 18:11:52, call_duration 50) cannot be
    # counted from the Dial; a call never answered has 0 (docs/fidelity.md).
    answered = call.answered_at
    data["call_duration"] = int(end - answered) if answered is not None else 0
    if call.ended_at is not None:
        data["end_time"] = iso_timestamp_ms(call.ended_at)
    return data


def dial_json(call: Call) -> dict[str, Any]:
    """``POST /v2/calls``: the new call, not yet alive ("For Dial command it will always be
    false")."""
    data = _api_fields(call)
    if call.record_from_answer is not None:
        data["recording_id"] = call.record_from_answer["recording_id"]
    return data


def call_ids(call: Call) -> dict[str, Any]:
    """The three ids every Telnyx shape of a call carries."""
    return {
        "call_control_id": call.call_control_id,
        "call_leg_id": call.call_leg_id,
        "call_session_id": call.call_session_id,
    }


def call_view_json(call: Call) -> dict[str, Any]:
    """A call as the dashboard shows it (not a Telnyx shape: that is GET /v2/calls/{id})."""
    return {
        "tenant": call.tenant,
        **call_ids(call),
        "connection_id": call.connection_id,
        "direction": call.direction,
        "from": call.from_number,
        "to": call.to,
        "state": call.state.value,
        "is_alive": call.is_alive,
        "start_time": _iso(call.start_time),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        "hangup_cause": call.hangup_cause,
        "hangup_source": call.hangup_source,
        "webhook_url": call.webhook_url,
        "recording_ids": [recording.id for recording in call.recordings],
    }


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else iso_timestamp(seconds)


def _api_fields(call: Call) -> dict[str, Any]:
    return {
        **call_ids(call),
        "client_state": call.client_state,
        "is_alive": False,
        "record_type": "call",
        "call_duration": 0,
        "start_time": iso_timestamp_ms(call.start_time),
    }
