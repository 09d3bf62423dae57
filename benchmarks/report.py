"""The results table: rows, the machine and versions, and benchmarks/RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

__all__ = ["Row", "environment", "markdown"]


@dataclass
class Row:
    """One figure: mockserver against the baseline measured in the same run."""

    benchmark: str
    mockserver: str
    baseline: str
    ratio: str
    target: str
    met: bool | None  # None: no target, or not measured
    note: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return "?"


def environment() -> dict[str, str]:
    versions = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{_cpu()}, {os.cpu_count()} cores, {_memory_gib()} RAM",
        # Other work on a shared machine skews every ratio: say how busy it was.
        "load average at start (1/5/15 min)": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "aiohttp": _version("aiohttp"),
        "uvloop": _version("uvloop"),
        "fastjsonschema": _version("fastjsonschema"),
        "jsonschema": _version("jsonschema"),
        "mockserver": _version("telnyx-mockserver"),
    }
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        versions["wrk"] = (
            (out.stdout or out.stderr).split()[1] if (out.stdout or out.stderr) else "?"
        )
    return versions


def _name(row: Row) -> str:
    return row.benchmark + (f" ({row.note})" if row.note else "")


def _mark(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "**no**")


def markdown(results: Results) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); every ratio compares mockserver "
        "with a baseline the same run started and measured on the same machine. The machine is "
        "shared and noisy: expect a few percent of drift between runs. How each figure is "
        "measured, and why the targets missed are missed: [README.md](README.md).",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {key} | {value} |" for key, value in results.versions.items()]
    lines += [
        f"| run time | {results.seconds:.0f} s |",
        "",
        "| benchmark | mockserver | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for row in results.rows:
        lines.append(
            f"| {_name(row)} | {row.mockserver} | {row.baseline} | {row.ratio} | {row.target} "
            f"| {_mark(row.met)} |"
        )
    if results.notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {note}" for note in results.notes]
    return "\n".join(lines) + "\n"


def console_table(results: Results) -> str:
    headers = ["benchmark", "mockserver", "baseline", "ratio", "target", "met"]
    body = [
        [_name(r), r.mockserver, r.baseline, r.ratio, r.target, _mark(r.met).strip("*")]
        for r in results.rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *body, strict=False)]
    out = []
    for row in [headers, ["-" * w for w in widths], *body]:
        out.append(
            "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        )
    return "\n".join(out)
