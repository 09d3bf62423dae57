"""pytest plugin ``telnyx_mock`` (entry point ``pytest11`` of telnyx-mockserver).

pytest loads this module in every run of every project whose environment has telnyx-mockserver
installed, so it imports nothing but pytest and cannot fail. The server behind the fixture
(:mod:`mockserver.testing`: aiohttp, jsonschema, PyYAML) is imported when a test first asks for
``telnyx_mock``; if that import fails (say a folder named ``mockserver`` on ``sys.path`` hides
the installed package), the tests that use the fixture fail with the reason and every other test
runs as usual. It is installed as the top-level package ``pytest_telnyx_mock`` (pyproject's
package-dir maps it to this folder), not imported as ``mockserver.pytest_plugin``, so that such
a folder cannot hide the plugin itself. Nothing imports it as ``mockserver.pytest_entry``.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mockserver.testing import SessionServer, TelnyxMock

__all__ = ["telnyx_mock"]


def _implementation() -> ModuleType:
    """:mod:`mockserver.testing`, or a failure of the asking test that says why not."""
    try:
        return importlib.import_module("mockserver.testing")
    except Exception as exc:  # whatever the import raised, only this test may fail for it
        reason = f"{type(exc).__name__}: {exc}"
    found = sys.modules.get("mockserver")
    file = getattr(found, "__file__", None)
    where = os.path.dirname(file) if file else list(getattr(found, "__path__", None) or [])
    pytest.fail(
        f"telnyx_mock: cannot import mockserver.testing ({reason}). The name 'mockserver' "
        f"resolves to {where or 'nothing importable'}; if that is a folder of your project or "
        "a checkout of mockserver, it hides the installed telnyx-mockserver: run pytest where "
        "that folder is not on sys.path, or install the checkout without -e.",
        pytrace=False,
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("telnyx_mock")
    group.addoption(
        "--telnyx-mock-seed",
        type=int,
        default=None,
        help="seed the telnyx_mock ids and audio (default: new ids every session)",
    )
    parser.addini("telnyx_mock_seed", "seed for the telnyx_mock ids and audio", default="")


def _seed_option(config: pytest.Config) -> int | None:
    given = config.getoption("--telnyx-mock-seed")
    if given is not None:
        return int(given)
    ini = str(config.getini("telnyx_mock_seed")).strip()
    if not ini:
        return None
    try:
        return int(ini)
    except ValueError:
        raise pytest.UsageError(f"telnyx_mock_seed must be an integer, got {ini!r}") from None


@pytest.fixture(scope="session")
def _telnyx_mock_server(pytestconfig: pytest.Config) -> Iterator[SessionServer]:
    server: SessionServer = _implementation().SessionServer(_seed_option(pytestconfig))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def telnyx_mock(_telnyx_mock_server: SessionServer) -> TelnyxMock:
    """A running Telnyx mock on a manual clock, reset for this test (:class:`TelnyxMock`)."""
    handle: TelnyxMock = _implementation().TelnyxMock(_telnyx_mock_server)
    handle.reset()
    return handle
