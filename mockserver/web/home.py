"""``GET /``: what this server is and where to go next, instead of a 404.

API clients get JSON; a browser (``Accept: text/html``) gets the same links as a small page.
"""

from __future__ import annotations

import html
from typing import Any

from aiohttp import web

from mockserver.web.pipeline import MOCK, json_response

__all__ = ["add_routes", "links"]

# Same rule as the dashboard: the page loads nothing, from anywhere.
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
TELNYX_DOCS = "https://developers.telnyx.com/api/call-control"


def links(request: web.Request) -> dict[str, Any]:
    base = f"{request.scheme}://{request.host}"
    mock = request.app[MOCK]
    return {
        "name": "mockserver",
        "description": "Local simulator of the Telnyx Call Control recording API.",
        "scenario": mock.simulator.scenario.name,
        "api_base_url": f"{base}/v2",
        "dashboard": f"{base}/_mock/ui",
        "openapi": f"{base}/v2/openapi.json",
        "health": f"{base}/_mock/health",
        "docs": "README.md of telnyx-mockserver (its PyPI description; `mockserver --help` "
        f"explains every flag), and Telnyx's own reference: {TELNYX_DOCS}",
        "sdk": "Telnyx(api_key='KEY_TEST', base_url='" + f"{base}/v2')",
    }


def _wants_html(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "application/json" not in accept


async def home(request: web.Request) -> web.Response:
    data = links(request)
    if not _wants_html(request):
        return json_response(data, headers={"Vary": "Accept"})
    rows = "".join(
        f'<li>{html.escape(label)}: <a href="{html.escape(data[key])}">'
        f"{html.escape(data[key])}</a></li>"
        for key, label in (
            ("dashboard", "Dashboard"),
            ("openapi", "OpenAPI document"),
            ("health", "Health"),
        )
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>mockserver</title></head><body>"
        f"<h1>mockserver</h1><p>{html.escape(data['description'])} "
        f"Scenario: <code>{html.escape(data['scenario'])}</code>.</p>"
        f"<p>Point the Telnyx SDK at <code>{html.escape(data['api_base_url'])}</code>.</p>"
        f"<ul>{rows}</ul><p>Docs: {html.escape(data['docs'])}</p></body></html>"
    )
    return web.Response(
        text=page,
        content_type="text/html",
        headers={"Content-Security-Policy": CSP, "Vary": "Accept"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
