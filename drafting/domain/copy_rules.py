"""Small rules of copy for pages: a note that repeats its revision's label, a sentence that
already ends in a full stop. Pure functions (templates use them as filters)."""
from __future__ import annotations

_SEPARATORS = " :—–-,"
_TERMINAL = ".!?…"


def without_label(note: str | None, label: str) -> str:
    """`note` without a leading repeat of `label` ("Rev.1: circulated …" under Rev.1 → "circulated
    …"), so that a line does not read "Rev.1 — 7 Dec — Rev.1: circulated …"."""
    note = (note or "").strip()
    if label and note.startswith(label):
        rest = note[len(label):]
        if not rest or rest[0] in _SEPARATORS:
            return rest.lstrip(_SEPARATORS)
    return note


def sentence_body(text: str | None) -> str:
    """`text` without its closing full stop (or other terminal mark), for a template that closes
    the sentence itself: "… (accepted)." and never "… (accepted).."."""
    text = (text or "").rstrip()
    while text and text[-1] in _TERMINAL and not text.endswith("..."):
        text = text[:-1].rstrip()
    return text


__all__ = ["sentence_body", "without_label"]
