"""Fetching aggregates by id, with NotFound for unknown ids (for views, API and CLI alike)."""
from __future__ import annotations

from drafting.domain.errors import NotFound
from drafting.domain.input_rules import whole_number
from drafting.extensions import db
from drafting.models import Clause, Comment, Document, Proposal, Section


# Ids are 32-bit integers in the database; a larger one cannot exist (and would overflow).
MAX_ID = 2**31 - 1


def checked_id(object_id, label: str) -> int:
    """`object_id` as an id that may exist; NotFound when it cannot be one."""
    key = whole_number(object_id)
    if key is None:  # not a number, or not written in ASCII digits ("１２" is not 12)
        raise NotFound(f"No {label} with id {object_id!r}.")
    if not 0 < key <= MAX_ID:
        raise NotFound(f"No {label} with id {key}.")
    return key


def _get(model, object_id, label: str):
    key = checked_id(object_id, label)
    obj = db.session.get(model, key)
    if obj is None:
        raise NotFound(f"No {label} with id {key}.")
    return obj


def get_document(document_id) -> Document:
    return _get(Document, document_id, "document")


def get_clause(clause_id) -> Clause:
    return _get(Clause, clause_id, "clause")


def get_section(section_id) -> Section:
    return _get(Section, section_id, "section")


def get_proposal(proposal_id) -> Proposal:
    return _get(Proposal, proposal_id, "proposal")


def get_comment(comment_id) -> Comment:
    return _get(Comment, comment_id, "comment")
