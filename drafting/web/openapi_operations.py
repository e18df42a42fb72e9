"""OPERATIONS: one entry per (method, path) of the JSON API under /api/v1, naming the Flask
endpoint that serves it, its query parameters, its request body and every status it answers
with its JSON schema (drafting/web/openapi.py turns it into the OpenAPI document)."""
from __future__ import annotations

from dataclasses import dataclass, field

from drafting.domain.notification_kinds import KINDS, Delivery
from drafting.domain.states import (ClauseStatus, ProposalAction, ProposalStatus, SectionKind,
                                    Stage, Stance)
from drafting.web.api import MAX_ID
from drafting.web.openapi_schemas import (
    BOOLEAN, ID, INTEGER, MOMENT, RATE_LIMITED, STRING, WITH_BODY, array, body, enum_of,
    nullable, ref)

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
