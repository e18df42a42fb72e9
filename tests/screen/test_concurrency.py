"""Two secretariat laptops pressing "Next paragraph" at the same moment step twice.

Row locks are what makes this true, and they exist on PostgreSQL only (SQLite runs one writer
at a time anyway): the test runs in the PostgreSQL pass of the suite.
"""
from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from drafting.extensions import db
from drafting.models import AuditEvent, Document, User
from drafting.services import screen

_URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not _URL or make_url(_URL).get_backend_name() != "postgresql",
    reason="row locks are a PostgreSQL matter (SQLite serialises writers): this runs in the "
           "PostgreSQL pass (TEST_DATABASE_URL), as CI does")

# Deadlines for waiting on other threads (a busy machine), never assertions about speed.
DEADLINE = 60


def _is_waiting_for_a_lock(backend_pid: int) -> bool:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM pg_locks "
                                       "WHERE pid = :pid AND NOT granted"),
                                  {"pid": backend_pid}).scalar_one() > 0


def test_two_racing_next_presses_step_twice(app, world):
    document_id, user_id = world.document.id, world.user("secretariat").id
    screen.show_on_screen(world.user("secretariat"), world.document, world.clauses[0].id)
    db.session.commit()
    first_holds_its_lock = threading.Event()
    let_first_commit = threading.Event()
    shown: dict[str, int] = {}
    backend_pids: dict[str, int] = {}
    second_connected = threading.Event()
    failures: list[BaseException] = []

    def press(name: str, hold: bool) -> None:
        try:
            with app.app_context():  # a session (and a connection) of its own
                backend_pids[name] = db.session.execute(text("SELECT pg_backend_pid()")
                                                        ).scalar_one()
                if not hold:
                    second_connected.set()
                state = screen.step_screen(db.session.get(User, user_id),
                                           db.session.get(Document, document_id), "next")
                shown[name] = state.clause_id
                if hold:
                    first_holds_its_lock.set()
                    assert let_first_commit.wait(DEADLINE)
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
            first_holds_its_lock.set()
            second_connected.set()

    first = threading.Thread(target=press, args=("first", True))
    second = threading.Thread(target=press, args=("second", False))
    first.start()
    assert first_holds_its_lock.wait(DEADLINE) and not failures, failures
    second.start()
    assert second_connected.wait(DEADLINE) and not failures, failures
    # The second press must queue behind the first one's lock, not read the old screen.
    give_up = time.monotonic() + DEADLINE
    while not _is_waiting_for_a_lock(backend_pids["second"]) and second.is_alive() \
            and time.monotonic() < give_up:
        time.sleep(0.05)
    assert "second" not in shown, "the second press did not wait for the first"
    let_first_commit.set()
    first.join(DEADLINE)
    second.join(DEADLINE)
    assert not failures, failures
    assert shown == {"first": world.clauses[1].id, "second": world.clauses[2].id}
    db.session.expire_all()
    assert screen.on_screen_clause_id(world.document) == world.clauses[2].id
    assert db.session.execute(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.kind == "screen.shown")).scalar_one() == 3
