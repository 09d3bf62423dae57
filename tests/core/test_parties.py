"""The conversation model of multi-party calls: scripted parties, turn-taking, hearings."""

from __future__ import annotations

import itertools

from mockserver.core.parties import (
    MAX_TURNS,
    TURN_PAUSE_SECONDS,
    TURN_SECONDS,
    Hearing,
    Party,
    heard,
    merge,
    outside,
    take_turns,
)
from mockserver.core.scenario import SpeechSpan


def overlaps(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> bool:
    return any(max(x0, y0) < min(x1, y1) for x0, x1 in a for y0, y1 in b)


def test_scripted_party_speaks_its_script_after_answer() -> None:
    party = Party(script=(SpeechSpan(0.5, 4.0), SpeechSpan(9.0, 14.0)), answered_at=100.0)
    assert party.speech(until=200.0) == [(100.5, 104.0), (109.0, 114.0)]
    assert party.speech(until=110.0) == [(100.5, 104.0), (109.0, 110.0)]


def test_unanswered_party_is_silent() -> None:
    assert Party(script=(SpeechSpan(0, 5),)).speech(until=50.0) == []


def test_turn_taker_speaks_in_the_pauses_only_after_joining() -> None:
    customer = Party(script=(SpeechSpan(0.5, 4.0), SpeechSpan(9.0, 14.0)), answered_at=100.0)
    agent = Party(takes_turns=True, answered_at=105.0)
    assert agent.speech(until=300.0) == []  # nobody to talk to yet
    agent.join(customer, at=106.0)
    turns = agent.speech(until=300.0)
    assert turns, "the agent says something"
    assert turns[0][0] >= 106.0
    assert not overlaps(turns, customer.speech(until=300.0))
    # Each turn is bounded and the customer's pauses are respected by half a second.
    for start, end in turns:
        assert end - start <= TURN_SECONDS + 1e-9
    for start, end in customer.speech(until=300.0):
        assert all(
            t_end + TURN_PAUSE_SECONDS <= start + 1e-9 or t_start >= end for t_start, t_end in turns
        )


def test_turn_taker_leaves_room_to_answer_when_the_other_is_silent() -> None:
    turns = take_turns([], start=0.0, until=30.0)
    assert turns[0] == (0.5, 4.5)
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(turns)]
    assert gaps and all(gap >= TURN_SECONDS for gap in gaps)


def test_take_turns_is_bounded() -> None:
    assert len(take_turns([], start=0.0, until=10.0**9)) == MAX_TURNS


def test_join_keeps_a_script_and_refuses_a_ring() -> None:
    scripted = Party(script=(SpeechSpan(1, 2),), answered_at=0.0)
    scripted.join(Party(), at=5.0)
    assert scripted.partner is None
    a = Party(takes_turns=True, answered_at=0.0)
    b = Party(takes_turns=True, answered_at=0.0)
    a.join(b, at=1.0)
    b.join(a, at=1.0)  # refused: they would wait for each other forever
    assert b.partner is None
    assert a.speech(until=60.0)[0] == (1.5, 5.5)


def test_hearings_clip_to_their_windows() -> None:
    party = Party(script=(SpeechSpan(0, 10),), answered_at=0.0)
    hearings = [Hearing(party, 2.0, 4.0), Hearing(party, 6.0)]
    assert heard(hearings, until=8.0) == [(2.0, 4.0), (6.0, 8.0)]
    hearings[1].close(7.0)
    assert heard(hearings, until=9.0) == [(2.0, 4.0), (6.0, 7.0)]


def test_merge_and_outside() -> None:
    assert merge([(3, 4), (0, 1), (1, 2), (5, 5)]) == [(0, 2), (3, 4)]
    assert outside([(0.0, 10.0)], [(2.0, 3.0), (5.0, 6.0)]) == [(0.0, 2.0), (3.0, 5.0), (6.0, 10.0)]
