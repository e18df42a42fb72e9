"""Writing direction of clause text (Arabic and Hebrew read right to left).

Browsers work out a paragraph's direction themselves from `dir="auto"`; WeasyPrint (PDF) and
Word do not, so the exports ask this module and write the direction down explicitly. The rule
is the one `dir="auto"` and the Unicode Bidirectional Algorithm (rules P2–P3) use: the first
strong character decides, skipping digits, punctuation and spaces.
"""
from __future__ import annotations

import unicodedata
from typing import Literal

Direction = Literal["ltr", "rtl"]

_RIGHT_TO_LEFT = frozenset({"R", "AL"})  # Hebrew-like and Arabic-like letters
_LEFT_TO_RIGHT = frozenset({"L"})
# Isolate initiators and their terminator: text between them is skipped by rule P2.
_ISOLATE_OPENERS = frozenset({"LRI", "RLI", "FSI"})
_ISOLATE_CLOSER = "PDI"


def first_strong_direction(text: str) -> Direction | None:
    """The direction of the first strong character of `text`, or None when it has none.

    None means the text (digits, punctuation, emoji, spaces) takes the direction of its
    surroundings.
    """
    depth = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in _ISOLATE_OPENERS:
            depth += 1
        elif kind == _ISOLATE_CLOSER:
            depth = max(0, depth - 1)
        elif depth:
            continue
        elif kind in _RIGHT_TO_LEFT:
            return "rtl"
        elif kind in _LEFT_TO_RIGHT:
            return "ltr"
    return None


def is_right_to_left(text: str) -> bool:
    """True when `text` reads right to left (its first strong character is RTL)."""
    return first_strong_direction(text) == "rtl"


def text_direction(text: str, default: Direction = "ltr") -> Direction:
    """The base direction of a paragraph of `text`: its first strong character, else `default`."""
    return first_strong_direction(text) or default
