"""Imports: the secretariat's zero draft (Word or pasted text), a delegation's tracked changes.

Both pages preview before they write. What the preview showed travels back in a hidden field
signed with the app's secret key (itsdangerous), so the save writes exactly what was shown
and nobody can slip other text or another economy's proposals into the hidden data.
"""
from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from drafting.domain.diff import word_diff
from drafting.domain.draft_parsing import ParsedDraft, choose_set_aside
from drafting.domain.tracked_import import PlannedProposal, ReportEntry, UnmappedChange
from drafting.domain.errors import DomainError, InvalidInput
from drafting.domain.render import render_changes
from drafting.domain.states import SectionKind
from drafting.extensions import db
from drafting.services import imports as import_service
from drafting.services.guards import ensure_not_chair_text
from drafting.services.loading import get_document
from drafting.services.policy import Action, authorize
from drafting.web.helpers import commit, isolated_call
from drafting.web.rate_limits import conversions

bp = Blueprint("imports", __name__)

PREVIEW_MAX_AGE = 6 * 3600  # a preview left open over a long meeting still saves
DRAFT_SALT = "imports.zero-draft"
CHANGES_SALT = "imports.tracked-changes"


# --- signed preview data (also used by the API module) ---------------------------------

def sign(data: dict, salt: str) -> str:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt).dumps(data)


def unsign(token: str, salt: str) -> dict:
    try:
        data = URLSafeTimedSerializer(current_app.secret_key, salt=salt).loads(
            token, max_age=PREVIEW_MAX_AGE)
    except SignatureExpired:
        raise InvalidInput("The preview is too old; upload the file again.",
                           code="preview_expired") from None
    except BadSignature:
        raise InvalidInput("The preview data was altered or comes from elsewhere; upload the "
                           "file again.", code="preview_invalid") from None
    if not isinstance(data, dict) or data.get("user") != current_user.id:
        raise InvalidInput("This preview was made for another account; upload the file again.",
                           code="preview_invalid")
    return data


