"""The confidentiality rule, proven over every readable route rather than by examples.

One negotiation holds an Australian proposal in each state of confidentiality. Each one's
wording, rationale and comments carry marker words of their own. For every viewer (own
economy, another economy, observer, secretariat, admin), every GET route of the URL map (its
arguments filled from the negotiation: a route whose arguments we do not know fails the test,
so a new route is covered or noticed), every known query variant, and every export mode and
format on both the page and the API route, what the viewer receives (DOCX and other zip parts
unpacked, PDF text extracted with pdftotext) never holds a marker the viewer may not see.

The same matrix also checks that the viewer does see what they may (so the test can fail), and
that a URL naming a proposal the viewer may not see answers exactly as one naming no
proposal at all: the existence oracle.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field

from datetime import timedelta

import pytest
from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Clause, Proposal, hidden_order
from drafting.models.types import utcnow
from drafting.services import comments, decisions, drafts, proposals, revisions, visits
from drafting.services.export_files import FORMATS_BY_MODE
from tests.factories import api_token  # noqa: F401  (fixture)

# Routes that are not read with a plain GET: endless event streams (their confidentiality is
# proven by reading them in tests/confidentiality/test_side_channels.py) and static files.
STREAMS = {"live.document_events", "live.notification_events", "api.document_event_stream"}
NOT_DOCUMENT_DATA = {"static"}
# An id no proposal or comment of a test has: new ones are drawn at or above LOWEST_ROW_ID.
ABSENT_ID = hidden_order.LOWEST_ROW_ID - 1

# What each viewer may see of AUS's proposals, by the state the proposal is in.
STATES = ("draft", "uncirculated", "withdrawn_uncirculated", "rejected_uncirculated",
          "circulated", "withdrawn_circulated", "accepted")
PUBLIC_STATES = {"circulated", "withdrawn_circulated", "accepted"}
SEEN_BY = {
    "aus2": set(STATES),  # a second AUS delegate: the own economy sees all of its work
    "nz": PUBLIC_STATES,
    "observer": PUBLIC_STATES,
    "admin": PUBLIC_STATES,
    "secretariat": set(STATES) - {"draft"},
}
# Proposals whose comments exist: drafts cannot be discussed.
COMMENTED = set(STATES) - {"draft"}


def marker(state: str, part: str) -> str:
    """A word that occurs nowhere else: 'zqx' + state letters + part."""
    return "zqx" + re.sub(r"[^a-z]", "", state) + part


@dataclass
class Negotiation:
    document_id: int
    clause_ids: list[int]
    proposal_ids: dict[str, int]
    comment_ids: dict[str, int] = field(default_factory=dict)

    def hidden_from(self, username: str) -> set[str]:
        return set(STATES) - SEEN_BY[username]


def build_negotiation(world) -> Negotiation:
    document = world.document
    secretariat = world.user("secretariat")
    aus = world.user("aus")
    revisions.issue_revision(secretariat, document, note="before the proposals")
    # Every viewer last read the document before any proposal: "since your last visit" then
    # has every proposal, comment and decision to list — exactly those the viewer may see.
    for username in SEEN_BY:
        visits.mark_visited(world.user(username), document,
                            now=utcnow() - timedelta(minutes=5))
    document.circulate_immediately = False
    db.session.flush()
    last = world.clauses[-1]
    made: dict[str, Proposal] = {}
    for state in STATES:
        text = f"We further agree to {marker(state, 'text')} in the region."
        if state == "draft":
            made[state] = drafts.save_draft(aus, document, "insert", after_clause=last, text=text,
                                            rationale=f"Because {marker(state, 'why')}.")
            continue
        made[state] = proposals.submit_proposal(aus, document, "insert", after_clause=last,
                                                text=text,
                                                rationale=f"Because {marker(state, 'why')}.")
    db.session.flush()
    ids = {state: p.id for state, p in made.items()}
    negotiation = Negotiation(document.id, [], ids)
    for state in COMMENTED:
        comment = comments.add_comment(aus, proposal=made[state],
                                       body=f"Our note: {marker(state, 'note')}.")
        negotiation.comment_ids[state] = comment.id
    db.session.flush()
    drafts.circulate_proposals(secretariat, document, [made["circulated"],
                                                       made["withdrawn_circulated"],
                                                       ])
    proposals.withdraw_proposal(aus, made["withdrawn_uncirculated"])
    proposals.withdraw_proposal(aus, made["withdrawn_circulated"])
    decisions.decide_proposal(secretariat, made["rejected_uncirculated"], "reject",
                              expected_version=None, note="Not at this stage.")
    decisions.decide_proposal(secretariat, made["accepted"], "accept", expected_version=None)
    db.session.commit()
    negotiation.clause_ids = list(db.session.execute(
        select(Clause.id).where(Clause.document_id == document.id).order_by(Clause.id)).scalars())
    return negotiation


# --- reading what a viewer receives -----------------------------------------------------------

def readable_text(response) -> str:
    """What a person could read out of a response: zip parts unpacked, PDF text extracted."""
    body = response.get_data()
    if body.startswith(b"PK"):
        parts = []
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for name in archive.namelist():
                xml = archive.read(name).decode("utf-8", "replace")
                parts.append(xml)
                # Text split over runs is joined again: the markup between runs is dropped.
                parts.append(re.sub(r"<[^>]+>", "", xml))
        return "\n".join(parts)
    if body.startswith(b"%PDF"):
        extracted = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True,
                                   check=True, timeout=60).stdout.decode("utf-8", "replace")
        return extracted + "\n" + body.decode("latin-1")
    return body.decode("utf-8", "replace")


def markers_in(text: str) -> set[str]:
    return set(re.findall(r"zqx[a-z]+", text.lower()))


def markers_of(states) -> set[str]:
    return {marker(s, part) for s in states for part in ("text", "why", "note")}


# --- the routes -------------------------------------------------------------------------------

def route_arguments(negotiation: Negotiation, rule) -> list[dict]:
    """Every combination of known values for the rule's arguments."""
    values = {
        "document_id": [negotiation.document_id],
        "clause_id": negotiation.clause_ids,
        "proposal_id": list(negotiation.proposal_ids.values()),
        "comment_id": list(negotiation.comment_ids.values()),
        "number": [1],
        "token": ["forged"],  # an unsubscribe link's signed token (404 when not genuine)
    }
    combos = [{}]
    for name in sorted(rule.arguments):
        if name not in values:
            raise AssertionError(f"{rule.rule} ({rule.endpoint}) takes <{name}>: teach "
                                 "route_arguments what to fill in, so the route is covered.")
        combos = [{**c, name: v} for c in combos for v in values[name]]
    return combos


