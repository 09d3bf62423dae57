"""Telnyx-shaped errors: one type whose instances know their wire form.

Handlers and the core raise :class:`TelnyxError`; one middleware renders it. Codes are
strings on the wire (``"90018"``), as in Telnyx's ``call-control_Errors`` schema.

Every wire code the mock writes lives in this module (tests/test_error_codes.py fails on a
code literal anywhere else): other modules call the constructors below, so a code and its
title cannot drift apart. The ``*_item`` constructors serve validation, which reports several
problems in one response. Codes a scenario scripts or a schema's ``x-telnyx-error`` names
come from those files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ErrorItem",
    "S3Error",
    "TelnyxError",
    "already_bridged",
    "api_key_not_accepted",
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
    "host_not_allowed",
    "http_error",
    "invalid_call_control_id",
    "invalid_connection_id",
    "invalid_enum",
    "invalid_enum_item",
    "invalid_parameter_item",
    "invalid_scenario",
    "invalid_type",
    "invalid_type_item",
    "is_missing_parameter",
    "method_not_allowed",
    "missing_parameter",
    "missing_parameter_item",
    "origin_not_allowed",
    "out_of_range",
    "out_of_range_item",
    "payload_too_large",
    "recording_before_audio",
    "recording_not_active",
    "recording_not_found",
    "recording_transcription_not_found",
    "retry_policy_invalid",
    "route_not_found",
    "s3_access_denied",
    "s3_bad_query_auth",
    "s3_invalid_range",
    "s3_no_such_key",
    "s3_request_expired",
    "s3_signature_mismatch",
    "too_many_tenants",
    "transcription_in_progress",
    "unexpected_error",
    "unsupported_media_type",
    "waveform_not_found",
    "webhook_not_in_journal",
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


def bad_request(
    detail: str, *, pointer: str | None = None, parameter: str | None = None, status: int = 400
) -> TelnyxError:
    return TelnyxError(status, [invalid_parameter_item(detail, pointer, parameter=parameter)])


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


def missing_parameter(name: str, detail: str | None = None) -> TelnyxError:
    """A parameter another one makes required (Dial's link_to with bridge_on_answer)."""
    return TelnyxError(422, [missing_parameter_item(name, f"/{name}", detail)])


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


def waveform_not_found(recording_id: str) -> TelnyxError:
    """The dashboard's waveform: no such recording, or not saved yet (nothing to draw)."""
    return TelnyxError.single(
        404,
        "10005",
        "Recording not found",
        f"No saved recording {recording_id}: a waveform exists once it is saved.",
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
        "Not authorized",  # SPEC's title for 10010
        "Webhooks are never delivered to the mock's control API (/_mock/).",
    )


# -- parameter errors: one item each (validation reports several at once) ----------------------

_MISSING_PARAMETER = "10004"


def missing_parameter_item(name: str, pointer: str, detail: str | None = None) -> ErrorItem:
    detail = detail or f"The '{name}' parameter is required and cannot be blank."
    return ErrorItem(_MISSING_PARAMETER, "Missing required parameter", detail, pointer)


def is_missing_parameter(item: ErrorItem) -> bool:
    return item.code == _MISSING_PARAMETER


def invalid_enum_item(allowed: str, pointer: str | None) -> ErrorItem:
    """``allowed``: the permitted values as the detail lists them."""
    return ErrorItem(
        "10032", "Invalid enumerated value", f"The value must be one of: {allowed}.", pointer
    )


def invalid_type_item(detail: str, pointer: str | None) -> ErrorItem:
    return ErrorItem("10026", "Invalid parameter type", detail, pointer)


def out_of_range_item(
    detail: str, pointer: str | None = None, *, parameter: str | None = None
) -> ErrorItem:
    return ErrorItem("10033", "Value outside of range", detail, pointer, parameter)


def invalid_parameter_item(
    detail: str, pointer: str | None = None, *, parameter: str | None = None
) -> ErrorItem:
    return ErrorItem("10015", "Bad Request", detail, pointer, parameter)


def invalid_enum(allowed: Iterable[str], pointer: str) -> TelnyxError:
    return TelnyxError(422, [invalid_enum_item(", ".join(sorted(allowed)), pointer)])


def invalid_type(detail: str, pointer: str) -> TelnyxError:
    return TelnyxError(422, [invalid_type_item(detail, pointer)])


def out_of_range(
    detail: str, *, pointer: str | None = None, parameter: str | None = None, status: int = 422
) -> TelnyxError:
    return TelnyxError(status, [out_of_range_item(detail, pointer, parameter=parameter)])


# -- errors of one command or route -----------------------------------------------------------


def recording_before_audio() -> TelnyxError:
    return TelnyxError.single(
        422,
        "90020",
        "Call recording triggered before audio started",
        "Call recording cannot be started until audio has commenced on the call.",
    )


def transcription_in_progress() -> TelnyxError:
    return TelnyxError.single(
        422,
        "90054",
        "Call transcription is already in progress",
        "Call transcription can not be started more than once.",
    )


def invalid_scenario(detail: str) -> TelnyxError:
    return TelnyxError.single(422, "10015", "Invalid scenario", detail)


def webhook_not_in_journal(ref: str) -> TelnyxError:
    return TelnyxError.single(
        404,
        "10005",
        "Resource not found",
        f"No webhook with journal seq or event id '{ref}' is in the delivery journal.",
    )


def http_error(status: int, title: str, detail: str | None) -> TelnyxError:
    """An HTTP-level refusal (aiohttp's own 4xx) in Telnyx's shape."""
    return TelnyxError.single(status, "10015", title, detail)


def invalid_connection_id() -> TelnyxError:
    """SPEC's ``invalid_connection_id`` example, word for word."""
    return TelnyxError.single(
        422,
        "10015",
        "Invalid value for connection_id (Call Control App ID)",
        "The requested connection_id (Call Control App ID) is either invalid or does not exist."
        " Only Call Control Apps with valid webhook URL are accepted.",
        pointer="/connection_id",
    )


def retry_policy_invalid(detail: str, pointer: str) -> TelnyxError:
    """A webhook_retries_policies entry SPEC's description rules out (sum over 60 s, < 0)."""
    return TelnyxError(422, [out_of_range_item(detail, pointer)])


# -- recording downloads: S3's answers, not Telnyx's -------------------------------------------
# Telnyx's recording links are pre-signed S3 URLs, so a failed download gets S3's XML error,
# never Telnyx JSON (docs/fidelity.md cites the S3 documentation for each).


@dataclass
class S3Error(Exception):
    """An S3 REST error: status and ``<Error><Code>…<Message>…`` plus S3's extra elements."""

    status: int
    code: str
    message: str
    extra: tuple[tuple[str, str], ...] = ()
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.status, self.code)

    def to_xml(self, request_id: str) -> str:
        elements = [("Code", self.code), ("Message", self.message), *self.extra]
        elements.append(("RequestId", request_id))
        body = "".join(f"<{name}>{_xml_text(value)}</{name}>" for name, value in elements)
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{body}</Error>'


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def s3_access_denied() -> S3Error:
    """No query-string authentication at all: a private bucket's answer."""
    return S3Error(403, "AccessDenied", "Access Denied")


