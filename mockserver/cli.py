"""Command line: ``python -m mockserver [--scenario NAME|PATH] [--port N] ...``.

Prints exactly one line, ``mockserver ready on http://HOST:PORT``, once listening; bad input
exits non-zero with a one-line reason and no traceback; SIGINT/SIGTERM shut down cleanly
(webhooks still due are delivered or reported as undelivered). Every long option can also come
from the environment as ``MOCKSERVER_<OPTION>`` (a container's ``services:`` block can set
variables but not arguments); the command line wins.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import logging
import math
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from aiohttp import web

from mockserver import __version__
from mockserver.config import LOOPBACK_HOSTS, ClockMode, Connection, ServerConfig
from mockserver.core.signing import WebhookSigner
from mockserver.runtime import activity_log
from mockserver.runtime.mock import build_mock
from mockserver.runtime.signing_key_store import default_key_path, persistent_signer
from mockserver.spec.scenario_files import ScenarioError, list_bundled, load_scenario
from mockserver.spec.validation import SchemaRegistry
from mockserver.web.app import build_app
from mockserver.web.server import MockRunner

__all__ = ["ENV_PREFIX", "env_var", "main", "parse_args"]

log = logging.getLogger("mockserver.cli")


SHUTDOWN_GRACE_SECONDS = 3.0


ENV_PREFIX = "MOCKSERVER_"
_ENV_TRUE = frozenset({"1", "true", "yes", "on"})
_ENV_FALSE = frozenset({"0", "false", "no", "off"})


class _EnvValueError(Exception):
    """An environment variable's value that its option refuses (message: argparse's)."""


class _Parser(argparse.ArgumentParser):
    parsing_env = False  # while True, errors raise _EnvValueError so they can name the variable

    def error(self, message: str) -> NoReturn:
        if self.parsing_env:
            raise _EnvValueError(message)
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


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Shows each flag's default (unless it has none or says its own); keeps the epilog as is."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not ("default" in text.lower() or action.default in (None, False, argparse.SUPPRESS)):
            text = f"{text} (default: %(default)s)"
        name = env_var(action)
        return f"{text} [env {name}]" if name else text


EPILOG = """\
Once listening it prints one line on stdout, 'mockserver ready on http://HOST:PORT'; then, on
stderr, the dashboard's address, the webhook public key and one line per API request and per
webhook attempt. Examples:
  mockserver --port 0 --webhook-url http://127.0.0.1:5000/hooks
  mockserver --scenario dual_channel --clock manual
  mockserver --time-scale 0.01 --log-format json 2>mock.log

