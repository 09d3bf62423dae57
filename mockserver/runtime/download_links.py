"""Pre-signed download links for recording files, like Telnyx's expiring S3 URLs.

A link carries its expiry (wall-clock Unix seconds) and an HMAC over the recording id, the
format and the expiry, keyed by a secret made at start-up: it needs no Authorization header,
cannot be guessed and stops working after ``ttl`` seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from urllib.parse import quote

from mockserver.core.recordings import Recording

__all__ = ["MediaLinks"]


class MediaLinks:
    """Makes and checks recording download URLs pointing back at this server."""

    def __init__(
        self,
        *,
        ttl_seconds: float,
        base_url: str = "http://127.0.0.1",
        wall_clock: Callable[[], float] = time.time,
        secret: bytes | None = None,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.base_url = base_url.rstrip("/")
        self.wall_clock = wall_clock
        self._secret = secret or secrets.token_bytes(32)

    def _signature(self, recording_id: str, fmt: str, expires: int) -> str:
        message = f"{recording_id}|{fmt}|{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url_for(self, recording: Recording, fmt: str | None = None) -> str:
        fmt = fmt or recording.options.format
        expires = int(self.wall_clock() + self.ttl_seconds)
        name = recording.file_name.rsplit(".", 1)[0] + f".{fmt}"
        signature = self._signature(recording.id, fmt, expires)
        return (
            f"{self.base_url}/_media/recordings/{recording.id}/{quote(name, safe='')}"
            f"?X-Mock-Expires={expires}&X-Mock-Signature={signature}"
        )

    def recording_url(self, recording: Recording) -> str:
        return self.url_for(recording)

    def check(self, recording_id: str, fmt: str, expires: str, signature: str) -> str | None:
        """None when the link is valid, else the reason it is not."""
        if not (expires.isascii() and expires.isdigit() and len(expires) <= 20):
            return "missing or malformed X-Mock-Expires"
        expected = self._signature(recording_id, fmt, int(expires))
        if not hmac.compare_digest(expected, signature):
            return "signature does not match"
        if int(expires) < self.wall_clock():
            return "link expired"
        return None
