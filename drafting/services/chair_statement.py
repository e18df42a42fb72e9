"""The Chair's statement: paragraphs without consensus, moved out of a statement.

When economies cannot agree on some paragraphs, the Chair issues them in a statement under the
Chair's own authority, and the statement itself goes forward without them. Here that is a
second Document (kind "chair_statement", pointing to its source) into which the chosen
clauses are copied as new clauses; in the source each moved clause gets a last, removed
version ("Moved to the Chair's statement"), so its history stays complete and its open
proposals are superseded. A second call appends to the same Chair's statement.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from drafting.domain import text_rules
from drafting.domain.errors import Conflict, InvalidInput
from drafting.domain.states import ClauseStatus, Stage
from drafting.extensions import db
from drafting.models import (Clause, ClauseStatusChange, ClauseVersion, Document, Position,
                             Section)
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.decisions import carry_open_proposals
from drafting.services.guards import CHAIR_STATEMENT_KIND, check_not_frozen, ensure_not_frozen
from drafting.services.policy import Action, authorize
from drafting.services.positions import consensus_matrix
from drafting.services.reading import clause_rows, display_numbers
from drafting.services.locking import lock_row

KIND = CHAIR_STATEMENT_KIND
TITLE_PREFIX = "Chair's Statement — "
SYMBOL_SUFFIX = "/CHAIR"
MOVED_TO_NOTE = "Moved to the Chair's statement"
STALE_CONFIRMATION = "stale_confirmation"


def chair_statement_of(document: Document) -> Document | None:
    return db.session.execute(
        select(Document).where(Document.parent_document_id == document.id,
                               Document.kind == KIND).order_by(Document.id).limit(1)
    ).scalar()


def source_of(document: Document) -> Document | None:
    """The statement a Chair's statement was derived from (None for any other document)."""
    if document.kind != KIND or document.parent_document_id is None:
        return None
    return db.session.get(Document, document.parent_document_id)


def _title(document: Document) -> str:
    limit = Document.__table__.c.title.type.length
    title = TITLE_PREFIX + document.title
    return title if len(title) <= limit else title[:limit - 1] + "…"


def _symbol(document: Document) -> str:
    limit = Document.__table__.c.symbol.type.length
    return document.symbol[:limit - len(SYMBOL_SUFFIX)] + SYMBOL_SUFFIX


@dataclass
class MovedClause:
    source: Clause
    source_number: str
    clause: Clause  # the new clause in the Chair's statement
    number: str = ""  # its number there


@dataclass
class ChairStatementResult:
    document: Document
    created: bool
    moved: list[MovedClause] = field(default_factory=list)


def _select_clauses(document: Document, clause_ids: Iterable[int] | None,
                    allow_consensus: bool) -> list[tuple[Clause, str]]:
    """(clause, display number) of the clauses to move, in document order."""
    if clause_ids is None:
        # Never "every paragraph without consensus": moving text out of a statement is a
        # decision taken paragraph by paragraph, so an empty form must not move anything.
        raise _no_selection()
    matrix = consensus_matrix(document)
    by_id = {row.clause.id: row for row in matrix.rows}
    wanted = []
    for raw in clause_ids:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise InvalidInput("clause_ids must be a list of clause ids.",
                               details={"field": "clause_ids"})
        if raw not in wanted:
            wanted.append(raw)
    if not wanted:
        raise _no_selection()
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise InvalidInput(f"Not a live clause of this document: {', '.join(map(str, unknown))}.",
                           details={"field": "clause_ids", "clause_ids": unknown})
    if not allow_consensus:
        agreed = [by_id[i] for i in wanted if by_id[i].report.consensus]
        if agreed:
            raise InvalidInput(
                f"{', '.join(row.number for row in agreed)} "
                f"{'have' if len(agreed) > 1 else 'has'} consensus: only paragraphs without "
                "consensus go to the Chair's statement.",
                code="has_consensus", details={"clause_ids": [r.clause.id for r in agreed]})
    return [(row.clause, row.number) for row in matrix.rows if row.clause.id in wanted]


