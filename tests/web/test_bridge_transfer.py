"""Two legs in one call: transfer, bridge, Dial's link_to, and recording a bridged call."""

from __future__ import annotations

from typing import Any

from referencing import Registry

from mockserver.core.scenario import Scenario, scenario_from_mapping
from tests.conftest import START, Harness, MakeHarness
from tests.spec_helpers import spec_errors
from tests.web.media_support import channel_levels, codes, download, inbound, loud, ok, pointers

AGENT = "+13125550200"
CUSTOMER_SPEECH = [(0.5, 3.0), (13.0, 16.0)]  # after the customer's call is answered (START)
AGENT_SPEECH = [(1.0, 3.5), (8.0, 10.0)]  # after the agent answers
AGENT_ANSWER_DELAY = 4.0
B64 = "aGVsbG8="


def contact_centre(**extra: Any) -> Scenario:
    """The customer speaks its script; the agent answers after 4 s and speaks its own."""
    return scenario_from_mapping(
        {
            "audio": {
                "inbound": [{"start": a, "end": b} for a, b in CUSTOMER_SPEECH],
                "outbound": [],
            },
            "rules": [
                {
                    "match": {"to": AGENT},
                    "set": {
                        "call": {"answer_delay": AGENT_ANSWER_DELAY},
                        "audio": {"inbound": [{"start": a, "end": b} for a, b in AGENT_SPEECH]},
                    },
                }
            ],
            **extra,
        },
        fallback_name="contact-centre",
    )


async def answered_customer(h: Harness, **extra: Any) -> str:
    ccid = await inbound(h, **extra)
    await ok(h, ccid, "answer")
    await h.advance(0)
    return ccid


async def transferred(h: Harness, ccid: str, at: float = 5.0, **body: Any) -> str:
    """Transfer at ``at`` s after START; the agent's call_control_id once it is initiated."""
    await h.advance(at - (h.mock.now() - START))
    await ok(h, ccid, "transfer", {"to": AGENT, **body})
    await h.advance(0)
    initiated = [r for r in h.receiver.events("call.initiated") if r.payload["to"] == AGENT]
    return str(initiated[-1].payload["call_control_id"])


def between(levels: list[int], start: float, end: float, step: float = 0.5) -> list[int]:
    return levels[int(start / step) : int(end / step)]


async def test_transfer_dials_the_agent_in_the_same_session_and_bridges_on_answer(
    make_harness: MakeHarness, telnyx_spec: Registry[Any]
) -> None:
    h = await make_harness(scenario=contact_centre())
    customer = await answered_customer(h, client_state=B64)
    agent = await transferred(h, customer, target_leg_client_state=B64)
    c_initiated = h.receiver.events("call.initiated", customer)[0].payload
    a_initiated = h.receiver.events("call.initiated", agent)[0].payload
    assert a_initiated["call_session_id"] == c_initiated["call_session_id"]
    assert a_initiated["call_leg_id"] != c_initiated["call_leg_id"]
    # from: "will default to the `to` number of the original call if omitted"
    assert (a_initiated["from"], a_initiated["to"]) == (c_initiated["to"], AGENT)
    assert a_initiated["direction"] == "outgoing" and a_initiated["client_state"] == B64
    assert h.receiver.events("call.bridged") == []
    await h.advance(AGENT_ANSWER_DELAY - 0.01)
    assert h.receiver.events("call.answered", agent) == []
    await h.advance(0.01)
    assert [r.event_type for r in h.receiver.received[-3:]] == [
        "call.answered",
        "call.bridged",
        "call.bridged",
    ]
    (c_bridged,) = h.receiver.events("call.bridged", customer)
    (a_bridged,) = h.receiver.events("call.bridged", agent)
    assert c_bridged.payload["call_leg_id"] == c_initiated["call_leg_id"]
    assert a_bridged.payload["call_leg_id"] == a_initiated["call_leg_id"]
    assert {c_bridged.payload["call_session_id"], a_bridged.payload["call_session_id"]} == {
        c_initiated["call_session_id"]
    }
    for received in (c_bridged, a_bridged, h.receiver.events("call.initiated", agent)[0]):
        component = (
            "CallBridgedEvent" if received.event_type == "call.bridged" else "CallInitiatedEvent"
        )
        assert spec_errors(telnyx_spec, component, {"data": received.body["data"]}) == []


