"""The negotiating text: the document as negotiators print it, with square brackets.

Conventions (as in APEC and UN negotiating texts):

* A clause that is not agreed — status *bracketed*, or *open* with any open proposal or kept
  option on it — is shown in square brackets: ``[We will reduce emissions …]``.
* Open amendments appear inline where they change the text: the current wording of the
  changed passage in brackets, followed by each proposal's wording of it with its sponsors:
  ``We will [reduce] [AUS, NZ: halve] [JPN: substantially reduce] emissions``. A proposal that
  only removes the passage reads ``[AUS: delete]``.
* A proposal to delete the whole clause reads ``[AUS: delete paragraph]`` after the clause.
* A proposal written against an older text (in conflict) cannot be placed inline: its whole
  wording follows the clause, ``[USA (on an earlier text): …]``.
* Kept options (proposals the secretariat kept as alternatives) turn the clause into a list:
  ``Option 1: [current text]``, ``Option 2: [AUS, NZ: their text]`` … The option's backers are
  its proposer and co-sponsors.
* A proposed new clause is shown as its own bracketed paragraph after the clause it follows:
  ``[AUS: new paragraph text]``.
* Agreed clauses carry no brackets; "agreed ad ref" and "agreed except AUS, NZ" are stated.

Counting (what "42 brackets in Rev.1 → 9 in Rev.4" means): `bracket_count` is the number of
bracketed passages — every pair of square brackets in the clause's negotiating text, nested
ones included; `option_count` is the number of options on the table for the clause (the current
text plus each kept option) and 0 when the clause has none.

Everything here works on plain data and returns plain data or escaped HTML strings.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Literal

from drafting.domain.overlay import overlay
from drafting.domain.render import css_class_for

__all__ = [
    "ClauseInput", "NegotiatingClause", "Piece", "ProposalInput", "Totals", "clause_status_label",
    "negotiating_clause", "negotiating_text", "pieces_html", "pieces_text", "totals",
]

AGREED_STATUSES = ("agreed", "agreed_ad_ref")
STATUS_LABELS = {"open": "Open", "bracketed": "Bracketed", "agreed_ad_ref": "Agreed ad ref",
                 "agreed": "Agreed"}


@dataclass(frozen=True)
class ProposalInput:
    """An open proposal or kept option, as the negotiating text needs it.

    `economies`: the proposer first, then co-sponsors. `status`: "open" or "option".
    `on_current_text`: False when it was written against an older version (in conflict), so
    its change cannot be laid over the current wording.
    """

    id: int
    action: Literal["amend", "insert", "delete"]
    text: str
    economies: tuple[str, ...]
    status: Literal["open", "option"] = "open"
    on_current_text: bool = True


@dataclass(frozen=True)
class ClauseInput:
    clause_id: int
    number: str | None
    text: str
    status: str = "open"  # open | bracketed | agreed_ad_ref | agreed
    excepted: tuple[str, ...] = ()
    proposals: tuple[ProposalInput, ...] = ()  # amend/delete on this clause (open or option)
    inserts_after: tuple[ProposalInput, ...] = ()  # proposed new clauses following it
    # Proposed new clauses that would open the text, before it (only on the first clause).
    inserts_before: tuple[ProposalInput, ...] = ()


PieceKind = Literal["text", "open", "close", "attribution", "option", "note"]


@dataclass(frozen=True)
class Piece:
    """One piece of negotiating text.

    text — wording; open/close — a square bracket; attribution — "AUS, NZ: " before a
    proposal's wording (`economies` says whose); option — "Option 2: "; note — editorial words
    such as "delete" that are not proposed wording.
    """

    kind: PieceKind
    text: str = ""
    economies: tuple[str, ...] = ()
    proposal_id: int | None = None


@dataclass(frozen=True)
class NegotiatingClause:
    clause_id: int
    number: str | None
    status: str
    status_label: str
    bracketed: bool  # not agreed: the clause as a whole is in brackets
    lines: tuple[tuple[Piece, ...], ...]  # one line, or one per option, then extra lines
    insertions: tuple[tuple[Piece, ...], ...] = ()  # proposed new paragraphs after it
    insertions_before: tuple[tuple[Piece, ...], ...] = ()  # ... and opening the text, before it
    bracket_count: int = 0
    option_count: int = 0
    economies: tuple[str, ...] = field(default=())  # everyone with wording on the table

    @property
    def plain(self) -> str:
        return "\n".join(pieces_text(line) for line in self.lines)


@dataclass(frozen=True)
class Totals:
    clauses: int
    bracketed_clauses: int
    brackets: int
    options: int
    clauses_with_options: int
    proposed_insertions: int


def clause_status_label(status: str, excepted: Sequence[str] = ()) -> str:
    label = STATUS_LABELS.get(status, status)
    if status in AGREED_STATUSES and excepted:
        return f"{label} except {', '.join(excepted)}"
    return label


def _is_agreed(clause: ClauseInput) -> bool:
    return clause.status in AGREED_STATUSES


def _bracketed(clause: ClauseInput) -> bool:
    if clause.status == "bracketed":
        return True
    return clause.status == "open" and bool(clause.proposals)


def _proposal_pieces(proposal: ProposalInput, wording: str, *, note: bool = False) -> list[Piece]:
    """[AUS, NZ: wording] — or [AUS, NZ: delete] when `note` marks editorial words."""
    return [
        Piece("open", proposal_id=proposal.id),
        Piece("attribution", ", ".join(proposal.economies) + ": ", proposal.economies,
              proposal.id),
        Piece("note" if note else "text", wording, proposal.economies, proposal.id),
        Piece("close", proposal_id=proposal.id),
    ]


def _inline_pieces(base: str, amendments: Sequence[ProposalInput]) -> list[Piece]:
    """The clause text with each open amendment's wording placed where it changes the text."""
    if not amendments:
        return [Piece("text", base)] if base else []
    segments = overlay(base, [(str(p.id), p.text) for p in amendments])
    pieces: list[Piece] = []
    index = 0
    while index < len(segments):
        segment = segments[index]
        if segment.op == "equal":
            pieces.append(Piece("text", segment.text))
            index += 1
            continue
        region = []
        while index < len(segments) and segments[index].op != "equal":
            region.append(segments[index])
            index += 1
        pieces.extend(_region_pieces(region, [p for p in amendments
                                              if any(str(p.id) in s.authors for s in region)]))
    return _space_brackets(pieces)


