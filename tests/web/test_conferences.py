"""Conferences: create, join, leave, hold, mute, end, and the recording that mixes them."""

from __future__ import annotations

from typing import Any

from referencing import Registry

from mockserver.core.scenario import Scenario, scenario_from_mapping
from tests.conftest import Harness, MakeHarness, Received
from tests.spec_helpers import spec_errors
from tests.web.media_support import channel_levels, codes, download, loud, ok, pointers

B64 = "aGVsbG8="
# Each party's speech after its call is answered (all three are answered at START + 1, when
# the conference is created, so these are also seconds into the conference).
PARTIES = {
    "+13125550101": [(0.5, 3.0), (12.0, 14.0)],
    "+13125550102": [(4.0, 6.5)],
    "+13125550103": [(8.0, 10.5)],
}
EVENT_COMPONENTS = {
    "conference.created": "ConferenceCreatedEvent",
    "conference.participant.joined": "ConferenceParticipantJoinedEvent",
    "conference.participant.left": "ConferenceParticipantLeftEvent",
    "conference.ended": "ConferenceEndedEvent",
    "conference.recording.saved": "ConferenceRecordingSavedEvent",
}


def three_parties() -> Scenario:
    return scenario_from_mapping(
        {
            "audio": {"outbound": []},
            "rules": [
                {
                    "match": {"to": to},
                    "set": {"audio": {"inbound": [{"start": a, "end": b} for a, b in spans]}},
                }
                for to, spans in PARTIES.items()
            ],
        },
        fallback_name="three-parties",
    )


async def dial_parties(h: Harness) -> list[str]:
    ids = [(await h.dial(to=to, client_state=B64))["call_control_id"] for to in PARTIES]
    await h.advance(1)
    return [str(i) for i in ids]


async def conference(h: Harness, host: str, **extra: Any) -> str:
    status, body = await h.post(
        "/v2/conferences", {"call_control_id": host, "name": "standup", **extra}
    )
    assert status == 200, body
    assert body["data"]["record_type"] == "conference" and body["data"]["status"] in (
        "in_progress",
        "init",
    )
    return str(body["data"]["id"])


