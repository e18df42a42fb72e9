"""Shared steps for the revision tests."""
from drafting.services import decisions, proposals

BASE = "We will reduce emissions by 2030 and promote clean energy."


def amend(world, username, text, clause_index=2):
    return proposals.submit_proposal(world.user(username), world.document, "amend",
                                     clause=world.clauses[clause_index], text=text)


def accept(world, proposal, text=None):
    """Accept as proposed, or with `text` instead (an acceptance with modifications)."""
    clause = proposal.clause
    return decisions.decide_proposal(world.user("secretariat"), proposal,
                                     "accept" if text is None else "modify",
                                     expected_version=clause.version if clause else 0,
                                     expected_text_version=proposal.text_version, text=text)


def insert_after(world, username, text, clause_index=2):
    return proposals.submit_proposal(world.user(username), world.document, "insert",
                                     after_clause=world.clauses[clause_index], text=text)


def delete(world, username, clause_index):
    return proposals.submit_proposal(world.user(username), world.document, "delete",
                                     clause=world.clauses[clause_index])
