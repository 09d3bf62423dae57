"""The benchmarks. Each returns rows (and notes) for the results table.

Every figure is a ratio against a baseline started and measured in the same run:
start-up against a bare aiohttp process, record_start against a bare aiohttp handler (and
Prism and WireMock when they install), webhook lateness against a bare ``call_later`` loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import peers as peer_servers
from benchmarks.client import AUTH, advance, clock_offset, dial_many, request_json
from benchmarks.load import LoadResult, closed_loop, percentile, wrk, wrk_available
from benchmarks.procs import Proc, python, rss_mb, start, started
from benchmarks.report import Row

__all__ = [
    "Context",
    "downloads",
    "live_calls",
    "startup",
    "throughput",
    "webhook_lateness",
]

MOCK = [python(), "-m", "mockserver", "--port", "0"]
BARE = [python(), "-m", "benchmarks.bare_app", "--port", "0"]
MOCK_READY = "mockserver ready on"
BARE_READY = "bare ready on"
RECORD_BODY = json.dumps({"format": "wav", "channels": "single", "command_id": "bench"}).encode()


class Context:
    """What later benchmarks reuse from earlier ones."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.mock_one_call: dict[int, LoadResult] = {}
        self.notes: list[str] = []

    def time_left(self) -> float:
        return self.deadline - time.monotonic()


def _fmt_load(result: LoadResult) -> str:
    return f"{result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms"


# -- start-up ----------------------------------------------------------------------------------


def startup(ctx: Context, runs: int = 11) -> list[Row]:
    mock_times: list[float] = []
    bare_times: list[float] = []
    for args, ready in ((BARE, BARE_READY), (MOCK, MOCK_READY)):
        start(args, ready=ready, timeout=30).stop()  # warm: bytecode cached, files in page cache
    for _ in range(runs):  # interleaved, so noise hits both alike
        for args, ready, times in ((BARE, BARE_READY, bare_times), (MOCK, MOCK_READY, mock_times)):
            proc = start(args, ready=ready, timeout=30)
            times.append(proc.started_in)
            proc.stop()
    mock_s, bare_s = statistics.median(mock_times), statistics.median(bare_times)
    ratio = mock_s / bare_s
    return [
        Row(
            f"start to ready line, `--port 0` (median of {runs})",
            f"{mock_s * 1000:.0f} ms",
            f"bare aiohttp app {bare_s * 1000:.0f} ms",
            f"{ratio:.2f}×",
            "≤ 1.5×",
            ratio <= 1.5,
        )
    ]


# -- record_start throughput -------------------------------------------------------------------


def _live_call(mock_url: str) -> str:
    [ccid] = dial_many(mock_url, 1)
    advance(mock_url, 2)  # the far end answers
    status, body = request_json(
        "POST",
        f"{mock_url}/v2/calls/{ccid}/actions/record_start",
        json.loads(RECORD_BODY),
    )
    assert status == 200, body  # the first one starts the recording; the rest are repeats
    return ccid


def _best(results: list[LoadResult]) -> LoadResult:
    return max(results, key=lambda r: r.rps)


def _check(result: LoadResult, who: str) -> None:
    if result.errors:
        raise RuntimeError(f"{who}: {result.errors} non-2xx answers {result.statuses}")


def throughput(ctx: Context, rounds: int = 2, duration: float = 3.0) -> list[Row]:
    rows: list[Row] = []
    with (
        started([*MOCK, "--clock", "manual"], ready=MOCK_READY) as mock,
        started(BARE, ready=BARE_READY) as bare,
    ):
        ccid = _live_call(mock.url)
        path = f"/v2/calls/{ccid}/actions/record_start"
        for connections in (1, 32):
            m, b = _best_rounds(closed_loop, mock, bare, path, connections, rounds, duration)
            ctx.mock_one_call[connections] = m
            rows.append(_share_row(connections, m, b, "aiohttp client"))
        if wrk_available():
            try:
                rows += _wrk_rows(mock, bare, path, rounds, duration)
            except Exception as exc:  # wrk's figures are extra: note a failure, keep the rest
                ctx.notes.append(f"wrk run failed: {type(exc).__name__}: {exc}")
        else:
            ctx.notes.append(
                "wrk is not installed (`apt-get install wrk`): throughput measured with the "
                "Python client only, which itself needs about one core and so flatters the "
                "slower server."
            )
        rows += _peers(ctx, mock, ccid, duration)
    return rows


