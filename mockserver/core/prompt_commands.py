"""The commands around a recording (sans-IO): speak, playback, gather, DTMF, transcription.

Each handler follows :data:`mockserver.core.context.Handler`: an answered call, an already
validated body and the simulated time in, ``(result, effects)`` out. Timers come back through
``fire_prompt_end``, ``fire_gather_step`` and ``fire_transcript_line`` (core/timers.py); when
the call ends, :func:`on_hangup` ends whatever still plays or listens.
The state lives on the call (:class:`~mockserver.core.prompts.CallMedia`).

What Telnyx does not document is chosen here and listed in docs/fidelity.md ("Speak,
playback, gather, transcription").
"""

from __future__ import annotations

from typing import Any

from mockserver import errors
from mockserver.core import events
from mockserver.core.calls import Call
from mockserver.core.context import OK, Body, Context, Result, take_client_state
from mockserver.core.effects import Effect, StartTimer, TimerKey, TimerKind
from mockserver.core.formats import is_strict_base64
from mockserver.core.prompts import (
    MIN_SPEAK_SECONDS,
    Gather,
    GatherRules,
    Lane,
    MediaSpan,
    Prompt,
    Transcription,
    plan_gather,
    spoken_text,
)
from mockserver.core.scenario import Scenario, SpeechSpan, TranscriptLine
from mockserver.errors import TelnyxError

__all__ = [
    "fire_gather_step",
    "fire_prompt_end",
    "fire_transcript_line",
    "gather",
    "gather_stop",
    "gather_using_speak",
    "on_hangup",
    "playback_start",
    "playback_stop",
    "prompt_seconds",
    "send_dtmf",
    "speak",
    "transcription_start",
    "transcription_stop",
]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PLAYBACK_MAX_LOOPS = 100  # "an integer between 1 and 100, or the special string infinity"
TRANSCRIPTION_TRACKS = ("both", "inbound", "outbound")
STOP_MODES = ("all", "current")
TARGET_LEGS = ("both", "opposite", "self")
# A stopped speak ends "completed": SPEC's enum for call.speak.ended has no "cancelled".
STOPPED_STATUS = {"speak": "completed", "playback": "cancelled"}


def prompt_seconds(scenario: Scenario, payload: str, payload_type: str) -> float:
    """How long one play of a speak (or gather_using_speak prompt) lasts."""
    if scenario.speak_duration is not None:
        return scenario.speak_duration
    text = spoken_text(payload, payload_type)
    return max(MIN_SPEAK_SECONDS, len(text) * scenario.speak_seconds_per_character)


def _enum_error(name: str, allowed: tuple[str, ...]) -> TelnyxError:
    return errors.invalid_enum(allowed, f"/{name}")


def _loops(value: Any, maximum: int | None) -> int | None:
    """``loop`` as a count, or None for ``infinity`` (SPEC Loopcount: string or integer)."""
    if isinstance(value, str) and value == "infinity":
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int):
        raise errors.bad_request(
            "The 'loop' parameter must be a whole number of plays or 'infinity'.",
            pointer="/loop",
            status=422,
        )
    if value < 1 or (maximum is not None and value > maximum):
        bound = f"1 to {maximum}" if maximum is not None else "1 or more"
        raise errors.out_of_range(f"The value is outside of allowed range {bound}", pointer="/loop")
    return value


