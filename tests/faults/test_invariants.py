"""The checks the fault tests rely on do catch half-written data (no server needed).

A copy of the seeded database passes every invariant; each kind of damage a crash or a race
could leave is then made by hand, and the matching invariant (and the audit chain, where an
event goes missing) must report it.
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.faults import harness

pytestmark = harness.MARKS


def _damage(url: str, sql: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


DAMAGE = [
    ("UPDATE clauses SET version = version + 1 WHERE id = (SELECT min(id) FROM clauses)",
     "clause pointing at a version that does not exist"),
    # Proposals have random ids: the first one made is the first by `seq`.
    ("UPDATE proposals SET status = 'open' WHERE id = (SELECT id FROM proposals "
     "WHERE status IN ('accepted', 'accepted_modified') ORDER BY seq LIMIT 1)",
     "clause version whose proposal is not accepted with it"),
    ("UPDATE proposals SET status = 'accepted' WHERE id = (SELECT id "
     "FROM proposals WHERE status = 'open' ORDER BY seq LIMIT 1)",
     "accepted proposal without its clause version"),
    # Events rewritten as another kind: the proposal and the comment have lost their own.
    ("UPDATE audit_events SET kind = 'proposal.viewed' WHERE id = (SELECT min(id) "
     "FROM audit_events WHERE kind = 'proposal.submitted')",
     "proposal submitted without its audit event"),
    ("UPDATE audit_events SET kind = 'comment.viewed' WHERE id = (SELECT min(id) "
     "FROM audit_events WHERE kind = 'comment.posted')",
     "comment without its audit event"),
]


def test_each_kind_of_half_written_data_is_reported(fault_db):
    url = fault_db.url
    assert harness.invariant_violations(url) == {name: [] for name in harness.INVARIANTS}
    harness.audit_chain_verifies(url)
    for damage, invariant in DAMAGE:  # one at a time, each must show up as it is made
        assert not harness.invariant_violations(url)[invariant]
        _damage(url, damage)
        assert harness.invariant_violations(url)[invariant], damage
    with pytest.raises(AssertionError):  # the rewritten events no longer match their hashes
        harness.audit_chain_verifies(url)
