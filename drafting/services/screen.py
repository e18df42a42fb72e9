"""The chair's screen: which paragraph of a document the plenary room sees, and what it shows.

The secretariat puts a paragraph on screen from the merge desk (or steps to the next or the
previous paragraph, or clears the screen); every page following the document's screen shows
it. Each change is one audit event ("screen.shown" / "screen.cleared"), which is also what
the live-update stream tells the open screens.

What the screen shows is what the whole room may see, whoever's browser draws it: only
proposals circulated to every economy (the reading of a viewer who belongs to no economy). A
secretariat laptop driving the projector must not put an economy's uncirculated proposal on
the wall, and every screen of a document shows the same thing.

Showing a paragraph is presentation, not negotiation: it is allowed at every stage, also on a
document frozen by the leaders' endorsement (a chair may show the adopted text).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from drafting.domain.diff import word_diff
from drafting.domain.errors import Conflict, InvalidInput
from drafting.domain.input_rules import ascii_id
from drafting.domain.render import render_changes
from drafting.domain.states import ProposalAction
from drafting.extensions import db
from drafting.models import Clause, Document, Economy, Proposal, ScreenState, Section
from drafting.models.types import utcnow
from drafting.services import options as option_service
from drafting.services import positions as position_service
from drafting.services import reading
from drafting.services.audit import record_event
from drafting.services.loading import MAX_ID
from drafting.services.locking import lock_row
from drafting.services.policy import Action, authorize

# The `action` values a screen change accepts (forms and the API).
SCREEN_ACTIONS = ("show", "clear", "next", "previous")

# The reading of a viewer who belongs to no economy: circulated proposals only.
ROOM_VIEWER = None


def screen_state(document: Document) -> ScreenState | None:
    """The document's screen row, or None if nothing was ever put on its screen."""
    return db.session.get(ScreenState, document.id)


def on_screen_clause_id(document: Document) -> int | None:
    state = screen_state(document)
    return state.clause_id if state else None


# --- changing the screen ---------------------------------------------------------------------

def parse_clause_id(value) -> int:
    """A clause id from a form field or a JSON value; InvalidInput for anything else."""
    if isinstance(value, bool) or value is None or value == "":
        raise InvalidInput("clause_id is required: the paragraph to show.",
                           details={"field": "clause_id"})
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and ascii_id(value) is not None:
        number = ascii_id(value)
    else:
        raise InvalidInput(f"clause_id must be a whole number, not {value!r}.",
                           details={"field": "clause_id"})
    if not 0 < number <= MAX_ID:
        raise InvalidInput(f"No clause with id {number}.", code="unknown_clause",
                           details={"field": "clause_id"})
    return number


def _clause_of(document: Document, clause_id) -> Clause:
    """The live clause `clause_id` of `document`, or a clear refusal."""
    number = parse_clause_id(clause_id)
    clause = db.session.get(Clause, number)
    if clause is None:
        raise InvalidInput(f"No clause with id {number}.", code="unknown_clause",
                           details={"field": "clause_id"})
    if clause.document_id != document.id:
        raise InvalidInput(f"Clause {number} belongs to another document: only a paragraph of "
                           f"{document.symbol} can be shown on its screen.",
                           code="clause_not_in_document", details={"field": "clause_id"})
    if clause.removed:
        raise Conflict(f"{_label(document, clause)} has been deleted: it cannot be shown.",
                       code="clause_deleted", details={"clause_id": clause.id})
    return clause


def _label(document: Document, clause: Clause) -> str:
    """How messages name a clause: its number, or its opening words once deleted (a deleted
    clause keeps a number only after a renumbering revision)."""
    number = reading.display_numbers(document, include_removed=True).get(clause.id)
    return number or f"The paragraph “{_opening(clause.text)}”"


def _locked_state(document: Document) -> ScreenState | None:
    # Two secretariat members pressing "next" at once must step twice, not both land on the
    # same paragraph: screen changes of a document queue on its row.
    lock_row(Document, document.id)
    return screen_state(document)


def _put_on_screen(actor, document: Document, clause: Clause, via: str,
                   now: datetime | None) -> ScreenState:
    state = screen_state(document)
    previous = state.clause_id if state else None
    if previous == clause.id:
        return state  # already on screen: nothing changes, nothing to record
    if state is None:
        state = ScreenState(document_id=document.id)
        db.session.add(state)
    state.clause = clause  # the relationship, so that state.clause never lags behind the id
    state.changed_at = now or utcnow()
    state.changed_by_id = actor.id
    db.session.flush()
    record_event("screen.shown", actor, document_id=document.id, clause_id=clause.id,
                 number=reading.display_numbers(document).get(clause.id),
                 previous_clause_id=previous, via=via)
    return state


