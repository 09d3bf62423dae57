"""The running mock: the sans-IO simulator wired to the one clock and webhook delivery.

``MockServer`` applies the core's effects (webhooks to send, timers to start) on the clock and
the dispatcher; ``build_mock`` assembles one from a :class:`~mockserver.config.ServerConfig`.
Nothing here knows HTTP routes: the web layer holds a MockServer and calls it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from yarl import URL

from mockserver.audio import synthesis as audio
from mockserver.audio.recording_files import audio_spec
from mockserver.config import ServerConfig, allowed_host_names
from mockserver.core.calls import Call
from mockserver.core.effects import Effect, SendWebhook, StartTimer, TimerKey
from mockserver.core.recordings import Recording
from mockserver.core.scenario import DEFAULT_SCENARIO, Scenario
from mockserver.core.signing import WebhookSigner
from mockserver.core.simulator import Simulator
from mockserver.ids import IdFactory, random_seed
from mockserver.runtime.clock import SimClock
from mockserver.runtime.command_log import CommandLog
from mockserver.runtime.download_links import DownloadLinks
from mockserver.runtime.hub import Hub
from mockserver.runtime.webhooks import DeliveryAttempt, WebhookDispatcher
from mockserver.spec.validation import SchemaRegistry

__all__ = ["ENDED_CALL_HISTORY", "MockServer", "build_mock", "mask_key"]

# Ended calls the API has forgotten (after call_retention_seconds) that the dashboard can still
# open: bounded by count, not by time, so a fast --time-scale does not empty the page.
ENDED_CALL_HISTORY = 200


@dataclass
class MockServer:
    """The running mock: config, clock, core, delivery, validators and keys."""

    config: ServerConfig
    clock: SimClock
    simulator: Simulator
    dispatcher: WebhookDispatcher
    schemas: SchemaRegistry
    signer: WebhookSigner
    links: DownloadLinks
    seed: int  # --seed, or the one drawn for this run: ids and audio follow from it
    hub: Hub = field(default_factory=Hub)  # change notices for the dashboard's live view
    command_log: CommandLog = field(default_factory=CommandLog)
    # Called on reset with the ids of the recordings forgotten (None: every recording).
    reset_hooks: list[Callable[[Collection[str] | None], None]] = field(default_factory=list)
    forgotten_calls: deque[Call] = field(default_factory=lambda: deque(maxlen=ENDED_CALL_HISTORY))

    def __post_init__(self) -> None:
        self.dispatcher.on_journal = self._journaled
        self.dispatcher.own_port = self._own_port
        # Host names requests may name (None: any): the listen host, loopback, --allowed-host.
        self.allowed_hosts = allowed_host_names(self.config)

    def tenant_label(self, api_key: str) -> str:
        """An API key as the dashboard shows it: ``KEY…abcd``, never whole (it may be a real
        Telnyx key, and the dashboard's data is readable by whatever reaches /_mock/)."""
        return mask_key(api_key)

    def resolve_tenant(self, value: str) -> str:
        """A key, or the label of exactly one known key (the dashboard sends labels back)."""
        known = set(self.simulator.tenants)
        known.update(entry.tenant for entry in self.dispatcher.journal)
        known.update(self.command_log.tenants())
        if value in known:
            return value
        matches = [key for key in known if mask_key(key) == value]
        return matches[0] if len(matches) == 1 else value

    def _own_port(self) -> int | None:
        try:
            return URL(self.links.base_url).port
        except ValueError:
            return None

    def is_own_control_url(self, url: str) -> bool:
        """``url`` would reach this mock's /_mock/ routes (refused as a webhook URL)."""
        return self.dispatcher.refuses(url)

    def _journaled(self, attempt: DeliveryAttempt) -> None:
        # Rendered only for a listening dashboard: the journal line itself is what is kept.
        listening = self.hub.subscriber_count() > 0
        data = {"tenant": attempt.tenant, **attempt.to_json()} if listening else None
        self.hub.publish(
            "webhook", tenant=attempt.tenant, call_control_id=attempt.call_control_id, data=data
        )

    def apply(self, effects: list[Effect]) -> None:
        """Hand the core's effects to the clock and the dispatcher."""
        touched: dict[tuple[str, str], None] = {}
        for effect in effects:
            if isinstance(effect, SendWebhook):
                self.dispatcher.enqueue(effect.event, effect.at, effect.faults)
                touched[effect.event.tenant, effect.event.call_control_id] = None
            elif isinstance(effect, StartTimer):
                self.clock.call_at(effect.at, self._timer_callback(effect.key))
                touched[effect.key.tenant, effect.key.call_control_id] = None
        for tenant, call_control_id in touched:
            self.hub.publish("call", tenant=tenant, call_control_id=call_control_id)

    def _timer_callback(self, key: TimerKey) -> Callable[[], None]:
        def fire() -> None:
            state = self.simulator.tenants.get(key.tenant)
            before = state.calls.get(key.call_control_id) if state else None
            effects = self.simulator.fire(key, self.clock.now())
            if before is not None and state is not None and key.call_control_id not in state.calls:
                self.forgotten_calls.append(before)  # purged: the dashboard keeps it
            self.apply(effects)
            if not effects:  # a purge, or a change without webhooks: still worth showing
                self.hub.publish("call", tenant=key.tenant, call_control_id=key.call_control_id)

        return fire

    def recording_seconds(self, recording: Recording) -> float:
        """How long the recording's file plays: what the API and the dashboard report."""
        return audio.duration_seconds(audio_spec(recording, self.seed))

    def now(self) -> float:
        return self.clock.now()

    def reset(self, tenant: str | None = None) -> None:
        # The recordings going away (None: all), for whoever keeps files of them.
        forgotten: list[str] | None = None
        if tenant is not None:
            state = self.simulator.tenants.get(tenant)
            forgotten = list(state.recordings) if state is not None else []
        self.simulator.reset(tenant)
        for hook in list(self.reset_hooks):
            hook(forgotten)
        self.dispatcher.forget(tenant)
        self.command_log.forget(tenant)
        kept = [c for c in self.forgotten_calls if tenant is not None and c.tenant != tenant]
        self.forgotten_calls.clear()
        self.forgotten_calls.extend(kept)
        self.hub.publish("resync", tenant=tenant)


def build_mock(
    config: ServerConfig,
    *,
    scenario: Scenario = DEFAULT_SCENARIO,
    signer: WebhookSigner | None = None,
    start_time: float | None = None,
    wall_clock: Callable[[], float] | None = None,
    schemas: SchemaRegistry | None = None,
) -> MockServer:
    """Assemble a MockServer; tests pass a fixed start time and their own wall clock."""
    wall = wall_clock or time.time
    clock = SimClock(
        config.clock_mode,
        start=start_time if start_time is not None else wall(),
        time_scale=config.time_scale,
    )
    signer = signer or WebhookSigner.generate()
    links = DownloadLinks(
        ttl_seconds=config.url_ttl_seconds,
        base_url=f"http://{config.host}:{config.port}",
        wall_clock=wall,
    )
    seed = config.seed if config.seed is not None else random_seed()
    simulator = Simulator(
        ids=IdFactory(seed),
        links=links,
        scenario=scenario,
        call_retention_seconds=config.call_retention_seconds,
        max_command_ids_per_call=config.max_command_ids_per_call,
        max_tenants=config.max_tenants,
        connections=config.connections,
    )
    dispatcher = WebhookDispatcher(
        clock=clock,
        signer=signer,
        default_url=config.webhook_url,
        timeout_seconds=config.webhook_timeout_seconds,
        retry_delays=config.webhook_retry_delays,
        journal_size=config.journal_size,
        wall_clock=wall,
    )
    return MockServer(
        config=config,
        clock=clock,
        simulator=simulator,
        dispatcher=dispatcher,
        schemas=schemas or SchemaRegistry(),
        signer=signer,
        links=links,
        seed=seed,
    )


def mask_key(api_key: str) -> str:
    """``KEY0123…abcd``: at most the first 3 and last 4 characters, and never more than half."""
    head = min(3, len(api_key) // 4)
    tail = min(4, len(api_key) // 4)
    return f"{api_key[:head]}…{api_key[len(api_key) - tail :] if tail else ''}"
