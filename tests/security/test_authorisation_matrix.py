"""Who may call which route: every rule of the URL map against every role, from one table.

MATRIX below is THE statement of the authorisation of the HTTP surface. It is keyed by
endpoint name, then method; each entry gives the URL (with ids taken from the test scene), a
minimal valid body, and the expected outcome per role, for each *variant* of the object the
route acts on:

    "-"          the route acts on nothing an economy owns
    "AUS", "NZ"  an open proposal / a comment thread / a notification / an API token of that
                 economy (its delegate's, for notifications and tokens)
    "draft-AUS", "draft-NZ"
                 a draft proposal of that economy (invisible to everyone else)

An outcome string has one letter per role, in the order of ROLES:

    anonymous, aus (a delegate of AUS), nz (a delegate of NZ), secretariat, observer, admin

    A  allowed: 2xx or 3xx (and not a redirect to the login page)
    C  allowed, but refused by the state of the object (400/409/422 with a message)
    F  forbidden: 403
    H  hidden: 404, as if the object did not exist (drafts, other people's notifications)
    L  login required: 401 for the API, a redirect to /login?next=… for pages

Every outcome but A must leave the database exactly as it was (all rows of all tables,
compared on a connection of its own). A route of the URL map that is missing from MATRIX
fails `test_every_route_has_a_rule`: a new route needs its line here before CI passes.

Pages are requested with a test client logged in through /login; the API with a bearer token
of the role's user. CSRF protection is off in the default test app (tests/web/test_web_csrf.py
covers it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import PASSWORD, login
from tests.security.scene import build_scene, changed_tables, every_table, prepare

ROLES = ("anonymous", "aus", "nz", "secretariat", "observer", "admin")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
IGNORED_ENDPOINTS = {"static"}

AMEND_PP2 = "Recalling the Putrajaya Vision 2040 and the Bangkok Goals;"
NEW_CLAUSE = "We will share data on the circular economy."
DEADLINE = {"deadline": "2099-06-30T17:00", "timezone": "Asia/Bangkok"}
# Page forms of wide or irreversible actions act only once confirmed (drafting/web/confirming.py);
# without it they answer 200 with a confirmation page. The Chair's statement move also needs
# the selection token of its confirmation page, so its line checks the first step only.
CONFIRMED = {"confirmed": "1"}
MARKDOWN_DRAFT = ("# Test Zero Draft\n\n## Preamble\n\nRecognising the need for action;\n\n"
                  "## Goal 1\n\nWe will act now.\n")


@dataclass(frozen=True)
class Route:
    url: str
    expect: dict[str, str]  # variant -> one letter per role
    form: dict | None = None
    json: object = None
    upload: bool = False  # multipart with the scene's tracked-changes .docx as `file`
    setup: tuple[str, ...] = ()  # scene.SETUPS to apply first
    # The allowed writes of this route undo each other's preconditions (breaking silence twice):
    # each gets a scene of its own.
    alone: bool = False


def R(url: str, expect: str | dict[str, str], *, form=None, json=None, upload=False,
      setup=(), alone=False) -> Route:
    return Route(url, {"-": expect} if isinstance(expect, str) else expect, form, json, upload,
                 tuple([setup] if isinstance(setup, str) else setup), alone)


# Who is who, for reading the table:      anon aus nz sec obs admin
PUBLIC = "AAAAAA"          # anyone, logged in or not
READ = "LAAAAA"            # anyone logged in
DELEGATES = "LAAFFF"       # a delegate (for their own economy)
NEGOTIATORS = "LAAAFF"     # delegates and the secretariat
SECRETARIAT = "LFFAFF"
AUDITORS = "LFFAAA"        # secretariat, observer, admin
ADMIN = "LFFFFA"

# On an object of AUS / of NZ / a draft of NZ.
OWN_ECONOMY = {"AUS": "LAFFFF", "NZ": "LFAFFF"}
OTHER_ECONOMY = {"AUS": "LFAFFF", "NZ": "LAFFFF"}
OWN_OR_SECRETARIAT = {"AUS": "LAFAFF", "NZ": "LFAAFF"}
SECRETARIAT_ON_PROPOSAL = {"AUS": SECRETARIAT, "NZ": SECRETARIAT, "draft-NZ": "LHFHHH"}
OWN_USER_ONLY = {"AUS": "LAHHHH", "NZ": "LHAHHH"}
OWN_DRAFT = {"draft-AUS": "LAHHHH", "draft-NZ": "LHAHHH"}

MATRIX: dict[str, dict[str, Route]] = {
    # --- public and session -----------------------------------------------------------------
    "healthz": {"GET": R("/healthz", PUBLIC)},
    "readyz": {"GET": R("/readyz", PUBLIC)},
    "documents.home": {"GET": R("/", PUBLIC)},
    "documents.economy_colours": {"GET": R("/economies.css", PUBLIC)},
    "auth.login": {
        "GET": R("/login", PUBLIC),
        "POST": R("/login", PUBLIC, form={"username": "jpn", "password": PASSWORD}),
    },
    "auth.logout": {"POST": R("/logout", PUBLIC)},
    "auth.account": {"GET": R("/account", READ)},
    "notification_settings.preferences_page": {"GET": R("/account/notifications", READ)},
    "notification_settings.save_preferences_page": {"POST": R(
        "/account/notifications", READ,
        form={"email": "", "digest_hour": "8", "timezone": "UTC"})},
    # An unsubscribe link works without logging in; its signed token is the authority, and a
    # token that is not one is 404 for everyone.
    "notification_settings.unsubscribe": {"GET": R("/notifications/unsubscribe/forged",
                                                   "HHHHHH")},
    "notification_settings.unsubscribe_confirmed": {"POST": R(
        "/notifications/unsubscribe/forged", "HHHHHH")},
    "auth.create_token": {"POST": R("/account/tokens", READ, form={"name": "Capital script"})},
    # Anyone revokes their own token; the admin anyone's.
    "auth.revoke_token": {"POST": R("/account/tokens/{token}/revoke",
                                    {"AUS": "LAFFFA", "NZ": "LFAFFA"})},
    # --- reading --------------------------------------------------------------------------
    "documents.index": {"GET": R("/documents", READ)},
    "documents.show": {"GET": R("/documents/{doc}?view=changes", READ)},
    "documents.clause": {"GET": R("/clauses/{c2}", READ)},
    "proposals.show": {"GET": R("/proposals/{proposal}",
                                {"AUS": READ, "NZ": READ, "draft-NZ": "LHAHHH"})},
    "revisions.index": {"GET": R("/documents/{doc}/revisions", READ)},
    "revisions.compare": {"GET": R("/documents/{doc}/compare?from=1&to=current", READ,
                                   setup="revision")},
    "revisions.negotiating_text": {"GET": R("/documents/{doc}/negotiating-text", READ)},
    "search.results": {"GET": R("/documents/{doc}/search?q=energy", READ)},
    "consensus.matrix": {"GET": R("/documents/{doc}/consensus", READ)},
    "documents.visit": {"POST": R("/documents/{doc}/visit", READ)},
    "live.document_events": {"GET": R("/documents/{doc}/events", READ)},
    "live.notification_events": {"GET": R("/notifications/events", READ)},
    "screen.show": {"GET": R("/documents/{doc}/screen", READ)},
    "workflow.show": {"GET": R("/documents/{doc}/workflow", READ)},
    "exports.index": {"GET": R("/documents/{doc}/exports", READ)},
    "exports.download": {"GET": R("/documents/{doc}/export?mode=clean&format=html", READ)},
    "audit.index": {"GET": R("/audit", AUDITORS)},
    "audit.document_audit": {"GET": R("/documents/{doc}/audit", AUDITORS)},
    "audit.notifications": {"GET": R("/notifications", READ)},
    "audit.read_all": {"POST": R("/notifications/read-all", READ)},
    "audit.open_notification": {"POST": R("/notifications/{notification}/open",
                                          OWN_USER_ONLY)},
    # --- a delegation's proposals -------------------------------------------------------------
    "proposals.new": {"GET": R("/documents/{doc}/propose?action=amend&clause_id={c1}",
                               DELEGATES)},
    "proposals.create": {"POST": R("/documents/{doc}/proposals", DELEGATES, form={
        "action": "amend", "clause_id": "{c1}", "intent": "submit", "text": AMEND_PP2})},
    "proposals.preview": {"POST": R("/proposals/preview", READ, json={
        "action": "amend", "clause_id": "{c1}", "text": AMEND_PP2})},
    "proposals.withdraw": {"POST": R("/proposals/{proposal}/withdraw",
                                     {**OWN_ECONOMY, "draft-NZ": "LHCHHH"}, form=CONFIRMED)},
    "proposals.revise": {
        "GET": R("/proposals/{proposal}/revise", {**OWN_ECONOMY, "draft-NZ": "LHAHHH"}),
        "POST": R("/proposals/{proposal}/revise", {**OWN_ECONOMY, "draft-NZ": "LHCHHH"},
                  form={"text": "We must reduce emissions and plastics by 2030.",
                        "rationale": "Sharper."}),
    },
    "proposals.cosponsor": {"POST": R("/proposals/{proposal}/cosponsor",
                                      {**OTHER_ECONOMY, "draft-NZ": "LHFHHH"})},
    "proposals.uncosponsor": {"POST": R("/proposals/{proposal}/uncosponsor",
                                        {**OTHER_ECONOMY, "draft-NZ": "LHFHHH"},
                                        setup="cosponsored")},
    "proposals.drafts": {"GET": R("/drafts", DELEGATES)},
    # On an open proposal the draft pages answer its own economy ("no longer a draft").
    "proposals.edit_draft": {
        "GET": R("/proposals/{proposal}/edit-draft", {**OWN_DRAFT, "AUS": "LAFFFF"}),
        "POST": R("/proposals/{proposal}/edit-draft", {**OWN_DRAFT, "AUS": "LAFFFF"},
                  form={"text": "Recalling with appreciation the Putrajaya Vision 2040;",
                        "rationale": "Warmer."}),
    },
    "proposals.delete_draft": {"POST": R("/proposals/{proposal}/delete-draft",
                                         {**OWN_DRAFT, "AUS": "LCFFFF"})},
    "proposals.submit_drafts": {"POST": R("/documents/{doc}/drafts/submit",
                                          {**OWN_DRAFT, "AUS": "LAFFFF"},
                                          form={"proposal_id": "{proposal}"})},
    "imports.changes_form": {"GET": R("/documents/{doc}/import-changes", DELEGATES)},
    "imports.import_changes": {"POST": R("/documents/{doc}/import-changes", DELEGATES,
                                         form={"intent": "preview"}, upload=True)},
    # --- comments and positions ---------------------------------------------------------------
    "comments.create": {"POST": R("/comments", NEGOTIATORS, form={
        "clause_id": "{c0}", "body": "Our delegation supports this paragraph."})},
    "comments.resolve": {"POST": R("/comments/{comment}/resolve", OWN_OR_SECRETARIAT,
                                   alone=True)},
    "comments.reopen": {"POST": R("/comments/{comment}/reopen", OWN_OR_SECRETARIAT,
                                  setup="resolved", alone=True)},
    "consensus.position_form": {"GET": R("/clauses/{c0}/position", DELEGATES)},
    "consensus.set_position": {"POST": R("/clauses/{c0}/position", DELEGATES,
                                         form={"stance": "support"})},
    # --- the secretariat ----------------------------------------------------------------------
    "desk.index": {"GET": R("/documents/{doc}/desk", SECRETARIAT)},
    "desk.mark_seen": {"POST": R("/documents/{doc}/desk/seen", SECRETARIAT,
                                 form={"up_to": "2026-01-01T00:00:00+00:00"})},
    "desk.decide": {"POST": R("/proposals/{proposal}/decide", SECRETARIAT_ON_PROPOSAL, form={
        "decision": "reject", "note": "Not agreed in the room.", "expected_version": "1"})},
    "desk.modify": {"GET": R("/proposals/{proposal}/accept-with-modifications",
                             SECRETARIAT_ON_PROPOSAL)},
    "desk.apply_modification": {"POST": R("/proposals/{proposal}/accept-with-modifications",
                                          SECRETARIAT_ON_PROPOSAL, form={
        "text": "A wording of the secretariat.", "step": "apply",
        "previewed_text": "A wording of the secretariat.", "expected_version": "1",
        "expected_text_version": "1"})},
    "desk.modification_preview": {"POST": R(
        "/proposals/{proposal}/accept-with-modifications/preview", SECRETARIAT_ON_PROPOSAL,
        form={"text": "A wording of the secretariat."})},
    "consensus.keep_as_option": {"POST": R("/proposals/{proposal}/keep-as-option",
                                           SECRETARIAT_ON_PROPOSAL)},
    "consensus.return_to_desk": {"POST": R("/proposals/{proposal}/return-to-desk",
                                           SECRETARIAT_ON_PROPOSAL, setup="options")},
    "consensus.choose_option": {"POST": R("/clauses/{c2}/choose-option", SECRETARIAT,
                                          form={"proposal_id": "current",
                                                "expected_version": "1"}, setup="option")},
    "consensus.status_form": {"GET": R("/clauses/{c0}/status", SECRETARIAT)},
    "consensus.set_status": {"POST": R("/clauses/{c0}/status", SECRETARIAT, form={
        "status": "bracketed", "reason": "Contested by two economies."})},
    "screen.change": {"POST": R("/documents/{doc}/screen", SECRETARIAT,
                                form={"clause_id": "{c1}"})},
    "consensus.chair_statement": {"POST": R("/documents/{doc}/chair-statement", SECRETARIAT,
                                            form={"clause_id": "{c3}"})},
    # Like the move, the first step only (the confirmation page).
    "consensus.return_from_chair_statement": {"POST": R(
        "/documents/{chair}/return", SECRETARIAT, form={"clause_id": "{chair_clause}"},
        setup="chair_statement")},
    "consensus.open_for_comment": {"POST": R("/documents/{chair}/open-for-comment", SECRETARIAT,
                                             form={"open": "1"}, setup="chair_statement")},
    "revisions.issue": {"POST": R("/documents/{doc}/revisions", SECRETARIAT,
                                  form={"note": "After SOM3", "renumber": "1", **CONFIRMED})},
    "revisions.edit_clause": {"GET": R("/clauses/{c0}/edit", SECRETARIAT)},
    "revisions.save_clause_text": {"POST": R("/clauses/{c0}/text", SECRETARIAT, form={
        "text": "Recognising that climate change poses severe risks to the region;",
        "expected_version": "1", "note": "Editorial."})},
    "audit.circulate": {"POST": R("/documents/{doc}/circulate", SECRETARIAT,
                                  form=CONFIRMED, setup="waiting")},
    "audit.circulation_mode": {"POST": R("/documents/{doc}/circulation", SECRETARIAT,
                                         form={"mode": "on_circulation", **CONFIRMED})},
    "workflow.change_stage": {"POST": R("/documents/{doc}/stage", SECRETARIAT, form={
        "to_stage": "agreed_by_senior_officials", "note": "Agreed in the room."})},
    "workflow.open_round": {"POST": R("/documents/{doc}/rounds", SECRETARIAT,
                                      form={**DEADLINE, "note": "Round 2"})},
    "workflow.freeze": {"POST": R("/documents/{doc}/freeze", SECRETARIAT, form={
        "clause_id": "{c0}", "frozen": "1", "reason": "Agreed ad ref.", **CONFIRMED})},
    "workflow.start_silence": {"POST": R("/documents/{doc}/silence", SECRETARIAT,
                                         form={**DEADLINE, "note": "Final text."})},
    "workflow.cancel_silence": {"POST": R("/documents/{doc}/silence/cancel", SECRETARIAT,
                                          form={"reason": "A new proposal came in.",
                                                **CONFIRMED},
                                          setup="silence")},
    "workflow.break_silence": {"POST": R("/documents/{doc}/silence/break", DELEGATES,
                                         form={"reason": "We cannot accept OP2."},
                                         setup="silence", alone=True)},
    "workflow.endorse": {"POST": R("/documents/{doc}/endorse", SECRETARIAT,
                                   form={"note": "Leaders' meeting.", **CONFIRMED},
                                   setup="ministers")},
    "imports.new_document": {"GET": R("/documents/import", SECRETARIAT)},
    "imports.create_document": {"POST": R("/documents/import", SECRETARIAT, form={
        "title": "Test Zero Draft", "symbol": "2022/TEST/2", "classification": "Restricted",
        "markdown": MARKDOWN_DRAFT, "intent": "preview"})},
    # --- the administrator -------------------------------------------------------------------
    "admin.users": {"GET": R("/admin/users", ADMIN)},
    "admin.create_user": {"POST": R("/admin/users", ADMIN, form={
        "username": "newdelegate", "password": "a fresh long passphrase", "role": "observer"})},
    "admin.set_active": {"POST": R("/admin/users/{jpn}/active", ADMIN, form={"active": "0"})},
    "admin.change_role": {"POST": R("/admin/users/{jpn}/role", ADMIN, form={"role": "observer"})},
    "admin.reset_password": {"POST": R("/admin/users/{jpn}/password-reset", ADMIN)},
    # --- the JSON API (bearer tokens) ---------------------------------------------------------
    "api.openapi": {"GET": R("/api/v1/openapi.json", READ)},
    "api.list_documents": {"GET": R("/api/v1/documents", READ)},
    "api.show_document": {"GET": R("/api/v1/documents/{doc}", READ)},
    "api.show_clause": {"GET": R("/api/v1/clauses/{c2}", READ)},
    "api.list_proposals": {"GET": R("/api/v1/documents/{doc}/proposals", READ)},
    "api.show_proposal": {"GET": R("/api/v1/proposals/{proposal}",
                                   {"AUS": READ, "NZ": READ, "draft-NZ": "LHAHHH"})},
    "api.propose_on_clause": {"POST": R("/api/v1/clauses/{c1}/proposals", DELEGATES,
                                        json={"action": "amend", "text": AMEND_PP2})},
    "api.propose_on_document": {"POST": R("/api/v1/documents/{doc}/proposals", DELEGATES,
                                          json={"action": "insert", "after_clause_id": "{c3}",
                                                "text": NEW_CLAUSE})},
    "api.withdraw": {"POST": R("/api/v1/proposals/{proposal}/withdraw",
                               {**OWN_ECONOMY, "draft-NZ": "LHCHHH"})},
    "api.revise": {"POST": R("/api/v1/proposals/{proposal}/revise",
                             {**OWN_ECONOMY, "draft-NZ": "LHCHHH"},
                             json={"text": "We must reduce emissions and plastics by 2030."})},
    "api.cosponsor": {"POST": R("/api/v1/proposals/{proposal}/cosponsor",
                                {**OTHER_ECONOMY, "draft-NZ": "LHFHHH"})},
    "api.decide": {"POST": R("/api/v1/proposals/{proposal}/decision", SECRETARIAT_ON_PROPOSAL,
                             json={"decision": "reject", "note": "Not agreed.",
                                   "expected_version": 1})},
    "api.keep_as_option": {"POST": R("/api/v1/proposals/{proposal}/keep-as-option",
                                     SECRETARIAT_ON_PROPOSAL, json={})},
    "api.choose_option": {"POST": R("/api/v1/clauses/{c2}/choose-option", SECRETARIAT,
                                    json={"proposal_id": None, "expected_version": 1},
                                    setup="option")},
    "api.list_options": {"GET": R("/api/v1/clauses/{c2}/options", READ)},
    "api.clause_comments": {"GET": R("/api/v1/clauses/{c0}/comments", READ)},
    "api.comment_on_clause": {"POST": R("/api/v1/clauses/{c0}/comments", NEGOTIATORS,
                                        json={"body": "We support this paragraph."})},
    "api.comment_on_proposal": {"POST": R("/api/v1/proposals/{proposal}/comments",
                                          {"AUS": NEGOTIATORS, "NZ": NEGOTIATORS,
                                           "draft-NZ": "LHCHHH"},
                                          json={"body": "A question on this wording."})},
    "api.resolve_comment": {"POST": R("/api/v1/comments/{comment}/resolve",
                                      OWN_OR_SECRETARIAT, alone=True)},
    "api.reopen_comment": {"POST": R("/api/v1/comments/{comment}/reopen", OWN_OR_SECRETARIAT,
                                     setup="resolved", alone=True)},
    "api.clause_positions": {"GET": R("/api/v1/clauses/{c0}/positions", READ)},
    "api.set_position": {
        "POST": R("/api/v1/clauses/{c0}/position", DELEGATES, json={"stance": "support"}),
        "PUT": R("/api/v1/clauses/{c0}/position", DELEGATES, json={"stance": "can_accept"}),
    },
    "api.clear_position": {"DELETE": R("/api/v1/clauses/{c0}/position", DELEGATES,
                                       setup="positions")},
    "api.document_consensus": {"GET": R("/api/v1/documents/{doc}/consensus", READ)},
    "api.since_last_visit": {"GET": R("/api/v1/documents/{doc}/since-last-visit", READ)},
    "api.visit": {"POST": R("/api/v1/documents/{doc}/visit", READ, json={})},
    "api.document_event_stream": {"GET": R("/api/v1/documents/{doc}/events", READ)},
    "api.show_screen": {"GET": R("/api/v1/documents/{doc}/screen", READ)},
    "api.change_screen": {"PUT": R("/api/v1/documents/{doc}/screen", SECRETARIAT,
                                   json={"clause_id": "{c1}"})},
    "api.set_clause_status": {"POST": R("/api/v1/clauses/{c0}/status", SECRETARIAT, json={
        "status": "bracketed", "reason": "Contested by two economies."})},
    "api.create_chair_statement": {"POST": R("/api/v1/documents/{doc}/chair-statement",
                                             SECRETARIAT, json={"clause_ids": ["{c3}"]})},
    "api.return_from_chair_statement": {"POST": R(
        "/api/v1/documents/{chair}/return", SECRETARIAT, json={"clause_ids": ["{chair_clause}"]},
        setup="chair_statement")},
    "api.open_chair_statement_for_comment": {"POST": R(
        "/api/v1/documents/{chair}/open-for-comment", SECRETARIAT, json={"open": True},
        setup="chair_statement")},
    "api.list_drafts": {"GET": R("/api/v1/documents/{doc}/drafts", DELEGATES)},
    "api.create_draft": {"POST": R("/api/v1/documents/{doc}/drafts", DELEGATES, json={
        "action": "amend", "clause_id": "{c2}", "text": "We will reduce emissions by 2035."})},
    "api.update_draft": {"PUT": R("/api/v1/drafts/{proposal}", {**OWN_DRAFT, "AUS": "LCFFFF"},
                                  json={"text": "Recalling with appreciation the Putrajaya "
                                                "Vision 2040;"})},
    "api.delete_draft": {"DELETE": R("/api/v1/drafts/{proposal}",
                                     {**OWN_DRAFT, "AUS": "LCFFFF"})},
    "api.submit_drafts": {"POST": R("/api/v1/documents/{doc}/drafts/submit",
                                    {**OWN_DRAFT, "AUS": "LCFFFF"},
                                    json={"proposal_ids": ["{proposal}"]})},
    "api.circulate": {"POST": R("/api/v1/documents/{doc}/circulate", SECRETARIAT, json={},
                                setup="waiting")},
    "api.circulation_mode": {"PUT": R("/api/v1/documents/{doc}/circulation", SECRETARIAT,
                                      json={"circulate_immediately": False})},
    "api.list_revisions": {"GET": R("/api/v1/documents/{doc}/revisions", READ)},
    "api.create_revision": {"POST": R("/api/v1/documents/{doc}/revisions", SECRETARIAT,
                                      json={"note": "After SOM3"})},
    "api.show_revision": {"GET": R("/api/v1/documents/{doc}/revisions/1", READ,
                                   setup="revision")},
    "api.compare": {"GET": R("/api/v1/documents/{doc}/compare?from=1&to=current", READ,
                             setup="revision")},
    "api.negotiating_text": {"GET": R("/api/v1/documents/{doc}/negotiating-text", READ)},
    "api.search_document": {"GET": R("/api/v1/documents/{doc}/search?q=energy", READ)},
    "api.edit_clause_text": {"POST": R("/api/v1/clauses/{c0}/text", SECRETARIAT, json={
        "text": "Recognising that climate change poses severe risks to the region;",
        "expected_version": 1})},
    "api.document_stage": {"GET": R("/api/v1/documents/{doc}/stage", READ)},
    "api.move_document_stage": {"POST": R("/api/v1/documents/{doc}/stage", SECRETARIAT,
                                          json={"stage": "agreed_by_senior_officials"})},
    "api.list_rounds": {"GET": R("/api/v1/documents/{doc}/rounds", READ)},
    "api.open_submission_round": {"POST": R("/api/v1/documents/{doc}/rounds", SECRETARIAT,
                                            json=DEADLINE)},
    "api.freeze_clause": {"POST": R("/api/v1/clauses/{c0}/freeze", SECRETARIAT,
                                    json={"frozen": True, "reason": "Agreed ad ref."})},
    "api.show_silence": {"GET": R("/api/v1/documents/{doc}/silence", READ)},
    "api.start_silence": {"POST": R("/api/v1/documents/{doc}/silence", SECRETARIAT,
                                    json=DEADLINE)},
    "api.break_silence": {"POST": R("/api/v1/documents/{doc}/silence/break", DELEGATES,
                                    json={"reason": "We cannot accept OP2."},
                                    setup="silence", alone=True)},
    "api.cancel_silence": {"POST": R("/api/v1/documents/{doc}/silence/cancel", SECRETARIAT,
                                     json={"reason": "A new proposal came in."},
                                     setup="silence")},
    "api.endorse": {"POST": R("/api/v1/documents/{doc}/endorse", SECRETARIAT,
                              json={"note": "Leaders' meeting."}, setup="ministers")},
    "api.export_document": {"GET": R("/api/v1/documents/{doc}/export?mode=clean&format=html",
                                     READ)},
    "api.import_document": {"POST": R("/api/v1/documents/import", SECRETARIAT, json={
        "title": "Test Zero Draft", "symbol": "2022/TEST/2", "classification": "Restricted",
        "markdown": MARKDOWN_DRAFT})},
    "api.import_changes": {"POST": R("/api/v1/documents/{doc}/import-changes", DELEGATES,
                                     upload=True)},
    "api.audit_events": {"GET": R("/api/v1/audit", AUDITORS)},
    "api.audit_verify": {"GET": R("/api/v1/audit/verify", AUDITORS)},
    "api.list_notifications": {"GET": R("/api/v1/notifications", READ)},
    "api.notification_preferences": {"GET": R("/api/v1/notifications/preferences", READ)},
    "api.update_notification_preferences": {"PUT": R("/api/v1/notifications/preferences",
                                                     READ, json={"digest_hour": 9})},
    "api.read_all_notifications": {"POST": R("/api/v1/notifications/read-all", READ)},
    "api.read_notification": {"POST": R("/api/v1/notifications/{notification}/read",
                                        OWN_USER_ONLY)},
}


# --- running the table -------------------------------------------------------------------------

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Check:
    """One cell of the table: a route, a variant of its object, a role."""
    endpoint: str
    method: str
    variant: str
    role: str
    route: Route = field(compare=False, repr=False)

    @property
    def expected(self) -> str:
        letters = self.route.expect[self.variant]
        assert len(letters) == len(ROLES), f"{self}: one letter per role in {ROLES}"
        return letters[ROLES.index(self.role)]

    @property
    def is_api(self) -> bool:
        return self.route.url.startswith("/api/")

    @property
    def is_allowed_write(self) -> bool:
        return self.expected == "A" and self.method in WRITES

    def __str__(self) -> str:
        return f"{self.endpoint} {self.method} [{self.variant}] as {self.role}"


CHECKS = [Check(endpoint, method, variant, role, route)
          for endpoint, methods in MATRIX.items()
          for method, route in methods.items()
          for variant in route.expect
          for role in ROLES]

# Refusals and reads leave the database as it was (the refusals are checked to), so every route
# needing the same scene is checked on one: one test per set of `setup`s, the refusals first.
# An allowed write changes the scene: one test per route, its allowed writes in turn (they act
# on different objects, or add rows that do not disturb each other); a route marked `alone`
# gets a scene per allowed write.
REFUSAL_AND_READ_GROUPS: dict[tuple[str, ...], list[Check]] = {}
WRITE_GROUPS: list[tuple[str, list[Check]]] = []
for _endpoint, _methods in MATRIX.items():
    for _method, _route in _methods.items():
        _checks = [c for c in CHECKS if (c.endpoint, c.method) == (_endpoint, _method)]
        REFUSAL_AND_READ_GROUPS.setdefault(_route.setup, []).extend(
            c for c in _checks if not c.is_allowed_write)
        _writes = [c for c in _checks if c.is_allowed_write]
        if _writes and _route.alone:
            WRITE_GROUPS.extend((str(c), [c]) for c in _writes)
        elif _writes:
            WRITE_GROUPS.append((f"{_endpoint} {_method}", _writes))

# Figures for docs/security.md (printed by `python -m tests.security.test_authorisation_matrix`).
FIGURES = {
    "endpoints": len(MATRIX),
    "routes (endpoint × method)": sum(len(m) for m in MATRIX.values()),
    "route × object variants": len({(c.endpoint, c.method, c.variant) for c in CHECKS}),
    "checks (× 6 roles)": len(CHECKS),
    "allowed": sum(c.expected in "AC" for c in CHECKS),
    "refused": sum(c.expected in "LFH" for c in CHECKS),
}


def _fill(value, ids: dict[str, int]):
    """Placeholders in a body: "{c1}" alone becomes the id itself, inside text it is formatted."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format_map(ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _send(client, headers: dict, check: Check, scene):
    ids = scene.placeholders(check.variant)
    url = check.route.url.format_map(ids)
    kwargs: dict = {"method": check.method, "headers": headers}
    if check.route.json is not None:
        kwargs["json"] = _fill(check.route.json, ids)
    data = {k: str(v) for k, v in _fill(check.route.form or {}, ids).items()}
    if check.route.upload:
        data["file"] = (scene.tracked_changes_docx(), "AUS tracked changes.docx")
        kwargs["content_type"] = "multipart/form-data"
    if data:
        kwargs["data"] = data
    return client.open(url, **kwargs)


