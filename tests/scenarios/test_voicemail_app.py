"""A voicemail app, written the way a user writes it against Telnyx, run against the bundled
``voicemail`` scenario with the official SDK: nothing here knows it talks to a mock except
the base URL, the scenario it loads and the clock it moves.

An inbound call arrives → the app answers → speaks a greeting → on call.speak.ended starts
a recording with a beep → the caller leaves a message and hangs up 20 s later →
call.recording.saved → the app downloads the WAV → call.recording.transcription.saved.
"""

from __future__ import annotations

import io
import wave
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import ClientSession
from telnyx import AsyncTelnyx
from telnyx.types import (
    CallAnsweredWebhookEvent,
    CallInitiatedWebhookEvent,
    CallRecordingSavedWebhookEvent,
    CallRecordingTranscriptionSavedWebhookEvent,
    CallSpeakEndedWebhookEvent,
)

from mockserver.ids import parse_timestamp
from tests.conftest import API_KEY, Harness

GREETING = "Hi, you have reached Sam. Please leave a message after the beep."  # 4.48 s


@dataclass
class Voicemail:
    call_leg_id: str  # on every event the app uses (call.recording.saved, as Telnyx's schema
    caller: str  # and the SDK type it, has no call_control_id)
    audio: bytes | None = None
    recording_id: str | None = None
    transcript: str | None = None


@dataclass
class VoicemailApp:
    """The application under test: it only reacts to verified webhooks; it keeps voicemails
    by call_leg_id."""

    telnyx: AsyncTelnyx
    http: ClientSession
    public_key: str
    voicemails: dict[str, Voicemail] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    async def on_webhook(self, raw: bytes, headers: Mapping[str, str]) -> None:
        event = self.telnyx.webhooks.unwrap(raw.decode(), headers=headers, key=self.public_key)
        actions = self.telnyx.calls.actions
        if isinstance(event, CallInitiatedWebhookEvent) and event.data and event.data.payload:
            call = event.data.payload
            if call.direction == "incoming" and call.call_control_id and call.call_leg_id:
                self.voicemails[call.call_leg_id] = Voicemail(call.call_leg_id, str(call.from_))
                await actions.answer(call.call_control_id)
        elif isinstance(event, CallAnsweredWebhookEvent) and event.data and event.data.payload:
            ccid = str(event.data.payload.call_control_id)
            await actions.speak(ccid, payload=GREETING, voice="female", language="en-US")
        elif isinstance(event, CallSpeakEndedWebhookEvent) and event.data and event.data.payload:
            ccid = str(event.data.payload.call_control_id)
            await actions.start_recording(
                ccid, format="wav", channels="single", play_beep=True, transcription=True
            )
        elif (
            isinstance(event, CallRecordingSavedWebhookEvent) and event.data and event.data.payload
        ):
            saved = event.data.payload
            voicemail = self.voicemails[str(saved.call_leg_id)]
            assert saved.recording_urls is not None and saved.recording_urls.wav is not None
            async with self.http.get(saved.recording_urls.wav) as response:
                response.raise_for_status()
                voicemail.audio = await response.read()
        elif (
            isinstance(event, CallRecordingTranscriptionSavedWebhookEvent)
            and event.data
            and event.data.payload
        ):
            transcription = event.data.payload
            voicemail = self.voicemails[str(transcription.call_leg_id)]
            voicemail.recording_id = transcription.recording_id
            voicemail.transcript = transcription.transcription_text
        self.seen.append(type(event).__name__)

    @property
    def done(self) -> bool:
        return any(v.transcript is not None for v in self.voicemails.values())


async def run_until_done(h: Harness, app: VoicemailApp, max_seconds: float = 600) -> None:
    """Hand each webhook to the app, then jump the manual clock to the next thing due."""
    handed = 0
    start = h.mock.clock.now()
    while not app.done:
        await h.advance(0)  # what is due now (a webhook for the command just sent) goes out
        if handed == len(h.receiver.received):
            due = h.mock.clock.next_due()
            assert due is not None and due - start <= max_seconds, app.seen
            await h.advance(due - h.mock.clock.now())
        while handed < len(h.receiver.received):
            received = h.receiver.received[handed]
            handed += 1
            await app.on_webhook(received.raw, received.headers)


def levels(samples: array[int], rate: int, step: float = 0.5) -> list[int]:
    size = int(rate * step)
    return [max(abs(v) for v in samples[i : i + size]) for i in range(0, len(samples), size)]


async def test_voicemail_app_against_the_bundled_scenario(harness: Harness) -> None:
    h = harness
    base = str(h.client.make_url("")).rstrip("/")
    session = h.client.session
    async with session.post(f"{base}/_mock/scenario", json={"bundled": "voicemail"}) as response:
        assert response.status == 200
    async with session.get(f"{base}/_mock/webhook-key") as response:
        public_key = (await response.json())["public_key"]

    async with AsyncTelnyx(api_key=API_KEY, base_url=f"{base}/v2", max_retries=0) as telnyx:
        app = VoicemailApp(telnyx, session, public_key)
        async with session.post(
            f"{base}/_mock/calls",
            json={
                "to": "+13125550100",
                "from": "+13125550199",
                "connection_id": "1684641123236054244",
                "webhook_url": h.receiver.url,
            },
            headers={"Authorization": f"Bearer {API_KEY}"},
        ) as response:
            assert response.status == 200
            call = (await response.json())["data"]
            ccid = call["call_control_id"]
        await run_until_done(h, app)

    assert app.seen == [
        "CallInitiatedWebhookEvent",
        "CallAnsweredWebhookEvent",
        "CallSpeakStartedWebhookEvent",
        "CallSpeakEndedWebhookEvent",
        "CallHangupWebhookEvent",
        "CallRecordingSavedWebhookEvent",
        "CallRecordingTranscriptionSavedWebhookEvent",
    ]
    voicemail = app.voicemails[call["call_leg_id"]]
    assert voicemail.caller == "+13125550199"
    assert voicemail.transcript == (
        "Hi Sam, it's Alex from Acme. Please call me back about order 4471. Thanks!"
    )

    hangup = h.receiver.events("call.hangup", ccid)[0].payload
    assert (hangup["hangup_cause"], hangup["hangup_source"]) == ("normal_clearing", "caller")
    saved = h.receiver.events("call.recording.saved", ccid)[0].payload
    assert saved["recording_id"] == voicemail.recording_id
    speak_ended = h.receiver.events("call.speak.ended", ccid)[0].body["data"]["occurred_at"]
    started = parse_timestamp(saved["recording_started_at"])
    assert started == parse_timestamp(speak_ended)  # recording starts as the greeting ends
    assert parse_timestamp(saved["recording_ended_at"]) - started == 20  # the caller hangs up

    assert voicemail.audio is not None
    with wave.open(io.BytesIO(voicemail.audio)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth()) == (1, 2)
        rate = reader.getframerate()
        assert reader.getnframes() == 20 * rate
        samples = array("h", reader.readframes(reader.getnframes()))
    loud = [i for i, level in enumerate(levels(samples, rate)) if level > 1000]
    # The beep (0–0.5 s), silence while the caller waits, then the message: 6.5–19.5 s after
    # answer is 2.02–15.02 s into the file; the greeting itself is not in the recording.
    assert loud == [0, *range(4, 30)]
