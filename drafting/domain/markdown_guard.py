"""Neutralise the Markdown constructs that would make python-markdown slow, before it renders.

python-markdown rescans the rest of a paragraph from every "[" that might open a link (so a
comment of 10,000 "[" costs about 16 s), re-runs its setext-heading and rule searches over a
whole block for every underline-like line, recurses once per ">" of a block quote, and spends
tens of microseconds on every inline element it builds. This module walks the source once and
*neutralises* the characters that would trigger that work beyond small, documented bounds:
a neutralised character is swapped for a Unicode noncharacter that no Markdown pattern reacts
to, and `restore` swaps it back (HTML-escaped) in the rendered HTML. The reader therefore sees
every character that was typed; only its Markdown meaning is dropped.

What is neutralised (everything else is left exactly as typed, so ordinary Markdown renders
as before):
- a "[" with no matching "]" in its block, brackets nested deeper than MAX_BRACKET_DEPTH, and
  bracket pairs beyond the first MAX_BRACKET_PAIRS; the "(" of link targets python-markdown
  may read far ahead for (an unclosed quote or bracket) beyond MAX_UNCLEAR_LINK_TARGETS;
- a backtick run with no run of the same length after it in its block, and code spans beyond
  the first MAX_CODE_SPANS;
- "*" and "_" runs beyond the first MAX_EMPHASIS_RUNS, entities beyond MAX_ENTITIES, backslash
  escapes beyond MAX_ESCAPES (the backslash is dropped as an escape would), hard line breaks
  beyond MAX_LINE_BREAKS;
- block quote and list markers nested deeper than MAX_NESTING; paragraphs, list items, headings,
  rules and block quotes beyond the first MAX_BLOCK_ELEMENTS (a paragraph over the budget joins
  the one above); headings beyond MAX_HEADINGS, rule or heading-underline lines beyond
  MAX_RULE_LINES, and more than MAX_SPLITTING_LINES_PER_BLOCK of those and link definitions in
  one block.
"""
from __future__ import annotations

import html
import re

# Paragraphs (blank-line separated blocks), list items, headings, rules and block quotes:
# python-markdown runs every inline pattern over each one's text.
MAX_BLOCK_ELEMENTS = 250
MAX_HEADINGS = 30
MAX_RULE_LINES = 30  # "---", "***", "===" lines: rules and heading underlines
MAX_SPLITTING_LINES_PER_BLOCK = 20  # headings, rule lines and link definitions in one block
MAX_NESTING = 8  # block quotes and lists inside one another
MAX_BRACKET_DEPTH = 3
MAX_BRACKET_PAIRS = 100
MAX_UNCLEAR_LINK_TARGETS = 10  # "(" after "]" not followed by a plain "(url "title")"
MAX_CODE_SPANS = 100
MAX_EMPHASIS_RUNS = 200
MAX_ENTITIES = 100
MAX_ESCAPES = 200
MAX_LINE_BREAKS = 100

# Characters that can be neutralised; the n-th one is stood in for by U+FDD0 + n.
_NEUTRALISABLE = "[]()`*_&>\\!-=+.# \n"
_FIRST_NONCHARACTER = 0xFDD0
_LAST_NONCHARACTER = 0xFDEF
_STAND_IN = {ch: chr(_FIRST_NONCHARACTER + i) for i, ch in enumerate(_NEUTRALISABLE)}
_MARKUP_STAND_INS = str.maketrans({ch: stand_in for ch, stand_in in _STAND_IN.items()
                                   if not ch.isspace()})
_RESTORE = {ord(stand_in): html.escape(ch) for ch, stand_in in _STAND_IN.items()}
# Noncharacters typed by a user would be read back as markup characters: show U+FFFD instead.
_TYPED_NONCHARACTERS = {code: "\ufffd"
                        for code in range(_FIRST_NONCHARACTER, _LAST_NONCHARACTER + 1)}

_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")
_RULE_LINE = re.compile(r"[ \t]*[-=*_][-=*_ \t]*")
_LINK_DEFINITION = re.compile(r"[ ]{0,3}\[[^\[\]\n]*\]:")
# "(url)", "(<url>)", "(url "title")": targets python-markdown reads in one short pass.
_PLAIN_LINK_TARGET = re.compile(
    r"""\(\s*(?:<[^<>\n]{0,2000}>|(?:[^\s()"'<>]|\([^\s()"'<>]{0,2000}\)){0,2000})"""
    r"""(?:\s+(?:"[^"\n]{0,2000}"|'[^'\n]{0,2000}'))?\s*\)""")
# One block quote or list marker at the start of a line (after those before it).
_CONTAINER_MARKER = re.compile(
    r"[ \t]*(?:(?P<quote>>)|(?P<bullet>[-*+])(?=[ \t]|$)|[0-9]{1,9}(?P<number>[.)])(?=[ \t]|$))")
_CONTAINER_MARKERS = re.compile(
    r"(?:[ \t]*(?:>|[-*+](?=[ \t]|$)|[0-9]{1,9}[.)](?=[ \t]|$)))*")