async def test_dual_recording_of_a_transferred_call_has_the_customer_left_and_the_agent_right(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=contact_centre())
    customer = await answered_customer(h)
    await ok(h, customer, "record_start", {"format": "wav", "channels": "dual"})
    await transferred(h, customer)
    await h.advance(25.0 - (h.mock.now() - START))
    await ok(h, customer, "hangup")
    await h.advance(5)
    (saved,) = h.receiver.events("call.recording.saved", customer)
    left, right = channel_levels(await download(h, saved))
    bridged_at = 5.0 + AGENT_ANSWER_DELAY
    # Customer on channel A at its scripted times, silent elsewhere.
    for start, end in CUSTOMER_SPEECH:
        assert all(level > 1000 for level in between(left, start + 0.5, end - 0.5))
    assert loud(left) == [
        i for i in range(len(left)) if any(a <= i * 0.5 < b for a, b in CUSTOMER_SPEECH)
    ]
    # The agent on channel B at its scripted times after its answer; nothing before the bridge.
    agent_spans = [(bridged_at + a, bridged_at + b) for a, b in AGENT_SPEECH]
    for start, end in agent_spans:
        assert all(level > 1000 for level in between(right, start + 0.5, end - 0.5))
    assert loud(right) == [
        i for i in range(len(right)) if any(a <= i * 0.5 < b for a, b in agent_spans)
    ]


async def test_recording_started_before_a_bridge_hears_the_far_end_only_from_the_bridge_on(
    make_harness: MakeHarness,
) -> None:
    # The agent's script starts the moment it answers: anything earlier would be a leak.
    scenario = contact_centre()
    h = await make_harness(scenario=scenario)
    customer = await answered_customer(h)
    await ok(h, customer, "record_start", {"format": "wav", "channels": "dual"})
    agent = await transferred(h, customer, at=2.0)
    await h.advance(AGENT_ANSWER_DELAY + 20)
    await ok(h, agent, "hangup")  # the agent leaves: the customer is hung up too (bridge ends)
    await h.advance(5)
    (saved,) = h.receiver.events("call.recording.saved", customer)
    _, right = channel_levels(await download(h, saved))
    assert min(loud(right)) * 0.5 >= 2.0 + AGENT_ANSWER_DELAY + AGENT_SPEECH[0][0]


async def test_hangup_of_one_leg_hangs_up_the_other_unless_it_parks(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=contact_centre())
    customer = await answered_customer(h)
    agent = await transferred(h, customer)
    await h.advance(AGENT_ANSWER_DELAY + 2)
    await ok(h, agent, "hangup")
    await h.advance(0)
    (agent_hangup,) = h.receiver.events("call.hangup", agent)
    (customer_hangup,) = h.receiver.events("call.hangup", customer)
    assert agent_hangup.payload["hangup_source"] == "caller"  # our outbound leg, hung up by us
    assert customer_hangup.payload["hangup_cause"] == "normal_clearing"
    assert customer_hangup.payload["hangup_source"] == "callee"

    parked = await answered_customer(h)
    agent2 = await transferred(h, parked, at=h.mock.now() - START + 1, park_after_unbridge="self")
    await h.advance(AGENT_ANSWER_DELAY)
    await ok(h, agent2, "hangup")
    await h.advance(0)
    assert h.receiver.events("call.hangup", parked) == []
    status, body = await h.get(f"/v2/calls/{parked}")
    assert status == 200
    assert body["data"]["is_alive"] is True


async def test_transfer_nobody_answers_the_agent_leg_times_out_and_the_customer_stays(
    make_harness: MakeHarness,
) -> None:
    slow_agent = {"match": {"to": AGENT}, "set": {"call": {"answer_delay": 40}}}
    h = await make_harness(scenario=contact_centre(rules=[slow_agent]))
    customer = await answered_customer(h)
    agent = await transferred(h, customer, timeout_secs=5)
    await h.advance(5)
    (hangup,) = h.receiver.events("call.hangup", agent)
    assert hangup.payload["hangup_cause"] == "timeout"
    await h.advance(60)
    assert h.receiver.events("call.bridged") == []
    assert h.receiver.events("call.hangup", customer) == []
    await ok(h, customer, "transfer", {"to": "+13125550300"})  # "may be ... transferred again"


