"""Turning a drafter's text into sections and clauses, and a tracked-changes file into proposals.

Pure functions over plain data: no Flask, no database, no XML. The services read Word files
(or take pasted Markdown) and hand the paragraphs here.

Zero draft rules
----------------
* A heading (Word "Heading n", Markdown ``#``) starts a section; Word's "Title" is the
  document title. A first heading with nothing under it (``# Bangkok Goals`` followed by
  ``## Preamble``) is taken as the title when there is none.
* Every non-empty paragraph is one clause. A number the drafter typed ("PP1.", "OP 3",
  "OP3bis.", "1.", "1)", "(a)", "a)", "i.") is recognised and stripped — the platform numbers
  clauses itself — but kept in the result so the preview can show it.
* A section is preambular when its heading says so ("Preamble", "Preambular paragraphs"),
  else when most of its paragraphs are numbered PP (operative when OP), else when most open
  with a preambular participle (Recognising, Recalling, Noting …); otherwise operative.
* Paragraphs before the first heading are split into a "Preamble" (the leading paragraphs
  that look preambular) and "Operative paragraphs".

Tracked-changes rules (see `map_tracked_paragraphs`)
----------------------------------------------------
Each body paragraph is matched to a current clause by its leading number, else by the
similarity of its original (reject-all) wording; the tracked changes in it become an amend,
insert or delete proposal. Whatever cannot be matched is reported, never dropped.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher

from drafting.domain import text_rules
from drafting.domain.errors import InvalidInput
from drafting.domain.numbering import LATIN_SUFFIXES
from drafting.domain.rebase import rebase
from drafting.domain.states import SectionKind

MAX_CLAUSES = 2_000
MAX_HEADING_CHARS = 300
MATCH_RATIO = 0.8  # wording similarity needed to match a paragraph to a clause
NUMBER_MATCH_RATIO = 0.5  # a clause found by its number must still resemble the paragraph

# --- numbers ---------------------------------------------------------------------------

_SUFFIX = "|".join(sorted(LATIN_SUFFIXES, key=len, reverse=True))
_ROMAN = r"(?:x{0,3}(?:ix|iv|v?i{1,3}|v)|x{1,3})"  # i … xxxix: enough for sub-paragraphs
_NUMBER_PATTERNS = [
    # PP1.  PP 1  OP3bis.  OP 3 bis:  OP3-21
    re.compile(rf"(?P<label>(?:PP|OP)\s?\d{{1,3}}(?:\s?(?:{_SUFFIX})|-\d{{1,3}})?[.):]?)"
               r"(?:\s+|$)", re.IGNORECASE),
    # 1.  1)  1.2.  — and "1<tab>", "1.2<tab>" (a bare "1.5 degrees" is not a number)
    re.compile(r"(?P<label>\d{1,3}(?:\.\d{1,3})*[.)])(?:\s+|$)"),
    re.compile(r"(?P<label>\d{1,3}(?:\.\d{1,3})*)\t+"),
    # (a)  (iv)  (12)
    re.compile(rf"(?P<label>\((?:\d{{1,3}}|[a-z]{{1,2}}|{_ROMAN})\))(?:\s+|$)", re.IGNORECASE),
    # a)  a.  iv.  B)
    re.compile(rf"(?P<label>(?:{_ROMAN}|[a-z])[.)])(?:\s+|$)", re.IGNORECASE),
]
_BULLET = re.compile(r"[•◦▪▫‣∙·●○■□–—](?:\s+|$)")


def split_number(text: str) -> tuple[str | None, str]:
    """(number as written, rest of the paragraph) — the number is None when there is none.

    >>> split_number("OP3bis.\\tWe will act.")
    ('OP3bis.', 'We will act.')
    >>> split_number("2030 is the target year.")
    (None, '2030 is the target year.')

    A leading bullet glyph (•, –) is stripped too, but is not a number.
    """
    stripped = text.strip()
    bullet = _BULLET.match(stripped)
    if bullet:
        stripped = stripped[bullet.end():]
    for pattern in _NUMBER_PATTERNS:
        match = pattern.match(stripped)
        if match:
            return " ".join(match.group("label").split()), stripped[match.end():].strip()
    return None, stripped


def number_key(label: str | None) -> str | None:
    """A comparable form of a clause number: "OP 3 bis." → "OP3BIS", "pp1" → "PP1"."""
    if not label:
        return None
    key = re.sub(r"\s+", "", label).upper()
    if not key.startswith("("):
        key = key.rstrip(".):")
    return key or None


# --- preambular or operative -----------------------------------------------------------

PREAMBULAR_OPENERS = (
    "acknowledging", "affirming", "alarmed", "appreciating", "aware", "bearing in mind",
    "believing", "building on", "cognisant", "cognizant", "commending", "concerned",
    "conscious", "considering", "convinced", "deeply", "desiring", "determined",
    "emphasising", "emphasizing", "encouraged", "expressing", "guided", "having",
    "highlighting", "inspired", "mindful", "noting", "reaffirming", "realising", "realizing",
    "recalling", "recognising", "recognizing", "reiterating", "seeking", "stressing",
    "taking into account", "taking note", "underlining", "underscoring", "welcoming",
)
_OPENER = re.compile(
    r"^(?:(?:further|also|moreover|fully|firmly|strongly|further\s+also)\s+)?(?:"
    + "|".join(re.escape(o).replace(r"\ ", r"\s+") for o in PREAMBULAR_OPENERS) + r")\b",
    re.IGNORECASE,
)
_PREAMBLE_HEADING = re.compile(r"\bpre-?amb(?:le|ular)\b", re.IGNORECASE)
_OPERATIVE_HEADING = re.compile(r"\boperative\b", re.IGNORECASE)


def opens_like_preamble(text: str) -> bool:
    """True for "Recognising that …", "Further noting …"; False for "We will …"."""
    return bool(_OPENER.match(text.strip()))


def section_kind(heading: str, clauses: Sequence[DraftClause]) -> tuple[SectionKind, str]:
    """(kind, reason shown in the preview) of a section from its heading and paragraphs."""
    if _PREAMBLE_HEADING.search(heading or ""):
        return SectionKind.PREAMBLE, "the heading says preamble"
    if _OPERATIVE_HEADING.search(heading or ""):
        return SectionKind.OPERATIVE, "the heading says operative"
    keys = [number_key(c.number) or "" for c in clauses]
    pp = sum(k.startswith("PP") for k in keys)
    op = sum(k.startswith("OP") for k in keys)
    if pp > op and pp * 2 >= len(clauses):
        return SectionKind.PREAMBLE, "its paragraphs are numbered PP"
    if op > pp and op * 2 >= len(clauses):
        return SectionKind.OPERATIVE, "its paragraphs are numbered OP"
    if clauses and sum(opens_like_preamble(c.text) for c in clauses) * 2 > len(clauses):
        return SectionKind.PREAMBLE, "its paragraphs open with preambular participles"
    return SectionKind.OPERATIVE, "nothing in it looks preambular"


def _looks_preambular(clause: DraftClause) -> bool:
    key = number_key(clause.number) or ""
    if key.startswith("PP"):
        return True
    return not key.startswith("OP") and opens_like_preamble(clause.text)


# --- the parsed draft ------------------------------------------------------------------

@dataclass(frozen=True)
class SourceParagraph:
    """A paragraph as read from the source. `heading_level`: 0 title, 1… heading, None text."""

    text: str
    heading_level: int | None = None


@dataclass
class DraftClause:
    text: str
    number: str | None = None  # as typed in the source, stripped from `text`


@dataclass
class DraftSection:
    heading: str
    kind: SectionKind
    clauses: list[DraftClause] = field(default_factory=list)
    kind_reason: str = ""


@dataclass
class ParsedDraft:
    """What a zero draft will become. `notes` tell what was left out; `problems` block saving."""

    title: str | None
    sections: list[DraftSection]
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def clause_count(self) -> int:
        return sum(len(s.clauses) for s in self.sections)

    def to_dict(self) -> dict:
        data = asdict(self)
        for section in data["sections"]:
            section["kind"] = SectionKind(section["kind"]).value
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ParsedDraft:
        sections = [DraftSection(heading=s["heading"], kind=SectionKind(s["kind"]),
                                 kind_reason=s.get("kind_reason", ""),
                                 clauses=[DraftClause(c["text"], c.get("number"))
                                          for c in s["clauses"]])
                    for s in data["sections"]]
        return cls(title=data.get("title"), sections=sections, notes=list(data.get("notes", [])),
                   problems=list(data.get("problems", [])))


def clean_line(text: str) -> str:
    """One paragraph's text on one line: NFC, tabs and line breaks as single spaces."""
    text = unicodedata.normalize("NFC", text.replace("\u00a0", " "))
    return " ".join(text.split())