def _login_redirect(response) -> bool:
    if response.status_code not in (301, 302, 303):
        return False
    location = urlsplit(response.headers.get("Location", ""))
    return location.path == "/login" and "next" in parse_qs(location.query)


def _mismatch(check: Check, response, changed: list[str]) -> str | None:
    """None if the response is what the table says, else what went wrong."""
    expected, status = check.expected, response.status_code
    got = f"{status} {response.headers.get('Location', '')}".strip()
    if expected == "A":
        if 200 <= status < 400 and not _login_redirect(response):
            return None
        return f"expected allowed (2xx/3xx), got {got}: {response.data[:300]!r}"
    if changed:
        return f"expected {expected} with nothing changed, got {got} and changed {changed}"
    if expected == "L":
        if (check.is_api and status == 401) or (not check.is_api and _login_redirect(response)):
            return None
        return f"expected login required, got {got}"
    wanted = {"F": {403}, "H": {404}, "C": {400, 409, 422}}[expected]
    if status in wanted:
        return None
    return (f"expected {expected} ({'/'.join(map(str, sorted(wanted)))}), got {got}: "
            f"{response.data[:300]!r}")


@pytest.fixture
def scene(world):
    return build_scene(world)


def _run(app, api_token, scene, checks: list[Check], setup: tuple[str, ...]) -> None:
    prepare(scene, setup)
    # One client per role and kind of route, logged in (pages) or holding a token (API),
    # before the baseline is taken.
    clients = {}
    for check in checks:
        key = (check.role, check.is_api)
        if key in clients:
            continue
        client, headers = app.test_client(), {}
        if check.role != "anonymous":
            if check.is_api:
                headers = api_token(check.role)
            else:
                login(client, check.role)
        clients[key] = (client, headers)
    baseline = every_table()
    refusals = [c for c in checks if c.expected != "A"]
    allowed = [c for c in checks if c.expected == "A"]
    problems = []
    for check in refusals:
        response = _send(*clients[check.role, check.is_api], check, scene)
        changed = changed_tables(baseline, every_table())
        if problem := _mismatch(check, response, changed):
            problems.append(f"{check}: {problem}")
            baseline = every_table()  # report each refusal that writes, not all that follow
    for check in allowed:
        response = _send(*clients[check.role, check.is_api], check, scene)
        if problem := _mismatch(check, response, []):
            problems.append(f"{check}: {problem}")
    assert not problems, f"{len(problems)} cells of MATRIX disagree:\n" + "\n".join(problems)


