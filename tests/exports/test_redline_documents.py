"""Redlines of real negotiations resolve exactly (our XML reader; LibreOffice in
test_libreoffice.py): deleted first and last clauses, clauses added at the start and the end,
a section that goes and one that comes."""
from __future__ import annotations

import pytest

from tests.exports.helpers import body
from tests.exports.redline_cases import (delete_first_and_last, insert_at_start_and_end,
                                         redline_with_cleans)


@pytest.mark.parametrize("change", [delete_first_and_last, insert_at_start_and_end])
def test_accept_all_gives_the_target_and_reject_all_the_source(world, change):
    change(world)
    redline, source, target = redline_with_cleans(world)
    assert body(redline, accept=True) == body(target)
    assert body(redline, accept=False) == body(source)
    assert body(redline, accept=True) != body(redline, accept=False)


def test_deleting_the_first_and_last_clauses_leaves_no_empty_paragraph(world):
    delete_first_and_last(world)
    redline, _source, _target = redline_with_cleans(world)
    accepted = body(redline, accept=True)
    headings = [text for style, text in accepted if style == "Heading1"]
    assert headings == ["Goal 1: Climate"]  # the preamble went with its clauses
    assert accepted[-1] == (None, "OP1\tWe will reduce emissions by 2030 and promote clean "
                                  "energy.")
    assert (None, "") not in accepted[accepted.index((None, "")) + 1:]  # only the cover's


def test_added_clauses_and_section_appear_only_on_accept(world):
    insert_at_start_and_end(world)
    redline, _source, _target = redline_with_cleans(world)
    accepted, rejected = body(redline, accept=True), body(redline, accept=False)
    assert ("Heading1", "Goal 2: Trade") in accepted and ("Heading1", "Goal 2: Trade") \
        not in rejected
    assert [t for _s, t in accepted if t.startswith("PP")][0].endswith("Welcoming the host's "
                                                                       "leadership;")
    assert accepted[-1][1].endswith("We will keep markets open.")
    assert rejected[-1][1].endswith("share best practices.")
