"""mockserver: a local simulator of the Telnyx Call Control recording API.

Importing the package is cheap: the server's parts are loaded on first use of the names
below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

__all__ = ["MockServer", "ServerConfig", "__version__", "build_app", "build_mock"]

if TYPE_CHECKING:
    from mockserver.config import ServerConfig
    from mockserver.runtime.mock import MockServer, build_mock
    from mockserver.web.app import build_app

_LAZY = {
    "ServerConfig": "mockserver.config",
    "MockServer": "mockserver.runtime.mock",
    "build_mock": "mockserver.runtime.mock",
    "build_app": "mockserver.web.app",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)
