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

__all__ = [
    "LoadResult",
    "closed_loop",
    "percentile",
    "real_path_closed_loop",
    "real_path_requests",
    "real_path_wrk",
    "wrk",
    "wrk_available",
]


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
    return load_result(latencies, statuses, measured)


def load_result(latencies: list[float], statuses: dict[int, int], seconds: float) -> LoadResult:
    """A closed loop's figures from its per-request latencies (s) and status counts."""
    latencies.sort()
    errors = sum(count for status, count in statuses.items() if not 200 <= status < 300)
    return LoadResult(
        requests=len(latencies),
        errors=errors,
        seconds=seconds,
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
    return _parse_wrk(out)


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(ms|s|m)", text)
    if match is None:
        raise ValueError(f"wrk duration {text!r}")
    return float(match.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[match.group(2)]


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- the real path: record_start / record_stop alternating over a pool of live calls ----------

START_BODY = '{"format":"wav","channels":"single","command_id":"%s"}'
STOP_BODY = '{"command_id":"%s"}'


def real_path_requests(call_ids: list[str], tag: str, index: int) -> tuple[str, bytes]:
    """Request ``index`` of the real-path sequence: (path, body).

    Request i goes to call ``i % n``: a start on even passes over the pool, a stop on odd
    ones, so every call alternates start/stop and ``n - 1`` other requests separate two
    commands to one call (with n well above the connection count, the previous one has been
    answered). Every command_id is unique (``tag`` differs per run), so each request is a
    real state change, never the dedup no-op.
    """
    n = len(call_ids)
    ccid = call_ids[index % n]
    stop = (index // n) % 2 == 1
    action = "record_stop" if stop else "record_start"
    body = (STOP_BODY if stop else START_BODY) % f"{tag}-{index}"
    return f"/v2/calls/{ccid}/actions/{action}", body.encode()


async def _real_path_loop(
    base_url: str,
    call_ids: list[str],
    headers: dict[str, str],
    connections: int,
    duration: float,
    warmup: float,
    tag: str,
    limit: int,
) -> LoadResult:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        began = time.perf_counter()
        measure_from = began + warmup
        stop_at = measure_from + duration
        # Worker w owns calls w, w + c, ...: its own start/stop order is never raced.
        owned = [call_ids[w::connections] for w in range(connections)]
        sent = 0

        async def worker(mine: list[str], w: int) -> None:
            nonlocal sent
            index = 0
            while limit <= 0 or sent < limit:
                started = time.perf_counter()
                if started >= stop_at:
                    return
                sent += 1
                path, body = real_path_requests(mine, f"{tag}w{w}", index)
                index += 1
                async with session.post(base_url + path, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
                if started >= measure_from:
                    latencies.append(time.perf_counter() - started)
                    statuses[status] = statuses.get(status, 0) + 1

        await asyncio.gather(*(worker(mine, w) for w, mine in enumerate(owned)))
        measured = max(1e-9, min(time.perf_counter(), stop_at) - measure_from)
    return load_result(latencies, statuses, measured)


def real_path_closed_loop(
    base_url: str,
    call_ids: list[str],
    headers: dict[str, str],
    *,
    connections: int,
    duration: float = 3.0,
    warmup: float = 0.5,
    tag: str = "py",
    limit: int = 0,
) -> LoadResult:
    """The real path from aiohttp's client (each connection owns a share of the calls).

    ``limit`` > 0 stops after that many requests.
    """
    assert base_url.startswith("http://127.0.0.1:"), base_url
    assert len(call_ids) >= connections
    return asyncio.run(
        _real_path_loop(base_url, call_ids, headers, connections, duration, warmup, tag, limit)
    )


_REAL_PATH_LUA = """
local calls = {%(calls)s}
local n = #calls
local i = 0
local tag = %(tag)s
local limit = %(limit)d
local answered = 0
wrk.method = "POST"
%(headers)s
request = function()
  local stop = math.floor(i / n) %% 2 == 1
  local id = calls[(i %% n) + 1]
  local command_id = tag .. "-" .. i
  i = i + 1
  if stop then
    return wrk.format(nil, "/v2/calls/" .. id .. "/actions/record_stop", nil,
      '{"command_id":"' .. command_id .. '"}')
  end
  return wrk.format(nil, "/v2/calls/" .. id .. "/actions/record_start", nil,
    '{"format":"wav","channels":"single","command_id":"' .. command_id .. '"}')
end
response = function(status, headers, body)
  answered = answered + 1
  if limit > 0 and answered >= limit then wrk.thread:stop() end
end
"""


def real_path_wrk(
    base_url: str,
    call_ids: list[str],
    headers: dict[str, str],
    *,
    connections: int,
    duration: float = 3.0,
    warmup: float = 0.5,
    tag: str = "wrk",
    limit: int = 0,
) -> LoadResult:
    """The real path from ``wrk``: the same sequence as :func:`real_path_requests`.

    ``limit`` > 0 stops sending after that many answers (wrk still waits out ``duration``;
    the request count is then what was sent).
    """
    assert base_url.startswith("http://127.0.0.1:"), base_url
    header_lines = "\n".join(
        f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()
    )
    calls = ", ".join(_lua_string(c) for c in call_ids)

    def script(run_tag: str, run_limit: int) -> str:
        return _REAL_PATH_LUA % {
            "calls": calls,
            "tag": _lua_string(run_tag),
            "limit": run_limit,
            "headers": header_lines,
        }

    with tempfile.TemporaryDirectory() as tmp:
        if warmup > 0:
            _run_wrk(Path(tmp), script(tag + "-warm", 0), base_url, connections, warmup)
        out = _run_wrk(Path(tmp), script(tag, limit), base_url, connections, duration)
    return _parse_wrk(out)


def _run_wrk(tmp: Path, script: str, url: str, connections: int, duration: float) -> str:
    path = tmp / f"script{time.monotonic_ns()}.lua"
    path.write_text(script)
    seconds = f"-d{max(1, round(duration))}s"
    return subprocess.run(
        ["wrk", "-t1", f"-c{connections}", seconds, "-s", str(path), "--latency", url],
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=True,
    ).stdout


def _parse_wrk(out: str) -> LoadResult:
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    if total == 0:  # nothing answered in time: no latency lines to read
        return LoadResult(0, 0, 1.0, float("nan"), float("nan"), tool="wrk")
    seconds = _seconds(re.search(r"requests in ([\d.]+\w+),", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    # The latency distribution's own lines ("     50%  1.23ms"), not a "93.50%" elsewhere;
    # a run stopped by its Lua script (thread:stop) may print none.
    p50 = re.search(r"^\s*50%\s+(\S+)$", out, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)$", out, re.M)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    nan = float("nan")
    return LoadResult(
        total,
        errors,
        seconds,
        _ms(p50.group(1)) if p50 else nan,
        _ms(p99.group(1)) if p99 else nan,
        tool="wrk",
    )
