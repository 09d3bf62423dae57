"""The baseline: a bare aiohttp app, nothing but what the benchmark compares against.

``python -m benchmarks.bare_app [--event-loop auto|uvloop|asyncio]`` prints
``bare ready on http://127.0.0.1:PORT`` like mockserver does. It answers record_start with
the body mockserver answers (no auth, no validation, no state), and ``POST /schedule``
``{"delay": s, "url": u}`` posts ``{"due_wall": t}`` to ``u`` from a bare ``call_later``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

OK = json.dumps({"data": {"result": "ok"}}).encode()
SESSION = web.AppKey("session", ClientSession)


async def command(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=OK, content_type="application/json")


async def schedule(request: web.Request) -> web.Response:
    body = await request.json()
    session = request.app[SESSION]
    due = time.time() + float(body["delay"])
    url = str(body["url"])
    tasks: set[asyncio.Task[Any]] = request.app["tasks"]

    async def post() -> None:
        payload = json.dumps({"due_wall": due}).encode()
        headers = {"Content-Type": "application/json"}
        async with session.post(url, data=payload, headers=headers) as response:
            await response.read()

    def fire() -> None:
        task = asyncio.ensure_future(post())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    asyncio.get_running_loop().call_later(float(body["delay"]), fire)
    return web.Response(body=OK, content_type="application/json")


async def main(port: int) -> None:
    app = web.Application()
    app.router.add_post("/v2/calls/{call_control_id}/actions/{action}", command)
    app.router.add_post("/schedule", schedule)
    app["tasks"] = set()
    app[SESSION] = ClientSession(timeout=ClientTimeout(total=2))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    print(f"bare ready on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await app[SESSION].close()
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--event-loop", choices=["auto", "uvloop", "asyncio"], default="auto")
    args = parser.parse_args()
    factory = None
    if args.event_loop != "asyncio":
        try:
            import uvloop

            factory = uvloop.new_event_loop
        except ImportError:
            if args.event_loop == "uvloop":
                raise
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(main(args.port))
    except KeyboardInterrupt:
        pass
