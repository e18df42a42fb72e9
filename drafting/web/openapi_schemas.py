"""The schemas of the JSON API's answers and errors, named once (drafting/web/openapi.py
builds the OpenAPI document from them and from drafting/web/openapi_operations.py)."""
from __future__ import annotations

from enum import Enum

from drafting.domain.consensus import Verdict
from drafting.domain.notification_kinds import KINDS, Delivery
from drafting.domain.states import (ClauseStatus, ProposalAction, ProposalStatus, SectionKind,
                                    SilenceStatus, Stage, Stance)

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