# The inline tokens python-markdown acts on. An escape is a backslash before one of
# Markdown.ESCAPED_CHARS; a backslash before a backtick run can close a code span, not open one.
_INLINE_TOKEN = re.compile(r"""
      (?P<code>\\?`+)
    | (?P<escape>\\[\\*_{}\[\]()>\#+\-.!])
    | (?P<open>\[)
    | (?P<close>\])
    | (?P<emphasis>\*+|_+)
    | (?P<entity>&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)
    | (?P<line_break>[ ]{2}\n)
""", re.VERBOSE)


def neutralise(source: str) -> str:
    """Return `source` with the costly constructs' characters swapped for stand-ins.

    Runs in time linear in len(source). The result is meant for python-markdown followed by
    `restore`; it is not for display on its own.
    """
    # python-markdown reads "\r" as a line break too: so must the line budgets.
    text = source.replace("\r\n", "\n").replace("\r", "\n").translate(_TYPED_NONCHARACTERS)
    changes: dict[int, str] = {}  # position in text -> what replaces its character
    _limit_block_markers(text, changes)
    budget = _Budget()  # one for the whole text, however many blocks it has
    start = 0
    for blank_line in _BLANK_LINE.finditer(text):
        _limit_inline_markup(text, start, blank_line.start(), changes, budget)
        start = blank_line.end()
    _limit_inline_markup(text, start, len(text), changes, budget)
    return _apply(text, changes)


def restore(rendered_html: str) -> str:
    """Put back, HTML-escaped, the characters `neutralise` stood in for."""
    return rendered_html.translate(_RESTORE)


def _apply(text: str, changes: dict[int, str]) -> str:
    if not changes:
        return text
    chars = list(text)
    for position, replacement in changes.items():
        chars[position] = replacement
    return "".join(chars)


def _neutralise(text: str, changes: dict[int, str], start: int, end: int | None = None) -> None:
    """Stand in for the markup characters in text[start:end] (text[start] if no end)."""
    end = start + 1 if end is None else end
    changes.update(zip(range(start, end), text[start:end].translate(_MARKUP_STAND_INS)))


class _Budget:
    """How many inline constructs of each kind one text has kept so far."""

    def __init__(self):
        self.bracket_pairs = self.code_spans = self.emphasis_runs = 0
        self.entities = self.escapes = self.line_breaks = self.unclear_link_targets = 0


# Block markers --------------------------------------------------------------------------------

def _limit_block_markers(text: str, changes: dict[int, str]) -> None:
    counts = {"elements": 0, "headings": 0, "rule_lines": 0}
    splitting_lines = 0  # in the current block
    quoted = False  # the line above opens with ">"
    blank_lines: list[int] = []  # starts of the blank lines since the last text line
    line_start = 0
    while line_start <= len(text):
        line_end = text.find("\n", line_start)
        if line_end < 0:
            line_end = len(text)
        if not text[line_start:line_end].strip():
            blank_lines.append(line_start)
            splitting_lines = 0
            quoted = False
        else:
            if blank_lines or line_start == 0:
                counts["elements"] += 1
                if counts["elements"] > MAX_BLOCK_ELEMENTS:
                    # Joined to the block above: each blank line gets a stand-in newline,
                    # which python-markdown reads as text and `restore` turns back into one.
                    for blank_start in blank_lines:
                        changes[blank_start] = _STAND_IN["\n"] + text[blank_start]
                blank_lines = []
            splits, quoted = _limit_line(text, line_start, line_end, changes, counts,
                                         splitting_lines, quoted)
            splitting_lines += splits
        line_start = line_end + 1


def _limit_line(text: str, start: int, end: int, changes: dict[int, str], counts: dict[str, int],
                splitting_lines: int, quoted: bool) -> tuple[int, bool]:
    """Neutralise the markers of one line that are over their budget.

    Returns 1 if the line is one python-markdown splits its block at (a heading, a rule or
    heading underline, a link definition), which costs a search of the whole block, else 0;
    and whether the line opens with ">".
    """
    first = start
    while text[first] in " \t":
        first += 1
    kind = ("rule_lines" if _RULE_LINE.fullmatch(text, start, end) else
            "headings" if text[start] == "#" else
            "definitions" if _LINK_DEFINITION.match(text, start, end) else None)
    if kind is not None:
        counts[kind] = counts.get(kind, 0) + 1
        if kind != "definitions":
            counts["elements"] += 1
        limit = {"rule_lines": MAX_RULE_LINES, "headings": MAX_HEADINGS}.get(kind)
        if splitting_lines >= MAX_SPLITTING_LINES_PER_BLOCK or \
                (limit is not None and counts[kind] > limit) or \
                counts["elements"] > MAX_BLOCK_ELEMENTS:
            _neutralise(text, changes, first)
        return 1, False
    depth = 0
    position = start
    opens_quote = False
    while depth < MAX_NESTING and (marker := _CONTAINER_MARKER.match(text, position, end)):
        depth += 1
        is_quote = marker.lastgroup == "quote"
        opens_quote = opens_quote or (depth == 1 and is_quote)
        if not is_quote or (depth == 1 and not quoted):  # a list item, or a new block quote
            counts["elements"] += 1
            if counts["elements"] > MAX_BLOCK_ELEMENTS:
                # The marker's last character (">", "-", the "." of "1.") is enough.
                _neutralise(text, changes, marker.end() - 1)
        position = marker.end()
    if depth == MAX_NESTING:  # any markers further in are shown as typed
        _neutralise(text, changes, position, _CONTAINER_MARKERS.match(text, position, end).end())
    return 0, opens_quote


