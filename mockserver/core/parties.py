"""Who speaks when on a call with more than one party (sans-IO, pure).

Every leg has a :class:`Party`: the simulated person at its far end. A scripted party speaks
its scenario's ``audio.inbound`` spans (media time after its leg was answered). A party that
joins another by a transfer, a bridge or Dial's ``bridge_on_answer`` without a script of its
own *takes turns* with the party it joined: it speaks in that party's pauses, from the moment
it joined, so both sides of a default bridged call are heard at different times.

What a track of a recording carries is a list of :class:`Hearing`: a party heard from one
time to another (a bridge, a conference membership between mutes). All times here are
absolute simulated seconds; recordings convert them to their own media time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mockserver.core.scenario import SpeechSpan

__all__ = [
    "MAX_TURNS",
    "TURN_PAUSE_SECONDS",
    "TURN_SECONDS",
    "Hearing",
    "Party",
    "clip",
    "heard",
    "merge",
    "outside",
    "take_turns",
]

TURN_SECONDS = 4.0  # a turn lasts at most this long
TURN_PAUSE_SECONDS = 0.5  # the silence between one party's turn and the other's
MIN_TURN_SECONDS = 1.0  # a pause shorter than a turn plus this is not worth speaking into
MAX_TURNS = 10_000  # bounds the work for a four-hour call (about 1,700 turns)

Spans = list[tuple[float, float]]


def merge(spans: Iterable[tuple[float, float]]) -> Spans:
    """Sorted, overlapping or touching spans joined, empty ones dropped."""
    merged: Spans = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clip(spans: Iterable[tuple[float, float]], start: float, end: float) -> Spans:
    """The parts of ``spans`` inside ``[start, end)``."""
    out = []
    for a, b in spans:
        lo, hi = max(a, start), min(b, end)
        if lo < hi:
            out.append((lo, hi))
    return out


def outside(spans: Iterable[tuple[float, float]], windows: Sequence[tuple[float, float]]) -> Spans:
    """The parts of ``spans`` outside every window."""
    result = list(spans)
    for w_start, w_end in windows:
        pieces = []
        for a, b in result:
            if b <= w_start or a >= w_end:
                pieces.append((a, b))
                continue
            if a < w_start:
                pieces.append((a, w_start))
            if b > w_end:
                pieces.append((w_end, b))
        result = pieces
    return result


def take_turns(other: Sequence[tuple[float, float]], start: float, until: float) -> Spans:
    """A party's turns in a conversation with someone who speaks ``other`` (absolute times).

    From ``start`` on, the party speaks for up to TURN_SECONDS whenever the other has been
    silent for TURN_PAUSE_SECONDS, stops TURN_PAUSE_SECONDS before the other speaks again,
    and after each turn leaves the other a turn's worth of silence to answer in.
    """
    spans: Spans = []
    speech = merge(other)
    cursor = start + TURN_PAUSE_SECONDS
    i = 0
    while cursor < until and len(spans) < MAX_TURNS:
        while i < len(speech) and speech[i][1] + TURN_PAUSE_SECONDS <= cursor:
            i += 1
        if i < len(speech) and speech[i][0] - TURN_PAUSE_SECONDS < cursor:
            cursor = speech[i][1] + TURN_PAUSE_SECONDS  # the other is speaking: wait
            continue
        next_start = speech[i][0] if i < len(speech) else math.inf
        end = min(cursor + TURN_SECONDS, next_start - TURN_PAUSE_SECONDS, until)
        if end - cursor >= MIN_TURN_SECONDS or end == until:
            if end > cursor:
                spans.append((cursor, end))
            cursor = end + TURN_PAUSE_SECONDS + TURN_SECONDS  # the other's turn
        else:
            cursor = next_start  # too short a pause: let the other speak first
    return spans


@dataclass
class Party:
    """The simulated person at the far end of one leg.

    ``script`` is in media time (seconds after ``answered_at``). With ``takes_turns`` the
    party has no script of its own: once it has ``joined`` someone, it speaks in their pauses.
    """

    script: tuple[SpeechSpan, ...] = ()
    answered_at: float | None = None
    takes_turns: bool = False
    partner: Party | None = None
    joined_at: float | None = None

    def join(self, partner: Party, at: float) -> None:
        """Start a conversation with ``partner`` (only a party without a script takes turns)."""
        if not self.takes_turns or self.partner is not None:
            return
        other: Party | None = partner
        while other is not None:  # a ring of turn-takers would wait for each other forever
            if other is self:
                return
            other = other.partner
        self.partner, self.joined_at = partner, at

    def speech(self, until: float) -> Spans:
        """When this party speaks, in absolute seconds, up to ``until``."""
        if self.answered_at is None:
            return []
        if not self.takes_turns:
            base = self.answered_at
            return merge(
                (base + s.start, min(base + s.end, until))
                for s in self.script
                if base + s.start < until
            )
        if self.partner is None or self.joined_at is None:
            return []  # nobody to talk to yet
        return take_turns(self.partner.speech(until), self.joined_at, until)


@dataclass
class Hearing:
    """``party`` is heard on a track from ``start`` until ``end`` (None: still heard)."""

    party: Party
    start: float
    end: float | None = None

    def close(self, at: float) -> None:
        if self.end is None:
            self.end = max(at, self.start)


def heard(hearings: Iterable[Hearing], until: float) -> Spans:
    """Everything the hearings carry up to ``until``, in absolute seconds, merged."""
    spans: Spans = []
    for hearing in hearings:
        end = until if hearing.end is None else min(hearing.end, until)
        if end > hearing.start:
            spans += clip(hearing.party.speech(end), hearing.start, end)
    return merge(spans)
