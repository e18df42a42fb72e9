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
* A line that looks like a footnote or a source note rather than a clause — it opens with a
  footnote marker ("¹", "*", "†", "[^1]:", or "1 " before "See …", "Source: …" or a web
  address), or the Word file sets it in a footnote style or a smaller font, or it is the text
  of a Word footnote — is set aside: kept in the preview as "not a clause", left out unless
  the secretariat includes it (`choose_set_aside`).

Pasted Markdown is read into paragraphs by drafting/domain/markdown_draft.py; the
tracked-changes rules live in drafting/domain/tracked_import.py.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from drafting.domain import text_rules
from drafting.domain.errors import InvalidInput
from drafting.domain.numbering import LATIN_SUFFIXES
from drafting.domain.states import SectionKind

MAX_CLAUSES = 2_000
MAX_HEADING_CHARS = 300

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
    """A paragraph as read from the source. `heading_level`: 0 title, 1… heading, None text.

    `aside` is why the source itself suggests it is not a clause (a footnote style, a
    smaller font, the text of a Word footnote), "" when nothing does.
    """

    text: str
    heading_level: int | None = None
    aside: str = ""


@dataclass
class DraftClause:
    text: str
    number: str | None = None  # as typed in the source, stripped from `text`
    # Why this line looks like a footnote or source note rather than a clause ("" for a
    # clause); such a line is imported only when `included` (the secretariat's choice).
    aside: str = ""
    included: bool = True


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
        return sum(1 for s in self.sections for c in s.clauses if c.included)

    def set_aside(self) -> list[tuple[int, DraftSection, DraftClause]]:
        """(id, section, line) of every line offered as "not a clause", in document order."""
        found = [(s, c) for s in self.sections for c in s.clauses if c.aside]
        return [(i, s, c) for i, (s, c) in enumerate(found)]

    def to_dict(self) -> dict:
        data = asdict(self)
        for section in data["sections"]:
            section["kind"] = SectionKind(section["kind"]).value
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ParsedDraft:
        sections = [DraftSection(heading=s["heading"], kind=SectionKind(s["kind"]),
                                 kind_reason=s.get("kind_reason", ""),
                                 clauses=[DraftClause(c["text"], c.get("number"),
                                                      c.get("aside", ""),
                                                      c.get("included", True))
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


_SUPERSCRIPT_MARKER = re.compile(r"([¹²³⁰⁴⁵⁶⁷⁸⁹]+)\s*(?=\S)")
_SYMBOL_MARKER = re.compile(r"(\*{1,3}|†|‡|§)\s*(?=\S)")
_MARKDOWN_FOOTNOTE = re.compile(r"\\?\[\^([^\]\s]{1,20})\\?\]:\s*")
_CITATION = re.compile(r"(?:see|source|sources|cf\.|ibid|available|adopted|retrieved|"
                       r"https?://|www\.)", re.IGNORECASE)
_URL = re.compile(r"https?://|www\.\w", re.IGNORECASE)
_BARE_NUMBER_MARKER = re.compile(r"(\d{1,3}) +(?=\S)")


def footnote_marker(text: str) -> tuple[str, str, str] | None:
    """(marker, the rest, why) when a line opens like a footnote or source note, else None.

    >>> footnote_marker("¹ APEC Leaders' Declaration, 2021.")[0]
    '¹'
    >>> footnote_marker("1 See the Putrajaya Vision 2040.")[0]
    '1'
    >>> footnote_marker("1. We will act.") is None
    True
    """
    stripped = text.strip()
    for pattern, why in ((_MARKDOWN_FOOTNOTE, "it is a Markdown footnote"),
                         (_SUPERSCRIPT_MARKER, "it opens with the footnote marker"),
                         (_SYMBOL_MARKER, "it opens with the footnote marker")):
        match = pattern.match(stripped)
        if match:
            marker = match.group(1) if pattern is not _MARKDOWN_FOOTNOTE else f"[^{match.group(1)}]"
            return marker, stripped[match.end():], f"{why} “{marker}”"
    match = _BARE_NUMBER_MARKER.match(stripped)
    if match:
        rest = stripped[match.end():]
        if _CITATION.match(rest) or _URL.search(rest):
            return (match.group(1), rest, f"it opens with the number “{match.group(1)}” before "
                                          "a source note")
    return None


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
        marker = footnote_marker(para.text)
        if para.aside or marker:
            number, rest = (marker[0], clean_line(marker[1])) if marker else (None, text)
            reasons = [r for r in (para.aside, marker[2] if marker else "") if r]
            (headed[-1][1] if headed else unheaded).append(DraftClause(
                rest or text, number, aside="; ".join(reasons), included=False))
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
        # The preamble runs to its last preambular clause; a line set aside goes with the
        # paragraph above it.
        split_at = 0
        for position, clause in enumerate(unheaded):
            if clause.aside:
                continue
            if not _looks_preambular(clause):
                break
            split_at = position + 1
        while split_at and split_at < len(unheaded) and unheaded[split_at].aside:
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
        kind, reason = section_kind(heading, [c for c in clauses if not c.aside] or clauses)
        sections.append(DraftSection(heading, kind, clauses, reason))
    draft = ParsedDraft(title=title, sections=sections, notes=notes)
    aside = len(draft.set_aside())
    if aside:
        draft.notes.append(
            f"{aside} line{'s look' if aside > 1 else ' looks'} like a footnote or a source "
            "note rather than a clause: marked “not a clause” below and left out unless you "
            "include " + ("them." if aside > 1 else "it."))
    draft.problems = draft_problems(draft)
    return draft


def choose_set_aside(draft: ParsedDraft, included: Iterable[int]) -> None:
    """Include the set-aside lines whose ids (`ParsedDraft.set_aside`) are in `included`, and
    leave out the others; the problems are worked out again."""
    chosen = set(included)
    for index, _, clause in draft.set_aside():
        clause.included = index in chosen
    draft.problems = draft_problems(draft)


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
            if not clause.included:
                continue
            counter += 1
            try:
                text_rules.clause_text(clause.text)
            except InvalidInput as error:
                problems.append(f"Paragraph {counter} (“{_excerpt(clause.text, 50)}”, under "
                                f"“{_excerpt(section.heading, 40)}”): "
                                + error.message.replace("text ", "the text ", 1))
    return problems
