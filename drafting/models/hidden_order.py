"""Row ids that count nothing, and the hidden key that keeps creation order.

Proposals and comments are shown by id (`/proposals/<id>`, `proposal_id`, `#<id>`, a reply's
`parent_id`), and their rows include what a viewer may not know exists: other economies' drafts,
proposals not yet circulated, comments on those. Ids taken from a sequence would let anyone who
creates two rows count the hidden ones made in between. So a new proposal or comment gets a
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

from sqlalchemy import event, func, select
from sqlalchemy.orm import object_session

# Above the ids a sequence gave before (existing rows keep theirs; a draw that meets one anyway
# is drawn again), up to PostgreSQL's largest `integer`, so column types and URLs stay as they are.
LOWEST_ROW_ID = 10_000_000
HIGHEST_ROW_ID = 2_147_483_647


def draw_row_id() -> int:
    """A uniformly random id in [LOWEST_ROW_ID, HIGHEST_ROW_ID]; the only source of new ids."""
    return LOWEST_ROW_ID + secrets.randbelow(HIGHEST_ROW_ID - LOWEST_ROW_ID + 1)


def _assign_keys(mapper, connection, target) -> None:
    """Give a row about to be inserted its random id and its place in creation order.

    Rows of one flush are handed here one by one, in the order they were added, before any of
    them is inserted: those already handled count as taken (id) and as the latest (`seq`)."""
    table = mapper.local_table
    session = object_session(target)
    pending = [other for other in (session.new if session is not None else ())
               if isinstance(other, mapper.class_) and other is not target]
    if target.id is None:
        taken = {other.id for other in pending}
        while True:
            candidate = draw_row_id()
            if candidate in taken:
                continue
            clash = connection.execute(
                select(table.c.id).where(table.c.id == candidate)).first()
            if clash is None:
                break
        target.id = candidate
    if target.seq is None:
        stored = connection.execute(select(func.max(table.c.seq))).scalar() or 0
        target.seq = max([stored] + [o.seq for o in pending if o.seq is not None]) + 1


def hide_creation_count(model):
    """Class decorator: new rows of `model` (which has `id` and `seq`) get a random id and the
    next `seq`. Order such rows with `order_by(model.seq, model.id)`, never by id."""
    event.listen(model, "before_insert", _assign_keys)
    return model