def numbered(text: str) -> tuple[str | None, str]:
    """`split_number` on the raw text (a tab after "1" is a number's mark), then `clean_line`."""
    number, rest = split_number(text)
    return number, clean_line(rest)


def _excerpt(text: str, limit: int = 80) -> str:
    text = clean_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_draft(paragraphs: Iterable[SourceParagraph]) -> ParsedDraft:
    """Split a draft's paragraphs into sections and clauses (rules in the module notes)."""
    title: str | None = None
    notes: list[str] = []
    before_title: list[str] = []
    unheaded: list[DraftClause] = []
    headed: list[tuple[str, list[DraftClause]]] = []
    for para in paragraphs:
        text = clean_line(para.text)
        if not text:
            continue
        level = para.heading_level
        if level == 0 and title is None:
            title = text
            # What stands above the title (a classification line, a symbol) is not text.
            before_title = [c.number + " " + c.text if c.number else c.text for c in unheaded]
            unheaded = []
            continue
        if level is not None:
            headed.append((text, []))
            continue
        number, rest = numbered(para.text)
        if not rest:
            notes.append(f"“{_excerpt(text)}” holds only a number and was left out.")
            continue
        (headed[-1][1] if headed else unheaded).append(DraftClause(rest, number))
    if before_title:
        notes.append("Left out, above the title: " +
                     "; ".join(f"“{_excerpt(t, 60)}”" for t in before_title) + ".")

    sections: list[DraftSection] = []
    if unheaded:
        split_at = 0
        while split_at < len(unheaded) and _looks_preambular(unheaded[split_at]):
            split_at += 1
        if split_at:
            sections.append(DraftSection("Preamble", SectionKind.PREAMBLE, unheaded[:split_at],
                                         "paragraphs before the first heading that look "
                                         "preambular"))
        if split_at < len(unheaded):
            sections.append(DraftSection("Operative paragraphs", SectionKind.OPERATIVE,
                                         unheaded[split_at:],
                                         "paragraphs before the first heading"))
    for position, (heading, clauses) in enumerate(headed):
        if not clauses:
            if title is None and position == 0 and not sections and len(headed) > 1:
                title = heading
                notes.append(f"The first heading “{_excerpt(heading)}” has no paragraphs under "
                             "it and was taken as the document title.")
            else:
                notes.append(f"The heading “{_excerpt(heading)}” has no paragraphs under it "
                             "and was left out.")
            continue
        kind, reason = section_kind(heading, clauses)
        sections.append(DraftSection(heading, kind, clauses, reason))
    draft = ParsedDraft(title=title, sections=sections, notes=notes)
    draft.problems = draft_problems(draft)
    return draft


