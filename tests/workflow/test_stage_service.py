"""change_stage over the whole table, through the service: who, which pairs, what is recorded."""
import itertools
import json

import pytest
from sqlalchemy import select

from drafting.domain import workflow as wf
from drafting.domain.errors import Conflict, InvalidInput, PermissionDenied
from drafting.domain.states import Stage
from drafting.extensions import db
from drafting.models import AuditEvent, StageChange
from drafting.services import stages

from tests.workflow.test_transition_table import ALLOWED, REFUSED

PAIRS = list(itertools.product(wf.STAGE_ORDER, repeat=2))


def _events(kind):
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.kind == kind)
                                   .order_by(AuditEvent.id)).scalars())


def _try_pair(world, pair):
    from_stage, to_stage = pair
    document = world.document
    document.stage = from_stage
    db.session.flush()
    secretariat = world.user("secretariat")
    plain = [r for who, via, r in ALLOWED.get(pair, ()) if via == "change_stage"]
    if plain:
        change = stages.change_stage(secretariat, document, to_stage.value,
                                     "Agreed at SOM3" if plain[0] else "")
        assert document.stage is to_stage
        assert (change.from_stage, change.to_stage, change.user_id) == \
            (from_stage.value, to_stage.value, secretariat.id)
        event = _events("document.stage_changed")[-1]
        assert json.loads(event.data)["to_stage"] == to_stage.value
        return
    before = db.session.execute(select(StageChange.id)).all()
    with pytest.raises(Conflict) as error:
        stages.change_stage(secretariat, document, to_stage.value, "a note")
    assert error.value.message.startswith(
        f"Cannot move from {from_stage.label} to {to_stage.label}: ")
    if pair in REFUSED:
        assert REFUSED[pair] in error.value.message
    assert document.stage is from_stage
    assert db.session.execute(select(StageChange.id)).all() == before


def test_change_stage_follows_the_table_for_every_pair(world):
    """All 36 pairs through the service (one world, each pair in a savepoint rolled back)."""
    for pair in PAIRS:
        savepoint = db.session.begin_nested()
        try:
            _try_pair(world, pair)
        except AssertionError as failure:
            raise AssertionError(f"{pair[0].value} -> {pair[1].value}: {failure}") from failure
        finally:
            savepoint.rollback()


@pytest.mark.parametrize("username", ["aus", "observer", "admin"])
def test_only_the_secretariat_changes_stages(world, username):
    with pytest.raises(PermissionDenied):
        stages.change_stage(world.user(username), world.document, "agreed_by_senior_officials")
    assert world.document.stage is Stage.NEGOTIATION


def test_reopening_needs_a_reason(world):
    world.document.stage = Stage.AGREED_SOM
    with pytest.raises(InvalidInput) as error:
        stages.change_stage(world.user("secretariat"), world.document, "negotiation", "  ")
    assert error.value.status == 422
    stages.change_stage(world.user("secretariat"), world.document, "negotiation",
                        "Capitals asked to revisit OP2")
    assert world.document.stage is Stage.NEGOTIATION
    assert stages.stage_history(world.document)[-1].note == "Capitals asked to revisit OP2"


def test_unknown_stage_is_422(world):
    with pytest.raises(InvalidInput):
        stages.change_stage(world.user("secretariat"), world.document, "approved")


def test_available_moves_per_role(world):
    document = world.document
    labels = lambda user: [(m.to_stage, m.via) for m in stages.available_moves(document, user)]
    assert labels(world.user("secretariat")) == [(Stage.SILENCE, "start_silence"),
                                                 (Stage.AGREED_SOM, "change_stage")]
    assert labels(world.user("aus")) == []
    assert labels(world.user("observer")) == []
    document.stage = Stage.SILENCE
    assert labels(world.user("aus")) == [(Stage.NEGOTIATION, "break_silence")]
    assert labels(world.user("secretariat")) == [(Stage.NEGOTIATION, "cancel_silence")]
    document.stage = Stage.ENDORSED_MINISTERS
    assert labels(world.user("secretariat")) == [(Stage.ENDORSED_LEADERS, "endorse_by_leaders")]


def test_the_policy_agrees_with_the_table_on_who_moves(world):
    """Every move the table gives a role is permitted to that role and to no other."""
    from drafting.services.policy import can

    users = {"secretariat": world.user("secretariat"), "delegate": world.user("aus"),
             "observer": world.user("observer"), "admin": world.user("admin")}
    for moves in wf.TRANSITIONS.values():
        for move in moves:
            action = stages.VIA_ACTION.get(move.via)
            if move.mover is wf.Mover.SYSTEM:
                assert action is None
                continue
            allowed = {role for role, user in users.items() if can(user, action, world.document)}
            assert allowed == {move.mover.value}, move
