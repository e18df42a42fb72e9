"""Reading the negotiation: documents list, document page, clause page."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from drafting.domain.input_rules import moment
from drafting.domain.render import css_class_for
from drafting.extensions import db
from drafting.models import Document, Economy
from drafting.models.types import utcnow
from drafting.services import outline, reading, settling
from drafting.services import revisions as revision_service
from drafting.services import visits as visit_service
from drafting.services.loading import get_clause, get_document
from drafting.web import http_cache, page_cache, page_lookups
from drafting.web.helpers import commit
from drafting.web.workflow import shown_settled

bp = Blueprint("documents", __name__)
bp.record_once(lambda state: page_cache.init_app(state.app))  # the {% cache %} template tag


@bp.get("/")
def home():
    return redirect(url_for("documents.index"))


@bp.get("/documents")
@login_required
def index():
    documents = db.session.execute(select(Document).order_by(Document.id)).scalars().all()
    settling.read_all_as_settled(documents)  # stages as of now, silence deadlines included
    return render_template("documents/index.html", documents=documents)


@bp.get("/documents/<int:document_id>")
@login_required
def show(document_id: int):
    # What this page shows was committed before this moment; "mark as read" moves the reading
    # point no further (to the microsecond: a change in the same second is still news).
    read_at = utcnow()
    document = page_lookups.document_for_page(document_id)  # with the change marker
    # A silence deadline may have passed: show it settled (web/workflow.py). Whether one has
    # is known from the document's state kept under the change marker, without a query.
    if http_cache.silence_settle_due(document):
        shown_settled(document)
    view_mode = "changes" if request.args.get("view") == "changes" else "clean"
    revision = None
    if request.args.get("rev") not in (None, ""):  # ?rev=N: the snapshot Rev.N holds
        revision = revision_service.get_revision(document, request.args["rev"])
        view_mode = "clean"

    revision_number = revision.number if revision else None
    # The outline's filter (?status=…&open_proposals=1&mine=1&changed=1): the current text only.
    chosen = outline.OutlineFilter() if revision is not None else \
        outline.parse_filter(request.args, request.args.getlist)

    def render():
        viewer = current_user._get_current_object()
        # The viewer's own digest, outside the shared body: what changed since the point read
        # with the document (no query at all for a first visit).
        digest = None if revision is not None else visit_service.since_last_visit(
            viewer, document, since=page_lookups.visit_point(document.id))
        # The body is shared by every viewer of the same class (drafting/web/page_cache.py):
        # when it is kept already, the read model is not even loaded.
        body_key = (*http_cache.document_body_key(document, view_mode=view_mode,
                                                  revision_number=revision_number),
                    "economy" if getattr(viewer, "economy_id", None) else "")
        view, changes, competing, all_revisions, shown = None, {}, {}, [], None
        if chosen.active:
            # A filtered body is the shared body narrowed to the paragraphs kept; which those
            # are may depend on the viewer's own economy and visit, so they are in its key.
            view = reading.document_view(document, viewer=viewer)
            shown = outline.shown_clause_ids(
                view, chosen,
                mine=outline.economy_clause_ids(viewer, view) if chosen.mine else (),
                changed=outline.changed_clause_ids(digest) if chosen.changed else ())
            body_key = (*body_key, "filter", chosen.key(), tuple(sorted(shown)))
        if page_cache.lookup(body_key) is None:
            all_revisions = revision_service.revisions_of(document)
            if revision is not None:
                view = revision_service.revision_view(document, revision)
            elif view is None:
                view = reading.document_view(  # counts of what this viewer may see only
                    document, viewer=viewer)
            if view_mode == "changes":
                # One proposal: inline. Several: each its own redline, never one merged sentence.
                competing = {row.clause.id: reading.alternatives(row, view.economies)
                             for row in view.rows if len(row.open_proposals) > 1}
                competing = {clause_id: found for clause_id, found in competing.items() if found}
                changes = {row.clause.id: reading.tracked_changes_html(row, view.economies)
                           for row in view.rows
                           if row.open_proposals and row.clause.id not in competing}
        return render_template("documents/show.html", view=view, document=document,
                               view_mode=view_mode, changes=changes, competing=competing,
                               redline=reading.proposal_redline_html,
                               revision=revision, revisions=all_revisions,
                               body_cache_key=body_key, digest=digest,
                               chosen=chosen, shown=shown, status_values=outline.STATUS_VALUES,
                               rendered_at=read_at.isoformat())

    # 304 Not Modified when the browser's copy is still current (drafting/web/http_cache.py).
    etag = http_cache.document_page_etag(
        document, view_mode=f"{view_mode}|{chosen.key()}" if chosen.active else view_mode,
        revision_number=revision_number)
    return http_cache.respond(etag, render)


@bp.post("/documents/<int:document_id>/visit")
@login_required
def visit(document_id: int):
    """"Mark as read": the reader's point moves to when the page they read was rendered
    (`seen_until`), so what changed while it lay open is still news next time. The page's
    script sends the same form once the page has been read (static/visits.js) and gets 204."""
    document = get_document(document_id)
    visit_service.mark_visited(current_user._get_current_object(), document,
                               until=moment(request.form.get("seen_until", "")))
    commit()
    if request.headers.get("X-Visit-Beacon") == "1":
        return "", 204
    flash("Marked as read: the next digest counts from this visit.", "success")
    return redirect(url_for("documents.show", document_id=document.id))


@bp.get("/clauses/<int:clause_id>")
@login_required
def clause(clause_id: int):
    clause = get_clause(clause_id)
    number = reading.number_of(clause)
    proposals = reading.proposals_for_clause(clause, current_user)
    return render_template(
        "documents/clause.html", clause=clause, number=number, proposals=proposals,
        threads=reading.comment_threads(viewer=current_user, clause=clause, clause_only=True),
        redline=reading.proposal_redline_html, decision_diff=reading.decision_diff,
        decided_redline=reading.decided_redline_html,
    )


@bp.get("/economies.css")
def economy_colours():
    """One class per economy with its stable colour, so templates need no inline styles."""
    rules = []
    for economy in db.session.execute(select(Economy)).scalars():
        cls = css_class_for(economy.code)
        rules.append(f".{cls}{{--econ:{economy.colour}}}")
    response = Response("\n".join(rules) + "\n", mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