def draft_problems(draft: ParsedDraft) -> list[str]:
    """What stops the draft from being saved, each saying where."""
    problems = []
    if draft.clause_count == 0:
        problems.append("The draft has no clause: every non-empty paragraph that is not a "
                        "heading becomes a clause, and none was found.")
    elif draft.clause_count > MAX_CLAUSES:
        problems.append(f"The draft has {draft.clause_count:,} paragraphs; at most "
                        f"{MAX_CLAUSES:,} clauses can be imported.")
    counter = 0
    for section in draft.sections:
        if len(section.heading) > MAX_HEADING_CHARS:
            problems.append(f"The heading “{_excerpt(section.heading)}” is longer than "
                            f"{MAX_HEADING_CHARS} characters.")
        for clause in section.clauses:
            counter += 1
            try:
                text_rules.clause_text(clause.text)
            except InvalidInput as error:
                problems.append(f"Paragraph {counter} (“{_excerpt(clause.text, 50)}”, under "
                                f"“{_excerpt(section.heading, 40)}”): "
                                + error.message.replace("text ", "the text ", 1))
    return problems


# --- Markdown --------------------------------------------------------------------------

_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_MD_RULE = re.compile(r"^ {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_MD_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_MD_ORDERED = re.compile(r"^\s*(\d{1,3}[.)]\s+.*)$")
_MD_QUOTE = re.compile(r"^ {0,3}>\s?")
_TERMINAL = tuple(".;:!?”\")]")