async def act(
    h: Harness, conference_id: str, action: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    return await h.post(f"/v2/conferences/{conference_id}/actions/{action}", body or {})


async def done(
    h: Harness, conference_id: str, action: str, body: dict[str, Any] | None = None
) -> None:
    status, data = await act(h, conference_id, action, body)
    assert (status, data) == (200, {"data": {"result": "ok"}}), data


def conference_events(h: Harness) -> list[Received]:
    return [r for r in h.receiver.received if r.event_type.startswith("conference.")]


async def test_three_party_conference_recorded_mixes_every_party(
    make_harness: MakeHarness, telnyx_spec: Registry[Any]
) -> None:
    h = await make_harness(scenario=three_parties())
    host, second, third = await dial_parties(h)
    conference_id = await conference(h, host)
    await done(h, conference_id, "join", {"call_control_id": second})
    await done(h, conference_id, "join", {"call_control_id": third})
    await done(h, conference_id, "record_start", {"format": "wav"})
    await h.advance(16)
    await done(h, conference_id, "record_stop")
    await h.advance(2)
    (saved,) = h.receiver.events("conference.recording.saved")
    assert saved.payload["conference_id"] == conference_id
    assert saved.payload["channels"] == "single" and saved.payload["format"] == "wav"
    (mono,) = channel_levels(await download(h, saved))
    for spans in PARTIES.values():
        for start, end in spans:
            assert all(level > 1000 for level in mono[int(start / 0.5) + 1 : int(end / 0.5) - 1])
    speaking = {int(t / 0.5) for spans in PARTIES.values() for a, b in spans for t in (a, b)}
    assert (
        set(loud(mono))
        <= {
            i
            for i in range(len(mono))
            if any(a <= i * 0.5 < b for s in PARTIES.values() for a, b in s)
        }
        | speaking
    )
    # Listed in /v2/recordings with its conference, and downloadable from there too.
    status, body = await h.get(f"/v2/recordings?filter[conference_id]={conference_id}")
    assert status == 200
    (listed,) = body["data"]
    assert listed["conference_id"] == conference_id and listed["source"] == "conference"
    assert listed["initiated_by"] == "StartConferenceRecordingAPI"
    async with h.client.session.get(listed["download_urls"]["wav"]) as response:
        assert response.status == 200
    # Every conference webhook validates against its schema in Telnyx's spec.
    await done(h, conference_id, "end")
    await h.advance(0)
    types = [r.event_type for r in conference_events(h)]
    assert types[:4] == [
        "conference.created",
        "conference.participant.joined",
        "conference.participant.joined",
        "conference.participant.joined",
    ]
    assert types[-1] == "conference.ended" and types.count("conference.participant.left") == 3
    for received in conference_events(h):
        component = EVENT_COMPONENTS[received.event_type]
        assert spec_errors(telnyx_spec, component, {"data": received.body["data"]}) == []


async def test_dual_conference_recording_puts_the_host_left_and_the_rest_right(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=three_parties())
    host, second, third = await dial_parties(h)
    conference_id = await conference(h, host)
    for other in (second, third):
        await done(h, conference_id, "join", {"call_control_id": other})
    await done(h, conference_id, "record_start", {"format": "wav", "channels": "dual"})
    await h.advance(16)
    await done(h, conference_id, "end")
    await h.advance(2)
    (saved,) = h.receiver.events("conference.recording.saved")
    left, right = channel_levels(await download(h, saved))
    host_spans = PARTIES["+13125550101"]
    assert {i * 0.5 for i in loud(left)} <= {
        t / 2 for a, b in host_spans for t in range(int(a * 2), int(b * 2))
    }
    assert loud(right) and all(
        any(
            a <= i * 0.5 < b or a <= i * 0.5 + 0.5 <= b
            for s in list(PARTIES.values())[1:]
            for a, b in s
        )
        for i in loud(right)
    )


async def test_muted_and_held_participants_are_not_heard(make_harness: MakeHarness) -> None:
    h = await make_harness(scenario=three_parties())
    host, second, third = await dial_parties(h)
    conference_id = await conference(h, host)
    await done(h, conference_id, "join", {"call_control_id": second, "mute": True})
    await done(h, conference_id, "join", {"call_control_id": third})
    await done(h, conference_id, "hold", {"call_control_ids": [third]})
    await done(h, conference_id, "record_start", {"format": "wav"})
    await h.advance(16)
    await done(h, conference_id, "record_stop")
    await h.advance(2)
    (saved,) = h.receiver.events("conference.recording.saved")
    (mono,) = channel_levels(await download(h, saved))
    assert {i * 0.5 for i in loud(mono)} <= {
        t / 2 for a, b in PARTIES["+13125550101"] for t in range(int(a * 2), int(b * 2))
    }
    status, body = await h.get(f"/v2/conferences/{conference_id}/participants")
    assert status == 200
    flags = {p["call_control_id"]: (p["muted"], p["on_hold"]) for p in body["data"]}
    assert flags == {host: (False, False), second: (True, False), third: (False, True)}


async def test_leave_end_on_exit_and_wrong_states(make_harness: MakeHarness) -> None:
    h = await make_harness(scenario=three_parties())
    host, second, third = await dial_parties(h)
    conference_id = await conference(h, host)
    await done(
        h, conference_id, "join", {"call_control_id": second, "end_conference_on_exit": True}
    )
    status, body = await act(h, conference_id, "join", {"call_control_id": second})
    assert (status, pointers(body)) == (422, ["/call_control_id"])  # already a participant
    await done(h, conference_id, "leave", {"call_control_id": host})
    status, body = await act(h, conference_id, "leave", {"call_control_id": host})
    assert (status, pointers(body)) == (422, ["/call_control_id"])  # not a participant now
    await ok(h, second, "hangup")  # end_conference_on_exit: the conference ends with it
    await h.advance(0)
    (ended,) = h.receiver.events("conference.ended")
    assert ended.payload["reason"] == "host_left"
    for action, body in (("join", {"call_control_id": third}), ("record_start", {"format": "wav"})):
        status, data = await act(h, conference_id, action, body)
        assert (status, codes(data)) == (422, ["90019"])
    status, data = await h.get(f"/v2/conferences/{conference_id}")
    assert data["data"]["status"] == "completed" and data["data"]["end_reason"] == "host_left"


async def test_conference_of_an_unanswered_or_unknown_call_is_refused(harness: Harness) -> None:
    ringing = (await harness.dial())["call_control_id"]
    status, body = await harness.post("/v2/conferences", {"call_control_id": ringing, "name": "x"})
    assert (status, codes(body), pointers(body)) == (422, ["90034"], ["/call_control_id"])
    status, body = await harness.post("/v2/conferences", {"name": 5})
    assert status == 422
    assert sorted(zip(codes(body), pointers(body), strict=True)) == [
        ("10004", "/call_control_id"),
        ("10026", "/name"),
    ]
    status, body = await act(harness, "no-such-conference", "end")
    assert (status, codes(body)) == (404, ["10005"])


async def test_start_conference_on_create_false_holds_everyone_until_a_starter_joins(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=three_parties())
    host, second, _ = await dial_parties(h)
    conference_id = await conference(h, host, start_conference_on_create=False)
    status, data = await h.get(f"/v2/conferences/{conference_id}")
    assert (status, data["data"]["status"]) == (200, "init")
    await done(h, conference_id, "record_start", {"format": "wav"})
    await h.advance(6)
    await done(
        h, conference_id, "join", {"call_control_id": second, "start_conference_on_enter": True}
    )
    await h.advance(10)
    await done(h, conference_id, "record_stop")
    await h.advance(2)
    (saved,) = h.receiver.events("conference.recording.saved")
    (mono,) = channel_levels(await download(h, saved))
    assert loud(mono) and min(loud(mono)) * 0.5 >= 6.0  # nobody heard before the start


async def test_conference_commands_are_deduplicated_by_command_id(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=three_parties())
    host, second, _ = await dial_parties(h)
    conference_id = await conference(h, host)
    for _ in range(2):
        await done(h, conference_id, "join", {"call_control_id": second, "command_id": "c1"})
    await h.advance(0)
    assert len(h.receiver.events("conference.participant.joined")) == 2  # host + second once


async def test_max_participants_and_an_absurd_duration(make_harness: MakeHarness) -> None:
    h = await make_harness(scenario=three_parties())
    host, second, third = await dial_parties(h)
    body = {"max_participants": 2, "duration_minutes": 10**30}
    conference_id = await conference(h, host, **body)
    status, data = await h.get(f"/v2/conferences/{conference_id}")
    assert data["data"]["expires_at"] == "2026-09-21T18:13:21.000Z"  # 4 h after creation
    await done(h, conference_id, "join", {"call_control_id": second})
    status, data = await act(h, conference_id, "join", {"call_control_id": third})
    assert (status, codes(data), pointers(data)) == (422, ["10015"], ["/call_control_id"])
    status, data = await h.post(
        "/v2/conferences", {"call_control_id": third, "name": "x", "max_participants": 1}
    )
    assert (status, codes(data), pointers(data)) == (422, ["10033"], ["/max_participants"])


async def test_ended_conferences_are_forgotten_after_the_call_retention(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(scenario=three_parties(), call_retention_seconds=60)
    host, second, _ = await dial_parties(h)
    first = await conference(h, host)
    await done(h, first, "end")
    await h.advance(61)
    await conference(h, second)  # creating another one sweeps the ended one
    status, data = await act(h, first, "end")
    assert (status, codes(data)) == (404, ["10005"])
