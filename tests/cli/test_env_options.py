"""Every long option also comes from ``MOCKSERVER_<OPTION>`` (containers' ``services:`` blocks
set variables, not arguments); the command line wins."""

from __future__ import annotations

import pytest

from mockserver.cli import build_parser, env_var, parse_args
from tests.cli.test_cli import Launcher, assert_one_line_error
from tests.cli.test_cli import launch as launch  # the fixture, shared


def test_variables_set_options() -> None:
    args = parse_args(
        [],
        environ={
            "MOCKSERVER_SCENARIO": "/scenarios/mine.yaml",
            "MOCKSERVER_PORT": "9000",
            "MOCKSERVER_CLOCK": "manual",
            "MOCKSERVER_TIME_SCALE": "0.01",
            "MOCKSERVER_SEED": "-7",  # a value starting with '-' stays a value
            "MOCKSERVER_CONTROL_TOKEN": "s3cret",
            "MOCKSERVER_LOG_FORMAT": "json",
            "MOCKSERVER_LOG_LEVEL": "debug",  # the option's own conversion applies
        },
    )
    assert args.scenario == "/scenarios/mine.yaml"
    assert (args.port, args.clock, args.time_scale, args.seed) == (9000, "manual", 0.01, -7)
    assert (args.control_token, args.log_format, args.log_level) == ("s3cret", "json", "DEBUG")


def test_unset_and_empty_variables_leave_the_defaults() -> None:
    defaults = parse_args([], environ={})
    assert parse_args([], environ={"MOCKSERVER_CONTROL_TOKEN": "", "MOCKSERVER_PORT": " "}) == (
        defaults
    )
    assert defaults.port == 8000 and defaults.control_token is None


def test_the_command_line_wins_even_with_the_default_value() -> None:
    environ = {"MOCKSERVER_PORT": "9000", "MOCKSERVER_HOST": "0.0.0.0"}
    args = parse_args(["--port", "8000"], environ=environ)
    assert (args.port, args.host) == (8000, "0.0.0.0")


def test_repeatable_options_take_a_comma_separated_list() -> None:
    environ = {"MOCKSERVER_API_KEY": "KEY_A, KEY_B,,"}
    assert parse_args([], environ=environ).api_keys == ["KEY_A", "KEY_B"]
    # the command line replaces the list rather than adding to it
    assert parse_args(["--api-key", "KEY_C"], environ=environ).api_keys == ["KEY_C"]


def test_values_with_commas_are_separated_by_semicolons() -> None:
    # --connection ID=URL[,failover=URL,timeout=S]: its metavar shows a value has commas
    environ = {
        "MOCKSERVER_CONNECTION": "app=http://app:5000/hooks,failover=http://b:5000/hooks,"
        "timeout=5; other=http://other:5000/hooks"
    }
    first, second = parse_args([], environ=environ).connections
    assert (first.id, first.webhook_url_failover, first.webhook_timeout_secs) == (
        "app",
        "http://b:5000/hooks",
        5.0,
    )
    assert (second.id, second.webhook_url) == ("other", "http://other:5000/hooks")


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False)]
)
def test_switches_take_1_or_0(value: str, expected: bool) -> None:
    assert parse_args([], environ={"MOCKSERVER_QUIET": value}).quiet is expected


@pytest.mark.parametrize(
    ("variable", "value", "mentions"),
    [
        ("MOCKSERVER_PORT", "eighty", "--port"),
        ("MOCKSERVER_TIME_SCALE", "0", "--time-scale"),
        ("MOCKSERVER_CLOCK", "sundial", "--clock"),
        ("MOCKSERVER_QUIET", "maybe", "1/0"),
        ("MOCKSERVER_WEBHOOK_URL", "ftp://x", "http://"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    capsys: pytest.CaptureFixture[str], variable: str, value: str, mentions: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        parse_args([], environ={variable: value})
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"mockserver: error: {variable}="), err
    assert mentions in err


def test_a_bad_variable_is_ignored_when_the_command_line_sets_the_option() -> None:
    assert parse_args(["--port", "0"], environ={"MOCKSERVER_PORT": "eighty"}).port == 0


def test_help_names_the_variable_of_every_long_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--help"], environ={})
    shown = " ".join(capsys.readouterr().out.split())  # undo the line wrapping
    names = [name for action in build_parser()._actions if (name := env_var(action))]
    assert "MOCKSERVER_TIME_SCALE" in names and "MOCKSERVER_HELP" not in names
    for name in names:
        assert f"[env {name}]" in shown, name
    assert "the command line wins" in shown


async def test_a_server_configured_by_the_environment_alone(launch: Launcher) -> None:
    launch.env = {
        "MOCKSERVER_SCENARIO": "dual_channel",
        "MOCKSERVER_CLOCK": "manual",
        "MOCKSERVER_API_KEY": "KEY_ENV",
    }
    server = await launch.start()  # --port 0 on the command line
    _, health = await server.get("/_mock/health")
    assert (health["scenario"], health["clock"]) == ("dual_channel", "manual")
    status, _ = await server.get("/v2/recordings", {"Authorization": "Bearer KEY_OTHER"})
    assert status == 401
    status, _ = await server.get("/v2/recordings", {"Authorization": "Bearer KEY_ENV"})
    assert status == 200


async def test_a_bad_variable_stops_the_real_process_with_one_line(launch: Launcher) -> None:
    launch.env = {"MOCKSERVER_TIME_SCALE": "fast"}
    line = assert_one_line_error(await launch.run(), code=2)
    assert "MOCKSERVER_TIME_SCALE='fast'" in line
