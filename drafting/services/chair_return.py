"""Undoing a move: paragraphs go back from the Chair's statement to the statement.

A moved paragraph left behind, in the statement, its own clause with a last, removed version
("Moved to the Chair's statement"); the clause kept its place among the others. Returning it
therefore writes a new, live version of that same clause — its id, place and history are the
ones it always had — with the text it last had in the Chair's statement. Versions made in the
Chair's statement meanwhile are appended to its history first (as versions of a paragraph that
was out of the statement: removed, with their dates and authors), so the history reads on
without a gap. In the Chair's statement the paragraph gets a last, removed version ("Returned
to the statement") and its open proposals are superseded, as the move does in the statement.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from drafting.domain import text_rules
from drafting.domain.errors import Conflict, InvalidInput
from drafting.extensions import db
from drafting.models import Clause, ClauseVersion, Document
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.chair_statement import KIND, STALE_CONFIRMATION, first_words
from drafting.services.decisions import carry_open_proposals
from drafting.services.guards import check_not_frozen, ensure_not_frozen
from drafting.services.locking import lock_row
from drafting.services.policy import Action, authorize
from drafting.services.reading import clause_rows, display_numbers

RETURNED_NOTE = "Returned from the Chair's statement"
RETURNED_TO_NOTE = "Returned to the statement"
CHAIR_VERSION_NOTE = "In the Chair's statement"


@dataclass
class ReturnItem:
    """One paragraph of the Chair's statement as it would return."""
    clause: Clause  # in the Chair's statement
    number: str  # its number there
    source: Clause  # the statement's clause it came from, and returns to
    former_number: str  # the number it had when it was moved ("" when not recorded)
    number_after: str  # the number it will have in the statement
    after: str  # the paragraph it will follow there ("" at the start of its section)
    first_words: str
    amended: int  # versions made in the Chair's statement since the move


@dataclass
class ReturnPreview:
    chair_statement: Document
    statement: Document
    items: list[ReturnItem]
    token: str  # changes whenever anything listed here changes

    @property
    def clause_ids(self) -> list[int]:
        return [item.clause.id for item in self.items]


@dataclass
class ReturnResult:
    chair_statement: Document
    statement: Document
    returned: list[ReturnItem] = field(default_factory=list)


def _statement_of(chair: Document) -> Document:
    if chair.kind != KIND or chair.parent_document_id is None:
        raise Conflict("Only paragraphs of a Chair's statement can be returned to a statement; "
                       "this document is not a Chair's statement.", code="not_chair_statement")
    return db.session.get(Document, chair.parent_document_id)


def _no_selection() -> InvalidInput:
    return InvalidInput("Select at least one paragraph to return to the statement; nothing was "
                        "returned.", code="no_selection", details={"field": "clause_ids"})


def _wanted_ids(clause_ids: Iterable[int] | None) -> list[int]:
    if clause_ids is None:
        raise _no_selection()
    wanted: list[int] = []
    for raw in clause_ids:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise InvalidInput("clause_ids must be a list of clause ids.",
                               details={"field": "clause_ids"})
        if raw not in wanted:
            wanted.append(raw)
    if not wanted:
        raise _no_selection()
    return wanted


class _Back:
    """Stands for the live version a returning clause will get, for numbering only."""
    removed = False


