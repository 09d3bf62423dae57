"""The official ``telnyx`` SDK against a running mock, used the way an application uses it.

The server runs in this event loop (aiohttp TestServer on 127.0.0.1, manual clock), so the
tests use ``AsyncTelnyx``; the SDK's retries are off so every error surfaces at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, cast

import pytest
import telnyx
from telnyx import AsyncTelnyx

from tests.conftest import API_KEY, Harness, MakeHarness, Received

# TODO: cover client.recordings.list / retrieve once GET /v2/recordings exists (in progress).

CONNECTION_ID = "1684641123236054244"

ClientFactory = Callable[..., AsyncTelnyx]


def base_url(h: Harness) -> str:
    return str(h.client.make_url("")).rstrip("/") + "/v2"


@pytest.fixture
async def sdk() -> AsyncIterator[ClientFactory]:
    clients: list[AsyncTelnyx] = []

    def make(h: Harness, api_key: str = API_KEY) -> AsyncTelnyx:
        client = AsyncTelnyx(api_key=api_key, base_url=base_url(h), max_retries=0, timeout=10)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def dial(h: Harness, client: AsyncTelnyx, **extra: Any) -> str:
    response = await client.calls.dial(
        connection_id=CONNECTION_ID,
        to="+13125550100",
        from_="+13125550111",
        webhook_url=h.receiver.url,
        **extra,
    )
    assert response.data is not None
    assert response.data.call_control_id
    return response.data.call_control_id


async def answered(h: Harness, client: AsyncTelnyx, **extra: Any) -> str:
    ccid = await dial(h, client, **extra)
    await h.advance(1)
    assert h.receiver.types()[-1] == "call.answered"
    return ccid


async def test_dial_returns_call_ids(make_harness: MakeHarness, sdk: ClientFactory) -> None:
    h = await make_harness()
    client = sdk(h)
    response = await client.calls.dial(
        connection_id=CONNECTION_ID,
        to="+13125550100",
        from_="+13125550111",
        webhook_url=h.receiver.url,
        client_state="aGVsbG8=",
    )
    data = response.data
    assert data is not None
    assert data.call_control_id.startswith("v3:")
    assert data.call_leg_id and data.call_session_id
    assert data.is_alive is False
    assert data.record_type == "call"


async def test_recording_commands_and_hangup(make_harness: MakeHarness, sdk: ClientFactory) -> None:
    h = await make_harness()
    client = sdk(h)
    ccid = await answered(h, client)
    actions = client.calls.actions

    started = await actions.start_recording(ccid, format="wav", channels="dual")
    assert started.data is not None and started.data.result == "ok"
    await h.advance(5)
    paused = await actions.pause_recording(ccid)
    assert paused.data is not None and paused.data.result == "ok"
    await h.advance(2)
    resumed = await actions.resume_recording(ccid)
    assert resumed.data is not None and resumed.data.result == "ok"
    await h.advance(3)
    stopped = await actions.stop_recording(ccid)
    assert stopped.data is not None and stopped.data.result == "ok"
    hung_up = await actions.hangup(ccid)
    assert hung_up.data is not None and hung_up.data.result == "ok"
    await h.advance(2)

    types = h.receiver.types()
    assert types[:2] == ["call.initiated", "call.answered"]
    assert "call.hangup" in types
    assert len(h.receiver.events("call.recording.saved", ccid)) == 1


async def test_retrieve_status_shows_is_alive(
    make_harness: MakeHarness, sdk: ClientFactory
) -> None:
    h = await make_harness()
    client = sdk(h)
    ccid = await dial(h, client, client_state="aGVsbG8=")

    status = await client.calls.retrieve_status(ccid)
    assert status.data is not None
    assert status.data.call_control_id == ccid
    assert status.data.is_alive is True  # ringing counts as alive; only Dial says false
    assert status.data.record_type == "call"
    assert status.data.client_state == "aGVsbG8="

    await h.advance(1)
    status = await client.calls.retrieve_status(ccid)
    assert status.data is not None and status.data.is_alive is True
    assert status.data.end_time is None

    await client.calls.actions.hangup(ccid)
    await h.advance(0)
    status = await client.calls.retrieve_status(ccid)
    assert status.data is not None and status.data.is_alive is False
    assert status.data.end_time is not None


async def test_invalid_body_raises_unprocessable_entity(
    make_harness: MakeHarness, sdk: ClientFactory
) -> None:
    h = await make_harness()
    client = sdk(h)
    ccid = await answered(h, client)
    with pytest.raises(telnyx.UnprocessableEntityError) as caught:
        await client.calls.actions.start_recording(ccid, format=cast(Any, "ogg"), channels="dual")
    error = caught.value
    assert error.status_code == 422
    body = cast(dict[str, Any], error.body)
    assert body["errors"][0]["code"] == "10032"
    assert body["errors"][0]["source"]["pointer"] == "/format"

    # The same through extra_body: the body the mock sees is what counts.
    with pytest.raises(telnyx.UnprocessableEntityError) as caught:
        await client.calls.actions.start_recording(
            ccid, format="wav", channels="dual", extra_body={"channels": "quad"}
        )
    body = cast(dict[str, Any], caught.value.body)
    assert body["errors"][0]["source"]["pointer"] == "/channels"


async def test_wrong_api_key_raises_authentication_error(
    make_harness: MakeHarness, sdk: ClientFactory
) -> None:
    h = await make_harness(api_keys=frozenset({API_KEY}))
    with pytest.raises(telnyx.AuthenticationError) as caught:
        await dial(h, sdk(h, api_key="WRONG_KEY"))
    assert caught.value.status_code == 401
    body = cast(dict[str, Any], caught.value.body)
    assert body["errors"][0]["code"] == "10009"
    assert await dial(h, sdk(h))  # the configured key still works


async def test_command_on_ended_call_raises_90018(
    make_harness: MakeHarness, sdk: ClientFactory
) -> None:
    h = await make_harness()
    client = sdk(h)
    ccid = await answered(h, client)
    await client.calls.actions.hangup(ccid)
    await h.advance(0)
    with pytest.raises(telnyx.UnprocessableEntityError) as caught:
        await client.calls.actions.start_recording(ccid, format="mp3", channels="single")
    body = cast(dict[str, Any], caught.value.body)
    assert body["errors"][0]["code"] == "90018"


async def test_webhooks_unwrap_verifies_and_types_each_event(
    make_harness: MakeHarness, sdk: ClientFactory
) -> None:
    h = await make_harness()
    client = sdk(h)
    key_response = await h.client.get("/_mock/webhook-key")
    public_key = (await key_response.json())["public_key"]

    ccid = await answered(h, client, client_state="aGVsbG8=")
    await client.calls.actions.start_recording(ccid, format="mp3", channels="single")
    await h.advance(4)
    await client.calls.actions.hangup(ccid)
    await h.advance(2)
    expected = ["call.initiated", "call.answered", "call.hangup", "call.recording.saved"]
    assert [t for t in h.receiver.types() if t in expected] == expected

    def unwrap(received: Received) -> Any:
        return client.webhooks.unwrap(
            received.raw.decode("utf-8"), headers=received.headers, key=public_key
        )

    for received in h.receiver.received:
        event = unwrap(received)
        assert event.data.event_type == received.event_type
        assert event.data.payload.call_control_id == ccid

    saved = unwrap(h.receiver.events("call.recording.saved")[0])
    assert type(saved).__name__ == "CallRecordingSavedWebhookEvent"
    payload = saved.data.payload
    assert payload.channels == "single"
    assert payload.client_state == "aGVsbG8="
    assert payload.recording_urls.mp3 and payload.recording_urls.wav is None
    assert isinstance(payload.recording_started_at, datetime)

    # A tampered body no longer verifies.
    first = h.receiver.received[0]
    tampered = first.raw.decode("utf-8").replace(ccid, ccid[:-1] + "x")
    with pytest.raises(ValueError, match="Signature verification failed"):
        client.webhooks.unwrap(tampered, headers=first.headers, key=public_key)
