"""Conference state (sans-IO, data only): a conference, its participants, and their JSON.

The commands that change it are in core/conferences.py.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mockserver.core.calls import Call
from mockserver.core.parties import Hearing
from mockserver.core.recordings import Recording
from mockserver.ids import iso_timestamp_ms

__all__ = [
    "Conference",
    "ConferenceStatus",
    "Participant",
    "conference_json",
    "participant_json",
]


class ConferenceStatus(StrEnum):
    INIT = "init"  # created with start_conference_on_create: false, not started yet
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass
class Participant:
    """One call's membership of a conference."""

    id: str
    call: Call
    joined_at: float
    muted: bool = False
    on_hold: bool = False
    end_conference_on_exit: bool = False
    soft_end_conference_on_exit: bool = False
    left_at: float | None = None
    hearing: Hearing | None = None  # heard in the mix now (None: muted, held or gone)
    updated_at: float = 0.0

    @property
    def present(self) -> bool:
        return self.left_at is None


@dataclass
class Conference:
    id: str
    tenant: str
    name: str
    host: Call  # the leg the conference was created from: channel A of a dual recording
    created_at: float
    expires_at: float
    region: str | None = None
    max_participants: int = 250
    status: ConferenceStatus = ConferenceStatus.IN_PROGRESS
    participants: dict[str, Participant] = field(default_factory=dict)  # by call_control_id
    channel_a: list[Hearing] = field(default_factory=list)
    channel_b: list[Hearing] = field(default_factory=list)
    recordings: list[Recording] = field(default_factory=list)
    ended_at: float | None = None
    end_reason: str | None = None
    ended_by: Call | None = None
    updated_at: float = 0.0
    command_ids: OrderedDict[str, None] = field(default_factory=OrderedDict)

    @property
    def is_live(self) -> bool:
        return self.status is not ConferenceStatus.COMPLETED

    def present(self) -> Iterator[Participant]:
        return (p for p in self.participants.values() if p.present)

    @property
    def active_recording(self) -> Recording | None:
        return next((r for r in reversed(self.recordings) if r.is_active), None)


def conference_json(conference: Conference) -> dict[str, Any]:
    """SPEC's Conference object."""
    data: dict[str, Any] = {
        "record_type": "conference",
        "id": conference.id,
        "name": conference.name,
        "created_at": iso_timestamp_ms(conference.created_at),
        "updated_at": iso_timestamp_ms(conference.updated_at),
        "expires_at": iso_timestamp_ms(conference.expires_at),
        "connection_id": conference.host.connection_id,
        "status": conference.status.value,
    }
    if conference.region is not None:
        data["region"] = conference.region
    if conference.end_reason is not None:
        data["end_reason"] = conference.end_reason
    if conference.ended_by is not None:
        data["ended_by"] = {
            "call_control_id": conference.ended_by.call_control_id,
            "call_session_id": conference.ended_by.call_session_id,
        }
    return data


def participant_json(conference: Conference, participant: Participant) -> dict[str, Any]:
    """SPEC's Participant object."""
    return {
        "record_type": "participant",
        "id": participant.id,
        "call_control_id": participant.call.call_control_id,
        "call_leg_id": participant.call.call_leg_id,
        "conference": {"id": conference.id, "name": conference.name},
        "whisper_call_control_ids": [],
        "created_at": iso_timestamp_ms(participant.joined_at),
        "updated_at": iso_timestamp_ms(participant.updated_at),
        "end_conference_on_exit": participant.end_conference_on_exit,
        "soft_end_conference_on_exit": participant.soft_end_conference_on_exit,
        "status": "joined" if participant.present else "left",
        "muted": participant.muted,
        "on_hold": participant.on_hold,
    }
