"""Who may use the control API (``--control-token``) and which tenant a control call is for.

Without a token the control API is open, as a local test tool's usually is. With
``--control-token TOKEN`` every ``/_mock/`` route needs ``Authorization: Bearer TOKEN``; the
bearer token then names no tenant, so routes acting for one (``POST /_mock/calls``, the far
end's hangup) take it from the body's ``api_key``.
"""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web

from mockserver import errors
from mockserver.web.pipeline import MOCK, Handler, bearer_key

__all__ = ["control_tenant", "control_token_middleware", "refuse_webhooks_middleware"]


def _presented_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def _as_bytes(token: str) -> bytes:
    """The token's bytes as sent. aiohttp decodes header bytes that are not UTF-8 (``\\xff``)
    as lone surrogates, which a plain ``encode()`` refuses with an error (a 500)."""
    return token.encode("utf-8", "surrogateescape")


@web.middleware
async def control_token_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    expected = request.app[MOCK].config.control_token
    if expected is not None:
        presented = _presented_token(request)
        if presented is None:
            raise errors.authentication_failed(
                "The mock was started with --control-token: /_mock/ routes need"
                " 'Authorization: Bearer TOKEN'"
                + (" (none was sent)." if "Authorization" not in request.headers else ".")
            )
        if not hmac.compare_digest(_as_bytes(presented), expected.encode("utf-8")):
            raise errors.authentication_failed(
                "This is not the token given to --control-token (API keys do not open /_mock/)."
            )
    return await handler(request)


def control_tenant(request: web.Request, body: dict[str, Any]) -> str:
    """The tenant a control request acts for: the body's ``api_key``, else the bearer key.

    With a control token the bearer is that token, so ``api_key`` is required.
    """
    tenant = body.get("api_key")
    if tenant is not None and (not isinstance(tenant, str) or not tenant.strip()):
        raise errors.invalid_type("The 'api_key' parameter must be a non-empty string.", "/api_key")
    if tenant is not None:
        tenant = request.app[MOCK].resolve_tenant(tenant)  # the dashboard sends its labels
    allowed = request.app[MOCK].config.api_keys
    if tenant is not None and allowed is not None and tenant not in allowed:
        # A tenant for such a key could never be reached through /v2: refuse to make one.
        raise errors.api_key_not_accepted()
    if tenant is not None:
        return tenant
    if request.app[MOCK].config.control_token is not None:
        raise errors.missing_parameter(
            "api_key", "The 'api_key' parameter is required when the server has a control token."
        )
    return bearer_key(request)


@web.middleware
async def refuse_webhooks_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A signed webhook is never a control request: whatever URL led a webhook here (a proxy,
    a mapped port), the mock does not act on it, so no webhook can reset or redeliver."""
    if "Telnyx-Signature-Ed25519" in request.headers:
        raise errors.webhook_to_control_api()
    return await handler(request)
