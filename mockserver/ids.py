"""Telnyx-looking identifiers and timestamps.

Ids come from one :class:`random.Random`: seeded from the OS by default, so every process hands
out new ids (an app that stores webhooks by ``data.id`` must not see the same ids on its second
run); a run with ``--seed N`` produces the same ids in the same order. Secrets (download
signatures, keys) never come from here.
"""

from __future__ import annotations

import base64
import functools
import math
import random
import re
import uuid
from datetime import UTC, datetime

__all__ = [
    "IdFactory",
    "is_well_formed_call_control_id",
    "iso_timestamp",
    "iso_timestamp_ms",
    "parse_timestamp",
    "random_seed",
]

# 100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch.
_UUID_EPOCH_OFFSET = 0x01B21DD213814000
_CALL_CONTROL_ID = re.compile(
    r"^(v[23]:[A-Za-z0-9_-]{16,200}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)


def is_well_formed_call_control_id(value: str) -> bool:
    """True for ids shaped like Telnyx's (``v2:``/``v3:`` + URL-safe Base64, or a UUID)."""
    return bool(_CALL_CONTROL_ID.match(value))


def iso_timestamp(seconds: float) -> str:
    """ISO 8601 with microseconds and ``Z``, as in every Telnyx webhook.

    Same text as ``datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")``
    (microseconds rounded half to even, as datetime does), but the date and time of day are
    formatted once per second: events come in bursts within the same second.
    """
    fraction, whole = math.modf(seconds)
    micros = round(fraction * 1e6)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    elif micros < 0:
        whole, micros = whole - 1, micros + 1_000_000
    return f"{_second(int(whole))}.{micros:06d}Z"


@functools.lru_cache(maxsize=1024)
def _second(whole: int) -> str:
    # datetime raises for what it cannot show (year 10000), as before.
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def iso_timestamp_ms(seconds: float) -> str:
    """ISO 8601 with milliseconds and ``Z``, as in every REST example of Telnyx's spec."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def random_seed() -> int:
    """A seed from the OS for a run without ``--seed`` (reported so the run can be repeated)."""
    return random.SystemRandom().getrandbits(32)


def parse_timestamp(value: str) -> float:
    """Parse an ISO 8601 timestamp (``Z`` or offset; date only means midnight UTC)."""
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


class IdFactory:
    """Makes the ids Telnyx hands out: call_control_id, leg/session ids, event and recording ids."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._node = self._rng.getrandbits(48) | 0x010000000000  # multicast bit: not a real MAC

    def call_control_id(self) -> str:
        # v3: + URL-safe Base64 of 40 bytes, unpadded: 54 characters as in Telnyx's examples.
        raw = self._rng.getrandbits(320).to_bytes(40, "big")
        return "v3:" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def leg_id(self, now: float) -> str:
        """A time-based (version 1) UUID like Telnyx's call_leg_id / call_session_id."""
        ticks = int(now * 10_000_000) + _UUID_EPOCH_OFFSET + self._rng.getrandbits(8)
        time_low = ticks & 0xFFFFFFFF
        time_mid = (ticks >> 32) & 0xFFFF
        time_hi_version = ((ticks >> 48) & 0x0FFF) | 0x1000
        clock_seq = self._rng.getrandbits(14)
        return str(
            uuid.UUID(
                fields=(
                    time_low,
                    time_mid,
                    time_hi_version,
                    0x80 | (clock_seq >> 8),
                    clock_seq & 0xFF,
                    self._node,
                )
            )
        )

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def uniform(self, low: float, high: float) -> float:
        return self._rng.uniform(low, high)