def s3_bad_query_auth(message: str) -> S3Error:
    return S3Error(400, "AuthorizationQueryParametersError", message)


def s3_signature_mismatch(access_key_id: str, signature: str) -> S3Error:
    return S3Error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        (("AWSAccessKeyId", access_key_id), ("SignatureProvided", signature)),
    )


def s3_request_expired(expires_seconds: int, expired_at: str, server_time: str) -> S3Error:
    return S3Error(
        403,
        "AccessDenied",
        "Request has expired",
        (
            ("X-Amz-Expires", str(expires_seconds)),
            ("Expires", expired_at),
            ("ServerTime", server_time),
        ),
    )


def s3_no_such_key(key: str) -> S3Error:
    return S3Error(404, "NoSuchKey", "The specified key does not exist.", (("Key", key),))


def s3_invalid_range(requested: str, size: int) -> S3Error:
    return S3Error(
        416,
        "InvalidRange",
        "The requested range is not satisfiable",
        (("RangeRequested", requested), ("ActualObjectSize", str(size))),
        headers={"Content-Range": f"bytes */{size}"},
    )


def too_many_tenants(limit: int) -> TelnyxError:
    """More API keys own calls or recordings at once than the mock keeps apart."""
    return TelnyxError.single(
        429,
        "10011",
        "Too many requests",
        f"More than {limit} API keys own calls or recordings at once; reset the mock"
        " (POST /_mock/reset) or start it with --api-key.",
    )


def api_key_not_accepted() -> TelnyxError:
    """A control route's ``api_key`` outside ``--api-key``: no request could reach its tenant."""
    return TelnyxError.single(
        422,
        "10015",
        "Bad Request",
        "The 'api_key' parameter must be one of the keys the mock was started with (--api-key).",
        pointer="/api_key",
    )


def _shown(value: str) -> str:
    return value if len(value) <= 80 else value[:77] + "..."


def host_not_allowed(host: str) -> TelnyxError:
    """A Host the server does not answer to (DNS rebinding)."""
    return TelnyxError.single(
        403,
        "10010",
        "Authorization failed",
        f"Host '{_shown(host)}' is not allowed: start the mock with --allowed-host NAME (or"
        " --allowed-host '*', e.g. in a container) to answer to it.",
    )


def origin_not_allowed(origin: str) -> TelnyxError:
    """A browser page from another site calling the control API."""
    return TelnyxError.single(
        403,
        "10010",
        "Authorization failed",
        f"Origin '{_shown(origin)}' may not use /_mock/: only pages from the mock's own host"
        " (or an --allowed-host) may.",
    )
