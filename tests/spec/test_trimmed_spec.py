"""The trimmed copy of Telnyx's spec in tests/data: complete, traceable and what the script makes.

``docs/tools/trim_spec.py`` lists what the tests need; a line added there without rerunning the
script fails here, and so does a hand edit of the JSON file.
"""

from __future__ import annotations

import importlib.util
import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.spec_helpers import TRIMMED_SPEC_PATH

ROOT = Path(__file__).resolve().parents[2]


def _load_trim_script() -> ModuleType:
    path = ROOT / "docs" / "tools" / "trim_spec.py"
    spec = importlib.util.spec_from_file_location("trim_spec", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TRIM = _load_trim_script()


@pytest.fixture(scope="module")
def trimmed() -> dict[str, Any]:
    with TRIMMED_SPEC_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def test_header_names_the_source_file_and_its_hashes(trimmed: dict[str, Any]) -> None:
    origin = trimmed["x-trimmed-from"]
    assert origin["source"] == "../shared/reference/telnyx-openapi.yml"
    assert origin["generator"] == "docs/tools/trim_spec.py"
    assert re.fullmatch(r"[0-9a-f]{40}", origin["git_blob_sha1"])
    assert re.fullmatch(r"[0-9a-f]{64}", origin["sha256"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", origin["trimmed_on"])
    assert "12de4dd" in origin["upstream"]


def test_every_reference_resolves_inside_the_trimmed_file(trimmed: dict[str, Any]) -> None:
    dangling = []
    for ref in TRIM._refs(trimmed):
        _, kind, name = ref.removeprefix("#/").split("/")
        if name not in trimmed["components"].get(kind, {}):
            dangling.append(ref)
    assert dangling == []


@pytest.mark.parametrize(
    ("section", "patterns"),
    [("paths", TRIM.PATHS), ("webhooks", TRIM.WEBHOOKS), ("schemas", TRIM.SCHEMAS)],
)
def test_every_listed_entry_is_in_the_file(
    trimmed: dict[str, Any], section: str, patterns: list[str]
) -> None:
    names = trimmed["components"]["schemas"] if section == "schemas" else trimmed[section]
    unmatched = [p for p in patterns if not any(fnmatchcase(n, p) for n in names)]
    assert unmatched == [], "rerun docs/tools/trim_spec.py"


def test_file_is_exactly_what_the_script_keeps(trimmed: dict[str, Any]) -> None:
    body = {key: value for key, value in trimmed.items() if key != "x-trimmed-from"}
    assert TRIM.trim(body) == body


def test_holds_what_the_next_tests_need(trimmed: dict[str, Any]) -> None:
    schemas = trimmed["components"]["schemas"]
    for name in (
        "CallRequest",
        "TransferCallRequest",
        "BridgeRequest",
        "ConferenceHoldRequest",
        "ConferenceMuteRequest",
        "CallRecordingSavedEvent",
        "ConferenceParticipantJoinedEvent",
        "RecordingTranscription",
    ):
        assert name in schemas, name
    for path in ("/recordings", "/recording_transcriptions", "/conferences/{id}/actions/join"):
        assert path in trimmed["paths"], path
    dial_422 = trimmed["paths"]["/calls"]["post"]["responses"]["422"]["$ref"]
    errors = trimmed["components"]["responses"][dial_422.rsplit("/", 1)[1]]
    examples = errors["content"]["application/json"]["examples"]
    assert examples["invalid_connection_id"]["value"]["errors"][0]["code"] == "10015"