def show_on_screen(actor, document: Document, clause_id, now: datetime | None = None
                   ) -> ScreenState:
    """Put paragraph `clause_id` of `document` on the plenary screen.

    Raises PermissionDenied (not the secretariat), InvalidInput (no such clause, or one of
    another document), Conflict (the clause was deleted). Showing the paragraph already on
    screen changes nothing and records nothing.
    """
    authorize(actor, Action.SHOW_ON_SCREEN, document)
    _locked_state(document)
    clause = _clause_of(document, clause_id)
    return _put_on_screen(actor, document, clause, "clause", now)


def step_screen(actor, document: Document, direction: str, now: datetime | None = None
                ) -> ScreenState:
    """Show the next or the previous live paragraph, in document order.

    From an empty screen, "next" shows the first paragraph and "previous" the last. If the
    paragraph on screen was deleted meanwhile, its place in the document still counts.
    Raises PermissionDenied, InvalidInput (another direction), Conflict (no paragraph there).
    """
    authorize(actor, Action.SHOW_ON_SCREEN, document)
    if direction not in ("next", "previous"):
        raise InvalidInput("direction must be “next” or “previous”.",
                           details={"field": "action"})
    state = _locked_state(document)
    rows = reading.clause_rows(document)
    live = [clause for clause, version in rows if not version.removed]
    if not live:
        raise Conflict("This document has no paragraph to show.", code="no_clauses")
    current = db.session.get(Clause, state.clause_id) if state and state.clause_id else None
    if current is None:
        target = live[0] if direction == "next" else live[-1]
    elif direction == "next":
        target = next((c for c in live if c.position > current.position), None)
    else:
        target = next((c for c in reversed(live) if c.position < current.position), None)
    if target is None:
        where = "last" if direction == "next" else "first"
        raise Conflict(f"{_label(document, current)} is the {where} paragraph: there is no "
                       f"{direction} one.", code=f"no_{direction}_clause")
    return _put_on_screen(actor, document, target, direction, now)


def clear_screen(actor, document: Document, now: datetime | None = None) -> ScreenState | None:
    """Show nothing on the plenary screen (between items, in a break).

    Raises PermissionDenied. Clearing an empty screen changes nothing and records nothing.
    """
    authorize(actor, Action.SHOW_ON_SCREEN, document)
    state = _locked_state(document)
    if state is None or state.clause_id is None:
        return state
    previous = state.clause_id
    state.clause = None
    state.changed_at = now or utcnow()
    state.changed_by_id = actor.id
    db.session.flush()
    record_event("screen.cleared", actor, document_id=document.id, clause_id=previous)
    return state


def change_screen(actor, document: Document, *, action: str | None = None, clause_id=None,
                  now: datetime | None = None) -> ScreenState | None:
    """One entry point for the form and the API: `action` is show (needs `clause_id`; the
    default when a clause_id is given), clear, next or previous."""
    if action is not None and not isinstance(action, str):
        raise InvalidInput("action must be one of: show, clear, next, previous.",
                           details={"field": "action"})
    action = (action or "").strip().lower() or ("show" if clause_id not in (None, "") else "")
    if action not in SCREEN_ACTIONS:
        raise InvalidInput(
            "Say what to show: a clause_id, or action “clear”, “next” or “previous”.",
            details={"field": "action"})
    if action == "show":
        return show_on_screen(actor, document, clause_id, now=now)
    if clause_id not in (None, ""):
        raise InvalidInput(f"clause_id goes only with action “show”, not “{action}”.",
                           details={"field": "clause_id"})
    if action == "clear":
        return clear_screen(actor, document, now=now)
    return step_screen(actor, document, action, now=now)


# --- what the screen shows -------------------------------------------------------------------

@dataclass
class OptionCard:
    """One of the clause's options as the screen shows it, beside the others."""

    label: str
    is_current_text: bool
    economies: list[Economy]  # its backers, proposer first (none for option 1)
    html: str  # option 1 as plain text; the others as tracked changes against option 1
    in_conflict: bool = False


@dataclass
class ScreenView:
    """Everything the projection page and the API show for one document's screen."""

    document: Document
    state: ScreenState | None
    row: reading.ClauseRow | None = None  # the paragraph on screen (None: screen is empty)
    section: Section | None = None
    index: int = 0  # its place among the live paragraphs, from 1
    total: int = 0  # live paragraphs in the document
    changes_html: str = ""  # the text with every open proposal inline, attributed
    # Two or more competing proposals: each redlined on its own (proposal, html).
    alternatives: list[tuple[Proposal, str]] = field(default_factory=list)
    inline: list[Proposal] = field(default_factory=list)  # open proposals shown in the text
    earlier_text: list[Proposal] = field(default_factory=list)  # written on an older text
    inserts_after: list[Proposal] = field(default_factory=list)  # proposed new paragraphs
    inserts_before: list[Proposal] = field(default_factory=list)  # ... opening the text
    options: list[OptionCard] = field(default_factory=list)
    positions: position_service.ClausePositions | None = None
    deleted_label: str | None = None  # the paragraph put on screen was deleted since

    @property
    def clause(self) -> Clause | None:
        return self.row.clause if self.row else None

    @property
    def blocking(self) -> list:
        """(economy, position) of each economy with a reservation or an objection."""
        if self.positions is None:
            return []
        return [(e, p) for e, p in self.positions.cells()
                if p is not None and p.stance.blocks_consensus]


