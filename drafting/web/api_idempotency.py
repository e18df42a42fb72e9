"""The Idempotency-Key header on API POSTs (services/idempotency.py has the rules)."""
from __future__ import annotations

from flask import Response, g, request

from drafting.services import idempotency
from drafting.web.api import bp
from drafting.web.helpers import commit_kept_answer, signed_in_user

HEADER = "Idempotency-Key"


@bp.before_request
def begin_idempotent_request():
    """Runs after authentication and the body checks: a replay answers before the view."""
    raw = request.headers.get(HEADER)
    if request.method != "POST" or raw is None:
        return None
    key = idempotency.checked_key(raw)
    outcome = idempotency.begin(signed_in_user(), key, request.method, request.path,
                                request.get_data(cache=True))
    if isinstance(outcome, idempotency.StoredAnswer):
        replay = Response(outcome.body, status=outcome.status_code,
                          content_type=outcome.content_type)
        if outcome.location:
            replay.headers["Location"] = outcome.location
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    g.idempotency_record = outcome
    return None


@bp.after_request
def keep_the_answer(response: Response) -> Response:
    record = g.pop("idempotency_record", None)
    if record is None or not 200 <= response.status_code < 300 or response.direct_passthrough:
        return response
    commit_kept_answer(record, response.status_code, response.content_type,
                       response.headers.get("Location"), response.get_data(as_text=True))
    return response
