"""Where the data that ships with mockserver lives: request schemas and bundled scenarios.

The repository keeps them at its top (``schemas/``, ``scenarios/``); the wheel carries them as
the data packages ``mockserver.schemas`` and ``mockserver.scenarios`` (pyproject's package-dir),
and an editable install maps the same names onto the checkout. Either way they are found through
:mod:`importlib.resources`, never by walking up from this file.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

__all__ = ["data_dir"]

DataKind = Literal["schemas", "scenarios"]


def data_dir(kind: DataKind) -> Path:
    """The directory holding the shipped ``kind`` files (a real directory: wheels unpack)."""
    return Path(str(files(f"mockserver.{kind}")))
