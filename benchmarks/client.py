"""Small HTTP helpers for driving the servers under test (set-up, not measurement)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Sequence
from typing import Any

import aiohttp

__all__ = ["AUTH", "DIAL", "advance", "dial_many", "request_json"]

KEY = "KEY_BENCH"
AUTH = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
DIAL = {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"}


def request_json(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 120,
) -> tuple[int, Any]:
    assert url.startswith("http://127.0.0.1:"), url
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, headers={**AUTH, **(headers or {})}, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def clock_offset(mock_url: str) -> float:
    """Simulated minus wall time, from the /_mock/clock sample with the shortest round trip."""
    best: tuple[float, float] | None = None
    for _ in range(20):
        before = time.time()
        status, body = request_json("GET", f"{mock_url}/_mock/clock")
        after = time.time()
        assert status == 200
        sample = (after - before, body["data"]["epoch_seconds"] - (before + after) / 2)
        if best is None or sample[0] < best[0]:
            best = sample
    assert best is not None
    return best[1]


def advance(base_url: str, seconds: float) -> None:
    status, body = request_json("POST", f"{base_url}/_mock/clock/advance", {"seconds": seconds})
    assert status == 200, body


async def _dial_many(
    base_url: str, bodies: Sequence[dict[str, Any]], concurrency: int
) -> list[str]:
    results: list[str] = [""] * len(bodies)
    queue = list(enumerate(bodies))
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            while queue:
                index, body = queue.pop()
                async with session.post(f"{base_url}/v2/calls", json=body, headers=AUTH) as r:
                    data = await r.json()
                    assert r.status == 200, data
                    results[index] = data["data"]["call_control_id"]

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


def dial_many(base_url: str, count: int, concurrency: int = 32, **extra: Any) -> list[str]:
    """Dial ``count`` calls; their call_control_ids."""
    bodies = [{**DIAL, **extra} for _ in range(count)]
    return asyncio.run(_dial_many(base_url, bodies, concurrency))
