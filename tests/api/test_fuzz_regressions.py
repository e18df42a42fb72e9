"""Server errors found while fuzzing the API against its OpenAPI document, one test each.

Each answered 500 before its fix; each must now be a 4xx with the error shape, changing
nothing. (The PostgreSQL-only ones are caught by the PostgreSQL run of the suite.)
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from drafting.domain import workflow as wf
from drafting.domain.errors import InvalidInput
from drafting.extensions import db
from drafting.models import AuditEvent, SilenceProcedure, SubmissionRound
from drafting.services import revisions

API = "/api/v1"


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(True)[:300])
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("query", [
    "mode=clean&format=html&to={n}",
    "mode=redline&format=md&from={n}",
    "mode=redline&format=md&from=1&to={n}",
    "mode=disposition&format=html&from={n}",
])
@pytest.mark.parametrize("number", [2**40, 10**20])
def test_an_export_of_a_revision_number_beyond_the_column_is_404(client, world, api_token,
                                                                  query, number):
    """Was 500: the export's own revision lookup compared the number with an integer column
    (PostgreSQL: integer out of range; SQLite: too large for INTEGER)."""
    revisions.issue_revision(world.user("secretariat"), world.document, "Rev.1")
    db.session.commit()
    url = f"{API}/documents/{world.document.id}/export?" + query.format(n=number)
    error = error_of(client.get(url, headers=api_token("observer")), 404)
    assert error["code"] == "not_found" and str(number) in error["message"]


@pytest.mark.parametrize("field", ["economy", "kind"])
def test_an_audit_filter_with_a_control_character_is_422(client, world, api_token, field):
    """Was 500 on PostgreSQL, which cannot compare a text holding NUL."""
    for value in ("%00", "AUS%00", "%07"):
        error = error_of(client.get(f"{API}/audit?{field}={value}",
                                    headers=api_token("secretariat")), 422)
        assert error["details"] == {"field": field}


@pytest.mark.parametrize("path,model", [("rounds", SubmissionRound), ("silence", SilenceProcedure)])
@pytest.mark.parametrize("deadline,zone", [
    ("9999-12-31T23:59", "Pacific/Pago_Pago"),  # UTC-11: the UTC moment is in year 10000
    ("9999-12-31T23:59", "UTC"),
])
def test_a_deadline_at_the_end_of_the_calendar_is_422(client, world, api_token, path, model,
                                                      deadline, zone):
    """Was 500: converting the deadline to UTC overflowed datetime (OverflowError)."""
    headers = api_token("secretariat")
    events = db.session.execute(select(func.count(AuditEvent.id))).scalar()
    db.session.rollback()
    response = client.post(f"{API}/documents/{world.document.id}/{path}",
                           json={"deadline": deadline, "timezone": zone}, headers=headers)
    assert error_of(response, 422)["details"] == {"field": "deadline"}
    assert db.session.execute(select(func.count(model.id))).scalar() == 0
    assert db.session.execute(select(func.count(AuditEvent.id))).scalar() == events


@pytest.mark.parametrize("deadline,zone", [("9999-12-31T23:59", "America/Los_Angeles"),
                                           ("0001-01-01T00:00", "Pacific/Kiritimati"),
                                           ("1899-12-31T23:59", "UTC")])
def test_parse_local_deadline_refuses_moments_near_the_calendar_limits(deadline, zone):
    with pytest.raises(InvalidInput) as refused:
        wf.parse_local_deadline(deadline, zone)
    assert refused.value.details == {"field": "deadline"}


def test_parse_local_deadline_still_takes_the_years_in_between():
    moment, zone = wf.parse_local_deadline("8999-06-30T17:00", "Asia/Bangkok")
    assert (moment.year, moment.hour, zone) == (8999, 10, "Asia/Bangkok")
