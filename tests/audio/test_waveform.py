"""The waveform the dashboard draws: peaks where the synthesized voice speaks, bounded work."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.audio.synthesis import AudioSpec, Span, _Plan
from mockserver.audio.waveform import MAX_POINTS, PROBE_SECONDS, waveform


def spec(**overrides: object) -> AudioSpec:
    values: dict[str, object] = {
        "format": "wav",
        "channels": "dual",
        "track": "both",
        "segments": (Span(0, 8),),
        "inbound_speech": (Span(0, 2),),
        "outbound_speech": (Span(4, 6),),
        "play_beep": False,
        "trim_silence": False,
        "seed": 7,
    }
    values.update(overrides)
    return AudioSpec(**values)  # type: ignore[arg-type]


def loud(peaks: list[float], lo: float, hi: float) -> float:
    """Share of buckets in [lo, hi) (fractions of the file) that are not silent."""
    part = peaks[int(lo * len(peaks)) : int(hi * len(peaks))]
    return sum(peak > 0.01 for peak in part) / len(part)


def test_each_lane_is_loud_where_its_side_speaks_and_silent_elsewhere() -> None:
    data = waveform(spec(), 80)
    inbound, outbound = (lane["peaks"] for lane in data["lanes"])
    assert loud(inbound, 0.0, 0.25) > 0.5 and loud(inbound, 0.3, 1.0) == 0
    assert loud(outbound, 0.5, 0.75) > 0.5 and loud(outbound, 0.0, 0.45) == 0
    assert data["speech"] == {"inbound": [[0.0, 2.0]], "outbound": [[4.0, 6.0]]}
    assert data["channels"] == 2 and data["duration_seconds"] == 8.0


def test_single_channel_is_one_lane_with_both_sides_speech() -> None:
    data = waveform(spec(channels="single"), 40)
    [lane] = data["lanes"]
    assert lane["label"] == "inbound+outbound" and len(lane["peaks"]) == 40
    assert set(data["speech"]) == {"inbound", "outbound"}


def test_speech_spans_are_in_file_time_after_pauses_and_trim() -> None:
    # Recorded 0-2 and 4-8 (a pause from 2 to 4): outbound's 4-6 plays at 2-4 of the file.
    paused = spec(segments=(Span(0, 2), Span(4, 8)))
    assert waveform(paused, 10)["speech"]["outbound"] == [[2.0, 4.0]]
    # Trimmed silence: the file starts when someone first speaks.
    trimmed = spec(inbound_speech=(Span(3, 4),), outbound_speech=(), trim_silence=True)
    data = waveform(trimmed, 10)
    assert data["speech"]["inbound"] == [[0.0, 1.0]] and data["duration_seconds"] == 1.0


def test_the_beep_is_marked_at_the_start() -> None:
    assert waveform(spec(play_beep=True), 10)["beep"] == [0.0, 0.5]
    assert waveform(spec(), 10)["beep"] is None


def test_a_four_hour_recording_costs_what_a_short_one_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rendered: list[int] = []
    original = _Plan.render

    def counting(self: _Plan, n0: int, n1: int) -> Any:
        rendered.append(n1 - n0)
        return original(self, n0, n1)

    monkeypatch.setattr(_Plan, "render", counting)
    long = spec(segments=(Span(0, 4 * 3600),), inbound_speech=(Span(0, 4 * 3600),))
    data = waveform(long, 10**6)  # asked for too many: capped
    assert all(len(lane["peaks"]) == MAX_POINTS for lane in data["lanes"])
    # MAX_POINTS probes of 20 ms each: 40 s of audio rendered, not 4 hours.
    assert len(rendered) == MAX_POINTS
    assert sum(rendered) == MAX_POINTS * round(PROBE_SECONDS * 8000)
