"""The fingerprint of a final text: SHA-256 over one documented canonical serialisation.

When leaders endorse a statement its text is frozen, and anyone holding a copy (a Word export,
a PDF, a printed page re-typed) can check it is the endorsed text by recomputing this value.
So the serialisation is deliberately plain and fully specified:

    canonical text = UTF-8 bytes of these lines, each ending with LF (U+000A):

        drafting-canonical-text/1
        title<TAB><title>
        symbol<TAB><symbol>
        section<TAB><heading>            one line per section, in document order,
        <number><TAB><clause text>       followed by its live clauses in order

    every field is Unicode NFC-normalised; inside a field, any run of whitespace (spaces,
    tabs, line breaks, no-break spaces …) becomes one space, and leading/trailing whitespace
    is dropped — so the serialisation cannot be confused by a TAB or LF in the text, and
    differences that no reader can see do not change the fingerprint. Deleted clauses are not
    part of the text and do not appear. A section without live clauses keeps its heading line.

    fingerprint = lowercase hex SHA-256 of the canonical text.

Anything a reader *can* see — a word, a comma, a clause number, a heading, the order of
clauses — changes the fingerprint.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

FORMAT_LINE = "drafting-canonical-text/1"
ALGORITHM = "sha256"

_SPACE_RUN = re.compile(r"\s+")


@dataclass(frozen=True)
class CanonicalSection:
    heading: str
    clauses: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (number, text)


def canonical_field(value: str) -> str:
    """NFC, whitespace runs collapsed to one space, trimmed."""
    return _SPACE_RUN.sub(" ", unicodedata.normalize("NFC", value or "")).strip()


def canonical_text(title: str, symbol: str, sections: Iterable[CanonicalSection]) -> str:
    lines = [FORMAT_LINE, f"title\t{canonical_field(title)}", f"symbol\t{canonical_field(symbol)}"]
    for section in sections:
        lines.append(f"section\t{canonical_field(section.heading)}")
        for number, text in section.clauses:
            lines.append(f"{canonical_field(number)}\t{canonical_field(text)}")
    return "".join(line + "\n" for line in lines)


def fingerprint(title: str, symbol: str, sections: Iterable[CanonicalSection]) -> str:
    data = canonical_text(title, symbol, sections).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def short_form(value: str) -> str:
    """Groups of eight for reading aloud or comparing by eye: 'a1b2c3d4 e5f6…'."""
    return " ".join(value[i:i + 8] for i in range(0, len(value), 8))
