"""speak, playback, gather, send_dtmf, reject and transcription over HTTP: request validation,
call-state errors and command_id dedup, as Telnyx answers them; and their OpenAPI entries."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from referencing import Registry

from mockserver.core.commands import COMMANDS, Command
from mockserver.spec.validation import bundled_schema_dir
from tests.conftest import API_KEY, Harness, MakeHarness
from tests.spec_helpers import SPEC_URI
from tests.web.media_support import (
    MEDIA_BODIES,
    PREREQUISITES,
    QUIET,
    codes,
    inbound,
    ok,
    pointers,
)

MEDIA = [
    "speak",
    "playback_start",
    "playback_stop",
    "gather",
    "gather_using_speak",
    "gather_stop",
    "send_dtmf",
    "transcription_start",
    "transcription_stop",
]

# -- validation: each command's body is checked against its schema (built from the spec) -------

# (action, body, [(code, pointer), ...])
INVALID: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("speak", {}, [("10004", "/payload"), ("10004", "/voice")]),
    ("speak", {"payload": "x" * 3001, "voice": "female"}, [("10033", "/payload")]),
    (
        "speak",
        {"payload": "Hi", "voice": "female", "payload_type": "html"},
        [("10032", "/payload_type")],
    ),
    ("speak", {"payload": "Hi", "voice": "female", "language": "xx-XX"}, [("10032", "/language")]),
    (
        "speak",
        {"payload": "Hi", "voice": "female", "target_legs": "all"},
        [("10032", "/target_legs")],
    ),
    ("speak", {"payload": "Hi", "voice": "female", "loop": 1.5}, [("10015", "/loop")]),
    ("speak", {"payload": "Hi", "voice": "female", "loop": 0}, [("10033", "/loop")]),
    ("speak", {"payload": "Hi", "voice": "female", "loop": "forever"}, [("10015", "/loop")]),
    ("speak", {"payload": "Hi", "voice": "female", "stop": "some"}, [("10032", "/stop")]),
    (
        "speak",
        {"payload": "Hi", "voice": "f", "client_state": "no base64"},
        [("10015", "/client_state")],
    ),
    (
        "speak",
        {"payload": "Hi", "voice": "female", "service_level": "basic", "language": "de-DE"},
        [("10032", "/language")],
    ),
    (
        "speak",
        {
            "payload": "<speak>Hi</speak>",
            "voice": "f",
            "service_level": "basic",
            "payload_type": "ssml",
        },
        [("10032", "/payload_type")],
    ),
    ("playback_start", {}, [("10004", "/audio_url")]),
    (
        "playback_start",
        {"audio_url": "https://a/b.mp3", "media_name": "b"},
        [("10015", "/media_name")],
    ),
    (
        "playback_start",
        {"media_name": "b", "playback_content": "AAAA"},
        [("10015", "/playback_content")],
    ),
    ("playback_start", {"playback_content": "not base64!"}, [("10015", "/playback_content")]),
    ("playback_start", {"audio_url": "https://a/b.mp3", "loop": 101}, [("10033", "/loop")]),
    (
        "playback_start",
        {"audio_url": "https://a/b.mp3", "audio_type": "ogg"},
        [("10032", "/audio_type")],
    ),
    (
        "playback_start",
        {"audio_url": "https://a/b.mp3", "target_legs": "x"},
        [("10032", "/target_legs")],
    ),
    ("playback_start", {"audio_url": "https://a/b.mp3", "overlay": "yes"}, [("10026", "/overlay")]),
    ("playback_stop", {"stop": "some"}, [("10032", "/stop")]),
    ("playback_stop", {"overlay": 1}, [("10026", "/overlay")]),
    ("gather", {"gather_id": ""}, [("10033", "/gather_id")]),
    ("gather", {"gather_id": "g" * 41}, [("10033", "/gather_id")]),
    ("gather", {"maximum_digits": 129}, [("10033", "/maximum_digits")]),
    ("gather", {"minimum_digits": 0}, [("10033", "/minimum_digits")]),
    ("gather", {"minimum_digits": 5, "maximum_digits": 3}, [("10015", "/maximum_digits")]),
    ("gather", {"timeout_millis": "5000"}, [("10026", "/timeout_millis")]),
    ("gather", {"initial_timeout_millis": 2**31}, [("10033", "/initial_timeout_millis")]),
    ("gather_using_speak", {}, [("10004", "/voice"), ("10004", "/payload")]),
    (
        "gather_using_speak",
        {"payload": "P", "voice": "f", "invalid_payload": "x" * 3001},
        [("10033", "/invalid_payload")],
    ),
    (
        "gather_using_speak",
        {"payload": "P", "voice": "f", "maximum_digits": 200},
        [("10033", "/maximum_digits")],
    ),
    ("gather_stop", {"client_state": 5}, [("10026", "/client_state")]),
    ("send_dtmf", {}, [("10004", "/digits")]),
    ("send_dtmf", {"digits": ""}, [("10004", "/digits")]),
    ("send_dtmf", {"digits": "12x"}, [("10015", "/digits")]),
    ("send_dtmf", {"digits": "1", "duration_millis": 50}, [("10033", "/duration_millis")]),
    ("send_dtmf", {"digits": "1", "duration_millis": 501}, [("10033", "/duration_millis")]),
    (
        "transcription_start",
        {"transcription_engine": "Whisper"},
        [("10032", "/transcription_engine")],
    ),
    ("transcription_start", {"transcription_tracks": "left"}, [("10032", "/transcription_tracks")]),
    ("transcription_stop", {"command_id": 7}, [("10026", "/command_id")]),
]


@pytest.mark.parametrize(
    ("action", "body", "expected"), INVALID, ids=[f"{a}-{e[0][1]}" for a, _, e in INVALID]
)
async def test_invalid_body_is_422_with_telnyx_code_and_pointer(
    make_harness: MakeHarness, action: str, body: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    h = await make_harness(scenario=QUIET)
    ccid = await h.answered_call()
    status, data = await h.command(ccid, action, body)
    assert status == 422, data
    assert list(zip(codes(data), pointers(data), strict=True)) == expected
    assert h.receiver.types() == ["call.initiated", "call.answered"]  # no effect


async def test_reject_body_needs_a_cause_from_the_spec_enum(harness: Harness) -> None:
    ccid = await inbound(harness)
    status, data = await harness.command(ccid, "reject", {})
    assert (status, codes(data), pointers(data)) == (422, ["10004"], ["/cause"])
    status, data = await harness.command(ccid, "reject", {"cause": "NOT_FOUND"})
    assert (status, codes(data), pointers(data)) == (422, ["10032"], ["/cause"])
    assert data["errors"][0]["detail"] == "The value must be one of: CALL_REJECTED, USER_BUSY."


# -- call state --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", MEDIA)
async def test_media_command_on_a_ringing_outbound_call_is_90034(
    harness: Harness, action: str
) -> None:
    call = await harness.dial()
    status, data = await harness.command(call["call_control_id"], action, MEDIA_BODIES[action])
    assert status == 422 and codes(data) == ["90034"]
    assert data["errors"][0]["title"] == "Call not answered yet"


@pytest.mark.parametrize("action", MEDIA)
async def test_media_command_on_a_parked_inbound_call_is_90034(
    harness: Harness, action: str
) -> None:
    ccid = await inbound(harness)
    status, data = await harness.command(ccid, action, MEDIA_BODIES[action])
    assert status == 422 and codes(data) == ["90034"]


@pytest.mark.parametrize("action", [*MEDIA, "reject"])
async def test_command_on_an_ended_call_is_90018(harness: Harness, action: str) -> None:
    ccid = await inbound(harness)
    await ok(harness, ccid, "answer")
    await ok(harness, ccid, "hangup")
    body = MEDIA_BODIES.get(action, {"cause": "CALL_REJECTED"})
    status, data = await harness.command(ccid, action, body)
    assert status == 422 and codes(data) == ["90018"]
    assert data["errors"][0]["title"] == "Call has already ended"


async def test_reject_on_an_answered_call_is_422(harness: Harness) -> None:
    ccid = await inbound(harness)
    await ok(harness, ccid, "answer")
    status, data = await harness.command(ccid, "reject", {"cause": "CALL_REJECTED"})
    assert status == 422 and codes(data) == ["10015"]
    assert "already been answered" in data["errors"][0]["detail"]
    assert "call.hangup" not in harness.receiver.types()


async def test_reject_on_an_outbound_call_is_422(harness: Harness) -> None:
    call = await harness.dial()
    status, data = await harness.command(call["call_control_id"], "reject", {"cause": "USER_BUSY"})
    assert status == 422 and codes(data) == ["10015"]


# -- command_id --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", MEDIA)
async def test_repeated_command_id_is_ignored(make_harness: MakeHarness, action: str) -> None:
    h = await make_harness(scenario=QUIET)
    ccid = await h.answered_call()
    if action in PREREQUISITES:
        await ok(h, ccid, *PREREQUISITES[action])
    body = {**MEDIA_BODIES[action], "command_id": "cmd-1"}
    await ok(h, ccid, action, body)
    await h.advance(0)
    after_first = list(h.receiver.types())
    call = h.mock.simulator.find_call(API_KEY, ccid)
    assert call is not None
    state = repr(call.media)
    await ok(h, ccid, action, body)  # ignored: same answer, no effect
    await h.advance(0)
    assert h.receiver.types() == after_first
    assert repr(call.media) == state


@pytest.mark.parametrize("action", ["playback_stop", "gather_stop", "transcription_stop"])
async def test_a_stop_repeated_without_command_id_finds_nothing_to_stop(
    make_harness: MakeHarness, action: str
) -> None:
    h = await make_harness(scenario=QUIET)
    ccid = await h.answered_call()
    await ok(h, ccid, *PREREQUISITES[action])
    await ok(h, ccid, action, {"command_id": "stop-1"})
    await ok(h, ccid, action, {"command_id": "stop-1"})
    status, data = await h.command(ccid, action, {})
    assert status == 422 and codes(data) == ["10015"]


async def test_repeated_reject_command_id_is_ignored_even_after_the_call_ended(
    harness: Harness,
) -> None:
    ccid = await inbound(harness)
    body = {"cause": "USER_BUSY", "command_id": "reject-1"}
    await ok(harness, ccid, "reject", body)
    await ok(harness, ccid, "reject", body)  # an SDK retry of a reject that worked
    await harness.advance(0)
    assert harness.receiver.types() == ["call.initiated", "call.hangup"]


async def test_same_command_id_on_another_call_is_not_a_duplicate(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=QUIET)
    first, second = await h.answered_call(), await h.answered_call()
    body = {**MEDIA_BODIES["speak"], "command_id": "same"}
    await ok(h, first, "speak", body)
    await ok(h, second, "speak", body)
    await h.advance(0)
    assert len(h.receiver.events("call.speak.started")) == 2


# -- OpenAPI -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec_operations(telnyx_spec: Registry[Any]) -> dict[str, str]:
    """action -> operationId of POST /calls/{id}/actions/{action} in Telnyx's spec."""
    prefix = "/calls/{call_control_id}/actions/"
    paths = telnyx_spec.contents(SPEC_URI)["paths"]
    return {
        path[len(prefix) :]: item["post"]["operationId"]
        for path, item in paths.items()
        if path.startswith(prefix) and "post" in item
    }


@pytest.mark.parametrize("command", list(Command))
def test_every_command_has_the_spec_operation_id(
    command: Command, spec_operations: dict[str, str]
) -> None:
    assert spec_operations[command.value] == COMMANDS[command].operation_id


async def test_openapi_serves_every_command_with_its_schema_file(harness: Harness) -> None:
    response = await harness.client.get("/v2/openapi.json")
    document = await response.json()
    for command in Command:
        operation = document["paths"][f"/v2/calls/{{call_control_id}}/actions/{command}"]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == f"#/components/schemas/{command}"
        schema_file = yaml.safe_load((bundled_schema_dir() / f"{command}.json").read_text())
        assert document["components"]["schemas"][command.value]["title"] == schema_file["title"]
        assert set(document["components"]["schemas"][command.value]["properties"]) == set(
            schema_file["properties"]
        )
