"""Issue 16's bar with the official SDK: a transferred call recorded dual, a three-party
conference recorded; the app's side is the ``telnyx`` SDK as an application uses it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from referencing import Registry
from telnyx import AsyncTelnyx

from mockserver.spec.scenario_files import load_scenario
from mockserver.spec.validation import SchemaRegistry
from tests.conftest import API_KEY, Harness, MakeHarness
from tests.spec_helpers import spec_errors
from tests.web.media_support import channel_levels, download, spoken

AGENT = "+13125550200"
PARTIES = ("+13125550301", "+13125550302", "+13125550303")


@pytest.fixture
async def clients() -> AsyncIterator[list[AsyncTelnyx]]:
    made: list[AsyncTelnyx] = []
    yield made
    for client in made:
        await client.close()


def sdk(h: Harness, made: list[AsyncTelnyx]) -> AsyncTelnyx:
    base_url = str(h.client.make_url("")).rstrip("/") + "/v2"
    client = AsyncTelnyx(api_key=API_KEY, base_url=base_url, max_retries=0, timeout=10)
    made.append(client)
    return client


async def test_transferred_call_recorded_dual_has_customer_left_and_agent_right(
    make_harness: MakeHarness,
    schemas: SchemaRegistry,
    clients: list[AsyncTelnyx],
    telnyx_spec: Registry[Any],
) -> None:
    h = await make_harness(scenario=load_scenario("contact_centre", schemas.schemas["scenario"]))
    client = sdk(h, clients)
    status, data = await h.post(
        "/_mock/calls",
        {"to": "+13125550100", "from": "+13125550199", "connection_id": "1"}
        | {"webhook_url": h.receiver.url},
    )
    assert status == 200, data
    customer = data["data"]["call_control_id"]
    await client.calls.actions.answer(customer)
    await client.calls.actions.start_recording(customer, format="wav", channels="dual")
    await h.advance(5)
    await client.calls.actions.transfer(customer, to=AGENT)
    await h.advance(0)
    (agent_initiated,) = [
        r for r in h.receiver.events("call.initiated") if r.payload["to"] == AGENT
    ]
    agent = agent_initiated.payload["call_control_id"]
    await h.advance(3.9)
    assert h.receiver.events("call.answered", agent) == []  # the scenario's 4 s answer delay
    await h.advance(0.1)
    assert h.receiver.events("call.answered", agent) and len(h.receiver.events("call.bridged")) == 2
    await h.advance(20)
    await client.calls.actions.hangup(customer)  # the customer leaves: the agent's leg ends too
    await h.advance(2)
    assert len(h.receiver.events("call.hangup")) == 2
    (saved,) = h.receiver.events("call.recording.saved")
    left, right = channel_levels(await download(h, saved))
    assert spoken(left, [(0.5, 4.0), (16.0, 20.0)])  # the customer's script from its answer
    assert spoken(right, [(9 + 1.0, 9 + 5.0), (9 + 12.0, 9 + 15.0)])  # the agent's, from 9 s
    for received in h.receiver.received:
        component = {
            "call.bridged": "CallBridgedEvent",
            "call.initiated": "CallInitiatedEvent",
            "call.answered": "CallAnsweredEvent",
        }.get(received.event_type)
        if component and received.payload["call_control_id"] == agent:
            data = {"data": received.body["data"]}
            # Live payloads carry client_state null where the spec says string (test_webhooks).
            data["data"]["payload"] = {k: v for k, v in received.payload.items() if v is not None}
            assert spec_errors(telnyx_spec, component, data) == []


async def test_three_party_conference_recorded_with_the_sdk(
    make_harness: MakeHarness,
    schemas: SchemaRegistry,
    clients: list[AsyncTelnyx],
    telnyx_spec: Registry[Any],
) -> None:
    h = await make_harness(scenario=load_scenario("conference", schemas.schemas["scenario"]))
    client = sdk(h, clients)
    legs = []
    for to in PARTIES:
        dialled = await client.calls.dial(
            connection_id="1",
            to=to,
            from_="+13125550111",
            webhook_url=h.receiver.url,
            client_state="aGVsbG8=",
        )
        assert dialled.data is not None
        legs.append(dialled.data.call_control_id)
    await h.advance(1)
    created = await client.conferences.create(call_control_id=legs[0], name="team")
    assert created.data is not None
    conference_id = created.data.id
    for leg in legs[1:]:
        await client.conferences.actions.join(conference_id, call_control_id=leg)
    await client.conferences.actions.record_start(conference_id, format="wav")
    await h.advance(16)
    await client.conferences.actions.record_stop(conference_id)
    await h.advance(2)
    (saved,) = h.receiver.events("conference.recording.saved")
    assert (
        spec_errors(telnyx_spec, "ConferenceRecordingSavedEvent", {"data": saved.body["data"]})
        == []
    )
    assert saved.payload["conference_id"] == conference_id
    (mono,) = channel_levels(await download(h, saved))
    assert spoken(mono, [(1, 4), (5, 8), (9, 12), (13, 15)])  # every party's speech
    listed = await client.recordings.list()
    (recording,) = [r for r in listed.data or [] if r.conference_id == conference_id]
    assert recording.source == "conference"
    for received in h.receiver.received:
        if received.event_type.startswith("conference."):
            component = {
                "conference.created": "ConferenceCreatedEvent",
                "conference.participant.joined": "ConferenceParticipantJoinedEvent",
                "conference.recording.saved": "ConferenceRecordingSavedEvent",
            }[received.event_type]
            assert spec_errors(telnyx_spec, component, {"data": received.body["data"]}) == []