def draft_digest(draft: ParsedDraft) -> str:
    """Fingerprint of a split as previewed, so a save never writes an unseen split."""
    body = json.dumps(draft.to_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def planned_redline(item: PlannedProposal, economy) -> str:
    new = "" if item.action == "delete" else item.text
    return render_changes(word_diff(item.base_text, new),
                          author=economy.code if economy else None,
                          author_name=economy.name if economy else None)


def _upload():
    """The uploaded file (storage) of the request, or None when none was chosen."""
    upload = request.files.get("file")
    return upload if upload is not None and upload.filename else None


# --- zero draft ------------------------------------------------------------------------

def _draft_form() -> dict:
    return {key: request.form.get(key, "") for key in
            ("title", "symbol", "classification", "markdown")}


def _render_draft(form: dict, *, draft: ParsedDraft | None = None, token: str = "",
                  filename: str = "", error: str | None = None, notice: str | None = None,
                  digest: str | None = None, status: int = 200):
    """`digest` is that of the split as read from the source, before the secretariat's
    choices (kinds, lines included) are applied: the save compares it with a fresh read."""
    same_symbol = import_service.documents_with_symbol(form.get("symbol", "")) if draft else []
    return render_template(
        "imports/draft.html", form=form, draft=draft, token=token, filename=filename,
        digest=(digest or draft_digest(draft)) if draft else "", error=error, notice=notice,
        same_symbol=same_symbol, kinds=list(SectionKind),
        max_mb=import_service.MAX_UPLOAD_BYTES // (1024 * 1024),
    ), status


@bp.get("/documents/import")
@login_required
def new_document():
    authorize(current_user, Action.ISSUE_REVISION)
    return _render_draft({"title": "", "symbol": "", "classification": "", "markdown": ""})


def _posted_set_aside() -> list[int]:
    """Ids of the lines set aside as "not a clause" that the secretariat chose to include."""
    return [int(v) for v in request.form.getlist("include-aside") if v.isdigit()]


def _posted_kinds(draft: ParsedDraft) -> list[str] | None:
    kinds = [request.form.get(f"kind-{i}") for i in range(len(draft.sections))]
    if not draft.sections or not all(kinds):
        return None
    return kinds


@bp.post("/documents/import")
@conversions
@login_required
def create_document():
    authorize(current_user, Action.ISSUE_REVISION)
    form = _draft_form()
    intent = request.form.get("intent", "preview")
    token = request.form.get("draft_token", "")
    upload = _upload()
    filename = ""
    try:
        if upload is not None:
            draft = import_service.read_zero_draft(
                current_user, upload=import_service.Upload(upload.read(), upload.filename),
                run=isolated_call())
            filename = import_service.safe_filename(upload.filename)
            token = sign({"user": current_user.id, "filename": filename,
                          "draft": draft.to_dict()}, DRAFT_SALT)
        elif token and not form["markdown"].strip():
            data = unsign(token, DRAFT_SALT)
            draft = ParsedDraft.from_dict(data["draft"])
            filename = data.get("filename", "")
        else:
            draft = import_service.read_zero_draft(current_user, markdown=form["markdown"],
                                                   run=isolated_call())
            token = ""
    except DomainError as error:
        if error.status == 403:
            raise
        return _render_draft(form, error=error.message, status=error.status)
    if not form["title"].strip() and draft.title:
        form["title"] = draft.title
    digest = draft_digest(draft)
    kinds = _posted_kinds(draft)
    if intent != "save":
        if request.form.get("digest") == digest:
            if kinds:
                _apply_kinds(draft, kinds)
            choose_set_aside(draft, _posted_set_aside())
        return _render_draft(form, draft=draft, token=token, filename=filename, digest=digest)
    if request.form.get("digest") != digest:
        notice = ("The text changed since the preview. Check the split below and create the "
                  "document again." if request.form.get("digest") else
                  "Check the split below, then create the document.")
        return _render_draft(form, draft=draft, token=token, filename=filename, notice=notice)
    choose_set_aside(draft, _posted_set_aside())
    try:
        document = import_service.import_zero_draft(
            current_user, draft, title=form["title"], symbol=form["symbol"],
            classification=form["classification"], kinds=kinds,
            source="docx" if filename else "markdown", filename=filename)
    except DomainError as error:
        if error.status == 403:
            raise
        db.session.rollback()
        if kinds:
            _apply_kinds(draft, kinds)
        return _render_draft(form, draft=draft, token=token, filename=filename,
                             error=error.message, digest=digest, status=error.status)
    commit()
    flash(f"“{document.title}” was created as a zero draft with "
          f"{draft.clause_count} clause{'s' if draft.clause_count != 1 else ''}.", "success")
    return redirect(url_for("documents.show", document_id=document.id))


def _apply_kinds(draft: ParsedDraft, kinds: list[str]) -> None:
    for section, kind in zip(draft.sections, kinds):
        try:
            chosen = SectionKind(kind)
        except ValueError:
            continue
        if chosen is not section.kind:
            section.kind, section.kind_reason = chosen, "chosen by you"


# --- tracked changes -------------------------------------------------------------------

def report_rows(report: list[ReportEntry], proposals: list[PlannedProposal]) -> list[dict]:
    """The import report as the page shows it: each change and comment, and its fate."""
    rows = []
    for entry in report:
        item = proposals[entry.proposal] if entry.proposal is not None else None
        if entry.outcome == "proposal":
            # "item N": its place in this preview, not a proposal number (those come with
            # circulation: services/proposal_numbers.py).
            fate = f"becomes item {entry.proposal + 1}: {item.label}"
        elif entry.outcome == "rationale":
            fate = f"rationale of item {entry.proposal + 1}: {item.label}"
        else:
            fate = f"not imported: {entry.reason}"
        rows.append({"entry": entry, "fate": fate})
    return rows


def _render_changes(document, *, plan: dict | None = None, token: str = "",
                    error: str | None = None, error_details: list | None = None,
                    status: int = 200):
    items = []
    if plan is not None:
        economy = current_user.economy
        for index, item in enumerate(plan["proposals"]):
            items.append({"index": index, "item": item,
                          "redline": planned_redline(item, economy),
                          "problem": plan["problems"].get(index),
                          "included": plan["included"].get(index, index not in plan["problems"]),
                          "rationale": plan["rationales"].get(index, item.rationale)})
    report = report_rows(plan["report"], plan["proposals"]) if plan is not None else []
    return render_template(
        "imports/changes.html", document=document, plan=plan, items=items, token=token,
        report=report,
        error=error, error_details=error_details or [],
        max_mb=import_service.MAX_UPLOAD_BYTES // (1024 * 1024),
    ), status


@bp.get("/documents/<int:document_id>/import-changes")
@login_required
def changes_form(document_id: int):
    document = get_document(document_id)
    authorize(current_user, Action.PROPOSE, document)
    ensure_not_chair_text(document)
    return _render_changes(document)


@bp.post("/documents/<int:document_id>/import-changes")
@conversions
@login_required
def import_changes(document_id: int):
    document = get_document(document_id)
    authorize(current_user, Action.PROPOSE, document)
    token = request.form.get("plan_token", "")
    upload = _upload()
    try:
        if upload is not None or not token:
            if upload is None:
                raise InvalidInput("Choose the Word .docx file with your tracked changes.",
                                   code="no_file", details={"field": "file"})
            result = import_service.plan_tracked_changes(
                current_user, document, import_service.Upload(upload.read(), upload.filename),
                run=isolated_call())
            plan = {"filename": result.filename, "proposals": result.proposals,
                    "unmapped": result.unmapped, "problems": result.problems,
                    "report": result.report, "included": {}, "rationales": {}}
            token = sign({"user": current_user.id, "document": document.id,
                          "filename": result.filename,
                          "proposals": [p.to_dict() for p in result.proposals],
                          "unmapped": [u.to_dict() for u in result.unmapped],
                          "report": [e.to_dict() for e in result.report]}, CHANGES_SALT)
            return _render_changes(document, plan=plan, token=token)
        data = unsign(token, CHANGES_SALT)
        if data.get("document") != document.id:
            raise InvalidInput("This preview was made for another document; upload the file "
                               "again.", code="preview_invalid")
    except DomainError as error:
        if error.status == 403:
            raise
        return _render_changes(document, error=error.message, status=error.status)

    proposals = [PlannedProposal.from_dict(p) for p in data["proposals"]]
    included = {i: str(i) in request.form.getlist("include") for i in range(len(proposals))}
    rationales = {i: request.form.get(f"rationale-{i}", proposals[i].rationale)
                  for i in range(len(proposals))}
    chosen = []
    for i, item in enumerate(proposals):
        item.rationale = rationales[i]
        if included[i]:
            chosen.append(item)
    plan = {"filename": data.get("filename", ""), "proposals": proposals,
            "unmapped": [UnmappedChange(**u) for u in data.get("unmapped", [])],
            "report": [ReportEntry(**e) for e in data.get("report", [])],
            "problems": {}, "included": included, "rationales": rationales}
    try:
        created = import_service.submit_tracked_changes(current_user, document, chosen)
    except DomainError as error:
        if error.status == 403:
            raise
        db.session.rollback()
        plan["problems"] = import_service.planned_problems(current_user, document, proposals)
        listed = error.details.get("problems")
        message = error.message if not listed else (
            f"{len(listed)} of the {len(chosen)} proposals cannot be submitted, so none was:")
        return _render_changes(document, plan=plan, token=token, error=message,
                               error_details=listed, status=error.status)
    ids = ", ".join(f"{p.name} ({item.label})" for p, item in zip(created, chosen))
    commit()
    flash(f"{len(created)} proposal{'s' if len(created) != 1 else ''} submitted for "
          f"{current_user.economy.name} from “{plan['filename']}”: {ids}.", "success")
    left_out = [i + 1 for i, chosen in included.items() if not chosen]
    if left_out:
        flash("Not submitted (unticked in the preview): item "
              + ", ".join(str(n) for n in left_out) + " of the import report.", "info")
    return redirect(url_for("documents.show", document_id=document.id))