def _choice(body: Body, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = body.get(name, default)
    if value not in allowed:
        raise _enum_error(name, allowed)
    return str(value)


# -- speak and playback ----------------------------------------------------------------


def speak(ctx: Context, call: Call, body: Body, now: float) -> Result:
    payload_type = body.get("payload_type", "text")
    if body.get("service_level") == "basic":
        # "When using basic, only the en-US language and payload type text are allowed."
        if body.get("language", "en-US") != "en-US":
            raise _enum_error("language", ("en-US",))
        if payload_type != "text":
            raise _enum_error("payload_type", ("text",))
    loops = _loops(body.get("loop", 1), None)
    stop = _choice(body, "stop", STOP_MODES, "") if "stop" in body else None
    take_client_state(call, body)
    each = prompt_seconds(call.scenario, body["payload"], payload_type)
    prompt = Prompt(
        id=_speak_id(ctx),
        kind="speak",
        seconds=None if loops is None else each * loops,
        audible=body.get("target_legs", "self") != "opposite",
    )
    effects = _stop(ctx, call, call.media.main, stop, now) if stop else []
    return OK, effects + _enqueue(ctx, call, prompt, now)


def playback_start(ctx: Context, call: Call, body: Body, now: float) -> Result:
    sources = [k for k in ("audio_url", "media_name", "playback_content") if body.get(k)]
    if not sources:
        raise errors.missing_parameter(
            "audio_url", "One of 'audio_url', 'media_name' or 'playback_content' is required."
        )
    if len(sources) > 1:
        raise errors.bad_request(
            f"'{sources[0]}' and '{sources[1]}' cannot be used together in one request.",
            pointer=f"/{sources[1]}",
            status=422,
        )
    if "playback_content" in sources and not is_strict_base64(body["playback_content"]):
        raise errors.bad_request(
            "The 'playback_content' parameter must be a valid Base-64 encoded string.",
            pointer="/playback_content",
            status=422,
        )
    target = _choice(body, "target_legs", TARGET_LEGS, "self")
    loops = _loops(body.get("loop", 1), PLAYBACK_MAX_LOOPS)
    stop = _choice(body, "stop", STOP_MODES, "") if "stop" in body else None
    overlay = bool(body.get("overlay", False))
    if overlay and target != "self":
        raise errors.bad_request(
            "When overlay is enabled, target_legs is limited to self.",
            pointer="/target_legs",
            status=422,
        )
    main = call.media.main.playing
    if overlay and (main is None or main.kind != "playback"):
        raise errors.bad_request(
            "Audio can be played with overlay=true only while audio played with "
            "overlay=false is playing.",
            pointer="/overlay",
            status=422,
        )
    take_client_state(call, body)
    each = call.scenario.playback_duration
    prompt = Prompt(
        id=ctx.ids.uuid4(),
        kind="playback",
        seconds=None if loops is None else each * loops,
        overlay=overlay,
        audible=target != "opposite",
        media_url=body.get("audio_url") or None,
        media_name=body.get("media_name") or None,
    )
    lane = call.media.lane(overlay)
    effects = _stop(ctx, call, lane, stop, now) if stop else []
    return OK, effects + _enqueue(ctx, call, prompt, now)


def playback_stop(ctx: Context, call: Call, body: Body, now: float) -> Result:
    stop = _choice(body, "stop", STOP_MODES, "all")
    overlay = bool(body.get("overlay", False))
    lane = call.media.lane(overlay)
    if lane.playing is None:
        which = "overlay audio" if overlay else "audio"
        raise errors.bad_request(f"There is no {which} playing on this call to stop.", status=422)
    take_client_state(call, body)
    return OK, _stop(ctx, call, lane, stop, now)


# -- gather ----------------------------------------------------------------------------


def gather(ctx: Context, call: Call, body: Body, now: float) -> Result:
    rules = _rules(
        ctx,
        body,
        first_digit_timeout=body["initial_timeout_millis"] / 1000,
        overall_timeout=body["timeout_millis"] / 1000,
    )
    take_client_state(call, body)
    return OK, _start_gather(ctx, call, body, rules, now, prompt=None)


def gather_using_speak(ctx: Context, call: Call, body: Body, now: float) -> Result:
    each = prompt_seconds(call.scenario, body["payload"], body.get("payload_type", "text"))
    wait = body["timeout_millis"] / 1000  # after the prompt, before it is played again
    tries = max(1, int(body["maximum_tries"]))
    rules = _rules(ctx, body, first_digit_timeout=tries * (each + wait), overall_timeout=None)
    take_client_state(call, body)
    return OK, _start_gather(ctx, call, body, rules, now, prompt=(each, wait, tries))


def gather_stop(ctx: Context, call: Call, body: Body, now: float) -> Result:
    gather = call.media.gather
    if gather is None:
        raise errors.bad_request("There is no gather in progress on this call to stop.", status=422)
    take_client_state(call, body)
    return OK, _end_gather(ctx, call, gather, now, gather.collected, "cancelled")


def send_dtmf(ctx: Context, call: Call, body: Body, now: float) -> Result:
    # "There are no webhooks associated with this command." (SPEC)
    take_client_state(call, body)
    return OK, []


# -- real-time transcription -----------------------------------------------------------


def transcription_start(ctx: Context, call: Call, body: Body, now: float) -> Result:
    if call.media.transcription is not None:
        raise errors.transcription_in_progress()
    tracks = _choice(body, "transcription_tracks", TRANSCRIPTION_TRACKS, "inbound")
    take_client_state(call, body)
    start = _media_time(call, now)
    wanted = ("inbound", "outbound") if tracks == "both" else (tracks,)
    script = call.scenario.transcript
    lines = tuple(
        sorted(
            (
                line
                for line in (_default_transcript(call.scenario) if script is None else script)
                if line.at >= start and line.track in wanted
            ),
            key=lambda line: line.at,
        )
    )
    session = Transcription(
        id=ctx.ids.uuid4(),
        engine=str(body.get("transcription_engine", "Google")),
        tracks=tracks,
        lines=lines,
    )
    call.media.transcription = session
    return OK, _next_line(ctx, call, session, 0)


def transcription_stop(ctx: Context, call: Call, body: Body, now: float) -> Result:
    if call.media.transcription is None:
        raise errors.bad_request(
            "There is no transcription in progress on this call to stop.", status=422
        )
    take_client_state(call, body)
    call.media.transcription = None
    return OK, []


# -- timers and hangup -----------------------------------------------------------------


def fire_prompt_end(ctx: Context, call: Call, key: TimerKey, now: float) -> list[Effect]:
    """A speak or playback finishes; stale if it was stopped meanwhile."""
    for lane in (call.media.main, call.media.overlay):
        if lane.playing is not None and lane.playing.id == key.item_id:
            return _finish(ctx, call, lane, now, "completed")
    return []


def fire_gather_step(ctx: Context, call: Call, key: TimerKey, now: float) -> list[Effect]:
    """The next scripted key press of a gather, or its end; stale if it was stopped."""
    gather = call.media.gather
    if gather is None or gather.token != key.item_id:
        return []
    outcome = gather.outcome
    if key.generation == len(outcome.presses):
        return _end_gather(ctx, call, gather, now, outcome.digits, outcome.status)
    digit = outcome.presses[key.generation].digit
    if digit != gather.rules.terminating_digit:
        gather.collected += digit
    effects = ctx.webhook(call, events.dtmf_received(call, ctx.ids.uuid4(), now, digit))
    return effects + _next_gather_step(ctx, call, gather, key.generation + 1)


def fire_transcript_line(ctx: Context, call: Call, key: TimerKey, now: float) -> list[Effect]:
    """The next line of a real-time transcription; stale if it was stopped."""
    session = call.media.transcription
    if session is None or session.id != key.item_id:
        return []
    line = session.lines[key.generation]
    telnyx_engine = session.engine in ("Telnyx", "B")
    event = events.call_transcription(
        call,
        ctx.ids.uuid4(),
        now,
        text=line.text,
        confidence=line.confidence,
        is_final=line.is_final,
        track=line.track if telnyx_engine else None,
    )
    return ctx.webhook(call, event) + _next_line(ctx, call, session, key.generation + 1)


def on_hangup(ctx: Context, call: Call, now: float) -> list[Effect]:
    """The call ends now: what plays ends with ``call_hangup``, and so does a gather."""
    media = call.media
    effects: list[Effect] = []
    for lane in (media.main, media.overlay):
        lane.waiting.clear()
        if lane.playing is not None:
            effects += _finish(ctx, call, lane, now, "call_hangup")
    if media.gather is not None:
        gather = media.gather
        effects += _end_gather(ctx, call, gather, now, gather.collected, "call_hangup")
    media.transcription = None
    at = _media_time(call, now) if call.answered_at is not None else 0.0
    for span in media.spans:
        span.close(at)
    return effects


# -- internals -------------------------------------------------------------------------


def _enqueue(ctx: Context, call: Call, prompt: Prompt, now: float) -> list[Effect]:
    lane = call.media.lane(prompt.overlay)
    lane.waiting.append(prompt)
    return _play_next(ctx, call, lane, now)


def _play_next(ctx: Context, call: Call, lane: Lane, now: float) -> list[Effect]:
    if lane.playing is not None or not lane.waiting:
        return []
    prompt = lane.playing = lane.waiting.pop(0)
    start = _media_time(call, now)
    if prompt.audible:
        end = None if prompt.seconds is None else start + prompt.seconds
        prompt.span = MediaSpan(start, end)
        call.media.spans.append(prompt.span)
    render = events.speak_started if prompt.kind == "speak" else events.playback_started
    effects = ctx.webhook(call, render(call, ctx.ids.uuid4(), now, prompt))
    if prompt.seconds is not None:
        key = TimerKey(TimerKind.PROMPT_END, call.tenant, call.call_control_id, item_id=prompt.id)
        effects.append(StartTimer(now + prompt.seconds, key))
    return effects


def _finish(ctx: Context, call: Call, lane: Lane, now: float, status: str) -> list[Effect]:
    """End what plays in ``lane`` with ``status``; the next waiting item starts (unless
    the call is ending)."""
    prompt = lane.playing
    assert prompt is not None
    lane.playing = None
    if prompt.span is not None:
        prompt.span.close(_media_time(call, now))
    render = events.speak_ended if prompt.kind == "speak" else events.playback_ended
    effects = ctx.webhook(call, render(call, ctx.ids.uuid4(), now, prompt, status))
    if status != "call_hangup":
        effects += _play_next(ctx, call, lane, now)
    return effects


def _stop(ctx: Context, call: Call, lane: Lane, mode: str | None, now: float) -> list[Effect]:
    """``stop: current`` ends what plays (the next starts); ``all`` also clears the queue."""
    if mode == "all":
        lane.waiting.clear()
    if lane.playing is None:
        return []
    return _finish(ctx, call, lane, now, STOPPED_STATUS[lane.playing.kind])


def _rules(
    ctx: Context, body: Body, *, first_digit_timeout: float, overall_timeout: float | None
) -> GatherRules:
    minimum, maximum = body["minimum_digits"], body["maximum_digits"]
    if maximum < minimum:
        raise errors.bad_request(
            f"maximum_digits ({maximum}) must not be less than minimum_digits ({minimum}).",
            pointer="/maximum_digits",
            status=422,
        )
    return GatherRules(
        minimum_digits=minimum,
        maximum_digits=maximum,
        terminating_digit=str(body["terminating_digit"]),
        valid_digits=str(body["valid_digits"]),
        first_digit_timeout=first_digit_timeout,
        inter_digit_timeout=body["inter_digit_timeout_millis"] / 1000,
        overall_timeout=overall_timeout,
    )


def _start_gather(
    ctx: Context,
    call: Call,
    body: Body,
    rules: GatherRules,
    now: float,
    prompt: tuple[float, float, int] | None,
) -> list[Effect]:
    media = call.media
    if media.gather is not None:
        raise errors.bad_request(
            "A gather is already in progress on this call; stop it first (gather_stop).",
            status=422,
        )
    scripted = call.scenario.gather_input(media.gathers_started)
    media.gathers_started += 1
    keys, after, interval = (
        ("", 0.0, 0.0)
        if scripted is None
        else (
            scripted.digits,
            scripted.after,
            scripted.interval,
        )
    )
    outcome = plan_gather(rules, now, keys, now + after, interval)
    gather = Gather(
        id=str(body.get("gather_id") or ctx.ids.uuid4()),
        token=ctx.ids.uuid4(),
        rules=rules,
        outcome=outcome,
    )
    media.gather = gather
    if prompt is not None:
        # The prompt plays, waits for a key, and plays again, up to maximum_tries times;
        # the first key interrupts it ("Speech will be interrupted when a DTMF signal is
        # received").
        each, wait, tries = prompt
        cut = outcome.presses[0].at if outcome.presses else outcome.ends_at
        for attempt in range(tries):
            begin = now + attempt * (each + wait)
            if begin >= cut:
                break
            span = MediaSpan(_media_time(call, begin), _media_time(call, min(begin + each, cut)))
            gather.prompts.append(span)
            media.spans.append(span)
    return _next_gather_step(ctx, call, gather, 0)


def _next_gather_step(ctx: Context, call: Call, gather: Gather, index: int) -> list[Effect]:
    presses = gather.outcome.presses
    at = presses[index].at if index < len(presses) else gather.outcome.ends_at
    key = TimerKey(
        TimerKind.GATHER, call.tenant, call.call_control_id, generation=index, item_id=gather.token
    )
    return [StartTimer(at, key)]


def _end_gather(
    ctx: Context, call: Call, gather: Gather, now: float, digits: str, status: str
) -> list[Effect]:
    call.media.gather = None
    at = _media_time(call, now)
    for span in gather.prompts:
        span.close(at)
    event = events.gather_ended(call, ctx.ids.uuid4(), now, gather.id, digits, status)
    return ctx.webhook(call, event)


def _next_line(ctx: Context, call: Call, session: Transcription, index: int) -> list[Effect]:
    if index >= len(session.lines):
        return []
    assert call.answered_at is not None
    key = TimerKey(
        TimerKind.TRANSCRIPT,
        call.tenant,
        call.call_control_id,
        generation=index,
        item_id=session.id,
    )
    return [StartTimer(call.answered_at + session.lines[index].at, key)]


def _speak_id(ctx: Context) -> str:
    # Live speak events carry a 10-character id such as "YUw4fjNSuw" (REAL-LOG-1).
    number = int(ctx.ids.uuid4().replace("-", ""), 16)
    chars = []
    for _ in range(10):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "".join(chars)


def _media_time(call: Call, at: float) -> float:
    assert call.answered_at is not None
    return at - call.answered_at


def _default_transcript(scenario: Scenario) -> tuple[TranscriptLine, ...]:
    """Without a scripted transcript: one line at the end of each speech span of the call."""

    def lines(spans: tuple[SpeechSpan, ...], track: str, who: str) -> list[TranscriptLine]:
        return [
            TranscriptLine(at=span.end, text=f"Simulated {who} speech, part {n}.", track=track)
            for n, span in enumerate(sorted(spans, key=lambda s: s.start), start=1)
        ]

    return tuple(
        lines(scenario.inbound_speech, "inbound", "caller")
        + lines(scenario.outbound_speech, "outbound", "agent")
    )
