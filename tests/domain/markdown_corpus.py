"""Hostile Markdown: generated inputs of any length that stress python-markdown.

Each construct builds a text of exactly the length asked for, so the tests can render them at
the documented maximum (MAX_COMMENT_CHARS) and benchmarks/bench_markup.py can time them at
several lengths. `shown_verbatim` marks the inputs in which nothing can be Markdown: their
rendering must show every character as typed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Construct:
    name: str
    build: Callable[[int], str]
    shown_verbatim: bool = False


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda length: (unit * (length // len(unit) + 1))[:length]


def _framed(head: str, unit: str, tail: str = "") -> Callable[[int], str]:
    def build(length: int) -> str:
        body = length - len(head) - len(tail)
        return head + (unit * (body // len(unit) + 1))[:body] + tail
    return build


def _lines(make_line: Callable[[int], str]) -> Callable[[int], str]:
    def build(length: int) -> str:
        out, size, number = [], 0, 0
        while size < length:
            line = make_line(number) + "\n"
            out.append(line)
            size += len(line)
            number += 1
        return "".join(out)[:length]
    return build


CONSTRUCTS: list[Construct] = [
    # Runs of one character.
    Construct("run [", _repeat("["), shown_verbatim=True),
    Construct("run ]", _repeat("]"), shown_verbatim=True),
    Construct("run *", _repeat("*")),
    Construct("run _", _repeat("_")),
    Construct("run `", _repeat("`")),
    Construct("run <", _repeat("<"), shown_verbatim=True),
    Construct("run >", _repeat(">")),
    Construct("run !", _repeat("!"), shown_verbatim=True),
    Construct("run (", _repeat("("), shown_verbatim=True),
    Construct("run )", _repeat(")"), shown_verbatim=True),
    Construct("run \\", _repeat("\\")),
    Construct("run &", _repeat("&"), shown_verbatim=True),
    Construct("run #", _repeat("#")),
    Construct("run =", _repeat("=")),
    Construct("run -", _repeat("-")),
    # Links and images that never close, or close far away.
    Construct("[a ", _repeat("[a "), shown_verbatim=True),
    Construct("[( ", _repeat("[("), shown_verbatim=True),
    Construct("![ ", _repeat("!["), shown_verbatim=True),
    Construct("[a](", _repeat("[a](")),
    Construct("[a](<", _repeat("[a](<")),
    Construct('[a](b "c) ', _repeat('[a](b "c) ')),
    Construct("[a][", _repeat("[a][")),
    Construct("[a]", _repeat("[a]"), shown_verbatim=True),
    Construct("nested [[[a]]]", lambda n: "[" * (n // 2) + "]" * (n - n // 2)),
    Construct("[a](b) links", _repeat("[a](http://b.example) ")),
    Construct("long link", _framed("[a](http://example.org/", "a", ")")),
    Construct("long link text", _framed("[", "a", "](http://example.org)")),
    Construct("many reference definitions", lambda n: _lines(
        lambda i: f"[r{i}]: http://example.org/{i}" if i % 2 else f"see [r{i - 1}] and [x]")(n)),
    # Emphasis and code.
    Construct("*a ", _repeat("*a ")),
    Construct("**a ", _repeat("**a ")),
    Construct("emphasis bomb *a **a", _repeat("*a **a ***a ")),
    Construct("_a __a", _repeat("_a __a ")),
    Construct("*a* closed", _repeat("*a* ")),
    Construct("***a*", _framed("***", "a*")),
    Construct("`a ", _repeat("`a ")),
    Construct("``a `", _repeat("``a `")),
    Construct("`a` closed", _repeat("`a` ")),
    Construct("*_", _repeat("*_")),
    # Escapes, entities, comments, raw HTML.
    Construct("\\[", _repeat("\\[")),
    Construct("\\[a", _repeat("\\[a")),
    Construct("entity soup", _repeat("&amp;&#123;&#x41;&lt;")),
    Construct("&#", _repeat("&#"), shown_verbatim=True),
    Construct("<!-- unterminated", _framed("<!--", " a <!--"), shown_verbatim=True),
    Construct("<b> tags", _repeat("<b>a</b>"), shown_verbatim=True),
    Construct("<http:// autolinks", _repeat("<http://a.b> "), shown_verbatim=True),
    # Blocks: quotes, lists, rules, headings, breaks.
    Construct("> nested quotes", lambda n: ">" * (n - 2) + " a"),
    Construct("> > spaced quotes", _framed("", "> ", "a")),
    Construct("quote lines", _lines(lambda i: "> " * (i % 30) + "a")),
    Construct("> - quote and list", _framed("", "> - ", "a")),
    Construct("nested lists", _lines(lambda i: "    " * (i % 60) + "- a")),
    Construct("- list items", _lines(lambda i: "- a")),
    Construct("1. list items", _lines(lambda i: f"{i}. a")),
    Construct("* \\n", _lines(lambda i: "* ")),
    Construct("= lines", _lines(lambda i: "=")),
    Construct("- lines", _lines(lambda i: "-")),
    Construct("a / = setext", _lines(lambda i: "a" if i % 2 == 0 else "=")),
    Construct("*** rules", _lines(lambda i: "***")),
    Construct("# headings", _lines(lambda i: "# a")),
    Construct("hard breaks", _lines(lambda i: "a  ")),
    Construct("| table", _repeat("| a ")),
    Construct("indented code", _lines(lambda i: "    a")),
    Construct("prose", _repeat("The delegation supports the text as drafted. ")),
    # Every kind of element at once, so that every budget is spent.
    Construct("all budgets at once", _repeat(
        "[a](http://b.c) *e* `c` &amp; \\* x  \n- i\n1. o\n> q\n# h\n***\n[d]: http://d\n\n")),
]

CONSTRUCT_NAMES = [construct.name for construct in CONSTRUCTS]
