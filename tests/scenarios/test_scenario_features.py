"""Scenario features beyond timings: rules, jitter, command faults and webhook mischief."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nacl.exceptions import BadSignatureError
from telnyx import Telnyx

from mockserver.core.scenario import Scenario
from mockserver.spec.scenario_files import load_scenario_text
from mockserver.spec.validation import SchemaRegistry
from tests.conftest import Harness, MakeHarness


def scenario(schemas: SchemaRegistry, data: dict[str, Any]) -> Scenario:
    return load_scenario_text(
        json.dumps(data), label="test.yaml", schema=schemas.schemas["scenario"]
    )


async def harness_for(
    make_harness: MakeHarness, schemas: SchemaRegistry, data: dict[str, Any]
) -> Harness:
    return await make_harness(scenario=scenario(schemas, data))


async def test_rules_match_the_dialled_number(
    make_harness: MakeHarness, schemas: SchemaRegistry
) -> None:
    h = await harness_for(
        make_harness,
        schemas,
        {
            "call": {"answer_delay": 1},
            "rules": [{"match": {"to": "+15550000001"}, "set": {"call": {"answer_delay": 20}}}],
        },
    )
    slow = await h.dial(to="+15550000001")
    fast = await h.dial(to="+15550000002")
    await h.advance(1)
    answered = {r.payload["call_control_id"] for r in h.receiver.events("call.answered")}
    assert answered == {fast["call_control_id"]}
    await h.advance(19)
    assert len(h.receiver.events("call.answered", slow["call_control_id"])) == 1


async def test_rules_match_connection_id_and_custom_file_name(
    make_harness: MakeHarness, schemas: SchemaRegistry
) -> None:
    h = await harness_for(
        make_harness,
        schemas,
        {
            "rules": [
                {
                    "match": {"connection_id": "slow-app"},
                    "set": {"delays": {"recording_saved": 30}},
                },
                {
                    "match": {"custom_file_name": "broken"},
                    "set": {"faults": {"recording_error": "Unsupported backend"}},
                },
            ]
        },
    )
    slow = await h.answered_call(connection_id="slow-app")
    broken = await h.answered_call()
    for ccid, extra in ((slow, {}), (broken, {"custom_file_name": "broken"})):
        status, _ = await h.command(
            ccid, "record_start", {"format": "wav", "channels": "single", **extra}
        )
        assert status == 200
        await h.command(ccid, "hangup")
    await h.advance(1)
    errors = h.receiver.events("call.recording.error")
    assert [e.payload["reason"] for e in errors] == ["Unsupported backend"]
    assert h.receiver.events("call.recording.saved") == []
    await h.advance(29)
    assert len(h.receiver.events("call.recording.saved", slow)) == 1


async def test_jitter_is_reproducible_from_the_seed(
    make_harness: MakeHarness, schemas: SchemaRegistry
) -> None:
    data = {"call": {"answer_delay": 1, "jitter": 5}}
    times = []
    for _ in range(2):
        h = await harness_for(make_harness, schemas, data)
        before = len(h.receiver.received)
        await h.dial()
        await h.advance(10)
        answered = [r for r in h.receiver.received[before:] if r.event_type == "call.answered"]
        times.append(answered[0].body["data"]["occurred_at"])
    assert times[0] == times[1]
    assert times[0] != "2026-09-21T14:13:21.000000Z"  # the jitter moved it off 1 s


async def test_command_fault_fails_the_first_n_times_per_call(
    make_harness: MakeHarness, schemas: SchemaRegistry
) -> None:
    fault = {
        "command": "hangup",
        "status": 422,
        "code": "90018",
        "title": "Call has already ended",
        "times": 2,
    }
    h = await harness_for(make_harness, schemas, {"faults": {"commands": [fault]}})
    ccid = await h.answered_call()
    results = [await h.command(ccid, "hangup") for _ in range(3)]
    assert [status for status, _ in results] == [422, 422, 200]
    assert results[0][1] == {"errors": [{"code": "90018", "title": "Call has already ended"}]}


async def test_command_fault_with_probability_is_seeded(
    make_harness: MakeHarness, schemas: SchemaRegistry
) -> None:
    fault = {
        "command": "dial",
        "status": 503,
        "code": "10007",
        "title": "Unexpected error",
        "probability": 0.5,
    }
    outcomes = []
    for _ in range(2):
        h = await harness_for(make_harness, schemas, {"faults": {"commands": [fault]}})
        run = []
        for _ in range(20):
            status, _ = await h.post(
                "/v2/calls", {"connection_id": "1", "to": "+13125550100", "from": "+13125550111"}
            )
            run.append(status)
        outcomes.append(run)
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {200, 503}


async def test_dropped_webhook_is_in_the_journal(
    make_harness: MakeHarness, schemas: SchemaRegistry
) -> None:
    h = await harness_for(
        make_harness, schemas, {"faults": {"webhooks": {"drop": ["call.answered"]}}}
    )
    await h.answered_call()
    assert h.receiver.types() == ["call.initiated"]
    status, journal = await h.get("/_mock/webhooks?event_type=call.answered", key=None)
    assert status == 200
    assert [e["outcome"] for e in journal["data"]] == ["dropped"]


async def test_delayed_webhook_arrives_later(
    make_harness: MakeHarness, schemas: SchemaRegistry
) -> None:
    h = await harness_for(
        make_harness, schemas, {"faults": {"webhooks": {"delay": {"call.answered": 30}}}}
    )
    await h.answered_call()
    assert h.receiver.types() == ["call.initiated"]
    await h.advance(30)
    assert h.receiver.types() == ["call.initiated", "call.answered"]


@pytest.mark.parametrize("kind", ["bad", "stale"])
async def test_faulty_signature_is_rejected_by_the_sdk(
    kind: str, make_harness: MakeHarness, schemas: SchemaRegistry
) -> None:
    h = await harness_for(make_harness, schemas, {"faults": {"webhooks": {"signature": kind}}})
    await h.dial()
    await h.advance(0)
    received = h.receiver.events("call.initiated")[0]
    client = Telnyx(api_key="k", public_key=h.mock.signer.public_key_b64)
    with pytest.raises((ValueError, BadSignatureError)):
        client.webhooks.unwrap(received.raw.decode(), headers=received.headers)


async def test_rules_shape_the_audio_of_matching_calls(
    make_harness: MakeHarness, schemas: SchemaRegistry
) -> None:
    quiet = {"audio": {"inbound": [], "outbound": []}}
    h = await harness_for(
        make_harness, schemas, {"rules": [{"match": {"to": "+15550000009"}, "set": quiet}]}
    )
    files = []
    for to in ("+15550000009", "+15550000001"):
        ccid = await h.answered_call(to=to)
        body = {"format": "wav", "channels": "single", "trim": "trim-silence"}
        await h.command(ccid, "record_start", body)
        await h.advance(10)
        await h.command(ccid, "hangup")
        await h.advance(1)
        url = h.receiver.events("call.recording.saved", ccid)[0].payload["recording_urls"]["wav"]
        async with h.client.session.get(url) as response:
            files.append(await response.read())
    silent, spoken = files
    # Nothing audible: trim keeps it whole and every sample is zero; the other call has speech.
    assert set(silent[44:]) == {0}
    assert set(spoken[44:]) != {0}
