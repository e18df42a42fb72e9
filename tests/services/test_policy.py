"""The permission matrix, as a table: role × action → allowed."""
import pytest

from drafting.services import proposals
from drafting.services.policy import RULES, Action, can

# (action, target) → roles allowed. "own"/"other" say whose proposal or comment it is.
MATRIX = {
    (Action.VIEW, None): {"secretariat", "observer", "admin", "aus"},
    (Action.PROPOSE, "document"): {"aus"},
    (Action.WITHDRAW, "own"): {"aus"},
    (Action.WITHDRAW, "other"): set(),
    (Action.REVISE, "own"): {"aus"},
    (Action.REVISE, "other"): set(),
    (Action.COSPONSOR, "own"): set(),
    (Action.COSPONSOR, "other"): {"aus"},
    (Action.COMMENT, "document"): {"aus", "secretariat"},
    (Action.RESOLVE_COMMENT, "own_comment"): {"aus", "secretariat"},
    (Action.RESOLVE_COMMENT, "other_comment"): {"secretariat"},
    (Action.DECIDE, "own"): {"secretariat"},
    (Action.MANAGE_USERS, None): {"admin"},
    (Action.ISSUE_OWN_TOKEN, None): {"secretariat", "observer", "admin", "aus"},
    (Action.ISSUE_REVISION, "document"): {"secretariat"},
    (Action.SET_CLAUSE_STATUS, "document"): {"secretariat"},
    (Action.MANAGE_OPTIONS, "document"): {"secretariat"},
    (Action.SET_POSITION, "document"): {"aus"},
    (Action.CHANGE_STAGE, "document"): {"secretariat"},
    (Action.MANAGE_ROUNDS, "document"): {"secretariat"},
    (Action.START_SILENCE, "document"): {"secretariat"},
    (Action.BREAK_SILENCE, "document"): {"aus"},
    (Action.CIRCULATE, "document"): {"secretariat"},
    (Action.CREATE_CHAIR_STATEMENT, "document"): {"secretariat"},
    (Action.RETURN_FROM_CHAIR_STATEMENT, "document"): {"secretariat"},
    (Action.VIEW_AUDIT, None): {"secretariat", "observer", "admin"},
    (Action.SEE_AUDIT_FIGURES, None): {"secretariat", "admin"},
    (Action.SHOW_ON_SCREEN, "document"): {"secretariat"},
}
ROLES = ["secretariat", "observer", "admin", "aus"]


def test_every_action_is_in_the_matrix():
    assert {action for action, _ in MATRIX} == set(RULES)


@pytest.fixture
def targets(world):
    from drafting.services import comments
    own = proposals.submit_proposal(world.user("aus"), world.document, "delete",
                                    clause=world.clauses[0])
    other = proposals.submit_proposal(world.user("nz"), world.document, "delete",
                                      clause=world.clauses[1])
    own_comment = comments.add_comment(world.user("aus"), clause=world.clauses[0], body="Ours")
    other_comment = comments.add_comment(world.user("nz"), clause=world.clauses[0], body="Theirs")
    return {None: None, "document": world.document, "own": own, "other": other,
            "own_comment": own_comment, "other_comment": other_comment}


@pytest.mark.parametrize("action, target", list(MATRIX))
def test_permission_matrix(world, targets, action, target):
    for role in ROLES:
        allowed = can(world.user(role), action, targets[target])
        assert allowed == (role in MATRIX[(action, target)]), (role, action, target)


def test_deactivated_and_anonymous_users_can_do_nothing(world):
    from flask_login import AnonymousUserMixin
    user = world.user("aus")
    user.active = False
    assert not can(user, Action.VIEW)
    assert not can(AnonymousUserMixin(), Action.VIEW)
    assert not can(None, Action.VIEW)
