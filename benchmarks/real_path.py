"""The real path (issue 14): record_start / record_stop alternating over live calls.

Every request carries a new command_id, so each one is a state change (a recording starts or
stops; every stop sends ``call.recording.saved`` to a local receiver one second later), not
the repeated-command_id no-op the ``record_start (dedup no-op)`` rows measure. Compared with a
bare aiohttp handler taking the same requests in the same run.

- :func:`real_path`: (a) throughput at 1 and 32 connections with wrk and aiohttp's client,
  (b) the same with one ``/_mock/events`` reader open, (c) a call with 10,000 past recordings
  against a fresh call, and a server holding 100,000 finished recordings against itself
  before (memory per recording, throughput), (d) how many saved webhooks reach the receiver
  per second under that load.
- :func:`real_path_lateness`: (d) webhook lateness while the API serves the real path at a
  fixed rate, against the bare app's ``call_later`` loop under the same load.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from benchmarks.client import AUTH, clock_offset, dial_many, request_json
from benchmarks.load import (
    LoadResult,
    percentile,
    real_path_closed_loop,
    real_path_requests,
    real_path_wrk,
    wrk_available,
)
from benchmarks.procs import Proc, python, rss_mb, started
from benchmarks.report import Row

__all__ = ["real_path", "real_path_lateness"]

MOCK_READY = "mockserver ready on"
BARE = [python(), "-m", "benchmarks.bare_app", "--port", "0"]
RECEIVER = [python(), "-m", "benchmarks.receiver"]
POOL = 256  # live calls; far above 32 connections, so one call's commands never race
AGED = 10_000  # past recordings on the aged call
HELD = 100_000  # finished recordings the server holds
SCENARIO = "name: real-path\ncall:\n  answer_delay: 0.05\ndelays:\n  recording_saved: 1\n"


def _fmt(result: LoadResult) -> str:
    return f"{result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms"


@contextlib.contextmanager
def _servers(keep_bodies: bool) -> Iterator[tuple[Proc, Proc, Proc]]:
    """(receiver, mock, bare): mock on the real clock, webhooks to the receiver."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        started(
            [*RECEIVER, "--keep-bodies", "yes" if keep_bodies else "no"],
            ready="receiver ready on",
        ) as receiver,
    ):
        scenario = Path(tmp) / "real-path.yaml"
        scenario.write_text(SCENARIO)
        mock_args = [python(), "-m", "mockserver", "--port", "0", "--scenario", str(scenario)]
        mock_args += ["--webhook-url", f"{receiver.url}/hooks"]
        with (
            started(mock_args, ready=MOCK_READY) as mock,
            started(BARE, ready="bare ready") as bare,
        ):
            yield receiver, mock, bare


def _answered_pool(mock_url: str, count: int) -> list[str]:
    call_ids = dial_many(mock_url, count)
    time.sleep(0.3)  # the scenario answers after 50 ms
    _settle(mock_url, call_ids)
    return call_ids


def _settle(mock_url: str, call_ids: list[str]) -> None:
    """Stop whatever recording a run left going, so the next run starts every call idle."""

    async def stop_all() -> None:
        connector = aiohttp.TCPConnector(limit=32)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def stop(ccid: str) -> None:
                url = f"{mock_url}/v2/calls/{ccid}/actions/record_stop"
                async with session.post(url, json={}, headers=AUTH) as response:
                    await response.read()
                    assert response.status in (200, 422), response.status

            await asyncio.gather(*(stop(ccid) for ccid in call_ids))

    asyncio.run(stop_all())


def _count(receiver_url: str) -> int:
    return int(request_json("GET", f"{receiver_url}/count")[1])


def _recordings(mock_url: str) -> int:
    status, body = request_json("GET", f"{mock_url}/v2/recordings?page[size]=1")
    assert status == 200, body
    return int(body["meta"]["total_results"])


