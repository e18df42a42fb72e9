"""Pasted Markdown for an import loses its emphasis marks in linear time, as it did with regexes."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.hypothesis_profiles import examples

from drafting.domain.markdown_draft import _strip_emphasis, parse_markdown
from tests.domain.markdown_corpus import CONSTRUCTS

# What _strip_emphasis replaced: a regex whose every unclosed "*" rescanned the whole paragraph.
_REGEX = {"*": re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"),
          "_": re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")}


@settings(max_examples=examples(400))
@given(st.text(alphabet="*_ a.b,é", max_size=40), st.sampled_from("*_"))
def test_emphasis_marks_are_dropped_exactly_as_the_regex_dropped_them(text, mark):
    assert _strip_emphasis(text, mark) == _REGEX[mark].sub(r"\1", text)


def test_hostile_emphasis_in_a_large_paste_keeps_every_word():
    source = next(c for c in CONSTRUCTS if c.name == "emphasis bomb *a **a").build(200_000)
    draft = parse_markdown(source)
    text = " ".join(clause.text for section in draft.sections for clause in section.clauses)
    assert text.count("a") == source.count("a")
