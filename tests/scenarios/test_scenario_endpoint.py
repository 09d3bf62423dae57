"""POST /_mock/scenario: load a scenario at run time, validated like a file."""

from __future__ import annotations

from tests.conftest import Harness


async def test_json_scenario_takes_effect_for_new_calls(harness: Harness) -> None:
    status, body = await harness.post(
        "/_mock/scenario", {"name": "late", "call": {"answer_delay": 7}}, key=None
    )
    assert (status, body["data"]["name"]) == (200, "late")
    await harness.dial()
    await harness.advance(6)
    assert harness.receiver.types() == ["call.initiated"]
    await harness.advance(1)
    assert harness.receiver.types() == ["call.initiated", "call.answered"]


async def test_bundled_scenario_by_name(harness: Harness) -> None:
    status, body = await harness.post("/_mock/scenario", {"bundled": "dual_channel"}, key=None)
    assert (status, body["data"]["name"]) == (200, "dual_channel")
    status, health = await harness.get("/_mock/health", key=None)
    assert health["scenario"] == "dual_channel"


async def test_yaml_scenario_text(harness: Harness) -> None:
    response = await harness.client.post(
        "/_mock/scenario",
        data="name: yaml_one\ncall:\n  answer_delay: 3\n",
        headers={"Content-Type": "application/yaml"},
    )
    assert response.status == 200
    assert harness.mock.simulator.scenario.answer_delay == 3


async def test_invalid_scenario_is_422_with_the_file_style_message(harness: Harness) -> None:
    status, body = await harness.post(
        "/_mock/scenario", {"delays": {"recording_saved": -1}}, key=None
    )
    assert status == 422
    assert body["errors"][0]["code"] == "10015"
    assert body["errors"][0]["detail"] == (
        "request body:1: delays.recording_saved must be a number ≥ 0"
    )
    assert harness.mock.simulator.scenario.name == "default"  # nothing changed


async def test_unknown_bundled_scenario_is_422(harness: Harness) -> None:
    status, body = await harness.post("/_mock/scenario", {"bundled": "nope"}, key=None)
    assert status == 422
    assert body["errors"][0]["detail"].startswith("unknown scenario 'nope'")


async def test_a_scenario_without_a_name_is_called_custom(harness: Harness) -> None:
    status, body = await harness.post("/_mock/scenario", {"call": {"answer_delay": 3}}, key=None)
    assert (status, body["data"]["name"]) == (200, "custom")
    status, health = await harness.get("/_mock/health", key=None)
    assert health["scenario"] == "custom"  # not "request body"