def query_variants(endpoint: str, negotiation: Negotiation) -> list[str]:
    variants = {
        "documents.show": ["", "view=changes", "rev=1"],
        "revisions.compare": ["", "from=1", "from=1&only=changes"],
        "revisions.negotiating_text": ["", "rev=1"],
        "api.compare": ["", "from=1"],
        "api.negotiating_text": ["", "rev=1"],
        "api.list_proposals": ["", "status=draft", "status=open", "status=withdrawn",
                               "status=rejected", "status=accepted"],
        "api.audit_events": ["", f"document={negotiation.document_id}"],
        "audit.index": ["", f"document={negotiation.document_id}"],
        "consensus.matrix": ["", "filter=open"],
    }
    if endpoint in ("exports.download", "api.export_document"):
        return export_queries()
    if endpoint in ("search.results", "api.search_document"):
        return search_queries()
    return variants.get(endpoint, [""])


def export_queries() -> list[str]:
    points = {"clean": ["", "to=1"], "redline": ["from=1"], "compilation": [""],
              "disposition": ["", "from=1", "from=first"]}
    return [f"mode={mode}&format={fmt}" + (f"&{point}" if point else "")
            for mode, formats in FORMATS_BY_MODE.items() for fmt in formats
            for point in points[mode]]


def search_queries() -> list[str]:
    """Every marker word, alone and as a phrase with the words around it in the proposal, and
    the words all proposals share: a search that leaked would hand the hidden marker back."""
    queries = ["q=region", "q=zqx", "q=%22agree+to%22&limit=100"]
    for state in STATES:
        for part in ("text", "why", "note"):
            queries.append(f"q={marker(state, part)}")
        queries.append(f"q=%22further+agree+to+{marker(state, 'text')}%22")
    return queries


SEARCH_ENDPOINTS = {"search.results", "api.search_document"}


def without_search_echo(response) -> str:
    """A search answer without the query it repeats back (the API's "query", the page's search
    box, title and results heading): what is left is what the search found."""
    if response.is_json:
        body = response.get_json()
        body.pop("query", None)
        return json.dumps(body, ensure_ascii=False)
    html = response.get_data(as_text=True)
    html = re.sub(r"<title>.*?</title>", "", html, flags=re.S)
    html = re.sub(r'(<input[^>]*name="q"[^>]*?) value="[^"]*"', r"\1", html)
    return re.sub(r'<h2 id="results-heading">.*?</h2>', "", html, flags=re.S)


