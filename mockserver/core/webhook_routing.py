"""Where and how a call's webhooks go (sans-IO): Dial's and Answer's ``webhook_url_method``,
``webhook_urls`` per event type with ``webhook_urls_method``, and ``webhook_retries_policies``.

SPEC (CallRequest, AnswerRequest): ``webhook_urls`` "will be called instead of the default
webhook URL" for their event types; each method is ``POST`` (default) or ``GET``; a retry
policy is "an array of retries_ms specifying the delays between retry attempts", "Maximum 5
retries, total delay cannot exceed 60 seconds". With ``GET`` the envelope travels as query
parameters (:func:`envelope_query`), as Telnyx's voice webhook docs say.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from mockserver import errors

__all__ = [
    "MAX_RETRY_TOTAL_MS",
    "WebhookRouting",
    "envelope_from_query",
    "envelope_query",
    "routing_from_body",
]

MAX_RETRY_TOTAL_MS = 60_000  # SPEC: "Total sum cannot exceed 60000ms"


@dataclass
class WebhookRouting:
    """A call's webhook routing beyond its ``webhook_url`` and failover."""

    method: str = "POST"  # for webhook_url (and the default URL)
    urls: dict[str, str] = field(default_factory=dict)  # event type -> URL
    urls_method: str = "POST"
    retries: dict[str, tuple[float, ...]] = field(default_factory=dict)  # event type -> delays s

    def route(self, event_type: str, default_url: str | None) -> tuple[str | None, str]:
        """The URL (None: the server's default) and method an event of this type goes to."""
        if event_type in self.urls:
            return self.urls[event_type], self.urls_method
        return default_url, self.method

    def retry_delays(self, event_type: str) -> tuple[float, ...] | None:
        """The call's own retry schedule for this event type (None: the server's)."""
        return self.retries.get(event_type)


def routing_from_body(body: Mapping[str, Any], current: WebhookRouting) -> WebhookRouting:
    """Dial's or Answer's routing fields over what the call had (Answer may change them)."""
    routing = WebhookRouting(
        method=str(body.get("webhook_url_method", current.method)),
        urls=dict(current.urls),
        urls_method=str(body.get("webhook_urls_method", current.urls_method)),
        retries=dict(current.retries),
    )
    routing.urls.update(body.get("webhook_urls") or {})
    for event_type, policy in (body.get("webhook_retries_policies") or {}).items():
        pointer = f"/webhook_retries_policies/{_escape(event_type)}/retries_ms"
        delays = list(policy.get("retries_ms") or [])
        if any(delay < 0 for delay in delays):
            raise errors.retry_policy_invalid("Retry delays cannot be negative.", pointer)
        if sum(delays) > MAX_RETRY_TOTAL_MS:
            raise errors.retry_policy_invalid(
                f"The sum of retries_ms cannot exceed {MAX_RETRY_TOTAL_MS} ms"
                f" (it is {sum(delays)}).",
                pointer,
            )
        routing.retries[event_type] = tuple(delay / 1000 for delay in delays)
    return routing


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")  # RFC 6901


# -- GET deliveries: the envelope as query parameters --------------------------------------------


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flatten(f"{prefix}[{key}]" if prefix else str(key), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _flatten(f"{prefix}[{index}]", item)
    elif value is None:
        yield prefix, ""
    elif isinstance(value, bool):
        yield prefix, "true" if value else "false"
    else:
        yield prefix, str(value)


def envelope_query(envelope: Mapping[str, Any]) -> str:
    """``data[payload][call_control_id]=…&meta[attempt]=1``: bracketed keys, one per leaf."""
    return urlencode(list(_flatten("", envelope)))


def envelope_from_query(query: str) -> dict[str, Any]:
    """The nested mapping back from :func:`envelope_query` (values stay strings)."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        head, _, rest = key.partition("[")
        parts = [head] + ([p.rstrip("]") for p in rest.split("[")] if rest else [])
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return root
