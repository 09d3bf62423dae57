"""Telnyx-shaped errors: one type whose instances know their wire form.

Handlers and the core raise :class:`TelnyxError`; one middleware renders it. Codes are
strings on the wire (``"90018"``), as in Telnyx's ``call-control_Errors`` schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ErrorItem",
    "TelnyxError",
    "already_bridged",
    "authentication_failed",
    "bad_query",
    "bad_request",
    "call_ended",
    "call_not_answered",
    "call_not_found",
    "conference_ended",
    "conference_not_found",
    "conference_state",
    "encoding_error",
    "invalid_call_control_id",
    "method_not_allowed",
    "missing_parameter",
    "payload_too_large",
    "recording_not_active",
    "recording_not_found",
    "recording_transcription_not_found",
    "route_not_found",
    "unexpected_error",
    "unsupported_media_type",
    "webhook_to_control_api",
    "webhook_url_is_the_mock",
]

DOCS_URL = "https://developers.telnyx.com/docs/overview/errors/{code}"


@dataclass(frozen=True)
class ErrorItem:
    """One entry of Telnyx's ``errors`` array."""

    code: str
    title: str
    detail: str | None = None
    pointer: str | None = None
    parameter: str | None = None
    meta: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"code": self.code, "title": self.title}
        if self.detail is not None:
            item["detail"] = self.detail
        source: dict[str, str] = {}
        if self.pointer is not None:
            source["pointer"] = self.pointer
        if self.parameter is not None:
            source["parameter"] = self.parameter
        if source:
            item["source"] = source
        if self.meta is not None:
            item["meta"] = self.meta
        return item


@dataclass
class TelnyxError(Exception):
    """An API error: HTTP status plus one or more Telnyx error items."""

    status: int
    items: Sequence[ErrorItem]
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.status, [item.code for item in self.items])

    @classmethod
    def single(
        cls,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
        with_docs_url: bool = False,
    ) -> TelnyxError:
        meta = {"url": DOCS_URL.format(code=code)} if with_docs_url else None
        return cls(status, [ErrorItem(code, title, detail, pointer, parameter, meta)])

    @classmethod
    def of(cls, status: int, items: Iterable[ErrorItem]) -> TelnyxError:
        return cls(status, list(items))

    def to_json(self) -> dict[str, Any]:
        return {"errors": [item.to_json() for item in self.items]}


# Constructors for every error the mock returns, so the wire shape cannot drift.
# Titles and details are Telnyx's own (see docs/fidelity.md for the sources).


AUTHENTICATION_DETAIL = (
    "The required authentication headers were either invalid or not included in the request."
)


def authentication_failed(reason: str | None = None) -> TelnyxError:
    """Telnyx's 401; ``reason`` (the mock's addition) says which part was wrong."""
    detail = AUTHENTICATION_DETAIL if reason is None else f"{AUTHENTICATION_DETAIL} {reason}"
    return TelnyxError.single(401, "10009", "Authentication failed", detail, with_docs_url=True)


def encoding_error(detail: str) -> TelnyxError:
    return TelnyxError.single(400, "10028", "Character encoding error", detail, with_docs_url=True)


def bad_request(detail: str, *, pointer: str | None = None, status: int = 400) -> TelnyxError:
    return TelnyxError.single(status, "10015", "Bad Request", detail, pointer=pointer)


def unsupported_media_type(content_type: str) -> TelnyxError:
    return TelnyxError.single(
        415,
        "10015",
        "Bad Request",
        f"Content-Type must be application/json, got '{content_type or 'none'}'.",
    )


def payload_too_large(limit: int) -> TelnyxError:
    return TelnyxError.single(
        413, "10015", "Bad Request", f"The request body exceeds the limit of {limit} bytes."
    )


def route_not_found(path: str, *, suggestion: str | None = None) -> TelnyxError:
    """Telnyx's 404; ``suggestion`` (the mock's addition) names the route probably meant."""
    detail = f"The requested resource or URL could not be found: {path}"
    if suggestion is not None:
        detail += f" (did you mean {suggestion}? The API lives under /v2.)"
    return TelnyxError.single(404, "10005", "Resource not found", detail)


