"""The pure input rules (drafting/domain/input_rules.py): characters, ids, JSON shape."""
from __future__ import annotations

import json

import pytest

from drafting.domain import input_rules, text_rules
from drafting.domain.errors import InvalidInput


@pytest.mark.parametrize("text", ["a\x00b", "\x07", "\x1b[31m", "\x7f", "\x85", "\x9f",
                                  "ok \ud800", "\udfff tail"])
def test_control_characters_and_lone_surrogates_are_forbidden(text):
    assert input_rules.forbidden_character(text) is not None
    with pytest.raises(InvalidInput) as refused:
        text_rules.clean_text(text, field="rationale", max_chars=100)
    assert refused.value.details == {"field": "rationale"}


@pytest.mark.parametrize("text", ["plain", "tab\there", "line\nbreak", "crlf\r\n",
                                  "Café 東京 🌏", "\u200b zero width", "\ufeff"])
def test_ordinary_text_is_allowed(text):
    assert input_rules.forbidden_character(text) is None


@pytest.mark.parametrize("text,expected", [("12", 12), (" 7 ", 7), ("１２", None), ("²", None),
                                           ("٣", None), ("-1", None), ("1.0", None), ("", None),
                                           ("9" * 19, 10**19 - 1), ("9" * 1_001, None), ("0", 0)])
def test_only_ascii_digits_are_ids(text, expected):
    assert input_rules.ascii_id(text) == expected


def test_whole_number_takes_ints_and_ascii_strings_only():
    assert input_rules.whole_number(5) == 5
    assert input_rules.whole_number(True) is None
    assert input_rules.whole_number("５") is None
    assert input_rules.whole_number(5.0) is None


@pytest.mark.parametrize("depth", [1, 2, 31, 32])
def test_nesting_up_to_the_limit_passes(depth):
    value: object = "leaf"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    assert input_rules.json_structure_problem(json.dumps(value).encode()) is None


@pytest.mark.parametrize("raw", [b"[" * 33 + b"]" * 33, b"[" * 100_000,
                                 b'{"a":' * 40 + b"1" + b"}" * 40,
                                 b"[1,[2,{\"x\":" * 20 + b"0" + b"}]]" * 20,
                                 b"[" + b"[]," * 5 + b"[" * 40 + b"]" * 40 + b"]"])
def test_nesting_beyond_the_limit_is_found(raw):
    assert input_rules.json_structure_problem(raw) == "depth"


def test_brackets_and_commas_inside_strings_do_not_count():
    text = json.dumps({"text": "[" * 500 + "," * 20_000 + '\\" [[[ "' + "{" * 100})
    assert input_rules.json_structure_problem(text.encode()) is None


def test_too_many_values_are_found_before_parsing():
    raw = b"[" + b"1," * input_rules.MAX_JSON_ITEMS + b"1]"
    assert input_rules.json_structure_problem(raw) == "items"
    assert input_rules.json_structure_problem(b"[" + b"1," * 100 + b"1]") is None


def test_paths_of_strings_and_lists():
    data = {"a": ["x", {"b": "y"}], "c": "z"}
    assert sorted(input_rules.strings_in(data)) == sorted([
        ("a", "a"), ("a[0]", "x"), ("a[1].b", "b"), ("a[1].b", "y"), ("c", "c"), ("c", "z")])
    assert [path for path, _ in input_rules.lists_in(data)] == ["a"]
