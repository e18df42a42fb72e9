"""A delegation's tracked-changes file, turned into proposals and an import report.

Pure functions over plain data: the service reads the Word XML and hands the paragraphs here.

Each body paragraph is matched to a current clause by its leading number, else by the
similarity of its original (reject-all) wording; the tracked changes in it become an amend,
insert or delete proposal. Whatever cannot be matched is reported, never dropped: the report
(`TrackedImport.report`) lists every tracked change and every Word comment of the file with
what became of it — a proposal, the rationale of a proposal, or not imported and why.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher

from drafting.domain.draft_parsing import clean_line, number_key, numbered
from drafting.domain.rebase import rebase

MATCH_RATIO = 0.8  # wording similarity needed to match a paragraph to a clause
NUMBER_MATCH_RATIO = 0.5  # a clause found by its number must still resemble the paragraph
UNANCHORED = "unanchored"  # location of a comment whose anchor is nowhere in the file


def _excerpt(text: str, limit: int = 80) -> str:
    text = clean_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class TrackedParagraph:
    """A paragraph of a delegation's file with its tracked runs.

    `runs` are (op, text) with op "equal", "insert" or "delete"; `mark` is "insert" or
    "delete" when the paragraph mark itself is tracked; `location` is "body", or where else
    in the file the paragraph sits ("table", "header or footer" …); `comments` are the texts
    of the Word comments anchored in it.
    """

    index: int  # 1-based place in the file, as shown to the delegate
    runs: tuple[tuple[str, str], ...]
    mark: str | None = None
    heading: bool = False
    location: str = "body"
    comments: tuple[str, ...] = ()

    def text(self, accept: bool) -> str:
        keep = "insert" if accept else "delete"
        return "".join(t for op, t in self.runs if op in ("equal", keep))

    @property
    def changed(self) -> bool:
        return clean_line(self.text(True)) != clean_line(self.text(False))

    def changes(self) -> list[tuple[str, str]]:
        """The paragraph's tracked changes: each stretch of inserted or deleted text."""
        out: list[tuple[str, str]] = []
        for op, text in self.runs:
            if op == "equal":
                out.append(("equal", ""))
            elif out and out[-1][0] == op:
                out[-1] = (op, out[-1][1] + text)
            else:
                out.append((op, text))
        return [(op, text) for op, text in out if op != "equal" and text.strip()]


@dataclass(frozen=True)
class CurrentClause:
    id: int
    number: str
    text: str
    version: int
    issued_number: str | None = None
    section_id: int | None = None


@dataclass(frozen=True)
class CurrentSection:
    """A section of the document: where a new clause typed under its heading goes."""

    id: int
    heading: str
    first_clause_id: int | None  # its first live clause, None when it has none
    previous_clause: CurrentClause | None  # the live clause just before it in the document


@dataclass
class PlannedProposal:
    action: str  # amend | insert | delete
    clause_id: int | None
    after_clause_id: int | None
    number: str  # the clause's display number (an insert: the clause it follows, or "")
    base_version: int | None
    base_text: str  # current text ("" for an insert)
    text: str  # proposed text ("" for a delete)
    rationale: str  # from the Word comments; "" when there were none
    paragraph: int
    notes: list[str] = field(default_factory=list)
    # An insertion at the start of a section: that section (after_clause_id is then the
    # clause just before it in the document, so every list still shows it in reading order;
    # None when no clause comes before: the new clause opens the text).
    section_id: int | None = None
    section: str = ""

    @property
    def label(self) -> str:
        if self.action == "insert" and self.section_id is not None:
            return f"New clause at the start of “{self.section}”"
        return {"amend": f"Amend {self.number}", "delete": f"Delete {self.number}",
                "insert": f"New clause after {self.number}"}[self.action]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> PlannedProposal:
        return cls(**{k: data[k] for k in (
            "action", "clause_id", "after_clause_id", "number", "base_version", "base_text",
            "text", "rationale", "paragraph")}, notes=list(data.get("notes", [])),
            section_id=data.get("section_id"), section=data.get("section", ""))


@dataclass
class UnmappedChange:
    paragraph: int | None
    location: str
    text: str  # an excerpt of the paragraph as the file has it
    change: str  # what was changed, e.g. 'inserted “sustainable”'
    reason: str
    comments: list[str] = field(default_factory=list)  # comments on it, not imported either

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ReportEntry:
    """One tracked change or one Word comment of the file, and what became of it."""

    kind: str  # "change" | "comment"
    paragraph: int | None  # place in the file (body paragraphs only)
    location: str  # body, heading, table, footnote, header or footer, unanchored …
    what: str  # 'inserted “halve”', 'deleted “reduce”', 'comment “…”'
    outcome: str  # "proposal" | "rationale" | "not_imported"
    proposal: int | None  # index of the planned proposal (outcome proposal / rationale)
    reason: str = ""  # why it was not imported

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrackedImport:
    proposals: list[PlannedProposal]
    unmapped: list[UnmappedChange]
    report: list[ReportEntry]


