"""JSON API: importing a zero draft, and a delegation's tracked-changes Word file.

    POST /api/v1/documents/import[?preview=1]
        multipart: file=<.docx>, title, symbol, classification[, kind=… one per section]
        or JSON: {"title", "symbol", "classification", "markdown"[, "kinds": [...]]}
        optional: include=<id> (multipart, repeated) or "include": [ids] (JSON) — the lines
        set aside as "not a clause" (footnotes, source notes) to import as clauses after all
        → 201 {"id", "title", "symbol", "stage", "sections": [...], "clauses": n, "notes"}
        → with preview=1: 200 the split, nothing saved; "set_aside" lists the lines left out
          as not clauses ({"id", "section", "number", "text", "reason", "included"})
    POST /api/v1/documents/<id>/import-changes[?preview=1]
        multipart: file=<.docx>
        → 201 {"created": [ids], "proposals": [proposal…], "unmapped": [...], "report": [...]}
        → with preview=1: 200 {"filename", "proposals": [planned…], "unmapped": [...],
          "report": [...]}
        "report" lists every tracked change and comment of the file: {"kind": "change" |
        "comment", "paragraph", "location", "what", "outcome": "proposal" | "rationale" |
        "not_imported", "proposal": index into "proposals" or null, "proposal_id" (after a
        submission), "reason"}
"""
from __future__ import annotations

from flask import g, jsonify, request

from drafting.domain.diff import word_diff
from drafting.domain.draft_parsing import ParsedDraft, choose_set_aside
from drafting.domain.tracked_import import PlannedProposal, ReportEntry
from drafting.domain.errors import DomainError, InvalidInput
from drafting.services import imports as import_service
from drafting.services import reading
from drafting.services.loading import get_document
from drafting.services.policy import Action, authorize
from drafting.web.api import _payload, _string, bp, diff_json, proposal_json
from drafting.web.helpers import commit, isolated_call, signed_in_user
from drafting.web.rate_limits import conversions


def _preview_requested() -> bool:
    return request.args.get("preview", "").lower() in ("1", "true", "yes")


def _is_multipart() -> bool:
    return request.mimetype == "multipart/form-data"


def _uploaded_docx() -> import_service.Upload:
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("Send the Word file in the multipart field 'file'.",
                           code="no_file", details={"field": "file"})
    return import_service.Upload(upload.read(), upload.filename or "upload.docx")


def draft_json(draft: ParsedDraft) -> dict:
    """The split; "sections" lists the clauses to import, "set_aside" the lines offered as
    "not a clause" (included ones appear in both)."""
    return {
        "title": draft.title,
        "sections": [{"heading": s.heading, "kind": s.kind.value, "kind_reason": s.kind_reason,
                      "clauses": [{"number": c.number, "text": c.text}
                                  for c in s.clauses if c.included]}
                     for s in draft.sections],
        "clauses": draft.clause_count,
        "notes": draft.notes,
        "problems": draft.problems,
        "set_aside": [{"id": i, "section": s.heading, "number": c.number, "text": c.text,
                       "reason": c.aside, "included": c.included}
                      for i, s, c in draft.set_aside()],
    }


def _ids(values, field: str) -> list[int]:
    if values is None:
        return []
    if not isinstance(values, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise InvalidInput(f"{field} must be a list of ids from the preview's set_aside.",
                           details={"field": field})
    return values


def report_json(report: list[ReportEntry], created_ids: list[int] | None = None) -> list[dict]:
    rows = []
    for entry in report:
        row = entry.to_dict()
        if created_ids is not None:
            row["proposal_id"] = created_ids[entry.proposal] \
                if entry.proposal is not None else None
        rows.append(row)
    return rows


def planned_json(item: PlannedProposal, problem: str | None) -> dict:
    body = item.to_dict()
    body["label"] = item.label
    body["diff"] = diff_json(word_diff(item.base_text, "" if item.action == "delete"
                                       else item.text))
    body["problem"] = problem
    return body


@bp.post("/documents/import")
@conversions
def import_document():
    user = signed_in_user()
    authorize(user, Action.ISSUE_REVISION)
    filename = ""
    if _is_multipart():
        docx = _uploaded_docx()
        fields = {key: request.form.get(key, "") for key in
                  ("title", "symbol", "classification")}
        kinds = request.form.getlist("kind") or None
        include = [int(v) for v in request.form.getlist("include") if v.strip().isdigit()]
        draft = import_service.read_zero_draft(user, upload=docx, run=isolated_call())
        filename = import_service.safe_filename(docx.filename)
    else:
        data = _payload()
        fields = {key: _string(data, key) for key in ("title", "symbol", "classification")}
        kinds = data.get("kinds")
        if kinds is not None and (not isinstance(kinds, list) or
                                  not all(isinstance(k, str) for k in kinds)):
            raise InvalidInput("kinds must be a list of \"preamble\" / \"operative\", one per "
                               "section.", details={"field": "kinds"})
        include = _ids(data.get("include"), "include")
        draft = import_service.read_zero_draft(user, markdown=_string(data, "markdown"),
                                               run=isolated_call())
    choose_set_aside(draft, include)
    if _preview_requested():
        body = draft_json(draft)
        body.update(symbol=fields["symbol"], classification=fields["classification"],
                    title=fields["title"] or draft.title,
                    same_symbol=[d.id for d in import_service.documents_with_symbol(
                        fields["symbol"])])
        return jsonify(body)
    document = import_service.import_zero_draft(
        user, draft, title=fields["title"], symbol=fields["symbol"],
        classification=fields["classification"], kinds=kinds,
        source="docx" if filename else "markdown", filename=filename)
    commit()
    view = reading.document_view(document, viewer=user)
    return jsonify({
        "id": document.id, "title": document.title, "symbol": document.symbol,
        "classification": document.classification, "stage": document.stage.value,
        "sections": [{"id": s.section.id, "heading": s.section.heading,
                      "kind": s.section.kind.value,
                      "clauses": [{"id": r.clause.id, "number": r.number, "text": r.version.text}
                                  for r in s.rows]} for s in view.sections],
        "clauses": len(view.rows),
        "notes": draft.notes,
    }), 201


@bp.post("/documents/<int:document_id>/import-changes")
@conversions
def import_changes(document_id: int):
    user = signed_in_user()
    document = get_document(document_id)
    authorize(user, Action.PROPOSE, document)
    if not _is_multipart():
        raise DomainError("Send the Word file as multipart/form-data in the field 'file'.",
                          code="not_multipart")
    plan = import_service.plan_tracked_changes(user, document, _uploaded_docx(),
                                               run=isolated_call())
    unmapped = [u.to_dict() for u in plan.unmapped]
    if _preview_requested():
        return jsonify({"filename": plan.filename,
                        "proposals": [planned_json(item, plan.problems.get(i))
                                      for i, item in enumerate(plan.proposals)],
                        "unmapped": unmapped, "report": report_json(plan.report)})
    if not plan.proposals:
        raise InvalidInput("No tracked change in the file could be tied to a clause; nothing "
                           "was submitted.", code="nothing_to_submit",
                           details={"unmapped": unmapped,
                                    "report": report_json(plan.report)})
    created = import_service.submit_tracked_changes(user, document, plan.proposals)
    commit()
    return jsonify({"filename": plan.filename, "created": [p.id for p in created],
                    "proposals": [proposal_json(p) for p in created],
                    "unmapped": unmapped,
                    "report": report_json(plan.report, [p.id for p in created])}), 201
