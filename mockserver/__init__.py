"""mockserver: a local simulator of the Telnyx Call Control recording API."""

from .app import MockServer, build_app, build_mock
from .config import ServerConfig

__all__ = ["MockServer", "ServerConfig", "__version__", "build_app", "build_mock"]

__version__ = "0.1.0"