def _space_brackets(pieces: list[Piece]) -> list[Piece]:
    """Keep a bracket from sticking to a word: "purposes [, including …]" not "purposes[, …"."""
    out: list[Piece] = []
    for index, piece in enumerate(pieces):
        before = out[-1] if out else None
        if piece.kind == "open" and before is not None and before.kind == "text" \
                and before.text[-1:].isalnum():
            out.append(Piece("text", " "))
        out.append(piece)
        after = pieces[index + 1] if index + 1 < len(pieces) else None
        if piece.kind == "close" and after is not None and after.kind == "text" \
                and after.text[:1].isalnum():
            out.append(Piece("text", " "))
    return out


def _region_pieces(region, proposals: Sequence[ProposalInput]) -> list[Piece]:
    """One changed passage: "[current words] [AUS: their words] [NZ: delete]"."""
    current = "".join(s.text for s in region if s.op == "delete")
    lead, current_core, trail = _split_space(current)
    versions = []
    for proposal in proposals:
        label = str(proposal.id)
        wording = "".join(s.text for s in region
                          if (s.op == "delete" and label not in s.authors)
                          or (s.op == "insert" and s.authors == (label,)))
        versions.append((proposal, wording))
    if not current_core:
        # A pure insertion: keep the spacing the insertions carried, outside the brackets.
        lead = " " if any(w[:1].isspace() for _, w in versions) else ""
        trail = " " if any(w[-1:].isspace() for _, w in versions) else ""
    pieces: list[Piece] = [Piece("text", lead)] if lead else []
    first = True
    if current_core:
        pieces += [Piece("open"), Piece("text", current_core), Piece("close")]
        first = False
    for proposal, wording in versions:
        if not first:
            pieces.append(Piece("text", " "))
        first = False
        wording = wording.strip()
        pieces += _proposal_pieces(proposal, wording or "delete", note=not wording)
    if trail:
        pieces.append(Piece("text", trail))
    return pieces


def _split_space(text: str) -> tuple[str, str, str]:
    core = text.strip()
    if not core:
        return "", "", ""
    start = text.index(core)
    return text[:start], core, text[start + len(core):]


def _wrap(pieces: list[Piece]) -> list[Piece]:
    return [Piece("open"), *pieces, Piece("close")]