def _option_cards(clause: Clause, economies: dict[str, Economy]) -> list[OptionCard]:
    option_set = option_service.clause_options(clause)
    if option_set is None:
        return []
    cards = []
    for entry in option_set.entries:
        if entry.is_current_text:
            html = escape(entry.text)
            backers = []
        else:
            html = render_changes(word_diff(clause.text, entry.text),
                                  author=entry.sponsors[0] if entry.sponsors else None,
                                  author_name=economies[entry.sponsors[0]].name
                                  if entry.sponsors and entry.sponsors[0] in economies else None)
            backers = [economies[code] for code in entry.sponsors if code in economies]
        cards.append(OptionCard(entry.label, entry.is_current_text, backers, html,
                                entry.in_conflict))
    return cards


def screen_view(viewer, document: Document) -> ScreenView:
    """What the document's screen shows now. Raises PermissionDenied unless `viewer` may read
    the document."""
    authorize(viewer, Action.VIEW, document)
    state = screen_state(document)
    view = ScreenView(document, state)
    if state is None or state.clause_id is None:
        return view
    document_view = reading.document_view(document, viewer=ROOM_VIEWER)
    rows = document_view.rows
    view.total = len(rows)
    found = next(((i, r) for i, r in enumerate(rows, start=1)
                  if r.clause.id == state.clause_id), None)
    if found is None:  # deleted (or moved to the Chair's statement) since it was put on screen
        view.deleted_label = _label(document, db.session.get(Clause, state.clause_id))
        return view
    view.index, row = found
    economies = document_view.economies
    view.row = row
    view.section = row.clause.section
    view.changes_html = reading.tracked_changes_html(row, economies)
    view.alternatives = reading.alternatives(row, economies)
    # The same split as reading.tracked_changes_html: a proposal written on an older text
    # cannot be laid over the current one, so it is shown whole, apart.
    view.inline = [p for p in row.open_proposals
                   if not p.in_conflict and p.base_version_id == row.version.id]
    view.earlier_text = [p for p in row.open_proposals if p not in view.inline]
    view.inserts_after = [p for p in row.inserts_after if p.action is ProposalAction.INSERT]
    view.inserts_before = list(row.inserts_before)
    view.options = _option_cards(row.clause, economies)
    view.positions = position_service.clause_positions(row.clause)
    return view


# --- the controls on the merge desk ----------------------------------------------------------

@dataclass
class ScreenControls:
    state: ScreenState | None
    number: str | None  # the display number of the paragraph on screen
    choices: list[tuple[int, str, str]]  # (clause id, number, opening words) of live paragraphs
    has_previous: bool
    has_next: bool

    @property
    def clause_id(self) -> int | None:
        return self.state.clause_id if self.state else None


def _opening(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def screen_controls(document: Document) -> ScreenControls:
    """What the desk needs for its screen panel (two queries)."""
    state = screen_state(document)
    rows = reading.clause_rows(document)
    numbers = reading.display_numbers(document, rows, include_removed=True)
    live = [(clause, version) for clause, version in rows if not version.removed]
    choices = [(c.id, numbers.get(c.id) or "unnumbered", _opening(v.text)) for c, v in live]
    current = db.session.get(Clause, state.clause_id) if state and state.clause_id else None
    if current is None:
        has_previous = has_next = bool(live)
    else:
        has_previous = any(c.position < current.position for c, _ in live)
        has_next = any(c.position > current.position for c, _ in live)
    return ScreenControls(state, numbers.get(current.id) if current else None, choices,
                          has_previous, has_next)


def number_on_screen(document: Document) -> str | None:
    clause_id = on_screen_clause_id(document)
    if clause_id is None:
        return None
    return reading.display_numbers(document, include_removed=True).get(clause_id)


__all__ = [
    "OptionCard", "SCREEN_ACTIONS", "ScreenControls", "ScreenView", "change_screen",
    "clear_screen", "number_on_screen", "on_screen_clause_id", "parse_clause_id",
    "screen_controls", "screen_state", "screen_view", "show_on_screen", "step_screen",
]
