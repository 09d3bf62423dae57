"""String formats Telnyx checks beyond JSON Schema's own (pure predicates)."""

from __future__ import annotations

import base64
import binascii

__all__ = ["is_strict_base64"]


def is_strict_base64(value: object) -> bool:
    """Standard, padded Base64 (what Telnyx asks of client_state)."""
    if not isinstance(value, str):
        return True  # type errors are reported by the "type" keyword
    if len(value) % 4:
        return False
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
