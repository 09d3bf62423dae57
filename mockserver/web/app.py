"""The aiohttp application: mounts the resource modules on one pipeline.

/v2 (Telnyx API), /_mock (control and dashboard), /_media (downloads).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from mockserver.runtime.mock import MockServer
from mockserver.ui import dashboard
from mockserver.web import calls, conferences, control, downloads, home, openapi, recordings
from mockserver.web.pipeline import MOCK, add_request_id, pipeline_middleware

__all__ = ["build_app"]


async def _dispatcher_ctx(app: web.Application) -> AsyncIterator[None]:
    mock = app[MOCK]
    await mock.dispatcher.start()
    yield
    # Each event still queued is journaled, and so logged, as undelivered by shutdown() itself.
    await mock.dispatcher.shutdown()
    await mock.dispatcher.close()


def build_app(mock: MockServer) -> web.Application:
    """The aiohttp application: /v2 (Telnyx API), /_mock (control), /_media (downloads)."""
    app = web.Application(
        middlewares=[pipeline_middleware],
        client_max_size=mock.config.max_body_bytes,
    )
    app[MOCK] = mock
    app.on_response_prepare.append(add_request_id)
    calls.add_routes(app)
    conferences.add_routes(app)
    downloads.add_routes(app)
    recordings.add_routes(app)
    openapi.add_routes(app)
    home.add_routes(app)
    # The dashboard's page and its static files hold no data, so they stay outside the control
    # token (a browser cannot send it to load them); added first, they resolve before /_mock/.
    dashboard.add_page_routes(app)
    control_app = control.build_control_app(mock)
    dashboard.add_routes(control_app)  # state, events, redeliver: under the control token
    app.add_subapp("/_mock/", control_app)
    app.cleanup_ctx.append(_dispatcher_ctx)
    return app
