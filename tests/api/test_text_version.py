"""A proposal's text_version, and decisions that name the one they were taken on.

The merge desk must never apply wording nobody read: text_version goes up whenever what a
decision would apply changes (rebase onto a newer clause version, a revision by its economy, a
conflict, a secretariat edit under it), and a decision sending an older expected_text_version
is refused with 409 proposal_changed, the wording now on offer in its details.
"""
from __future__ import annotations

import pytest

from tests.api.test_api import (BASE3, BEFORE_2030, BY_2035, RENEWABLE, api, auth, ids,
                                new_side, old_side, refused)

_ = (api, auth, ids)  # fixtures of test_api.py, shared here

SHALL = "We shall reduce emissions by 2030 and promote clean energy."
SHALL_RENEWABLE = "We shall reduce emissions by 2030 and promote renewable energy."
BY_2035_RENEWABLE = "We will reduce emissions by 2035 and promote renewable energy."


def text_version(api, proposal: dict) -> int:
    return api.get(f"/proposals/{proposal['id']}")["text_version"]


def test_a_new_proposal_starts_at_1(api):
    assert api.amend(2, BY_2035)["text_version"] == 1
    assert api.delete(1)["text_version"] == 1
    assert api.insert(2, "We will phase down coal power.")["text_version"] == 1


def test_a_rebase_bumps_it_and_unrelated_decisions_do_not(api):
    accepted = api.amend(2, BY_2035)
    rebased = api.amend(2, RENEWABLE, user="nz")
    deletion = api.delete(2, user="jpn")
    elsewhere = api.amend(3, "We encourage economies to cooperate on marine debris.", user="nz")
    api.decide(accepted["id"], "accept", 1)
    body = api.get(f"/proposals/{rebased['id']}")
    assert (body["text"], body["base_version"], body["text_version"]) == \
        (BY_2035_RENEWABLE, 2, 2)
    # A deletion keeps its (empty) text but now deletes version 2: a different decision.
    assert text_version(api, deletion) == 2
    # Deciding a proposal does not change its own wording, nor that of another clause's.
    assert text_version(api, accepted) == 1
    assert text_version(api, elsewhere) == 1


def test_a_conflict_bumps_it_once_and_the_revision_that_resolves_it_again(api):
    accepted = api.amend(2, BY_2035)
    other = api.amend(2, BEFORE_2030, user="nz")
    api.decide(accepted["id"], "accept", 1)
    body = api.get(f"/proposals/{other['id']}")
    assert (body["in_conflict"], body["text"], body["text_version"]) == (True, BEFORE_2030, 2)
    revised = api.post(f"/proposals/{other['id']}/revise",
                       {"text": "We will reduce emissions before 2035 and promote clean energy."},
                       user="nz")
    assert (revised["in_conflict"], revised["base_version"], revised["text_version"]) == \
        (False, 2, 3)


def test_a_revision_bumps_it_and_a_new_rationale_alone_does_not(api):
    proposal = api.amend(2, BY_2035)
    revised = api.post(f"/proposals/{proposal['id']}/revise", {"text": RENEWABLE})
    assert (revised["text"], revised["text_version"]) == (RENEWABLE, 2)
    same_words = api.post(f"/proposals/{proposal['id']}/revise",
                          {"text": RENEWABLE, "rationale": "Clearer."})
    assert (same_words["rationale"], same_words["text_version"]) == ("Clearer.", 2)


def test_a_secretariat_edit_under_it_bumps_it_and_one_elsewhere_does_not(api, ids):
    proposal = api.amend(2, RENEWABLE)
    api.post(f"/clauses/{ids['clauses'][3]}/text",
             {"text": "We encourage economies to cooperate on marine debris.",
              "expected_version": 1}, user="secretariat")
    assert text_version(api, proposal) == 1
    api.post(f"/clauses/{ids['clauses'][2]}/text", {"text": SHALL, "expected_version": 1},
             user="secretariat")
    body = api.get(f"/proposals/{proposal['id']}")
    assert (body["text"], body["base_version"], body["text_version"]) == (SHALL_RENEWABLE, 2, 2)


