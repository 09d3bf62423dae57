"""``python -m benchmarks.run`` (``make bench``): every benchmark, the table, RESULTS.md.

Bounded: each load loop runs a few seconds and a capped number of requests, the whole run
stays within 12 minutes on 2 cores (a benchmark that would overrun the budget is skipped and
noted), and nothing leaves 127.0.0.1. ``--only NAME`` runs some of them (the file is then
not written unless ``--write``).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks import cases, real_path
from benchmarks.report import Results, Row, console_table, environment, markdown

BUDGET_SECONDS = 720.0
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

# name -> (function, seconds it needs at most, roughly)
# The quiet measurements first; throughput (with WireMock's JVM) last.
BENCHMARKS: dict[str, tuple[Callable[[cases.Context], list[Row]], float]] = {
    "startup": (cases.startup, 15),
    "webhooks": (cases.webhook_lateness, 25),
    "calls": (cases.live_calls, 50),
    "downloads": (cases.downloads, 40),
    "lateness": (real_path.real_path_lateness, 40),
    "throughput": (cases.throughput, 60),
    # Last: its 100,000-recording fill takes what is left of the budget.
    "realpath": (real_path.real_path, 150),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--only", action="append", choices=list(BENCHMARKS))
    parser.add_argument("--write", action="store_true", help="write RESULTS.md with --only too")
    args = parser.parse_args(argv)
    began = time.monotonic()
    ctx = cases.Context(deadline=began + BUDGET_SECONDS)
    results = Results(versions=environment())
    failed = False
    for name, (bench, needs) in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        if ctx.time_left() < needs:
            results.notes.append(f"{name}: skipped, {ctx.time_left():.0f} s of the budget left.")
            continue
        print(f"[{time.monotonic() - began:5.1f} s] {name} ...", flush=True)
        try:
            results.rows += bench(ctx)
        except Exception as exc:
            failed = True
            traceback.print_exc()
            results.notes.append(f"{name}: failed: {type(exc).__name__}: {exc}")
    results.notes += ctx.notes
    results.seconds = time.monotonic() - began
    print()
    print(console_table(results))
    for note in results.notes:
        print(f"- {note}")
    if not args.only or args.write:
        RESULTS.write_text(markdown(results), encoding="utf-8")
        print(f"\nwritten to {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