def negotiating_clause(clause: ClauseInput) -> NegotiatingClause:
    """How one clause reads in the negotiating text, with its bracket and option counts."""
    options = [p for p in clause.proposals if p.status == "option"]
    open_ones = [p for p in clause.proposals if p.status != "option"]
    inline = [p for p in open_ones if p.action == "amend" and p.on_current_text]
    deletions = [p for p in open_ones if p.action == "delete"]
    stale = [p for p in open_ones if p.action == "amend" and not p.on_current_text]
    bracketed = _bracketed(clause)

    body = _inline_pieces(clause.text, inline)
    lines: list[list[Piece]] = []
    if options:
        lines.append([Piece("option", "Option 1: "), *_wrap(body)])
        for number, option in enumerate(options, start=2):
            wording = option.text if option.action != "delete" else "delete paragraph"
            lines.append([Piece("option", f"Option {number}: "),
                          *_proposal_pieces(option, wording, note=option.action == "delete")])
    else:
        lines.append(_wrap(body) if bracketed else body)
    tail: list[Piece] = []
    for proposal in deletions:
        tail += [Piece("text", " "), *_proposal_pieces(proposal, "delete paragraph", note=True)]
    for proposal in stale:
        tail += [Piece("text", " "), Piece("open", proposal_id=proposal.id),
                 Piece("attribution", ", ".join(proposal.economies) + " (on an earlier text): ",
                       proposal.economies, proposal.id),
                 Piece("text", proposal.text, proposal.economies, proposal.id),
                 Piece("close", proposal_id=proposal.id)]
    if tail:
        lines[-1] = lines[-1] + tail
    insertions = tuple(tuple(_proposal_pieces(p, p.text)) for p in clause.inserts_after)
    insertions_before = tuple(tuple(_proposal_pieces(p, p.text)) for p in clause.inserts_before)

    all_pieces = [piece for line in lines for piece in line]
    economies: list[str] = []
    for proposal in (*clause.inserts_before, *clause.proposals, *clause.inserts_after):
        for code in proposal.economies:
            if code not in economies:
                economies.append(code)
    return NegotiatingClause(
        clause_id=clause.clause_id, number=clause.number, status=clause.status,
        status_label=clause_status_label(clause.status, clause.excepted),
        bracketed=bracketed or bool(options),
        lines=tuple(tuple(line) for line in lines),
        insertions=insertions,
        insertions_before=insertions_before,
        bracket_count=sum(1 for p in all_pieces if p.kind == "open"),
        option_count=len(options) + 1 if options else 0,
        economies=tuple(economies),
    )


def negotiating_text(clauses: Iterable[ClauseInput]) -> list[NegotiatingClause]:
    return [negotiating_clause(c) for c in clauses]


def totals(clauses: Sequence[NegotiatingClause]) -> Totals:
    """Document totals; proposed new paragraphs count one bracket each."""
    return Totals(
        clauses=len(clauses),
        bracketed_clauses=sum(1 for c in clauses if c.bracketed),
        brackets=sum(c.bracket_count + len(c.insertions) + len(c.insertions_before)
                     for c in clauses),
        options=sum(c.option_count for c in clauses),
        clauses_with_options=sum(1 for c in clauses if c.option_count),
        proposed_insertions=sum(len(c.insertions) + len(c.insertions_before) for c in clauses),
    )


def pieces_text(pieces: Iterable[Piece]) -> str:
    """Plain negotiating text: "We will [reduce] [AUS, NZ: halve] emissions"."""
    out = []
    for piece in pieces:
        if piece.kind == "open":
            out.append("[")
        elif piece.kind == "close":
            out.append("]")
        else:
            out.append(piece.text)
    return "".join(out)


def pieces_html(pieces: Iterable[Piece], names: dict[str, str] | None = None) -> str:
    """Escaped HTML; brackets are real characters (they read aloud and copy as text).

    A proposal's wording is wrapped in a span carrying its first sponsor's colour class, and
    its sponsors' names in the title, so colour is never the only cue. Attributions, option
    labels and notes are English: `dir="ltr"` isolates them, so in an Arabic clause they
    neither reorder the text around them nor decide the line's direction (`dir="auto"`).
    """
    names = names or {}
    out = []
    for piece in pieces:
        if piece.kind == "open":
            out.append('<span class="nt-bracket">[</span>')
        elif piece.kind == "close":
            out.append('<span class="nt-bracket">]</span>')
        elif piece.kind == "attribution":
            who = ", ".join(names.get(code, code) for code in piece.economies)
            cls = css_class_for(piece.economies[0]) if piece.economies else ""
            out.append(f'<span class="nt-attr {cls}" dir="ltr" title="Proposed by {escape(who)}">'
                       f"{escape(piece.text)}</span>")
        elif piece.kind == "option":
            out.append(f'<strong class="nt-option" dir="ltr">{escape(piece.text)}</strong>')
        elif piece.kind == "note":
            out.append(f'<em class="nt-note" dir="ltr">{escape(piece.text)}</em>')
        elif piece.economies:
            cls = css_class_for(piece.economies[0])
            out.append(f'<span class="nt-proposed {cls}">{escape(piece.text)}</span>')
        else:
            out.append(escape(piece.text))
    return "".join(out)