_EMPHASIS_OPENER = {"*": re.compile(r"(?<![\w*])\*(?=\S)"), "_": re.compile(r"(?<![\w_])_(?=\S)")}
_EMPHASIS_CLOSER = {"*": re.compile(r"(?<=\S)\*(?![\w*])"), "_": re.compile(r"(?<=\S)_(?![\w_])")}


def _strip_inline(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)
    text = _strip_emphasis(text, "*")
    text = _strip_emphasis(text, "_")
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!>])", r"\1", text)


def _strip_emphasis(text: str, mark: str) -> str:
    r"""Drop the marks of "*emphasis*" ("_emphasis_"), in time linear in len(text).

    Pairs each opening mark with the first closing mark at least two characters after it,
    as re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", text) would, without
    rescanning the rest of the paragraph from every opener that never closes.
    """
    openers = [m.start() for m in _EMPHASIS_OPENER[mark].finditer(text)]
    closers = [m.start() for m in _EMPHASIS_CLOSER[mark].finditer(text)]
    dropped: list[int] = []
    next_closer = 0
    resume = 0  # a match ends before here; openers inside it do not count
    for opener in openers:
        if opener < resume:
            continue
        while next_closer < len(closers) and closers[next_closer] < opener + 2:
            next_closer += 1
        if next_closer == len(closers):
            break
        closer = closers[next_closer]
        dropped += (opener, closer)
        resume = closer + 1
    if not dropped:
        return text
    parts = []
    start = 0
    for position in dropped:
        parts.append(text[start:position])
        start = position + 1
    parts.append(text[start:])
    return "".join(parts)


def markdown_paragraphs(source: str) -> list[SourceParagraph]:
    """Paragraphs of pasted Markdown (or plain text pasted from Word).

    Headings (``#``, ``##`` … or underlined with ``===`` / ``---``) are headings; each list
    item (``- ``, ``* ``, ``1. ``) is a paragraph; a blank line ends a paragraph; each new
    line starts a paragraph too, unless it is indented or merely continues a sentence (the
    line before ends without punctuation and this one starts in lower case), which is how
    hard-wrapped Markdown reads. A short line standing alone without final punctuation
    ("Preamble", "Goal 1: Climate action" pasted from Word) is taken as a heading.
    """
    out: list[SourceParagraph] = []
    current: list[str] = []
    listed = False  # the current paragraph is a list item

    def flush() -> None:
        nonlocal listed
        if current:
            text = _strip_inline(" ".join(current))
            level = 2 if len(current) == 1 and not listed and _looks_like_heading(text) else None
            out.append(SourceParagraph(text, level))
            current.clear()
        listed = False

    for raw in source.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _MD_QUOTE.sub("", raw).rstrip()
        if not line.strip():
            flush()
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            out.append(SourceParagraph(_strip_inline(heading.group(2)), len(heading.group(1))))
            continue
        setext = _MD_SETEXT.match(line)
        if setext and len(current) == 1:
            out.append(SourceParagraph(_strip_inline(current[0]),
                                       1 if setext.group(1)[0] == "=" else 2))
            current.clear()
            continue
        if _MD_RULE.match(line):
            flush()
            continue
        bullet = _MD_BULLET.match(line)
        ordered = _MD_ORDERED.match(line)
        if bullet or ordered:
            flush()
            listed = True
            current.append((bullet.group(1) if bullet else ordered.group(1)).strip())
            continue
        text = line.strip()
        continues = current and (
            raw[:1].isspace()
            or (not current[-1].endswith(_TERMINAL) and text[:1].islower())
        )
        if not continues:
            flush()
        current.append(text)
    flush()
    return out


