"""The pytest plugin, exercised the way a third-party test suite uses it (pytester)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cli.readme_blocks import block

THIRD_PARTY_TEST = """
import base64
import time

from telnyx import Telnyx


def test_records_a_sixty_second_call(telnyx_mock):
    telnyx_mock.load_scenario({"call": {"answer_delay": 2, "hangup_after": 60}})
    client = Telnyx(api_key=telnyx_mock.api_key, base_url=telnyx_mock.base_url, max_retries=0)
    call = client.calls.dial(connection_id="1", to="+13125550100", from_="+13125550111").data
    started = telnyx_mock.now
    wall_started = time.monotonic()
    telnyx_mock.wait_for_webhook("call.answered", call.call_control_id)
    client.calls.actions.start_recording(call.call_control_id, format="wav", channels="dual")
    saved = telnyx_mock.wait_for_webhook("call.recording.saved", call.call_control_id)
    assert telnyx_mock.now - started >= 62
    # 62 simulated seconds passed in less wall time than that: nothing slept (the real
    # figure, milliseconds, is in benchmarks/).
    assert time.monotonic() - wall_started < telnyx_mock.now - started
    assert saved.payload["channels"] == "dual"
    event = client.webhooks.unwrap(
        saved.raw.decode(), headers=dict(saved.headers), key=telnyx_mock.public_key
    )
    assert event.data.event_type == "call.recording.saved"


def test_state_is_reset_between_tests(telnyx_mock):
    assert telnyx_mock.webhooks() == []
    assert telnyx_mock.mock.simulator.scenario.name == "default"


def test_missing_webhook_times_out_in_virtual_time(telnyx_mock):
    import pytest
    from mockserver.pytest_plugin import WebhookTimeout

    with pytest.raises(WebhookTimeout):
        telnyx_mock.wait_for_webhook("call.recording.saved", max_seconds=30)


def test_timeout_says_where_the_event_went(telnyx_mock):
    import socket

    import pytest
    from mockserver.pytest_plugin import WebhookTimeout

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        app_url = f"http://127.0.0.1:{closed.getsockname()[1]}/app-hooks"
    assert telnyx_mock.load_scenario({"call": {"answer_delay": 2}}).name == "custom"
    client = Telnyx(api_key=telnyx_mock.api_key, base_url=telnyx_mock.base_url, max_retries=0)
    call = client.calls.dial(
        connection_id="1", to="+13125550100", from_="+13125550111", webhook_url=app_url
    ).data
    with pytest.raises(WebhookTimeout) as caught:
        telnyx_mock.wait_for_webhook("call.answered", call.call_control_id, max_seconds=60)
    message = str(caught.value)
    assert f"attempt 1 to {app_url}: failed (ClientConnectorError" in message, message
    assert f"attempt 3 to {app_url}: undelivered (retries exhausted" in message, message
    assert f"It went to {app_url}, the call's own webhook_url" in message, message
"""


def test_third_party_suite_dials_records_and_waits_without_sleeping(
    pytester: pytest.Pytester,
) -> None:
    # README's example runs in the same session: it must pass as written.
    readme_example = block("Use it from pytest", "python").text
    pytester.makepyfile(test_app=THIRD_PARTY_TEST, test_readme_example=readme_example)
    # A hang guard only (subprocess pytest importing the SDK took 37 s once on a loaded
    # machine); the no-sleeping claim is timed inside the run, around the waits.
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", timeout=180)
    result.assert_outcomes(passed=5)


SEEDED_TEST = """
def test_first_call_control_id(telnyx_mock):
    import json
    import urllib.request

    request = urllib.request.Request(
        telnyx_mock.base_url + "/calls",
        data=b'{"connection_id": "1", "to": "+13125550100", "from": "+13125550111"}',
        headers={"Authorization": "Bearer " + telnyx_mock.api_key,
                 "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        print("CCID", json.load(response)["data"]["call_control_id"])
"""


def _first_ccid(pytester: pytest.Pytester, *args: str) -> str:
    result = pytester.runpytest_inprocess("-q", "-s", "-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1)
    (line,) = [line for line in result.outlines if line.startswith("CCID")]
    return line.split()[1]


def test_seed_option_makes_the_plugin_ids_reproducible(pytester: pytest.Pytester) -> None:
    # Unseeded runs differ (tests/runtime/test_ids.py); the option and the ini key agree.
    pytester.makepyfile(test_seeded=SEEDED_TEST)
    loop_scope = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    pytester.makeini(loop_scope)
    from_option = _first_ccid(pytester, "--telnyx-mock-seed", "5")
    pytester.makeini(loop_scope + "telnyx_mock_seed = 5\n")
    assert _first_ccid(pytester) == from_option


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    # pytest imports the entry point in every run of every project in the environment.
    probe = (
        "import sys, pytest_telnyx_mock\n"
        "heavy = ('aiohttp', 'jsonschema', 'yaml', 'nacl', 'fastjsonschema', 'mockserver')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


SHADOWED_PROJECT = {
    "test_unrelated": "def test_arithmetic():\n    assert 1 + 1 == 2\n",
    "test_uses_mock": "def test_mock(telnyx_mock):\n    assert telnyx_mock.base_url\n",
}


def make_own_mockserver_package(pytester: pytest.Pytester) -> None:
    """A package of the project's own that is also called mockserver (with its own testing)."""
    package = pytester.mkpydir("mockserver")
    (package / "testing.py").write_text(
        'raise ImportError("the project\'s own mockserver.testing")\n', encoding="utf-8"
    )


def test_a_folder_named_mockserver_fails_only_the_tests_that_use_the_fixture(
    pytester: pytest.Pytester,
) -> None:
    # The project's own package called mockserver comes first on sys.path (pytester puts the
    # project folder there): the plugin still loads, the unrelated test passes, and the fixture
    # says what hides the installed package.
    make_own_mockserver_package(pytester)
    pytester.makepyfile(**SHADOWED_PROJECT)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # not 3: the plugin did not break the run
    output = result.stdout.str()
    assert "telnyx_mock: cannot import mockserver.testing" in output
    assert str(pytester.path / "mockserver") in output
    assert "Traceback" not in output


def test_a_project_that_never_uses_the_fixture_is_not_affected(pytester: pytest.Pytester) -> None:
    make_own_mockserver_package(pytester)
    pytester.makepyfile(test_unrelated=SHADOWED_PROJECT["test_unrelated"])
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