def _items(chair: Document, statement: Document, clause_ids: Iterable[int] | None
           ) -> list[ReturnItem]:
    """The paragraphs `clause_ids` of the Chair's statement as they would return, in the
    statement's order.

    Each must be a live paragraph of this Chair's statement that was moved from `statement`,
    whose clause there is still the removed one the move left."""
    wanted = _wanted_ids(clause_ids)
    chair_rows = clause_rows(chair)
    chair_numbers = display_numbers(chair, chair_rows)
    live = {c.id: c for c, v in chair_rows if not v.removed}
    unknown = [i for i in wanted if i not in live]
    if unknown:
        raise InvalidInput(
            f"Not a paragraph of this Chair's statement: {', '.join(map(str, unknown))}.",
            details={"field": "clause_ids", "clause_ids": unknown})
    sources: dict[int, Clause] = {}
    for clause_id in wanted:
        clause = live[clause_id]
        source = (db.session.get(Clause, clause.moved_from_clause_id)
                  if clause.moved_from_clause_id else None)
        if source is None or source.document_id != statement.id:
            raise InvalidInput(f"{chair_numbers.get(clause_id, clause_id)} was not moved from "
                               f"{statement.symbol}: there is no place to return it to.",
                               code="not_returnable",
                               details={"field": "clause_ids", "clause_ids": [clause_id]})
        if not source.removed:
            raise Conflict(f"{chair_numbers.get(clause_id, clause_id)} is already back in "
                           f"{statement.symbol}.", code="already_returned",
                           details={"clause_ids": [clause_id]})
        sources[clause_id] = source
    statement_rows = clause_rows(statement)
    back = {s.id for s in sources.values()}
    after_rows = [(c, _Back if c.id in back else v) for c, v in statement_rows]
    numbers_after = display_numbers(statement, after_rows)
    preceding: dict[int, str] = {}
    previous: tuple[int, str] | None = None  # (section id, number) of the last live paragraph
    for clause, version in after_rows:
        if version.removed:
            continue
        same_section = previous is not None and previous[0] == clause.section_id
        preceding[clause.id] = previous[1] if same_section else ""
        previous = (clause.section_id, numbers_after.get(clause.id, ""))
    amended = _versions_since_move(list(wanted))
    statement_order = {c.id: i for i, (c, _) in enumerate(statement_rows)}
    return sorted((ReturnItem(clause, chair_numbers.get(clause.id, ""), sources[clause.id],
                       clause.moved_from_number or "",
                       numbers_after.get(sources[clause.id].id, ""),
                       preceding.get(sources[clause.id].id, ""), first_words(version.text),
                       amended.get(clause.id, 0))
                   for clause, version in chair_rows if clause.id in sources),
                  key=lambda item: statement_order[item.source.id])  # the statement's order


def _versions_since_move(clause_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for clause_id in db.session.execute(
            select(ClauseVersion.clause_id).where(ClauseVersion.clause_id.in_(clause_ids),
                                                  ClauseVersion.number > 1)).scalars():
        counts[clause_id] = counts.get(clause_id, 0) + 1
    return counts


def _token(chair: Document, statement: Document, items: list[ReturnItem]) -> str:
    """A digest of what the confirmation shows: refused on another state of the documents."""
    shown = {"chair": chair.id, "statement": statement.id,
             "returning": [[i.clause.id, i.clause.version, i.source.id, i.source.version,
                            i.number, i.number_after, i.after] for i in items]}
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:32]


def preview_return(viewer, chair: Document, clause_ids: Iterable[int] | None) -> ReturnPreview:
    """What `return_to_statement` would do with this selection, read without writing.

    Runs its checks and raises its errors, so a refusal comes before the confirmation."""
    authorize(viewer, Action.RETURN_FROM_CHAIR_STATEMENT, chair)
    statement = _statement_of(chair)
    check_not_frozen(chair, "changes to the Chair's statement")
    check_not_frozen(statement, "returned paragraphs")
    items = _items(chair, statement, clause_ids)
    return ReturnPreview(chair, statement, items, _token(chair, statement, items))