def _drain(mock_url: str, timeout: float = 60.0) -> bool:
    """Wait until every webhook queued so far was delivered (False: still some after timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, health = request_json("GET", f"{mock_url}/_mock/health")
        if status == 200 and health["pending_webhooks"] == 0:
            return True
        time.sleep(0.2)
    return False


def _check(result: LoadResult, who: str) -> None:
    # A stop can, rarely, overtake its start on another connection (wrk picks connections):
    # a handful of 422s in ~10^5 requests; anything more is a broken benchmark.
    if result.errors > max(5, result.requests // 1000):
        raise RuntimeError(f"{who}: {result.errors} non-2xx answers {result.statuses}")


Load = Callable[..., LoadResult]


def _loads() -> list[tuple[str, Load]]:
    tools: list[tuple[str, Load]] = []
    if wrk_available():
        tools.append(("wrk", real_path_wrk))
    tools.append(("aiohttp client", real_path_closed_loop))
    return tools


class _Runs:
    """Alternating bare and mock rounds over the pool; each side's best."""

    def __init__(self, mock: Proc, bare: Proc, receiver: Proc, pool: list[str]) -> None:
        self.mock, self.bare, self.receiver, self.pool = mock, bare, receiver, pool
        self.serial = 0
        self.delivered_per_s: float | None = None
        self.backlogged = 0  # rounds that began with webhooks still queued (30 s wait)
        self.stops_per_s: float | None = None

    def tag(self) -> str:
        self.serial += 1
        return f"r{self.serial}"

    def mock_round(self, load: Load, connections: int, duration: float) -> LoadResult:
        # Each round starts with no backlog: the previous round's webhooks are all delivered.
        if not _drain(self.mock.url, timeout=30):
            self.backlogged += 1
        # Warm up as a run of its own: it leaves calls mid-recording, so settle before the
        # measured run starts its sequence again.
        load(
            self.mock.url, self.pool, AUTH, connections=connections, duration=1.0, warmup=0,
            tag=self.tag(),
        )  # fmt: skip
        _settle(self.mock.url, self.pool)
        before, began = _count(self.receiver.url), time.perf_counter()
        result = load(
            self.mock.url, self.pool, AUTH, connections=connections, duration=duration,
            warmup=0, tag=self.tag(),
        )  # fmt: skip
        delivered = (_count(self.receiver.url) - before) / (time.perf_counter() - began)
        _settle(self.mock.url, self.pool)
        _check(result, "mockserver")
        if connections > 1 and load is real_path_wrk and result.rps / 2 > (self.stops_per_s or 0):
            self.delivered_per_s, self.stops_per_s = delivered, result.rps / 2
        return result

    def bare_round(self, load: Load, connections: int, duration: float) -> LoadResult:
        load(
            self.bare.url, self.pool, AUTH, connections=connections, duration=1.0, warmup=0,
            tag=self.tag(),
        )  # fmt: skip
        result = load(
            self.bare.url, self.pool, AUTH, connections=connections, duration=duration,
            warmup=0, tag=self.tag(),
        )  # fmt: skip
        _check(result, "bare")
        return result

    def best(
        self, load: Load, connections: int, rounds: int, duration: float
    ) -> tuple[LoadResult, LoadResult]:
        mocks: list[LoadResult] = []
        bares: list[LoadResult] = []
        for _ in range(rounds):
            bares.append(self.bare_round(load, connections, duration))
            mocks.append(self.mock_round(load, connections, duration))
        return max(mocks, key=lambda r: r.rps), max(bares, key=lambda r: r.rps)


def _share_row(
    what: str, connections: int, tool: str, m: LoadResult, b: LoadResult, target: bool
) -> Row:
    share = m.rps / b.rps
    return Row(
        f"{what}, {connections} connection{'s' if connections > 1 else ''}",
        _fmt(m),
        f"bare aiohttp: {_fmt(b)}",
        f"{share:.2f}× bare",
        "≥ 0.5× at 32 (wrk)" if target else "—",
        share >= 0.5 if target else None,
        tool,
    )


