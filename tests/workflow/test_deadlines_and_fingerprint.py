"""Pure logic: deadlines given in a time zone, and the fingerprint's canonical form."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafting.domain import workflow as wf
from drafting.domain.errors import InvalidInput
from drafting.domain.fingerprint import (CanonicalSection, canonical_text, fingerprint,
                                         short_form)

UTC = timezone.utc


def test_a_local_deadline_is_stored_as_the_same_moment_in_utc():
    moment, name = wf.parse_local_deadline("2022-06-10T17:00", "Asia/Bangkok")
    assert (moment, name) == (datetime(2022, 6, 10, 10, 0, tzinfo=UTC), "Asia/Bangkok")
    same, _ = wf.parse_local_deadline(datetime(2022, 6, 10, 17, 0), " Asia/Bangkok ")
    assert same == moment
    # Summer time: Washington is UTC-4 in June, UTC-5 in January.
    assert wf.parse_local_deadline("2022-06-10T17:00", "America/New_York")[0].hour == 21
    assert wf.parse_local_deadline("2022-01-10T17:00", "America/New_York")[0].hour == 22


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", None, "../../etc/passwd",
                                  "Asia/../Asia/Bangkok", "/etc/localtime", 7])
def test_unknown_time_zones_are_422(zone):
    with pytest.raises(InvalidInput) as error:
        wf.parse_local_deadline("2022-06-10T17:00", zone)
    assert error.value.status == 422 and error.value.details == {"field": "timezone"}


@pytest.mark.parametrize("value", ["", None, "10/06/2022 17:00", "2022-13-01T10:00",
                                   "2022-06-10", "tomorrow", "2022-06-10T25:00", 20220610])
def test_malformed_deadlines_are_422(value):
    with pytest.raises(InvalidInput) as error:
        wf.parse_local_deadline(value, "Asia/Bangkok")
    assert error.value.details == {"field": "deadline"}


def test_an_aware_datetime_is_refused_the_zone_goes_separately():
    with pytest.raises(InvalidInput):
        wf.parse_local_deadline(datetime(2022, 6, 10, 17, tzinfo=UTC), "Asia/Bangkok")


def test_times_skipped_or_repeated_by_a_clock_change_are_refused():
    with pytest.raises(InvalidInput, match="does not exist"):
        wf.parse_local_deadline("2022-03-13T02:30", "America/New_York")
    with pytest.raises(InvalidInput, match="happens twice"):
        wf.parse_local_deadline("2022-11-06T01:30", "America/New_York")


def test_a_deadline_must_be_in_the_future():
    now = datetime(2022, 6, 10, 10, 0, tzinfo=UTC)
    wf.require_future(now + timedelta(seconds=1), now)
    for moment in (now, now - timedelta(minutes=1)):
        with pytest.raises(InvalidInput, match="not in the future"):
            wf.require_future(moment, now, zone_name="Asia/Bangkok")


def test_deadlines_are_shown_in_their_zone_with_the_offset():
    moment = datetime(2022, 6, 10, 10, 0, tzinfo=UTC)
    assert wf.format_deadline(moment, "Asia/Bangkok") == \
        "10 June 2022, 17:00 Asia/Bangkok (UTC+07:00)"
    assert wf.format_deadline(moment, "America/Santiago") == \
        "10 June 2022, 06:00 America/Santiago (UTC-04:00)"
    assert wf.format_deadline(moment, "Asia/Kolkata").endswith("(UTC+05:30)")


def test_time_remaining():
    now = datetime(2022, 6, 10, 10, 0, tzinfo=UTC)
    assert wf.time_remaining(now + timedelta(days=2, hours=3, minutes=5), now) == "2 days 3 hours"
    assert wf.time_remaining(now + timedelta(days=1), now) == "1 day"
    assert wf.time_remaining(now + timedelta(hours=1, minutes=1), now) == "1 hour 1 minute"
    assert wf.time_remaining(now + timedelta(minutes=45), now) == "45 minutes"
    assert wf.time_remaining(now + timedelta(seconds=1), now) == "less than a minute"
    assert wf.time_remaining(now, now) == ""
    assert wf.time_remaining(now - timedelta(days=1), now) == ""


def test_every_offered_zone_exists_and_hosts_default_to_their_zone():
    for key, _ in wf.COMMON_ZONES:
        wf.zone(key)
    for code, key in wf.ECONOMY_ZONES.items():
        assert wf.default_zone(code) == key
        wf.zone(key)
    assert wf.default_zone(None) == "UTC"


# --- fingerprint -----------------------------------------------------------------------------

SECTIONS = (
    CanonicalSection("Preamble", (("PP1", "Recognising the BCG Economy;"),)),
    CanonicalSection("Goal 1", (("OP1", "We will reduce emissions."),
                                ("OP2", "We encourage cooperation."))),
)


def test_canonical_text_is_the_documented_format():
    assert canonical_text("Bangkok Goals", "2022/SOM3/1", SECTIONS) == (
        "drafting-canonical-text/1\n"
        "title\tBangkok Goals\n"
        "symbol\t2022/SOM3/1\n"
        "section\tPreamble\n"
        "PP1\tRecognising the BCG Economy;\n"
        "section\tGoal 1\n"
        "OP1\tWe will reduce emissions.\n"
        "OP2\tWe encourage cooperation.\n"
    )


def test_fingerprint_is_sha256_of_the_utf8_canonical_text():
    import hashlib

    expected = hashlib.sha256(canonical_text("T", "S", SECTIONS).encode("utf-8")).hexdigest()
    assert fingerprint("T", "S", SECTIONS) == expected
    assert len(expected) == 64 and expected == expected.lower()
    # A known value, so any change to the canonical form is a deliberate one.
    assert fingerprint("T", "S", ()) == hashlib.sha256(
        b"drafting-canonical-text/1\ntitle\tT\nsymbol\tS\n").hexdigest()


def test_invisible_differences_do_not_change_the_fingerprint():
    base = fingerprint("Bangkok Goals", "2022/SOM3/1", SECTIONS)
    decomposed = (CanonicalSection("Preamble", (("PP1", "Recognising the BCG Economy;"),)),
                  CanonicalSection("Goal 1", (("OP1", "We  will reduce\u00a0emissions. "),
                                              ("OP2", "We encourage\ncooperation."))))
    assert fingerprint(" Bangkok  Goals", "2022/SOM3/1 ", decomposed) == base
    composed = fingerprint("Café", "S", ())
    assert fingerprint("Cafe\u0301", "S", ()) == composed  # NFC


@pytest.mark.parametrize("change", [
    lambda s: ("Bangkok Goal", "2022/SOM3/1", s),
    lambda s: ("Bangkok Goals", "2022/SOM3/2", s),
    lambda s: ("Bangkok Goals", "2022/SOM3/1", (s[0], CanonicalSection("Goal 1", (s[1].clauses[1], s[1].clauses[0])))),
    lambda s: ("Bangkok Goals", "2022/SOM3/1", (s[0], CanonicalSection("Goal 2", s[1].clauses))),
    lambda s: ("Bangkok Goals", "2022/SOM3/1", (s[0], CanonicalSection("Goal 1", (("OP1", "We will reduce emissions"), s[1].clauses[1])))),
    lambda s: ("Bangkok Goals", "2022/SOM3/1", (s[0], CanonicalSection("Goal 1", (("OP1bis", "We will reduce emissions."), s[1].clauses[1])))),
    lambda s: ("Bangkok Goals", "2022/SOM3/1", (s[0], CanonicalSection("Goal 1", s[1].clauses[:1]))),
    lambda s: ("Bangkok Goals", "2022/SOM3/1", s[:1]),
], ids=["title", "symbol", "order", "heading", "punctuation", "number", "clause removed",
        "section removed"])
def test_every_visible_change_changes_the_fingerprint(change):
    assert fingerprint(*change(SECTIONS)) != fingerprint("Bangkok Goals", "2022/SOM3/1", SECTIONS)


def test_tabs_and_newlines_in_text_cannot_forge_another_structure():
    one = (CanonicalSection("H", (("OP1", "a\nOP2\tb"),)),)
    two = (CanonicalSection("H", (("OP1", "a"), ("OP2", "b"))),)
    assert fingerprint("T", "S", one) != fingerprint("T", "S", two)


@given(st.text(max_size=40), st.text(max_size=40),
       st.lists(st.tuples(st.text(max_size=10), st.text(max_size=60)), max_size=5))
def test_fingerprint_is_a_pure_function(title, symbol, clauses):
    sections = (CanonicalSection("Heading", tuple(clauses)),)
    first = fingerprint(title, symbol, sections)
    assert first == fingerprint(title, symbol, [CanonicalSection("Heading", list(clauses))])
    assert len(first) == 64


def test_short_form_groups_of_eight():
    assert short_form("a" * 16 + "b" * 8) == "aaaaaaaa aaaaaaaa bbbbbbbb"