Every option can also be set by the environment variable shown beside it, MOCKSERVER_<OPTION>
(for containers and CI services: MOCKSERVER_TIME_SCALE=0.01 MOCKSERVER_API_KEY=KEY1,KEY2);
repeatable options take a comma-separated list (';' between values that contain commas, as
--connection's), switches 1 or 0, an empty value is ignored, and
the command line wins over the environment.
"""


def _connection(text: str) -> Connection:
    """``ID=URL[,failover=URL][,timeout=SECONDS]``: a Call Control Application."""
    connection_id, sep, rest = text.partition("=")
    url, *options = rest.split(",")
    if not sep or not connection_id.strip() or not url:
        raise argparse.ArgumentTypeError(f"expected ID=URL[,failover=URL,timeout=S]: {text!r}")
    failover: str | None = None
    timeout: float | None = None
    for option in options:
        name, _, value = option.partition("=")
        if name == "failover":
            failover = _http_url(value)
        elif name == "timeout":
            try:
                timeout = float(value)
            except ValueError:
                timeout = -1.0
            if not 0 <= timeout <= 30:  # Telnyx's webhook_timeout_secs range
                raise argparse.ArgumentTypeError(f"timeout must be 0-30 seconds: {text!r}")
        else:
            raise argparse.ArgumentTypeError(
                f"unknown option {name!r} (failover=URL, timeout=S): {text!r}"
            )
    return Connection(connection_id.strip(), _http_url(url), failover, timeout)


def env_var(action: argparse.Action) -> str | None:
    """``--time-scale`` -> ``MOCKSERVER_TIME_SCALE``; None for --help/--version and positionals."""
    long = [option for option in action.option_strings if option.startswith("--")]
    if not long or isinstance(action, argparse._HelpAction | argparse._VersionAction):
        return None
    return ENV_PREFIX + long[0][2:].upper().replace("-", "_")


def _accumulates(action: argparse.Action) -> bool:
    # append/extend/append_const/count build on the namespace's current value (None: nothing yet)
    return isinstance(
        action, argparse._AppendAction | argparse._AppendConstAction | argparse._CountAction
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mockserver",
        description="Local simulator of the Telnyx Call Control recording API.",
        epilog=EPILOG,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument(
        "--scenario",
        default="default",
        metavar="NAME|PATH",
        help="how the far end behaves: a bundled scenario (see --list-scenarios) or a YAML file",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=_port, default=8000, help="port to listen on; 0 picks a free one"
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        dest="allowed_hosts",
        metavar="HOST",
        help="also answer requests naming this host (Host header; Origin on /_mock/), any port;"
        " repeatable. '*' allows any host (e.g. in a container)."
        " Default: the --host address, localhost, 127.0.0.1 and ::1",
    )
    parser.add_argument(
        "--webhook-url",
        type=_http_url,
        metavar="URL",
        help="where webhooks go when Dial names no webhook_url (default: nowhere; they are"
        " journaled as undelivered)",
    )
    parser.add_argument(
        "--connection",
        action="append",
        dest="connections",
        type=_connection,
        metavar="ID=URL[,failover=URL,timeout=S]",
        help="declare a Call Control Application (repeatable): calls on it without a"
        " webhook_url send their webhooks there, and an undeclared connection_id is refused"
        " with 422 10015 as Telnyx does (default: none declared, any connection_id goes)",
    )
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only this API key (repeatable; each key is its own tenant)."
        " Default: any non-empty Bearer key",
    )
    parser.add_argument(
        "--clock",
        choices=["real", "manual"],
        default="real",
        help="manual: simulated time moves only through POST /_mock/clock/advance",
    )
    parser.add_argument(
        "--time-scale",
        type=_positive_float,
        default=1.0,
        metavar="F",
        help="wall seconds per simulated second on the real clock (0.01 runs a 5-minute call"
        " in 3 s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="N",
        help="ids and audio are reproducible from it (default: new ids on every start)",
    )
    parser.add_argument(
        "--signing-key",
        type=Path,
        metavar="FILE",
        help="file with the Base64 of a 32-byte Ed25519 seed, to pin the webhook signing key"
        " (default: a new key per start)",
    )
    parser.add_argument(
        "--persistent-key",
        action="store_true",
        help="keep the webhook signing key across restarts in"
        " $XDG_CACHE_HOME/telnyx-mockserver/signing-key (made 0600 on first use), so the app's"
        " TELNYX_PUBLIC_KEY stays valid",
    )
    parser.add_argument(
        "--url-ttl",
        type=_positive_float,
        default=600.0,
        metavar="SECONDS",
        help="lifetime of recording download links",
    )
    parser.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="require 'Authorization: Bearer TOKEN' on every /_mock/ route (default: open)",
    )
    parser.add_argument(
        "--event-loop",
        choices=["auto", "uvloop", "asyncio"],
        default="auto",
        help="auto: uvloop when it is installed (pip install 'telnyx-mockserver[fast]')",
    )
    parser.add_argument(
        "--list-scenarios", action="store_true", help="list the bundled scenarios and exit"
    )
    parser.add_argument(
        "--version", action="version", version=f"mockserver {__version__}", help="print it and exit"
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="INFO: a line per API request and webhook attempt; DEBUG adds the dashboard's"
        " /_mock/ reads; WARNING: only undelivered webhooks and problems",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="same as --log-level WARNING",
    )
    parser.add_argument(
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="json: one JSON object per line on stderr (for CI logs)",
    )
    return parser


def _env_separator(action: argparse.Action) -> str:
    """Between the values of a repeatable option: ',' unless one value has commas in it (its
    metavar shows them, as --connection's ID=URL[,failover=URL,...]); then ';'."""
    return ";" if "," in str(action.metavar or "") else ","


def _env_tokens(action: argparse.Action, value: str) -> list[str]:
    """The command-line words ``NAME=value`` stands for."""
    flag = action.option_strings[-1]
    if action.nargs == 0:  # a switch
        if value.lower() in _ENV_TRUE:
            return [flag]
        if value.lower() in _ENV_FALSE:
            return []
        raise _EnvValueError("expected 1/0, true/false, yes/no or on/off")
    if isinstance(action, argparse._AppendAction):
        items = value.split(_env_separator(action))
        return [word for item in items if item.strip() for word in (flag, item.strip())]
    if action.nargs is None or action.nargs == argparse.OPTIONAL:
        return [f"{flag}={value}"]  # '=' so a value starting with '-' stays a value
    return [flag, *(item.strip() for item in value.split(",") if item.strip())]


def parse_args(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> argparse.Namespace:
    """The command line over ``MOCKSERVER_*`` variables (``environ``, default os.environ) over
    the defaults. Unknown ``MOCKSERVER_*`` variables are ignored (the test suite has its own)."""
    parser = build_parser()
    assert isinstance(parser, _Parser)
    environ = os.environ if environ is None else environ
    from_env = {
        action.dest: (action, name)
        for action in parser._actions
        if (name := env_var(action)) is not None
    }
    # Pre-set every option to a marker: argparse fills in defaults only for names not set yet,
    # so whatever still holds the marker afterwards was not on the command line.
    unset = object()
    marked = {
        dest: None if _accumulates(action) else unset for dest, (action, _) in from_env.items()
    }
    cli = parser.parse_args(argv, namespace=argparse.Namespace(**marked))
    given = {dest for dest, marker in marked.items() if getattr(cli, dest) is not marker}

    env_words: list[str] = []
    parser.parsing_env = True
    try:
        for dest, (action, name) in from_env.items():
            value = environ.get(name, "").strip()
            if dest in given or not value:
                continue
            try:
                words = _env_tokens(action, value)
                parser.parse_args(words)  # checks this one variable, so an error can name it
            except _EnvValueError as exc:
                parser.parsing_env = False
                parser.error(f"{name}={value!r}: {exc}")
            env_words += words
        merged = parser.parse_args(env_words)  # environment values, defaults for the rest
    finally:
        parser.parsing_env = False
    for dest in vars(cli):
        if dest not in from_env or dest in given:
            setattr(merged, dest, getattr(cli, dest))
    return merged


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
        connections=tuple(args.connections or ()),
        allowed_hosts=_allowed_hosts(args.allowed_hosts),
    )


def _allowed_hosts(given: list[str] | None) -> frozenset[str] | None:
    """--allowed-host values on top of the loopback names; '*' (anywhere): any host."""
    names = [name.strip() for name in given or () if name.strip()]
    if "*" in names:
        return None
    return LOOPBACK_HOSTS | frozenset(names)


def _load_signer(path: Path) -> WebhookSigner:
    """The ``--signing-key`` file, or a ValueError whose one-line message names the file."""
    try:
        return WebhookSigner.from_file(path)
    except OSError as exc:
        raise ValueError(f"--signing-key {path}: cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:  # bad Base64, not ASCII, or not 32 bytes
        raise ValueError(f"--signing-key {path}: not the Base64 of a 32-byte Ed25519 seed") from exc


def _signer(args: argparse.Namespace) -> tuple[WebhookSigner | None, str | None]:
    """The key from --signing-key or --persistent-key (None: a new one), and what to say of it."""
    if args.signing_key and args.persistent_key:
        raise ValueError("--signing-key and --persistent-key: use one of them")
    if args.signing_key:
        return _load_signer(args.signing_key), None
    if args.persistent_key:
        path = default_key_path()
        signer, made = persistent_signer(path)
        return signer, f"webhook signing key {'made and ' if made else ''}kept in {path}"
    return None, None


async def _serve(args: argparse.Namespace, schemas: SchemaRegistry) -> None:
    scenario = load_scenario(args.scenario, schemas.schemas["scenario"])
    signer, key_note = _signer(args)
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
        try:
            await site.start()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise ValueError(
                f"port {config.port} on {config.host} is in use: stop what holds it, choose"
                " another with --port N (make run PORT=N), or --port 0 for a free one"
            ) from None
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
        log.info("dashboard: %s/_mock/ui", base_url, extra={"fields": {"dashboard": base_url}})
        log.info(
            "webhook public key (TELNYX_PUBLIC_KEY): %s",
            mock.signer.public_key_b64,
            extra={"fields": {"public_key": mock.signer.public_key_b64}},
        )
        if key_note is not None:
            log.info(key_note, extra={"fields": {"key_file": key_note.rsplit(" ", 1)[-1]}})
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
                "--event-loop uvloop: uvloop is not installed"
                " (pip install 'telnyx-mockserver[fast]')"
            ) from None
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def _list_scenarios(schemas: SchemaRegistry) -> int:
    try:
        for name, description in list_bundled(schemas.schemas["scenario"]):
            print(f"{name:<20} {description}")
        sys.stdout.flush()
    except BrokenPipeError:
        # `mockserver --list-scenarios | head`: the reader left, which is fine. Point stdout at
        # /dev/null so the interpreter's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    activity_log.configure("WARNING" if args.quiet else args.log_level, args.log_format)
    try:
        schemas = SchemaRegistry()
        if args.list_scenarios:
            return _list_scenarios(schemas)
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