def describe_change(runs: Iterable[tuple[str, str]], limit: int = 120) -> str:
    """'inserted “a”, “b”; deleted “c”' for a paragraph's tracked runs."""
    pieces = {"insert": [], "delete": []}
    for op, text in runs:
        if op in pieces and text.strip():
            pieces[op].append(f"“{_excerpt(text, limit)}”")
    parts = [f"{'inserted' if op == 'insert' else 'deleted'} {', '.join(texts)}"
             for op, texts in pieces.items() if texts]
    return "; ".join(parts) or "paragraph break only"


def similarity(a: str, b: str) -> float:
    """difflib ratio over words: 1.0 for the same wording, ~0.1 for unrelated sentences."""
    wa, wb = clean_line(a).lower().split(), clean_line(b).lower().split()
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def _match(text: str, clauses: Sequence[CurrentClause], by_number: dict[str, CurrentClause],
           used: dict[int, int]) -> tuple[CurrentClause | None, str]:
    """The clause a paragraph's original wording belongs to, and how it was found."""
    label, body = numbered(text)
    candidate = by_number.get(number_key(label) or "")
    if candidate is not None and similarity(body, candidate.text) >= NUMBER_MATCH_RATIO:
        return candidate, "number"
    best, best_ratio = None, 0.0
    for clause in clauses:
        if clause.id in used:
            continue
        ratio = similarity(body, clause.text)
        if ratio > best_ratio:
            best, best_ratio = clause, ratio
    if best is not None and best_ratio >= MATCH_RATIO:
        return best, "wording"
    if candidate is not None:
        return None, (f"it is numbered {label} but its wording does not match the current "
                      f"{candidate.number} (is the file made from an older revision?)")
    return None, "it matches no current clause, by number or by wording"


def _section_of_heading(heading: str, sections: Sequence[CurrentSection]
                        ) -> CurrentSection | None:
    """The document section a heading of the file names: same wording, else the one clearly
    closest (≥ MATCH_RATIO, and no tie)."""
    wanted = clean_line(heading).casefold()
    for section in sections:
        if clean_line(section.heading).casefold() == wanted:
            return section
    scored = sorted(((similarity(heading, s.heading), s.id) for s in sections), reverse=True)
    if scored and scored[0][0] >= MATCH_RATIO and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return next(s for s in sections if s.id == scored[0][1])
    return None


def map_tracked_paragraphs(paragraphs: Sequence[TrackedParagraph],
                           clauses: Sequence[CurrentClause],
                           sections: Sequence[CurrentSection] = ()
                           ) -> tuple[list[PlannedProposal], list[UnmappedChange]]:
    """(proposals, unmapped changes) of a file: `map_tracked_file` without the report."""
    result = map_tracked_file(paragraphs, clauses, sections)
    return result.proposals, result.unmapped


def map_tracked_file(paragraphs: Sequence[TrackedParagraph],
                     clauses: Sequence[CurrentClause],
                     sections: Sequence[CurrentSection] = ()) -> TrackedImport:
    """Proposals for the tracked changes of a file, what maps to no clause, and the report.

    * A paragraph is matched to a clause by its leading number (the current display or issued
      number) when its wording still resembles that clause, else by the best wording
      similarity (≥ MATCH_RATIO) of its original (reject-all) text.
    * All its text inserted → a new clause after the closest matched clause above it; right
      under a section heading (no clause of that section above it in the file) → a new clause
      at the start of that section. All its text deleted → delete that clause. Otherwise →
      amend, with the accept-all text less its number. When the file's original wording
      differs from the current text (an older revision, or edits made with Track Changes
      off), only the tracked changes are carried onto the current text; if they collide with
      what changed since, the change is reported instead.
    * The comments on a paragraph become its proposal's rationale; comments on a heading
      become the rationale of a new clause typed right under it. Headings, tables,
      unmatched paragraphs, merged paragraphs and comments with no proposal to go with are
      reported as unmapped, and every change and comment is listed in the report.
    """
    return _Mapper(clauses, sections).run(paragraphs)