def _no_selection() -> InvalidInput:
    return InvalidInput("Select at least one paragraph to move to the Chair's statement; "
                        "nothing was moved.", code="no_selection",
                        details={"field": "clause_ids"})


def create_chair_statement(actor, document: Document, clause_ids: Iterable[int] | None,
                           note: str = "", *, allow_consensus: bool = False,
                           expected_token: str | None = None,
                           now: datetime | None = None) -> ChairStatementResult:
    """Move the selected paragraphs `clause_ids` from `document` into its Chair's statement.

    The selection is explicit and must not be empty; each clause must lack consensus unless
    `allow_consensus`. Creates the Chair's statement the first time, appends to it afterwards.
    Raises PermissionDenied (not secretariat), InvalidInput (no selection (code no_selection),
    unknown or agreed clause, note too long), Conflict (frozen document, or the document is
    itself a Chair's statement, or — with `expected_token`, the token of the confirmation the
    operator saw (`preview_chair_statement`) — code stale_confirmation when what it listed has
    changed since).
    """
    authorize(actor, Action.CREATE_CHAIR_STATEMENT, document)
    ensure_not_frozen(lock_row(Document, document.id), "Chair's statements")
    if document.kind == KIND:
        raise Conflict("This document is already a Chair's statement.", code="is_chair_statement")
    note = text_rules.note_text(note, required=False, field="note")
    selected = _select_clauses(document, clause_ids, allow_consensus)
    # Checked under the document's lock: no other move can slip in between.
    if expected_token is not None and expected_token != preview_chair_statement(
            actor, document, clause_ids, allow_consensus=allow_consensus).token:
        raise Conflict("The document changed after the confirmation was shown: nothing was "
                       "moved.", code=STALE_CONFIRMATION)
    now = now or utcnow()
    chair = chair_statement_of(document)
    created = chair is None
    if created:
        chair = Document(title=_title(document), symbol=_symbol(document),
                         classification=document.classification, stage=Stage.NEGOTIATION,
                         host_economy_id=document.host_economy_id, created_at=now,
                         circulate_immediately=document.circulate_immediately,
                         parent_document_id=document.id, kind=KIND)
        db.session.add(chair)
        db.session.flush()
    else:
        ensure_not_frozen(lock_row(Document, chair.id), "Chair's statements")
    sections = _mirror_sections(document, chair, {c.section_id for c, _ in selected})
    result = ChairStatementResult(chair, created)
    for source, number in selected:
        lock_row(Clause, source.id)
        copy = Clause(document_id=chair.id, section_id=sections[source.section_id].id,
                      position=0, version=1, created_at=now, moved_from_clause_id=source.id,
                      moved_from_number=number or None)
        db.session.add(copy)
        db.session.flush()
        db.session.add(ClauseVersion(clause_id=copy.id, number=1, text=source.text,
                                     created_by_id=actor.id, created_at=now,
                                     note=f"Moved from {document.symbol} {number}"))
        removed = ClauseVersion(clause_id=source.id, number=source.version + 1, text=source.text,
                                removed=True, created_by_id=actor.id, created_at=now,
                                note=f"{MOVED_TO_NOTE} ({chair.symbol})")
        db.session.add(removed)
        source.version = removed.number
        db.session.flush()
        db.session.expire(source, ["current"])
        carry_open_proposals(actor, source, None, removed)
        result.moved.append(MovedClause(source, number, copy))
    _order_chair_statement(chair, [m.clause for m in result.moved])
    numbers = display_numbers(chair)
    for moved in result.moved:
        moved.number = numbers.get(moved.clause.id, "")
        record_event("clause.moved_to_chair_statement", actor, document_id=document.id,
                     clause_id=moved.source.id, from_number=moved.source_number,
                     chair_statement_id=chair.id, new_clause_id=moved.clause.id,
                     new_number=moved.number)
    record_event("chair_statement.created" if created else "chair_statement.extended", actor,
                 document_id=chair.id, source_document_id=document.id, title=chair.title,
                 symbol=chair.symbol, note=note,
                 clauses=[{"from": m.source.id, "from_number": m.source_number,
                           "to": m.clause.id, "number": m.number} for m in result.moved])
    return result