@pytest.mark.parametrize("decision,extra", [("accept", {}), ("reject", {"note": "No."})])
def test_a_decision_on_older_wording_is_409_with_the_current_redline(client, api, auth,
                                                                     decision, extra):
    accepted = api.amend(2, BY_2035)
    rebased = api.amend(2, RENEWABLE, user="nz")
    api.decide(accepted["id"], "accept", 1)
    error = refused(client, "POST", f"/proposals/{rebased['id']}/decision",
                    headers=auth("secretariat"), status=409, code="proposal_changed",
                    json={"decision": decision, "expected_version": 2,
                          "expected_text_version": 1, **extra})
    details = error["details"]
    assert (details["text_version"], details["text"], details["in_conflict"]) == \
        (2, BY_2035_RENEWABLE, False)
    assert all(set(s) == {"op", "text"} for s in details["redline"])
    assert (old_side(details["redline"]), new_side(details["redline"])) == \
        (BY_2035, BY_2035_RENEWABLE)
    assert {"op": "insert", "text": "renewable"} in details["redline"]
    # Deciding again on the wording now shown goes through.
    body = api.decide(rebased["id"], decision, 2, expected_text_version=2, **extra)
    assert body["status"] == ("accepted" if decision == "accept" else "rejected")


def test_a_conflict_since_the_desk_was_read_is_proposal_changed(client, api, auth):
    accepted = api.amend(2, BY_2035)
    other = api.amend(2, BEFORE_2030, user="nz")
    api.decide(accepted["id"], "accept", 1)
    error = refused(client, "POST", f"/proposals/{other['id']}/decision",
                    headers=auth("secretariat"), status=409, code="proposal_changed",
                    json={"decision": "reject", "expected_version": 2,
                          "expected_text_version": 1, "note": "No."})
    assert (error["details"]["text_version"], error["details"]["in_conflict"]) == (2, True)
    # In conflict, the redline still shows the change it asked for on its own base.
    assert new_side(error["details"]["redline"]) == BEFORE_2030
    assert old_side(error["details"]["redline"]) == BASE3


def test_the_current_text_version_or_none_decides_as_before(api):
    first = api.amend(2, BY_2035)
    assert api.decide(first["id"], "accept", 1, expected_text_version=1)["status"] == "accepted"
    rebased = api.amend(2, RENEWABLE, user="nz")  # written on version 2
    assert text_version(api, rebased) == 1
    api.post(f"/clauses/{api.clause(2)['id']}/text",
             {"text": "We shall reduce emissions by 2035 and promote clean energy.",
              "expected_version": 2}, user="secretariat")
    assert text_version(api, rebased) == 2
    # Without expected_text_version nothing is checked, as before the field existed.
    assert api.decide(rebased["id"], "reject", 3, note="No.")["status"] == "rejected"


@pytest.mark.parametrize("bad", ["1", 1.5, True, [1]])
def test_expected_text_version_must_be_an_integer(client, api, auth, bad):
    proposal = api.amend(2, BY_2035)
    error = refused(client, "POST", f"/proposals/{proposal['id']}/decision",
                    headers=auth("secretariat"), status=422, code="invalid_input",
                    json={"decision": "accept", "expected_version": 1,
                          "expected_text_version": bad})
    assert error["details"] == {"field": "expected_text_version"}


# --- "modify": accepting with modifications is its own decision ------------------------------

def test_modify_applies_the_secretariats_wording_on_the_wording_named(client, api, auth):
    proposal = api.amend(2, BY_2035)
    final = "We will reduce emissions by 2035 and promote renewable energy."
    error = refused(client, "POST", f"/proposals/{proposal['id']}/decision",
                    headers=auth("secretariat"), status=422, code="invalid_input",
                    json={"decision": "modify", "expected_version": 1, "text": final})
    assert error["details"] == {"field": "expected_text_version"}
    refused(client, "POST", f"/proposals/{proposal['id']}/decision",
            headers=auth("secretariat"), status=422, code="no_modification",
            json={"decision": "modify", "expected_version": 1, "expected_text_version": 1,
                  "text": BY_2035})
    refused(client, "POST", f"/proposals/{proposal['id']}/decision",
            headers=auth("secretariat"), status=409, code="proposal_changed",
            json={"decision": "modify", "expected_version": 1, "expected_text_version": 2,
                  "text": final})
    body = api.decide(proposal["id"], "modify", 1, expected_text_version=1, text=final)
    assert (body["status"], body["decided_text"], body["text"]) == \
        ("accepted_modified", final, BY_2035)


def test_the_older_accept_with_text_is_still_a_modification(api):
    """Clients written before "modify" existed send "accept" with the wording: still honoured
    as an acceptance with modifications (docs/api.md), checked on the wording they name."""
    proposal = api.amend(2, BY_2035)
    final = "We will reduce emissions by 2035 and promote renewable energy."
    body = api.decide(proposal["id"], "accept", 1, text=final)
    assert (body["status"], body["decided_text"]) == ("accepted_modified", final)
