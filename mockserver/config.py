"""Server settings, built once by the command line or a test and passed down explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "LOOPBACK_HOSTS",
    "ClockMode",
    "Connection",
    "ServerConfig",
    "allowed_host_names",
    "host_name",
]

ClockMode = Literal["real", "scaled", "manual"]

ONE_MIB = 1024 * 1024
# Host names a local server answers to besides its listen address (DNS rebinding: a page on
# evil.example whose name later resolves to 127.0.0.1 sends "Host: evil.example").
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class Connection:
    """A Call Control Application: where its calls' webhooks go when Dial names no URL."""

    id: str
    webhook_url: str
    webhook_url_failover: str | None = None
    webhook_timeout_secs: float | None = None  # None: the server's webhook timeout


@dataclass(frozen=True)
class ServerConfig:
    """Everything a running mock needs to know that is not a scenario."""

    host: str = "127.0.0.1"
    port: int = 8000
    api_keys: frozenset[str] | None = None  # None: any non-empty bearer key is a tenant
    webhook_url: str | None = None
    clock_mode: ClockMode = "real"
    time_scale: float = 1.0
    seed: int | None = None  # None: a new seed per process, so ids differ run to run
    max_body_bytes: int = ONE_MIB
    # Ended calls stay queryable (and their command_ids remembered) this long, in simulated
    # seconds: Telnyx keeps call status "available 10 minutes after call ended".
    call_retention_seconds: float = 600.0
    max_command_ids_per_call: int = 10_000
    # API keys owning calls or recordings at once (a new one beyond is 429).
    max_tenants: int = 10_000
    webhook_timeout_seconds: float = 2.0
    webhook_retry_delays: tuple[float, ...] = (1.0, 2.0)
    journal_size: int = 10_000
    url_ttl_seconds: float = 600.0
    control_token: str | None = None
    connections: tuple[Connection, ...] = ()  # --connection; a scenario may declare more
    # Host names requests may name (Host, and Origin on /_mock/), besides the listen host;
    # a port is ignored. None: any (--allowed-host '*', e.g. in a container).
    allowed_hosts: frozenset[str] | None = LOOPBACK_HOSTS


def host_name(value: str) -> str:
    """The host of a ``Host`` header (or an --allowed-host value): lower case, no port, no
    trailing dot, an IPv6 literal without its brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        value = value[1:end] if end > 0 else value[1:]
    elif value.count(":") == 1:  # host:port (a bare IPv6 literal has several colons)
        value = value.partition(":")[0]
    return value.rstrip(".")


def allowed_host_names(config: ServerConfig) -> frozenset[str] | None:
    """Every host name the server answers to (None: any)."""
    if config.allowed_hosts is None:
        return None
    return frozenset(host_name(name) for name in (*config.allowed_hosts, config.host))
