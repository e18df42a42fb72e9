"""The OpenAPI 3.1 description of the JSON API under /api/v1, built from one table.

OPERATIONS below is THE statement of the API's contract: one entry per (method, path), naming
the Flask endpoint that serves it, its query parameters, its request body and every status it
answers with its JSON schema. `build_spec()` turns it into the document served at
GET /api/v1/openapi.json.

It cannot drift from the code unnoticed:
- tests/api/test_openapi.py compares OPERATIONS with the /api/v1 rules of the URL map both
  ways (a route without an entry here, an entry without a route, a different endpoint);
- path parameters are derived from the path (every one is an `<int:…>` in Flask);
- enums (stages, statuses, stances …) are read from drafting.domain.states;
- response schemas forbid undeclared fields, and tests/api/test_schemathesis.py plus the
  scripted walk in test_openapi.py check real answers against them.

A new /api/v1 route needs its entry in OPERATIONS (and its schemas in SCHEMAS) before CI passes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from flask import jsonify

from drafting.domain.consensus import Verdict
from drafting.domain.notification_kinds import KINDS, Delivery
from drafting.domain.states import (ClauseStatus, ProposalAction, ProposalStatus, SectionKind,
                                    SilenceStatus, Stage, Stance)
from drafting.web.api import MAX_ID, bp
from drafting.web.rate_limits import WRITE_METHODS

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0"
BASE_PATH = "/api/v1"

# --- small schema builders -------------------------------------------------------------------

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
ID = {"type": "integer", "minimum": 1}
# Moments are ISO 8601 with their UTC offset (tz-aware columns, or the deadline's own zone).
MOMENT = {"type": "string", "format": "date-time"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def enum_of(values: type[Enum] | tuple[str, ...], *extra: str) -> dict:
    names = [m.value for m in values] if isinstance(values, type) else list(values)
    return {"type": "string", "enum": names + list(extra)}


def obj(properties: dict, *, optional: tuple[str, ...] = (), strict: bool = True) -> dict:
    """An object with exactly these fields (all present unless `optional`); answers are strict,
    so a field added to an answer without being described here fails the contract tests."""
    schema = {"type": "object", "properties": properties,
              "required": [k for k in properties if k not in optional]}
    if strict:
        schema["additionalProperties"] = False
    return schema


def body(properties: dict, *, required: tuple[str, ...] = ()) -> dict:
    """A request body: the app ignores fields it does not know, so extra ones are allowed."""
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


COUNTS = {"type": "object", "additionalProperties": INTEGER}
VERDICT = {**enum_of(Verdict), "description": "consensus; blocked (a reservation or objection); "
           "not_canvassed (some economy has no position); to_review (positions on an older "
           "version) — docs/consensus.md."}


def enum_of_bool(value: bool) -> dict:
    return {"type": "boolean", "const": value}

# --- the answers' shapes, named once and reused -------------------------------------------------

_PROPOSAL_FIELDS = {
    "id": ID,
    "document_id": ID,
    "number": {**nullable(INTEGER), "description": "What people call it (#12): 1, 2, 3 … in "
               "its document, in the order proposals became visible to every economy "
               "(circulated, or entered into the text). Null before then."},
    "name": {**STRING, "description": "How pages name it: \"proposal #12\", or before it has "
             "a number \"AUS draft of 7 Dec 14:05 UTC\" / \"AUS proposal of 7 Dec 14:05 UTC "
             "(not yet circulated)\"."},
    "action": enum_of(ProposalAction),
    "status": enum_of(ProposalStatus),
    "economy": STRING,
    "cosponsors": array(STRING),
    "clause_id": nullable(ID),
    "after_clause_id": nullable(ID),
    "section_id": nullable(ID),
    "base_version": nullable(INTEGER),
    "text": STRING,
    "rationale": STRING,
    "in_conflict": BOOLEAN,
    "text_version": {**INTEGER, "minimum": 1,
                     "description": "Goes up whenever the wording a decision would apply "
                                    "changes (rebase, revision, conflict, a secretariat edit "
                                    "under it); send it back as expected_text_version."},
    "created_at": MOMENT,
    "submitted_at": nullable(MOMENT),
    "circulated_at": nullable(MOMENT),
    "decided_at": nullable(MOMENT),
    "decision_note": nullable(STRING),
    "decided_text": nullable(STRING),
    "result_version": nullable(INTEGER),
    "updates": array(ref("ProposalUpdate")),
}

_REVISION_FIELDS = {
    "number": INTEGER,
    "label": STRING,
    "note": STRING,
    "created_at": MOMENT,
    "created_by": nullable(STRING),
    "bracket_count": INTEGER,
    "option_count": INTEGER,
    "renumbered": BOOLEAN,
}

_PLANNED_FIELDS = {
    "action": enum_of(ProposalAction),
    "clause_id": nullable(ID),
    "after_clause_id": nullable(ID),
    "number": STRING,
    "base_version": nullable(INTEGER),
    "base_text": STRING,
    "text": STRING,
    "rationale": STRING,
    "paragraph": INTEGER,
    "notes": array(STRING),
    "section_id": nullable(ID),
    "section": STRING,
    "label": STRING,
    "diff": array(ref("DiffSegment")),
    "problem": nullable(STRING),
}

_DRAFT_SECTION = obj({
    "heading": STRING, "kind": enum_of(SectionKind), "kind_reason": STRING,
    "clauses": array(obj({"number": nullable(STRING), "text": STRING})),
})

SCHEMAS: dict[str, dict] = {
    "Error": obj({"error": obj({
        "code": {"type": "string", "minLength": 1,
                 "description": "Stable machine-readable reason, e.g. stale_version."},
        "message": {"type": "string", "minLength": 1, "description": "For people."},
        "details": {"type": "object", "description": "e.g. {\"field\": \"text\"}"},
    }, optional=("details",))}),
    "DiffSegment": obj({"op": enum_of(("equal", "insert", "delete")), "text": STRING}),
    "ProposalUpdate": obj({
        "kind": STRING, "from_version": nullable(INTEGER), "to_version": nullable(INTEGER),
        "caused_by_proposal_id": nullable(ID), "at": MOMENT,
    }),
    "ProposalSummary": obj(_PROPOSAL_FIELDS),
    "Proposal": obj({**_PROPOSAL_FIELDS, "diff": array(ref("DiffSegment"))}),
    "ProposalWithOptions": obj({**_PROPOSAL_FIELDS, "diff": array(ref("DiffSegment")),
                                "options": array(ref("Option"))}),
    "ProposalList": obj({"proposals": array(ref("Proposal"))}),
    "ProposalSummaryList": obj({"proposals": array(ref("ProposalSummary"))}),
    "Comment": obj({
        "id": ID, "clause_id": nullable(ID), "proposal_id": nullable(ID),
        "parent_id": nullable(ID), "author": STRING, "economy": nullable(STRING),
        "body": STRING, "body_html": STRING, "created_at": MOMENT, "resolved": BOOLEAN,
    }),
    "DocumentList": obj({"documents": array(obj({
        "id": ID, "title": STRING, "symbol": STRING, "stage": enum_of(Stage)}))}),
    "Document": obj({
        "id": ID, "title": STRING, "symbol": STRING, "stage": enum_of(Stage),
        "classification": STRING,
        "kind": {**enum_of(("statement", "chair_statement")),
                 "description": "\"chair_statement\": the Chair's own text, made of "
                                "paragraphs moved from its statement (parent_document_id)."},
        "parent_document_id": {**nullable(ID), "description": "A Chair's statement: the "
                               "statement its paragraphs came from."},
        "open_for_comment": {**BOOLEAN, "description": "A Chair's statement: whether the "
                             "secretariat opened it to economies' proposals (POST "
                             "/documents/<id>/open-for-comment); without it proposals on it are "
                             "refused (409 chair_text). Always false for a statement."},
        "sections": array(obj({"id": ID, "heading": STRING, "kind": enum_of(SectionKind),
                               "clause_ids": array(ID)})),
        "clauses": array(obj({
            "id": ID, "number": STRING, "text": STRING, "status": enum_of(ClauseStatus),
            "version": INTEGER, "section_id": ID, "open_proposals": INTEGER,
            "comments": INTEGER,
            "formerly": {**nullable(STRING), "description": "A Chair's statement paragraph: "
                         "its number in the statement it was moved from (\"OP3\")."}})),
    }),
    "Clause": obj({
        "id": ID, "document_id": ID, "number": nullable(STRING), "text": STRING,
        "status": enum_of(ClauseStatus), "version": INTEGER, "removed": BOOLEAN,
        "versions": array(obj({
            "number": INTEGER, "text": STRING, "removed": BOOLEAN, "created_at": MOMENT,
            "created_by": nullable(STRING), "proposal_id": nullable(ID)})),
    }),
    "CommentList": obj({"comments": array(ref("Comment"))}),
    "SearchHit": obj({
        "kind": enum_of(("clause", "proposal", "comment")),
        "id": {**ID, "description": "The clause's, proposal's or comment's id."},
        "clause_id": nullable(ID), "number": nullable(STRING),
        "snippet": {**STRING, "description": "Plain text (never HTML) around the first match."},
        "highlights": {**array({**array({"type": "integer", "minimum": 0}),
                                "minItems": 2, "maxItems": 2}),
                       "description": "[start, end) of each match in `snippet`, counted in "
                                      "Unicode code points."},
        "field": enum_of(("text", "rationale", "body")), "url": STRING,
        "version": INTEGER, "current": BOOLEAN, "revisions": array(INTEGER),
        "revision": {**STRING, "description": "`current`, or the latest revision holding "
                                              "this text (`Rev.2`)."},
        "action": enum_of(ProposalAction), "status": enum_of(ProposalStatus),
        "economy": nullable(STRING), "proposal_id": nullable(ID),
    }, optional=("version", "current", "revisions", "revision", "action", "status", "economy",
                 "proposal_id")),
    "SearchResults": obj({"query": STRING, "limit": INTEGER, "truncated": BOOLEAN,
                          "results": array(ref("SearchHit"))}),
    "Revision": obj(_REVISION_FIELDS),
    "RevisionList": obj({"revisions": array(ref("Revision"))}),
    "RevisionCreated": obj({**_REVISION_FIELDS, "clauses": INTEGER}),
    "RevisionText": obj({**_REVISION_FIELDS, "clauses": array(obj({
        "id": ID, "number": STRING, "text": STRING, "version": INTEGER, "section_id": ID}))}),
    "Comparison": obj({
        "from": {"anyOf": [INTEGER, enum_of(("current",))]},
        "to": {"anyOf": [INTEGER, enum_of(("current",))]},
        "from_label": STRING, "to_label": STRING,
        "summary": obj({
            "changed": INTEGER, "added": INTEGER, "deleted": INTEGER, "unchanged": INTEGER,
            "renumbered": INTEGER, "proposals_accepted": INTEGER, "proposal_ids": array(ID),
            "proposal_numbers": {**array(nullable(INTEGER)), "description":
                                 "the number each of proposal_ids is known by (#12), in order"},
            "secretariat_edits": INTEGER,
            "by_economy": {**COUNTS, "description": "economy code (or \"Secretariat\") → "
                                                    "changes"},
        }),
        "clauses": array(obj({
            "clause_id": ID, "number": nullable(STRING), "from_number": nullable(STRING),
            "to_number": nullable(STRING),
            "change": enum_of(("changed", "added", "deleted", "unchanged")),
            "from_version": nullable(INTEGER), "to_version": nullable(INTEGER),
            "segments": array(obj({"op": enum_of(("equal", "insert", "delete")),
                                   "text": STRING, "authors": array(STRING),
                                   "proposal_id": nullable(ID)})),
            "steps": array(obj({"version": INTEGER, "authors": array(STRING),
                                "proposal_id": nullable(ID),
                                "proposal_number": nullable(INTEGER),
                                "proposal_status": nullable(STRING), "at": nullable(MOMENT),
                                "note": nullable(STRING), "removed": BOOLEAN})),
        })),
    }),
    "NegotiatingText": obj({
        "document_id": ID, "revision": nullable(INTEGER), "label": STRING,
        "totals": obj({k: INTEGER for k in ("clauses", "bracketed_clauses", "brackets",
                                            "options", "clauses_with_options",
                                            "proposed_insertions")}),
        "progression": array(obj({"number": nullable(INTEGER), "label": STRING,
                                  "brackets": INTEGER, "options": INTEGER})),
        "clauses": array(obj({
            "clause_id": ID, "number": STRING, "status": enum_of(ClauseStatus),
            "status_label": STRING, "bracketed": BOOLEAN, "bracket_count": INTEGER,
            "option_count": INTEGER, "text": STRING, "lines": array(STRING),
            "proposed_insertions": array(STRING), "proposed_insertions_before": array(STRING),
            "economies": array(STRING)})),
    }),
    "ClauseTextEdit": obj({
        "clause_id": ID, "number": nullable(STRING), "version": INTEGER, "text": STRING,
        "note": nullable(STRING), "created_by": STRING, "attributed_to": STRING,
        "open_proposals": array(obj({"id": ID, "status": enum_of(ProposalStatus),
                                     "in_conflict": BOOLEAN,
                                     "base_version": nullable(INTEGER)})),
    }),
    "Position": obj({"clause_id": ID, "economy": STRING, "stance": enum_of(Stance),
                     "text": STRING, "updated_at": MOMENT,
                     "on_version": {**ID, "description": "The clause version the position "
                                                         "was given on."},
                     "stale": {**BOOLEAN, "description": "The clause has a newer version: "
                               "the position is to review and counts as no agreement."}}),
    "ClearedPosition": obj({"clause_id": ID, "economy": STRING, "stance": {"type": "null"},
                            "text": enum_of(("",)), "updated_at": {"type": "null"},
                            "on_version": {"type": "null"}, "stale": enum_of_bool(False)}),
    "ClausePositions": obj({
        "clause_id": ID, "number": nullable(STRING), "positions": array(ref("Position")),
        "consensus": BOOLEAN,
        "counts": {**COUNTS, "description": "stance (and \"none\") → economies"},
        "without_position": array(STRING), "blocking": array(STRING),
        "stale": {**array(STRING), "description": "Economies whose position is on an older "
                                                  "version."},
        "verdict": VERDICT,
        "status": enum_of(ClauseStatus), "excepted": array(STRING), "version": INTEGER,
    }),
    "ConsensusMatrix": obj({
        "document_id": ID, "economies": array(STRING), "live_clauses": INTEGER,
        "without_consensus": INTEGER,
        "clauses": array(obj({
            "id": ID, "number": STRING, "status": enum_of(ClauseStatus),
            "excepted": array(STRING), "consensus": BOOLEAN, "counts": COUNTS,
            "verdict": VERDICT, "stale": array(STRING), "version": INTEGER,
            "positions": {"type": "object",
                          "additionalProperties": nullable(enum_of(Stance))}})),
    }),
    "SinceLastVisit": obj({
        "document_id": ID,
        "since": {**nullable(MOMENT), "description": "The caller's last acknowledged point; "
                  "null when they never acknowledged the document (a first visit: nothing is "
                  "listed)."},
        "first_visit": BOOLEAN,
        "clauses": array(obj({"id": ID, "number": nullable(STRING),
                              "change": enum_of(("inserted", "amended", "deleted",
                                                 "status_changed")),
                              "version": INTEGER})),
        "proposals": {**array(ID), "description": "Proposals the caller could first see "
                      "since then (their own left out)."},
        "comments": array(ID),
        "decisions": {**array(ID), "description": "Proposals decided since then."},
        "decisions_on_yours": {**array(ID), "description": "Of `decisions`, those of the "
                               "caller's economy (sponsored or co-sponsored)."},
    }),
    "VisitPoint": obj({"document_id": ID, "since": MOMENT}),
    "ClauseStatusChange": obj({
        "clause_id": ID, "status": enum_of(ClauseStatus), "excepted": array(STRING),
        "version": INTEGER, "from_status": STRING, "reason": STRING,
        "override_reason": nullable(STRING), "changed_at": MOMENT,
    }),
    "Option": obj({"number": INTEGER, "text": STRING, "sponsors": array(STRING),
                   "proposal_id": nullable(ID), "in_conflict": BOOLEAN}),
    "ClauseOptions": obj({"clause_id": ID, "version": INTEGER, "options": array(ref("Option")),
                          "text": STRING}),
    "OptionChosen": obj({
        "clause_id": ID, "version": INTEGER, "text": STRING,
        "chosen": obj({"number": INTEGER, "proposal_id": nullable(ID),
                       "sponsors": array(STRING)}),
        "rejected_proposal_ids": array(ID),
    }),
    "ChairStatement": obj({
        "id": ID, "title": STRING, "symbol": STRING, "kind": STRING, "stage": enum_of(Stage),
        "parent_document_id": nullable(ID), "created": BOOLEAN,
        "moved": array(obj({"from_clause_id": ID, "from_number": nullable(STRING),
                            "clause_id": ID, "number": nullable(STRING)})),
    }),
    "ChairReturn": obj({
        "returned": array(ID), "document_id": ID,
        "clauses": array(obj({"clause_id": ID, "number": STRING, "from_clause_id": ID,
                              "from_number": STRING})),
    }),
    "ChairComment": obj({"id": ID, "open_for_comment": BOOLEAN, "changed": BOOLEAN}),
    "StageInfo": obj({
        "document_id": ID, "stage": enum_of(Stage), "stage_label": STRING,
        "allowed_transitions": array(obj({"to": enum_of(Stage), "label": STRING,
                                          "via": STRING, "reason_required": BOOLEAN})),
        "history": array(obj({"from": STRING, "to": STRING, "note": STRING, "by": STRING,
                              "at": MOMENT})),
        "fingerprint": nullable(STRING),
        "fingerprint_algorithm": nullable(enum_of(("sha256",))),
        "frozen_at": nullable(MOMENT),
    }),
    "Round": obj({
        "id": ID, "document_id": ID, "deadline": MOMENT, "deadline_utc": MOMENT,
        "timezone": STRING, "note": STRING, "opened_at": MOMENT,
        "opened_by": nullable(STRING), "revision_id": nullable(ID),
    }),
    "RoundList": obj({"rounds": array(ref("Round")),
                      "accepting_proposals_until": nullable(MOMENT)}),
    "ClauseFrozen": obj({"clause_id": ID, "frozen": BOOLEAN}),
    "Silence": obj({
        "id": ID, "document_id": ID,
        "status": enum_of(SilenceStatus, "cancelled"),
        "deadline": MOMENT, "deadline_utc": MOMENT, "timezone": STRING, "started_at": MOMENT,
        "revision_id": nullable(ID), "broken_by": nullable(STRING),
        "broken_economy": nullable(STRING), "reason": nullable(STRING),
        "ended_at": nullable(MOMENT),
    }),
    "SilenceState": obj({"silence": nullable(ref("Silence")),
                         "procedures": array(ref("Silence")), "stage": enum_of(Stage)}),
    "Endorsement": obj({"document_id": ID, "stage": enum_of(Stage),
                        "fingerprint": nullable(STRING),
                        "fingerprint_algorithm": enum_of(("sha256",)),
                        "frozen_at": nullable(MOMENT)}),
    "ImportedDocument": obj({
        "id": ID, "title": STRING, "symbol": STRING, "classification": STRING,
        "stage": enum_of(Stage),
        "sections": array(obj({"id": ID, "heading": STRING, "kind": enum_of(SectionKind),
                               "clauses": array(obj({"id": ID, "number": STRING,
                                                     "text": STRING}))})),
        "clauses": INTEGER, "notes": array(STRING),
    }),
    "ImportPreview": obj({
        "title": nullable(STRING), "sections": array(_DRAFT_SECTION), "clauses": INTEGER,
        "notes": array(STRING), "problems": array(STRING), "symbol": STRING,
        "classification": STRING, "same_symbol": array(ID),
        "set_aside": array(obj({"id": INTEGER, "section": STRING, "number": nullable(STRING),
                                "text": STRING, "reason": STRING, "included": BOOLEAN})),
    }),
    "UnmappedChange": obj({"paragraph": nullable(INTEGER), "location": STRING,
                           "text": STRING, "change": STRING, "reason": STRING,
                           "comments": array(STRING)}),
    "ImportReportEntry": obj({
        "kind": enum_of(("change", "comment")), "paragraph": nullable(INTEGER),
        "location": STRING, "what": STRING,
        "outcome": enum_of(("proposal", "rationale", "not_imported")),
        "proposal": nullable(INTEGER), "proposal_id": nullable(ID), "reason": STRING,
    }, optional=("proposal_id",)),
    "ChangesImported": obj({"filename": STRING, "created": array(ID),
                            "proposals": array(ref("Proposal")),
                            "unmapped": array(ref("UnmappedChange")),
                            "report": array(ref("ImportReportEntry"))}),
    "ChangesPreview": obj({"filename": STRING, "proposals": array(obj(_PLANNED_FIELDS)),
                           "unmapped": array(ref("UnmappedChange")),
                           "report": array(ref("ImportReportEntry"))}),
    "AuditPage": obj({
        "events": array(obj({
            # The chain's own ids are shown only to the roles that see the whole audit
            # (docs/security.md, "Side channels"); everyone gets the event's place in the list.
            "id": nullable(ID), "position": ID, "occurred_at": MOMENT, "kind": STRING, "actor": nullable(STRING),
            "economy": nullable(STRING), "document_id": nullable(ID),
            "clause_id": nullable(ID), "clause_number": nullable(STRING),
            "proposal_id": nullable(ID), "data": {"type": "object"}, "summary": STRING,
            "request_id": nullable(STRING)})),
        "page": INTEGER, "per_page": INTEGER, "pages": INTEGER, "total": INTEGER,
    }),
    "AuditVerification": obj({"intact": BOOLEAN, "events": nullable(INTEGER),
                              "broken_at": nullable(ID), "reason": nullable(STRING)}),
    "Notification": obj({
        "id": ID, "kind": STRING, "message": STRING, "url": nullable(STRING),
        "document_id": nullable(ID), "created_at": MOMENT, "read": BOOLEAN,
        "read_at": nullable(MOMENT),
    }),
    "NotificationPage": obj({"notifications": array(ref("Notification")), "unread": INTEGER,
                             "page": INTEGER, "pages": INTEGER, "total": INTEGER}),
    "NotificationsRead": obj({"marked_read": INTEGER, "unread": INTEGER}),
    "NotificationPreferences": obj({
        "email": STRING, "digest_hour": {"type": "integer", "minimum": 0, "maximum": 23},
        "timezone": STRING,
        "kinds": array(obj({"kind": enum_of(tuple(k.code for k in KINDS)), "label": STRING,
                            "delivery": enum_of(Delivery)}))}),
    "DraftList": obj({"drafts": array(ref("Proposal"))}),
    "DraftDeleted": obj({"deleted": ID}),
    "Circulated": obj({"circulated": array(ID)}),
    "CirculationSetting": obj({"document_id": ID, "circulate_immediately": BOOLEAN,
                               "changed": BOOLEAN}),
    "Screen": obj({
        "document_id": ID, "clause_id": nullable(ID), "changed_at": nullable(MOMENT),
        "changed_by": nullable(STRING),
        "deleted": {**nullable(STRING), "description": "Names the paragraph put on screen "
                                                       "if it has been deleted since."},
        "clause": {**nullable(ref("ScreenClause")), "description": "null: nothing on screen."},
    }),
    "ScreenClause": obj({
        "id": ID, "number": nullable(STRING), "text": STRING, "version": INTEGER,
        "status": enum_of(ClauseStatus), "excepted": array(STRING), "section": nullable(STRING),
        "index": {**INTEGER, "description": "Its place among the live paragraphs, from 1."},
        "total": INTEGER,
        "tracked_changes_html": {**STRING, "description": "The text with every circulated "
                                                          "open proposal inline, attributed."},
        "proposals": array(obj({"id": ID, "action": enum_of(ProposalAction), "text": STRING,
                                "economies": array(STRING), "on_current_text": BOOLEAN})),
        "inserts_after": array(obj({"id": ID, "text": STRING, "economies": array(STRING)})),
        "inserts_before": array(obj({"id": ID, "text": STRING, "economies": array(STRING)})),
        "alternatives": array(obj({"proposal_id": ID, "economies": array(STRING),
                                   "html": STRING})),
        "options": array(obj({"label": STRING, "current_text": BOOLEAN,
                              "economies": array(STRING), "html": STRING,
                              "in_conflict": BOOLEAN})),
        "positions": array(obj({"economy": STRING, "stance": nullable(enum_of(Stance)),
                                "text": STRING})),
        "consensus": BOOLEAN,
        "counts": {**COUNTS, "description": "stance (and \"none\") → economies"},
        "blocking": array(STRING), "without_position": array(STRING),
    }),
    # One event of a text/event-stream answer (a stream is a sequence of these).
    "ServerSentEvent": obj({
        "event": STRING, "data": {**STRING, "contentMediaType": "application/json"},
        "id": STRING, "retry": INTEGER,
    }, optional=("event", "id", "retry")),
    "OpenApiDocument": obj({"openapi": STRING, "info": {"type": "object"},
                            "paths": {"type": "object"}}, strict=False),
}

# --- errors ----------------------------------------------------------------------------------

ERRORS = {
    400: "Malformed request: the body is not JSON, not UTF-8, nested deeper than 32 levels, "
         "or not sent as application/json (`invalid_json`).",
    401: "No token, or not a valid one (`not_authenticated`).",
    403: "Not allowed for your role or economy (`forbidden`), including a body naming another "
         "economy.",
    404: "Unknown id, or an object you may not see (`not_found`).",
    409: "Refused by the current state (`stale_version`, `proposal_changed`, `proposal_closed`, "
         "`proposal_in_conflict`, `duplicate`, `document_frozen`, `no_consensus` …).",
    413: "The body is larger than the server accepts (`payload_too_large`: more than 1 MiB of "
         "JSON or 10,000 values; `request_entity_too_large`: over the request limit).",
    415: "The body's charset is not UTF-8 (`unsupported_media_type`).",
    422: "The content is not acceptable: empty, unchanged, too long, of the wrong type, an "
         "unknown value, a control character or lone surrogate, or a list longer than its "
         "limit (`invalid_input`, `too_many_items` …).",
    429: "Too many requests from you in a short time (`rate_limited`, `details.limit`: "
         "`writes` — every POST, PUT, PATCH and DELETE, WRITE_LIMIT_PER_USER; `conversions` — "
         "exports and imports, EXPORT_LIMIT_PER_USER). Nothing was applied; `Retry-After` says "
         "in how many seconds to try again.",
    503: "A service the answer needs is unavailable (`database_unavailable`, `database_busy`, "
         "`export_unavailable`); `Retry-After` says when to try again for the database.",
}
# Every operation may answer these: authentication runs first, and the database may be down.
ALWAYS = (401, 503)
# Answers of any operation that reads a JSON body (drafting.web.api._payload).
WITH_BODY = (400, 403, 413, 415, 422)
# Every write may be refused by the per-user write limit (drafting/web/rate_limits.py); the
# exports and imports also by theirs (listed with their operations).
RATE_LIMITED = 429

# --- the operations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict
    description: str = ""


@dataclass(frozen=True)
class Operation:
    endpoint: str  # the Flask endpoint ("api.<function>")
    summary: str
    ok: int
    answer: str | None  # schema name of the success answer (None: described by `content`)
    errors: tuple[int, ...] = ()
    query: tuple[Param, ...] = ()
    json: dict | None = None  # request body schema (application/json)
    json_required: bool = True
    multipart: dict | None = None  # request body schema (multipart/form-data)
    content: dict | None = None  # success content other than one JSON schema
    also: dict[int, tuple[str, str]] = field(default_factory=dict)  # extra 2xx/3xx: schema, why
    description: str = ""


POSITIVE_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# A revision named in a query string: its number ("2" or "Rev.2"), or the current text; an
# empty value (as a form sends for its default choice) means the parameter's default.
REVISION_NUMBER = {"type": "string", "pattern": r"^((Rev\.)?[0-9]+)?$", "examples": ["1"]}
REVISION_POINT = {"type": "string", "pattern": r"^((Rev\.)?[0-9]+|current)?$",
                  "examples": ["1", "current"]}
# An id or page number in a query string: empty (as a form sends for "any") means not given.
QUERY_ID = {"anyOf": [POSITIVE_ID, {"type": "string", "maxLength": 0}]}
PAGE = Param("page", QUERY_ID, "Page number, from 1 (empty: the first).")
PROPOSAL_BODY = body({
    "action": enum_of(ProposalAction),
    "clause_id": {**ID, "description": "The clause to amend or delete."},
    "after_clause_id": {**ID, "description": "For an insertion: the clause it follows."},
    "section_id": {**ID, "description": "For an insertion placed first in a section: that "
                   "section (with after_clause_id, the clause just before the section; "
                   "alone, when no clause comes before it: the new clause opens the text)."},
    "text": STRING, "rationale": STRING,
    "economy": {**STRING, "description": "Optional; must be the caller's own economy."},
}, required=("action",))
DEADLINE_BODY = body({
    "deadline": {**STRING, "description": "Local wall-clock time, YYYY-MM-DDTHH:MM.",
                 "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$",
                 "examples": ["2099-06-30T17:00"]},
    "timezone": {**STRING, "description": "IANA time zone.", "examples": ["Asia/Bangkok"]},
    "note": STRING,
}, required=("deadline", "timezone"))
EXPORT_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/pdf", "text/html", "text/markdown", "application/akn+xml")


def _ops(*operations: tuple[str, str, Operation]) -> dict[tuple[str, str], Operation]:
    table: dict[tuple[str, str], Operation] = {}
    for method, path, operation in operations:
        assert (method, path) not in table, f"{method} {path} described twice"
        table[(method, path)] = operation
    return table


OPERATIONS: dict[tuple[str, str], Operation] = _ops(
    # --- the contract itself ---
    ("GET", "/openapi.json", Operation(
        "api.openapi", "This OpenAPI document", 200, "OpenApiDocument")),
    # --- documents, clauses, proposals, comments ---
    ("GET", "/documents", Operation("api.list_documents", "List documents", 200,
                                    "DocumentList")),
    ("GET", "/documents/{document_id}", Operation(
        "api.show_document", "A document: sections and current clauses", 200, "Document",
        (404,))),
    ("GET", "/clauses/{clause_id}", Operation(
        "api.show_clause", "A clause with all its versions", 200, "Clause", (404,))),
    ("GET", "/documents/{document_id}/proposals", Operation(
        "api.list_proposals", "The proposals on a document the caller may see (no diff)",
        200, "ProposalSummaryList", (404, 422),
        query=(Param("status", enum_of(ProposalStatus, ""),
                     "Only proposals in this status (empty: every status)."),))),
    ("POST", "/clauses/{clause_id}/proposals", Operation(
        "api.propose_on_clause", "Propose to amend or delete a clause", 201, "Proposal",
        (*WITH_BODY, 404, 409), json=body({
            "action": enum_of(("amend", "delete")), "text": STRING, "rationale": STRING,
            "economy": STRING}, required=("action",)))),
    ("POST", "/documents/{document_id}/proposals", Operation(
        "api.propose_on_document", "Propose an insertion (or an amendment or deletion)", 201,
        "Proposal", (*WITH_BODY, 404, 409), json=PROPOSAL_BODY)),
    ("GET", "/proposals/{proposal_id}", Operation(
        "api.show_proposal", "A proposal with its diff against its base", 200, "Proposal",
        (404,))),
    ("POST", "/proposals/{proposal_id}/decision", Operation(
        "api.decide", "Decide a proposal (secretariat)", 200, "Proposal",
        (*WITH_BODY, 404, 409), json=body({
            "decision": {**enum_of(("accept", "modify", "reject")), "description": (
                "accept: apply the proposal as its economy wrote it; modify: apply `text` "
                "instead (accept with modifications; needs `text` and "
                "`expected_text_version`); reject: needs `note`.")},
            "expected_version": {**INTEGER, "description": "The clause version decided on "
                                                           "(0 or absent for an insertion)."},
            "expected_text_version": {**INTEGER, "description": (
                "The proposal's text_version the decision was made on; when it is no longer "
                "current the decision is refused (409 proposal_changed). Absent: not checked.")},
            "text": {**STRING, "description": (
                "The wording to apply with decision modify. Sent with accept it must be the "
                "proposal's own wording, or (the older spelling of modify, kept for existing "
                "clients) other wording, applied as a modification.")},
            "note": STRING}, required=("decision",)),
        description=(
            "409 `stale_version`: the clause is no longer at `expected_version`. 409 "
            "`proposal_changed`: `expected_text_version` was given and the proposal's wording "
            "changed since (rebased, revised, put in conflict); the error's `details` are "
            "`{\"text_version\", \"text\", \"in_conflict\", \"redline\": [DiffSegment]}`, the "
            "wording now on offer, to show before deciding again."))),
    ("POST", "/proposals/{proposal_id}/withdraw", Operation(
        "api.withdraw", "Withdraw a proposal (its economy)", 200, "Proposal",
        (403, 404, 409))),
    ("POST", "/proposals/{proposal_id}/cosponsor", Operation(
        "api.cosponsor", "Co-sponsor another economy's proposal", 200, "Proposal",
        (403, 404, 409))),
    ("POST", "/proposals/{proposal_id}/revise", Operation(
        "api.revise", "Revise a proposal's wording (rebases it, clears a conflict)", 200,
        "Proposal", (*WITH_BODY, 404, 409),
        json=body({"text": STRING, "rationale": STRING}, required=("text",)))),
    ("POST", "/clauses/{clause_id}/comments", Operation(
        "api.comment_on_clause", "Comment on a clause", 201, "Comment",
        (*WITH_BODY, 404, 409),
        json=body({"body": {**STRING, "description": "Markdown."}, "parent_id": ID},
                  required=("body",)))),
    ("POST", "/proposals/{proposal_id}/comments", Operation(
        "api.comment_on_proposal", "Comment on a proposal", 201, "Comment",
        (*WITH_BODY, 404, 409),
        json=body({"body": {**STRING, "description": "Markdown."}, "parent_id": ID},
                  required=("body",)))),
    ("GET", "/clauses/{clause_id}/comments", Operation(
        "api.clause_comments", "A clause's comments, threads flattened in order", 200,
        "CommentList", (404,))),
    ("POST", "/comments/{comment_id}/resolve", Operation(
        "api.resolve_comment", "Resolve a thread", 200, "Comment", (403, 404, 409))),
    ("POST", "/comments/{comment_id}/reopen", Operation(
        "api.reopen_comment", "Reopen a thread", 200, "Comment", (403, 404, 409))),
    ("GET", "/documents/{document_id}/search", Operation(
        "api.search_document", "Search a document's text, proposals and comments", 200,
        "SearchResults", (404, 422), query=(
            Param("q", {**STRING, "maxLength": 200, "examples": ["\"clean energy\" 2030"]},
                  "Words that must all occur; \"quoted phrases\" match side by side."),
            Param("limit", {"type": "integer", "minimum": 1, "maximum": 100},
                  "At most this many results (default 20)."),
        ),
        description="Clause texts (the current text and every issued revision), and the "
        "proposals and comments the caller may see: never other economies' drafts or "
        "proposals not yet circulated. Clauses first in document order, then proposals, then "
        "comments. See docs/search.md.")),
    # --- revisions, compare, negotiating text, secretariat edits ---
    ("GET", "/documents/{document_id}/revisions", Operation(
        "api.list_revisions", "A document's revisions, oldest first", 200, "RevisionList",
        (404,))),
    ("POST", "/documents/{document_id}/revisions", Operation(
        "api.create_revision", "Issue a revision (secretariat)", 201, "RevisionCreated",
        (*WITH_BODY, 404, 409),
        json=body({"note": STRING, "renumber": BOOLEAN}))),
    ("GET", "/documents/{document_id}/revisions/{number}", Operation(
        "api.show_revision", "One revision's text", 200, "RevisionText", (404,))),
    ("GET", "/documents/{document_id}/compare", Operation(
        "api.compare", "Compare two revisions (or a revision and the current text)", 200,
        "Comparison", (404, 422), query=(
            Param("from", REVISION_NUMBER, "A revision number; default the latest revision."),
            Param("to", REVISION_POINT, "A revision number or `current` (default)."),
        ))),
    ("GET", "/documents/{document_id}/negotiating-text", Operation(
        "api.negotiating_text", "The negotiating text with brackets and options", 200,
        "NegotiatingText", (404, 422),
        query=(Param("rev", REVISION_NUMBER, "A revision number; default the current "
                                             "text."),))),
    ("POST", "/clauses/{clause_id}/text", Operation(
        "api.edit_clause_text", "Edit a clause's text directly (secretariat)", 200,
        "ClauseTextEdit", (*WITH_BODY, 404, 409),
        json=body({"text": STRING, "expected_version": INTEGER, "note": STRING},
                  required=("text", "expected_version")))),
    # --- positions, consensus, clause status, options, Chair's statement ---
    ("PUT", "/clauses/{clause_id}/position", Operation(
        "api.set_position", "Record the caller's economy's stance", 200, "Position",
        (*WITH_BODY, 404, 409), json=body({
            "stance": enum_of(Stance), "text": STRING, "economy": STRING},
            required=("stance",)))),
    ("POST", "/clauses/{clause_id}/position", Operation(
        "api.set_position", "Record the caller's economy's stance (as PUT)", 200, "Position",
        (*WITH_BODY, 404, 409), json=body({
            "stance": enum_of(Stance), "text": STRING, "economy": STRING},
            required=("stance",)))),
    ("DELETE", "/clauses/{clause_id}/position", Operation(
        "api.clear_position", "Clear the caller's economy's stance", 200, "ClearedPosition",
        (403, 404, 409))),
    ("GET", "/clauses/{clause_id}/positions", Operation(
        "api.clause_positions", "Every economy's stance on a clause, and consensus", 200,
        "ClausePositions", (404,))),
    ("GET", "/documents/{document_id}/consensus", Operation(
        "api.document_consensus", "The consensus matrix of a document", 200,
        "ConsensusMatrix", (404, 422),
        query=(Param("filter", enum_of(("all", "without_consensus"))),))),
    ("POST", "/clauses/{clause_id}/status", Operation(
        "api.set_clause_status", "Set a clause's status (secretariat)", 200,
        "ClauseStatusChange", (*WITH_BODY, 404, 409), json=body({
            "status": enum_of(ClauseStatus), "reason": STRING,
            "excepted": array(STRING), "override_reason": STRING}, required=("status",)))),
    # --- since your last visit ---
    ("GET", "/documents/{document_id}/since-last-visit", Operation(
        "api.since_last_visit", "What changed since the caller last acknowledged the document",
        200, "SinceLastVisit", (404,),
        description="Reads only: the point moves with POST …/visit. Proposals and comments "
                    "are those the caller may see.")),
    ("POST", "/documents/{document_id}/visit", Operation(
        "api.visit", "Acknowledge the document: move the caller's point to now", 200,
        "VisitPoint", (*WITH_BODY, 404),
        json=body({"until": {**MOMENT, "description": "Move only this far when earlier than "
                                                     "now (when the client's copy was read)."}}),
        json_required=False)),
    ("POST", "/proposals/{proposal_id}/keep-as-option", Operation(
        "api.keep_as_option", "Keep a proposal as one of its clause's options (secretariat)",
        200, "ProposalWithOptions", (*WITH_BODY, 404, 409),
        json=body({"note": STRING}), json_required=False)),
    ("POST", "/clauses/{clause_id}/choose-option", Operation(
        "api.choose_option", "Choose one of a clause's options (secretariat)", 200,
        "OptionChosen", (*WITH_BODY, 404, 409), json=body({
            "proposal_id": nullable(ID), "expected_version": INTEGER, "note": STRING},
            required=("proposal_id",)))),
    ("GET", "/clauses/{clause_id}/options", Operation(
        "api.list_options", "A clause's options and their backers", 200, "ClauseOptions",
        (404,))),
    ("POST", "/documents/{document_id}/chair-statement", Operation(
        "api.create_chair_statement", "Move clauses without consensus to a Chair's statement",
        201, "ChairStatement", (*WITH_BODY, 404, 409), json=body({
            "clause_ids": {**array(ID), "minItems": 1, "description": (
                "The paragraphs to move; required and not empty (422 `no_selection` "
                "otherwise, and nothing moves).")},
            "note": STRING, "allow_consensus": BOOLEAN}, required=("clause_ids",)))),
    ("POST", "/documents/{document_id}/return", Operation(
        "api.return_from_chair_statement", "Return paragraphs of a Chair's statement to the "
        "statement, at their former place (secretariat)", 200, "ChairReturn",
        (*WITH_BODY, 404, 409), json=body({
            "clause_ids": {**array(ID), "minItems": 1, "description": (
                "Paragraphs of this Chair's statement to return; required and not empty (422 "
                "`no_selection` otherwise). `returned` answers the statement's clause ids.")},
            "note": STRING}, required=("clause_ids",)),
        description="The document must be a Chair's statement (409 `not_chair_statement` "
                    "otherwise). Each paragraph gets back its own clause in the statement, "
                    "with the text it last had and the versions made in the Chair's "
                    "statement appended to its history.")),
    ("POST", "/documents/{document_id}/open-for-comment", Operation(
        "api.open_chair_statement_for_comment", "Open a Chair's statement to economies' "
        "proposals, or close it (secretariat)", 200, "ChairComment", (*WITH_BODY, 404, 409),
        json=body({"open": BOOLEAN, "note": STRING}, required=("open",)),
        description="A Chair's statement takes no proposals (409 `chair_text`) unless it is "
                    "open for comment. `changed` is false when it already was in the state "
                    "asked for. 409 `not_chair_statement` on any other document.")),
    # --- workflow: stages, rounds, silence, endorsement ---
    ("GET", "/documents/{document_id}/stage", Operation(
        "api.document_stage", "A document's stage, allowed moves and history", 200,
        "StageInfo", (404,))),
    ("POST", "/documents/{document_id}/stage", Operation(
        "api.move_document_stage", "Move a document to another stage (secretariat)", 200,
        "StageInfo", (*WITH_BODY, 404, 409),
        json=body({"stage": enum_of(Stage), "note": STRING}, required=("stage",)))),
    ("GET", "/documents/{document_id}/rounds", Operation(
        "api.list_rounds", "Submission rounds, newest first", 200, "RoundList", (404,))),
    ("POST", "/documents/{document_id}/rounds", Operation(
        "api.open_submission_round", "Open a submission round (secretariat)", 201, "Round",
        (*WITH_BODY, 404, 409), json=DEADLINE_BODY)),
    ("POST", "/clauses/{clause_id}/freeze", Operation(
        "api.freeze_clause", "Freeze or unfreeze a clause (secretariat)", 200, "ClauseFrozen",
        (*WITH_BODY, 404, 409),
        json=body({"frozen": BOOLEAN, "reason": STRING}, required=("frozen",)))),
    ("GET", "/documents/{document_id}/silence", Operation(
        "api.show_silence", "The silence procedures of a document", 200, "SilenceState",
        (404,))),
    ("POST", "/documents/{document_id}/silence", Operation(
        "api.start_silence", "Start a silence procedure (secretariat)", 201, "Silence",
        (*WITH_BODY, 404, 409), json=DEADLINE_BODY)),
    ("POST", "/documents/{document_id}/silence/break", Operation(
        "api.break_silence", "Break silence, with a reason (a delegate)", 200, "Silence",
        (*WITH_BODY, 404, 409), json=body({"reason": STRING}, required=("reason",)))),
    ("POST", "/documents/{document_id}/silence/cancel", Operation(
        "api.cancel_silence", "Cancel a silence procedure (secretariat)", 200, "Silence",
        (*WITH_BODY, 404, 409), json=body({"reason": STRING}, required=("reason",)))),
    ("POST", "/documents/{document_id}/endorse", Operation(
        "api.endorse", "Record the leaders' endorsement: freeze and fingerprint", 200,
        "Endorsement", (*WITH_BODY, 404, 409), json=body({"note": STRING}))),
    # --- exports ---
    ("GET", "/documents/{document_id}/export", Operation(
        "api.export_document", "The document as a file", 200, None,
        (404, 422, RATE_LIMITED, 503),
        query=(
            Param("format", enum_of(("docx", "pdf", "html", "md", "akn")),
                  "Default docx; the formats each mode offers are listed in docs/api.md."),
            Param("mode", enum_of(("clean", "redline", "compilation", "disposition")),
                  "Default clean."),
            Param("from", {**REVISION_POINT, "pattern": r"^((Rev\.)?[0-9]+|current|first)?$"},
                  "A revision number (disposition: also `first`, the text as first tabled)."),
            Param("to", REVISION_POINT, "A revision number or `current`."),
            Param("unchanged", enum_of(("1", "0", "true", "false", "yes", "no", "")),
                  "Disposition table: also list paragraphs with no proposal and no change "
                  "(default: left out, and counted)."),
        ),
        content={t: {"schema": {"type": "string", "format": "binary"}} for t in EXPORT_TYPES},
        also={304: ("", "Not modified: the If-None-Match tag is still current.")})),
    # --- imports ---
    ("POST", "/documents/import", Operation(
        "api.import_document", "Import a zero draft (secretariat)", 201, "ImportedDocument",
        (*WITH_BODY, 409),
        query=(Param("preview", STRING, "1, true or yes: answer the split, save nothing."),),
        json=body({"title": STRING, "symbol": STRING, "classification": STRING,
                   "markdown": STRING, "kinds": array(enum_of(SectionKind)),
                   "include": {**array(INTEGER), "description": (
                       "Ids (from the preview's set_aside) of lines that look like "
                       "footnotes to import as clauses after all.")}},
                  required=("markdown",)),
        multipart=body({"file": {"type": "string", "format": "binary"}, "title": STRING,
                        "symbol": STRING, "classification": STRING,
                        "kind": array(enum_of(SectionKind)), "include": array(INTEGER)},
                       required=("file",)),
        also={200: ("ImportPreview", "With preview=1: the split, nothing saved.")})),
    ("POST", "/documents/{document_id}/import-changes", Operation(
        "api.import_changes", "Submit a delegation's tracked changes from a Word file", 201,
        "ChangesImported", (*WITH_BODY, 404, 409),
        query=(Param("preview", STRING, "1, true or yes: answer the plan, save nothing."),),
        multipart=body({"file": {"type": "string", "format": "binary"}}, required=("file",)),
        also={200: ("ChangesPreview", "With preview=1: the planned proposals.")})),
    # --- audit, notifications, drafts, circulation ---
    ("GET", "/audit", Operation(
        "api.audit_events", "The audit trail, newest first, 50 a page (not for delegates)",
        200, "AuditPage", (403, 404, 422), query=(
            Param("document_id", QUERY_ID, "Only this document's events (empty: all)."),
            Param("clause_id", QUERY_ID, "Only this paragraph's events (empty: all)."),
            Param("economy", STRING, "Economy code."), Param("kind", STRING, "Event kind."),
            PAGE))),
    ("GET", "/audit/verify", Operation(
        "api.audit_verify", "Verify the audit hash chain (not for delegates)", 200,
        "AuditVerification", (403,))),
    ("GET", "/notifications", Operation(
        "api.list_notifications", "The caller's notifications, newest first", 200,
        "NotificationPage", (422,),
        query=(PAGE, Param("unread", enum_of(("1", "true", "0", "false", "")),
                             "1 or true: only unread ones (0, false or empty: all)."),
               Param("kind", enum_of(tuple(k.code for k in KINDS), ""),
                     "Only this kind (empty: every kind).")))),
    ("GET", "/notifications/preferences", Operation(
        "api.notification_preferences", "How each kind of notification reaches the caller",
        200, "NotificationPreferences")),
    ("PUT", "/notifications/preferences", Operation(
        "api.update_notification_preferences",
        "Change the caller's e-mail, digest hour, time zone or deliveries", 200,
        "NotificationPreferences", WITH_BODY, json=body({
            "email": STRING, "digest_hour": {"type": "integer", "minimum": 0, "maximum": 23},
            "timezone": STRING,
            "deliveries": {"type": "object", "additionalProperties": enum_of(Delivery)}}))),
    ("POST", "/notifications/{notification_id}/read", Operation(
        "api.read_notification", "Mark one of the caller's notifications read", 200,
        "Notification", (404,))),
    ("POST", "/notifications/read-all", Operation(
        "api.read_all_notifications", "Mark all the caller's notifications read", 200,
        "NotificationsRead")),
    ("GET", "/documents/{document_id}/drafts", Operation(
        "api.list_drafts", "The caller's economy's drafts (delegates)", 200, "DraftList",
        (403, 404))),
    ("POST", "/documents/{document_id}/drafts", Operation(
        "api.create_draft", "Save a draft proposal (delegates)", 201, "Proposal",
        (*WITH_BODY, 404, 409), json=PROPOSAL_BODY)),
    ("PUT", "/drafts/{proposal_id}", Operation(
        "api.update_draft", "Change a draft's text or rationale", 200, "Proposal",
        (*WITH_BODY, 404, 409), json=body({"text": STRING, "rationale": STRING}))),
    ("DELETE", "/drafts/{proposal_id}", Operation(
        "api.delete_draft", "Delete a draft", 200, "DraftDeleted", (403, 404, 409))),
    ("POST", "/documents/{document_id}/drafts/submit", Operation(
        "api.submit_drafts", "Submit drafts: all of them or none", 200, "ProposalList",
        (*WITH_BODY, 404, 409),
        json=body({"proposal_ids": array(ID)}, required=("proposal_ids",)))),
    ("POST", "/documents/{document_id}/circulate", Operation(
        "api.circulate", "Circulate submitted proposals to every economy (secretariat)", 200,
        "Circulated", (*WITH_BODY, 404, 409),
        json=body({"proposal_ids": array(ID)}), json_required=False)),
    ("PUT", "/documents/{document_id}/circulation", Operation(
        "api.circulation_mode", "Circulate new proposals at once, or hold them (secretariat)",
        200, "CirculationSetting", (*WITH_BODY, 404),
        json=body({"circulate_immediately": BOOLEAN}, required=("circulate_immediately",)))),
    # --- live updates (docs/live.md) ---
    ("GET", "/documents/{document_id}/events", Operation(
        "api.document_event_stream", "Live events of a document (Server-Sent Events)", 200,
        None, (404,),
        query=(Param("last_event_id", STRING, "The last event id seen, as the Last-Event-ID "
                                              "header also says: replay from there."),),
        content={"text/event-stream": {"schema": ref("ServerSentEvent")}},
        description="A text/event-stream: `id:` the live event id, `event:` the audit kind "
        "(`proposal.submitted`, `position.set` …), `data:` JSON with `id`, `kind`, "
        "`document_id`, `clause_id`, `proposal_id`, `clause_number` — never text. Send the "
        "last id seen as a `Last-Event-ID` header (or `?last_event_id=`) to be replayed what "
        "was missed, or told `reload`. See docs/live.md.")),
    # --- the chair's screen ---
    ("GET", "/documents/{document_id}/screen", Operation(
        "api.show_screen", "What the chair's screen of a document shows", 200, "Screen",
        (404,))),
    ("PUT", "/documents/{document_id}/screen", Operation(
        "api.change_screen", "Put a paragraph on the chair's screen, step to the next or "
        "previous one, or clear it (secretariat)", 200, "Screen", (*WITH_BODY, 404, 409),
        json=body({"clause_id": {**ID, "description": "The paragraph to show."},
                   "action": enum_of(("show", "clear", "next", "previous"))}))),
)

# --- building the document ---------------------------------------------------------------------

_PATH_PARAMETER = re.compile(r"{([a-z_]+)}")


def _error_response(status: int) -> dict:
    return {"$ref": f"#/components/responses/E{status}"}


def _json(schema_name: str) -> dict:
    return {"application/json": {"schema": ref(schema_name)}}


def _headers(status: int) -> dict:
    """The Retry-After of a 429."""
    if status != RATE_LIMITED:
        return {}
    return {"headers": {"Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1}}}}


def _operation_object(method: str, path: str, operation: Operation) -> dict:
    endpoint = operation.endpoint.removeprefix("api.")
    same_endpoint = [m for (m, _), o in OPERATIONS.items() if o.endpoint == operation.endpoint]
    operation_id = endpoint if len(same_endpoint) == 1 else f"{endpoint}_{method.lower()}"
    parameters = [{"name": name, "in": "path", "required": True, "schema": INTEGER}
                  for name in _PATH_PARAMETER.findall(path)]
    parameters += [{"name": p.name, "in": "query", "required": False, "schema": p.schema,
                    **({"description": p.description} if p.description else {})}
                   for p in operation.query]
    responses: dict[str, dict] = {}
    if operation.answer is not None:
        responses[str(operation.ok)] = {"description": operation.summary,
                                        "content": _json(operation.answer)}
    else:
        responses[str(operation.ok)] = {"description": operation.summary,
                                        "content": operation.content}
    for status, (schema_name, why) in operation.also.items():
        responses[str(status)] = {"description": why, **(
            {"content": _json(schema_name)} if schema_name else {})}
    # A query parameter holding a control character or lone surrogate is refused with 422
    # (drafting/web/input_guard.py), whatever the operation does with it.
    with_query = (422,) if operation.query else ()
    writes = (RATE_LIMITED,) if method in WRITE_METHODS else ()
    for status in sorted({*operation.errors, *ALWAYS, *with_query, *writes}):
        responses[str(status)] = _error_response(status)
    spec = {"operationId": operation_id, "summary": operation.summary,
            "x-flask-endpoint": operation.endpoint}
    if operation.description:
        spec["description"] = operation.description
    if parameters:
        spec["parameters"] = parameters
    if operation.json is not None or operation.multipart is not None:
        content = {}
        if operation.json is not None:
            content["application/json"] = {"schema": operation.json}
        if operation.multipart is not None:
            content["multipart/form-data"] = {"schema": operation.multipart}
        spec["requestBody"] = {"required": operation.json_required, "content": content}
    spec["responses"] = dict(sorted(responses.items()))
    return spec


def build_spec() -> dict:
    """The OpenAPI document (a fresh dict each call)."""
    paths: dict[str, dict] = {}
    for (method, path), operation in sorted(OPERATIONS.items(), key=lambda kv: kv[0][1]):
        paths.setdefault(path, {})[method.lower()] = _operation_object(method, path, operation)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Drafting API",
            "version": API_VERSION,
            "description": "Collaborative drafting of a negotiated statement: documents, "
                           "clauses, proposals, positions, revisions and workflow. See "
                           "docs/api.md. Every error answers the `Error` shape.",
        },
        "servers": [{"url": BASE_PATH}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A token from `flask issue-token USERNAME` or the Account page."}},
            "schemas": SCHEMAS,
            "responses": {f"E{status}": {"description": why, "content": _json("Error"),
                                         **_headers(status)}
                          for status, why in ERRORS.items()},
        },
    }


@bp.get("/openapi.json")
def openapi():
    """This API's OpenAPI document (authenticated like every /api/v1 request).

    The server URL stays relative ("/api/v1"): clients resolve it against where they fetched
    the document, which is right behind any proxy."""
    return jsonify(build_spec())
