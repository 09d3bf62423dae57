"""A webhook signing key kept across restarts in the user's cache directory (``--persistent-key``).

An app's ``TELNYX_PUBLIC_KEY`` goes stale whenever the mock makes a new key; with this, the key
is made once, kept in ``$XDG_CACHE_HOME/telnyx-mockserver/signing-key`` (``~/.cache`` when the
variable is unset), readable by its owner only, and read again on every later start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from mockserver.core.signing import WebhookSigner

__all__ = ["KEY_FILE_NAME", "default_key_path", "persistent_signer"]

KEY_FILE_NAME = "signing-key"
APP_DIR = "telnyx-mockserver"


def default_key_path(env: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_CACHE_HOME/telnyx-mockserver/signing-key`` (XDG: a relative value is ignored)."""
    cache = env.get("XDG_CACHE_HOME", "")
    base = Path(cache) if cache and os.path.isabs(cache) else Path.home() / ".cache"
    return base / APP_DIR / KEY_FILE_NAME


def persistent_signer(path: Path) -> tuple[WebhookSigner, bool]:
    """The key kept at ``path``, made there (mode 0600) if there is none; True if just made.

    Raises ValueError with a one-line message naming the file when it cannot be read, written
    or is not a key.
    """
    if path.is_file():
        return _read(path), False
    signer = WebhookSigner.generate()
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(signer.seed_b64 + "\n")
        # A hard link appears whole or not at all, and never replaces a key that is there: two
        # mocks starting at once agree on one key (the second reads the first one's).
        os.link(partial, path)
    except FileExistsError:
        return _read(path), False
    except OSError as exc:
        raise ValueError(f"--persistent-key {path}: cannot create: {exc.strerror or exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return signer, True


def _read(path: Path) -> WebhookSigner:
    try:
        return WebhookSigner.from_file(path)
    except OSError as exc:
        raise ValueError(f"--persistent-key {path}: cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ValueError(
            f"--persistent-key {path}: not the Base64 of a 32-byte Ed25519 seed"
            " (delete the file to make a new key)"
        ) from exc
