"""Writing direction of clause text, and the isolation marks the change renderer emits."""
from dataclasses import dataclass

import pytest

from drafting.domain.bidi import first_strong_direction, is_right_to_left, text_direction
from drafting.domain.render import render_changes, render_overlay

ARABIC = "الاقتصاد الحيوي الدائري الأخضر"
HEBREW = "כלכלה ביולוגית מעגלית ירוקה"


@pytest.mark.parametrize("text, expected", [
    (ARABIC, "rtl"),
    (HEBREW, "rtl"),
    ("Bangkok Goals", "ltr"),
    ("2030 — " + ARABIC + " APEC", "rtl"),  # digits and punctuation are skipped
    ("« 2030 » APEC " + ARABIC, "ltr"),  # the first strong character decides
    ("เศรษฐกิจชีวภาพ", "ltr"),  # Thai is left to right
    ("生物循环绿色经济", "ltr"),
    ("\u2067APEC\u2069 " + ARABIC, "rtl"),  # an isolate (RLI…PDI) is skipped, as dir="auto" does
    ("2030 🌏 …", None),
    ("", None),
])
def test_first_strong_character_decides(text, expected):
    assert first_strong_direction(text) == expected
    assert is_right_to_left(text) is (expected == "rtl")
    assert text_direction(text) == (expected or "ltr")
    assert text_direction(text, default="rtl") == (expected or "rtl")


@dataclass
class Segment:
    op: str
    text: str
    authors: tuple = ()


def test_overlay_labels_are_isolated_left_to_right_inside_an_arabic_clause():
    html = render_overlay([Segment("equal", ARABIC + " "), Segment("insert", "APEC 2030", ("USA",)),
                           Segment("delete", " قديم", ("CHN", "JPN"))],
                          {"USA": "United States"})
    assert html.count('dir="ltr"') == 2
    assert '<sup class="attr econ-usa" dir="ltr" tabindex="0" data-card="United States">USA</sup>' \
        in html
    assert '<sup class="attr econ-chn" dir="ltr" tabindex="0" data-card="CHN; JPN">CHN, JPN</sup>' \
        in html
    # The changes themselves carry no dir attribute: dir="auto" on the clause container would
    # skip them, and a clause that is one whole insertion would read left to right.
    assert '<ins class="chg econ-usa" title="Inserted by United States" data-economy="USA">' in html
    assert "<del " in html and "dir" not in html.split("<del ")[1].split(">")[0]


def test_single_proposal_changes_keep_the_container_direction():
    html = render_changes([Segment("insert", ARABIC)], author="EGY")
    assert html.startswith("<ins ") and "dir=" not in html
    assert ARABIC in html


@pytest.mark.parametrize("stylesheet", ["static/app.css", "static/screen.css"])
def test_stylesheets_isolate_every_change_and_label(stylesheet):
    from pathlib import Path
    css = (Path(__file__).resolve().parents[2] / stylesheet).read_text()
    rules = [line for line in css.splitlines() if "unicode-bidi: isolate" in line]
    assert rules, f"{stylesheet} isolates nothing"
    selectors = rules[0].split("{")[0]
    for selector in ("ins.chg", "del.chg", "sup.attr"):
        assert selector in selectors
