"""What a database error becomes for the client (in-process; runs on SQLite and PostgreSQL).

The outage itself is exercised for real in test_database_outage.py; here the two kinds of
OperationalError are told apart: a transaction PostgreSQL rolled back to settle a race
(deadlock, serialization failure) is a 409 the client can retry, not a "database
unreachable" 503; a lost connection or a lock timeout stays a 503.
"""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

pytestmark = pytest.mark.faults


class DriverError(Exception):
    """Stands for psycopg's exception: a message and a SQLSTATE."""

    def __init__(self, message: str, sqlstate: str):
        super().__init__(message)
        self.sqlstate = sqlstate


def _failing_routes(app, sqlstate: str) -> None:
    def fail():
        raise OperationalError("UPDATE clauses …", {}, DriverError("it failed", sqlstate))

    app.add_url_rule("/api/v1/_fails", "api_fails", fail)
    app.add_url_rule("/_fails", "page_fails", fail)


@pytest.mark.own_app
@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_transaction_lost_to_a_race_answers_409_concurrent_change(app, client, sqlstate):
    _failing_routes(app, sqlstate)

    answer = client.get("/api/v1/_fails")
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "concurrent_change"
    page = client.get("/_fails")
    assert page.status_code == 409 and b"Reload and try again" in page.data


@pytest.mark.own_app
@pytest.mark.parametrize("sqlstate", ["08006", "55P03"])  # connection failure, lock timeout
def test_a_lost_connection_answers_503_with_retry_after(app, client, sqlstate):
    _failing_routes(app, sqlstate)

    answer = client.get("/api/v1/_fails")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "10"
    assert answer.get_json() == {"error": {
        "code": "database_unavailable",
        "message": "The database is not reachable right now. Please try again shortly."}}
    page = client.get("/_fails")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert b"The service is unavailable for a moment" in page.data and b"it failed" not in page.data


@pytest.mark.own_app
def test_an_exhausted_connection_pool_answers_503_database_busy(app, client):
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    def fail():
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached, connection timed out")

    app.add_url_rule("/api/v1/_busy", "api_busy", fail)
    app.add_url_rule("/_busy", "page_busy", fail)
    answer = client.get("/api/v1/_busy")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "10"
    assert answer.get_json()["error"]["code"] == "database_busy"
    page = client.get("/_busy")
    assert page.status_code == 503 and b"very busy" in page.data and b"QueuePool" not in page.data