def _wrk_rows(mock: Proc, bare: Proc, path: str, rounds: int, duration: float) -> list[Row]:
    return [
        _share_row(
            connections, *_best_rounds(wrk, mock, bare, path, connections, rounds, duration), "wrk"
        )
        for connections in (1, 32)
    ]


def _best_rounds(
    load: Callable[..., LoadResult],
    mock: Proc,
    bare: Proc,
    path: str,
    connections: int,
    rounds: int,
    duration: float,
) -> tuple[LoadResult, LoadResult]:
    """Alternate bare and mock rounds of ``load``; each side's best (mock, bare)."""
    measured: dict[str, list[LoadResult]] = {"mock": [], "bare": []}
    for _ in range(rounds):
        for name, proc in (("bare", bare), ("mock", mock)):
            result = load(
                proc.url + path, RECORD_BODY, AUTH, connections=connections, duration=duration
            )
            _check(result, name)
            measured[name].append(result)
    return _best(measured["mock"]), _best(measured["bare"])


def _share_row(connections: int, m: LoadResult, b: LoadResult, tool: str) -> Row:
    share = m.rps / b.rps
    return Row(
        f"record_start, repeated command_id (dedup no-op), {connections} "
        f"connection{'s' if connections > 1 else ''}",
        _fmt_load(m),
        f"bare aiohttp: {_fmt_load(b)}",
        f"{share:.0%} of bare",
        "≥ 80 %",
        share >= 0.8,
        tool,
    )


def _peers(ctx: Context, mock: Proc, ccid: str, duration: float) -> list[Row]:
    if ctx.time_left() < 90:
        ctx.notes.append("Prism and WireMock skipped: not enough of the 12-minute budget left.")
        return []
    installed = peer_servers.install()
    ctx.notes += installed.notes
    rows: list[Row] = []
    path = f"/v2/calls/{ccid}/actions/record_start"
    status, document = request_json("GET", f"{mock.url}/v2/openapi.json")
    assert status == 200
    status, _schema = 200, None
    from mockserver.spec.validation import SchemaRegistry

    record_schema = SchemaRegistry().schemas["record_start"]
    contenders: list[tuple[str, Callable[[], Any], str]] = []
    if installed.prism is not None:
        prism_bin = installed.prism
        contenders.append(
            (
                f"Stoplight Prism {installed.versions['Prism']}",
                lambda: peer_servers.prism(prism_bin, document),
                "validates the request against our OpenAPI document, answers from its schema",
            )
        )
    if installed.wiremock_jar is not None:
        jar = installed.wiremock_jar
        contenders.append(
            (
                f"WireMock {installed.versions['WireMock']}",
                lambda: peer_servers.wiremock(jar, record_schema),
                "one stub; body matched against schemas/record_start.json",
            )
        )
    for name, launcher, how in contenders:
        try:
            with launcher() as peer:
                # JIT and caches warm up first (a JVM especially).
                closed_loop(peer.url + path, RECORD_BODY, AUTH, connections=8, duration=2.0)
                for connections in (1, 32):
                    result = closed_loop(
                        peer.url + path,
                        RECORD_BODY,
                        AUTH,
                        connections=connections,
                        duration=duration,
                    )
                    _check(result, name)
                    ours = ctx.mock_one_call[connections]
                    rows.append(
                        Row(
                            f"record_start (dedup no-op) vs {name}, {connections} conn.",
                            _fmt_load(ours),
                            _fmt_load(result),
                            f"{ours.rps / result.rps:.1f}× its throughput",
                            "—",
                            None,
                            "aiohttp client",
                        )
                    )
            ctx.notes.append(f"{name}: {how}.")
        except Exception as exc:  # a peer that will not run is a note, not a failed bench
            ctx.notes.append(f"{name} skipped: {type(exc).__name__}: {exc}")
    ctx.notes.append(f"Peer versions: {installed.versions}")
    return rows


# -- webhook lateness --------------------------------------------------------------------------


async def _paced_posts(url: str, bodies: list[Any], rate: float) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        began = time.perf_counter()

        async def one(index: int, body: Any) -> None:
            await asyncio.sleep(max(0.0, began + index / rate - time.perf_counter()))
            async with session.post(url, json=body, headers=AUTH) as response:
                assert response.status == 200, await response.text()
                await response.read()

        await asyncio.gather(*(one(i, b) for i, b in enumerate(bodies)))