def _looks_like_heading(text: str) -> bool:
    """A short line standing alone with no final punctuation: "Preamble", "Goal 1: Climate".

    Text pasted from Word loses its heading styles; clauses end with ";", "." or ":".
    """
    return (len(text) <= 120 and len(text.split()) <= 12 and not text.endswith(tuple(".;:!?,"))
            and split_number(text)[0] is None)


def parse_markdown(source: str) -> ParsedDraft:
    return build_draft(markdown_paragraphs(source))


# --- tracked changes -------------------------------------------------------------------

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


@dataclass(frozen=True)
class CurrentClause:
    id: int
    number: str
    text: str
    version: int
    issued_number: str | None = None


@dataclass
class PlannedProposal:
    action: str  # amend | insert | delete
    clause_id: int | None
    after_clause_id: int | None
    number: str  # the clause's display number (for an insert: the clause it follows)
    base_version: int | None
    base_text: str  # current text ("" for an insert)
    text: str  # proposed text ("" for a delete)
    rationale: str  # from the Word comments; "" when there were none
    paragraph: int
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return {"amend": f"Amend {self.number}", "delete": f"Delete {self.number}",
                "insert": f"New clause after {self.number}"}[self.action]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> PlannedProposal:
        return cls(**{k: data[k] for k in (
            "action", "clause_id", "after_clause_id", "number", "base_version", "base_text",
            "text", "rationale", "paragraph")}, notes=list(data.get("notes", [])))


@dataclass
class UnmappedChange:
    paragraph: int | None
    location: str
    text: str  # an excerpt of the paragraph as the file has it
    change: str  # what was changed, e.g. 'inserted “sustainable”'
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


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