def search_leaks(url: str, response, forbidden: set[str]) -> list[str]:
    """A search for a word the viewer may not see must find nothing at all, not even a count:
    the answer of a word nobody wrote."""
    asked = set(re.findall(r"zqx[a-z]+", url))
    if not asked or not asked <= forbidden or response.status_code != 200:
        return []
    if response.is_json:
        return [] if response.get_json()["results"] == [] else [f"{url}: finds something"]
    html = response.get_data(as_text=True)
    return [] if "Nothing found" in html and "search-hit" not in html else \
        [f"{url}: finds something"]


def readable_urls(app, negotiation: Negotiation):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in STREAMS | NOT_DOCUMENT_DATA:
            continue
        for arguments in route_arguments(negotiation, rule):
            path = rule.rule
            for name, value in arguments.items():
                path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), path)
            for query in query_variants(rule.endpoint, negotiation):
                yield rule, arguments, path + (f"?{query}" if query else "")


def _without_id(body: str, object_id: int) -> str:
    """The answer with the asked-for id (as a message or a URL names it) made neutral, and
    the form token (signed anew for every page) left out."""
    body = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', body)
    return re.sub(rf"(?<=[ #/]){object_id}\b", "<id>", body)


def _difference(expected, got) -> str:
    import difflib
    return "\n".join(difflib.unified_diff(
        f"{expected[0]} {expected[1]}\n{expected[2]}".splitlines(),
        f"{got[0]} {got[1]}\n{got[2]}".splitlines(), "no such id", "hidden id", lineterm=""))


def _login_client(app, username):
    client = app.test_client()
    from tests.factories import login
    login(client, username)
    return client


# --- the matrix -------------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="poppler-utils is installed by scripts/install-system-packages.sh")
@pytest.mark.parametrize("username", sorted(SEEN_BY))
def test_no_route_reveals_what_the_viewer_may_not_see(app, world, api_token, username):
    negotiation = build_negotiation(world)
    forbidden = markers_of(negotiation.hidden_from(username))
    allowed = markers_of(SEEN_BY[username])
    page_client = _login_client(app, username)
    headers = api_token(username)
    seen: set[str] = set()
    failures = []
    for rule, _arguments, url in readable_urls(app, negotiation):
        if url.startswith("/api/"):
            response = page_client.get(url, headers=headers)
        else:
            response = page_client.get(url)
        if response.status_code >= 500:
            failures.append(f"{url}: HTTP {response.status_code}")
            continue
        if rule.endpoint in SEARCH_ENDPOINTS:
            failures += search_leaks(url, response, forbidden)
            found = markers_in(without_search_echo(response))
        else:
            found = markers_in(readable_text(response))
        if found & forbidden:
            failures.append(f"{url}: shows {sorted(found & forbidden)}")
        seen |= found
        if rule.endpoint == "api.since_last_visit":
            failures += since_last_visit_failures(negotiation, username, url, response)
            seen.add("since-last-visit")
    assert not failures, f"{username} receives what it may not see:\n" + "\n".join(failures)
    # The matrix reaches what the viewer may see (else it could not fail): every allowed text
    # and rationale shows somewhere.
    missing = {m for m in allowed if not m.endswith("note")} - seen
    assert not missing, f"{username} never sees {sorted(missing)}: the matrix misses a route"
    assert "since-last-visit" in seen


def since_last_visit_failures(negotiation: Negotiation, username: str, url: str,
                              response) -> list[str]:
    """Markers are words; "since your last visit" answers with ids. Hidden ones must not be
    listed (nor counted), and the visible ones must all be (so the check can fail)."""
    body = response.get_json()
    visible = SEEN_BY[username] - {"draft"}  # a draft is no one's news
    ids = negotiation.proposal_ids
    expected = {
        "proposals": sorted(ids[s] for s in visible),
        "decisions": sorted(ids[s] for s in visible & {"rejected_uncirculated", "accepted"}),
        "comments": sorted(negotiation.comment_ids[s] for s in visible & COMMENTED),
    }
    hidden = {ids[s] for s in negotiation.hidden_from(username)} | {
        negotiation.comment_ids[s] for s in negotiation.hidden_from(username) & COMMENTED}
    failures = []
    for key, wanted in expected.items():
        if sorted(body[key]) != wanted:
            failures.append(f"{url}: {key} {sorted(body[key])}, expected {wanted}")
    leaked = hidden & set(body["proposals"] + body["decisions"] + body["comments"])
    if leaked:
        failures.append(f"{url}: lists hidden ids {sorted(leaked)}")
    return failures


