"""Issue 12's scenario defects: files outside the bundle (5), odd numbers and nesting (6),
exponent floats (12), YAML aliases and heavy parsing on the loop (4), unbounded durations (7)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest

from mockserver.spec import scenario_files
from mockserver.spec.scenario_files import MAX_SCENARIO_BYTES, ScenarioError, load_scenario
from mockserver.spec.validation import SchemaRegistry
from tests.conftest import Harness, loop_stall


async def post_yaml(harness: Harness, text: str) -> tuple[int, Any]:
    response = await harness.client.post(
        "/_mock/scenario", data=text.encode("utf-8"), headers={"Content-Type": "application/yaml"}
    )
    return response.status, await response.json()


def detail(body: Any) -> str:
    return str(body["errors"][0]["detail"])


# -- defect 5: "bundled" reads any file --------------------------------------------------------


async def test_bundled_refuses_a_path_and_never_echoes_the_file(
    harness: Harness, tmp_path: Path
) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$SECRET-HASH:19000:0:99999:7:::\n")
    answers = []
    for name in (str(secret), str(tmp_path / "missing"), "../scenarios/default.yaml"):
        status, body = await harness.post("/_mock/scenario", {"bundled": name}, key=None)
        assert status == 422, body
        assert "SECRET" not in detail(body) and "root:" not in detail(body)
        answers.append(re.sub(r"'[^']*'", "'NAME'", detail(body), count=1))
    # An existing file and a missing one answer alike: nothing to probe the disk with.
    assert answers[0] == answers[1] == answers[2]
    assert harness.mock.simulator.scenario.name == "default"


async def test_bundled_never_reads_a_big_file(harness: Harness, tmp_path: Path) -> None:
    big = tmp_path / "huge.yaml"
    with big.open("wb") as handle:  # sparse: 1 GiB that costs no disk
        handle.truncate(1024**3)
    status, body = await harness.post("/_mock/scenario", {"bundled": str(big)}, key=None)
    assert status == 422 and detail(body).startswith("unknown scenario")


def test_a_scenario_file_is_read_up_to_the_size_bound_only(
    tmp_path: Path, schemas: SchemaRegistry
) -> None:
    big = tmp_path / "huge.yaml"
    with big.open("wb") as handle:
        handle.truncate(1024**3)
    with pytest.raises(ScenarioError, match=f"larger than {MAX_SCENARIO_BYTES} bytes"):
        load_scenario(str(big), schemas.schemas["scenario"])


async def test_bundled_names_still_load(harness: Harness) -> None:
    for name in ("dual_channel", "dual_channel.yaml"):
        status, body = await harness.post("/_mock/scenario", {"bundled": name}, key=None)
        assert (status, body["data"]["name"]) == (200, "dual_channel")


# -- defect 6: odd scenario input answered 500 -------------------------------------------------

ODD_YAML = {
    "5,000 levels deep": "[" * 5000 + "]" * 5000,
    "5,000-digit integer": "call:\n  answer_delay: " + "1" * 5000 + "\n",
    "0x and 5,000 f's": "call:\n  answer_delay: 0x" + "f" * 5000 + "\n",
    "300 nested mappings": "".join("  " * i + f"k{i}:\n" for i in range(300)),
}


@pytest.mark.parametrize("text", list(ODD_YAML.values()), ids=list(ODD_YAML))
async def test_odd_yaml_is_422(harness: Harness, text: str) -> None:
    status, body = await post_yaml(harness, text)
    assert status == 422, body
    assert body["errors"][0]["code"] == "10015"


async def test_a_5000_character_bundled_name_is_422(harness: Harness) -> None:
    status, body = await harness.post("/_mock/scenario", {"bundled": "a" * 5000}, key=None)
    assert status == 422 and len(detail(body)) < 300, body


# -- defect 12: exponents ----------------------------------------------------------------------


async def test_json_float_with_an_exponent_is_a_number(harness: Harness) -> None:
    # json.dumps(0.00001) is "1e-05", which YAML 1.1 reads as a string.
    status, body = await harness.post(
        "/_mock/scenario", {"call": {"answer_delay": 0.00001}}, key=None
    )
    assert status == 200, body
    assert harness.mock.simulator.scenario.answer_delay == 0.00001


async def test_yaml_exponents_are_numbers(harness: Harness) -> None:
    status, body = await post_yaml(harness, "call:\n  answer_delay: 1e3\n  hangup_after: 2.5E+1\n")
    assert status == 200, body
    scenario = harness.mock.simulator.scenario
    assert (scenario.answer_delay, scenario.hangup_after) == (1000.0, 25.0)


async def test_strings_that_only_look_like_exponents_stay_strings(harness: Harness) -> None:
    status, body = await post_yaml(harness, "name: 1e3x\ncall:\n  answer_delay: 1\n")
    assert (status, body["data"]["name"]) == (200, "1e3x")


# -- defect 4: aliases and parsing on the loop -------------------------------------------------


def aliased_scenario(lines: int, rules: int) -> str:
    transcript = "".join(f"  - {{at: {i}, text: line {i}}}\n" for i in range(lines))
    rule = "  - {match: {to: '+1'}, set: {transcript: *t}}\n"
    return "transcript: &t\n" + transcript + "rules:\n" + rule * rules


async def test_yaml_aliases_are_refused_without_stalling_the_loop(harness: Harness) -> None:
    text = aliased_scenario(1000, 1000)  # the 58 KiB body that held the loop 34 s
    async with loop_stall() as stall:
        status, body = await post_yaml(harness, text)
    assert status == 422 and "aliases" in detail(body), body
    # A bound, not a timing claim: generous for a loaded 2-core machine, far below 34 s.
    assert stall[0] < 3.0, f"loop stalled {stall[0]:.3f} s"


async def test_scenario_parsing_runs_off_the_event_loop(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []
    real = scenario_files.load_scenario_text

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr("mockserver.web.control.load_scenario_text", spy)
    status, _ = await post_yaml(harness, "call:\n  answer_delay: 2\n")
    assert status == 200
    status, _ = await harness.post("/_mock/scenario", {"call": {"answer_delay": 3}}, key=None)
    assert status == 200
    assert len(threads) == 2
    assert all(thread is not threading.main_thread() for thread in threads)


async def test_a_scenario_over_the_size_bound_is_422(harness: Harness) -> None:
    text = "description: " + "x" * MAX_SCENARIO_BYTES + "\n"
    status, body = await post_yaml(harness, text)
    assert status == 422 and "larger than" in detail(body), body


async def test_many_matching_rules_over_a_long_transcript_do_not_stall_a_dial(
    harness: Harness,
) -> None:
    # Written out (no alias): rules × transcript lines was copied on every Dial.
    transcript = "".join(f"  - {{at: {i}, text: line {i}}}\n" for i in range(1500))
    rules = "  - {match: {to: '+13125550100'}, set: {call: {answer_delay: 2}}}\n" * 1500
    text = "transcript:\n" + transcript + "rules:\n" + rules
    assert len(text.encode()) < MAX_SCENARIO_BYTES
    status, body = await post_yaml(harness, text)
    assert status == 200, body
    async with loop_stall() as stall:
        for _ in range(3):
            await harness.dial()
    assert stall[0] < 3.0, f"loop stalled {stall[0]:.3f} s"
    # Why it is cheap: the variant is built once, and shares the base's transcript.
    scenario = harness.mock.simulator.scenario
    variant = scenario.for_call(to="+13125550100", connection_id="1")
    assert variant is scenario.for_call(to="+13125550100", connection_id="1")
    assert variant.source["transcript"] is scenario.source["transcript"]
