"""The OpenAPI 3.1 document of what the mock implements, built from ``schemas/`` at start-up.

Request bodies are the very schemas the validators use, so the document cannot drift from
the behaviour. Served at ``GET /v2/openapi.json`` without authentication.
"""

from __future__ import annotations

import copy
from typing import Any

from mockserver.core.commands import COMMANDS
from mockserver.spec.openapi_responses import complete_document
from mockserver.spec.validation import SchemaRegistry

__all__ = ["build_document"]

_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "title"],
                "properties": {
                    "code": {"type": "string"},
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                    "source": {
                        "type": "object",
                        "properties": {
                            "pointer": {"type": "string"},
                            "parameter": {"type": "string"},
                        },
                    },
                    "meta": {"type": "object"},
                },
            },
        }
    },
}

_CALL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["call_control_id", "call_leg_id", "call_session_id", "is_alive", "record_type"],
    "properties": {
        "call_control_id": {"type": "string"},
        "call_leg_id": {"type": "string"},
        "call_session_id": {"type": "string"},
        "client_state": {"type": ["string", "null"]},
        "is_alive": {"type": "boolean"},
        "record_type": {"type": "string", "enum": ["call"]},
        "call_duration": {"type": "integer"},
        "start_time": {"type": "string"},
        "end_time": {"type": "string"},
        "recording_id": {"type": "string"},
    },
}

_RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {
            "type": "object",
            "required": ["result"],
            "properties": {"result": {"type": "string"}, "recording_id": {"type": "string"}},
        }
    },
}


def _rewrite_refs(node: Any, prefix: str) -> Any:
    """Point a schema's internal ``#/$defs/X`` refs at hoisted ``components/schemas``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = f"#/components/schemas/{prefix}.{value[len('#/$defs/') :]}"
            elif key in ("$schema", "$id", "$defs"):
                continue
            else:
                out[key] = _rewrite_refs(value, prefix)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, prefix) for item in node]
    return node


def _errors_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
    }


def _json_body(ref: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": ref}}}}


def _ok(ref: str, description: str = "Success") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


_STANDARD_ERRORS = {
    "400": "Malformed request body",
    "401": "Authentication failed",
    "413": "Request body too large",
    "415": "Wrong Content-Type",
    "422": "Invalid parameters or call state",
}

_CALL_ID_PARAM = {
    "name": "call_control_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}


def build_document(registry: SchemaRegistry) -> dict[str, Any]:
    """The OpenAPI document for the registry's request schemas and the mock's routes."""
    components: dict[str, Any] = {
        "Errors": _ERROR_SCHEMA,
        "Call": _CALL_SCHEMA,
        "CallResponse": {
            "type": "object",
            "properties": {"data": {"$ref": "#/components/schemas/Call"}},
        },
        "CallControlCommandResult": _RESULT_SCHEMA,
    }
    for name, schema in registry.schemas.items():
        components[name] = _rewrite_refs(copy.deepcopy(schema), name)
        for def_name, definition in schema.get("$defs", {}).items():
            components[f"{name}.{def_name}"] = _rewrite_refs(copy.deepcopy(definition), name)

    def errors_for(*codes: str) -> dict[str, Any]:
        return {code: _errors_response(_STANDARD_ERRORS[code]) for code in codes}

    paths: dict[str, Any] = {
        "/v2/calls": {
            "post": {
                "operationId": "DialCall",
                "summary": "Dial",
                "security": [{"bearerAuth": []}],
                "requestBody": _json_body("#/components/schemas/dial"),
                "responses": {
                    "200": _ok("#/components/schemas/CallResponse"),
                    **errors_for("400", "401", "413", "415", "422"),
                },
            }
        },
        "/v2/calls/{call_control_id}": {
            "get": {
                "operationId": "RetrieveCallStatus",
                "summary": "Retrieve a call status",
                "security": [{"bearerAuth": []}],
                "parameters": [_CALL_ID_PARAM],
                "responses": {
                    "200": _ok("#/components/schemas/CallResponse"),
                    "404": _errors_response("No such call"),
                    **errors_for("401", "422"),
                },
            }
        },
    }
    for command, spec in COMMANDS.items():
        paths[f"/v2/calls/{{call_control_id}}/actions/{command}"] = {
            "post": {
                "operationId": spec.operation_id,
                "summary": spec.summary,
                "security": [{"bearerAuth": []}],
                "parameters": [_CALL_ID_PARAM],
                "requestBody": _json_body(f"#/components/schemas/{spec.schema}"),
                "responses": {
                    "200": _ok("#/components/schemas/CallControlCommandResult"),
                    "404": _errors_response("No such recording"),
                    **errors_for("400", "401", "413", "415", "422"),
                },
            }
        }
    paths.update(_control_paths())
    complete_document({"paths": paths})  # recordings routes; control routes' real errors
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mockserver: Telnyx Call Control recording API simulator",
            "version": "0.1.0",
            "description": "Request bodies are the JSON Schemas mockserver validates with.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


def _control_paths() -> dict[str, Any]:
    def op(operation_id: str, summary: str, **extra: Any) -> dict[str, Any]:
        responses = {"200": {"description": "Success"}}
        return {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["Control API"],
            "security": [],
            "responses": responses,
            **extra,
        }

    seconds_body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["seconds"],
                    "properties": {"seconds": {"type": "number", "minimum": 0}},
                }
            }
        },
    }
    return {
        "/_mock/health": {"get": op("MockHealth", "Liveness and summary")},
        "/_mock/reset": {"post": op("MockReset", "Forget all state, or one tenant's (api_key)")},
        "/_mock/clock": {"get": op("MockClock", "Simulated time and clock mode")},
        "/_mock/clock/advance": {
            "post": op(
                "MockClockAdvance",
                "Manual clock: advance and fire everything due",
                requestBody=seconds_body,
            )
        },
        "/_mock/webhooks": {
            "get": op(
                "MockWebhookJournal",
                "Delivery journal, oldest first (filters: event_type, call_control_id, api_key)",
            )
        },
        "/_mock/webhook-key": {"get": op("MockWebhookKey", "Base64 Ed25519 public key")},
        "/_mock/calls": {"post": op("MockInjectCall", "Inject an inbound call for a tenant")},
        "/_mock/scenario": {
            "post": op(
                "MockLoadScenario",
                "Load a scenario: JSON (schema 'scenario'), YAML text, or {\"bundled\": NAME}",
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/scenario"}}
                    },
                },
            )
        },
        "/_mock/calls/{call_control_id}/hangup": {
            "post": op("MockFarEndHangup", "The far end hangs up now", parameters=[_CALL_ID_PARAM])
        },
        "/_mock/webhooks/{ref}/redeliver": {
            "post": op(
                "MockRedeliverWebhook",
                "Send a journaled webhook again as its next attempt (ref: journal seq or event id)",
                parameters=[
                    {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
            )
        },
        "/_mock/state": {
            "get": op(
                "MockState",
                "Snapshot: calls, command log, recordings with fresh links, journal "
                "(filters: api_key, call_control_id)",
            )
        },
        "/_mock/recordings/{recording_id}/waveform": {
            "get": op(
                "MockRecordingWaveform",
                "A saved recording's peak levels per channel (points buckets) and scripted speech",
                parameters=[
                    {
                        "name": "recording_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "points",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2000},
                    },
                ],
            )
        },
        "/_mock/events": {
            "get": op("MockEvents", "Live changes as server-sent events (text/event-stream)")
        },
        "/_mock/ui": {"get": op("MockDashboard", "The dashboard page (HTML)")},
    }
