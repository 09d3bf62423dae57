"""The dashboard in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium).

`make browser-deps` (part of `make test`) installs Chromium where it can (root with apt-get,
as on CI) and playwright through the dev extras; playwright's own browser download is never
used. Where Chromium cannot be installed the test is skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mockserver.runtime.mock import mask_key
from tests.conftest import API_KEY, Harness, MakeHarness

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("MOCKSERVER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 5000  # per expectation; the whole test takes a few seconds

try:
    from playwright.async_api import (
        Browser,
        ConsoleMessage,
        Dialog,
        Page,
        async_playwright,
        expect,
    )
except ImportError:  # pragma: no cover - depends on the machine
    pytest.skip(
        "playwright is not installed: `make browser-deps` installs the dev extras",
        allow_module_level=True,
    )
if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):  # pragma: no cover
    pytest.skip(
        f"{CHROMIUM} is missing: `make browser-deps` installs Debian's chromium, which needs "
        "root and apt-get (CI has both)",
        allow_module_level=True,
    )


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        # Chromium logs every 4xx answer; the page shows those itself (tested below).
        if (
            message.type == "error"
            and "the server responded with a status of 4" not in message.text
        ):
            problems.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    page.set_default_timeout(TIMEOUT_MS)
    try:
        yield page
    finally:
        await context.close()
    assert problems == []


async def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / name), full_page=True)


async def control(harness: Harness, path: str, body: Any = None) -> Any:
    status, data = await harness.post(f"/_mock/{path}", body if body is not None else {}, key=None)
    assert status == 200, data
    return data


async def test_dashboard_shows_a_recorded_call_live_and_redelivers(
    make_harness: MakeHarness, page: Page
) -> None:
    harness = await make_harness()
    await page.goto(str(harness.client.make_url("/_mock/ui")))
    await expect(page.get_by_test_id("live")).to_have_text("live")
    await expect(page.get_by_test_id("clock")).to_contain_text("manual")

    # Dial: the call appears, then is answered when the clock moves (control API).
    call_control_id = (await harness.dial())["call_control_id"]
    row = page.locator(f'#calls tr[data-call-id="{call_control_id}"]')
    await expect(row).to_be_visible()
    await control(harness, "clock/advance", {"seconds": 2})
    await expect(row.get_by_test_id("call-state")).to_have_text("answered")

    # Record (one rejected attempt first, with its validation errors shown), then hang up.
    status, _ = await harness.command(call_control_id, "record_start", {"format": "ogg"})
    assert status == 422
    rejected = page.locator('#commands tr[data-command="record_start"][data-ok="0"]')
    await expect(rejected.get_by_test_id("command-errors")).to_contain_text("/channels")
    status, _ = await harness.command(
        call_control_id, "record_start", {"format": "wav", "channels": "dual"}
    )
    assert status == 200
    await expect(
        page.locator('#commands tr[data-command="record_start"][data-ok="1"]')
    ).to_have_count(1)
    await control(harness, "clock/advance", {"seconds": 6})
    status, _ = await harness.command(call_control_id, "hangup")
    assert status == 200
    await control(harness, "clock/advance", {"seconds": 3})
    await expect(row.get_by_test_id("call-state")).to_have_text("ended")

    saved = page.locator('#webhooks tr[data-event-type="call.recording.saved"]')
    await expect(saved).to_have_count(1)
    await expect(saved).to_have_attribute("data-outcome", "delivered")

    # The recording plays: the real WAV through its signed link.
    card = page.locator("#recordings .recording")
    await expect(card).to_have_count(1)
    await expect(card.get_by_test_id("duration")).to_contain_text(" s")
    audio = card.get_by_test_id("audio")
    await page.wait_for_function(
        "el => el.readyState >= 2 && el.duration > 0", arg=await audio.element_handle()
    )
    await audio.evaluate("el => { el.muted = true; return el.play(); }")
    await page.wait_for_function("el => el.currentTime > 0", arg=await audio.element_handle())
    await audio.evaluate("el => el.pause()")
    recording_id = await card.get_attribute("data-recording-id")
    for fmt in ("WAV", "MP3"):
        link = card.get_by_role("link", name=f"download {fmt}")
        href = await link.get_attribute("href")
        assert href is not None, href
        assert href.startswith(f"/telephony-recorder-prod/{recording_id}/"), href
        assert f".{fmt.lower()}?X-Amz-Algorithm=AWS4-HMAC-SHA256&" in href, href
    await screenshot(page, "dashboard-recorded.png")

    # Redeliver: the second attempt appears in the journal.
    await saved.get_by_role("button", name="Redeliver").click()
    await expect(saved).to_have_count(2)
    await expect(saved.first).to_have_attribute("data-attempt", "2")
    attempts = [
        r.body["meta"]["attempt"]
        for r in harness.receiver.events("call.recording.saved", call_control_id)
    ]
    assert attempts == [1, 2]
    await expect(page.get_by_test_id("message")).to_have_text("redeliver: done")
    await screenshot(page, "dashboard.png")
    if os.environ.get("MOCKSERVER_DOCS_SCREENSHOT"):  # refresh the README's picture
        shutil.copyfile(ARTIFACTS / "dashboard.png", ROOT / "docs" / "dashboard.png")

    # Filters: another tenant's call is hidden when filtering by ours.
    await harness.dial("KEY_OTHER_TENANT")
    await expect(page.locator("#calls tr")).to_have_count(2)
    await page.get_by_test_id("filter-tenant").select_option(mask_key(API_KEY))
    await expect(page.locator("#calls tr")).to_have_count(1)


async def test_dashboard_buttons_act_through_the_control_api(
    make_harness: MakeHarness, page: Page
) -> None:
    harness = await make_harness()
    await page.goto(str(harness.client.make_url("/_mock/ui")))
    await expect(page.get_by_test_id("live")).to_have_text("live")

    # Inject an inbound call from the form: it arrives parked.
    await page.locator("#inject-panel summary").click()
    form = page.locator("#inject-form")
    await form.locator('input[name="api_key"]').fill(API_KEY)
    await form.locator('input[name="webhook_url"]').fill(harness.receiver.url)
    await form.get_by_role("button", name="Inject").click()
    row = page.locator("#calls tr.call")
    await expect(row).to_have_count(1)
    await expect(row.get_by_test_id("call-state")).to_have_text("parked")
    [call] = harness.mock.simulator.tenant(API_KEY).calls.values()
    assert call.direction == "incoming"
    await expect(page.locator('#webhooks tr[data-event-type="call.initiated"]')).to_have_count(1)

    # Advance the manual clock from the header.
    await page.locator("#advance-seconds").fill("30")
    await page.get_by_role("button", name="Advance clock").click()
    await expect(page.get_by_test_id("clock")).to_contain_text("14:13:50")

    # The far end hangs up.
    await row.get_by_role("button", name="Hang up").click()
    await expect(row.get_by_test_id("call-state")).to_have_text("ended")
    await expect(page.locator('#webhooks tr[data-event-type="call.hangup"]')).to_have_count(1)
    assert call.hangup_source == "caller"

    # A mistake is reported, not swallowed: advancing by a negative number.
    await page.locator("#advance-seconds").fill("-1")
    await page.get_by_role("button", name="Advance clock").click()
    await expect(page.get_by_test_id("message")).to_contain_text("422")

    # Reset (after confirming) empties the page through the resync notice.
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Reset").click()
    await expect(page.locator("#calls tr")).to_have_count(0)
    await expect(page.locator("#webhooks tr")).to_have_count(0)
    assert harness.mock.simulator.tenants == {}


async def test_with_a_control_token_the_page_asks_for_it_and_sends_it(
    make_harness: MakeHarness, page: Page
) -> None:
    token = "browser-control-token"
    harness = await make_harness(control_token=token)
    prompts: list[str] = []

    async def answer(dialog: Dialog) -> None:
        prompts.append(dialog.type)
        await dialog.accept(token)

    page.on("dialog", answer)
    # A wrong ?token= is refused, so the page prompts; the address bar loses the token.
    await page.goto(str(harness.client.make_url("/_mock/ui?token=wrong")))
    await expect(page.get_by_test_id("live")).to_have_text("live")
    assert prompts == ["prompt"]
    assert "token" not in page.url

    call_control_id = (await harness.dial())["call_control_id"]
    row = page.locator(f'#calls tr[data-call-id="{call_control_id}"]')
    await expect(row.get_by_test_id("call-state")).to_have_text("initiated")
    await row.get_by_role("button", name="Hang up").click()
    await expect(row.get_by_test_id("call-state")).to_have_text("ended")
    assert prompts == ["prompt"]
