"""The digest's words (pure)."""
from datetime import datetime, timedelta, timezone

from drafting.domain.digest import digest_parts, since_label
from drafting.domain.input_rules import moment


def test_the_digest_names_only_what_happened_in_reading_order():
    assert digest_parts(text_changes=3, status_changes=0, proposals=5, comments=0,
                        decisions_on_yours=2, other_decisions=0) == [
        "3 paragraphs changed", "5 new proposals", "2 decisions on your proposals"]
    assert digest_parts(text_changes=1, status_changes=1, proposals=1, comments=1,
                        decisions_on_yours=1, other_decisions=1) == [
        "1 paragraph changed", "1 status change", "1 new proposal", "1 new comment",
        "1 decision on your proposals", "1 other decision"]
    assert digest_parts(text_changes=0, status_changes=0, proposals=0, comments=0,
                        decisions_on_yours=0, other_decisions=2) == ["2 decisions"]
    assert digest_parts(text_changes=0, status_changes=0, proposals=0, comments=0,
                        decisions_on_yours=0, other_decisions=0) == []


def test_the_since_label_is_absolute_and_in_utc():
    tuesday = datetime(2026, 12, 1, 17, 5, tzinfo=timezone.utc)
    assert since_label(tuesday) == "Tuesday 1 December, 17:05 UTC"
    bangkok = tuesday.astimezone(timezone(timedelta(hours=7)))
    assert since_label(bangkok) == "Tuesday 1 December, 17:05 UTC"


def test_a_moment_needs_its_offset():
    assert moment("2026-12-07T17:05:00+07:00") == datetime(2026, 12, 7, 10, 5,
                                                            tzinfo=timezone.utc)
    assert moment("2026-12-07T17:05:00Z") == datetime(2026, 12, 7, 17, 5, tzinfo=timezone.utc)
    for bad in ("2026-12-07T17:05:00", "yesterday", "", None, 17, "２０２６-12-07T17:05:00Z",
                "2026-12-07T17:05:00+00:00" + " " * 60):
        assert moment(bad) is None, bad