def return_to_statement(actor, chair: Document, clause_ids: Iterable[int] | None,
                        note: str = "", *, expected_token: str | None = None,
                        now: datetime | None = None) -> ReturnResult:
    """Return the paragraphs `clause_ids` of the Chair's statement `chair` to its statement.

    Raises PermissionDenied (not secretariat), Conflict (code not_chair_statement: `chair` is
    no Chair's statement; document_frozen; already_returned; stale_confirmation when
    `expected_token` no longer matches `preview_return`), InvalidInput (no_selection, a clause
    not in this Chair's statement, note too long).
    """
    authorize(actor, Action.RETURN_FROM_CHAIR_STATEMENT, chair)
    statement = _statement_of(chair)
    # Both documents locked in one order (statement first, as the move does).
    statement = lock_row(Document, statement.id)
    ensure_not_frozen(statement, "returned paragraphs")
    chair = lock_row(Document, chair.id)
    ensure_not_frozen(chair, "changes to the Chair's statement")
    note = text_rules.note_text(note, required=False, field="note")
    items = _items(chair, statement, clause_ids)
    if expected_token is not None and expected_token != _token(chair, statement, items):
        raise Conflict("The documents changed after the confirmation was shown: nothing was "
                       "returned.", code=STALE_CONFIRMATION)
    now = now or utcnow()
    suffix = f": {note}" if note else ""
    for item in items:
        source = lock_row(Clause, item.source.id)
        clause = lock_row(Clause, item.clause.id)
        number = source.version
        # The Chair's statement's own versions (the first is the copy the move made).
        for made in clause.versions[1:]:
            number += 1
            db.session.add(ClauseVersion(
                clause_id=source.id, number=number, text=made.text, removed=True,
                created_by_id=made.created_by_id, created_at=made.created_at,
                note=f"{CHAIR_VERSION_NOTE} {chair.symbol} {item.number}"
                     + (f": {made.note}" if made.note else "")))
        back = ClauseVersion(clause_id=source.id, number=number + 1, text=clause.text,
                             created_by_id=actor.id, created_at=now,
                             note=f"{RETURNED_NOTE} ({chair.symbol} {item.number}){suffix}")
        db.session.add(back)
        source.version = back.number
        gone = ClauseVersion(clause_id=clause.id, number=clause.version + 1, text=clause.text,
                             removed=True, created_by_id=actor.id, created_at=now,
                             note=f"{RETURNED_TO_NOTE} ({statement.symbol} "
                                  f"{item.number_after}){suffix}")
        db.session.add(gone)
        clause.version = gone.number
        db.session.flush()
        db.session.expire(source, ["current", "versions"])
        db.session.expire(clause, ["current", "versions"])
        carry_open_proposals(actor, clause, None, gone)
    result = ReturnResult(chair, statement, items)
    numbers = display_numbers(statement)
    for item in items:
        item.number_after = numbers.get(item.source.id, item.number_after)
        record_event("clause.returned_from_chair_statement", actor, document_id=statement.id,
                     clause_id=item.source.id, number=item.number_after,
                     chair_statement_id=chair.id, chair_clause_id=item.clause.id,
                     chair_number=item.number, note=note)
    record_event("chair_statement.returned", actor, document_id=chair.id,
                 source_document_id=statement.id, note=note,
                 clauses=[{"from": i.clause.id, "from_number": i.number, "to": i.source.id,
                           "number": i.number_after} for i in items])
    return result


# --- opening a Chair's statement for comment -------------------------------------------------

def set_open_for_comment(actor, chair: Document, open_: bool, note: str = "") -> bool:
    """Open the Chair's statement `chair` to economies' proposals, or close it again.

    Returns whether anything changed (asking for the state it is in changes nothing and records
    nothing). Proposals already made stay as they are when it closes; only new ones are refused
    (services/guards.ensure_not_chair_text). Raises PermissionDenied (not secretariat),
    Conflict (not_chair_statement, document_frozen), InvalidInput (note too long).
    """
    authorize(actor, Action.RETURN_FROM_CHAIR_STATEMENT, chair)
    _statement_of(chair)
    chair = lock_row(Document, chair.id)
    ensure_not_frozen(chair, "changes to the Chair's statement")
    note = text_rules.note_text(note, required=False, field="note")
    if chair.open_for_comment == open_:
        return False
    chair.open_for_comment = open_
    db.session.flush()
    record_event("chair_statement.opened_for_comment" if open_ else
                 "chair_statement.closed_for_comment", actor, document_id=chair.id, note=note)
    return True