class _Mapper:
    def __init__(self, clauses: Sequence[CurrentClause], sections: Sequence[CurrentSection]):
        self.clauses = clauses
        self.sections = sections
        self.by_number: dict[str, CurrentClause] = {}
        for clause in clauses:
            for label in (clause.number, clause.issued_number):
                key = number_key(label)
                if key and key not in self.by_number:
                    self.by_number[key] = clause
        self.planned: list[PlannedProposal] = []
        self.unmapped: list[UnmappedChange] = []
        self.report: list[ReportEntry] = []
        self.used: dict[int, int] = {}  # clause id → paragraph that matched it
        self.anchor: CurrentClause | None = None
        self.inserts_after: dict[int, int] = {}
        # Set by a body heading until the first matched clause under it.
        self.heading: TrackedParagraph | None = None
        self.heading_comments: list[str] = []  # comments on that heading, still unsettled

    # --- outcomes ---------------------------------------------------------------------

    def _where(self, para: TrackedParagraph) -> tuple[int | None, str]:
        return (para.index if para.location == "body" else None,
                "heading" if para.heading else para.location)

    def propose(self, para: TrackedParagraph, item: PlannedProposal,
                extra_comments: Sequence[str] = ()) -> None:
        index = len(self.planned)
        self.planned.append(item)
        paragraph, location = self._where(para)
        for op, text in para.changes():
            self.report.append(ReportEntry("change", paragraph, location, _what(op, text),
                                           "proposal", index))
        heading_index = self.heading.index if self.heading is not None else None
        for comment in extra_comments:
            self.report.append(ReportEntry("comment", heading_index, "heading",
                                           f"comment “{_excerpt(comment, 120)}”",
                                           "rationale", index))
        for comment in para.comments:
            self.report.append(ReportEntry("comment", paragraph, location,
                                           f"comment “{_excerpt(comment, 120)}”",
                                           "rationale", index))

    def refuse(self, para: TrackedParagraph, reason: str, *, text: str | None = None) -> None:
        """The paragraph's changes are not imported: one unmapped row, and report entries."""
        paragraph, location = self._where(para)
        self.unmapped.append(UnmappedChange(
            paragraph=paragraph, location=location,
            text=_excerpt(text if text is not None else
                          (para.text(False) or para.text(True)), 160),
            change=describe_change(para.runs), reason=reason,
            comments=[_excerpt(c, 200) for c in para.comments]))
        for op, text_ in para.changes() or [("mark", "")]:
            self.report.append(ReportEntry("change", paragraph, location, _what(op, text_),
                                           "not_imported", None, reason))
        for comment in para.comments:
            self.report.append(ReportEntry(
                "comment", paragraph, location, f"comment “{_excerpt(comment, 120)}”",
                "not_imported", None, f"the change it comments on was not imported: {reason}"))

    def comments_only(self, para: TrackedParagraph, where: str, comments=None) -> None:
        """Comments on a paragraph without a tracked change: reported, not imported."""
        paragraph, location = self._where(para)
        reason = (f"a comment on {where} with no tracked change there is not imported "
                  "(proposals come from tracked changes)")
        if location == UNANCHORED:
            reason = ("the comment is not anchored to any text of the file, so it belongs to "
                      "no change")
        for comment in (para.comments if comments is None else comments):
            change = f"comment “{_excerpt(comment, 120)}”"
            self.unmapped.append(UnmappedChange(paragraph=paragraph, location=location,
                                                text=_excerpt(para.text(True), 160),
                                                change=change, reason=reason))
            self.report.append(ReportEntry("comment", paragraph, location, change,
                                           "not_imported", None, reason))

    def settle_heading_comments(self) -> None:
        if self.heading is not None and self.heading_comments:
            self.comments_only(self.heading, "a heading", self.heading_comments)
        self.heading_comments = []

    # --- the walk ---------------------------------------------------------------------

    def run(self, paragraphs: Sequence[TrackedParagraph]) -> TrackedImport:
        for position, para in enumerate(paragraphs):
            if para.location != "body":
                if para.changed:
                    self.refuse(para, f"the change is in a {para.location}, not in a clause"
                                if para.location != UNANCHORED else "it is not in the text")
                elif para.comments:
                    self.comments_only(para, f"a {para.location}")
                continue
            if para.heading:
                self.settle_heading_comments()
                self.heading = para
                if para.changed:
                    self.refuse(para, "the title and section headings are not negotiated "
                                      "clause by clause; ask the secretariat")
                elif para.comments:
                    self.heading_comments = list(para.comments)
                continue
            self.body_paragraph(para, paragraphs[position + 1:])
        self.settle_heading_comments()
        return TrackedImport(self.planned, self.unmapped, self.report)

    def body_paragraph(self, para: TrackedParagraph, rest: Sequence[TrackedParagraph]) -> None:
        original_raw, accepted_raw = para.text(False), para.text(True)
        if not clean_line(original_raw):
            if clean_line(accepted_raw):
                self.new_paragraph(para, accepted_raw, rest)
            else:
                self.settle_heading_comments()
                if para.comments:
                    self.comments_only(para, "an empty paragraph")
            return
        self.settle_heading_comments()
        clause, how = _match(original_raw, self.clauses, self.by_number, self.used)
        if clause is None:
            if para.changed:
                self.refuse(para, how)
            elif para.comments:
                self.comments_only(para, "a paragraph that matches no clause")
            return
        if clause.id in self.used:
            if para.changed:
                self.refuse(para, f"it matches {clause.number}, already matched by paragraph "
                                  f"{self.used[clause.id]} of the file")
            elif para.comments:
                self.comments_only(para, f"a second copy of {clause.number}")
            return
        self.used[clause.id] = para.index
        self.anchor, self.heading = clause, None
        if not para.changed:
            if para.comments:
                self.comments_only(para, clause.number)
            return
        self.changed_clause(para, clause, how, original_raw, accepted_raw)

    def new_paragraph(self, para: TrackedParagraph, accepted_raw: str,
                      rest: Sequence[TrackedParagraph]) -> None:
        _, body = numbered(accepted_raw)
        section = self.section_below_heading(rest)
        if section is None and self.anchor is None:
            self.settle_heading_comments()
            self.refuse(para, "a new clause can only be proposed after an existing one, and no "
                              "clause of the document comes before it in the file")
            return
        if not body:
            self.settle_heading_comments()
            self.refuse(para, "the new paragraph holds only a number")
            return
        heading_comments, self.heading_comments = self.heading_comments, []
        rationale = "\n\n".join([*heading_comments, *para.comments])
        if section is not None:
            # With no clause before the section, the new clause opens the whole text.
            anchor = section.previous_clause
            key = -section.id
            where = f"at the start of “{section.heading}”"
        else:
            anchor, key, where = self.anchor, self.anchor.id, f"after {self.anchor.number}"
        count = self.inserts_after[key] = self.inserts_after.get(key, 0) + 1
        notes = [] if count == 1 else [
            f"New paragraph {count} {where} in the file: the secretariat will see each as a "
            "separate proposal there."]
        self.propose(para, PlannedProposal(
            "insert", None, anchor.id if anchor else None, anchor.number if anchor else "",
            None, "", body, rationale, para.index, notes,
            section_id=section.id if section else None,
            section=section.heading if section else ""), heading_comments)

    def section_below_heading(self, rest: Sequence[TrackedParagraph]) -> CurrentSection | None:
        """The section a new paragraph opens, when it sits under a heading with no matched
        clause between: the section the heading names, else the section whose first clause
        is the next paragraph of the file."""
        if self.heading is None or not self.sections:
            return None
        section = _section_of_heading(self.heading.text(False) or self.heading.text(True),
                                      self.sections)
        if section is not None:
            return section
        for later in rest:
            if later.location != "body" or later.heading:
                return None
            original = later.text(False)
            if clean_line(original):
                clause, _ = _match(original, self.clauses, self.by_number, self.used)
                return next((s for s in self.sections
                             if clause is not None and s.first_clause_id == clause.id), None)
        return None

    def changed_clause(self, para: TrackedParagraph, clause: CurrentClause, how: str,
                       original_raw: str, accepted_raw: str) -> None:
        _, new_body = numbered(accepted_raw)
        _, old_body = numbered(original_raw)
        notes = [] if how == "number" else [
            f"Matched to {clause.number} by its wording (paragraph {para.index} of the file)."]
        rationale = "\n\n".join(para.comments)
        if not new_body:
            self.propose(para, PlannedProposal("delete", clause.id, None, clause.number,
                                               clause.version, clause.text, "", rationale,
                                               para.index, notes))
            return
        if para.mark == "delete":
            self.refuse(para, f"the paragraph break after {clause.number} is deleted, which "
                              "would join two clauses; propose the joined wording by hand")
            return
        proposed = new_body
        if old_body != clause.text:
            merged = rebase(old_body, new_body, clause.text)
            if not merged.clean:
                self.refuse(para, f"the file's wording of {clause.number} is older than the "
                                  "current text, and the tracked change overlaps what changed "
                                  "since; propose it by hand against the current text")
                return
            proposed = merged.text
            notes.append(f"The file's wording of {clause.number} differs from the current "
                         "text (an older revision, or edits made with Track Changes off): "
                         "only the tracked changes were applied to the current text.")
        if proposed == clause.text:
            self.refuse(para, f"the tracked changes leave the wording of {clause.number} as "
                              "it is (only its number or spacing changed)")
            return
        self.propose(para, PlannedProposal("amend", clause.id, None, clause.number,
                                           clause.version, clause.text, proposed, rationale,
                                           para.index, notes))


def _what(op: str, text: str) -> str:
    if op == "mark":
        return "paragraph break changed"
    return f"{'inserted' if op == 'insert' else 'deleted'} “{_excerpt(text, 120)}”"
