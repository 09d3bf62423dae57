"""Child processes for the benchmarks: start, wait for the ready line, measure memory, stop.

Everything listens on 127.0.0.1 only, and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["REPO", "Proc", "child_env", "rss_mb", "start", "started"]

REPO = Path(__file__).resolve().parent.parent
URL = re.compile(r"(http://127\.0\.0\.1:\d+)")


@dataclass
class Proc:
    """A running server and the URL it printed."""

    popen: subprocess.Popen[bytes]
    url: str
    started_in: float  # seconds from spawn to the ready line
    output: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout)


def start(
    args: Sequence[str],
    *,
    ready: str,
    timeout: float = 60.0,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    url: str | None = None,
) -> Proc:
    """Spawn ``args``; wait until a stdout line contains ``ready`` and a 127.0.0.1 URL.

    With ``url`` given (a server that does not print its address), ``ready`` alone will do.
    """
    began = time.perf_counter()
    popen = subprocess.Popen(
        list(args),
        cwd=cwd or REPO,
        env=child_env(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert popen.stdout is not None
    output: list[str] = []
    deadline = began + timeout
    os.set_blocking(popen.stdout.fileno(), False)
    buffer = b""
    while time.perf_counter() < deadline:
        chunk = popen.stdout.read()
        if chunk:
            buffer += chunk
            *lines, rest = buffer.split(b"\n")
            buffer = rest
            for raw in lines:
                line = raw.decode(errors="replace")
                output.append(line)
                match = URL.search(line)
                if ready in line and (match or url):
                    elapsed = time.perf_counter() - began
                    _drain_in_background(popen)
                    return Proc(popen, url or match.group(1), elapsed, output)  # type: ignore[union-attr]
        elif popen.poll() is not None:
            break
        else:
            time.sleep(0.002)
    popen.kill()
    popen.wait()
    raise RuntimeError(f"{args[0]} did not get ready: {' | '.join(output[-5:])}")


def _drain_in_background(popen: subprocess.Popen[bytes]) -> None:
    """Keep reading the child's stdout so it never blocks on a full pipe."""
    import threading

    def drain() -> None:
        assert popen.stdout is not None
        os.set_blocking(popen.stdout.fileno(), True)
        with contextlib.suppress(Exception):
            for _ in popen.stdout:
                pass

    threading.Thread(target=drain, daemon=True).start()


PYCACHE = Path(tempfile.gettempdir()) / "mockserver-bench-pycache"


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The children's environment: unbuffered, and bytecode cached as on a normal install.

    With PYTHONDONTWRITEBYTECODE=1 (set on some CI machines) every start would compile
    mockserver's modules from source again (~60 ms); the baseline's aiohttp is precompiled
    in site-packages. A private cache directory makes both warm alike and keeps the
    checkout clean.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return {**env, **(extra or {})}


@contextlib.contextmanager
def started(args: Sequence[str], *, ready: str, **kwargs: object) -> Iterator[Proc]:
    proc = start(args, ready=ready, **kwargs)  # type: ignore[arg-type]
    try:
        yield proc
    finally:
        proc.stop()


def rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    """Resident memory of ``pid`` in MiB (``VmHWM``: the peak so far)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} for pid {pid}")


def python() -> str:
    return sys.executable
