"""Webhook events: what Telnyx would POST, rendered as plain data (sans-IO).

Payload keys follow the live payloads captured in ../shared/reference/real-payloads.md,
which are supersets of the OpenAPI event schemas (see docs/fidelity.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.core.calls import Call
from mockserver.core.prompts import Prompt
from mockserver.core.recordings import Recording
from mockserver.core.rendering import call_ids
from mockserver.ids import iso_timestamp

__all__ = [
    "WebhookEvent",
    "call_answered",
    "call_bridged",
    "call_hangup",
    "call_initiated",
    "call_transcription",
    "conference_created",
    "conference_ended",
    "conference_participant",
    "conference_recording_saved",
    "dtmf_received",
    "gather_ended",
    "playback_ended",
    "playback_started",
    "recording_error",
    "recording_saved",
    "speak_ended",
    "speak_started",
    "transcription_saved",
]

CODECS = "PCMU,PCMA,G722,OPUS"
# SIP hosts of the live captures (REAL-PAYLOADS R1, R7): the carrier's side, Telnyx's side.
CARRIER_SIP_HOST = "206.147.72.186:5060"
TELNYX_SIP_HOST = "192.76.120.10:5060"
# What the one capture of a live call.recording.saved that lists it shows (REAL-PAYLOADS R4).
FLOW_DESTINATION = "telnyx_number_cc_app"


@dataclass(frozen=True)
class WebhookEvent:
    """One event for one call, ready to be wrapped in the delivery envelope."""

    event_id: str
    event_type: str
    occurred_at: float
    payload: dict[str, Any]
    tenant: str
    call_control_id: str
    webhook_url: str | None
    webhook_url_failover: str | None
    method: str = "POST"  # GET: the envelope goes as query parameters
    retry_delays: tuple[float, ...] | None = None  # the call's retry policy; None: the server's
    timeout: float | None = None  # the connection's webhook timeout; None: the server's
    # Formatted once per event, not again for every attempt or duplicate; on first use, so
    # an event too far in the future to show fails where it is sent (and is reported).
    _occurred_at_text: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def occurred_at_iso(self) -> str:
        text = self._occurred_at_text
        if text is None:
            text = iso_timestamp(self.occurred_at)
            object.__setattr__(self, "_occurred_at_text", text)
        return text

    def envelope(self, attempt: int, delivered_to: str) -> dict[str, Any]:
        return {
            "data": {
                "record_type": "event",
                "event_type": self.event_type,
                "id": self.event_id,
                "occurred_at": self.occurred_at_iso,
                "payload": self.payload,
            },
            "meta": {"attempt": attempt, "delivered_to": delivered_to},
        }


def _event(
    call: Call, event_id: str, event_type: str, at: float, payload: dict[str, Any]
) -> WebhookEvent:
    url, method = call.routing.route(event_type, call.webhook_url)
    return WebhookEvent(
        event_id=event_id,
        event_type=event_type,
        occurred_at=at,
        payload=payload,
        tenant=call.tenant,
        call_control_id=call.call_control_id,
        webhook_url=url,
        webhook_url_failover=call.webhook_url_failover,
        method=method,
        retry_delays=call.routing.retry_delays(event_type),
        timeout=call.webhook_timeout_secs,
    )


def _call_ids(call: Call) -> dict[str, Any]:
    return {**call_ids(call), "connection_id": call.connection_id}


def call_initiated(call: Call, event_id: str, at: float) -> WebhookEvent:
    incoming = call.direction == "incoming"
    payload: dict[str, Any] = {
        **_call_ids(call),
        "caller_id_name": call.from_number,
        "calling_party_type": "pstn",
        "client_state": call.client_state,
        "connection_codecs": CODECS,
        "direction": call.direction,
        "from": call.from_number,
        "offered_codecs": "PCMU,PCMA,G722",
        "start_time": iso_timestamp(call.start_time),
        "state": "parked" if incoming else "bridging",
        "to": call.to,
    }
    if incoming:  # the live inbound captures carry both SIP URIs (REAL-PAYLOADS R1, R7)
        payload["from_sip_uri"] = _sip_uri(call.from_number, CARRIER_SIP_HOST)
        payload["to_sip_uri"] = _sip_uri(call.to, TELNYX_SIP_HOST)
    return _event(call, event_id, "call.initiated", at, payload)


def _sip_uri(party: str, host: str) -> str:
    """``user@host`` as Telnyx writes it (no ``sip:`` scheme); a SIP address keeps its own."""
    user = party.split(":", 1)[1] if party.startswith(("sip:", "sips:")) else party
    return user if "@" in user else f"{user}@{host}"


def call_answered(call: Call, event_id: str, at: float) -> WebhookEvent:
    payload = {
        **_call_ids(call),
        "calling_party_type": "pstn",
        "client_state": call.client_state,
        "codec": "PCMU",
        "from": call.from_number,
        "sampling_rate": 8000,
        "start_time": iso_timestamp(call.start_time),
        "to": call.to,
    }
    return _event(call, event_id, "call.answered", at, payload)


def call_bridged(call: Call, event_id: str, at: float) -> WebhookEvent:
    """One leg of a bridge (each leg gets its own, with its own ids, from and to)."""
    payload = {
        **_call_ids(call),
        "client_state": call.client_state,
        "from": call.from_number,
        "to": call.to,
    }
    return _event(call, event_id, "call.bridged", at, payload)


def call_hangup(call: Call, event_id: str, at: float) -> WebhookEvent:
    payload: dict[str, Any] = {
        **_call_ids(call),
        "end_time": iso_timestamp(at),
        "from": call.from_number,
        "hangup_cause": call.hangup_cause,
        "hangup_source": call.hangup_source,
        "sip_hangup_cause": call.sip_hangup_cause,
        "start_time": iso_timestamp(call.start_time),
        "to": call.to,
    }
    if call.answered_at is None:
        # A call that never had media: shape of the real capture (REAL-PAYLOADS R7).
        payload["telnyx_error"] = None
    else:
        payload["calling_party_type"] = "pstn"
        payload["client_state"] = call.client_state
        payload["call_quality_stats"] = {
            "inbound": {
                "jitter_max_variance": "0.00",
                "jitter_packet_count": "0",
                "mos": "4.50",
                "packet_count": str(int((at - call.answered_at) * 50)),
                "skip_packet_count": "0",
            },
            "outbound": {
                "packet_count": str(int((at - call.answered_at) * 50)),
                "skip_packet_count": "0",
            },
        }
    return _event(call, event_id, "call.hangup", at, payload)


def recording_saved(
    call: Call, recording: Recording, event_id: str, at: float, url: str
) -> WebhookEvent:
    assert recording.ended_at is not None
    started = iso_timestamp(recording.started_at)
    ended = iso_timestamp(recording.ended_at)
    payload = {
        **_call_ids(call),
        "calling_party_type": "pstn",
        "channels": recording.options.channels,
        "client_state": call.client_state,
        "end_time": ended,
        "flow_destination": FLOW_DESTINATION,
        "format": recording.options.format,
        "public_recording_urls": {},
        "recording_ended_at": ended,
        "recording_id": recording.id,
        "recording_started_at": started,
        "recording_urls": {recording.options.format: url},
        "start_time": started,
    }
    return _event(call, event_id, "call.recording.saved", at, payload)


def recording_error(call: Call, event_id: str, at: float, reason: str) -> WebhookEvent:
    payload = {**_call_ids(call), "client_state": call.client_state, "reason": reason}
    return _event(call, event_id, "call.recording.error", at, payload)


def transcription_saved(
    call: Call, recording: Recording, event_id: str, at: float, transcription_id: str, text: str
) -> WebhookEvent:
    payload = {
        **_call_ids(call),
        "calling_party_type": "pstn",
        "client_state": call.client_state,
        "recording_id": recording.id,
        "recording_transcription_id": transcription_id,
        "status": "completed",
        "transcription_text": text,
    }
    return _event(call, event_id, "call.recording.transcription.saved", at, payload)


# -- the commands around a recording: speak, playback, gather, real-time transcription ----------


def _media_ids(call: Call) -> dict[str, Any]:
    # Live speak events carry calling_party_type and client_state beside the ids (REAL-LOG-1).
    return {**_call_ids(call), "calling_party_type": "pstn", "client_state": call.client_state}


def speak_started(call: Call, event_id: str, at: float, prompt: Prompt) -> WebhookEvent:
    payload = {**_media_ids(call), "speak_id": prompt.id}
    return _event(call, event_id, "call.speak.started", at, payload)


def speak_ended(call: Call, event_id: str, at: float, prompt: Prompt, status: str) -> WebhookEvent:
    payload = {**_media_ids(call), "speak_id": prompt.id, "status": status}
    return _event(call, event_id, "call.speak.ended", at, payload)


def _playback(call: Call, prompt: Prompt) -> dict[str, Any]:
    payload = {**_media_ids(call), "overlay": prompt.overlay}
    # Played from playback_content: "media_url and media_name ... will be empty" (SPEC).
    if prompt.media_url is not None:
        payload["media_url"] = prompt.media_url
    if prompt.media_name is not None:
        payload["media_name"] = prompt.media_name
    return payload


def playback_started(call: Call, event_id: str, at: float, prompt: Prompt) -> WebhookEvent:
    return _event(call, event_id, "call.playback.started", at, _playback(call, prompt))


def playback_ended(
    call: Call, event_id: str, at: float, prompt: Prompt, status: str
) -> WebhookEvent:
    payload = {**_playback(call, prompt), "status": status}
    return _event(call, event_id, "call.playback.ended", at, payload)


def dtmf_received(call: Call, event_id: str, at: float, digit: str) -> WebhookEvent:
    payload = {**_media_ids(call), "digit": digit, "from": call.from_number, "to": call.to}
    return _event(call, event_id, "call.dtmf.received", at, payload)


def gather_ended(
    call: Call, event_id: str, at: float, gather_id: str, digits: str, status: str
) -> WebhookEvent:
    payload = {
        **_media_ids(call),
        "digits": digits,
        "from": call.from_number,
        "gather_id": gather_id,  # GatherRequest: "sent back in the corresponding call.gather.ended"
        "status": status,
        "to": call.to,
    }
    return _event(call, event_id, "call.gather.ended", at, payload)


def call_transcription(
    call: Call,
    event_id: str,
    at: float,
    *,
    text: str,
    confidence: float,
    is_final: bool,
    track: str | None,
) -> WebhookEvent:
    data: dict[str, Any] = {"confidence": confidence, "is_final": is_final, "transcript": text}
    if track is not None:  # SPEC: "only available when transcription_engine is set to B"
        data["transcription_track"] = track
    payload = {**_media_ids(call), "transcription_data": data}
    return _event(call, event_id, "call.transcription", at, payload)


# -- conferences ------------------------------------------------------------------------------

# SPEC's ConferenceEnded.reason enum; ended via the API has no value there, so no reason.
CONFERENCE_END_REASONS = ("all_left", "host_left", "time_exceeded")


def _conference_ids(call: Call, conference_id: str) -> dict[str, Any]:
    return {**_call_ids(call), "client_state": call.client_state, "conference_id": conference_id}


def conference_created(call: Call, conference_id: str, event_id: str, at: float) -> WebhookEvent:
    payload = {**_conference_ids(call, conference_id), "occurred_at": iso_timestamp(at)}
    return _event(call, event_id, "conference.created", at, payload)


def conference_participant(
    call: Call, conference_id: str, event_id: str, at: float, event_type: str
) -> WebhookEvent:
    """conference.participant.joined or conference.participant.left, for ``call``'s leg."""
    return _event(call, event_id, event_type, at, _conference_ids(call, conference_id))


def conference_ended(
    call: Call, conference_id: str, event_id: str, at: float, reason: str
) -> WebhookEvent:
    payload = {**_conference_ids(call, conference_id), "occurred_at": iso_timestamp(at)}
    if reason in CONFERENCE_END_REASONS:
        payload["reason"] = reason
    return _event(call, event_id, "conference.ended", at, payload)


def conference_recording_saved(
    call: Call, conference_id: str, recording: Recording, event_id: str, at: float, url: str
) -> WebhookEvent:
    assert recording.ended_at is not None
    payload = {
        "call_control_id": call.call_control_id,
        "call_session_id": call.call_session_id,
        "channels": recording.options.channels,
        "client_state": call.client_state,
        "conference_id": conference_id,
        "connection_id": call.connection_id,
        "format": recording.options.format,
        "public_recording_urls": {},
        "recording_ended_at": iso_timestamp(recording.ended_at),
        "recording_id": recording.id,
        "recording_started_at": iso_timestamp(recording.started_at),
        "recording_urls": {recording.options.format: url},
    }
    return _event(call, event_id, "conference.recording.saved", at, payload)