@pytest.mark.parametrize("setup", list(REFUSAL_AND_READ_GROUPS),
                         ids=[" + ".join(s) or "plain scene" for s in REFUSAL_AND_READ_GROUPS])
def test_refusals_and_reads(app, api_token, scene, setup):
    """Every refused cell (L, F, H, C) changes nothing and answers as the table says; every
    allowed read answers 2xx/3xx."""
    _run(app, api_token, scene, REFUSAL_AND_READ_GROUPS[setup], setup)


@pytest.mark.parametrize("checks", [g for _, g in WRITE_GROUPS],
                         ids=[name for name, _ in WRITE_GROUPS])
def test_allowed_writes(app, api_token, scene, checks):
    """Every allowed write succeeds (2xx/3xx) for the roles the table allows."""
    _run(app, api_token, scene, checks, checks[0].route.setup)


def _routes_of(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method)
            for rule in app.url_map.iter_rules() if rule.endpoint not in IGNORED_ENDPOINTS
            for method in rule.methods - IGNORED_METHODS}


def test_every_route_has_a_rule(app):
    """A route in the URL map without a line in MATRIX fails: state who may call it."""
    in_map = _routes_of(app)
    in_table = {(endpoint, method) for endpoint, methods in MATRIX.items() for method in methods}
    missing = sorted(in_map - in_table)
    stale = sorted(in_table - in_map)
    assert not missing, ("Routes without an authorisation rule in "
                         f"tests/security/test_authorisation_matrix.py MATRIX: {missing}")
    assert not stale, f"MATRIX names routes that no longer exist: {stale}"


