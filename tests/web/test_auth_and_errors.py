"""Malformed bodies, routing, authentication, tenant isolation and the OpenAPI document."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mockserver.spec.validation import bundled_schema_dir
from tests.conftest import API_KEY, OTHER_KEY, Harness, MakeHarness
from tests.web.telnyx_errors import error_items, expect_errors, send

BAD = ("10015", "Bad Request")
ENCODING = ("10028", "Character encoding error")
NOT_FOUND = ("10005", "Resource not found")
AUTH = ("10009", "Authentication failed")
ENDED = ("90018", "Call has already ended")
INVALID_ID = ("90015", "Invalid Call Control ID")

# Well-formed (v3: + URL-safe Base64, as the mock hands out) but never issued.
UNKNOWN_ID = "v3:" + "Q" * 54
UNKNOWN_UUID = "2dc6fc34-f9e0-11ea-b68e-02420a0f7768"
ONE_MIB = 1024 * 1024
GZIP = {"Content-Encoding": "gzip"}


@pytest.fixture
async def call(harness: Harness) -> str:
    return await harness.answered_call()


def hangup_path(call_control_id: str) -> str:
    return f"/v2/calls/{call_control_id}/actions/hangup"


# -- body problems -------------------------------------------------------------------------------


async def test_malformed_json_is_400_10028_naming_the_position(harness: Harness, call: str) -> None:
    response = await send(harness, "POST", hangup_path(call), '{"command_id": oops}')
    [item] = await expect_errors(response, 400, (*ENCODING, None))
    assert item["detail"] == "Error decoding request body at position 15"
    assert item["meta"] == {"url": "https://developers.telnyx.com/docs/overview/errors/10028"}


async def test_truncated_json_is_400_10028_at_the_end_of_the_body(
    harness: Harness, call: str
) -> None:
    body = '{"format": "wav", '
    response = await send(harness, "POST", f"/v2/calls/{call}/actions/record_start", body)
    [item] = await expect_errors(response, 400, (*ENCODING, None))
    assert item["detail"] == f"Error decoding request body at position {len(body)}"


async def test_invalid_utf8_is_400_10028_at_the_bad_byte(harness: Harness, call: str) -> None:
    body = b'{"command_id": "\xff\xfe"}'
    response = await send(harness, "POST", hangup_path(call), body)
    [item] = await expect_errors(response, 400, (*ENCODING, None))
    assert body.index(b"\xff") == 16
    assert item["detail"] == "Error decoding request body at position 16"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_non_json_number_constants_are_400_10028_not_validated(
    harness: Harness, call: str, constant: str
) -> None:
    # Python's json.dumps writes these for float("nan"/"inf"); they are not JSON.
    body = f'{{"format": "wav", "channels": "single", "max_length": {constant}}}'
    response = await send(harness, "POST", f"/v2/calls/{call}/actions/record_start", body)
    [item] = await expect_errors(response, 400, (*ENCODING, None))
    assert constant.lstrip("-") in item["detail"]


async def test_gzip_body_is_decoded_and_accepted(harness: Harness, call: str) -> None:
    body = gzip.compress(b'{"command_id": "zipped"}')
    response = await send(harness, "POST", hangup_path(call), body, headers=GZIP)
    assert response.status == 200, await response.text()


async def test_body_that_is_not_valid_gzip_is_400_10028_not_500(
    harness: Harness, call: str
) -> None:
    # aiohttp drops the connection after a payload error: do not reuse it.
    headers = {**GZIP, "Connection": "close"}
    response = await send(harness, "POST", hangup_path(call), b'{"a": 1}', headers=headers)
    [item] = await expect_errors(response, 400, (*ENCODING, None))
    assert item["detail"] == "Error decoding request body: it is not valid 'gzip' content."
    status, data = await harness.get(f"/v2/calls/{call}")
    assert status == 200 and data["data"]["is_alive"] is True


async def test_gzip_body_inflating_past_one_mib_is_413(harness: Harness, call: str) -> None:
    body = gzip.compress(b'{"padding": "' + b"x" * (2 * ONE_MIB) + b'"}')
    assert len(body) < ONE_MIB
    headers = {**GZIP, "Connection": "close"}
    response = await send(harness, "POST", hangup_path(call), body, headers=headers)
    await expect_errors(response, 413, (*BAD, None))


@pytest.mark.parametrize(
    ("body", "kind"),
    [("[]", "list"), ('"hangup"', "str"), ("42", "int"), ("null", "NoneType")],
    ids=["array", "string", "number", "null"],
)
async def test_non_object_json_body_is_400_10015(
    harness: Harness, call: str, body: str, kind: str
) -> None:
    response = await send(harness, "POST", hangup_path(call), body)
    [item] = await expect_errors(response, 400, (*BAD, None))
    assert item["detail"] == f"The request body must be a JSON object, not {kind}."


async def test_non_object_body_on_dial_is_400_10015(harness: Harness) -> None:
    response = await send(harness, "POST", "/v2/calls", "[1, 2]")
    await expect_errors(response, 400, (*BAD, None))


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", None], ids=str
)
async def test_non_json_content_type_with_a_body_is_415_in_telnyx_shape(
    harness: Harness, call: str, content_type: str | None
) -> None:
    response = await send(harness, "POST", hangup_path(call), "{}", content_type=content_type)
    [item] = await expect_errors(response, 415, (*BAD, None))
    assert item["detail"].startswith("Content-Type must be application/json, got '")
    # The call was not hung up by the refused request.
    status, data = await harness.get(f"/v2/calls/{call}")
    assert status == 200 and data["data"]["is_alive"] is True


async def test_json_content_type_with_charset_and_odd_case_is_accepted(
    harness: Harness, call: str
) -> None:
    response = await send(
        harness, "POST", hangup_path(call), "{}", content_type="Application/JSON; charset=utf-8"
    )
    assert response.status == 200, await response.text()


@pytest.mark.parametrize("body", [None, b"", b"  \r\n"], ids=["absent", "empty", "whitespace"])
async def test_hangup_without_a_body_is_accepted_as_empty_object(
    harness: Harness, call: str, body: bytes | None
) -> None:
    response = await send(harness, "POST", hangup_path(call), body, content_type=None)
    assert response.status == 200, await response.text()
    assert await response.json() == {"data": {"result": "ok"}}
    await harness.advance(0)
    assert harness.receiver.types()[-1] == "call.hangup"


async def test_dial_without_a_body_reports_its_required_fields(harness: Harness) -> None:
    response = await send(harness, "POST", "/v2/calls", None, content_type=None)
    await expect_errors(
        response,
        422,
        ("10004", "Missing required parameter", "/connection_id"),
        ("10004", "Missing required parameter", "/to"),
        ("10004", "Missing required parameter", "/from"),
    )


async def test_body_over_one_mib_is_413_in_telnyx_shape(harness: Harness, call: str) -> None:
    body = json.dumps({"command_id": "x" * ONE_MIB})
    response = await send(harness, "POST", hangup_path(call), body)
    [item] = await expect_errors(response, 413, (*BAD, None))
    assert item["detail"] == f"The request body exceeds the limit of {ONE_MIB} bytes."
    status, data = await harness.get(f"/v2/calls/{call}")
    assert status == 200 and data["data"]["is_alive"] is True


async def test_body_of_exactly_one_mib_is_accepted(harness: Harness, call: str) -> None:
    prefix, suffix = '{"padding": "', '"}'
    body = prefix + "x" * (ONE_MIB - len(prefix) - len(suffix)) + suffix
    assert len(body.encode()) == ONE_MIB
    response = await send(harness, "POST", hangup_path(call), body)
    assert response.status == 200, await response.text()


@pytest.mark.parametrize("depth", [100_000, 5_000, 200, 65], ids=str)
async def test_deeply_nested_json_is_400_never_500(harness: Harness, call: str, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    # At the top level, inside a validated field, and inside an ignored field.
    bodies = [
        (hangup_path(call), nested),
        (f"/v2/calls/{call}/actions/record_start", f'{{"channels":"single","format":{nested}}}'),
        ("/v2/calls", f'{{"connection_id":"1","from":"+13125550111","to":{nested}}}'),
        (hangup_path(call), f'{{"unknown":{nested}}}'),
    ]
    for path, body in bodies:
        response = await send(harness, "POST", path, body)
        [item] = await expect_errors(response, 400, (*BAD, None))
        assert "nested too deeply" in item["detail"]


async def test_json_nested_just_under_the_parsers_own_limit_is_400_never_500(
    harness: Harness, call: str
) -> None:
    # json.loads gives up near 1000 levels; a body a little shallower used to parse and then
    # overflow the stack in validation (500). Where exactly depends on the stack, so sweep.
    statuses: dict[int, list[int]] = {}
    for depth in range(900, 1001):
        nested = "[" * depth + "]" * depth
        for path, body in [
            ("/v2/calls", f'{{"connection_id":"1","from":"+13125550111","to":{nested}}}'),
            (
                f"/v2/calls/{call}/actions/record_start",
                f'{{"channels":"single","format":{nested}}}',
            ),
        ]:
            response = await send(harness, "POST", path, body)
            statuses.setdefault(response.status, []).append(depth)
            await error_items(response, response.status)
    assert list(statuses) == [400], {status: depths[:5] for status, depths in statuses.items()}


async def test_moderately_nested_json_in_an_ignored_field_is_accepted(
    harness: Harness, call: str
) -> None:
    nested = "[" * 60 + "]" * 60
    response = await send(harness, "POST", hangup_path(call), f'{{"unknown":{nested}}}')
    assert response.status == 200, await response.text()


# -- routing -------------------------------------------------------------------------------------


async def test_unknown_route_is_404_10005(harness: Harness) -> None:
    response = await send(harness, "GET", "/v2/nope")
    [item] = await expect_errors(response, 404, (*NOT_FOUND, None))
    assert item["detail"] == "The requested resource or URL could not be found: /v2/nope"


@pytest.mark.parametrize(
    ("path", "meant"),
    [
        ("/calls", "/v2/calls"),
        ("/calls/abc", "/v2/calls/abc"),
        ("/recordings/", "/v2/recordings"),
        ("/openapi.json", "/v2/openapi.json"),
    ],
)
async def test_a_path_without_v2_names_the_route_meant(
    harness: Harness, path: str, meant: str
) -> None:
    response = await send(harness, "GET", path)
    [item] = await expect_errors(response, 404, (*NOT_FOUND, None))
    assert f"could not be found: {path} (did you mean {meant}?" in item["detail"]


async def test_an_unknown_path_suggests_nothing_it_cannot_serve(harness: Harness) -> None:
    response = await send(harness, "GET", "/nothing/here")
    [item] = await expect_errors(response, 404, (*NOT_FOUND, None))
    assert "did you mean" not in item["detail"]


async def test_get_root_points_at_the_dashboard_openapi_and_docs(harness: Harness) -> None:
    status, body = await harness.get("/", key=None)
    assert status == 200
    assert body["dashboard"].endswith("/_mock/ui")
    assert body["openapi"].endswith("/v2/openapi.json")
    assert body["api_base_url"].endswith("/v2") and "README.md" in body["docs"]
    response = await send(harness, "GET", "/", key=None, headers={"Accept": "text/html"})
    assert response.status == 200 and response.content_type == "text/html"
    page = await response.text()
    assert 'href="http://' in page and "/_mock/ui" in page and "/v2/openapi.json" in page


async def test_unknown_call_action_is_404_10005(harness: Harness, call: str) -> None:
    response = await send(harness, "POST", f"/v2/calls/{call}/actions/fly", "{}")
    await expect_errors(response, 404, (*NOT_FOUND, None))


async def test_unknown_route_outside_v2_is_404_10005(harness: Harness) -> None:
    response = await send(harness, "GET", "/calls", key=None)
    await expect_errors(response, 404, (*NOT_FOUND, None))


async def test_wrong_method_on_calls_is_405_with_allow_header(harness: Harness) -> None:
    response = await send(harness, "DELETE", "/v2/calls")
    [item] = await expect_errors(response, 405, ("10015", "Method not allowed", None))
    assert response.headers["Allow"] == "POST"
    assert item["detail"] == "DELETE is not allowed here; use POST."


async def test_get_on_a_call_action_is_405_with_allow_post(harness: Harness, call: str) -> None:
    response = await send(harness, "GET", hangup_path(call))
    await expect_errors(response, 405, ("10015", "Method not allowed", None))
    assert response.headers["Allow"] == "POST"


# -- authentication ------------------------------------------------------------------------------


async def test_missing_authorization_is_401_10009(harness: Harness) -> None:
    response = await send(harness, "POST", "/v2/calls", "{}", key=None)
    [item] = await expect_errors(response, 401, (*AUTH, None))
    assert item["detail"] == (
        "The required authentication headers were either invalid or not included in the request."
        " No Authorization header: send 'Authorization: Bearer YOUR_API_KEY'."
    )
    assert item["meta"] == {"url": "https://developers.telnyx.com/docs/overview/errors/10009"}


@pytest.mark.parametrize(
    "header",
    ["Basic xyz", "Bearer ", "Bearer", "Bearer a b", "Token KEY_TENANT_A", "KEY_TENANT_A", ""],
    ids=repr,
)
async def test_malformed_authorization_is_401_10009(harness: Harness, header: str) -> None:
    response = await send(
        harness, "POST", "/v2/calls", "{}", key=None, headers={"Authorization": header}
    )
    [item] = await expect_errors(response, 401, (*AUTH, None))
    assert "is not 'Bearer YOUR_API_KEY'" in item["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v2/calls"),
        ("GET", f"/v2/calls/{UNKNOWN_ID}"),
        ("POST", f"/v2/calls/{UNKNOWN_ID}/actions/hangup"),
        ("GET", "/v2/recordings"),
        ("GET", "/v2/nope"),
    ],
)
async def test_every_v2_route_needs_authorization(harness: Harness, method: str, path: str) -> None:
    response = await send(harness, method, path, "{}", key=None)
    await expect_errors(response, 401, (*AUTH, None))


async def test_authentication_is_checked_before_the_body_is_parsed(harness: Harness) -> None:
    response = await send(harness, "POST", "/v2/calls", "{not json", key=None)
    await expect_errors(response, 401, (*AUTH, None))


async def test_with_configured_keys_a_wrong_key_is_401_and_the_right_key_works(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(api_keys=frozenset({"good"}))
    response = await send(harness, "GET", f"/v2/calls/{UNKNOWN_ID}", key=API_KEY)
    [item] = await expect_errors(response, 401, (*AUTH, None))
    assert "not accepted" in item["detail"] and "--api-key" in item["detail"]
    call = await harness.dial(key="good")
    status, data = await harness.get(f"/v2/calls/{call['call_control_id']}", key="good")
    assert status == 200 and data["data"]["call_control_id"] == call["call_control_id"]
    status, _ = await harness.get(f"/v2/calls/{call['call_control_id']}", key="goo")
    assert status == 401


async def test_openapi_document_needs_no_authorization(harness: Harness) -> None:
    response = await send(harness, "GET", "/v2/openapi.json", key=None)
    assert response.status == 200
    assert response.content_type == "application/json"


# -- tenant isolation ----------------------------------------------------------------------------


async def test_get_of_another_tenants_call_is_exactly_an_unknown_id(
    harness: Harness, call: str
) -> None:
    theirs = await send(harness, "GET", f"/v2/calls/{call}", key=OTHER_KEY)
    unknown = await send(harness, "GET", f"/v2/calls/{UNKNOWN_ID}", key=OTHER_KEY)
    assert (theirs.status, await theirs.json()) == (unknown.status, await unknown.json())
    await expect_errors(theirs, 404, (*NOT_FOUND, "/call_control_id"))


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("hangup", {}),
        ("record_start", {"format": "wav", "channels": "single"}),
        ("record_stop", {}),
        ("answer", {}),
    ],
)
async def test_command_on_another_tenants_call_is_exactly_an_unknown_id(
    harness: Harness, call: str, action: str, body: dict[str, Any]
) -> None:
    path = "/v2/calls/{}/actions/" + action
    theirs = await send(harness, "POST", path.format(call), json.dumps(body), key=OTHER_KEY)
    unknown = await send(harness, "POST", path.format(UNKNOWN_ID), json.dumps(body), key=OTHER_KEY)
    assert (theirs.status, await theirs.json()) == (unknown.status, await unknown.json())
    [item] = await expect_errors(theirs, 422, (*ENDED, None))
    assert item["detail"] == "This call is no longer active and can't receive commands."
    assert set(item) == {"code", "title", "detail"}  # as captured live: no source, no meta


async def test_another_tenants_commands_have_no_effect_on_the_call(harness: Harness) -> None:
    call = await harness.answered_call(client_state="QQ==")  # "A"
    before = list(harness.receiver.types())
    for action, body in [
        (
            "record_start",
            {"format": "wav", "channels": "dual", "client_state": "Qg==", "command_id": "c1"},
        ),
        ("hangup", {"client_state": "Qg==", "command_id": "c2"}),
    ]:
        status, _ = await harness.command(call, action, body, key=OTHER_KEY)
        assert status == 422
    await harness.advance(30)
    assert harness.receiver.types() == before  # no webhook came of it

    status, data = await harness.get(f"/v2/calls/{call}")
    assert status == 200 and data["data"]["is_alive"] is True
    assert data["data"]["client_state"] == "QQ=="

    # The owner can still record, reusing the command_ids the other tenant sent.
    status, data = await harness.command(
        call, "record_start", {"format": "mp3", "channels": "single", "command_id": "c1"}
    )
    assert status == 200, data
    await harness.advance(5)
    status, data = await harness.command(call, "hangup", {"command_id": "c2"})
    assert status == 200, data
    await harness.advance(5)
    [saved] = harness.receiver.events("call.recording.saved", call)
    assert saved.payload["format"] == "mp3" and saved.payload["client_state"] == "QQ=="
    [hangup] = harness.receiver.events("call.hangup", call)
    assert hangup.payload["client_state"] == "QQ=="


async def test_another_tenant_cannot_see_the_call_in_status_after_it_ends(
    harness: Harness, call: str
) -> None:
    await harness.command(call, "hangup")
    await harness.advance(1)
    status, data = await harness.get(f"/v2/calls/{call}")
    assert status == 200 and data["data"]["is_alive"] is False
    response = await send(harness, "GET", f"/v2/calls/{call}", key=OTHER_KEY)
    await expect_errors(response, 404, (*NOT_FOUND, "/call_control_id"))


@pytest.mark.parametrize("action", ["hangup", "record_stop"])
async def test_malformed_call_control_id_on_a_command_is_422_90015(
    harness: Harness, action: str
) -> None:
    response = await send(harness, "POST", f"/v2/calls/nonsense/actions/{action}", "{}")
    [item] = await expect_errors(response, 422, (*INVALID_ID, "/call_control_id"))
    assert item["detail"] == "The call_control_id provided was not valid."


async def test_malformed_call_control_id_on_status_is_422_90015(harness: Harness) -> None:
    response = await send(harness, "GET", "/v2/calls/nonsense")
    await expect_errors(response, 422, (*INVALID_ID, "/call_control_id"))


@pytest.mark.parametrize("call_control_id", [UNKNOWN_ID, UNKNOWN_UUID], ids=["v3", "uuid"])
async def test_well_formed_unknown_call_control_id_is_90018_on_commands_404_on_status(
    harness: Harness, call_control_id: str
) -> None:
    response = await send(harness, "POST", hangup_path(call_control_id), "{}")
    await expect_errors(response, 422, (*ENDED, None))
    response = await send(harness, "GET", f"/v2/calls/{call_control_id}")
    await expect_errors(response, 404, (*NOT_FOUND, "/call_control_id"))


# -- OpenAPI document ----------------------------------------------------------------------------


async def openapi(harness: Harness) -> dict[str, Any]:
    response = await send(harness, "GET", "/v2/openapi.json", key=None)
    assert response.status == 200
    document = await response.json()
    assert isinstance(document, dict)
    return document


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/")
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def request_schema(document: dict[str, Any], path: str) -> Any:
    body = document["paths"][path]["post"]["requestBody"]
    return resolve(document, body["content"]["application/json"]["schema"]["$ref"])


def schema_file(name: str) -> dict[str, Any]:
    schema = json.loads((bundled_schema_dir() / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(schema, dict)
    return {k: v for k, v in schema.items() if k not in ("$schema", "$id")}


async def test_openapi_document_is_openapi_3_1_with_the_call_paths(harness: Harness) -> None:
    document = await openapi(harness)
    assert document["openapi"].startswith("3.1.")
    paths = document["paths"]
    assert "post" in paths["/v2/calls"]
    assert "get" in paths["/v2/calls/{call_control_id}"]
    for action in (
        "answer",
        "hangup",
        "record_start",
        "record_stop",
        "record_pause",
        "record_resume",
    ):
        assert "post" in paths[f"/v2/calls/{{call_control_id}}/actions/{action}"], action
    operation = paths["/v2/calls/{call_control_id}/actions/record_start"]["post"]
    assert operation["operationId"] == "StartCallRecord"
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


async def test_openapi_record_start_request_schema_is_schemas_record_start_json(
    harness: Harness,
) -> None:
    document = await openapi(harness)
    schema = request_schema(document, "/v2/calls/{call_control_id}/actions/record_start")
    assert schema == schema_file("record_start")
    assert schema["required"] == ["format", "channels"]


async def test_openapi_dial_request_schema_requires_what_dial_validation_requires(
    harness: Harness,
) -> None:
    document = await openapi(harness)
    schema = request_schema(document, "/v2/calls")
    expected = schema_file("dial")
    assert schema["required"] == expected["required"] == ["connection_id", "to", "from"]
    assert set(schema["properties"]) == set(expected["properties"])


async def test_openapi_error_responses_reference_the_telnyx_error_schema(
    harness: Harness,
) -> None:
    document = await openapi(harness)
    errors_schema = document["components"]["schemas"]["Errors"]
    assert errors_schema["required"] == ["errors"]
    assert errors_schema["properties"]["errors"]["items"]["required"] == ["code", "title"]
    operation = document["paths"]["/v2/calls/{call_control_id}/actions/record_start"]["post"]
    for status in ("400", "401", "413", "415", "422"):
        ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/Errors"


async def test_a_validation_error_response_validates_against_the_published_errors_schema(
    harness: Harness,
) -> None:
    document = await openapi(harness)
    validator = Draft202012Validator(document["components"]["schemas"]["Errors"])
    response = await send(harness, "POST", "/v2/calls", "{}")
    items = await error_items(response, 422)
    validator.validate({"errors": items})
