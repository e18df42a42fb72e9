"""Public numbers for proposals: given once, when everyone may first see the proposal.

A proposal becomes visible to every economy and observer when it is circulated (at submission,
when the document circulates immediately) or when it enters the text unseen (accepted or kept
as an option before circulation); services/visibility.py. At that moment it takes the next
number of its document and keeps it whatever happens next, so the numbers count only what
everyone has seen (domain/proposal_names.py).

On PostgreSQL each document has a sequence, `proposal_numbers_<document id>`: `nextval` locks
nothing and waits for nobody, so 21 economies submitting to one document at once do not queue
behind each other's requests (a counter row updated in the request's transaction would be
locked until its COMMIT: tests/faults/test_audit_chain_concurrency.py found that). Like any
sequence it leaves a gap when a request that took a number then fails — a gap that tells of a
failed request, never of a hidden proposal. The sequence is made on first use, starting after
the document's highest number (also after a restore from a backup archive). On SQLite, whose
writing transactions take turns, the next number is the highest plus one, in the request's own
transaction, after a write that makes it the one writer until it commits.
"""
from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, ProgrammingError

from drafting.extensions import db
from drafting.models import Proposal
from drafting.services.visibility import is_circulated


def number_if_public(proposals: list[Proposal]) -> None:
    """Give each of `proposals` (in the order given) that everyone may now see and that has
    no number yet the next number of its document. Call it before the flush that writes the
    change making them public, so the number goes with that INSERT or UPDATE."""
    waiting = [p for p in proposals if p.number is None and is_circulated(p)]
    by_document: dict[int, list[Proposal]] = {}
    for proposal in waiting:
        by_document.setdefault(proposal.document_id, []).append(proposal)
    for document_id, chosen in by_document.items():
        for proposal, number in zip(chosen, _take_numbers(document_id, len(chosen))):
            proposal.number = number


def sequence_name(document_id: int) -> str:
    return f"proposal_numbers_{int(document_id)}"


def _highest_number(document_id: int) -> int:
    return db.session.execute(select(func.coalesce(func.max(Proposal.number), 0))
                              .where(Proposal.document_id == document_id)).scalar_one()


def _take_numbers(document_id: int, count: int) -> list[int]:
    """The next `count` numbers of the document, in increasing order."""
    if db.session.get_bind().dialect.name != "postgresql":
        # SQLite starts a writing transaction at its first write, not at BEGIN: write first
        # (a row left as it is), so that no other writer commits between this read of the
        # highest number and this transaction's COMMIT.
        db.session.execute(text("UPDATE documents SET id = id WHERE id = :id"),
                           {"id": document_id})
        start = _highest_number(document_id) + 1
        return list(range(start, start + count))
    numbers = _next_values(document_id, count)
    if not numbers:
        _make_sequence(document_id)
        numbers = _next_values(document_id, count)
    if len(numbers) != count:  # the sequence could not be made: never leave one unnumbered
        raise RuntimeError(f"no proposal numbers for document {document_id}")
    return sorted(numbers)


_NEXT_VALUES = text("SELECT nextval(s.oid) FROM (SELECT to_regclass(:name) AS oid) s, "
                    "generate_series(1, :count) WHERE s.oid IS NOT NULL")


def _next_values(document_id: int, count: int) -> list[int]:
    """Values of the document's sequence; none when it does not exist yet."""
    return list(db.session.execute(_NEXT_VALUES, {"name": sequence_name(document_id),
                                                  "count": count}).scalars())


def _make_sequence(document_id: int) -> None:
    """Create the document's sequence after its highest number. In a savepoint: another
    request creating it at the same moment makes this one fail with a duplicate name, and
    then it is there (any other failure shows when `_take_numbers` finds no value)."""
    start = _highest_number(document_id) + 1
    try:
        with db.session.begin_nested():
            db.session.execute(text(f"CREATE SEQUENCE IF NOT EXISTS "
                                    f"{sequence_name(document_id)} START WITH {int(start)}"))
    except (IntegrityError, ProgrammingError):
        pass
