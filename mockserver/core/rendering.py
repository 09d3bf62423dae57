"""The API's JSON for a call (sans-IO): ``GET /v2/calls/{id}`` and Dial's response.

One renderer with one flag for Dial's differences, so the two shapes cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from mockserver.core.calls import Call
from mockserver.ids import iso_timestamp_ms

__all__ = ["call_status_json", "dial_json"]


def call_status_json(call: Call, now: float) -> dict[str, Any]:
    """``GET /v2/calls/{id}``: status as Telnyx returns it."""
    end = call.ended_at if call.ended_at is not None else now
    data = _call_ids(call)
    data["is_alive"] = call.is_alive
    data["call_duration"] = int(end - call.start_time)
    if call.ended_at is not None:
        data["end_time"] = iso_timestamp_ms(call.ended_at)
    return data


def dial_json(call: Call) -> dict[str, Any]:
    """``POST /v2/calls``: the new call, not yet alive ("For Dial command it will always be
    false")."""
    data = _call_ids(call)
    if call.record_from_answer is not None:
        data["recording_id"] = call.record_from_answer["recording_id"]
    return data


def _call_ids(call: Call) -> dict[str, Any]:
    return {
        "call_control_id": call.call_control_id,
        "call_leg_id": call.call_leg_id,
        "call_session_id": call.call_session_id,
        "client_state": call.client_state,
        "is_alive": False,
        "record_type": "call",
        "call_duration": 0,
        "start_time": iso_timestamp_ms(call.start_time),
    }
