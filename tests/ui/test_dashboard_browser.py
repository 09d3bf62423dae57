"""The dashboard in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium).

`make browser-deps` (part of `make test`) installs Chromium where it can (root with apt-get,
as on CI) and playwright through the dev extras; playwright's own browser download is never
used. Where Chromium cannot be installed the test is skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mockserver.runtime.mock import mask_key
from tests.conftest import API_KEY, Harness, MakeHarness
from tests.web.test_bridge_transfer import answered_customer, contact_centre, transferred

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

    saved = page.locator('#webhooks tr.event[data-event-type="call.recording.saved"]')
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

    # Redeliver: the event's row counts a second attempt; opening it lists both.
    await saved.get_by_role("button", name="Redeliver").click()
    await expect(saved).to_have_attribute("data-attempts", "2")
    await expect(saved).to_have_attribute("data-attempt", "2")
    await saved.get_by_role("button", name="2").click()
    await expect(page.locator("#webhooks tr.attempt")).to_have_count(2)
    attempts = [
        r.body["meta"]["attempt"]
        for r in harness.receiver.events("call.recording.saved", call_control_id)
    ]
    assert attempts == [1, 2]
    await expect(page.get_by_test_id("message")).to_have_text("redeliver: done")
    await screenshot(page, "dashboard.png")

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


# -- reading a call: timeline, waveform, grouped attempts, history (issue 15) ----------------


def dead_url() -> str:
    with socket.socket() as closed:  # a port nobody listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{closed.getsockname()[1]}/a/rather/long/webhook/path/for/the/app"


async def recorded_call(
    harness: Harness, channels: str, fmt: str, seconds: float, **dial: Any
) -> tuple[str, str]:
    """A call recorded for ``seconds`` and hung up, its webhooks all attempted: (call, rec)."""
    call_control_id = (await harness.dial(**dial))["call_control_id"]
    await control(harness, "clock/advance", {"seconds": 2})
    status, _ = await harness.command(call_control_id, "record_start", {"format": "ogg"})
    assert status == 422
    status, _ = await harness.command(
        call_control_id, "record_start", {"format": fmt, "channels": channels}
    )
    assert status == 200
    await control(harness, "clock/advance", {"seconds": seconds})
    assert (await harness.command(call_control_id, "hangup"))[0] == 200
    await control(harness, "clock/advance", {"seconds": 10})
    [recording] = harness.mock.simulator.tenant(API_KEY).calls[call_control_id].recordings
    return call_control_id, recording.id


async def assert_no_clipped_column(page: Page, width: int, name: str) -> None:
    """Every table cell shows all it holds and no panel scrolls sideways (Redeliver visible)."""
    await page.set_viewport_size({"width": width, "height": 900})
    await page.wait_for_timeout(300)  # the page redraws 100 ms after a resize
    clipped = await page.evaluate(
        """() => {
        const bad = [];
        for (const cell of document.querySelectorAll("td, th")) {
          if (cell.offsetParent === null) continue;  // hidden (a closed <details>)
          if (cell.scrollWidth > cell.clientWidth + 1)
            bad.push(`${cell.closest("section").id} cell: ${cell.textContent.slice(0, 60)}`);
        }
        for (const section of document.querySelectorAll("section")) {
          if (section.scrollWidth > section.clientWidth + 1)
            bad.push(`${section.id} scrolls: ${section.scrollWidth} > ${section.clientWidth}`);
        }
        for (const button of document.querySelectorAll("#webhooks button")) {
          const box = button.getBoundingClientRect();
          if (box.right > window.innerWidth) bad.push(`${button.textContent} off-screen`);
        }
        return bad;
    }"""
    )
    await screenshot(page, name)
    assert clipped == [], (width, clipped)


async def test_timeline_and_waveform_of_finished_calls(
    make_harness: MakeHarness, page: Page
) -> None:
    harness = await make_harness()
    dual_call, dual_recording = await recorded_call(harness, "dual", "wav", 12)
    single_call, single_recording = await recorded_call(
        harness, "single", "mp3", 0.4, webhook_url=dead_url()
    )
    await page.goto(str(harness.client.make_url("/_mock/ui")))
    await expect(page.get_by_test_id("live")).to_have_text("live")

    # The dual call's timeline: states, its recording as a span, both record_starts with their
    # answers, and every webhook with its attempt.
    await page.get_by_test_id("timeline-call").select_option(dual_call)
    timeline = page.get_by_test_id("timeline")
    await expect(
        timeline.locator('[data-kind="command"][data-command="record_start"]')
    ).to_have_count(2)
    await expect(timeline.locator('[data-kind="command"][data-ok="0"]')).to_have_count(1)
    await expect(timeline.locator('[data-kind="command"][data-command="hangup"]')).to_have_count(1)
    await expect(timeline.locator('[data-kind="recording"][data-channels="dual"]')).to_have_count(1)
    await expect(timeline.locator('[data-kind="state"][data-state="answered"]')).to_have_count(1)
    saved = timeline.locator('[data-kind="attempt"][data-event-type="call.recording.saved"]')
    await expect(saved).to_have_count(1)
    await expect(saved).to_have_attribute("data-outcome", "delivered")
    # Keyboard: an item takes focus and says what it is.
    await saved.focus()
    await expect(page.get_by_test_id("timeline-detail")).to_contain_text(
        "webhook call.recording.saved attempt 1"
    )

    # Its waveform: two lanes under the player, with the scripted speech shaded.
    waveform = page.get_by_test_id("waveform")
    await page.get_by_test_id("waveform-recording").select_option(dual_recording)
    lanes = waveform.get_by_test_id("waveform-lane")
    await expect(lanes).to_have_count(2)
    assert [await lane.get_attribute("data-label") for lane in await lanes.all()] == [
        "inbound",
        "outbound",
    ]
    await expect(waveform.get_by_test_id("speech-span").first).to_be_attached()
    await expect(waveform.get_by_test_id("waveform-audio")).to_be_attached()

    # The single-channel call, whose receiver was down: every attempt on the timeline, one lane.
    await page.get_by_test_id("timeline-call").select_option(single_call)
    initiated = timeline.locator('[data-kind="attempt"][data-event-type="call.initiated"]')
    await expect(initiated).to_have_count(4)  # three attempts and the final verdict
    await expect(initiated.last).to_have_attribute("data-outcome", "undelivered")
    await page.get_by_test_id("waveform-recording").select_option(single_recording)
    await expect(lanes).to_have_count(1)
    card = page.locator(f'#recordings [data-recording-id="{single_recording}"]')
    await expect(card.get_by_test_id("duration")).to_have_text("400 ms")  # not "0.0 s"

    # The journal: one row per event; its attempts open on demand.
    group = page.locator('#webhooks tr.event[data-event-type="call.initiated"]').first
    await expect(group).to_have_attribute("data-attempts", "4")
    await group.get_by_role("button", name="4").click()
    await expect(page.locator("#webhooks tr.attempt")).to_have_count(4)

    # No clipped column at either width (long connection errors wrap), on a real clock no
    # "Advance clock" (checked elsewhere); the README's picture is the 1,400 px one.
    await assert_no_clipped_column(page, 1400, "dashboard-1400.png")
    await assert_no_clipped_column(page, 1000, "dashboard-1000.png")
    # The README's picture: the dual call at 1,400 px, its timeline and both waveform lanes.
    await page.set_viewport_size({"width": 1400, "height": 1250})
    await page.get_by_test_id("filter-call").select_option(dual_call)
    await page.get_by_test_id("waveform-recording").select_option(dual_recording)
    await expect(lanes).to_have_count(2)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(ARTIFACTS / "dashboard-readme.png"))
    if os.environ.get("MOCKSERVER_DOCS_SCREENSHOT"):  # refresh the README's picture
        shutil.copyfile(ARTIFACTS / "dashboard-readme.png", ROOT / "docs" / "img" / "dashboard.png")


async def test_timeline_shows_both_legs_of_a_transferred_call_on_one_axis(
    make_harness: MakeHarness, page: Page
) -> None:
    harness = await make_harness(scenario=contact_centre())
    customer = await answered_customer(harness)
    agent = await transferred(harness, customer)
    await harness.advance(10)  # the agent answers after 4 s: bridged, both talk
    assert (await harness.command(customer, "hangup"))[0] == 200  # the agent's leg ends too
    await harness.advance(5)
    await page.goto(str(harness.client.make_url("/_mock/ui")))
    await expect(page.get_by_test_id("live")).to_have_text("live")

    await page.get_by_test_id("timeline-call").select_option(customer)
    timeline = page.get_by_test_id("timeline")
    await expect(timeline.get_by_test_id("lane-call")).to_have_count(1)
    await expect(timeline.get_by_test_id("lane-leg")).to_have_count(1)
    # The customer's commands, and each leg's own call.bridged and states, on the one chart.
    await expect(
        timeline.locator(f'[data-kind="command"][data-command="transfer"][data-leg="{customer}"]')
    ).to_have_count(1)
    for leg in (customer, agent):
        bridged = f'[data-kind="attempt"][data-event-type="call.bridged"][data-leg="{leg}"]'
        await expect(timeline.locator(bridged)).to_have_count(1)
        answered = f'[data-kind="state"][data-state="answered"][data-leg="{leg}"]'
        await expect(timeline.locator(answered)).to_have_count(1)
    agent_bridged = timeline.locator(f'[data-event-type="call.bridged"][data-leg="{agent}"]')
    await agent_bridged.focus()
    await expect(page.get_by_test_id("timeline-detail")).to_contain_text(
        "leg B: webhook call.bridged attempt 1"
    )
    # Picked from the agent's side, the same session: the agent is A, the customer B.
    await page.get_by_test_id("timeline-call").select_option(agent)
    await expect(timeline.get_by_test_id("lane-leg")).to_have_count(1)
    await expect(
        timeline.locator(f'[data-kind="command"][data-command="transfer"][data-leg="{customer}"]')
    ).to_have_count(1)
    await screenshot(page, "dashboard-timeline-two-legs.png")


async def test_ended_calls_stay_openable_after_the_api_forgets_them(
    make_harness: MakeHarness, page: Page
) -> None:
    harness = await make_harness()
    call_control_id, _ = await recorded_call(harness, "dual", "wav", 3)
    await page.goto(str(harness.client.make_url("/_mock/ui")))
    await expect(page.get_by_test_id("live")).to_have_text("live")
    await expect(page.locator(f'#calls tr[data-call-id="{call_control_id}"]')).to_have_count(1)
    await expect(page.get_by_test_id("history")).to_be_hidden()
    # Ten simulated minutes later the API forgets the call; the page keeps it, in History.
    await control(harness, "clock/advance", {"seconds": 601})
    status, _ = await harness.get(f"/v2/calls/{call_control_id}")
    assert status == 404
    await expect(page.locator(f'#calls tr[data-call-id="{call_control_id}"]')).to_have_count(0)
    history = page.get_by_test_id("history")
    await expect(history).to_be_visible()
    await history.locator("summary").click()
    row = page.locator(f'#history tr[data-call-id="{call_control_id}"]')
    await row.focus()
    await page.keyboard.press("Enter")  # opens its timeline, keyboard only
    await expect(page.get_by_test_id("timeline-call")).to_have_value(call_control_id)
    timeline = page.get_by_test_id("timeline")
    await expect(timeline.locator('[data-kind="recording"]')).to_have_count(1)
    # A reload still has it: the server keeps the history, bounded by count.
    await page.reload()
    await expect(page.locator(f'#history tr[data-call-id="{call_control_id}"]')).to_have_count(1)


async def test_on_a_real_clock_there_is_no_advance_button(
    make_harness: MakeHarness, page: Page
) -> None:
    harness = await make_harness(clock_mode="real")
    await page.goto(str(harness.client.make_url("/_mock/ui")))
    await expect(page.get_by_test_id("clock")).to_contain_text("real")
    await expect(page.get_by_role("button", name="Advance clock")).to_be_hidden()
