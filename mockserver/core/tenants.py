"""Per-API-key state: each key is a tenant that never sees another's calls or recordings."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from mockserver.core.calls import Call
from mockserver.core.conference_state import Conference
from mockserver.core.recording_transcriptions import RecordingTranscription
from mockserver.core.recordings import Recording

__all__ = ["TenantState"]


@dataclass
class TenantState:
    """Everything one API key owns."""

    api_key: str
    calls: dict[str, Call] = field(default_factory=dict)
    recordings: dict[str, Recording] = field(default_factory=dict)
    # Dial's command_id is deduplicated per account, not per call.
    dial_command_ids: dict[str, str] = field(default_factory=dict)
    fault_counts: dict[str, int] = field(default_factory=dict)  # scripted Dial failures
    conferences: dict[str, Conference] = field(default_factory=dict)
    transcriptions: dict[str, RecordingTranscription] = field(default_factory=dict)

    def owns_nothing(self) -> bool:
        """No call, recording, conference, count... left: the key need not be a tenant."""
        return not any(getattr(self, f.name) for f in fields(self) if f.name != "api_key")
