"""The stage transition table, pair by pair: every (from, to) allowed or refused, and why."""
import itertools

import pytest

from drafting.domain import workflow as wf
from drafting.domain.errors import Conflict, InvalidInput
from drafting.domain.states import Stage

Z, N, S, A, M, L = (Stage.ZERO_DRAFT, Stage.NEGOTIATION, Stage.SILENCE, Stage.AGREED_SOM,
                    Stage.ENDORSED_MINISTERS, Stage.ENDORSED_LEADERS)
SEC, DEL, SYS = "secretariat", "delegate", "system"

# Allowed moves: (from, to) → {(who, via, reason required)}.
ALLOWED = {
    (Z, N): {(SEC, "change_stage", False)},
    (N, S): {(SEC, "start_silence", False)},
    (N, A): {(SEC, "change_stage", False)},
    (S, N): {(DEL, "break_silence", True), (SEC, "cancel_silence", True)},
    (S, A): {(SYS, "settle_silence", False)},
    (A, N): {(SEC, "change_stage", True)},
    (A, M): {(SEC, "change_stage", False)},
    (M, L): {(SEC, "endorse_by_leaders", False)},
}

SAME = "already at that stage"
FINAL = "final and frozen"
NO_ZERO = "never returns to the zero draft"
SILENCE_ONLY = "only a text under negotiation can be circulated"
REOPEN = "only a text agreed by senior officials can be reopened"
SKIP = "stages cannot be skipped"
MIN_BACK = "cannot go back to senior officials"
MINISTERS = "ministers endorse only a text agreed by senior officials"
LEADERS = "leaders endorse only a text that ministers have endorsed"

# Refused moves: (from, to) → the reason the message must give.
REFUSED = {
    (Z, Z): SAME, (Z, S): SILENCE_ONLY, (Z, A): SKIP, (Z, M): MINISTERS, (Z, L): LEADERS,
    (N, Z): NO_ZERO, (N, N): SAME, (N, M): MINISTERS, (N, L): LEADERS,
    (S, Z): NO_ZERO, (S, S): SAME, (S, M): MINISTERS, (S, L): LEADERS,
    (A, Z): NO_ZERO, (A, S): SILENCE_ONLY, (A, A): SAME, (A, L): LEADERS,
    (M, Z): NO_ZERO, (M, N): REOPEN, (M, S): SILENCE_ONLY, (M, A): MIN_BACK, (M, M): SAME,
    (L, Z): FINAL, (L, N): FINAL, (L, S): FINAL, (L, A): FINAL, (L, M): FINAL, (L, L): SAME,
}

ALL_PAIRS = list(itertools.product(wf.STAGE_ORDER, repeat=2))


def test_the_expectations_cover_every_pair_exactly_once():
    assert len(ALL_PAIRS) == 36
    assert set(ALLOWED) | set(REFUSED) == set(ALL_PAIRS)
    assert not set(ALLOWED) & set(REFUSED)


def test_the_table_holds_exactly_the_allowed_moves():
    assert set(wf.TRANSITIONS) == set(ALLOWED)


@pytest.mark.parametrize("pair", sorted(ALLOWED, key=str), ids=lambda p: f"{p[0].value}->{p[1].value}")
def test_allowed_pair(pair):
    moves = wf.moves_between(*pair)
    assert {(m.mover.value, m.via.value, m.reason_required) for m in moves} == ALLOWED[pair]
    assert wf.refusal_reason(*pair) is None
    for move in moves:
        assert wf.require_move(pair[0], pair[1], move.via) is move
        assert move.label


# The final stage is refused with its own "same stage" wording before "final".
@pytest.mark.parametrize("pair", sorted(REFUSED, key=str), ids=lambda p: f"{p[0].value}->{p[1].value}")
def test_refused_pair(pair):
    from_stage, to_stage = pair
    assert wf.moves_between(*pair) == ()
    reason = wf.refusal_reason(*pair)
    assert REFUSED[pair] in reason
    for via in wf.Via:
        with pytest.raises(Conflict) as error:
            wf.require_move(from_stage, to_stage, via)
        assert error.value.status == 409
        assert error.value.message.startswith(
            f"Cannot move from {from_stage.label} to {to_stage.label}: ")
        assert REFUSED[pair] in error.value.message


@pytest.mark.parametrize("pair, via, hint", [
    ((N, S), wf.Via.CHANGE, "start silence"),
    ((S, N), wf.Via.CHANGE, "breaking silence"),
    ((S, A), wf.Via.CHANGE, "deadline passes"),
    ((S, A), wf.Via.BREAK_SILENCE, "deadline passes"),
    ((M, L), wf.Via.CHANGE, "endorse"),
    ((N, A), wf.Via.START_SILENCE, "plain stage change"),
])
def test_an_allowed_pair_through_the_wrong_use_case_is_refused_naming_the_right_one(pair, via,
                                                                                     hint):
    with pytest.raises(Conflict) as error:
        wf.require_move(pair[0], pair[1], via)
    assert error.value.message.startswith(f"Cannot move from {pair[0].label} to {pair[1].label}")
    assert hint in error.value.message


def test_moves_from_follow_the_stage_track():
    assert [m.to_stage for m in wf.moves_from(N)] == [S, A]
    assert [m.to_stage for m in wf.moves_from(A)] == [N, M]
    assert wf.moves_from(L) == []


def test_parse_stage():
    assert wf.parse_stage("negotiation") is N
    assert wf.parse_stage(N) is N
    for bad in ("", None, "final", 3):
        with pytest.raises(InvalidInput):
            wf.parse_stage(bad)
