"""Hostile Markdown renders to sanitised HTML that still shows everything the user typed.

These tests check output only; benchmarks/bench_markup.py measures the time of the same corpus
(docs/reliability.md, "Rendering cost").
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.hypothesis_profiles import examples

from drafting.domain import markdown_guard as guard
from drafting.domain.markdown_guard import neutralise, restore
from drafting.domain.markup import render_markdown
from drafting.domain.text_rules import MAX_COMMENT_CHARS
from tests.domain.markdown_corpus import CONSTRUCT_NAMES, CONSTRUCTS
from tests.xss import XSS_PAYLOADS, dangerous_markup

PROPERTY = settings(max_examples=examples(200))

# Characters Markdown may consume as markup (or, for digits, as list numbers).
_MARKUP = set("*_`[]()!<>#=-+.\\|~:;&\"'0123456789")

ORDINARY = [
    "We **support** _this_.\n\n- one\n- two\n\n> quoted\n\n[APEC](https://www.apec.org)",
    "use <b> sparingly, and `<code>` too",
    'A [link](http://x.org "title") and [another](<http://x.org/a b>).',
    "1. first\n2. second\n   - nested\n   - more\n3. third",
    "### Heading\n\ntext\n\n---\n\nSub\n---",
    "line one  \nline two",
    "*a **b** c* and ***both*** and __strong__ and snake_case_word",
    "&amp; &copy; &#169; & x < y > z",
    "    indented code\n    more",
    "[ref][1] and [short]\n\n[1]: http://example.com\n[short]: http://example.org",
    "a\\*b\\_c\\[d\\` and `a\\`",
    "> quote\n> > nested\n> back",
    "[a [nested] b](http://x) and see (parenthesised) text [1]",
    "`a` and ``b ` c`` and ```d```",
    "Déclaration — « citation » 日本語 [sic]",
]


class _Visible(HTMLParser):
    """Text as a reader sees it, each link's target after its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.targets.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag):
        if tag == "a" and self.targets:
            self.parts.append(self.targets.pop())

    def handle_data(self, data):
        self.parts.append(data)


def visible(rendered: str) -> str:
    parser = _Visible()
    parser.feed(rendered)
    parser.close()
    return "".join(parser.parts)


def _without_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _is_subsequence(needle: str, haystack: str) -> bool:
    remaining = iter(haystack)
    return all(ch in remaining for ch in needle)


# A link definition is shown where the link uses it, not where it was typed; an entity shows
# as its character or, over the budget, as typed (test_entities_beyond_the_budget_...).
_LINK_DEFINITION_LINE = re.compile(r"^[ ]{0,3}\[[^\]]*\]:.*$", re.M)
_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z0-9]+);")


def assert_nothing_lost(source: str, rendered: str) -> None:
    """Every character that is not Markdown punctuation shows, in the order typed."""
    source = _ENTITY.sub("", _LINK_DEFINITION_LINE.sub("", source))
    typed = "".join(ch for ch in _without_space(source) if ch not in _MARKUP)
    assert _is_subsequence(typed, _without_space(visible(rendered))), (source[:80], rendered[:300])


@pytest.mark.parametrize("name", CONSTRUCT_NAMES)
def test_hostile_input_at_the_maximum_length_is_sanitised_and_keeps_the_text(name):
    construct = CONSTRUCTS[CONSTRUCT_NAMES.index(name)]
    source = construct.build(MAX_COMMENT_CHARS)
    assert len(source) == MAX_COMMENT_CHARS
    rendered = render_markdown(source)
    assert dangerous_markup(rendered) == []
    assert not any(guard._FIRST_NONCHARACTER <= ord(ch) <= guard._LAST_NONCHARACTER
                   for ch in rendered), "a stand-in leaked into the HTML"
    assert_nothing_lost(source, rendered)
    if construct.shown_verbatim:
        assert _without_space(visible(rendered)) == _without_space(source)


