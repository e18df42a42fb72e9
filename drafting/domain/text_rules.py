"""What counts as acceptable clause, rationale and comment text."""
from __future__ import annotations

import unicodedata

from drafting.domain.errors import InvalidInput
from drafting.domain.input_rules import forbidden_character, refusal_message

MAX_CLAUSE_CHARS = 5_000  # a clause is one paragraph; the longest real ones are ~1,500
MAX_RATIONALE_CHARS = 5_000
MAX_COMMENT_CHARS = 10_000
MAX_NOTE_CHARS = 2_000


def clean_text(value: object, *, field: str, max_chars: int, required: bool = True,
               single_paragraph: bool = False) -> str:
    """Return `value` normalised for storage, or raise InvalidInput saying what is wrong.

    Normalises line endings and NFC form (so a composed and a decomposed "é" compare equal in
    diffs), strips surrounding whitespace. Refuses NUL and other C0/C1 control characters
    (tab and line breaks aside), which no editor produces and which break exports, and lone
    UTF-16 surrogates ("\\ud800" in JSON), which are no text and cannot be stored as UTF-8.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text.", details={"field": field})
    bad = forbidden_character(value)  # before NFC: normalising a lone surrogate fails
    if bad is not None:
        raise InvalidInput(refusal_message(field, bad), details={"field": field})
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if single_paragraph:
        # A clause is one paragraph: line breaks, tabs and runs of spaces become one space,
        # so exports never split it and a whitespace-only edit is no edit at all.
        text = " ".join(text.split())
    if required and not text:
        raise InvalidInput(f"{field} must not be empty.", details={"field": field})
    if len(text) > max_chars:
        raise InvalidInput(f"{field} is too long: {len(text):,} characters, at most {max_chars:,}.",
                           details={"field": field, "max_chars": max_chars})
    return text


def clause_text(value: object, field: str = "text") -> str:
    return clean_text(value, field=field, max_chars=MAX_CLAUSE_CHARS, single_paragraph=True)


def rationale_text(value: object, required: bool = False) -> str:
    return clean_text(value, field="rationale", max_chars=MAX_RATIONALE_CHARS, required=required)


def comment_text(value: object) -> str:
    return clean_text(value, field="body", max_chars=MAX_COMMENT_CHARS)


def note_text(value: object, *, required: bool, field: str = "note") -> str:
    return clean_text(value, field=field, max_chars=MAX_NOTE_CHARS, required=required)
