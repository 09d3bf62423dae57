"""Request-body validation over real HTTP: record_start and Dial, Telnyx's exact errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import API_KEY, Harness
from tests.web.telnyx_errors import expect_errors, send

MISSING = ("10004", "Missing required parameter")
ENUM = ("10032", "Invalid enumerated value")
TYPE = ("10026", "Invalid parameter type")
RANGE = ("10033", "Value outside of range")
BAD = ("10015", "Bad Request")
E164 = ("10016", "Phone number must be in +E164 format")

MINIMAL = {"format": "wav", "channels": "single"}


async def record_start(harness: Harness, call_control_id: str, body: Any) -> Any:
    return await send(
        harness, "POST", f"/v2/calls/{call_control_id}/actions/record_start", json.dumps(body)
    )


@pytest.fixture
async def call(harness: Harness) -> str:
    return await harness.answered_call()


# -- record_start: required fields ---------------------------------------------------------------


async def test_record_start_without_format_is_422_missing_parameter(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {"channels": "single"})
    [item] = await expect_errors(response, 422, (*MISSING, "/format"))
    assert item["detail"] == "The 'format' parameter is required and cannot be blank."


async def test_record_start_without_channels_is_422_missing_parameter(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {"format": "wav"})
    [item] = await expect_errors(response, 422, (*MISSING, "/channels"))
    assert item["detail"] == "The 'channels' parameter is required and cannot be blank."


async def test_record_start_without_format_and_channels_reports_both_in_one_response(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {"play_beep": True})
    await expect_errors(response, 422, (*MISSING, "/format"), (*MISSING, "/channels"))


async def test_record_start_with_empty_object_reports_both_required_fields(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {})
    await expect_errors(response, 422, (*MISSING, "/format"), (*MISSING, "/channels"))


async def test_record_start_with_no_body_at_all_reports_both_required_fields(
    harness: Harness, call: str
) -> None:
    response = await send(harness, "POST", f"/v2/calls/{call}/actions/record_start", None)
    await expect_errors(response, 422, (*MISSING, "/format"), (*MISSING, "/channels"))


@pytest.mark.parametrize("value", ["", None], ids=["empty-string", "null"])
async def test_record_start_blank_format_is_10004_missing_not_a_type_or_enum_error(
    harness: Harness, call: str, value: Any
) -> None:
    response = await record_start(harness, call, {"format": value, "channels": "single"})
    [item] = await expect_errors(response, 422, (*MISSING, "/format"))
    assert item["detail"] == "The 'format' parameter is required and cannot be blank."


# -- record_start: one invalid field at a time -------------------------------------------------


async def test_record_start_format_outside_wav_mp3_is_10032_listing_allowed_values(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {"format": "ogg", "channels": "single"})
    [item] = await expect_errors(response, 422, (*ENUM, "/format"))
    assert item["detail"] == "The value must be one of: mp3, wav."


async def test_record_start_channels_outside_single_dual_is_10032(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {"format": "wav", "channels": "stereo"})
    [item] = await expect_errors(response, 422, (*ENUM, "/channels"))
    # Telnyx's own example for record_channels reads exactly so.
    assert item["detail"] == "The value must be one of: dual, single."


@pytest.mark.parametrize("value", [5, ["wav"], True], ids=["number", "list", "boolean"])
async def test_record_start_format_of_wrong_type_is_one_10026_error_not_also_10032(
    harness: Harness, call: str, value: Any
) -> None:
    response = await record_start(harness, call, {"format": value, "channels": "single"})
    [item] = await expect_errors(response, 422, (*TYPE, "/format"))
    assert item["detail"] == "The 'format' parameter must be of type 'string'."


@pytest.mark.parametrize(
    "value",
    ["not base64!", "abc", "aGVsbG8", "aGVsbG8=\n", "aGV sbG8="],
    ids=["punctuation", "abc-unpadded", "hello-unpadded", "trailing-newline", "inner-space"],
)
async def test_record_start_client_state_not_padded_base64_is_10015(
    harness: Harness, call: str, value: str
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "client_state": value})
    [item] = await expect_errors(response, 422, (*BAD, "/client_state"))
    assert item["detail"] == "The 'client_state' parameter must be a valid Base-64 encoded string."


async def test_record_start_numeric_client_state_is_10026_type_error(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "client_state": 12345678})
    [item] = await expect_errors(response, 422, (*TYPE, "/client_state"))
    assert item["detail"] == "The 'client_state' parameter must be of type 'string'."


async def test_record_start_command_id_list_is_10026(harness: Harness, call: str) -> None:
    response = await record_start(harness, call, {**MINIMAL, "command_id": ["a", "b"]})
    await expect_errors(response, 422, (*TYPE, "/command_id"))


@pytest.mark.parametrize("value", ["true", 1, None], ids=["string", "number", "null"])
async def test_record_start_play_beep_not_boolean_is_10026(
    harness: Harness, call: str, value: Any
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "play_beep": value})
    [item] = await expect_errors(response, 422, (*TYPE, "/play_beep"))
    assert item["detail"] == "The 'play_beep' parameter must be of type 'boolean'."


@pytest.mark.parametrize("value", [-1, 14401, 2**31, 10**30], ids=str)
async def test_record_start_max_length_outside_0_to_14400_is_10033(
    harness: Harness, call: str, value: int
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "max_length": value})
    [item] = await expect_errors(response, 422, (*RANGE, "/max_length"))
    # The documented range, not the wider int32 range behind it.
    assert item["detail"] == "The value is outside of allowed range 0 to 14400"


@pytest.mark.parametrize("value", ["10", 10.5, True], ids=["string", "fraction", "boolean"])
async def test_record_start_max_length_not_integer_is_10026(
    harness: Harness, call: str, value: Any
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "max_length": value})
    [item] = await expect_errors(response, 422, (*TYPE, "/max_length"))
    assert item["detail"] == "The 'max_length' parameter must be of type 'integer'."


@pytest.mark.parametrize("value", [0, 14400], ids=str)
async def test_record_start_max_length_at_either_bound_is_accepted(
    harness: Harness, call: str, value: int
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "max_length": value})
    assert response.status == 200, await response.text()


async def test_record_start_negative_timeout_secs_is_10033(harness: Harness, call: str) -> None:
    response = await record_start(harness, call, {**MINIMAL, "timeout_secs": -1})
    [item] = await expect_errors(response, 422, (*RANGE, "/timeout_secs"))
    assert item["detail"] == "The value is outside of allowed range 0 or more"


async def test_record_start_unknown_recording_track_is_10032(harness: Harness, call: str) -> None:
    response = await record_start(harness, call, {**MINIMAL, "recording_track": "left"})
    [item] = await expect_errors(response, 422, (*ENUM, "/recording_track"))
    assert item["detail"] == "The value must be one of: both, inbound, outbound."


async def test_record_start_trim_other_than_trim_silence_is_10032(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "trim": "yes"})
    [item] = await expect_errors(response, 422, (*ENUM, "/trim"))
    assert item["detail"] == "The value must be one of: trim-silence."


@pytest.mark.parametrize("value", ["", "x" * 41], ids=["empty", "41-chars"])
async def test_record_start_custom_file_name_outside_1_to_40_chars_is_10033(
    harness: Harness, call: str, value: str
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "custom_file_name": value})
    [item] = await expect_errors(response, 422, (*RANGE, "/custom_file_name"))
    assert (
        item["detail"]
        == "The 'custom_file_name' parameter must be between 1 and 40 characters long."
    )


async def test_record_start_custom_file_name_of_40_chars_is_accepted(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "custom_file_name": "x" * 40})
    assert response.status == 200, await response.text()


async def test_record_start_transcription_string_yes_is_10026(harness: Harness, call: str) -> None:
    response = await record_start(harness, call, {**MINIMAL, "transcription": "yes"})
    [item] = await expect_errors(response, 422, (*TYPE, "/transcription"))
    assert item["detail"] == "The 'transcription' parameter must be of type 'boolean'."


async def test_record_start_unknown_transcription_engine_is_10032(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "transcription_engine": "C"})
    [item] = await expect_errors(response, 422, (*ENUM, "/transcription_engine"))
    assert item["detail"] == "The value must be one of: A, B, deepgram/nova-3."


@pytest.mark.parametrize("engine", ["A", "B", "deepgram/nova-3"])
async def test_record_start_each_documented_transcription_engine_is_accepted(
    harness: Harness, call: str, engine: str
) -> None:
    body = {**MINIMAL, "transcription": True, "transcription_engine": engine}
    response = await record_start(harness, call, body)
    assert response.status == 200, await response.text()


async def test_record_start_unknown_transcription_language_is_10032(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "transcription_language": "xx-XX"})
    [item] = await expect_errors(response, 422, (*ENUM, "/transcription_language"))
    assert item["detail"].startswith("The value must be one of: af, af-ZA, ")
    assert ", en-US, " in item["detail"] and "xx-XX" not in item["detail"]


async def test_record_start_transcription_language_en_us_is_accepted(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {**MINIMAL, "transcription_language": "en-US"})
    assert response.status == 200, await response.text()


async def test_record_start_reports_every_invalid_field_in_one_response_ordered_by_pointer(
    harness: Harness, call: str
) -> None:
    body = {
        "format": "ogg",
        "channels": 2,
        "client_state": "not base64!",
        "max_length": -1,
        "trim": "no",
    }
    response = await record_start(harness, call, body)
    await expect_errors(
        response,
        422,
        (*TYPE, "/channels"),
        (*BAD, "/client_state"),
        (*ENUM, "/format"),
        (*RANGE, "/max_length"),
        (*ENUM, "/trim"),
    )


async def test_record_start_missing_and_invalid_fields_are_reported_together(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {"format": "ogg", "play_beep": "yes"})
    await expect_errors(
        response, 422, (*MISSING, "/channels"), (*ENUM, "/format"), (*TYPE, "/play_beep")
    )


async def test_record_start_unknown_fields_are_ignored(harness: Harness, call: str) -> None:
    response = await record_start(harness, call, {**MINIMAL, "no_such_field": [1, {"a": None}]})
    assert response.status == 200, await response.text()


# -- record_start: valid bodies and defaults ----------------------------------------------------


async def test_record_start_with_every_field_valid_is_200_ok(harness: Harness, call: str) -> None:
    body = {
        "format": "mp3",
        "channels": "dual",
        "client_state": "aGF2ZSBhIG5pY2UgZGF5ID1d",
        "command_id": "891510ac-f3e4-11e8-af5b-de00688a4901",
        "custom_file_name": "interview-42",
        "max_length": 3600,
        "play_beep": True,
        "recording_track": "inbound",
        "timeout_secs": 30,
        "transcription": True,
        "transcription_engine": "B",
        "transcription_language": "en",
        "transcription_max_speaker_count": 4,
        "transcription_min_speaker_count": 2,
        "transcription_profanity_filter": True,
        "transcription_speaker_diarization": True,
        "trim": "trim-silence",
    }
    response = await record_start(harness, call, body)
    assert response.status == 200, await response.text()
    assert await response.json() == {"data": {"result": "ok"}}


async def test_rejected_record_start_starts_no_recording(harness: Harness, call: str) -> None:
    response = await record_start(harness, call, {**MINIMAL, "max_length": -1})
    assert response.status == 422
    # Were a recording running, a second record_start would be refused.
    response = await record_start(harness, call, MINIMAL)
    assert response.status == 200, await response.text()
    await harness.command(call, "hangup")
    await harness.advance(5)
    assert len(harness.receiver.events("call.recording.saved", call)) == 1


async def test_record_start_defaults_are_applied_and_visible_in_webhook_and_recording(
    harness: Harness, call: str
) -> None:
    response = await record_start(harness, call, {"format": "mp3", "channels": "single"})
    assert response.status == 200, await response.text()
    await harness.advance(10)
    status, _ = await harness.command(call, "hangup")
    assert status == 200
    await harness.advance(5)

    [saved] = harness.receiver.events("call.recording.saved", call)
    payload = saved.payload
    assert payload["channels"] == "single" and payload["format"] == "mp3"
    assert list(payload["recording_urls"]) == ["mp3"]
    assert payload["client_state"] is None  # none given anywhere
    assert harness.receiver.events("call.recording.transcription.saved") == []  # transcription

    status, recording = await harness.get(f"/v2/recordings/{payload['recording_id']}")
    assert status == 200, recording
    assert recording["data"]["channels"] == "single"
    assert list(recording["data"]["download_urls"]) == ["mp3"]
    assert recording["data"]["initiated_by"] == "StartCallRecordingAPI"

    # The rest of the schema defaults are not on the wire; read them off the core.
    options = harness.mock.simulator.tenants[API_KEY].recordings[payload["recording_id"]].options
    assert options.recording_track == "both"
    assert options.max_length == 0 and options.timeout_secs == 0
    assert options.transcription is False
    assert options.transcription_engine == "A" and options.transcription_language == "en-US"
    assert options.play_beep is False and options.trim is None


# -- Dial ----------------------------------------------------------------------------------------

DIAL = {"connection_id": "1684641123236054244", "to": "+13125550100", "from": "+13125550111"}


async def dial(harness: Harness, body: Any) -> Any:
    return await send(harness, "POST", "/v2/calls", json.dumps(body))


async def test_dial_without_to_from_and_connection_id_reports_three_10004(
    harness: Harness,
) -> None:
    response = await dial(harness, {"webhook_url": harness.receiver.url})
    items = await expect_errors(
        response,
        422,
        (*MISSING, "/connection_id"),
        (*MISSING, "/to"),
        (*MISSING, "/from"),
    )
    assert items[1]["detail"] == "The 'to' parameter is required and cannot be blank."


@pytest.mark.parametrize("field", ["connection_id", "to", "from"])
async def test_dial_without_one_required_field_is_10004_pointing_at_it(
    harness: Harness, field: str
) -> None:
    body = {k: v for k, v in DIAL.items() if k != field}
    response = await dial(harness, body)
    [item] = await expect_errors(response, 422, (*MISSING, f"/{field}"))
    assert item["detail"] == f"The '{field}' parameter is required and cannot be blank."


@pytest.mark.parametrize("field", ["connection_id", "to", "from"])
@pytest.mark.parametrize("value", ["", None], ids=["empty-string", "null"])
async def test_dial_with_a_blank_required_field_is_10004(
    harness: Harness, field: str, value: Any
) -> None:
    response = await dial(harness, {**DIAL, field: value})
    [item] = await expect_errors(response, 422, (*MISSING, f"/{field}"))
    assert item["detail"] == f"The '{field}' parameter is required and cannot be blank."


async def test_dial_missing_and_blank_fields_are_reported_in_schema_order_then_the_rest(
    harness: Harness,
) -> None:
    body = {"from": "", "connection_id": None, "timeout_secs": 1, "client_state": "!"}
    response = await dial(harness, body)
    await expect_errors(
        response,
        422,
        (*MISSING, "/connection_id"),
        (*MISSING, "/to"),
        (*MISSING, "/from"),
        (*BAD, "/client_state"),
        (*RANGE, "/timeout_secs"),
    )


async def test_dial_from_not_e164_is_10016(harness: Harness) -> None:
    response = await dial(harness, {**DIAL, "from": "12345"})
    [item] = await expect_errors(response, 422, (*E164, "/from"))
    assert item["detail"] == "The 'from' parameter must be in E164 format."


@pytest.mark.parametrize("to", ["not-a-number", "13125550100", "+0123", 13125550100, []], ids=str)
async def test_dial_to_not_e164_or_sip_is_10016(harness: Harness, to: Any) -> None:
    response = await dial(harness, {**DIAL, "to": to})
    await expect_errors(response, 422, (*E164, "/to"))


@pytest.mark.parametrize("to", ["sip:alice@example.com", ["+13125550100", "+13125550101"]])
async def test_dial_to_sip_uri_or_list_of_numbers_is_accepted(harness: Harness, to: Any) -> None:
    response = await dial(harness, {**DIAL, "to": to})
    assert response.status == 200, await response.text()


@pytest.mark.parametrize("seconds", [4, 601], ids=str)
async def test_dial_timeout_secs_outside_5_to_600_is_10033(harness: Harness, seconds: int) -> None:
    response = await dial(harness, {**DIAL, "timeout_secs": seconds})
    [item] = await expect_errors(response, 422, (*RANGE, "/timeout_secs"))
    assert item["detail"] == "The value is outside of allowed range 5 to 600"


async def test_rejected_dial_creates_no_call_and_sends_no_webhook(harness: Harness) -> None:
    response = await dial(harness, {**DIAL, "from": "12345", "webhook_url": harness.receiver.url})
    assert response.status == 422
    await harness.advance(60)
    assert harness.receiver.received == []
    assert harness.mock.simulator.tenant(API_KEY).calls == {}