def map_tracked_paragraphs(paragraphs: Sequence[TrackedParagraph],
                           clauses: Sequence[CurrentClause]
                           ) -> tuple[list[PlannedProposal], list[UnmappedChange]]:
    """Proposals for the tracked changes of a file, and the changes that map to no clause.

    * A paragraph is matched to a clause by its leading number (the current display or issued
      number) when its wording still resembles that clause, else by the best wording
      similarity (≥ MATCH_RATIO) of its original (reject-all) text.
    * All its text inserted → a new clause after the closest matched clause above it.
      All its text deleted → delete that clause. Otherwise → amend, with the accept-all text
      less its number. When the file's original wording differs from the current text (an
      older revision, or edits made with Track Changes off), only the tracked changes are
      carried onto the current text; if they collide with what changed since, the change is
      reported instead.
    * Headings, tables, unmatched paragraphs, merged paragraphs and comments with no change
      are reported as unmapped.
    """
    by_number: dict[str, CurrentClause] = {}
    for clause in clauses:
        for label in (clause.number, clause.issued_number):
            key = number_key(label)
            if key and key not in by_number:
                by_number[key] = clause
    planned: list[PlannedProposal] = []
    unmapped: list[UnmappedChange] = []
    used: dict[int, int] = {}  # clause id → paragraph that matched it
    anchor: CurrentClause | None = None
    inserts_after: dict[int, int] = {}

    def report(para: TrackedParagraph, reason: str, *, text: str | None = None,
               change: str | None = None) -> None:
        unmapped.append(UnmappedChange(
            paragraph=para.index if para.location == "body" else None,
            location=para.location if not para.heading else "heading",
            text=_excerpt(text if text is not None else
                          (para.text(False) or para.text(True)), 160),
            change=change or describe_change(para.runs), reason=reason))

    def report_comments(para: TrackedParagraph, where: str) -> None:
        for comment in para.comments:
            report(para, f"a comment on {where} with no tracked change there is not imported "
                         "(proposals come from tracked changes)", text=para.text(True),
                   change=f"comment “{_excerpt(comment, 120)}”")

    for para in paragraphs:
        original_raw, accepted_raw = para.text(False), para.text(True)
        original, accepted = clean_line(original_raw), clean_line(accepted_raw)
        if para.location != "body":
            if para.changed:
                report(para, f"the change is in a {para.location}, not in a clause")
            elif para.comments:
                report_comments(para, f"a {para.location}")
            continue
        if para.heading:
            if para.changed:
                report(para, "the title and section headings are not negotiated clause by "
                             "clause; ask the secretariat")
            elif para.comments:
                report_comments(para, "a heading")
            continue
        if not original:
            if not accepted:
                continue
            _, body = numbered(accepted_raw)
            if anchor is None:
                report(para, "a new clause can only be proposed after an existing one, and no "
                             "clause of the document comes before it in the file")
                continue
            if not body:
                report(para, "the new paragraph holds only a number")
                continue
            count = inserts_after[anchor.id] = inserts_after.get(anchor.id, 0) + 1
            notes = [] if count == 1 else [
                f"New paragraph {count} after {anchor.number} in the file: the secretariat "
                "will see each as a separate proposal after that clause."]
            planned.append(PlannedProposal(
                "insert", None, anchor.id, anchor.number, None, "", body,
                "\n\n".join(para.comments), para.index, notes))
            continue
        clause, how = _match(original_raw, clauses, by_number, used)
        if clause is None:
            if para.changed:
                report(para, how)
            elif para.comments:
                report_comments(para, "a paragraph that matches no clause")
            continue
        if clause.id in used:
            if para.changed:
                report(para, f"it matches {clause.number}, already matched by paragraph "
                             f"{used[clause.id]} of the file")
            continue
        used[clause.id] = para.index
        anchor = clause
        if not para.changed:
            if para.comments:
                report_comments(para, clause.number)
            continue
        _, new_body = numbered(accepted_raw)
        _, old_body = numbered(original_raw)
        notes = [] if how == "number" else [
            f"Matched to {clause.number} by its wording (paragraph {para.index} of the file)."]
        rationale = "\n\n".join(para.comments)
        if not new_body:
            planned.append(PlannedProposal("delete", clause.id, None, clause.number,
                                           clause.version, clause.text, "", rationale,
                                           para.index, notes))
            continue
        if para.mark == "delete":
            report(para, f"the paragraph break after {clause.number} is deleted, which would "
                         "join two clauses; propose the joined wording by hand")
            continue
        proposed = new_body
        if old_body != clause.text:
            merged = rebase(old_body, new_body, clause.text)
            if not merged.clean:
                report(para, f"the file's wording of {clause.number} is older than the current "
                             "text, and the tracked change overlaps what changed since; "
                             "propose it by hand against the current text")
                continue
            proposed = merged.text
            notes.append(f"The file's wording of {clause.number} differs from the current "
                         "text (an older revision, or edits made with Track Changes off): only "
                         "the tracked changes were applied to the current text.")
        if proposed == clause.text:
            report(para, f"the tracked changes leave the wording of {clause.number} as it is "
                         "(only its number or spacing changed)")
            continue
        planned.append(PlannedProposal("amend", clause.id, None, clause.number, clause.version,
                                       clause.text, proposed, rationale, para.index, notes))
    return planned, unmapped
