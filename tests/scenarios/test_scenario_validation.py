"""Every scenario key rejects a bad value with the exact one-line error (file:line: key ...)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockserver.spec.scenario_files import ScenarioError, load_scenario, load_scenario_text
from mockserver.spec.validation import SchemaRegistry

CASES = [
    ("name: ''\n", "bad.yaml:1: name must not be empty"),
    ("name: 5\n", "bad.yaml:1: name must be of type string"),
    ("description: [a]\n", "bad.yaml:1: description must be of type string"),
    ("call:\n  answer_delay: -1\n", "bad.yaml:2: call.answer_delay must be a number ≥ 0"),
    ("call:\n  hangup_after: soon\n", "bad.yaml:2: call.hangup_after must be a number ≥ 0"),
    (
        "call:\n  hangup_after_recording_start: -3\n",
        "bad.yaml:2: call.hangup_after_recording_start must be a number ≥ 0",
    ),
    ("call:\n  jitter: -0.1\n", "bad.yaml:2: call.jitter must be a number ≥ 0"),
    (
        "call:\n  ring: 3\n",
        "bad.yaml:2: call.ring is not a known key (known: answer_delay, hangup_after, "
        "hangup_after_recording_start, inbound_ring_timeout, jitter)",
    ),
    (
        "call:\n  inbound_ring_timeout: 0\n",
        "bad.yaml:2: call.inbound_ring_timeout must be a number ≥ 1",
    ),
    (
        "delays:\n  recording_saved: 1e12\n",
        "bad.yaml:2: delays.recording_saved must be at most 86400 seconds (24 hours)",
    ),
    ("delays:\n  webhook: x\n", "bad.yaml:2: delays.webhook must be a number ≥ 0"),
    (
        "delays:\n  recording_saved: -1\n",
        "bad.yaml:2: delays.recording_saved must be a number ≥ 0",
    ),
    (
        "delays:\n  transcription_saved: -2\n",
        "bad.yaml:2: delays.transcription_saved must be a number ≥ 0",
    ),
    ("audio:\n  inbound: 3\n", "bad.yaml:2: audio.inbound must be of type array"),
    ("audio:\n  outbound:\n    - {start: 1}\n", "bad.yaml:3: audio.outbound.0.end is required"),
    (
        "audio:\n  inbound:\n    - {start: -1, end: 2}\n",
        "bad.yaml:3: audio.inbound.0.start must be a number ≥ 0",
    ),
    ("transcription:\n  text: 42\n", "bad.yaml:2: transcription.text must be of type string"),
    (
        "media:\n  speak_seconds_per_character: -0.1\n",
        "bad.yaml:2: media.speak_seconds_per_character must be a number ≥ 0",
    ),
    ("media:\n  speak_duration: long\n", "bad.yaml:2: media.speak_duration must be a number ≥ 0"),
    (
        "media:\n  playback_duration: -5\n",
        "bad.yaml:2: media.playback_duration must be a number ≥ 0",
    ),
    (
        "media:\n  volume: 3\n",
        "bad.yaml:2: media.volume is not a known key (known: playback_duration, "
        "speak_duration, speak_seconds_per_character)",
    ),
    ("gather: 5\n", "bad.yaml:1: gather must be of type object"),
    (
        "gather:\n  digits: 12x\n",
        "bad.yaml:2: gather.digits must be DTMF digits (0-9, A-D, * and #)",
    ),
    ("gather:\n  after: 3\n", "bad.yaml:2: gather.digits is required"),
    ("gather:\n  digits: '1'\n  after: -1\n", "bad.yaml:3: gather.after must be a number ≥ 0"),
    (
        "gather:\n  - {digits: '1'}\n  - {digits: '2', interval: x}\n",
        "bad.yaml:3: gather.1.interval must be a number ≥ 0",
    ),
    (
        "gather:\n  digits: '1'\n  press: 2\n",
        "bad.yaml:2: gather.press is not a known key (known: after, digits, interval)",
    ),
    ("transcript: {at: 1}\n", "bad.yaml:1: transcript must be of type array"),
    ("transcript:\n  - {text: hi}\n", "bad.yaml:2: transcript.0.at is required"),
    ("transcript:\n  - {at: -2, text: hi}\n", "bad.yaml:2: transcript.0.at must be a number ≥ 0"),
    ("transcript:\n  - {at: 2, text: ''}\n", "bad.yaml:2: transcript.0.text must not be empty"),
    (
        "transcript:\n  - {at: 2, text: hi, track: both}\n",
        "bad.yaml:2: transcript.0.track must be one of: inbound, outbound",
    ),
    (
        "transcript:\n  - {at: 2, text: hi, confidence: 1.5}\n",
        "bad.yaml:2: transcript.0.confidence must be a number between 0 and 1",
    ),
    (
        "transcript:\n  - {at: 2, text: hi, is_final: sure}\n",
        "bad.yaml:2: transcript.0.is_final must be of type boolean",
    ),
    (
        "rules:\n  - match: {to: '+1'}\n    set: {gather: {digits: 'x'}}\n",
        "bad.yaml:3: rules.0.set.gather.digits must be DTMF digits (0-9, A-D, * and #)",
    ),
    (
        "faults:\n  api_latency: -1\n",
        "bad.yaml:2: faults.api_latency must be a number ≥ 0",
    ),
    (
        "faults:\n  recording_error: disk full\n",
        "bad.yaml:2: faults.recording_error must be one of: Failed to authorize with storage "
        "using custom credentials, Invalid credentials json, Unsupported backend, "
        "Internal server error",
    ),
    (
        "faults:\n  commands:\n    - {command: fly, code: '1', title: t}\n",
        "bad.yaml:3: faults.commands.0.command must be one of: dial, answer, hangup, "
        "record_start, record_stop, record_pause, record_resume, speak, playback_start, "
        "playback_stop, gather, gather_using_speak, gather_stop, send_dtmf, reject, "
        "transcription_start, transcription_stop",
    ),
    (
        "faults:\n  commands:\n    - {command: hangup, title: t}\n",
        "bad.yaml:3: faults.commands.0.code is required",
    ),
    (
        "faults:\n  commands:\n    - {command: hangup, code: '1', title: t, times: 0}\n",
        "bad.yaml:3: faults.commands.0.times must be an integer ≥ 1",
    ),
    (
        "faults:\n  commands:\n    - {command: hangup, code: '1', title: t, probability: 2}\n",
        "bad.yaml:3: faults.commands.0.probability must be a number between 0 and 1",
    ),
    (
        "faults:\n  commands:\n    - {command: hangup, code: '1', title: t, status: 200}\n",
        "bad.yaml:3: faults.commands.0.status must be an integer between 400 and 599",
    ),
    (
        "faults:\n  commands:\n    - {command: hangup, code: abc, title: t}\n",
        'bad.yaml:3: faults.commands.0.code must be digits, like "90018"',
    ),
    (
        "faults:\n  webhooks:\n    drop: [call.nope]\n",
        "bad.yaml:3: faults.webhooks.drop.0 must be one of: call.initiated, call.answered, "
        "call.hangup, call.recording.saved, call.recording.error, "
        "call.recording.transcription.saved, call.speak.started, call.speak.ended, "
        "call.playback.started, call.playback.ended, call.gather.ended, call.dtmf.received, "
        "call.transcription, *",
    ),
    (
        "faults:\n  webhooks:\n    duplicate: call.hangup\n",
        "bad.yaml:3: faults.webhooks.duplicate must be of type array",
    ),
    (
        "faults:\n  webhooks:\n    delay: {call.hangup: -1}\n",
        "bad.yaml:3: faults.webhooks.delay.call.hangup must be a number ≥ 0",
    ),
    (
        "faults:\n  webhooks:\n    out_of_order: maybe\n",
        "bad.yaml:3: faults.webhooks.out_of_order must be of type boolean",
    ),
    (
        "faults:\n  webhooks:\n    signature: wrong\n",
        "bad.yaml:3: faults.webhooks.signature must be one of: bad, stale",
    ),
    ("rules: {}\n", "bad.yaml:1: rules must be of type array"),
    ("rules:\n  - match: {to: '+1'}\n", "bad.yaml:2: rules.0.set is required"),
    (
        "rules:\n  - match: {}\n    set: {}\n",
        "bad.yaml:2: rules.0.match must name at least one of: connection_id, custom_file_name, to",
    ),
    (
        "rules:\n  - match: {to: '+1'}\n    set: {call: {answer_delay: -5}}\n",
        "bad.yaml:3: rules.0.set.call.answer_delay must be a number ≥ 0",
    ),
    (
        "speed: 3\n",
        "bad.yaml:1: speed is not a known key (known: audio, call, connections, delays, "
        "description, faults, gather, media, name, recordings, rules, transcript, "
        "transcription)",
    ),
    ("recordings:\n  parallel: 3\n", "bad.yaml:2: recordings.parallel must be of type boolean"),
    ("connections: 5\n", "bad.yaml:1: connections must be of type object"),
    ("connections:\n  a: {}\n", "bad.yaml:2: connections.a.webhook_url is required"),
    ("call: [\n", "bad.yaml:2: invalid YAML: expected the node content, but found '<stream end>'"),
]


@pytest.mark.parametrize(("text", "message"), CASES, ids=[m.split(": ")[1] for _, m in CASES])
def test_invalid_scenario_value_is_reported_with_file_line_and_key(
    text: str, message: str, schemas: SchemaRegistry
) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, label="bad.yaml", schema=schemas.schemas["scenario"])
    assert str(caught.value) == message


def test_every_schema_key_has_a_validation_case(schemas: SchemaRegistry) -> None:
    schema = schemas.schemas["scenario"]
    keys: set[str] = set()
    for top, spec in schema["properties"].items():
        keys.add(top)
        for sub in spec.get("properties", {}):
            keys.add(f"{top}.{sub}")
    for sub in schema["properties"]["faults"]["properties"]["webhooks"]["properties"]:
        keys.add(f"faults.webhooks.{sub}")
    covered = " ".join(message for _, message in CASES)
    missing = {key for key in keys if f" {key}" not in covered and f":{key}" not in covered}
    assert not missing


def test_several_errors_are_all_reported(schemas: SchemaRegistry) -> None:
    text = "call:\n  answer_delay: -1\n  hangup_after: -2\ndelays:\n  recording_saved: -1\n"
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, label="bad.yaml", schema=schemas.schemas["scenario"])
    assert str(caught.value).splitlines() == [
        "bad.yaml: 3 problems:",
        "  bad.yaml:2: call.answer_delay must be a number ≥ 0",
        "  bad.yaml:3: call.hangup_after must be a number ≥ 0",
        "  bad.yaml:5: delays.recording_saved must be a number ≥ 0",
    ]


def test_unknown_scenario_name_lists_the_bundled_ones(schemas: SchemaRegistry) -> None:
    with pytest.raises(ScenarioError, match=r"^unknown scenario 'nope' \(bundled: .*dual_channel"):
        load_scenario("nope", schemas.schemas["scenario"])


def test_scenario_file_by_path(tmp_path: Path, schemas: SchemaRegistry) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("call:\n  answer_delay: 4\n", encoding="utf-8")
    scenario = load_scenario(str(path), schemas.schemas["scenario"])
    assert (scenario.name, scenario.answer_delay) == ("mine", 4)


def test_every_example_in_the_scenario_guide_is_valid(schemas: SchemaRegistry) -> None:
    guide = (Path(__file__).resolve().parents[2] / "scenarios" / "README.md").read_text("utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, re.S)
    assert len(blocks) >= 10
    for number, block in enumerate(blocks):
        load_scenario_text(block, label=f"example {number}", schema=schemas.schemas["scenario"])
