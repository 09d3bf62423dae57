"""Checks on ``schemas/*.json``.

Every file must be a valid, self-contained JSON Schema (draft 2020-12). The request-body
schemas must also match Telnyx's OpenAPI spec (the trimmed copy in ``tests/data``, see
``tests/spec_helpers.py``): the same properties, required lists, enums, defaults and constraint
keywords at every depth.
The only differences allowed are the mockserver additions listed in ``ALLOWED_ADDITIONS``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.spec_helpers import load_spec

REPO = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = REPO / "schemas"
SPEC_COMMIT = "12de4dd039fd867f7a81c8ec415e6fb6477d5687"

# file stem -> Telnyx component (components.schemas.<name>)
REQUEST_SCHEMAS = {
    "dial": "CallRequest",
    "answer": "AnswerRequest",
    "hangup": "HangupRequest",
    "record_start": "StartRecordingRequest",
    "record_stop": "StopRecordingRequest",
    "record_pause": "PauseRecordingRequest",
    "record_resume": "ResumeRecordingRequest",
    "speak": "SpeakRequest",
    "playback_start": "PlayAudioUrlRequest",
    "playback_stop": "PlaybackStopRequest",
    "gather": "GatherRequest",
    "gather_using_speak": "GatherUsingSpeakRequest",
    "gather_stop": "StopGatherRequest",
    "send_dtmf": "SendDTMFRequest",
    "reject": "RejectRequest",
    "transcription_start": "TranscriptionStartRequest",
    "transcription_stop": "TranscriptionStopRequest",
    "bridge": "BridgeRequest",
    "transfer": "TransferCallRequest",
    "conference_create": "CreateConferenceRequest",
    "conference_join": "JoinConferenceRequest",
    "conference_leave": "LeaveConferenceRequest",
    "conference_hold": "ConferenceHoldRequest",
    "conference_unhold": "ConferenceUnholdRequest",
    "conference_mute": "ConferenceMuteRequest",
    "conference_unmute": "ConferenceUnmuteRequest",
    "conference_end": "EndConferenceRequest",
    "conference_record_start": "StartConferenceRecordingRequest",
    "conference_record_stop": "StopRecordingConferenceRequest",
    "conference_record_pause": "PauseConferenceRecordingRequest",
    "conference_record_resume": "ResumeConferenceRecordingRequest",
}

# The smallest body each schema accepts (its required fields), for range checks.
MINIMAL_BODIES: dict[str, dict[str, Any]] = {
    "dial": {"from": "+18005550101", "to": "+18005550100", "connection_id": "1"},
    "record_start": {"format": "wav", "channels": "single"},
    "speak": {"payload": "Hello", "voice": "female"},
    "gather_using_speak": {"payload": "Press 1", "voice": "female"},
    "send_dtmf": {"digits": "1"},
    "reject": {"cause": "CALL_REJECTED"},
    "bridge": {"call_control_id": "v3:abcdefghijklmnopqrstuv"},
    "transfer": {"to": "+18005550100"},
    "conference_create": {"call_control_id": "v3:abcdefghijklmnopqrstuv", "name": "x"},
}

# Ranges the spec gives only in description text, enforced as minimum/maximum.
# (file, property, minimum, maximum, sentence that must appear in the spec description)
DESCRIPTION_RANGES = [
    ("dial", "timeout_secs", 5, 600, "Minimum value is 5 seconds. Maximum value is 600 seconds."),
    ("dial", "record_max_length", 0, 43200, "The minimum value is 0. The maximum value is 43200."),
    ("dial", "record_timeout_secs", 0, None, "The minimum value is 0."),
    (
        "answer",
        "record_max_length",
        0,
        43200,
        "The minimum value is 0. The maximum value is 43200.",
    ),
    ("answer", "record_timeout_secs", 0, None, "The minimum value is 0."),
    *[
        (stem, "record_max_length", 0, 43200, "The minimum value is 0. The maximum value is 43200.")
        for stem in ("bridge", "transfer")
    ],
    *[
        (stem, "record_timeout_secs", 0, None, "The minimum value is 0.")
        for stem in ("bridge", "transfer")
    ],
    ("conference_create", "max_participants", 2, 800, "Must be between 2 and 800."),
    (
        "transfer",
        "timeout_secs",
        5,
        600,
        "Minimum value is 5 seconds. Maximum value is 600 seconds.",
    ),
    ("record_start", "max_length", 0, 14400, "The minimum value is 0. The maximum value is 14400."),
    ("record_start", "timeout_secs", 0, None, "The minimum value is 0."),
    ("gather", "maximum_digits", None, 128, "This parameter has a maximum value of 128."),
    ("gather", "minimum_digits", 1, None, "This parameter has a minimum value of 1."),
    (
        "gather_using_speak",
        "maximum_digits",
        None,
        128,
        "This parameter has a maximum value of 128.",
    ),
    ("gather_using_speak", "minimum_digits", 1, None, "This parameter has a minimum value of 1."),
    ("send_dtmf", "duration_millis", 100, 500, "Ranges from 100 to 500ms"),
]

# String lengths the spec gives only in description text, enforced as maxLength.
# (file, property, maxLength, sentence that must appear in the spec description)
DESCRIPTION_LENGTHS = [
    ("speak", "payload", 3000, "There is a 3,000 character limit."),
    ("gather_using_speak", "payload", 3000, "There is a 3,000 character limit."),
    ("gather_using_speak", "invalid_payload", 3000, "There is a 3,000 character limit."),
]

# Keywords our schemas add on top of the spec: (file, logical path, keyword).
ALLOWED_ADDITIONS: set[tuple[str, str, str]] = {
    ("dial", "properties/from", "pattern"),
    ("dial", "properties/from", "x-telnyx-error"),
    ("dial", "properties/to", "x-telnyx-error"),
    ("dial", "properties/to/oneOf/0", "pattern"),
    ("dial", "properties/to/oneOf/1", "minItems"),
    ("dial", "properties/to/oneOf/1/items", "pattern"),
    ("send_dtmf", "properties/digits", "pattern"),
}
for _file, _prop, _min, _max, _ in DESCRIPTION_RANGES:
    if _min is not None:
        ALLOWED_ADDITIONS.add((_file, f"properties/{_prop}", "minimum"))
    if _max is not None:
        ALLOWED_ADDITIONS.add((_file, f"properties/{_prop}", "maximum"))
for _file, _prop, _, _ in DESCRIPTION_LENGTHS:
    ALLOWED_ADDITIONS.add((_file, f"properties/{_prop}", "maxLength"))

# OpenAPI-only keywords that must not survive the translation.
DROPPED = {"example", "examples", "discriminator", "nullable", "xml", "externalDocs"}
# Keywords whose values are data, not subschemas.
DATA_KEYWORDS = {"enum", "const", "default", "examples", "x-telnyx-error"}
SUBSCHEMA_ONE = {"items", "not", "contains", "propertyNames", "if", "then", "else"}
SUBSCHEMA_LIST = {"oneOf", "anyOf", "allOf", "prefixItems"}


# --------------------------------------------------------------------------- helpers


def all_schema_files() -> list[Path]:
    return sorted(SCHEMAS_DIR.glob("*.json"))


@cache
def load_schema(stem: str) -> dict[str, Any]:
    with (SCHEMAS_DIR / f"{stem}.json").open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def iter_nodes(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (path, dict) for every dict below ``node``, skipping data keywords."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key not in DATA_KEYWORDS:
                yield from iter_nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from iter_nodes(value, f"{path}/{i}")


def resolve_local(root: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#"), f"external $ref {ref!r}"
    node: Any = root
    for part in ref[1:].split("/")[1:] if ref != "#" else []:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def deref_ours(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target = resolve_local(root, node["$ref"])
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def deref_spec(components: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].removeprefix("#/components/schemas/")
        node = {**components[name], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def spec_property(components: dict[str, Any], stem: str, prop: str) -> dict[str, Any]:
    comp = components[REQUEST_SCHEMAS[stem]]
    return deref_spec(components, comp["properties"][prop])


def diff_against_spec(
    stem: str, components: dict[str, Any]
) -> list[tuple[str, str, str, Any, Any]]:
    """Walk spec and schema in parallel; return (category, path, keyword, spec, ours) diffs."""
    root = load_schema(stem)
    diffs: list[tuple[str, str, str, Any, Any]] = []

    def category(keyword: str) -> str:
        return keyword if keyword in ("required", "properties", "enum", "default") else "other"

    def add(path: str, keyword: str, spec_val: Any, our_val: Any) -> None:
        diffs.append((category(keyword), path, keyword, spec_val, our_val))

    def walk(spec: Any, ours: Any, path: str) -> None:
        if isinstance(spec, bool) or isinstance(ours, bool):
            if spec != ours:
                add(path, "<boolean schema>", spec, ours)
            return
        spec = deref_spec(components, spec)
        ours = deref_ours(root, ours)
        top = path == ""
        nullable = spec.get("nullable") is True
        for key, spec_val in spec.items():
            if key in DROPPED or key.startswith("x-"):
                if key in ours:
                    add(path, key, spec_val, ours[key])
                continue
            if top and key in ("title", "description"):
                continue  # the file's own title/description (checked in test_header)
            if key == "properties":
                if set(spec_val) != set(ours.get("properties", {})):
                    add(path, key, sorted(spec_val), sorted(ours.get("properties", {})))
                for name in set(spec_val) & set(ours.get("properties", {})):
                    walk(
                        spec_val[name],
                        ours["properties"][name],
                        f"{path}/properties/{name}".lstrip("/"),
                    )
            elif key in SUBSCHEMA_ONE or (
                key == "additionalProperties" and isinstance(spec_val, dict)
            ):
                if key not in ours:
                    add(path, key, "<schema>", None)
                else:
                    walk(spec_val, ours[key], f"{path}/{key}".lstrip("/"))
            elif key in SUBSCHEMA_LIST:
                our_key = key
                if key == "oneOf" and "discriminator" in spec and "oneOf" not in ours:
                    our_key = "anyOf"  # see the $comment in the schema
                branches = ours.get(our_key, [])
                if len(branches) != len(spec_val):
                    add(path, key, len(spec_val), len(branches))
                for i, (s_branch, o_branch) in enumerate(zip(spec_val, branches, strict=False)):
                    walk(s_branch, o_branch, f"{path}/{key}/{i}".lstrip("/"))
            elif key == "required":
                if sorted(spec_val) != sorted(ours.get("required", [])):
                    add(path, key, spec_val, ours.get("required"))
            elif key == "description":
                # may be shortened (e.g. to the first sentence), never changed
                our_desc = ours.get("description")
                if not our_desc or not spec_val.startswith(our_desc.rstrip(". ")):
                    add(path, key, spec_val, our_desc)
            elif key == "type" and nullable:
                types = [spec_val] if isinstance(spec_val, str) else list(spec_val)
                if sorted(ours.get("type", [])) != sorted({*types, "null"}):
                    add(path, key, spec_val, ours.get("type"))
            elif key == "enum" and nullable and None not in spec_val:
                if ours.get("enum") != [*spec_val, None]:
                    add(path, key, spec_val, ours.get("enum"))
            elif key not in ours or ours[key] != spec_val:
                add(path, key, spec_val, ours.get(key, "<missing>"))
        for key, our_val in ours.items():
            if key in spec or key in ("$comment", "$defs"):
                continue
            if top and key in ("$schema", "$id", "title", "description"):
                continue
            if key == "required" and our_val == []:
                continue  # same as absent
            if key == "anyOf" and "discriminator" in spec and "oneOf" in spec:
                continue
            if key == "format" and our_val == "base64" and path.endswith("client_state"):
                continue
            if (stem, path, key) in ALLOWED_ADDITIONS:
                continue
            add(path, key, "<absent>", our_val)

    walk(components[REQUEST_SCHEMAS[stem]], root, "")
    return diffs


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def spec_components() -> dict[str, Any]:
    """``components.schemas`` of the Telnyx spec."""
    components: dict[str, Any] = load_spec()["components"]["schemas"]
    return components


@pytest.fixture(scope="module")
def spec_diffs(
    spec_components: dict[str, Any],
) -> dict[str, list[tuple[str, str, str, Any, Any]]]:
    return {stem: diff_against_spec(stem, spec_components) for stem in REQUEST_SCHEMAS}


def validator(stem: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(stem), format_checker=FormatChecker())


def is_valid(stem: str, body: Any) -> bool:
    return not list(validator(stem).iter_errors(body))


# --------------------------------------------------------------------------- all files


def test_request_schema_files_exist() -> None:
    stems = {p.stem for p in all_schema_files()}
    assert set(REQUEST_SCHEMAS) <= stems


@pytest.mark.parametrize("path", all_schema_files(), ids=lambda p: p.name)
def test_valid_draft_2020_12(path: Path) -> None:
    schema = load_schema(path.stem)
    assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", all_schema_files(), ids=lambda p: p.name)
def test_no_external_refs(path: Path) -> None:
    schema = load_schema(path.stem)
    for where, node in iter_nodes(schema):
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.startswith("#/"), f"{where}: external $ref {ref!r}"
            resolve_local(schema, ref)  # raises if dangling


# --------------------------------------------------------------------------- request schemas


@pytest.mark.parametrize(("stem", "component"), REQUEST_SCHEMAS.items())
def test_header(stem: str, component: str) -> None:
    schema = load_schema(stem)
    assert schema["$id"] == f"https://mockserver.local/schemas/{stem}.json"
    assert schema["title"] == component
    assert schema["type"] == "object"
    assert SPEC_COMMIT[:7] in schema["description"]
    assert f"component {component}" in schema["description"]
    # Telnyx ignores unknown fields: no top-level additionalProperties (documented choice)
    assert "additionalProperties" not in schema
    assert "unevaluatedProperties" not in schema


@pytest.mark.parametrize("stem", REQUEST_SCHEMAS)
def test_no_openapi_only_keywords(stem: str) -> None:
    for where, node in iter_nodes(load_schema(stem)):
        if where.endswith("/properties"):
            continue  # property names, not keywords
        bad = {k for k in node if k in DROPPED or (k.startswith("x-") and k != "x-telnyx-error")}
        assert not bad, f"{where}: {bad}"


@pytest.mark.parametrize("stem", REQUEST_SCHEMAS)
def test_required_matches_spec(stem: str, spec_diffs: dict[str, Any]) -> None:
    assert [d for d in spec_diffs[stem] if d[0] == "required"] == []


@pytest.mark.parametrize("stem", REQUEST_SCHEMAS)
def test_property_names_match_spec(stem: str, spec_diffs: dict[str, Any]) -> None:
    assert [d for d in spec_diffs[stem] if d[0] == "properties"] == []


@pytest.mark.parametrize("stem", REQUEST_SCHEMAS)
def test_enums_match_spec(stem: str, spec_diffs: dict[str, Any]) -> None:
    assert [d for d in spec_diffs[stem] if d[0] == "enum"] == []


@pytest.mark.parametrize("stem", REQUEST_SCHEMAS)
def test_defaults_match_spec(stem: str, spec_diffs: dict[str, Any]) -> None:
    assert [d for d in spec_diffs[stem] if d[0] == "default"] == []


@pytest.mark.parametrize("stem", REQUEST_SCHEMAS)
def test_other_keywords_match_spec(stem: str, spec_diffs: dict[str, Any]) -> None:
    """Types, formats, lengths, ranges, descriptions, titles; additions only as allowed."""
    assert [d for d in spec_diffs[stem] if d[0] == "other"] == []


def test_top_level_required_lists() -> None:
    expected = {
        "dial": {"connection_id", "to", "from"},
        "record_start": {"format", "channels"},
        "speak": {"payload", "voice"},
        "gather_using_speak": {"payload", "voice"},
        "send_dtmf": {"digits"},
        "reject": {"cause"},
        "bridge": {"call_control_id"},
        "transfer": {"to"},
        "conference_create": {"call_control_id", "name"},
        "conference_join": {"call_control_id"},
        "conference_leave": {"call_control_id"},
        "conference_unhold": {"call_control_ids"},
        "conference_record_start": {"format"},
    }
    for stem in REQUEST_SCHEMAS:
        assert set(load_schema(stem)["required"]) == expected.get(stem, set()), stem


@pytest.mark.parametrize(("stem", "prop", "minimum", "maximum", "sentence"), DESCRIPTION_RANGES)
def test_description_ranges_enforced(
    stem: str,
    prop: str,
    minimum: int | None,
    maximum: int | None,
    sentence: str,
    spec_components: dict[str, Any],
) -> None:
    spec_prop = spec_property(spec_components, stem, prop)
    assert sentence in spec_prop["description"]
    assert "minimum" not in spec_prop and "maximum" not in spec_prop
    ours = load_schema(stem)["properties"][prop]
    assert ours["type"] == "integer"
    assert ours.get("minimum") == minimum
    assert ours.get("maximum") == maximum
    assert "$comment" in ours
    base = MINIMAL_BODIES.get(stem, {})
    if minimum is not None:
        assert is_valid(stem, {**base, prop: minimum})
        assert not is_valid(stem, {**base, prop: minimum - 1})
    if maximum is not None:
        assert is_valid(stem, {**base, prop: maximum})
        assert not is_valid(stem, {**base, prop: maximum + 1})


@pytest.mark.parametrize(("stem", "prop", "maximum", "sentence"), DESCRIPTION_LENGTHS)
def test_description_lengths_enforced(
    stem: str, prop: str, maximum: int, sentence: str, spec_components: dict[str, Any]
) -> None:
    spec_prop = spec_property(spec_components, stem, prop)
    assert sentence in spec_prop["description"]
    assert "maxLength" not in spec_prop
    ours = load_schema(stem)["properties"][prop]
    assert (ours["type"], ours["maxLength"]) == ("string", maximum)
    assert "$comment" in ours
    base = MINIMAL_BODIES[stem]
    assert is_valid(stem, {**base, prop: "x" * maximum})
    assert not is_valid(stem, {**base, prop: "x" * (maximum + 1)})


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("1", True),
        ("1234567890*#ABCD", True),
        ("1www2WABCDw9", True),
        ("", False),
        ("12a", False),
        ("1 2", False),
        ("E", False),
        ("+1", False),
    ],
)
def test_send_dtmf_digits_follow_the_description(digits: str, ok: bool) -> None:
    # "Valid digits are 0-9, A-D, *, and #. Pauses can be added using w (0.5s) and W (1s)."
    assert is_valid("send_dtmf", {"digits": digits}) is ok


@pytest.mark.parametrize(
    ("stem", "body"),
    [
        ("reject", {"cause": "CALL_REJECTED"}),
        ("reject", {"cause": "USER_BUSY"}),
        ("speak", {"payload": "<speak>Hi</speak>", "voice": "AWS.Polly.Joanna", "loop": 2}),
        ("speak", {"payload": "Hi", "voice": "female", "loop": "infinity"}),
        ("playback_start", {"audio_url": "http://example.com/a.mp3", "loop": "infinity"}),
        ("playback_stop", {"stop": "current", "overlay": True}),
        ("gather", {"gather_id": "menu", "valid_digits": "123", "timeout_millis": 10000}),
        ("transcription_start", {"transcription_engine": "Telnyx", "transcription_tracks": "both"}),
    ],
)
def test_typical_bodies_are_valid(stem: str, body: dict[str, Any]) -> None:
    assert is_valid(stem, body)


@pytest.mark.parametrize(
    ("stem", "body"),
    [
        ("reject", {}),
        ("reject", {"cause": "NORMAL_CLEARING"}),
        ("speak", {"payload": "Hi"}),
        ("speak", {"payload": "Hi", "voice": "female", "payload_type": "html"}),
        ("speak", {"payload": "Hi", "voice": "female", "loop": 1.5}),
        ("playback_start", {"audio_type": "ogg"}),
        ("gather", {"gather_id": "x" * 41}),
        ("gather", {"gather_id": ""}),
        ("transcription_start", {"transcription_engine": "Whisper"}),
    ],
)
def test_typical_bad_bodies_are_invalid(stem: str, body: dict[str, Any]) -> None:
    assert not is_valid(stem, body)


def test_dial_time_limits() -> None:
    props = load_schema("dial")["properties"]
    assert (props["timeout_secs"]["default"], props["timeout_secs"]["minimum"]) == (30, 5)
    assert props["timeout_secs"]["maximum"] == 600
    tl = props["time_limit_secs"]
    assert (tl["minimum"], tl["maximum"], tl["default"]) == (30, 14400, 14400)


@pytest.mark.parametrize("stem", REQUEST_SCHEMAS)
def test_client_state_is_base64_everywhere(stem: str) -> None:
    found = 0
    for _, node in iter_nodes(load_schema(stem)):
        props = node.get("properties")
        if isinstance(props, dict) and isinstance(props.get("client_state"), dict):
            assert props["client_state"]["type"] == "string"
            assert props["client_state"]["format"] == "base64"
            found += 1
    # Some conference bodies (leave, hold, mute, end, ...) have no client_state at all.
    assert found >= 1 or "client_state" not in load_schema(stem)["properties"]


@pytest.mark.parametrize("stem", ["record_stop", "record_pause", "record_resume"])
def test_recording_id_is_uuid(stem: str) -> None:
    schema = load_schema(stem)
    assert schema["properties"]["recording_id"] == {
        "description": "Uniquely identifies the resource.",
        "format": "uuid",
        "type": "string",
    }
    assert is_valid(stem, {})
    assert is_valid(stem, {"recording_id": "d7e9c1d4-8b2a-4b8f-b3a7-9a671c9e9b0a"})
    assert not is_valid(stem, {"recording_id": "not-a-uuid"})


@pytest.mark.parametrize("stem", ["dial", "answer", "hangup"])
def test_custom_headers_items_require_name_and_value(stem: str) -> None:
    items = load_schema(stem)["properties"]["custom_headers"]["items"]
    assert sorted(items["required"]) == ["name", "value"]
    base = {"connection_id": "1", "to": "+18005550100", "from": "+18005550101"}
    base = base if stem == "dial" else {}
    assert is_valid(stem, {**base, "custom_headers": [{"name": "X-A", "value": "1"}]})
    assert not is_valid(stem, {**base, "custom_headers": [{"name": "X-A"}]})
    assert not is_valid(stem, {**base, "custom_headers": [{"value": "1"}]})


def test_record_start_transcription_language_is_flat_enum() -> None:
    tl = load_schema("record_start")["properties"]["transcription_language"]
    assert tl["type"] == "string"
    assert tl["default"] == "en-US"
    assert len(tl["enum"]) == len(set(tl["enum"])) == 245
    assert {"en", "en-US", "de", "auto_detect"} <= set(tl["enum"])
    assert "oneOf" not in tl


E164_OK = ["+18005550100", "+442071234567", "+12"]
E164_BAD = ["18005550100", "+0123456", "+1", "+1800555010012345", "+1 800 555 0100", "", "abc"]


@pytest.mark.parametrize("number", E164_OK)
def test_dial_from_accepts_e164(number: str) -> None:
    assert re.fullmatch(load_schema("dial")["properties"]["from"]["pattern"], number)


@pytest.mark.parametrize("number", E164_BAD)
def test_dial_from_rejects_non_e164(number: str) -> None:
    assert not re.search(load_schema("dial")["properties"]["from"]["pattern"], number)


@pytest.mark.parametrize("prop", ["from", "to"])
def test_dial_e164_error(prop: str) -> None:
    assert load_schema("dial")["properties"][prop]["x-telnyx-error"] == {
        "code": "10016",
        "title": "Phone number must be in +E164 format",
        "detail": f"The '{prop}' parameter must be in E164 format.",
    }


@pytest.mark.parametrize(
    ("to", "ok"),
    [
        ("+18005550100", True),
        ("+18004247767,200", True),
        ("+18004247767,ww*#A", True),
        ("sip:username@sip.telnyx.com;secure=srtp", True),
        ("sips:alice@example.com", True),
        (["+18005550100", "sip:username@sip.telnyx.com;secure=dtls"], True),
        (["+18004247767,200"], False),  # DTMF shorthand "not supported when `to` is an array"
        ([], False),
        ("18005550100", False),
        ("+18005550100,", False),
        ("+18005550100,12x", False),
        ("tel:+18005550100", False),
        ("sip:", False),
        (12345, False),
        ([12345], False),
    ],
)
def test_dial_to(to: Any, ok: bool) -> None:
    body = {"connection_id": "7267", "from": "+18005550101", "to": to}
    assert is_valid("dial", body) is ok


def test_dial_required_and_unknown_fields() -> None:
    assert not is_valid("dial", {"to": "+18005550100", "from": "+18005550101"})
    assert is_valid(
        "dial",
        {"connection_id": "7267", "to": "+18005550100", "from": "+18005550101", "zzz": 1},
    )


@pytest.mark.parametrize("stem", ["dial", "answer"])
def test_transcription_engine_config_discriminator(stem: str) -> None:
    base = {"connection_id": "1", "to": "+18005550100", "from": "+18005550101"}
    base = base if stem == "dial" else {}

    def body(config: dict[str, Any]) -> dict[str, Any]:
        return {**base, "transcription_config": {"transcription_engine_config": config}}

    # several branches match when the discriminator is absent: must not be rejected (oneOf would)
    assert is_valid(stem, body({"language": "en"}))
    assert is_valid(stem, body({"transcription_engine": "Google", "language": "en"}))
    assert not is_valid(stem, body({"transcription_engine": "Google", "language": "xx-nope"}))
    assert not is_valid(stem, body({"transcription_engine": "Nope"}))
    assert is_valid(
        stem,
        body({"transcription_engine": "Deepgram", "transcription_model": "deepgram/nova-3"}),
    )
    assert not is_valid(stem, body({"transcription_engine": "Deepgram"}))


# Request components the spec gives no example for; the others' examples must validate.
WITHOUT_EXAMPLE = {
    "PauseRecordingRequest",
    "ResumeRecordingRequest",
    "GatherRequest",
    "PauseConferenceRecordingRequest",
    "ResumeConferenceRecordingRequest",
}


def test_spec_gives_examples_for_all_but_the_known_components(
    spec_components: dict[str, Any],
) -> None:
    missing = {c for c in REQUEST_SCHEMAS.values() if "example" not in spec_components[c]}
    assert missing == WITHOUT_EXAMPLE


@pytest.mark.parametrize(
    ("stem", "component"),
    [(stem, c) for stem, c in REQUEST_SCHEMAS.items() if c not in WITHOUT_EXAMPLE],
)
def test_spec_examples_validate(stem: str, component: str, spec_components: dict[str, Any]) -> None:
    example = spec_components[component]["example"]
    if stem == "dial":
        # the spec's example reads "+18005550100 or sip:username@sip.telnyx.com;secure=srtp"
        example = {**example, "to": example["to"].split(" or ")}
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(stem).iter_errors(example)]
    assert errors == []
