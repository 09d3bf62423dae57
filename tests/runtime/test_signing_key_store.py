"""The key kept across restarts (``--persistent-key``): where it lives, how it is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.runtime.signing_key_store import default_key_path, persistent_signer


def test_the_key_lives_in_xdg_cache_home_or_home_cache() -> None:
    assert default_key_path({"XDG_CACHE_HOME": "/tmp/c"}) == Path(
        "/tmp/c/telnyx-mockserver/signing-key"
    )
    home = Path.home() / ".cache" / "telnyx-mockserver" / "signing-key"
    assert default_key_path({}) == home
    assert default_key_path({"XDG_CACHE_HOME": "relative/dir"}) == home  # XDG: ignore relative


def test_made_once_owner_only_then_read_back(tmp_path: Path) -> None:
    path = tmp_path / "new" / "signing-key"
    first, made = persistent_signer(path)
    assert made and path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    again, made = persistent_signer(path)
    assert not made and again.public_key_b64 == first.public_key_b64
    assert [p.name for p in path.parent.iterdir()] == ["signing-key"]  # no partial file left


def test_a_damaged_key_file_is_a_one_line_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "signing-key"
    path.write_text("not a key\n", encoding="ascii")
    with pytest.raises(ValueError, match=r"^--persistent-key .*signing-key: not the Base64"):
        persistent_signer(path)
