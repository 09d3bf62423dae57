"""Command line: ``python -m mockserver [--scenario NAME|PATH] [--port N] ...``.

Prints exactly one line, ``mockserver ready on http://HOST:PORT``, once listening; bad input
exits non-zero with a one-line reason and no traceback; SIGINT/SIGTERM shut down cleanly
(webhooks still due are delivered or reported as undelivered).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import math
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from aiohttp import web

from mockserver.config import ClockMode, ServerConfig
from mockserver.core.signing import WebhookSigner
from mockserver.runtime.mock import build_mock
from mockserver.spec.scenario_files import ScenarioError, list_bundled, load_scenario
from mockserver.spec.validation import SchemaRegistry
from mockserver.web.app import build_app
from mockserver.web.server import MockRunner

__all__ = ["main", "parse_args"]


SHUTDOWN_GRACE_SECONDS = 3.0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, no usage dump: CI logs should say what was wrong and nothing else.
        self.exit(2, f"mockserver: error: {message}\n")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0: {text!r}")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {text!r}")
    return int(text)


def _http_url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"must be an http:// or https:// URL: {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mockserver",
        description="Local simulator of the Telnyx Call Control recording API.",
    )
    parser.add_argument("--scenario", default="default", help="bundled name or path to YAML")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=_port, default=8000, help="0 picks a free port")
    parser.add_argument("--webhook-url", type=_http_url, help="where webhooks go by default")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only these keys (repeatable); default: any non-empty key",
    )
    parser.add_argument(
        "--clock",
        choices=["real", "manual"],
        default="real",
        help="manual: time moves only through POST /_mock/clock/advance",
    )
    parser.add_argument(
        "--time-scale",
        type=_positive_float,
        default=1.0,
        help="wall seconds per simulated second (0.01 runs a 5-minute call in 3 s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for ids and audio")
    parser.add_argument("--signing-key", type=Path, help="file with the Base64 Ed25519 seed")
    parser.add_argument(
        "--url-ttl", type=_positive_float, default=600.0, help="recording link lifetime, seconds"
    )
    parser.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="require 'Authorization: Bearer TOKEN' on every /_mock/ route",
    )
    parser.add_argument(
        "--event-loop",
        choices=["auto", "uvloop", "asyncio"],
        default="auto",
        help="auto: uvloop when it is installed (pip install 'mockserver[fast]')",
    )
    parser.add_argument("--list-scenarios", action="store_true", help="list bundled scenarios")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING"])
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def _config(args: argparse.Namespace) -> ServerConfig:
    mode: ClockMode = args.clock
    if mode == "real" and args.time_scale != 1.0:
        mode = "scaled"
    return ServerConfig(
        host=args.host,
        port=args.port,
        api_keys=frozenset(args.api_keys) if args.api_keys else None,
        webhook_url=args.webhook_url,
        clock_mode=mode,
        time_scale=args.time_scale,
        seed=args.seed,
        url_ttl_seconds=args.url_ttl,
        control_token=args.control_token,
    )


def _load_signer(path: Path) -> WebhookSigner:
    """The ``--signing-key`` file, or a ValueError whose one-line message names the file."""
    try:
        return WebhookSigner.from_file(path)
    except OSError as exc:
        raise ValueError(f"--signing-key {path}: cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:  # bad Base64, not ASCII, or not 32 bytes
        raise ValueError(f"--signing-key {path}: not the Base64 of a 32-byte Ed25519 seed") from exc


async def _serve(args: argparse.Namespace, schemas: SchemaRegistry) -> None:
    scenario = load_scenario(args.scenario, schemas.schemas["scenario"])
    signer = _load_signer(args.signing_key) if args.signing_key else None
    config = _config(args)
    mock = build_mock(config, scenario=scenario, signer=signer, schemas=schemas)
    app = build_app(mock)
    # A request still running at shutdown gets this long (aiohttp's default is 60 s, so one slow
    # client could hold SIGTERM up for a minute).
    runner = MockRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS
    )
    await runner.setup()
    # Handlers go in before the ready line: whoever reads it may signal at once.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        site = web.TCPSite(runner, config.host, config.port)
        await site.start()
        port = runner.addresses[0][1]
        host = f"[{config.host}]" if ":" in config.host else config.host  # IPv6 literal
        base_url = f"http://{host}:{port}"
        mock.links.base_url = base_url
        # Everything built so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise walk it all (~10 ms stalls: late webhooks),
        # and collect ten times less often (make bench: p99 webhook lateness -3 ms).
        gc.freeze()
        gc.set_threshold(7_000, 10, 10)
        print(f"mockserver ready on {base_url}", flush=True)
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await runner.cleanup()


def loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when asked or (``auto``) installed; None: asyncio's own."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise ValueError(
                "--event-loop uvloop: uvloop is not installed (pip install 'mockserver[fast]')"
            ) from None
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="mockserver: %(levelname)s %(message)s")
    try:
        schemas = SchemaRegistry()
        if args.list_scenarios:
            for name, description in list_bundled(schemas.schemas["scenario"]):
                print(f"{name:<20} {description}")
            return 0
        with asyncio.Runner(loop_factory=loop_factory(args.event_loop)) as runner:
            runner.run(_serve(args, schemas))
    except ScenarioError as exc:
        print(f"mockserver: error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"mockserver: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0