# Inline markup -------------------------------------------------------------------------------

def _limit_inline_markup(text: str, start: int, end: int, changes: dict[int, str],
                         budget: _Budget) -> None:
    tokens = [(token.start(), token.end(), token.lastgroup)
              for token in _INLINE_TOKEN.finditer(text, start, end)]
    code_ranges = _pair_code_spans(text, tokens, changes, budget)
    code_ranges.append((end, end))
    openers: list[int] = []
    pairs: list[tuple[int, int, int]] = []
    code_index = 0
    for position, token_end, kind in tokens:
        while code_ranges[code_index][1] <= position < end:
            code_index += 1
        if code_ranges[code_index][0] <= position or position in changes:
            continue
        if kind == "open":
            openers.append(position)
        elif kind == "close" and openers:
            pairs.append((openers.pop(), position, len(openers) + 1))
        elif kind == "emphasis":
            budget.emphasis_runs += 1
            if budget.emphasis_runs > MAX_EMPHASIS_RUNS:
                _neutralise(text, changes, position, token_end)
        elif kind == "escape":
            _limit_escape(text, position, changes, budget)
        elif kind == "entity":
            budget.entities += 1
            if budget.entities > MAX_ENTITIES:
                changes[position] = _STAND_IN["&"]
        elif kind == "line_break":
            budget.line_breaks += 1
            if budget.line_breaks > MAX_LINE_BREAKS:
                changes[position + 1] = _STAND_IN[" "]
    for opener in openers:  # never closed in this block
        changes[opener] = _STAND_IN["["]
    for opener, closer, depth in sorted(pairs):
        keep = depth <= MAX_BRACKET_DEPTH
        if keep:
            budget.bracket_pairs += 1
            keep = budget.bracket_pairs <= MAX_BRACKET_PAIRS
        if not keep:
            changes[opener] = _STAND_IN["["]
            changes[closer] = _STAND_IN["]"]
        elif text.startswith("(", closer + 1) and \
                not _PLAIN_LINK_TARGET.match(text, closer + 1, end):
            # python-markdown may read such a target to the end of the paragraph (up to
            # markup.MAX_LINK_TARGET_CHARS): a few are fine.
            budget.unclear_link_targets += 1
            if budget.unclear_link_targets > MAX_UNCLEAR_LINK_TARGETS:
                _neutralise(text, changes, closer + 1)


def _limit_escape(text: str, backslash: int, changes: dict[int, str], budget: _Budget) -> None:
    budget.escapes += 1
    if budget.escapes > MAX_ESCAPES:
        changes[backslash] = ""  # the escape would have dropped the backslash too
        _neutralise(text, changes, backslash + 1)


def _pair_code_spans(text: str, tokens: list[tuple[int, int, str]], changes: dict[int, str],
                     budget: _Budget) -> list[tuple[int, int]]:
    """Pair each backtick run with the next run of the same length; neutralise the unpaired.

    Returns the (start, end) of the inside of each kept code span, in order: nothing there is
    markup.
    """
    runs = [(start, end) for start, end, kind in tokens if kind == "code"]
    # Backtick positions of each run, and the runs of each length, last first.
    backticks = [(start + (text[start] == "\\"), end) for start, end in runs]
    later_by_length: dict[int, list[int]] = {}
    for number in range(len(runs) - 1, -1, -1):
        start, end = backticks[number]
        later_by_length.setdefault(end - start, []).append(number)
    code_ranges = []
    number = 0
    while number < len(runs):
        start, end = backticks[number]
        if start != runs[number][0]:  # "\`": an escape, unless it closes a span
            _limit_escape(text, runs[number][0], changes, budget)
            _neutralise(text, changes, start + 1, end)
            number += 1
            continue
        candidates = later_by_length[end - start]
        while candidates and candidates[-1] <= number:
            candidates.pop()
        if not candidates:
            _neutralise(text, changes, start, end)
            number += 1
            continue
        closer = candidates[-1]
        budget.code_spans += 1
        if budget.code_spans > MAX_CODE_SPANS:
            _neutralise(text, changes, start, end)
            _neutralise(text, changes, *backticks[closer])
        else:
            code_ranges.append((end, backticks[closer][0]))
        number = closer + 1
    return code_ranges
