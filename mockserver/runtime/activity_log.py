"""What the terminal shows: one line per API request and per webhook attempt, text or JSON.

The request line comes from the web pipeline, the attempt line from the webhook dispatcher;
both log to ``mockserver.activity`` at INFO with their fields in ``extra={"fields": ...}``, so
the text formatter and the JSON-lines formatter render the same facts. ``configure`` is what the
command line calls; the pytest plugin and tests leave logging as the host set it.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, Literal, TextIO

__all__ = [
    "ACTIVITY",
    "JsonLinesFormatter",
    "LogFormat",
    "TextFormatter",
    "configure",
    "log_request",
    "log_webhook_attempt",
]

ACTIVITY = logging.getLogger("mockserver.activity")
LogFormat = Literal["text", "json"]


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, "fields", None)
    return fields if isinstance(fields, dict) else {}


class TextFormatter(logging.Formatter):
    """``HH:MM:SS.mmm message``; warnings and errors say their level."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        level = "" if record.levelno <= logging.INFO else f"{record.levelname} "
        text = f"{stamp}.{int(record.msecs):03d} {level}{record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the line's own fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, separators=(",", ":"), default=str)


def configure(level: str, log_format: LogFormat = "text", stream: TextIO | None = None) -> None:
    """Route every ``mockserver`` logger to stderr at ``level`` in the chosen format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger("mockserver")
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    # aiohttp's own warnings (bad requests, a handler's traceback) stay visible.
    aiohttp_log = logging.getLogger("aiohttp")
    aiohttp_log.addHandler(handler)
    aiohttp_log.setLevel(max(logging.getLevelName(level), logging.WARNING))
    aiohttp_log.propagate = False


def log_request(
    *,
    method: str,
    path: str,
    status: int,
    latency_ms: float,
    call_control_id: str | None = None,
    error_codes: list[str] | None = None,
    level: int = logging.INFO,
) -> None:
    """``POST /v2/calls/…/actions/record_start 422 10004,10032 call=v3:… 1.2 ms``."""
    if not ACTIVITY.isEnabledFor(level):
        return
    parts = [method, path, str(status)]
    if error_codes:
        parts.append("code=" + ",".join(error_codes))
    if call_control_id and call_control_id not in path:
        parts.append(f"call={call_control_id}")
    parts.append(f"{latency_ms:.1f} ms")
    fields = {
        "kind": "request",
        "method": method,
        "path": path,
        "status": status,
        "error_codes": error_codes or [],
        "call_control_id": call_control_id,
        "latency_ms": round(latency_ms, 3),
    }
    _emit(level, " ".join(parts), fields)


def log_webhook_attempt(
    *,
    event_type: str,
    event_id: str,
    call_control_id: str,
    url: str | None,
    attempt: int,
    outcome: str,
    status: int | None,
    error: str | None,
    latency_ms: float,
) -> None:
    """``webhook call.answered #1 -> http://… failed: ClientConnectorError: … (2.0 ms)``."""
    level = logging.WARNING if outcome == "undelivered" else logging.INFO
    if not ACTIVITY.isEnabledFor(level):
        return
    text = f"webhook {event_type} #{attempt} -> {url or '(no URL)'} {outcome}"
    if status is not None and outcome == "delivered":
        text += f" {status}"
    if error:
        text += f": {error}"
    text += f" call={call_control_id}"
    if outcome in ("delivered", "failed"):  # a final verdict sends nothing: no latency
        text += f" ({latency_ms:.1f} ms)"
    fields = {
        "kind": "webhook",
        "event_type": event_type,
        "event_id": event_id,
        "call_control_id": call_control_id,
        "url": url,
        "attempt": attempt,
        "outcome": outcome,
        "status": status,
        "error": error,
        "latency_ms": round(latency_ms, 3),
    }
    _emit(level, text, fields)


def _emit(level: int, message: str, fields: dict[str, Any]) -> None:
    # Logger.log would walk the stack for the caller's file and line (findCaller, ~3 % of a
    # request under load); these lines never show them, so the record is made directly.
    record = ACTIVITY.makeRecord(
        ACTIVITY.name, level, __file__, 0, message, (), None, extra={"fields": fields}
    )
    ACTIVITY.handle(record)