def _mirror_sections(source: Document, chair: Document, section_ids: set[int]
                     ) -> dict[int, Section]:
    """source section id → the Chair's statement's section of the same kind and heading,
    created when missing; all its sections are then ordered as in the source."""
    existing = {(s.kind, s.heading): s for s in chair.sections}
    mapping: dict[int, Section] = {}
    next_position = max((s.position for s in chair.sections), default=0)
    for section in source.sections:
        if section.id not in section_ids:
            continue
        match = existing.get((section.kind, section.heading))
        if match is None:
            next_position += 1
            match = Section(document_id=chair.id, position=next_position, kind=section.kind,
                            heading=section.heading)
            db.session.add(match)
            existing[(section.kind, section.heading)] = match
        mapping[section.id] = match
    db.session.flush()
    # Sections keep the source's order even when a later call adds an earlier one. Positions
    # are unique per document, so they are moved out of the way before being reassigned.
    rank = {(s.kind, s.heading): i for i, s in enumerate(source.sections)}
    ordered = sorted(existing.values(),
                     key=lambda s: (rank.get((s.kind, s.heading), len(rank)), s.position))
    if [s.position for s in ordered] != list(range(1, len(ordered) + 1)):
        for i, section in enumerate(ordered, start=1):
            section.position = -i
        db.session.flush()
        for i, section in enumerate(ordered, start=1):
            section.position = i
        db.session.flush()
    db.session.expire(chair, ["sections"])
    return mapping


def _order_chair_statement(chair: Document, new_clauses: list[Clause]) -> None:
    """Clauses ordered by section, the clauses already there first, new ones after them."""
    new_ids = {c.id for c in new_clauses}
    section_rank = {s.id: s.position for s in chair.sections}
    current = [c for c, _ in clause_rows(chair)]
    old = [c for c in current if c.id not in new_ids]
    ordered = sorted(old, key=lambda c: (section_rank[c.section_id], c.position)) + new_clauses
    ordered.sort(key=lambda c: section_rank[c.section_id])  # stable: keeps old before new
    for position, clause in enumerate(ordered, start=1):
        clause.position = position
    db.session.flush()


# --- the confirmation before a move ----------------------------------------------------------

RECENT_CHANGE = timedelta(hours=1)
FIRST_WORDS = 12


def first_words(text: str, count: int = FIRST_WORDS) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


@dataclass
class MovePreviewItem:
    """One paragraph as it would move: what the confirmation lists about it."""
    clause: Clause
    number: str
    first_words: str
    status: ClauseStatus
    positions: list[Position]  # recorded positions, in APEC order of the economies
    warnings: list[str]  # "no_positions", "agreed", "agreed_ad_ref", "changed_recently"


@dataclass
class RemainingParagraph:
    clause_id: int
    number_now: str
    number_after: str
    first_words: str


@dataclass
class ChairMovePreview:
    """What `create_chair_statement` would do with this selection, read without writing."""
    document: Document
    chair_statement: Document | None  # None: a new Chair's statement would be created
    items: list[MovePreviewItem]
    remaining: list[RemainingParagraph]
    token: str  # changes whenever anything listed here changes

    @property
    def clause_ids(self) -> list[int]:
        return [item.clause.id for item in self.items]

    @property
    def warned(self) -> int:
        return sum(1 for item in self.items if item.warnings)


