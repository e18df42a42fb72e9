"""Reading a zero draft pasted as Markdown into the paragraphs drafting/domain/draft_parsing.py
splits into sections and clauses.

Headings (ATX ``#`` and setext underlines) start sections; list items and paragraphs become
paragraphs; emphasis, links and block quotes are reduced to their text in one pass over each
line, so the cost stays linear in the length of the paste. Pure: no Flask, no database.
"""
from __future__ import annotations

import re

from drafting.domain.draft_parsing import (ParsedDraft, SourceParagraph, build_draft,
                                           footnote_marker, split_number)

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
            and split_number(text)[0] is None and footnote_marker(text) is None)


def parse_markdown(source: str) -> ParsedDraft:
    return build_draft(markdown_paragraphs(source))
