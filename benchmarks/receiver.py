"""A webhook receiver process that notes when each webhook arrived (wall clock).

``python -m benchmarks.receiver`` prints ``receiver ready on http://127.0.0.1:PORT``.
``POST /hooks`` records ``[arrival, body]`` (the body's ``due_wall`` from the baseline, or the
event's ``occurred_at`` from mockserver); ``GET /results`` returns them; ``POST /reset`` clears.
With ``--keep-bodies no`` it only counts (the 10,000-call benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from typing import Any

from aiohttp import web

ARRIVALS = web.AppKey("arrivals", list)


async def hook(request: web.Request) -> web.Response:
    arrived = time.time()
    raw = await request.read()
    if request.app["keep"]:
        body = json.loads(raw)
        data = body.get("data") or {}
        marker: Any = body.get("due_wall", data.get("occurred_at"))
        request.app[ARRIVALS].append([arrived, marker])
    else:
        request.app[ARRIVALS].append(None)
    return web.Response(text="ok")


async def results(request: web.Request) -> web.Response:
    return web.json_response(request.app[ARRIVALS])


async def count(request: web.Request) -> web.Response:
    return web.json_response(len(request.app[ARRIVALS]))


async def reset(request: web.Request) -> web.Response:
    request.app[ARRIVALS].clear()
    return web.json_response("ok")


async def main(keep: bool) -> None:
    app = web.Application()
    app[ARRIVALS] = []
    app["keep"] = keep
    app.router.add_post("/hooks", hook)
    app.router.add_get("/results", results)
    app.router.add_get("/count", count)
    app.router.add_post("/reset", reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"receiver ready on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep-bodies", choices=["yes", "no"], default="yes")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(args.keep_bodies == "yes"))