@pytest.mark.parametrize("username", ["nz", "observer", "admin", "secretariat"])
def test_a_hidden_proposal_answers_as_one_that_does_not_exist(app, world, api_token, username):
    negotiation = build_negotiation(world)
    hidden = negotiation.hidden_from(username)
    absent = ABSENT_ID
    client = _login_client(app, username)
    headers = api_token(username)
    proposal_rules = [r for r in app.url_map.iter_rules()
                      if "proposal_id" in r.arguments and r.arguments <= {"proposal_id"}]
    assert proposal_rules
    checked = 0
    for rule in proposal_rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            def answer(proposal_id, rule=rule, method=method):
                path = re.sub(r"<(?:int:)?proposal_id>", str(proposal_id), rule.rule)
                kwargs = {"headers": headers} if path.startswith("/api/") else {}
                if method != "GET":
                    kwargs["json" if path.startswith("/api/") else "data"] = {}
                response = client.open(path, method=method, **kwargs)
                body = _without_id(response.get_data(as_text=True), proposal_id)
                return response.status_code, response.mimetype, body
            expected = answer(absent)
            for state in sorted(hidden):
                got = answer(negotiation.proposal_ids[state])
                assert got == expected, (username, rule.rule, method, state,
                                         _difference(expected, got))
                checked += 1
    assert checked or not hidden
    # The proposal's comments, too: a comment id on a hidden proposal is a comment that
    # does not exist.
    comment_rules = [r for r in app.url_map.iter_rules() if "comment_id" in r.arguments]
    absent_comment = ABSENT_ID
    for rule in comment_rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            def comment_answer(comment_id, rule=rule, method=method):
                path = re.sub(r"<(?:int:)?comment_id>", str(comment_id), rule.rule)
                api = path.startswith("/api/")
                kwargs = {"headers": headers} if api else {}
                if method != "GET":
                    kwargs["json" if api else "data"] = {}
                response = client.open(path, method=method, **kwargs)
                body = _without_id(response.get_data(as_text=True), comment_id)
                return response.status_code, response.mimetype, body
            expected = comment_answer(absent_comment)
            for state in sorted(hidden & COMMENTED):
                got = comment_answer(negotiation.comment_ids[state])
                assert got == expected, (username, rule.rule, method, state,
                                         _difference(expected, got))


def _neutral(response, object_id: int):
    return (response.status_code, response.mimetype,
            _without_id(response.get_data(as_text=True), object_id))


@pytest.mark.parametrize("username", ["nz", "observer"])
def test_ids_in_request_bodies_answer_as_ids_that_do_not_exist(app, world, api_token, username):
    """A comment's parent id, a proposal id in a form or a list: a hidden one is unknown."""
    negotiation = build_negotiation(world)
    client = _login_client(app, username)
    headers = api_token(username)
    clause_id = negotiation.clause_ids[0]
    document_id = negotiation.document_id
    absent_comment = ABSENT_ID
    absent_proposal = ABSENT_ID
    requests = {
        "api reply": lambda cid: client.post(
            f"/api/v1/clauses/{clause_id}/comments", headers=headers,
            json={"body": "A reply.", "parent_id": cid}),
        "page reply": lambda cid: client.post(
            "/comments", data={"clause_id": clause_id, "parent_id": cid, "body": "A reply."}),
    }
    for state in sorted(negotiation.hidden_from(username) & COMMENTED):
        hidden = negotiation.comment_ids[state]
        for name, send in requests.items():
            assert _neutral(send(hidden), hidden) == _neutral(send(absent_comment),
                                                              absent_comment), (name, state)
    proposal_requests = {
        "page comment": lambda pid: client.post(
            "/comments", data={"proposal_id": pid, "body": "A question."}),
        "submit drafts": lambda pid: client.post(
            f"/api/v1/documents/{document_id}/drafts/submit", headers=headers,
            json={"proposal_ids": [pid]}),
    }
    for state in sorted(negotiation.hidden_from(username)):
        hidden = negotiation.proposal_ids[state]
        for name, send in proposal_requests.items():
            assert _neutral(send(hidden), hidden) == _neutral(send(absent_proposal),
                                                              absent_proposal), (name, state)
