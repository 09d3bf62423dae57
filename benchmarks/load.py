"""Load generators: a closed loop on aiohttp's client, and ``wrk`` when it is installed.

Closed loop: ``connections`` workers each send the next request as soon as the previous
answer arrived. Bounded twice: by ``duration`` and by ``max_requests``. Only 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

__all__ = ["LoadResult", "closed_loop", "percentile", "wrk", "wrk_available"]


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    tool: str = "aiohttp"
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _closed_loop(
    url: str,
    body: bytes,
    headers: dict[str, str],
    connections: int,
    duration: float,
    warmup: float,
    max_requests: int,
) -> LoadResult:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        began = time.perf_counter()
        measure_from = began + warmup
        stop_at = measure_from + duration
        sent = 0

        async def worker() -> None:
            nonlocal sent
            while sent < max_requests:
                started = time.perf_counter()
                if started >= stop_at:
                    return
                sent += 1
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
                if started >= measure_from:
                    latencies.append(time.perf_counter() - started)
                    statuses[status] = statuses.get(status, 0) + 1

        await asyncio.gather(*(worker() for _ in range(connections)))
        measured = max(1e-9, min(time.perf_counter(), stop_at) - measure_from)
    latencies.sort()
    errors = sum(count for status, count in statuses.items() if not 200 <= status < 300)
    return LoadResult(
        requests=len(latencies),
        errors=errors,
        seconds=measured,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        statuses=statuses,
    )


def closed_loop(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    connections: int,
    duration: float = 3.0,
    warmup: float = 0.5,
    max_requests: int = 300_000,
) -> LoadResult:
    """POST ``body`` to ``url`` from ``connections`` connections for ``duration`` seconds."""
    assert url.startswith("http://127.0.0.1:"), url
    return asyncio.run(
        _closed_loop(url, body, headers, connections, duration, warmup, max_requests)
    )


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if match is None:
        raise ValueError(f"wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    connections: int,
    duration: float = 3.0,
    warmup: float = 0.5,
) -> LoadResult:
    """The same load from ``wrk`` (one thread, C): it leaves the server most of the CPU."""
    assert url.startswith("http://127.0.0.1:"), url
    lines = ['wrk.method = "POST"', f"wrk.body = {_lua_string(body.decode())}"]
    lines += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text("\n".join(lines) + "\n")
        common = ["wrk", "-t1", f"-c{connections}", "-s", str(script), "--latency", url]
        if warmup > 0:
            subprocess.run(
                [*common[:3], f"-d{max(1, round(warmup))}s", *common[3:]],
                capture_output=True,
                timeout=30,
                check=True,
            )
        out = subprocess.run(
            [*common[:3], f"-d{round(duration)}s", *common[3:]],
            capture_output=True,
            text=True,
            timeout=duration + 30,
            check=True,
        ).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    seconds = _seconds(re.search(r"requests in ([\d.]+\w+),", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    # The latency distribution's own lines ("     50%  1.23ms"), not a "93.50%" elsewhere.
    p50 = re.search(r"^\s*50%\s+(\S+)$", out, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s*99%\s+(\S+)$", out, re.M).group(1)  # type: ignore[union-attr]
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return LoadResult(total, errors, seconds, _ms(p50), _ms(p99), tool="wrk")


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(ms|s|m)", text)
    if match is None:
        raise ValueError(f"wrk duration {text!r}")
    return float(match.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[match.group(2)]


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
