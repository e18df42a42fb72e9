"""Row locks for writes that must not interleave (decisions on one clause, revisions …)."""
from __future__ import annotations

from sqlalchemy import select

from drafting.extensions import db


def lock_row(model, object_id, *, shared: bool = False):
    """Re-read one row with a lock, refreshing the object already in the session.

    On PostgreSQL racing transactions queue on the row (`OF` the model's own table, so
    eager-loaded outer joins don't make the lock invalid); SQLite serialises writers anyway.
    The write lock is `FOR NO KEY UPDATE`, not `FOR UPDATE`: inserting a row that refers to
    the locked one (a proposal on a clause of the document) takes a key-share lock for its
    foreign key, which `FOR UPDATE` blocks. A decision holding the document and waiting for
    the clause, against a submission holding the clause's key share and waiting for the
    document, was a deadlock (tests/faults/test_concurrent_writers.py found it); nothing here
    changes a primary key, so the weaker lock loses nothing. `shared` takes `FOR SHARE`:
    readers that must see a settled row (the clause version a proposal is based on) wait for
    writers but not for each other.
    """
    lock = {"read": True} if shared else {"key_share": True}
    return db.session.execute(
        select(model).where(model.id == object_id).with_for_update(of=model, **lock)
        .execution_options(populate_existing=True)
    ).scalar_one()
