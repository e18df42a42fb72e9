"""HTML for tracked changes: <ins>/<del> runs attributed to economies.

Produces strings of escaped HTML; the web layer marks them safe. Colours come from CSS
classes (`econ-<code>`), never inline styles, so every viewer sees an economy in the same
colour and the Content-Security-Policy needs no inline styles.

Right-to-left clauses: the container that holds this HTML carries `dir="auto"`. Every change
is isolated from its neighbours by the stylesheets (`unicode-bidi: isolate` on `ins.chg` and
`del.chg`) rather than by a `dir` attribute or `<bdi>`, because `dir="auto"` skips elements
that have one, and a clause that is one whole insertion would then read left to right. The
economy label is always Latin (a code such as "USA"), so it is marked `dir="ltr"`: isolated,
and never taken as the clause's first strong character.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Protocol


class _Change(Protocol):
    op: str
    text: str


def css_class_for(code: str) -> str:
    return "econ-" + "".join(ch for ch in code.lower() if ch.isalnum())


def render_changes(segments: Iterable[_Change], *, author: str | None = None,
                   author_name: str | None = None) -> str:
    """Render one proposal's diff; every change is attributed to `author` (an economy code)."""
    parts = []
    for seg in segments:
        text = escape(seg.text)
        if seg.op == "equal":
            parts.append(text)
            continue
        parts.append(_change_tag(seg.op, text, [author] if author else [],
                                 {author: author_name} if author and author_name else {}))
    return "".join(parts)


def render_overlay(segments: Iterable[_Change], names: Mapping[str, str] | None = None,
                   cards: Mapping[str, str] | None = None) -> str:
    """Render many proposals on one text; each change is followed by its economies' label.

    `segments` carry `.authors` (economy codes); `names` maps a code to the economy's name
    for the tooltip; `cards` maps a code to what the label's hover and focus card says (the
    economies, the proposal, its rationale), the names when missing.
    """
    cards = cards or {}
    names = names or {}
    parts = []
    for seg in segments:
        text = escape(seg.text)
        if seg.op == "equal":
            parts.append(text)
            continue
        authors = list(getattr(seg, "authors", ()) or ())
        parts.append(_change_tag(seg.op, text, authors, names))
        if authors:
            first = css_class_for(authors[0])
            card = "; ".join(cards.get(a) or names.get(a, a) for a in authors)
            parts.append(f'<sup class="attr {first}" dir="ltr" tabindex="0" '
                         f'data-card="{escape(card)}">{escape(", ".join(authors))}</sup>')
    return "".join(parts)


def _change_tag(op: str, escaped_text: str, authors: Sequence[str],
                names: Mapping[str, str]) -> str:
    tag = "ins" if op == "insert" else "del"
    verb = "Inserted" if op == "insert" else "Deleted"
    classes = ["chg"] + ([css_class_for(authors[0])] if authors else [])
    who = ", ".join(names.get(a, a) for a in authors)
    title = f"{verb} by {who}" if who else verb
    data = f' data-economy="{escape(",".join(authors))}"' if authors else ""
    return (f'<{tag} class="{" ".join(classes)}" title="{escape(title)}"{data}>'
            f"{escaped_text}</{tag}>")
