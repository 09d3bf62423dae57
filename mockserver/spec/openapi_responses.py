"""What the OpenAPI document adds so it describes every real response (checked by fuzzing).

``openapi.build_document`` lists the call routes and the control routes; this module adds the
recordings routes and, on the control routes, the error answers they really give (a control
token's 401, a body's 400/413/415/422, an unknown id's 404, a running clock's 409). Any error
of any route is Telnyx's ``Errors`` object; ``tests/http/test_fuzz.py`` holds the document to
that with schemathesis.
"""

from __future__ import annotations

from typing import Any

from mockserver.spec.openapi_conferences import conference_paths

__all__ = ["complete_document"]

_ERRORS_REF = {"$ref": "#/components/schemas/Errors"}

_RECORDING: dict[str, Any] = {
    "type": "object",
    "required": ["id", "record_type", "call_control_id", "download_urls", "status"],
    "properties": {
        "id": {"type": "string"},
        "record_type": {"const": "recording"},
        "call_control_id": {"type": "string"},
        "call_leg_id": {"type": "string"},
        "call_session_id": {"type": "string"},
        "conference_id": {"type": ["string", "null"]},
        "connection_id": {"type": "string"},
        "channels": {"type": "string", "enum": ["single", "dual"]},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "download_urls": {"type": "object", "additionalProperties": {"type": "string"}},
        "duration_millis": {"type": "integer"},
        "from": {"type": "string"},
        "to": {"type": "string"},
        "initiated_by": {"type": "string"},
        "recording_started_at": {"type": "string"},
        "recording_ended_at": {"type": "string"},
        "source": {"type": "string"},
        "status": {"type": "string"},
    },
}

_CONTROL_ERRORS = {
    "400": "Malformed request body",
    "401": "Control token missing or wrong (only with --control-token)",
    "404": "No such call, recording or webhook",
    "409": "The clock is not manual",
    "413": "Request body too large",
    "415": "Wrong Content-Type",
    "422": "Invalid parameters or call state",
}


def _errors(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERRORS_REF}}}


def _json(schema: dict[str, Any], description: str = "Success") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _recording_paths() -> dict[str, Any]:
    recording_id = {
        "name": "recording_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    one = _json({"type": "object", "required": ["data"], "properties": {"data": _RECORDING}})
    security: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    return {
        "/v2/recordings": {
            "get": {
                "operationId": "ListCallRecordings",
                "summary": "List call recordings (newest first)",
                "security": security,
                "parameters": [
                    _query("page[number]", {"type": "integer", "minimum": 1}),
                    _query("page[size]", {"type": "integer", "minimum": 1, "maximum": 250}),
                    _query("filter[call_control_id]", {"type": "string"}),
                    _query("filter[call_leg_id]", {"type": "string"}),
                    _query("filter[call_session_id]", {"type": "string"}),
                    _query("filter[created_at][gte]", {"type": "string", "format": "date-time"}),
                    _query("filter[created_at][lte]", {"type": "string", "format": "date-time"}),
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["data", "meta"],
                            "properties": {
                                "data": {"type": "array", "items": _RECORDING},
                                "meta": {
                                    "type": "object",
                                    "required": [
                                        "page_number",
                                        "page_size",
                                        "total_pages",
                                        "total_results",
                                    ],
                                    "properties": {
                                        key: {"type": "integer"}
                                        for key in (
                                            "page_number",
                                            "page_size",
                                            "total_pages",
                                            "total_results",
                                        )
                                    },
                                },
                            },
                        }
                    ),
                    "400": _errors("Bad page or filter parameter"),
                    "401": _errors("Authentication failed"),
                },
            }
        },
        "/v2/recordings/{recording_id}": {
            "get": {
                "operationId": "RetrieveCallRecording",
                "summary": "Retrieve a call recording",
                "security": security,
                "parameters": [recording_id],
                "responses": {
                    "200": one,
                    "401": _errors("Authentication failed"),
                    "404": _errors("No such recording"),
                },
            },
            "delete": {
                "operationId": "DeleteCallRecording",
                "summary": "Delete a call recording",
                "security": security,
                "parameters": [recording_id],
                "responses": {
                    "200": one,
                    "401": _errors("Authentication failed"),
                    "404": _errors("No such recording"),
                },
            },
        },
        "/v2/recordings/actions/delete": {
            "post": {
                "operationId": "DeleteCallRecordings",
                "summary": "Delete a list of call recordings",
                "security": security,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["ids"],
                                "properties": {
                                    "ids": {"type": "array", "items": {"type": "string"}}
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["status"],
                            "properties": {"status": {"const": "ok"}},
                        }
                    ),
                    "400": _errors("Malformed request body"),
                    "401": _errors("Authentication failed"),
                    "404": _errors("An id is not a recording of this account: none deleted"),
                    "413": _errors("Request body too large"),
                    "415": _errors("Wrong Content-Type"),
                    "422": _errors("Invalid parameters"),
                },
            }
        },
    }


def _control_error_codes(path: str, method: str) -> list[str]:
    # The dashboard's page and static files stay open under a control token (no data in them).
    codes = [] if path.startswith("/_mock/ui") else ["401"]
    if method == "post":
        codes += ["400", "413", "415", "422"]
    if "{" in path:
        codes.append("404")
    if path.endswith("/clock/advance"):
        codes.append("409")
    if path.endswith("/waveform"):
        codes.append("400")  # ?points= out of range
    return codes


def complete_document(document: dict[str, Any]) -> dict[str, Any]:
    """Add the recordings routes and the control routes' real error answers, in place."""
    paths: dict[str, Any] = document["paths"]
    for path, item in {**_recording_paths(), **conference_paths()}.items():
        paths.setdefault(path, item)
    for item in paths.values():  # every route: a Host (or, on /_mock/, an Origin) not allowed
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault(
                    "403", _errors("Host (or, on /_mock/, Origin) not allowed: --allowed-host")
                )
    for path in ("/v2/calls", "/_mock/calls"):  # a new API key beyond the tenant bound
        if "post" in paths.get(path, {}):
            responses = paths[path]["post"].setdefault("responses", {})
            responses.setdefault("429", _errors("Too many API keys own calls at once"))
    for path, item in paths.items():
        if not path.startswith("/_mock/"):
            continue
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for code in _control_error_codes(path, method):
                responses.setdefault(code, _errors(_CONTROL_ERRORS[code]))
    return document
