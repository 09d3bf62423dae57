"""Assertions on Telnyx's error shape, and a raw request helper, shared by the HTTP tests."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientResponse

from tests.conftest import API_KEY, Harness

# (code, title, source.pointer or None): what a test pins for one error item.
Expected = tuple[str, str, str | None]

_ITEM_KEYS = {"code", "title", "detail", "source", "meta"}


async def error_items(response: ClientResponse, status: int) -> list[dict[str, Any]]:
    """Assert ``status`` and Telnyx's error shape; return the ``errors`` array.

    The shape: Content-Type application/json, a body ``{"errors": [...]}`` with at least one
    item, each with a numeric string ``code`` and a non-empty ``title``, optional ``detail``
    (string), ``source`` (``pointer`` is an RFC 6901 pointer) and ``meta`` (object).
    """
    text = await response.text()
    assert response.status == status, text
    assert response.content_type == "application/json", response.headers
    body = await response.json()
    assert isinstance(body, dict) and list(body) == ["errors"], body
    items = body["errors"]
    assert isinstance(items, list) and items, body
    for item in items:
        assert isinstance(item, dict) and set(item) <= _ITEM_KEYS, item
        assert isinstance(item["code"], str) and item["code"].isdigit(), item
        assert isinstance(item["title"], str) and item["title"], item
        assert isinstance(item.get("detail", ""), str), item
        assert isinstance(item.get("meta", {}), dict), item
        if "source" in item:
            source = item["source"]
            assert isinstance(source, dict) and source, item
            assert set(source) <= {"pointer", "parameter"}, item
            if "pointer" in source:
                assert source["pointer"].startswith("/"), item
    return list(items)


def summary(items: list[dict[str, Any]]) -> list[Expected]:
    return [(i["code"], i["title"], i.get("source", {}).get("pointer")) for i in items]


async def expect_errors(
    response: ClientResponse, status: int, *expected: Expected
) -> list[dict[str, Any]]:
    """Assert the shape, the status and exactly these (code, title, pointer) items, in order."""
    items = await error_items(response, status)
    assert summary(items) == list(expected), items
    return items


async def send(
    harness: Harness,
    method: str,
    path: str,
    data: bytes | str | None = None,
    *,
    content_type: str | None = "application/json",
    key: str | None = API_KEY,
    headers: dict[str, str] | None = None,
) -> ClientResponse:
    """A request with an exact body (bytes as given) and exact headers.

    ``content_type=None`` sends no Content-Type at all (aiohttp would add one).
    """
    all_headers: dict[str, str] = {}
    if key is not None:
        all_headers["Authorization"] = f"Bearer {key}"
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    all_headers.update(headers or {})
    raw = data.encode("utf-8") if isinstance(data, str) else data
    skip = () if content_type is not None else ("Content-Type",)
    return await harness.client.request(
        method, path, data=raw, headers=all_headers, skip_auto_headers=skip
    )