def method_not_allowed(method: str, allowed: Iterable[str]) -> TelnyxError:
    allowed_list = sorted(allowed)
    return TelnyxError(
        405,
        [
            ErrorItem(
                "10015",
                "Method not allowed",
                f"{method} is not allowed here; use {', '.join(allowed_list)}.",
            )
        ],
        headers={"Allow": ", ".join(allowed_list)},
    )


def unexpected_error() -> TelnyxError:
    return TelnyxError.single(500, "10007", "Unexpected error", "An unexpected error occurred.")


def invalid_call_control_id(pointer: str = "/call_control_id") -> TelnyxError:
    return TelnyxError.single(
        422,
        "90015",
        "Invalid Call Control ID",
        "The call_control_id provided was not valid.",
        pointer=pointer,
    )


def call_ended(pointer: str | None = None) -> TelnyxError:
    # pointer: when the ended call is named in the body (bridge's call_control_id, link_to).
    return TelnyxError.single(
        422,
        "90018",
        "Call has already ended",
        "This call is no longer active and can't receive commands.",
        pointer=pointer,
    )


def call_not_answered(pointer: str | None = None) -> TelnyxError:
    return TelnyxError.single(
        422,
        "90034",
        "Call not answered yet",
        "This call can't receive this command because it has not been answered yet.",
        pointer=pointer,
    )


def already_bridged() -> TelnyxError:
    # prevent_double_bridge: Telnyx documents no code; 10015 as for other state conflicts.
    return TelnyxError.single(
        422,
        "10015",
        "Bad Request",
        "The call you want to bridge with is already bridged to another call.",
        pointer="/call_control_id",
    )


def missing_parameter(name: str) -> TelnyxError:
    """A parameter another one makes required (Dial's link_to with bridge_on_answer)."""
    return TelnyxError.single(
        422,
        "10004",
        "Missing required parameter",
        f"The '{name}' parameter is required and cannot be blank.",
        pointer=f"/{name}",
    )


def conference_not_found() -> TelnyxError:
    return TelnyxError.single(
        404,
        "10005",
        "Resource not found",
        "The requested conference could not be found.",
        pointer="/id",
    )


def conference_ended() -> TelnyxError:
    return TelnyxError.single(
        422,
        "90019",
        "Conference has already ended",
        "This conference is no longer active and can't receive commands.",
    )


def conference_state(detail: str, pointer: str | None = None) -> TelnyxError:
    # A conference command the conference's state refuses (not a participant, nobody to
    # record): Telnyx documents no code, 10015 as for recording-state conflicts.
    return TelnyxError.single(422, "10015", "Bad Request", detail, pointer=pointer)


def bad_query(parameter: str, detail: str) -> TelnyxError:
    """A query parameter the route does not take or cannot read (``source.parameter``)."""
    return TelnyxError.single(400, "10015", "Bad Request", detail, parameter=parameter)


def recording_transcription_not_found() -> TelnyxError:
    return TelnyxError.single(
        404,
        "10005",
        "Resource not found",
        "The requested recording transcription does not exist.",
        pointer="/recording_transcription_id",
    )


def call_not_found() -> TelnyxError:
    return TelnyxError.single(
        404,
        "10005",
        "Resource not found",
        "The requested call could not be found.",
        pointer="/call_control_id",
    )


def recording_not_active(detail: str) -> TelnyxError:
    # Telnyx documents no code for recording-state conflicts; the generic 10015 avoids
    # inventing a 900xx code that may mean something else (docs/fidelity.md).
    return TelnyxError.single(422, "10015", "Bad Request", detail)


def recording_not_found(pointer: str = "/recording_id") -> TelnyxError:
    return TelnyxError.single(
        404,
        "10005",
        "Recording not found",
        "The recording could not be found. Please check the recording_id and try again.",
        pointer=pointer,
    )


def webhook_url_is_the_mock(pointer: str) -> TelnyxError:
    """A webhook URL that reaches the mock's own control API (a redeliver route looped)."""
    return TelnyxError.single(
        422,
        "10015",
        "Bad Request",
        "This URL reaches the mock's own control API (/_mock/ on its own port); webhooks are"
        " never delivered there.",
        pointer=pointer,
    )


def webhook_to_control_api() -> TelnyxError:
    """A signed webhook arriving at /_mock/ (through a proxy or another port): never acted on."""
    return TelnyxError.single(
        403,
        "10010",
        "Authorization failed",
        "Webhooks are never delivered to the mock's control API (/_mock/).",
    )