def test_every_table_url_reaches_its_endpoint(app):
    """The URL written in each line is served by the endpoint that line is about."""
    adapter = app.url_map.bind("localhost")
    ids = {name: 7 for name in ("doc", "jpn", "proposal", "comment", "notification", "token",
                                "c0", "c1", "c2", "c3", "chair", "chair_clause")}
    for endpoint, methods in MATRIX.items():
        for method, route in methods.items():
            path = urlsplit(route.url.format_map(ids)).path
            served_by, _ = adapter.match(path, method=method)
            assert served_by == endpoint, f"{endpoint} {method}: {path} is served by {served_by}"


def test_the_table_is_well_formed():
    """Known variants and setups, one letter per role, and every role both allowed and refused
    somewhere (a column of one letter would mean the role is not really tested)."""
    from tests.security.scene import SETUPS
    for endpoint, methods in MATRIX.items():
        for method, route in methods.items():
            assert set(route.expect) <= {"-", "AUS", "NZ", "draft-AUS", "draft-NZ"}, endpoint
            assert set(route.setup) <= set(SETUPS), endpoint
            for letters in route.expect.values():
                assert len(letters) == len(ROLES) and set(letters) <= set("ACFHL"), endpoint
    for role in ROLES:
        letters = {c.expected for c in CHECKS if c.role == role}
        assert "A" in letters and len(letters) > 1, role


if __name__ == "__main__":
    for name, value in FIGURES.items():
        print(f"{name}: {value}")
