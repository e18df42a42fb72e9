"""The plain data every export writer reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SECRETARIAT = "Secretariat"


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph: unchanged, inserted or deleted text.

    `author` is an economy code or "Secretariat" for a change; `comment` is shown as a Word
    comment on the change (a proposal's rationale).
    """

    op: str  # "equal" | "insert" | "delete"
    text: str
    author: str | None = None
    author_name: str | None = None
    date: datetime | None = None
    comment: str | None = None


@dataclass
class Paragraph:
    """One clause as exported."""

    number: str
    runs: list[Run]
    change: str = "unchanged"  # unchanged | changed | added | deleted
    old_number: str | None = None  # when renumbering changed the display number
    # A Chair's statement paragraph: its number in the statement it was moved from ("OP3").
    formerly: str | None = None
    note: str = ""  # e.g. status "Agreed ad ref", or compilation labels
    author: str | None = None  # for added/deleted clauses
    author_name: str | None = None
    date: datetime | None = None
    comment: str | None = None

    @property
    def new_text(self) -> str:
        return "".join(r.text for r in self.runs if r.op != "delete")

    @property
    def old_text(self) -> str:
        return "".join(r.text for r in self.runs if r.op != "insert")


@dataclass
class ExportSection:
    heading: str
    paragraphs: list[Paragraph]

    @property
    def change(self) -> str:
        """"added" when the section exists only in the later text (all its clauses are new),
        "deleted" when only in the earlier one, else "unchanged": a clean text shows a heading
        only above at least one clause."""
        changes = {p.change for p in self.paragraphs}
        if changes == {"added"}:
            return "added"
        if changes == {"deleted"}:
            return "deleted"
        return "unchanged"


@dataclass
class LegendEntry:
    code: str
    name: str
    colour: str


@dataclass
class DispositionRow:
    number: str
    base_text: str
    proposals: list[dict]  # {"id", "economy", "action", "text", "outcome", "reason"}
    result_text: str


@dataclass
class ExportDocument:
    title: str
    symbol: str
    stage: str
    revision: str  # "Rev.2", or "Current text"
    date: datetime
    classification: str
    mode: str  # clean | redline | compilation | disposition
    sections: list[ExportSection] = field(default_factory=list)
    fingerprint: str | None = None
    compared: tuple[str, str] | None = None  # ("Rev.1", "Current text")
    # Redlines: the label and date of the text compared from (`revision`/`date` are the
    # target's), so the cover can show them as tracked changes.
    source_revision: str | None = None
    source_date: datetime | None = None
    summary: dict | None = None  # counts for redlines
    legend: list[LegendEntry] = field(default_factory=list)
    disposition: list[DispositionRow] = field(default_factory=list)
    # Disposition tables: paragraphs left out because nothing was proposed and nothing changed.
    unchanged_left_out: int = 0
    lifecycle: list[tuple[str, datetime, str]] = field(default_factory=list)  # (id, date, label)
    host: str = ""
    document_id: int = 0
    language: str = "en"

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [p for s in self.sections for p in s.paragraphs]


def unchanged_note(count: int) -> str:
    """The line a disposition table carries when it leaves unchanged paragraphs out."""
    paragraphs = "paragraph" if count == 1 else "paragraphs"
    return (f"{count} {paragraphs} with no proposal and no change since the base text "
            f"{'is' if count == 1 else 'are'} not listed.")
