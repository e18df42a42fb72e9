"""The desk queue's pure rules: reading filters from a query string, which proposals a
filter keeps, the order of groups, ages."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from drafting.domain.desk_queue import (
    ProposalFacts, QueueFilters, age_text, group_order_key, member_order_key,
)

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


def facts(**changes) -> ProposalFacts:
    base = dict(clause_id=1, economy_codes=frozenset({"AUS"}), in_conflict=False,
                cosponsored=False, is_new=False, reactions=0, submitted_at=T0, seq=1)
    return ProposalFacts(**{**base, **changes})


def test_filters_from_a_query_string_ignore_nonsense():
    assert QueueFilters.from_args({}) == QueueFilters()
    f = QueueFilters.from_args({"clause": "12", "economy": "nz", "in_conflict": "1",
                                "new": "on", "cosponsored": "0", "sort": "newest"})
    assert f == QueueFilters(clause_id=12, economy="NZ", in_conflict=True, new=True,
                             sort="newest")
    assert QueueFilters.from_args({"clause": "-1", "economy": "<b>", "sort": "x",
                                   "no_reactions": "yes"}) == QueueFilters()
    assert QueueFilters.from_args({"clause": "1" * 20}).clause_id is None


def test_query_round_trips_and_active_ignores_the_order():
    f = QueueFilters(clause_id=3, economy="JPN", no_reactions=True, sort="oldest")
    assert QueueFilters.from_args(f.query()) == f
    assert f.query(economy=None) == {"clause": "3", "no_reactions": "1", "sort": "oldest"}
    assert not QueueFilters(sort="newest").active and QueueFilters(new=True).active
    assert QueueFilters(new=True, sort="oldest").shows_every_new
    assert not QueueFilters(new=True, economy="NZ").shows_every_new


@pytest.mark.parametrize("filters, kept", [
    (QueueFilters(clause_id=1), True), (QueueFilters(clause_id=2), False),
    (QueueFilters(economy="NZ"), True), (QueueFilters(economy="JPN"), False),
    (QueueFilters(in_conflict=True), False), (QueueFilters(new=True), True),
    (QueueFilters(cosponsored=True), True), (QueueFilters(no_reactions=True), False),
])
def test_each_filter_keeps_what_it_names(filters, kept):
    proposal = facts(economy_codes=frozenset({"AUS", "NZ"}), cosponsored=True, is_new=True,
                     reactions=2)
    assert filters.keeps(proposal) is kept


def test_a_count_leaves_out_its_own_filter_only():
    f = QueueFilters(economy="JPN", in_conflict=True)
    conflict_aus = facts(in_conflict=True)
    assert not f.keeps(conflict_aus)
    assert f.keeps(conflict_aus, ignore="economy")
    assert not f.keeps(conflict_aus, ignore="in_conflict")


def test_orders():
    old, new = facts(submitted_at=T0, seq=1), facts(submitted_at=T0 + timedelta(hours=1), seq=2)
    groups = {"a": (5, [new]), "b": (9, [old])}
    by = lambda sort: sorted(groups, key=lambda k: group_order_key(sort, *groups[k]))  # noqa: E731
    assert by("document") == ["a", "b"] and by("oldest") == ["b", "a"]
    assert by("newest") == ["a", "b"]
    assert sorted([new, old], key=lambda f: member_order_key("oldest", f)) == [old, new]
    assert sorted([old, new], key=lambda f: member_order_key("newest", f)) == [new, old]


@pytest.mark.parametrize("seconds, text", [(None, "—"), (-5, "just now"), (59, "just now"),
                                           (60, "1 min"), (3599, "59 min"), (3600, "1 h"),
                                           (47 * 3600, "47 h"), (50 * 3600, "2 days")])
def test_age_text(seconds, text):
    then = None if seconds is None else T0 - timedelta(seconds=seconds)
    assert age_text(then, T0) == text