def preview_chair_statement(viewer, document: Document, clause_ids: Iterable[int] | None, *,
                            allow_consensus: bool = False, now: datetime | None = None
                            ) -> ChairMovePreview:
    """The paragraphs `clause_ids` would move, their positions and warnings, and the
    paragraphs the statement keeps — with a token naming exactly this state.

    Checks what `create_chair_statement` checks (permission, frozen document, selection) and
    raises the same errors, so a refusal comes before the confirmation, not after it. Reads
    only: nothing is locked or written.
    """
    authorize(viewer, Action.CREATE_CHAIR_STATEMENT, document)
    check_not_frozen(document, "Chair's statements")
    if document.kind == KIND:
        raise Conflict("This document is already a Chair's statement.", code="is_chair_statement")
    selected = _select_clauses(document, clause_ids, allow_consensus)
    now = now or utcnow()
    moving = {clause.id for clause, _ in selected}
    matrix = consensus_matrix(document)
    order = {e.code: i for i, e in enumerate(matrix.economies)}
    changed_since = _changed_since(moving, now - RECENT_CHANGE)
    items = []
    for row in matrix.rows:
        if row.clause.id not in moving:
            continue
        positions = sorted(row.positions.values(), key=lambda p: order.get(p.economy.code, 0))
        warnings = []
        if not positions:
            warnings.append("no_positions")
        if row.clause.status in (ClauseStatus.AGREED, ClauseStatus.AGREED_AD_REF):
            warnings.append(row.clause.status.value)
        if row.clause.id in changed_since:
            warnings.append("changed_recently")
        items.append(MovePreviewItem(row.clause, row.number, first_words(row.clause.text),
                                     row.clause.status, positions, warnings))
    remaining = _remaining_after(document, moving)
    chair = chair_statement_of(document)
    return ChairMovePreview(document, chair, items, remaining,
                            _selection_token(document, chair, items, remaining))


def _changed_since(clause_ids: set[int], since: datetime) -> set[int]:
    """Clauses among `clause_ids` whose text, status or recorded positions changed after
    `since`: a paragraph still moving under the operator's eyes deserves a second look."""
    if not clause_ids:
        return set()
    changed = set(db.session.execute(
        select(ClauseVersion.clause_id).where(ClauseVersion.clause_id.in_(clause_ids),
                                              ClauseVersion.created_at >= since)).scalars())
    changed |= set(db.session.execute(
        select(ClauseStatusChange.clause_id).where(ClauseStatusChange.clause_id.in_(clause_ids),
                                                   ClauseStatusChange.created_at >= since)
    ).scalars())
    changed |= set(db.session.execute(
        select(Position.clause_id).where(Position.clause_id.in_(clause_ids),
                                         Position.updated_at >= since)).scalars())
    return changed


class _Gone:
    """Stands for the removed version a moved clause will get, for numbering only."""
    removed = True


def _remaining_after(document: Document, moving: set[int]) -> list[RemainingParagraph]:
    rows = clause_rows(document)
    now_numbers = display_numbers(document, rows)
    after_numbers = display_numbers(
        document, [(c, _Gone if c.id in moving else v) for c, v in rows])
    return [RemainingParagraph(c.id, now_numbers.get(c.id, ""), after_numbers.get(c.id, ""),
                               first_words(v.text))
            for c, v in rows if not v.removed and c.id not in moving]


def _selection_token(document: Document, chair: Document | None,
                     items: list[MovePreviewItem], remaining: list[RemainingParagraph]) -> str:
    """A digest of everything the confirmation shows: a confirmation given on one state of
    the document is refused on another (the move is not undone by a later click)."""
    shown = {
        "document": document.id, "chair": chair.id if chair else None,
        "moving": [[i.clause.id, i.clause.version, i.number, i.status.value,
                    [[p.economy.code, p.stance.value, p.text] for p in i.positions]]
                   for i in items],
        "remaining": [[r.clause_id, r.number_now, r.number_after] for r in remaining],
    }
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:32]
