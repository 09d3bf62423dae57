"""Ids: new on every start unless a seed is given (issue 13, item 1)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from mockserver.config import ServerConfig
from mockserver.core.calls import CallState
from mockserver.core.effects import SendWebhook
from mockserver.ids import iso_timestamp, iso_timestamp_ms
from mockserver.runtime.mock import build_mock

DIAL = {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"}


def _first_ids(seed: int | None) -> tuple[str, str, str]:
    mock = build_mock(ServerConfig(clock_mode="manual", seed=seed), start_time=1_790_000_000.0)
    data, effects = mock.simulator.dial("KEY", dict(DIAL), mock.now())
    webhook = next(e for e in effects if isinstance(e, SendWebhook))
    call = mock.simulator.find_call("KEY", data["call_control_id"])
    assert call is not None and call.state is CallState.INITIATED
    return data["call_control_id"], webhook.event.event_id, call.call_leg_id


def test_without_a_seed_every_mock_hands_out_new_ids() -> None:
    first, second = _first_ids(None), _first_ids(None)
    assert all(a != b for a, b in zip(first, second, strict=True))


def test_the_same_seed_gives_the_same_ids_and_another_seed_others() -> None:
    assert _first_ids(3) == _first_ids(3)
    assert _first_ids(3)[0] != _first_ids(4)[0]


def test_a_drawn_seed_is_kept_on_the_mock_for_the_audio() -> None:
    mock = build_mock(ServerConfig(clock_mode="manual"))
    assert isinstance(mock.seed, int)
    assert build_mock(ServerConfig(clock_mode="manual", seed=9)).seed == 9


def test_rest_timestamps_have_milliseconds_and_webhooks_microseconds() -> None:
    assert iso_timestamp_ms(1_790_000_000.1234567) == "2026-09-21T14:13:20.123Z"
    assert iso_timestamp(1_790_000_000.1234567) == "2026-09-21T14:13:20.123457Z"
    assert iso_timestamp_ms(1_790_000_000.0) == "2026-09-21T14:13:20.000Z"


def test_iso_timestamp_is_datetimes_text_for_every_value() -> None:
    # The date and time of day are cached per second: the text must stay datetime's,
    # microseconds rounded half to even and carried into the next second.
    rng = random.Random(14)
    values = [0.0, -0.5, -1.0000005, 1.9999995, 1.0000005, 1_790_000_000.1234565]
    values += [rng.uniform(-1e9, 2.5e11) for _ in range(20_000)]
    for value in values:
        expected = datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert iso_timestamp(value) == expected, value
    with pytest.raises(ValueError):
        iso_timestamp(253_402_300_800.0)  # year 10000, as datetime refuses it