class _EventsReader:
    """One open ``/_mock/events`` stream, read and discarded as fast as it comes (a socket)."""

    def __init__(self, mock_url: str) -> None:
        parts = urlsplit(mock_url)
        self._sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        self._sock.sendall(
            b"GET /_mock/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        )
        self.received = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                chunk = self._sock.recv(1 << 16)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            self.received += len(chunk)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


def real_path(ctx: Any, rounds: int = 2, duration: float = 3.0) -> list[Row]:
    rows: list[Row] = []
    with _servers(keep_bodies=False) as (receiver, mock, bare):
        pool = _answered_pool(mock.url, POOL)
        runs = _Runs(mock, bare, receiver, pool)
        best: dict[tuple[str, int], tuple[LoadResult, LoadResult]] = {}
        # (a) throughput against the bare handler
        for tool, load in _loads():
            for connections in (1, 32):
                m, b = runs.best(load, connections, rounds, duration)
                best[tool, connections] = (m, b)
                target = tool == "wrk" and connections == 32
                rows.append(_share_row("real path", connections, tool, m, b, target))
                print(f"  {tool} c={connections}: {_fmt(m)} | bare {_fmt(b)}", flush=True)
        if not wrk_available():
            ctx.notes.append(
                "wrk is not installed (`apt-get install wrk`): the real path is measured with "
                "the Python client only, which needs about a core itself."
            )
        tool, load = _loads()[0]
        rows += _stage(ctx, "(b) events reader", lambda: _with_reader(runs, load, tool, best))
        # (d) delivery throughput under the wrk load above
        if runs.delivered_per_s is not None and runs.stops_per_s is not None:
            rows.append(
                Row(
                    "call.recording.saved delivered per second during the real-path load "
                    "(32 connections)",
                    f"{runs.delivered_per_s:,.0f} webhooks/s",
                    f"record_stop answered: {runs.stops_per_s:,.0f}/s",
                    f"{runs.delivered_per_s / runs.stops_per_s:.2f}× the stops",
                    "—",
                    None,
                    tool,
                )
            )
        rows += _stage(ctx, "(c) aged call", lambda: _aged_call(ctx, mock, load, tool))
        if runs.backlogged:
            ctx.notes.append(
                f"Real path: {runs.backlogged} round(s) began with webhooks of the previous "
                "round still queued after 30 s."
            )
        empty = best[tool, 32][0]
        rows += _stage(
            ctx, "(c) held recordings", lambda: _held_recordings(ctx, runs, load, tool, empty)
        )
    return rows


def _stage(ctx: Any, name: str, measure: Callable[[], list[Row]]) -> list[Row]:
    """One measurement; its failure is a note, the rows already measured stay."""
    try:
        rows = measure()
        for row in rows:  # as they come: a long run shows its progress
            print(f"  {row.benchmark}: {row.mockserver} | {row.baseline} | {row.ratio}", flush=True)
        return rows
    except Exception as exc:
        traceback.print_exc()
        ctx.notes.append(f"real path {name}: failed: {type(exc).__name__}: {exc}")
        return []


def _with_reader(
    runs: _Runs,
    load: Load,
    tool: str,
    best: dict[tuple[str, int], tuple[LoadResult, LoadResult]],
    rounds: int = 2,
    duration: float = 3.0,
) -> list[Row]:
    rows: list[Row] = []
    reader = _EventsReader(runs.mock.url)
    try:
        for connections in (1, 32):
            m = max(
                (runs.mock_round(load, connections, duration) for _ in range(rounds)),
                key=lambda r: r.rps,
            )
            alone, b = best[tool, connections]
            what = "real path, one /_mock/events reader"
            row = _share_row(what, connections, tool, m, b, False)
            row.ratio += f" ({m.rps / alone.rps:.2f}× without the reader)"
            row.note += f"; the reader got {reader.received / 2**20:,.1f} MiB"
            rows.append(row)
    finally:
        reader.close()
    return rows


def _aged_call(ctx: Any, mock: Proc, load: Load, tool: str) -> list[Row]:
    [aged] = _answered_pool(mock.url, 1)
    began = time.perf_counter()
    runs_so_far = 0
    # One connection, so start/stop strictly alternate; a new tag per run keeps every
    # command_id unique (a repeated one would be the dedup no-op).
    while _history(mock.url, aged) < AGED and time.perf_counter() - began < 90:
        runs_so_far += 1
        load(mock.url, [aged], AUTH, connections=1, duration=2.0, warmup=0, tag=f"age{runs_so_far}")
        _settle(mock.url, [aged])
    aged_in = time.perf_counter() - began
    _drain(mock.url, timeout=60)  # the aged call's 10,000 saved webhooks
    history = _history(mock.url, aged)
    fresh_runs: list[LoadResult] = []
    aged_runs: list[LoadResult] = []
    for round_no in range(3):  # alternate; each fresh call ends its second with ~2,500
        [fresh] = _answered_pool(mock.url, 1)
        for call, runs in ((fresh, fresh_runs), (aged, aged_runs)):
            result = load(
                mock.url, [call], AUTH, connections=1, duration=1.0, warmup=0,
                tag=f"cmp{round_no}{call[-6:]}",
            )  # fmt: skip
            _settle(mock.url, [call])
            _drain(mock.url, timeout=30)
            _check(result, "aged call")
            runs.append(result)
    fresh_best = max(fresh_runs, key=lambda r: r.rps)
    aged_best = max(aged_runs, key=lambda r: r.rps)
    cost = fresh_best.rps / aged_best.rps
    p99 = aged_best.p99_ms / fresh_best.p99_ms
    ctx.notes.append(f"The aged call got its {history:,} recordings in {aged_in:.1f} s.")
    return [
        Row(
            f"real path on a call with {history:,} past recordings, 1 connection (best of 3)",
            _fmt(aged_best),
            f"a fresh call, same process: {_fmt(fresh_best)}",
            f"cost {cost:.2f}×, p99 {p99:.2f}×",
            "≤ 1.2×",
            cost <= 1.2,
            tool,
        )
    ]


def _history(mock_url: str, ccid: str) -> int:
    status, body = request_json(
        "GET", f"{mock_url}/v2/recordings?page[size]=1&filter[call_control_id]={ccid}"
    )
    assert status == 200, body
    return int(body["meta"]["total_results"])


def _held_recordings(
    ctx: Any, runs: _Runs, load: Load, tool: str, empty: LoadResult, duration: float = 3.0
) -> list[Row]:
    mock = runs.mock
    _drain(mock.url, timeout=60)
    before_rss, before = rss_mb(mock.pid), _recordings(mock.url)
    began = time.perf_counter()
    while _recordings(mock.url) < before + HELD:
        if ctx.time_left() < 30:
            ctx.notes.append("100,000 recordings: stopped filling, the time budget ran out.")
            break
        needed = 2 * (before + HELD - _recordings(mock.url))
        load(
            mock.url, runs.pool, AUTH, connections=32, duration=8.0, warmup=0,
            tag=runs.tag(), limit=needed,
        )  # fmt: skip
        _settle(mock.url, runs.pool)
    filled_in = time.perf_counter() - began
    if not _drain(mock.url, timeout=120):
        ctx.notes.append("100,000 recordings: webhooks still queued when memory was read.")
    after_rss, after = rss_mb(mock.pid), _recordings(mock.url)
    added = after - before
    per = (after_rss - before_rss) * 1024 / max(1, added)
    full = max(
        (runs.mock_round(load, 32, duration) for _ in range(2)),
        key=lambda r: r.rps,
    )
    ctx.notes.append(
        f"{added:,} recordings added in {filled_in:.0f} s ({2 * added / filled_in:,.0f} "
        "requests/s including the pauses between runs); every saved webhook delivered."
    )
    return [
        Row(
            f"{after:,} finished recordings held: resident memory",
            f"{after_rss:.0f} MiB",
            f"same process with {before:,}: {before_rss:.0f} MiB",
            f"{per:.2f} KiB per recording",
            "≤ 2 KiB each",
            per <= 2.0,
            "command log and journal already full before",
        ),
        Row(
            f"real path while {after:,} recordings are held, 32 connections",
            _fmt(full),
            f"same process with {before:,}: {_fmt(empty)}",
            f"{full.rps / empty.rps:.2f}× the throughput, p99 {full.p99_ms / empty.p99_ms:.2f}×",
            "—",
            None,
            tool,
        ),
    ]


# -- (d) lateness under the real-path load ------------------------------------------------------


async def _paced(
    requests: list[tuple[str, bytes]], rate: float, headers: dict[str, str]
) -> dict[int, int]:
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30)
    ) as session:
        began = time.perf_counter()

        async def one(index: int, url: str, body: bytes) -> None:
            await asyncio.sleep(max(0.0, began + index / rate - time.perf_counter()))
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1

        await asyncio.gather(*(one(i, url, body) for i, (url, body) in enumerate(requests)))
    return statuses