async def test_bridge_joins_two_answered_calls_and_checks_both_legs(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness()
    first = await h.answered_call()
    second = await h.answered_call()
    await ok(h, first, "bridge", {"call_control_id": second})
    await h.advance(0)
    assert [r.payload["call_control_id"] for r in h.receiver.events("call.bridged")] == [
        first,
        second,
    ]
    ringing = (await h.dial())["call_control_id"]
    parked = await inbound(h)
    status, body = await h.command(first, "bridge", {"call_control_id": parked})
    assert (status, codes(body), pointers(body)) == (422, ["90034"], ["/call_control_id"])
    status, body = await h.command(ringing, "bridge", {"call_control_id": first})
    assert (status, codes(body)) == (422, ["90034"])
    status, body = await h.command(first, "bridge", {"call_control_id": "nonsense"})
    assert (status, codes(body), pointers(body)) == (422, ["90015"], ["/call_control_id"])
    status, body = await h.command(first, "bridge", {"call_control_id": "v3:" + "Z" * 40})
    assert (status, codes(body), pointers(body)) == (422, ["90018"], ["/call_control_id"])
    status, body = await h.command(first, "bridge", {"call_control_id": first})
    assert status == 422 and pointers(body) == ["/call_control_id"]
    status, body = await h.command(
        second, "bridge", {"call_control_id": first, "prevent_double_bridge": True}
    )
    assert status == 422 and pointers(body) == ["/call_control_id"]
    # A ringing target is bridged when it answers (play_ringtone's case).
    await ok(h, first, "bridge", {"call_control_id": ringing})
    await h.advance(1)
    assert h.receiver.events("call.bridged", ringing)


async def test_bridge_body_is_validated_like_record_start(harness: Harness) -> None:
    ccid = await harness.answered_call()
    status, body = await harness.command(
        ccid, "bridge", {"mute_dtmf": "loud", "record_max_length": 50000, "client_state": "!"}
    )
    assert status == 422
    assert sorted(zip(codes(body), pointers(body), strict=True)) == [
        ("10004", "/call_control_id"),
        ("10015", "/client_state"),
        ("10032", "/mute_dtmf"),
        ("10033", "/record_max_length"),
    ]
    status, body = await harness.command(ccid, "transfer", {"timeout_secs": 1})
    assert status == 422
    assert sorted(zip(codes(body), pointers(body), strict=True)) == [
        ("10004", "/to"),
        ("10033", "/timeout_secs"),
    ]


async def test_transfer_is_deduplicated_by_command_id(make_harness: MakeHarness) -> None:
    h = await make_harness(scenario=contact_centre())
    customer = await answered_customer(h)
    for _ in range(2):
        await ok(h, customer, "transfer", {"to": AGENT, "command_id": "t-1"})
    await h.advance(0)
    assert len([r for r in h.receiver.events("call.initiated") if r.payload["to"] == AGENT]) == 1


async def test_dial_link_to_shares_the_session_and_bridge_on_answer_bridges(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=contact_centre())
    customer = await answered_customer(h)
    status, data = await h.post(
        "/v2/calls",
        {
            "connection_id": "1684641123236054244",
            "to": AGENT,
            "from": "+13125550111",
            "webhook_url": h.receiver.url,
            "link_to": customer,
            "bridge_on_answer": True,
            "bridge_intent": True,
        },
    )
    assert status == 200, data
    agent = data["data"]["call_control_id"]
    c_initiated = h.receiver.events("call.initiated", customer)[0].payload
    assert data["data"]["call_session_id"] == c_initiated["call_session_id"]
    await h.advance(AGENT_ANSWER_DELAY)
    (a_initiated,) = h.receiver.events("call.initiated", agent)
    assert a_initiated.payload["from"] == c_initiated["from"]  # bridge_intent takes its from
    assert h.receiver.events("call.bridged", agent) and h.receiver.events("call.bridged", customer)


async def test_dial_bridge_on_answer_needs_a_live_link_to(harness: Harness) -> None:
    base = {"connection_id": "1", "to": AGENT, "from": "+13125550111"}
    status, body = await harness.post("/v2/calls", {**base, "bridge_on_answer": True})
    assert (status, codes(body), pointers(body)) == (422, ["10004"], ["/link_to"])
    status, body = await harness.post("/v2/calls", {**base, "link_to": "v3:" + "Q" * 40})
    assert (status, codes(body), pointers(body)) == (422, ["90018"], ["/link_to"])


async def test_default_scenario_gives_a_bridged_call_a_conversation(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness()  # no scripts at all: the default scenario
    customer = await answered_customer(h)
    await ok(h, customer, "record_start", {"format": "wav", "channels": "dual"})
    await transferred(h, customer, at=1.0)
    await h.advance(40)
    await ok(h, customer, "hangup")
    await h.advance(5)
    (saved,) = h.receiver.events("call.recording.saved", customer)
    left, right = channel_levels(await download(h, saved))
    bridged_at = 1.0 + 1.0  # the default answer delay
    after_bridge = [i for i in loud(right) if i * 0.5 >= bridged_at]
    assert after_bridge, "the agent speaks after the bridge"
    assert loud(left), "the customer speaks"
    # They take turns: never both at once.
    assert not set(loud(left)) & set(loud(right))


async def test_a_transfer_still_ringing_is_cancelled_when_the_call_ends(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=contact_centre())
    customer = await answered_customer(h)
    agent = await transferred(h, customer)
    await h.advance(1)  # the agent's phone rings (it answers after 4 s)
    await ok(h, customer, "hangup")
    await h.advance(0)
    (hangup,) = h.receiver.events("call.hangup", agent)
    assert (hangup.payload["hangup_cause"], hangup.payload["hangup_source"]) == (
        "originator_cancel",
        "caller",
    )
    await h.advance(10)
    assert h.receiver.events("call.answered", agent) == []
