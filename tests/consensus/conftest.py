"""Helpers for the consensus tests: a delegate for every economy of the small world."""
import pytest

from drafting.domain.states import Role
from drafting.extensions import db
from drafting.services import positions
from tests.factories import make_user


@pytest.fixture
def delegates(world):
    """code → a delegate user of that economy (adds `tha`, a Thai delegate)."""
    users = {code: world.user(code.lower()) for code in ("AUS", "NZ", "JPN")}
    users["THA"] = make_user("tha", Role.DELEGATE, world.economies["THA"])
    db.session.commit()
    return users


@pytest.fixture
def stand(delegates):
    """stand(clause, AUS="support", NZ=("objection", "why")…): record positions."""
    def record(clause, **stances):
        for code, value in stances.items():
            stance, text = value if isinstance(value, tuple) else (value, "")
            positions.set_position(delegates[code], clause, stance, text)
    return record


@pytest.fixture
def all_agree(delegates):
    """all_agree(clause): every economy supports the clause (consensus)."""
    def record(clause, stance="support"):
        for user in delegates.values():
            positions.set_position(user, clause, stance)
    return record
