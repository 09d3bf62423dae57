"""Ed25519 webhook signatures exactly as Telnyx makes them (sans-IO).

Telnyx signs ``f"{timestamp}|{raw body}"`` and sends the Base64 signature in
``telnyx-signature-ed25519`` and the Unix seconds in ``telnyx-timestamp``.
"""

from __future__ import annotations

import base64
from pathlib import Path

from nacl.signing import SigningKey

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "WebhookSigner"]

SIGNATURE_HEADER = "telnyx-signature-ed25519"
TIMESTAMP_HEADER = "telnyx-timestamp"


class WebhookSigner:
    """Holds the mock's Ed25519 key pair and signs webhook bodies."""

    def __init__(self, key: SigningKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> WebhookSigner:
        return cls(SigningKey.generate())

    @classmethod
    def from_seed_b64(cls, text: str) -> WebhookSigner:
        """A key from the Base64 of its 32-byte seed (the format ``--signing-key`` reads)."""
        seed = base64.b64decode(text.strip(), validate=True)
        if len(seed) == 64:  # libsodium's secret key is seed || public key
            seed = seed[:32]
        if len(seed) != 32:
            raise ValueError("a signing key is the Base64 of a 32-byte Ed25519 seed")
        return cls(SigningKey(seed))

    @classmethod
    def from_file(cls, path: Path) -> WebhookSigner:
        return cls.from_seed_b64(path.read_text(encoding="ascii"))

    @property
    def seed_b64(self) -> str:
        return base64.b64encode(bytes(self._key)).decode("ascii")

    @property
    def public_key_b64(self) -> str:
        """Base64 of the raw 32-byte public key: what ``TELNYX_PUBLIC_KEY`` holds."""
        return base64.b64encode(bytes(self._key.verify_key)).decode("ascii")

    def signature(self, timestamp: int, body: bytes) -> str:
        message = str(timestamp).encode("ascii") + b"|" + body
        return base64.b64encode(self._key.sign(message).signature).decode("ascii")

    def headers(self, timestamp: int, body: bytes) -> dict[str, str]:
        return {
            SIGNATURE_HEADER: self.signature(timestamp, body),
            TIMESTAMP_HEADER: str(timestamp),
        }
