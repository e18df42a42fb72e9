"""Row locks for writes that must not interleave (decisions on one clause, revisions …)."""
from __future__ import annotations

from sqlalchemy import select

from drafting.extensions import db


def lock_row(model, object_id):
    """Re-read one row with a write lock, refreshing the object already in the session.

    On PostgreSQL racing transactions queue on the row (`FOR UPDATE OF` the model's own table,
    so eager-loaded outer joins don't make the lock invalid); SQLite serialises writers anyway.
    """
    return db.session.execute(
        select(model).where(model.id == object_id).with_for_update(of=model)
        .execution_options(populate_existing=True)
    ).scalar_one()
