"""The CI recipe in README runs as written: the shell version, end to end, on both clocks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "ci" / "run-with-mockserver.sh"

APP_TEST = """
import json
import os
import urllib.request

from telnyx import Telnyx

mock = os.environ["MOCK_URL"]


def advance(seconds):
    request = urllib.request.Request(
        f"{mock}/_mock/clock/advance",
        data=json.dumps({"seconds": seconds}).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request).read()


client = Telnyx(max_retries=0)  # TELNYX_API_KEY and TELNYX_BASE_URL come from the script
assert os.environ["TELNYX_PUBLIC_KEY"]
call = client.calls.dial(connection_id="1", to="+13125550100", from_="+13125550111").data
advance(2)
client.calls.actions.start_recording(call.call_control_id, format="wav", channels="dual")
advance(40)
saved = f"{mock}/_mock/webhooks?event_type=call.recording.saved"
journal = json.load(urllib.request.urlopen(saved))
assert len(journal["data"]) == 1, journal
print("app test passed")
"""

# On the default clock the scenario runs by itself, 100 times faster than life.
REAL_CLOCK_APP_TEST = """
import json
import os
import urllib.request

clock = json.load(urllib.request.urlopen(f"{os.environ['MOCK_URL']}/_mock/clock"))["data"]
assert clock["mode"] == "scaled" and clock["time_scale"] == 0.01, clock
print("app test passed on the", clock["mode"], "clock")
"""


def run_recipe(tmp_path: Path, app_tests: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MOCK_")},
        # The console script, as `pip install` puts it on PATH.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "APP_TESTS": app_tests,
        **settings,
    }
    return subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_readme_shows_the_tested_script_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.S)
    assert SCRIPT.read_text(encoding="utf-8") in blocks


def test_the_recipes_start_the_console_script_of_an_installed_package() -> None:
    # `python -m mockserver` from the app's root would import a checkout at ./mockserver, and
    # an editable install lets such a folder hide the package: neither is in the recipes.
    script = SCRIPT.read_text(encoding="utf-8")
    assert re.search(r"^mockserver --scenario ", script, flags=re.M)
    assert "python -m mockserver" not in script
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    jobs = re.findall(r"```yaml\n(jobs:.*?)```", readme, flags=re.S)
    (job,) = [job for job in jobs if "run-with-mockserver.sh" in job]  # not the container's
    assert "pip install ./mockserver" in job and "pip install -e" not in job
    assert "bash mockserver/docs/ci/run-with-mockserver.sh" in job


def test_recipe_runs_the_app_tests_against_a_fresh_mock_on_a_manual_clock(
    tmp_path: Path,
) -> None:
    # The GitHub Actions job checks mockserver out at `path: mockserver` inside the app: the
    # console script must run the installed package, never that folder.
    checkout = tmp_path / "mockserver" / "mockserver"
    checkout.mkdir(parents=True)
    (checkout / "__init__.py").write_text('raise ImportError("the checkout was imported")\n')
    (tmp_path / "app_test.py").write_text(APP_TEST, encoding="utf-8")
    result = run_recipe(tmp_path, f"{sys.executable} app_test.py", MOCK_CLOCK="manual")
    assert result.returncode == 0, result.stderr
    assert "app test passed" in result.stdout
    assert not (tmp_path / "webhook-journal.json").exists()
    assert "POST /v2/calls 200" in (tmp_path / "mock.log").read_text(encoding="utf-8")


def test_recipe_defaults_to_a_real_clock_a_hundred_times_faster(tmp_path: Path) -> None:
    (tmp_path / "app_test.py").write_text(REAL_CLOCK_APP_TEST, encoding="utf-8")
    result = run_recipe(tmp_path, f"{sys.executable} app_test.py")
    assert result.returncode == 0, result.stderr
    assert "app test passed on the scaled clock" in result.stdout


def test_recipe_keeps_the_journal_when_the_app_tests_fail(tmp_path: Path) -> None:
    failing = f"{sys.executable} -c 'raise SystemExit(3)'"
    (tmp_path / "fail.sh").write_text(failing + "\n", encoding="utf-8")
    result = run_recipe(tmp_path, f"bash {tmp_path / 'fail.sh'}")
    assert result.returncode == 1
    assert "delivery journal saved to webhook-journal.json" in result.stderr
    assert (tmp_path / "webhook-journal.json").read_text(encoding="utf-8").startswith('{"data"')
