"""Export buttons: clean, redline, compilation and disposition texts as files."""
from __future__ import annotations

import re
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from drafting.domain.errors import InvalidInput
from drafting.extensions import db
from drafting.models import Revision
from drafting.services import exports
from drafting.services.export_files import (FORMATS_BY_MODE, ascii_filename, pdf_available,
                                           render_file)
from drafting.services.loading import get_document
from drafting.services.policy import Action, authorize
from drafting.web.helpers import signed_in_user
from drafting.web import http_cache
from drafting.web.rate_limits import conversions
from drafting.web.workflow import shown_settled

bp = Blueprint("exports", __name__)


def send_export(document, args) -> Response:
    """Shared by the page buttons and the API: build, render and send one export."""
    document = shown_settled(document)  # a silence deadline passed shows as adopted
    mode = args.get("mode", "clean")
    fmt = args.get("format", "docx")
    from drafting.services.export_files import check_format
    check_format(mode, fmt)
    viewer = signed_in_user()
    # Checked before a 304 or a cached file can be answered; export_document checks it again.
    authorize(viewer, Action.VIEW, document)

    include_unchanged = _yes_or_no(args, "unchanged")
    for name, pattern in REVISION_POINTS.items():  # checked whether the mode reads it or not
        value = (args.get(name) or "").strip()
        if value and not pattern.fullmatch(value):
            raise InvalidInput(f"{name} must be a revision number (“2” or “Rev.2”) or "
                               f"{' or '.join(repr(w) for w in WORDS[name])}.",
                               details={"field": name})
    isolation = current_app.extensions["isolation"]

    def build():
        data = exports.export_document(viewer, document, mode, from_revision=args.get("from"),
                                       to_revision=args.get("to"),
                                       include_unchanged=include_unchanged)
        return isolation.render(data, fmt, render_file)

    # ETag / 304 and the per-process cache of rendered files (drafting/web/http_cache.py); a
    # file being made for the same key is waited for, not made twice.
    key = http_cache.export_key(document, viewer, mode=mode, fmt=fmt,
                                from_revision=args.get("from"), to_revision=args.get("to"),
                                include_unchanged=include_unchanged)
    once = current_app.extensions["render_once"]
    return http_cache.export_response(
        key, lambda: once.run(key, build, isolation.settings.timeout),
        lambda file: _file_response(file, fmt))


WORDS = {"from": ("current", "first"), "to": ("current",)}
REVISION_POINTS = {name: re.compile(r"(Rev\.)?[0-9]+|" + "|".join(words))
                   for name, words in WORDS.items()}


def _yes_or_no(args, name: str) -> bool:
    value = (args.get(name) or "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise InvalidInput(f"{name} must be 1 or 0 (true or false).", details={"field": name})


def _file_response(file, fmt: str) -> Response:
    # content_type, not mimetype: Flask adds "; charset=utf-8" to a text mimetype, and the
    # media types already carry their charset (one parameter, not two).
    response = Response(file.content, content_type=file.media_type)
    disposition = "inline" if fmt == "html" else "attachment"
    response.headers["Content-Disposition"] = content_disposition(disposition, file.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if fmt == "html":
        # A standalone export page runs no script at all.
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def content_disposition(disposition: str, filename: str) -> str:
    """RFC 6266: a quoted ASCII `filename` for old clients and the exact name as RFC 5987
    `filename*` (UTF-8, percent-encoded), which clients that know it prefer."""
    encoded = quote(filename, safe="!#$&+^`|~")  # RFC 5987 attr-char, besides ALPHA DIGIT -._
    return f'{disposition}; filename="{ascii_filename(filename)}"; filename*=UTF-8\'\'{encoded}'




@bp.get("/documents/<int:document_id>/export")
@conversions
@login_required
def download(document_id: int):
    return send_export(get_document(document_id), request.args)


@bp.get("/documents/<int:document_id>/exports")
@login_required
def index(document_id: int):
    document = shown_settled(get_document(document_id))
    revisions = db.session.execute(
        select(Revision).where(Revision.document_id == document.id).order_by(Revision.number)
    ).scalars().all()
    return render_template("exports/index.html", document=document, revisions=revisions,
                           formats=FORMATS_BY_MODE, pdf_available=pdf_available())
