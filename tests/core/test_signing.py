"""WebhookSigner: Ed25519 over ``f"{timestamp}|{body}"``, keys from a Base64 seed or a file."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from telnyx import Telnyx

from mockserver.core.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSigner

# RFC 8032, section 7.1, TEST 1: a seed and the public key it must give.
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")

BODY = json.dumps(
    {
        "data": {
            "record_type": "event",
            "event_type": "call.hangup",
            "id": "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
            "occurred_at": "2026-09-21T14:13:20.000000Z",
            "payload": {"call_control_id": "v3:abc", "hangup_cause": "normal_clearing"},
        },
        "meta": {"attempt": 1, "delivered_to": "http://127.0.0.1/webhooks"},
    },
    separators=(",", ":"),
).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_public_key_is_base64_of_the_raw_32_byte_key_rfc8032_vector() -> None:
    signer = WebhookSigner.from_seed_b64(b64(RFC8032_SEED))
    assert signer.public_key_b64 == b64(RFC8032_PUBLIC)
    assert len(base64.b64decode(signer.public_key_b64, validate=True)) == 32
    assert signer.seed_b64 == b64(RFC8032_SEED)


def test_signature_covers_timestamp_pipe_raw_body() -> None:
    signer = WebhookSigner.from_seed_b64(b64(RFC8032_SEED))
    signature = base64.b64decode(signer.signature(1_790_000_000, BODY), validate=True)
    assert len(signature) == 64
    VerifyKey(RFC8032_PUBLIC).verify(b"1790000000|" + BODY, signature)
    with pytest.raises(BadSignatureError):
        VerifyKey(RFC8032_PUBLIC).verify(b"1790000001|" + BODY, signature)
    with pytest.raises(BadSignatureError):
        VerifyKey(RFC8032_PUBLIC).verify(BODY, signature)


def test_signatures_are_deterministic_per_message() -> None:
    signer = WebhookSigner.generate()
    assert signer.signature(1, BODY) == signer.signature(1, BODY)
    assert signer.signature(1, BODY) != signer.signature(2, BODY)


def test_headers_carry_signature_and_unix_seconds_under_telnyx_names() -> None:
    signer = WebhookSigner.generate()
    headers = signer.headers(1_790_000_000, BODY)
    assert set(headers) == {"telnyx-signature-ed25519", "telnyx-timestamp"}
    assert (SIGNATURE_HEADER, TIMESTAMP_HEADER) == ("telnyx-signature-ed25519", "telnyx-timestamp")
    assert headers[TIMESTAMP_HEADER] == "1790000000"
    assert headers[SIGNATURE_HEADER] == signer.signature(1_790_000_000, BODY)


def test_official_sdk_unwraps_what_the_signer_signed() -> None:
    signer = WebhookSigner.generate()
    headers = signer.headers(int(time.time()), BODY)
    client = Telnyx(api_key="k", public_key=signer.public_key_b64)
    event = client.webhooks.unwrap(BODY.decode(), headers=headers)
    assert event.data is not None
    assert event.data.event_type == "call.hangup"
    other = WebhookSigner.generate()
    with pytest.raises(ValueError):
        Telnyx(api_key="k", public_key=other.public_key_b64).webhooks.unwrap(
            BODY.decode(), headers=headers
        )


def test_generated_keys_differ() -> None:
    assert WebhookSigner.generate().public_key_b64 != WebhookSigner.generate().public_key_b64


def test_from_seed_accepts_surrounding_whitespace_and_a_libsodium_64_byte_secret_key() -> None:
    from_seed = WebhookSigner.from_seed_b64(f"  {b64(RFC8032_SEED)}\n")
    secret_key = RFC8032_SEED + RFC8032_PUBLIC  # libsodium's layout: seed || public key
    from_secret = WebhookSigner.from_seed_b64(b64(secret_key))
    assert from_seed.public_key_b64 == from_secret.public_key_b64 == b64(RFC8032_PUBLIC)


@pytest.mark.parametrize(
    "text",
    ["", "not base64!", b64(b"x" * 16), b64(b"x" * 33), b64(RFC8032_SEED)[:-4]],
    ids=["empty", "not-base64", "16-bytes", "33-bytes", "truncated"],
)
def test_from_seed_rejects_anything_but_a_32_byte_seed(text: str) -> None:
    with pytest.raises(ValueError):
        WebhookSigner.from_seed_b64(text)


def test_from_file_pins_the_key(tmp_path: Path) -> None:
    seed = SigningKey.generate()
    path = tmp_path / "signing.key"
    path.write_text(b64(bytes(seed)) + "\n", encoding="ascii")
    first = WebhookSigner.from_file(path)
    second = WebhookSigner.from_file(path)
    assert first.public_key_b64 == second.public_key_b64 == b64(bytes(seed.verify_key))
    assert first.signature(5, BODY) == second.signature(5, BODY)


@pytest.mark.parametrize(
    "content",
    [b"", b"not base64!\n", base64.b64encode(b"x" * 16) + b"\n", b"\xff\xfe\x00\n"],
    ids=["empty", "not-base64", "16-bytes", "binary"],
)
def test_from_file_rejects_a_bad_key_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "signing.key"
    path.write_bytes(content)
    with pytest.raises(ValueError):
        WebhookSigner.from_file(path)


def test_from_file_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        WebhookSigner.from_file(tmp_path / "absent.key")
