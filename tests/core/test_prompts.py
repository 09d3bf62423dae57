"""The pure rules behind speak, playback, gather and transcription (no server)."""

from __future__ import annotations

import pytest

from mockserver.audio.recording_files import audio_spec
from mockserver.core.prompt_commands import prompt_seconds
from mockserver.core.prompts import (
    GatherRules,
    GatherStep,
    MediaSpan,
    gather_status,
    plan_gather,
    spoken_text,
)
from mockserver.core.recordings import Recording, RecordingEvent, RecordingOptions
from mockserver.core.scenario import (
    DEFAULT_SCENARIO,
    GatherInput,
    Scenario,
    TranscriptLine,
    scenario_from_mapping,
)

T0 = 1_790_000_000.0

RULES = GatherRules(
    minimum_digits=1,
    maximum_digits=128,
    terminating_digit="#",
    valid_digits="0123456789#*",
    first_digit_timeout=5.0,
    inter_digit_timeout=5.0,
    overall_timeout=60.0,
)


def test_spoken_text_drops_ssml_tags_only_for_ssml() -> None:
    ssml = "<speak>Hello <break time='1s'/> <emphasis>world</emphasis></speak>"
    assert spoken_text(ssml, "ssml") == "Hello world"
    assert spoken_text("a  <b>  c", "text") == "a <b> c"


@pytest.mark.parametrize(
    ("scenario", "payload", "seconds"),
    [
        (DEFAULT_SCENARIO, "x" * 100, 7.0),
        (DEFAULT_SCENARIO, "Hi", 1.0),
        (Scenario(speak_seconds_per_character=0.1), "x" * 25, 2.5),
        (Scenario(speak_duration=0.25), "x" * 300, 0.25),
    ],
)
def test_prompt_seconds(scenario: Scenario, payload: str, seconds: float) -> None:
    assert prompt_seconds(scenario, payload, "text") == pytest.approx(seconds)


def test_gather_status() -> None:
    assert gather_status("12", RULES) == "valid"
    assert gather_status("", RULES) == "invalid"
    assert gather_status("1A", RULES) == "invalid"


def test_plan_without_keys_times_out_at_the_first_digit_timeout() -> None:
    outcome = plan_gather(RULES, T0, "", T0, 0.5)
    assert (outcome.presses, outcome.ends_at, outcome.digits, outcome.status) == (
        (),
        T0 + 5,
        "",
        "timeout",
    )


def test_plan_with_terminating_digit() -> None:
    outcome = plan_gather(RULES, T0, "12#9", T0 + 1, 0.5)
    assert outcome.presses == (
        GatherStep(T0 + 1, "1"),
        GatherStep(T0 + 1.5, "2"),
        GatherStep(T0 + 2, "#"),
    )
    assert (outcome.ends_at, outcome.digits, outcome.status) == (T0 + 2, "12", "valid")


def test_a_key_exactly_at_the_timeout_still_counts() -> None:
    outcome = plan_gather(RULES, T0, "1#", T0 + 5, 5)
    assert (outcome.digits, outcome.status, outcome.ends_at) == ("1", "valid", T0 + 10)


def test_plan_without_overall_timeout_waits_for_the_first_digit_timeout() -> None:
    rules = GatherRules(1, 4, "#", "0123456789", 200.0, 5.0, None)
    outcome = plan_gather(rules, T0, "12345", T0 + 150, 1)
    assert (outcome.ends_at, outcome.digits, outcome.status) == (T0 + 153, "1234", "valid")


def test_media_span_close_never_lengthens_or_inverts() -> None:
    span = MediaSpan(2.0, 5.0)
    span.close(7.0)
    assert span.end == 5.0
    span.close(1.0)
    assert span.end == 2.0
    open_span = MediaSpan(3.0)
    open_span.close(4.0)
    assert open_span.end == 4.0


def test_recording_audio_merges_played_media_cut_at_the_recording_end() -> None:
    recording = Recording(
        id="d7e9c1d4-8b2a-4b8f-b3a7-9a671c9e9b0a",
        tenant="k",
        call_control_id="v3:" + "A" * 54,
        call_leg_id="leg",
        call_session_id="session",
        connection_id="1",
        from_number="+13125550111",
        to="+13125550100",
        options=RecordingOptions(format="wav", channels="dual"),
        started_at=T0 + 2,
        answered_at=T0,
        played_media=[MediaSpan(0.5, 1.5), MediaSpan(3.0, 4.0), MediaSpan(6.0), MediaSpan(20.0)],
        scenario=Scenario(outbound_speech=()),
    )
    recording.apply(RecordingEvent.STOP, T0 + 10)
    spec = audio_spec(recording, seed=1)
    # spans before the recording stay (the file only covers 2–10 s); the open one is cut at 10
    assert [(s.start, s.end) for s in spec.outbound_speech] == [(0.5, 1.5), (3.0, 4.0), (6.0, 10.0)]


def test_scenario_language_for_media_gather_and_transcript() -> None:
    scenario = scenario_from_mapping(
        {
            "media": {"speak_seconds_per_character": 0.05, "playback_duration": 3},
            "gather": [{"digits": "1#"}, {"digits": "", "after": 2, "interval": 1}],
            "transcript": [{"at": 2, "text": "Hi", "track": "outbound", "is_final": False}],
        },
        fallback_name="x",
    )
    assert (scenario.speak_seconds_per_character, scenario.speak_duration) == (0.05, None)
    assert scenario.playback_duration == 3
    assert scenario.gather_input(0) == GatherInput("1#", 1.0, 0.5)
    assert scenario.gather_input(1) == GatherInput("", 2.0, 1.0)
    assert scenario.gather_input(2) is None
    assert scenario.transcript == (TranscriptLine(2.0, "Hi", "outbound", 0.95, False),)
    every = scenario_from_mapping({"gather": {"digits": "5"}}, fallback_name="x")
    assert every.gather_input(0) == every.gather_input(7) == GatherInput("5")
    assert DEFAULT_SCENARIO.gather_input(0) is None
    assert DEFAULT_SCENARIO.transcript is None  # a line per speech span
    assert scenario_from_mapping({"transcript": []}, fallback_name="x").transcript == ()


def test_rules_override_the_gather_input_per_number() -> None:
    scenario = scenario_from_mapping(
        {
            "gather": {"digits": "1"},
            "rules": [{"match": {"to": "+15550001"}, "set": {"gather": [{"digits": "2"}]}}],
        },
        fallback_name="x",
    )
    assert scenario.for_call(to="+15550001", connection_id="c").gather_input(0) == GatherInput("2")
    assert scenario.for_call(to="+15550002", connection_id="c").gather_input(3) == GatherInput("1")
