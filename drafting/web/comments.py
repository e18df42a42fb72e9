"""Posting, resolving and reopening comment threads from pages."""
from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, request
from flask_login import current_user, login_required

from drafting.domain.errors import InvalidInput
from drafting.extensions import db
from drafting.services import comments as comment_service
from drafting.services.loading import get_clause
from drafting.services.visibility import get_visible_comment, get_visible_proposal
from drafting.web.form_errors import field_errors
from drafting.web.helpers import is_local, commit, form_int, redirect_back

bp = Blueprint("comments", __name__)


@bp.post("/comments")
@login_required
def create():
    clause_id = form_int("clause_id", required=False)
    proposal_id = form_int("proposal_id", required=False)
    parent_id = form_int("parent_id", required=False)
    body = request.form.get("body", "")
    try:
        comment = comment_service.add_comment(
            current_user,
            clause=get_clause(clause_id) if clause_id else None,
            proposal=get_visible_proposal(current_user, proposal_id) if proposal_id else None,
            parent=get_visible_comment(current_user, parent_id) if parent_id else None,
            body=body,
        )
    except InvalidInput as error:
        errors, _general = field_errors(error, {"body": "your comment"})
        if not errors or not (clause_id or proposal_id):
            raise
        return _form_again(errors["body"], body, clause_id=clause_id, proposal_id=proposal_id,
                           parent_id=parent_id, status=error.status)
    commit()
    flash("Comment posted.", "success")
    return _back_to(comment)


@bp.post("/comments/<int:comment_id>/resolve")
@login_required
def resolve(comment_id: int):
    root = comment_service.resolve_comment(current_user, get_visible_comment(current_user, comment_id))
    commit()
    flash("Thread resolved.", "success")
    return _back_to(root)


@bp.post("/comments/<int:comment_id>/reopen")
@login_required
def reopen(comment_id: int):
    root = comment_service.reopen_comment(current_user, get_visible_comment(current_user, comment_id))
    commit()
    flash("Thread reopened.", "success")
    return _back_to(root)


def _form_again(message: str, body: str, *, clause_id, proposal_id, parent_id, status: int):
    """The page the comment was written on, again, with the refusal beside the comment box and
    what was typed still in it (templates/_macros.html reads `g.comment_form`). Nothing was
    saved: the request's session is rolled back by the page's own error handling."""
    from drafting.web import documents, proposals  # noqa: PLC0415 - views of other blueprints

    db.session.rollback()
    g.comment_form = {"key": f"reply-{parent_id}" if parent_id
                      else f"new-{clause_id or ''}-{proposal_id or ''}",
                      "error": message, "body": body}
    page = proposals.show(proposal_id) if proposal_id else documents.clause(clause_id)
    return make_response(page, status)


def _back_to(comment):
    """Back to the page the form was on (`next`), at the comment; else to its subject's page."""
    target = request.form.get("next") or request.args.get("next")
    if target and is_local(target) and "#" not in target:
        return redirect(f"{target}#comment-{comment.id}")
    if comment.proposal_id:
        return redirect_back("proposals.show", proposal_id=comment.proposal_id,
                             _anchor=f"comment-{comment.id}")
    return redirect_back("documents.clause", clause_id=comment.clause_id,
                         _anchor=f"comment-{comment.id}")