@pytest.mark.parametrize("unit", ["[", "[a ", "[(", "![", "(", "<", "&"])
def test_runs_that_used_to_take_seconds_are_shown_verbatim(unit):
    source = unit * (MAX_COMMENT_CHARS // len(unit))
    assert visible(render_markdown(source)) == source


@pytest.mark.parametrize("source", ORDINARY)
def test_the_guard_leaves_ordinary_markdown_untouched(source):
    # Untouched source means python-markdown renders it exactly as it did before the guard.
    assert neutralise(source) == source


def test_ordinary_markdown_renders_as_before():
    assert render_markdown(ORDINARY[0]) == (
        "<p>We <strong>support</strong> <em>this</em>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n"
        "</ul>\n<blockquote>\n<p>quoted</p>\n</blockquote>\n"
        '<p><a href="https://www.apec.org" rel="noopener noreferrer nofollow">APEC</a></p>')
    assert render_markdown("use <b> and `<i>`") == \
        "<p>use &lt;b&gt; and <code>&lt;i&gt;</code></p>"


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_repeated_to_the_maximum_stay_inert(payload):
    source = (payload + "\n") * (MAX_COMMENT_CHARS // (len(payload) + 1))
    assert dangerous_markup(render_markdown(source)) == []


def test_links_beyond_the_budget_show_as_typed():
    source = " ".join(f"[l{i}](http://x.org/{i})" for i in range(guard.MAX_BRACKET_PAIRS + 5))
    rendered = render_markdown(source)
    assert rendered.count("<a ") == guard.MAX_BRACKET_PAIRS
    assert f"[l{guard.MAX_BRACKET_PAIRS}](http://x.org/{guard.MAX_BRACKET_PAIRS})" in rendered


def test_code_spans_beyond_the_budget_show_their_backticks():
    source = " ".join(f"`c{i}`" for i in range(guard.MAX_CODE_SPANS + 3))
    rendered = render_markdown(source)
    assert rendered.count("<code>") == guard.MAX_CODE_SPANS
    assert f"`c{guard.MAX_CODE_SPANS}`" in rendered


def test_emphasis_beyond_the_budget_shows_its_asterisks():
    pairs = guard.MAX_EMPHASIS_RUNS // 2
    rendered = render_markdown(" ".join(f"*e{i}*" for i in range(pairs + 2)))
    assert rendered.count("<em>") == pairs
    assert f"*e{pairs}*" in rendered


def test_escapes_beyond_the_budget_still_drop_the_backslash():
    rendered = render_markdown("\\*" * (guard.MAX_ESCAPES + 10))
    assert visible(rendered) == "*" * (guard.MAX_ESCAPES + 10)


def test_entities_beyond_the_budget_show_as_typed():
    rendered = render_markdown("&copy; " * (guard.MAX_ENTITIES + 1))
    assert visible(rendered).split() == ["©"] * guard.MAX_ENTITIES + ["&copy;"]


def test_quotes_nest_at_most_to_the_bound_and_show_the_rest():
    rendered = render_markdown(">" * 50 + " deep")
    assert rendered.count("<blockquote>") == guard.MAX_NESTING
    assert visible(rendered).strip() == ">" * (50 - guard.MAX_NESTING) + " deep"


def test_list_items_beyond_the_budget_become_text():
    # The first block element is the paragraph the list starts.
    items = guard.MAX_BLOCK_ELEMENTS - 1
    rendered = render_markdown("\n".join(f"- i{i}" for i in range(items + 5)))
    assert rendered.count("<li>") == items
    assert f"- i{items}" in rendered


@pytest.mark.parametrize("line_end", ["\r", "\r\n"])
def test_carriage_returns_count_as_line_ends_for_the_budgets(line_end):
    items = guard.MAX_BLOCK_ELEMENTS - 1
    rendered = render_markdown(line_end.join(f"- i{i}" for i in range(items + 5)))
    assert rendered.count("<li>") == items


def test_blocks_beyond_the_budget_join_the_one_above_keeping_their_lines():
    blocks = guard.MAX_BLOCK_ELEMENTS
    rendered = render_markdown("\n\n".join(f"p{i}" for i in range(blocks + 5)))
    assert rendered.count("<p>") == blocks
    last_paragraph = rendered.rsplit("<p>", 1)[1]
    assert re.fullmatch(r"\s+".join(f"p{i}" for i in range(blocks - 1, blocks + 5)) + "</p>",
                        last_paragraph)


def test_rule_lines_beyond_the_budget_show_as_typed():
    rendered = render_markdown("\n\n".join(["***"] * (guard.MAX_RULE_LINES + 3)))
    assert rendered.count("<hr>") == guard.MAX_RULE_LINES
    assert "***" in visible(rendered)


def test_unmatched_brackets_are_shown_while_matched_links_still_work():
    rendered = render_markdown("[[ see [APEC](https://www.apec.org) [")
    assert visible(rendered) == "[[ see APEChttps://www.apec.org ["
    assert rendered.count("<a ") == 1


def test_a_typed_noncharacter_cannot_pose_as_markup():
    stand_in_for_less_than = guard._STAND_IN[">"]
    rendered = render_markdown(f"a {stand_in_for_less_than} b")
    assert visible(rendered) == "a \ufffd b"


def test_restore_escapes_what_it_puts_back():
    assert restore(guard._STAND_IN["&"] + guard._STAND_IN[">"] + guard._STAND_IN["["]) == \
        "&amp;&gt;["


_HOSTILE_ALPHABET = st.sampled_from(list("[]()!*_`<>&#;\\-=+.:|~\"' \n") +
                                    ["a", "b", "1", "  \n", "\n\n", "> ", "- ", "1. ", "&amp;",
                                     "[a](", "](", "***", "<!--", "    "])


@PROPERTY
@given(st.lists(_HOSTILE_ALPHABET, max_size=120).map("".join))
def test_any_mix_of_markup_renders_sanitised_and_keeps_the_text(source):
    rendered = render_markdown(source)
    assert dangerous_markup(rendered) == []
    assert_nothing_lost(source, rendered)


@PROPERTY
@given(st.lists(_HOSTILE_ALPHABET, max_size=120).map("".join))
def test_the_guard_only_swaps_characters_it_can_restore(source):
    # No budget is reached in 120 characters, so nothing is dropped or added: putting each
    # typed character back in place of its stand-in gives the source again.
    typed_back = {ord(stand_in): ch for ch, stand_in in guard._STAND_IN.items()}
    assert neutralise(source).translate(typed_back) == source