def _wait_for(receiver_url: str, count: int, timeout: float = 20.0) -> list[list[Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, got = request_json("GET", f"{receiver_url}/count")
        if got >= count:
            break
        time.sleep(0.05)
    _status, arrivals = request_json("GET", f"{receiver_url}/results")
    return list(arrivals)


def _stats(values_s: list[float]) -> tuple[float, float, float]:
    ordered = sorted(v * 1000 for v in values_s)
    return percentile(ordered, 0.5), percentile(ordered, 0.99), ordered[-1]


def webhook_lateness(
    ctx: Context, count: int = 500, rate: float = 150.0, rounds: int = 2
) -> list[Row]:
    """Lateness = arrival at the receiver - when the webhook was due; best p99 of ``rounds``."""
    delay = 1.0
    mock_runs: list[list[float]] = []
    bare_runs: list[list[float]] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        started([python(), "-m", "benchmarks.receiver"], ready="receiver ready on") as receiver,
    ):
        hooks = f"{receiver.url}/hooks"
        scenario = Path(tmp) / "lateness.yaml"
        scenario.write_text(
            "name: lateness\ncall:\n  answer_delay: 3600\ndelays:\n  webhook: 1.0\n"
        )
        mock_args = [*MOCK, "--scenario", str(scenario), "--webhook-url", hooks]
        with started(mock_args, ready=MOCK_READY) as mock, started(BARE, ready=BARE_READY) as bare:
            offset = clock_offset(mock.url)
            for _ in range(rounds):  # alternate: the machine's noise hits both alike
                request_json("POST", f"{receiver.url}/reset")
                asyncio.run(_paced_posts(f"{mock.url}/v2/calls", [_dial_body()] * count, rate))
                arrivals = _wait_for(receiver.url, count)
                mock_runs.append(
                    [
                        arrived - (_epoch(occurred) + delay - offset)
                        for arrived, occurred in arrivals
                    ]
                )
                request_json("POST", f"{receiver.url}/reset")
                body = {"delay": delay, "url": hooks}
                asyncio.run(_paced_posts(f"{bare.url}/schedule", [body] * count, rate))
                arrivals = _wait_for(receiver.url, count)
                bare_runs.append([arrived - due for arrived, due in arrivals])
    for runs, who in ((mock_runs, "mockserver"), (bare_runs, "baseline")):
        short = [len(run) for run in runs if len(run) < count]
        if short:
            ctx.notes.append(f"Webhook lateness: {who} delivered only {short} of {count}.")
    m50, m99, mmax = min((_stats(run) for run in mock_runs), key=lambda s: s[1])
    b50, b99, bmax = min((_stats(run) for run in bare_runs), key=lambda s: s[1])
    return [
        Row(
            f"webhook lateness, {count} webhooks at {rate:.0f}/s, each due 1 s after its "
            f"request (best p99 of {rounds})",
            f"p50 {m50:.2f} ms, p99 {m99:.2f} ms, max {mmax:.2f} ms",
            f"bare call_later: p50 {b50:.2f} ms, p99 {b99:.2f} ms, max {bmax:.2f} ms",
            f"p99 {m99 - b99:+.2f} ms",
            "p99 within 2 ms",
            m99 - b99 <= 2.0,
        )
    ]


def _dial_body() -> dict[str, Any]:
    return {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"}


def _epoch(iso: str) -> float:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


# -- 10,000 live calls -------------------------------------------------------------------------


def live_calls(ctx: Context, count: int = 10_000) -> list[Row]:
    with (
        started(
            [python(), "-m", "benchmarks.receiver", "--keep-bodies", "no"],
            ready="receiver ready on",
        ) as receiver,
        started(
            [*MOCK, "--clock", "manual", "--webhook-url", f"{receiver.url}/hooks"],
            ready=MOCK_READY,
        ) as mock,
    ):
        idle = rss_mb(mock.pid)
        # The same measurement with one call first: the baseline is this very process.
        first = _live_call(mock.url)
        first_path = f"{mock.url}/v2/calls/{first}/actions/record_start"
        alone = {
            c: closed_loop(first_path, RECORD_BODY, AUTH, connections=c, duration=3.0)
            for c in (1, 32)
        }
        began = time.perf_counter()
        ccids = dial_many(mock.url, count)
        advance(mock.url, 2)  # all answer; returns once their webhooks were attempted
        setup = time.perf_counter() - began
        status, health = request_json("GET", f"{mock.url}/_mock/health")
        assert status == 200 and health["pending_webhooks"] == 0, health
        status, calls = request_json("GET", f"{mock.url}/v2/calls/{ccids[-1]}")
        assert status == 200 and calls["data"]["is_alive"] is True, calls
        rss = rss_mb(mock.pid)
        ccid = ccids[len(ccids) // 2]
        status, body = request_json(
            "POST", f"{mock.url}/v2/calls/{ccid}/actions/record_start", json.loads(RECORD_BODY)
        )
        assert status == 200, body
        path = f"{mock.url}/v2/calls/{ccid}/actions/record_start"
        loaded = {
            c: closed_loop(path, RECORD_BODY, AUTH, connections=c, duration=3.0) for c in (1, 32)
        }
        peak = rss_mb(mock.pid, "VmHWM")
    rows = [
        Row(
            f"{count:,} live calls: resident memory",
            f"{rss:.0f} MiB (peak {peak:.0f} MiB)",
            f"same process at start: {idle:.0f} MiB",
            f"+{(rss - idle) * 1024 / count:.1f} KiB per call",
            "≤ 150 MB",
            rss * 1.048576 <= 150,
            f"dialled and answered in {setup:.1f} s, 20,000 webhooks delivered",
        )
    ]
    for connections, result in loaded.items():
        _check(result, "mock with 10k calls")
        one = alone[connections]
        rows.append(
            Row(
                f"record_start (dedup no-op) while {count:,} calls live, {connections} conn.",
                _fmt_load(result),
                f"same process with 1 call: {_fmt_load(one)}",
                f"p99 {result.p99_ms / one.p99_ms:.2f}×",
                "—",
                None,
                "aiohttp client",
            )
        )
    return rows


# -- 4-hour downloads --------------------------------------------------------------------------


def downloads(ctx: Context) -> list[Row]:
    rows: list[Row] = []
    with started([*MOCK, "--clock", "manual"], ready=MOCK_READY) as mock:
        ccids = dial_many(mock.url, 2)
        advance(mock.url, 2)
        for ccid, fmt in zip(ccids, ("wav", "mp3"), strict=True):
            status, body = request_json(
                "POST",
                f"{mock.url}/v2/calls/{ccid}/actions/record_start",
                {"format": fmt, "channels": "dual"},
            )
            assert status == 200, body
        advance(mock.url, 4 * 3600)  # the default 4-hour time limit ends calls and recordings
        advance(mock.url, 2)  # saved
        status, listing = request_json("GET", f"{mock.url}/v2/recordings?page[size]=10")
        assert status == 200 and len(listing["data"]) == 2, listing
        for recording in sorted(listing["data"], key=lambda r: next(iter(r["download_urls"]))):
            fmt, url = next(iter(recording["download_urls"].items()))
            before = rss_mb(mock.pid)
            size, seconds, peak = _stream(url, mock.pid)
            hours = recording["duration_millis"] / 3_600_000
            rows.append(
                Row(
                    f"download a {hours:.0f}-hour dual {fmt.upper()} ({size / 2**20:,.0f} MiB)",
                    f"peak RSS {peak:.0f} MiB (+{peak - before:.1f} MiB), {seconds:.1f} s",
                    f"before the download: {before:.0f} MiB",
                    f"+{(peak - before) / (size / 2**20):.1%} of the file",
                    "constant: < +32 MiB",
                    peak - before < 32,
                    "MP3 encoded on the first request" if fmt == "mp3" else "streamed",
                )
            )
    return rows


def _stream(url: str, pid: int) -> tuple[int, float, float]:
    """Download ``url`` in 64 KiB reads while sampling the server's RSS; (bytes, s, peak MiB)."""
    peak = rss_mb(pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    async def fetch() -> int:
        total = 0
        timeout = aiohttp.ClientTimeout(total=240)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as r:
            assert r.status == 200, r.status
            expected = int(r.headers["Content-Length"])
            async for chunk in r.content.iter_chunked(64 * 1024):
                total += len(chunk)
            assert total == expected, (total, expected)
        return total

    began = time.perf_counter()
    try:
        size = asyncio.run(fetch())
    finally:
        done.set()
        sampler.join()
    return size, time.perf_counter() - began, max(peak, rss_mb(pid))
