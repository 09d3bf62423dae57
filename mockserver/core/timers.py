"""The timer table (sans-IO): which handler a due timer of each :class:`TimerKind` runs.

A timer handler takes the live call, the timer's key and the simulated time and returns
effects; each decides itself whether the timer went stale (the recording was paused, the
prompt stopped, ...). The Simulator checks the call still exists and, except for a purge,
is still alive, then dispatches here.
"""

from __future__ import annotations

from collections.abc import Callable

from mockserver.core import call_commands, prompt_commands, recording_commands
from mockserver.core.calls import Call
from mockserver.core.context import Context
from mockserver.core.effects import Effect, TimerKey, TimerKind

__all__ = ["TIMERS", "TimerHandler"]

TimerHandler = Callable[[Context, Call, TimerKey, float], list[Effect]]

TIMERS: dict[TimerKind, TimerHandler] = {
    TimerKind.ANSWER: call_commands.far_end_answers,
    TimerKind.RING_TIMEOUT: call_commands.ring_timeout,
    TimerKind.TIME_LIMIT: call_commands.time_limit_reached,
    TimerKind.FAR_END_HANGUP: call_commands.far_end_hangs_up,
    TimerKind.PURGE: call_commands.purge,
    TimerKind.MAX_LENGTH: recording_commands.max_length_reached,
    TimerKind.SILENCE: recording_commands.silence_reached,
    TimerKind.PROMPT_END: prompt_commands.fire_prompt_end,
    TimerKind.GATHER: prompt_commands.fire_gather_step,
    TimerKind.TRANSCRIPT: prompt_commands.fire_transcript_line,
}
