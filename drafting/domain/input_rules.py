"""What any request input may hold, whatever the field: characters, ids, JSON shape.

Pure checks, shared by the API body parser, the page form guard and the text rules. Each
limit here is documented in docs/api.md ("Limits on request bodies").
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import datetime, timezone

# Deepest nesting of arrays and objects a JSON body may have. Our bodies are flat objects
# holding at most a list; 32 leaves room for any client's wrapping and keeps the parser's
# recursion (about 1,000 levels before a RecursionError) far away.
MAX_JSON_DEPTH = 32
# Array elements and object members of one body, all containers together (counted before
# parsing, so a huge list is refused without building its objects).
MAX_JSON_ITEMS = 10_000
# Elements of any one list in a body (proposal ids to submit or circulate, clause ids for the
# Chair's statement, excepted economies, section kinds of an import).
MAX_LIST_ITEMS = 1_000

# Digits of the longest number read from text. Ids are 32-bit (10 digits), but a longer number
# is still read, so that the caller can answer "no such id" naming it; int() itself refuses
# more than 4,300 digits (and is quadratic in them).
MAX_DIGITS = 1_000

# Line breaks and tabs are the only control characters text may hold; browsers send textarea
# line breaks as CR LF, which the text rules then normalise.
ALLOWED_CONTROLS = frozenset("\t\n\r")

_KEEP_STRUCTURE = bytes(set(range(256)) - set(b"[]{},"))
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


def forbidden_character(text: str) -> str | None:
    """The first character of `text` no field may hold, or None.

    Refused: C0 and C1 control characters other than tab and line breaks (NUL among them:
    PostgreSQL cannot store it and exports break on it), and lone UTF-16 surrogates, which
    no valid Unicode text contains and which cannot be encoded as UTF-8 on the way out.
    """
    if text.isascii() and text.isprintable():
        return None  # the common case, checked in C
    for ch in text:
        if ch in ALLOWED_CONTROLS:
            continue
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return ch
    return None


def refusal_message(field: str, ch: str) -> str:
    """What to tell a person whose `field` holds the forbidden character `ch`."""
    if unicodedata.category(ch) == "Cs":
        return (f"{field} contains a lone surrogate (U+{ord(ch):04X}), which is not text "
                "that can be stored.")
    return f"{field} contains control characters that are not allowed (U+{ord(ch):04X})."


def moment(value: object) -> datetime | None:
    """An ISO 8601 moment with its UTC offset ("2026-12-07T12:30:00+00:00", "…Z"), in UTC; None
    for anything else (no offset, not a string, not a date). At most 64 characters are read."""
    if not isinstance(value, str) or not 0 < len(value) <= 64 or not value.isascii():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed.astimezone(timezone.utc)


def ascii_id(text: str) -> int | None:
    """`text` as a whole number if it is written in ASCII digits only, else None.

    Python's int() also reads full-width ("１２"), Arabic-Indic and other digits, and
    str.isdigit() accepts superscripts that int() then refuses; an id is only ever 0-9.
    """
    text = text.strip()
    if not text or not text.isascii() or not text.isdigit():
        return None
    if len(text) > MAX_DIGITS:
        return None
    return int(text)


def whole_number(value: object) -> int | None:
    """An int as is (not a bool), a string by ascii_id(); anything else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return ascii_id(value)
    return None


def json_structure_problem(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH,
                           max_items: int = MAX_JSON_ITEMS) -> str | None:
    """"depth" or "items" when the JSON text `raw` (UTF-8) nests deeper than `max_depth` or
    holds more than `max_items` elements and members; None otherwise (or when it is so
    malformed that the parser will refuse it anyway).

    Runs before the parser, in time linear in the size of `raw` and with bytes operations
    only: a body of 100,000 "[" or 4 million ids is refused without recursing or building
    objects.
    """
    if (raw.count(b"[") + raw.count(b"{") <= max_depth
            and raw.count(b",") < max_items):
        return None  # even counting brackets and commas inside strings, within limits
    structure = _structure_outside_strings(raw)
    if structure.count(b",") >= max_items:
        return "items"
    if _nests_deeper_than(structure.replace(b",", b""), max_depth):
        return "depth"
    return None


def _structure_outside_strings(raw: bytes) -> bytes:
    """The brackets, braces and commas of `raw` that are not inside a string."""
    # Escapes first (an escaped backslash before an escaped quote), so every remaining quote
    # opens or closes a string; then every second piece between quotes is outside strings.
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = b"".join(unescaped.split(b'"')[::2])
    return outside.translate(None, _KEEP_STRUCTURE)


def _nests_deeper_than(brackets: bytes, limit: int) -> bool:
    """Whether the bracket sequence nests deeper than `limit` (or does not balance)."""
    # Arrays and objects nest alike; a mismatch of kinds is left to the parser to refuse.
    brackets = brackets.translate(_ONE_KIND)
    too_deep_run = b"[" * (limit + 1)
    for _ in range(limit):
        if not brackets:
            return False
        if too_deep_run in brackets:
            return True
        # Each pass removes the innermost pairs: exactly one level of the nesting.
        brackets = brackets.replace(b"[]", b"")
    return bool(brackets)


def strings_in(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a parsed JSON value (object keys too) with its field path
    ("proposal_ids[3]", "options.note"); iterative, so any depth is safe."""
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield where or "body", item
        elif isinstance(item, dict):
            for key, member in item.items():
                name = f"{where}.{key}" if where else str(key)
                yield name, key
                stack.append((member, name))
        elif isinstance(item, list):
            stack.extend((member, f"{where}[{index}]") for index, member in enumerate(item))


def lists_in(value: object, path: str = "") -> Iterator[tuple[str, list]]:
    """Every list of a parsed JSON value with its field path."""
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, list):
            yield where or "body", item
            stack.extend((member, f"{where}[{index}]") for index, member in enumerate(item))
        elif isinstance(item, dict):
            stack.extend((member, f"{where}.{key}" if where else str(key))
                         for key, member in item.items())
