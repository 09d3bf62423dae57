"""OpenAPI paths for conferences and recording transcriptions (issue 16), with every status
they answer, so the fuzz test holds them to the document like the call routes."""

from __future__ import annotations

from typing import Any

__all__ = ["conference_paths"]

_ERRORS_REF = {"$ref": "#/components/schemas/Errors"}
_SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]

# action -> (operationId, summary), request schema conference_<action>
CONFERENCE_OPERATIONS: dict[str, tuple[str, str]] = {
    "join": ("JoinConference", "Join a conference"),
    "leave": ("LeaveConference", "Leave a conference"),
    "hold": ("HoldConferenceParticipants", "Hold conference participants"),
    "unhold": ("UnholdConferenceParticipants", "Unhold conference participants"),
    "mute": ("MuteConferenceParticipants", "Mute conference participants"),
    "unmute": ("UnmuteConferenceParticipants", "Unmute conference participants"),
    "end": ("EndConference", "End a conference"),
    "record_start": ("StartConferenceRecording", "Conference recording start"),
    "record_stop": ("StopConferenceRecording", "Conference recording stop"),
    "record_pause": ("PauseConferenceRecording", "Conference recording pause"),
    "record_resume": ("ResumeConferenceRecording", "Conference recording resume"),
}

_CONFERENCE: dict[str, Any] = {
    "type": "object",
    "required": ["record_type", "id", "name", "created_at", "expires_at"],
    "properties": {
        "record_type": {"const": "conference"},
        "id": {"type": "string"},
        "name": {"type": "string"},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "expires_at": {"type": "string"},
        "connection_id": {"type": "string"},
        "region": {"type": "string"},
        "status": {"enum": ["init", "in_progress", "completed"]},
        "end_reason": {"enum": ["all_left", "ended_via_api", "host_left", "time_exceeded"]},
        "ended_by": {"type": "object"},
    },
}
_PARTICIPANT: dict[str, Any] = {
    "type": "object",
    "required": ["record_type", "id", "call_control_id", "status", "muted", "on_hold"],
    "properties": {
        "record_type": {"const": "participant"},
        "id": {"type": "string"},
        "call_control_id": {"type": "string"},
        "call_leg_id": {"type": "string"},
        "conference": {"type": "object"},
        "whisper_call_control_ids": {"type": "array", "items": {"type": "string"}},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "end_conference_on_exit": {"type": "boolean"},
        "soft_end_conference_on_exit": {"type": "boolean"},
        "status": {"enum": ["joining", "joined", "left"]},
        "muted": {"type": "boolean"},
        "on_hold": {"type": "boolean"},
    },
}
_TRANSCRIPTION: dict[str, Any] = {
    "type": "object",
    "required": ["record_type", "id", "recording_id", "status"],
    "properties": {
        "record_type": {"const": "recording_transcription"},
        "id": {"type": "string"},
        "recording_id": {"type": "string"},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "duration_millis": {"type": "integer"},
        "status": {"enum": ["in-progress", "completed"]},
        "transcription_text": {"type": "string"},
    },
}
_PAGE_META = {
    "type": "object",
    "properties": {
        key: {"type": "integer"}
        for key in ("page_number", "page_size", "total_pages", "total_results")
    },
}


def _errors(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERRORS_REF}}}


def _data(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {"type": "object", "required": ["data"], "properties": {"data": schema, **extra}}
    return {"description": "Success", "content": {"application/json": {"schema": body}}}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}


_BODY_ERRORS = {
    "400": _errors("Malformed request body"),
    "401": _errors("Authentication failed"),
    "413": _errors("Request body too large"),
    "415": _errors("Wrong Content-Type"),
    "422": _errors("Invalid parameters, call or conference state"),
}


def _body(schema_name: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema_name}"}
    return {"required": True, "content": {"application/json": {"schema": ref}}}


def conference_paths() -> dict[str, Any]:
    result = {
        "type": "object",
        "required": ["result"],
        "properties": {"result": {"type": "string"}},
    }
    paths: dict[str, Any] = {
        "/v2/conferences": {
            "post": {
                "operationId": "CreateConference",
                "summary": "Create a conference from a call, which joins it",
                "security": _SECURITY,
                "requestBody": _body("conference_create"),
                "responses": {"200": _data(_CONFERENCE), **_BODY_ERRORS},
            },
            "get": {
                "operationId": "ListConferences",
                "summary": "List conferences",
                "security": _SECURITY,
                "responses": {
                    "200": _data({"type": "array", "items": _CONFERENCE}, meta=_PAGE_META),
                    "401": _errors("Authentication failed"),
                },
            },
        },
        "/v2/conferences/{id}": {
            "get": {
                "operationId": "RetrieveConference",
                "summary": "Retrieve a conference (by id or name)",
                "security": _SECURITY,
                "parameters": [_path_param("id")],
                "responses": {
                    "200": _data(_CONFERENCE),
                    "401": _errors("Authentication failed"),
                    "404": _errors("No such conference"),
                },
            }
        },
        "/v2/conferences/{id}/participants": {
            "get": {
                "operationId": "ListConferenceParticipants",
                "summary": "List conference participants",
                "security": _SECURITY,
                "parameters": [_path_param("id")],
                "responses": {
                    "200": _data({"type": "array", "items": _PARTICIPANT}, meta=_PAGE_META),
                    "401": _errors("Authentication failed"),
                    "404": _errors("No such conference"),
                },
            }
        },
        "/v2/recording_transcriptions": {
            "get": {
                "operationId": "getRecordingTranscriptions",
                "summary": "List recording transcriptions",
                "security": _SECURITY,
                "parameters": [
                    _query("filter[recording_id]"),
                    _query("filter[created_at][gte]"),
                    _query("filter[created_at][lte]"),
                ],
                "responses": {
                    "200": _data(
                        {"type": "array", "items": _TRANSCRIPTION}, meta={"type": "object"}
                    ),
                    "400": _errors("Bad filter parameter"),
                    "401": _errors("Authentication failed"),
                },
            }
        },
        "/v2/recording_transcriptions/{recording_transcription_id}": {
            method: {
                "operationId": operation_id,
                "summary": summary,
                "security": _SECURITY,
                "parameters": [_path_param("recording_transcription_id")],
                "responses": {
                    "200": _data(_TRANSCRIPTION),
                    "401": _errors("Authentication failed"),
                    "404": _errors("No such recording transcription"),
                },
            }
            for method, operation_id, summary in (
                ("get", "getRecordingTranscription", "Retrieve a recording transcription"),
                ("delete", "deleteRecordingTranscription", "Delete a recording transcription"),
            )
        },
    }
    for action, (operation_id, summary) in CONFERENCE_OPERATIONS.items():
        paths[f"/v2/conferences/{{id}}/actions/{action}"] = {
            "post": {
                "operationId": operation_id,
                "summary": summary,
                "security": _SECURITY,
                "parameters": [_path_param("id")],
                "requestBody": _body(f"conference_{action}"),
                "responses": {
                    "200": _data(result),
                    "404": _errors("No such conference or recording"),
                    **_BODY_ERRORS,
                },
            }
        }
    return paths
