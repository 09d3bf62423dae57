"""gather, gather_using_speak, gather_stop and send_dtmf over HTTP: the keys the scenario's
caller presses, call.dtmf.received and call.gather.ended, and the timeouts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from referencing import Registry
from telnyx import Telnyx

from mockserver.core.scenario import GatherInput, Scenario
from tests.conftest import MakeHarness, Received
from tests.spec_helpers import spec_errors
from tests.web.media_support import (
    answered,
    channel_levels,
    codes,
    download,
    loud,
    ok,
    timeline,
)


def keys(digits: str, after: float = 1.0, interval: float = 0.5) -> Scenario:
    """A quiet call whose caller presses ``digits`` in every gather."""
    return Scenario(
        inbound_speech=(),
        outbound_speech=(),
        gather_inputs=(GatherInput(digits, after, interval),),
        gather_every=True,
    )


def ended(h: Any) -> dict[str, Any]:
    (event,) = h.receiver.events("call.gather.ended")
    payload: dict[str, Any] = event.payload
    return payload


def pressed(h: Any) -> list[str]:
    return [e.payload["digit"] for e in h.receiver.events("call.dtmf.received")]


async def test_without_input_a_gather_times_out_after_initial_timeout(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "gather")
    await h.advance(120)
    assert timeline(h) == [(5.0, "call.gather.ended")]  # initial_timeout_millis 5000
    payload = ended(h)
    assert (payload["status"], payload["digits"]) == ("timeout", "")


async def test_caller_presses_1_hash_three_seconds_in(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness, keys("1#", after=3))
    await h.advance(2)
    await ok(h, ccid, "gather", {"gather_id": "main-menu", "client_state": "bWVudQ=="})
    await h.advance(60)
    assert timeline(h) == [
        (5.0, "call.dtmf.received"),
        (5.5, "call.dtmf.received"),
        (5.5, "call.gather.ended"),
    ]
    assert pressed(h) == ["1", "#"]
    payload = ended(h)
    # The terminating digit ends the gather and is not among the digits.
    assert (payload["status"], payload["digits"], payload["gather_id"]) == (
        "valid",
        "1",
        "main-menu",
    )
    assert (payload["from"], payload["to"], payload["client_state"]) == (
        "+13125550111",
        "+13125550100",
        "bWVudQ==",
    )


@pytest.mark.parametrize(
    ("body", "digits", "after", "outcome"),
    [
        ({"maximum_digits": 3}, "12345", 1, (2.0, "valid", "123")),
        ({"valid_digits": "123"}, "19#", 1, (2.0, "invalid", "19")),
        ({"minimum_digits": 3}, "12#", 1, (2.0, "invalid", "12")),
        ({}, "12", 1, (6.5, "valid", "12")),  # the inter-digit timeout (5 s) ends it
        ({"inter_digit_timeout_millis": 1000}, "12", 1, (2.5, "valid", "12")),
        ({"initial_timeout_millis": 2000}, "1#", 3, (2.0, "timeout", "")),
        ({"timeout_millis": 1200, "initial_timeout_millis": 60000}, "123#", 1, (1.2, "valid", "1")),
        ({"terminating_digit": "*"}, "4#*", 1, (2.0, "valid", "4#")),
    ],
)
async def test_gather_rules(
    make_harness: MakeHarness,
    body: dict[str, Any],
    digits: str,
    after: float,
    outcome: tuple[float, str, str],
) -> None:
    h, ccid = await answered(make_harness, keys(digits, after=after))
    await ok(h, ccid, "gather", body)
    await h.advance(120)
    (gather_ended,) = [r for r in h.receiver.received if r.event_type == "call.gather.ended"]
    assert (timeline(h)[-1][0], ended(h)["status"], ended(h)["digits"]) == outcome
    assert gather_ended is h.receiver.received[-1]


async def test_a_list_answers_gathers_in_turn_and_later_ones_time_out(
    make_harness: MakeHarness,
) -> None:
    scenario = Scenario(
        inbound_speech=(),
        outbound_speech=(),
        gather_inputs=(GatherInput("1#"), GatherInput("42#", after=2)),
    )
    h, ccid = await answered(make_harness, scenario)
    results = []
    for _ in range(3):
        await ok(h, ccid, "gather")
        await h.advance(30)
        last = h.receiver.events("call.gather.ended")[-1].payload
        results.append((last["status"], last["digits"]))
    assert results == [("valid", "1"), ("valid", "42"), ("timeout", "")]


async def test_gather_stop_reports_the_digits_so_far_as_cancelled(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness, keys("123#", interval=1))
    await ok(h, ccid, "gather")
    await h.advance(2.5)  # "1" at 1 s, "2" at 2 s
    await ok(h, ccid, "gather_stop")
    await h.advance(60)
    assert pressed(h) == ["1", "2"]
    assert (ended(h)["status"], ended(h)["digits"]) == ("cancelled", "12")
    assert timeline(h)[-1] == (2.5, "call.gather.ended")


async def test_gather_stop_without_a_gather_is_422(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    status, data = await h.command(ccid, "gather_stop")
    assert status == 422 and codes(data) == ["10015"]


async def test_a_second_gather_while_one_runs_is_422(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "gather")
    status, data = await h.command(ccid, "gather", {"gather_id": "again"})
    assert status == 422 and codes(data) == ["10015"]
    await h.advance(10)
    assert len(h.receiver.events("call.gather.ended")) == 1
    await ok(h, ccid, "gather")  # once it ended, a new one may start


async def test_hangup_ends_a_gather_with_call_hangup(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness, keys("9", after=1))
    await ok(h, ccid, "gather")
    await h.advance(2)
    await ok(h, ccid, "hangup")
    await h.advance(60)
    assert timeline(h) == [
        (1.0, "call.dtmf.received"),
        (2.0, "call.gather.ended"),
        (2.0, "call.hangup"),
    ]
    assert (ended(h)["status"], ended(h)["digits"]) == ("call_hangup", "9")


async def test_gather_id_is_made_up_when_not_given(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "gather")
    await h.advance(10)
    assert ended(h)["gather_id"]


# -- gather_using_speak ------------------------------------------------------------------------


async def test_gather_using_speak_plays_the_prompt_maximum_tries_times_then_times_out(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness)
    body = {"payload": "y" * 20, "voice": "female", "timeout_millis": 2000}  # 1.4 s prompt
    await ok(h, ccid, "gather_using_speak", body)
    await h.advance(60)
    # 3 tries (the default maximum_tries) of prompt + 2 s wait: 3 × 3.4 s
    assert timeline(h) == [(10.2, "call.gather.ended")]
    assert ended(h)["status"] == "timeout"


async def test_gather_using_speak_sends_no_speak_events_and_hears_the_keys(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness, keys("7#", after=0.5))
    await ok(h, ccid, "gather_using_speak", {"payload": "Press seven", "voice": "female"})
    await h.advance(60)
    assert timeline(h) == [
        (0.5, "call.dtmf.received"),
        (1.0, "call.dtmf.received"),
        (1.0, "call.gather.ended"),
    ]
    assert (ended(h)["status"], ended(h)["digits"]) == ("valid", "7")


async def test_gather_using_speak_prompt_is_recorded_until_the_first_key(
    make_harness: MakeHarness,
) -> None:
    h, ccid = await answered(make_harness, replace(keys("5#", after=3), speak_duration=2))
    await ok(h, ccid, "record_start", {"format": "wav", "channels": "dual"})
    await ok(h, ccid, "gather_using_speak", {"payload": "P", "voice": "f", "timeout_millis": 500})
    # prompt 0–2 s, wait 0.5 s, prompt again from 2.5 s, cut by the first key at 3 s
    await h.advance(10)
    await ok(h, ccid, "hangup")
    await h.advance(2)
    (saved,) = h.receiver.events("call.recording.saved")
    _, outbound = channel_levels(await download(h, saved))
    assert loud(outbound) == [0, 1, 2, 3, 5]


# -- send_dtmf ---------------------------------------------------------------------------------


async def test_send_dtmf_is_accepted_without_webhooks(make_harness: MakeHarness) -> None:
    h, ccid = await answered(make_harness)
    await ok(h, ccid, "send_dtmf", {"digits": "1w2W*#ABCD", "duration_millis": 100})
    await h.advance(10)
    assert timeline(h) == []


# -- against Telnyx's schemas ------------------------------------------------------------------


async def test_gather_webhooks_match_telnyx_schemas_and_the_sdk(
    make_harness: MakeHarness, telnyx_spec: Registry[Any]
) -> None:
    scenario = Scenario(
        inbound_speech=(),
        outbound_speech=(),
        gather_inputs=(GatherInput("1#"), GatherInput("9"), GatherInput("55", after=1)),
    )
    h, ccid = await answered(make_harness, scenario)
    await ok(h, ccid, "gather", {"client_state": "aGVsbG8="})  # valid
    await h.advance(30)
    await ok(h, ccid, "gather", {"valid_digits": "1"})  # "9" then timeout → invalid
    await h.advance(30)
    await ok(h, ccid, "gather")
    await h.advance(1.2)
    await ok(h, ccid, "gather_stop")  # cancelled
    await ok(h, ccid, "gather")
    await ok(h, ccid, "hangup")  # call_hangup
    await h.advance(5)
    response = await h.client.get("/_mock/webhook-key")
    client = Telnyx(api_key="k", public_key=(await response.json())["public_key"])
    components = {
        "call.gather.ended": ("CallGatherEndedEvent", "CallGatherEndedWebhookEvent"),
        "call.dtmf.received": ("CallDtmfReceivedEvent", "CallDtmfReceivedWebhookEvent"),
    }
    checked: list[Received] = [r for r in h.receiver.received if r.event_type in components]
    for received in checked:
        component, sdk_class = components[received.event_type]
        assert spec_errors(telnyx_spec, component, {"data": received.body["data"]}) == []
        event = client.webhooks.unwrap(received.raw.decode(), headers=dict(received.headers))
        assert type(event).__name__ == sdk_class
    statuses = [e.payload["status"] for e in h.receiver.events("call.gather.ended")]
    assert statuses == ["valid", "invalid", "cancelled", "call_hangup"]
    assert len(h.receiver.events("call.dtmf.received")) == 4
