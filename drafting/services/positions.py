"""Economies' positions on clauses, and the consensus picture built from them."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from drafting.domain import text_rules
from drafting.domain.consensus import ConsensusReport, assess, is_stale, parse_stance
from drafting.domain.errors import Conflict
from drafting.domain.states import Stance
from drafting.extensions import db
from drafting.models import Clause, Document, Economy, Position, Section
from drafting.models.types import utcnow
from drafting.services.audit import record_event
from drafting.services.guards import ensure_not_frozen
from drafting.services.policy import Action, authorize
from drafting.services.reading import clause_rows, display_numbers

# A reservation or an objection must say what the economy cannot accept.
TEXT_REQUIRED = frozenset({Stance.RESERVATION, Stance.OBJECTION})


def _ensure_open_clause(clause: Clause, activity: str) -> None:
    ensure_not_frozen(clause.document, activity)
    if clause.removed:
        raise Conflict("This clause has been deleted: positions on it can no longer change.",
                       code="clause_deleted")


def _own_position(actor, clause: Clause) -> Position | None:
    return db.session.execute(
        select(Position).where(Position.clause_id == clause.id,
                               Position.economy_id == actor.economy_id)
    ).scalar()


def set_position(actor, clause: Clause, stance: Stance | str, text: str = "",
                 now: datetime | None = None) -> Position:
    """Record the stance of the actor's own economy on `clause` (one current row per economy).

    The economy is always the actor's: nobody records a position for another economy. A
    reservation or an objection needs its text. Every change is audited with the old and the
    new stance, so the audit trail holds the history of the position. The position is given on
    the clause's current version (`on_version`): recording the same stance again on a newer
    version is how an economy confirms a stale position. Setting exactly what is already
    recorded on the current version changes nothing and records nothing.
    """
    authorize(actor, Action.SET_POSITION, clause)
    _ensure_open_clause(clause, "positions")
    stance = parse_stance(stance)
    text = text_rules.note_text(text, required=stance in TEXT_REQUIRED, field="text")
    now = now or utcnow()
    position = _own_position(actor, clause)
    old_stance, old_text = (position.stance, position.text) if position else (None, "")
    old_version = position.on_version if position else None
    if (position is not None and old_stance is stance and old_text == text
            and old_version == clause.version):
        return position
    if position is None:
        position = Position(clause_id=clause.id, economy_id=actor.economy_id)
        db.session.add(position)
    position.stance, position.text = stance, text
    position.user_id, position.updated_at = actor.id, now
    position.on_version = clause.version
    db.session.flush()
    record_event("position.set", actor, document_id=clause.document_id, clause_id=clause.id,
                 economy=actor.economy.code, old_stance=old_stance.value if old_stance else None,
                 new_stance=stance.value, old_text=old_text, text=text,
                 clause_version=clause.version, old_version=old_version)
    return position


def clear_position(actor, clause: Clause, now: datetime | None = None) -> None:
    """Withdraw the actor's economy's position on `clause` (it then has none)."""
    authorize(actor, Action.SET_POSITION, clause)
    _ensure_open_clause(clause, "positions")
    position = _own_position(actor, clause)
    if position is None:
        raise Conflict("Your economy has no position on this clause to clear.",
                       code="no_position")
    old_stance, old_text = position.stance, position.text
    db.session.delete(position)
    db.session.flush()
    record_event("position.cleared", actor, document_id=clause.document_id, clause_id=clause.id,
                 economy=actor.economy.code, old_stance=old_stance.value, old_text=old_text,
                 clause_version=clause.version)


# --- reading -------------------------------------------------------------------------------

def all_economies() -> list[Economy]:
    """Every member economy, in APEC's order (the columns of the consensus matrix)."""
    return list(db.session.execute(select(Economy).order_by(Economy.sort_order, Economy.code))
                .scalars())


def positions_by_code(clause: Clause) -> dict[str, Position]:
    rows = db.session.execute(select(Position).where(Position.clause_id == clause.id)).scalars()
    return {p.economy.code: p for p in rows}


def position_is_stale(position: Position, clause: Clause) -> bool:
    """Given on an older version of the clause than its current one (domain/consensus.py)."""
    return is_stale(position.on_version, clause.version)


def report_for(economies: list[Economy], positions: dict[str, Position],
               clause: Clause) -> ConsensusReport:
    codes = [e.code for e in economies]
    return assess(codes, {code: p.stance for code, p in positions.items()},
                  stale=[code for code, p in positions.items() if position_is_stale(p, clause)])


@dataclass
class ClausePositions:
    """The positions panel of a clause page."""

    clause: Clause
    economies: list[Economy]
    positions: dict[str, Position]  # economy code → current position
    report: ConsensusReport

    def cells(self) -> list[tuple[Economy, Position | None]]:
        return [(e, self.positions.get(e.code)) for e in self.economies]

    def is_stale(self, position: Position) -> bool:
        """True when the position was given on an older version of the clause."""
        return position_is_stale(position, self.clause)


def clause_positions(clause: Clause) -> ClausePositions:
    economies = all_economies()
    positions = positions_by_code(clause)
    return ClausePositions(clause, economies, positions,
                           report_for(economies, positions, clause))


@dataclass
class MatrixRow:
    clause: Clause
    number: str
    section: Section
    positions: dict[str, Position]
    report: ConsensusReport

    def is_stale(self, position: Position) -> bool:
        return position_is_stale(position, self.clause)


@dataclass
class ConsensusMatrix:
    document: Document
    economies: list[Economy]
    rows: list[MatrixRow]  # the rows shown (after the filter)
    live_clauses: int  # every live clause, before the filter
    without_consensus: int

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.economies]


def consensus_matrix(document: Document, *, only_without_consensus: bool = False
                     ) -> ConsensusMatrix:
    """Every live clause against every economy, with the consensus report of each clause.

    Three queries whatever the size: clauses with their versions, economies, positions.
    """
    rows = clause_rows(document)
    numbers = display_numbers(document, rows)
    sections = {s.id: s for s in document.sections}
    economies = all_economies()
    by_clause: dict[int, dict[str, Position]] = defaultdict(dict)
    live_ids = [clause.id for clause, version in rows if not version.removed]
    if live_ids:
        for position in db.session.execute(
                select(Position).where(Position.clause_id.in_(live_ids))).scalars():
            by_clause[position.clause_id][position.economy.code] = position
    matrix_rows = []
    without = 0
    for clause, version in rows:
        if version.removed:
            continue
        positions = by_clause.get(clause.id, {})
        report = report_for(economies, positions, clause)
        if not report.consensus:
            without += 1
        elif only_without_consensus:
            continue
        matrix_rows.append(MatrixRow(clause, numbers[clause.id], sections[clause.section_id],
                                     positions, report))
    return ConsensusMatrix(document, economies, matrix_rows, len(live_ids), without)


def clauses_without_consensus(document: Document) -> list[Clause]:
    """Live clauses of the document that lack consensus, in document order."""
    return [row.clause for row in
            consensus_matrix(document, only_without_consensus=True).rows]
