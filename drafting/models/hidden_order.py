"""Row ids that count nothing, and the hidden key that keeps creation order.

Proposals, comments and notifications are shown by id (`/proposals/<id>`, `proposal_id`,
`#<id>`, a reply's `parent_id`, `/notifications/<id>/open`), and their rows include what a viewer
may not know exists: other economies' drafts, proposals not yet circulated, comments on those,
other people's notices about them. Ids taken from a sequence would let anyone who creates or
receives two rows count the hidden ones made in between. So each such new row gets a
random id, drawn here and checked against the table in the same transaction; and order of
creation, which ids used to give, comes from `seq`, a column nobody is shown: the highest `seq`
plus one at insert.

Two PostgreSQL transactions inserting at the same moment may both read the same highest `seq`
and store equal values; lists order by (`seq`, `id`), so such rows still come in one fixed order
(by their random ids), which is all a tie between simultaneous submissions needs. Two such
transactions drawing the same id (odds about 1 in 2·10⁹ per pair) collide on the primary key
and one request fails, changing nothing.
"""
from __future__ import annotations

import secrets

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import object_session

# Above the ids a sequence gave before (existing rows keep theirs; a draw that meets one anyway
# is drawn again), up to PostgreSQL's largest `integer`, so column types and URLs stay as they are.
LOWEST_ROW_ID = 10_000_000
HIGHEST_ROW_ID = 2_147_483_647


def draw_row_id() -> int:
    """A uniformly random id in [LOWEST_ROW_ID, HIGHEST_ROW_ID]; the only source of new ids."""
    return LOWEST_ROW_ID + secrets.randbelow(HIGHEST_ROW_ID - LOWEST_ROW_ID + 1)


# Bounds one `IN (...)` look-up, well under SQLite's limit on bound parameters.
_CLASH_CHECK_CHUNK = 500


def _free_ids(connection, table, count: int, taken: set[int]) -> list[int]:
    """`count` fresh draws that are neither in `taken` nor already stored, in draw order.

    A fan-out (a new revision notifies every user) adds hundreds of rows in one flush, so the
    stored ids are checked with one query per round of draws, not one per row."""
    found: list[int] = []
    while len(found) < count:
        fresh: list[int] = []
        while len(fresh) < count - len(found):
            candidate = draw_row_id()
            if candidate not in taken:
                taken.add(candidate)
                fresh.append(candidate)
        stored: set[int] = set()
        for start in range(0, len(fresh), _CLASH_CHECK_CHUNK):
            chunk = fresh[start:start + _CLASH_CHECK_CHUNK]
            stored.update(connection.execute(
                select(table.c.id).where(table.c.id.in_(chunk))).scalars())
        found.extend(candidate for candidate in fresh if candidate not in stored)
    return found


def _assign_keys(mapper, connection, target) -> None:
    """Give every row of `target`'s class in this flush its random id and place in creation order.

    The first row of a flush to be inserted does it for all of them, in the order they were
    added to the session; the rest find their keys set and cost nothing."""
    if target.id is not None and target.seq is not None:
        return
    table = mapper.local_table
    session = object_session(target)
    batch = [row for row in (session.new if session is not None else ())
             if isinstance(row, mapper.class_)]
    if not any(row is target for row in batch):
        batch.append(target)
    batch.sort(key=lambda row: inspect(row).insert_order or 0)
    without_id = [row for row in batch if row.id is None]
    without_seq = [row for row in batch if row.seq is None]
    if len(batch) == 1 and without_id and without_seq:
        # The usual flush (one proposal, one comment): its draw checked and the highest seq
        # read in one statement instead of two.
        while True:
            candidate = draw_row_id()
            clash, latest = connection.execute(select(
                select(table.c.id).where(table.c.id == candidate).scalar_subquery(),
                select(func.max(table.c.seq)).scalar_subquery())).one()
            if clash is None:
                break
        target.id, target.seq = candidate, (latest or 0) + 1
        return
    if without_id:
        taken = {row.id for row in batch if row.id is not None}
        for row, row_id in zip(without_id, _free_ids(connection, table, len(without_id), taken)):
            row.id = row_id
    without_seq = [row for row in batch if row.seq is None]
    if without_seq:
        latest = max([connection.execute(select(func.max(table.c.seq))).scalar() or 0]
                     + [row.seq for row in batch if row.seq is not None])
        for offset, row in enumerate(without_seq, start=1):
            row.seq = latest + offset


def hide_creation_count(model):
    """Class decorator: new rows of `model` (which has `id` and `seq`) get a random id and the
    next `seq`. Order such rows with `order_by(model.seq, model.id)`, never by id."""
    event.listen(model, "before_insert", _assign_keys)
    return model