def _arrivals(receiver_url: str, count: int, timeout: float = 30.0) -> list[list[Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _count(receiver_url) < count:
        time.sleep(0.05)
    return list(request_json("GET", f"{receiver_url}/results")[1])


def _epoch(iso: str) -> float:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _stats(lateness_s: list[float]) -> tuple[float, float, float]:
    ordered = sorted(v * 1000 for v in lateness_s)
    return percentile(ordered, 0.5), percentile(ordered, 0.99), ordered[-1]


def real_path_lateness(
    ctx: Any, rate: float = 500.0, seconds: float = 4.0, rounds: int = 2
) -> list[Row]:
    """Saved webhooks' lateness while the API takes ``rate`` real-path requests per second.

    Open loop at a fixed rate (the same for both sides), so both loops are busy but neither
    is saturated. Mock: every record_stop schedules ``call.recording.saved`` 1 s later.
    Bare: every second request is ``POST /schedule`` (``call_later(1 s)`` then a POST to the
    same receiver), the others its command route.
    """
    count = int(rate * seconds)
    mock_runs: list[list[float]] = []
    bare_runs: list[list[float]] = []
    with _servers(keep_bodies=True) as (receiver, mock, bare):
        # A call's next command comes POOL / rate seconds after its last (0.5 s): answered
        # by then even on a busy machine.
        pool = _answered_pool(mock.url, POOL)
        offset = clock_offset(mock.url)
        hooks = f"{receiver.url}/hooks"
        schedule = (
            b'{"delay": 1.0, "url": "' + hooks.encode() + b'"}'
        )  # the bare app's call_later webhook
        for round_no in range(rounds):
            request_json("POST", f"{receiver.url}/reset")
            sequence = [real_path_requests(pool, f"late{round_no}", i) for i in range(count)]
            statuses = asyncio.run(
                _paced([(mock.url + path, body) for path, body in sequence], rate, AUTH)
            )
            stops = sum(1 for path, _ in sequence if path.endswith("record_stop"))
            arrivals = _arrivals(receiver.url, stops)
            mock_runs.append(
                [
                    arrived - (_epoch(occurred) - offset)
                    for arrived, occurred in arrivals
                    if isinstance(occurred, str)
                ]
            )
            _settle(mock.url, pool)
            time.sleep(1.5)  # the settling stops' saved webhooks, before the bare round
            _drain(mock.url, timeout=30)
            if set(statuses) != {200}:
                ctx.notes.append(f"Lateness round {round_no}: mock answered {statuses}.")
            request_json("POST", f"{receiver.url}/reset")
            bare_requests = [
                (f"{bare.url}/schedule", schedule)
                if i % 2
                else (bare.url + sequence[i][0], sequence[i][1])
                for i in range(count)
            ]
            asyncio.run(_paced(bare_requests, rate, AUTH))
            arrivals = _arrivals(receiver.url, count // 2)
            # Only the bare app's posts (a number): nothing of mockserver's may be counted.
            bare_runs.append(
                [arrived - due for arrived, due in arrivals if isinstance(due, int | float)]
            )
    for runs, who, expected in (
        (mock_runs, "mockserver", count // 2),
        (bare_runs, "bare", count // 2),
    ):
        short = [len(run) for run in runs if len(run) < expected]
        if short:
            ctx.notes.append(f"Lateness under load: {who} delivered only {short} of {expected}.")
    m50, m99, mmax = min((_stats(run) for run in mock_runs), key=lambda s: s[1])
    b50, b99, bmax = min((_stats(run) for run in bare_runs), key=lambda s: s[1])
    return [
        Row(
            f"webhook lateness under the real-path load ({rate:,.0f} req/s, "
            f"{rate / 2:,.0f} saved webhooks/s, best p99 of {rounds})",
            f"p50 {m50:.2f} ms, p99 {m99:.2f} ms, max {mmax:.2f} ms",
            f"bare call_later under the same load: p50 {b50:.2f} ms, p99 {b99:.2f} ms, "
            f"max {bmax:.2f} ms",
            f"p99 {m99 - b99:+.2f} ms",
            "p99 within 2 ms",
            m99 - b99 <= 2.0,
        )
    ]
