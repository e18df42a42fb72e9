"""Numbering, text rules, the audit chain, and the purity of the domain package."""
import ast
from pathlib import Path

import pytest

from drafting.domain.audit_chain import GENESIS_HASH, event_hash, verify_chain
from drafting.domain.errors import InvalidInput
from drafting.domain.numbering import NumberingInput, number_clauses
from drafting.domain.states import SectionKind
from drafting.domain.text_rules import clause_text

PP, OP = SectionKind.PREAMBLE, SectionKind.OPERATIVE


def test_numbering_counts_preamble_and_operative_separately_and_skips_removed():
    numbers = number_clauses([NumberingInput(1, PP), NumberingInput(2, PP, removed=True),
                              NumberingInput(3, PP), NumberingInput(4, OP),
                              NumberingInput(5, OP)])
    assert numbers == {1: "PP1", 3: "PP2", 4: "OP1", 5: "OP2"}


@pytest.mark.parametrize("raw, clean", [
    ("  two\r\nlines  ", "two lines"),
    ("cafe\u0301", "café"),
    ("中文 条款", "中文 条款"),
    ("emoji 🌏 and RTL \u200f mark", "emoji 🌏 and RTL \u200f mark"),
])
def test_clause_text_normalises(raw, clean):
    assert clause_text(raw) == clean


@pytest.mark.parametrize("raw", ["", "  ", "a\x00b", "a\x07b", 12, None, "x" * 5001])
def test_clause_text_refuses(raw):
    with pytest.raises(InvalidInput):
        clause_text(raw)


def _chain(n):
    events, prev = [], GENESIS_HASH
    for i in range(1, n + 1):
        fields = {"kind": "k", "data": str(i)}
        h = event_hash(fields, prev)
        events.append((i, fields, prev, h))
        prev = h
    return events


def test_chain_verifies_and_detects_alteration_and_removal():
    events = _chain(5)
    assert verify_chain(events) is None
    altered = list(events)
    altered[2] = (3, {"kind": "k", "data": "changed"}, events[2][2], events[2][3])
    assert verify_chain(altered).event_id == 3
    removed = events[:1] + events[2:]
    assert verify_chain(removed).event_id == 3


def test_domain_imports_neither_flask_nor_sqlalchemy():
    domain = Path(__file__).resolve().parents[2] / "drafting" / "domain"
    for path in domain.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root not in {"flask", "sqlalchemy", "flask_sqlalchemy", "flask_login"}, \
                    f"{path.name} imports {name}"
