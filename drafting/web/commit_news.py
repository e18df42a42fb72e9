"""News of every commit that writes, on the live bus, for the caches that follow it.

Each process keeps some rows in memory for as long as nothing changes them (sessions' users,
web/session_users.py; the document page's look-ups, web/http_cache.py). They learn of changes
here: a commit that wrote anything — through the ORM or through a statement the session ran —
sends one control message, `{"control": "committed", "users": [...]}`, naming the users it
changed ("all" when it may have changed any: a statement on the users table, an economy). It
goes to this process's caches at once, and to the others through the bus: inside the
transaction with LISTEN/NOTIFY (delivered at the commit, dropped on a rollback), just after
the commit with Redis. Streams never see it (infrastructure/live_bus.CONTROL).
"""
from __future__ import annotations

import logging

from flask import has_app_context
from sqlalchemy import TextClause, event, func, select
from sqlalchemy.orm import Session

from drafting.models import Economy, User
from drafting.services import live as live_service
from drafting.infrastructure.live_bus import CONTROL, PostgresBus

log = logging.getLogger(__name__)

COMMITTED = "committed"
ALL_USERS = "all"
# The session's note of what its transaction wrote: a set of changed user ids, or ALL_USERS.
_NOTE_KEY = "drafting.commit_news"
# More named users than this are announced as "all" (a NOTIFY payload is small).
_MAX_NAMED_USERS = 500


def _note(session: Session, user_ids) -> None:
    noted = session.info.get(_NOTE_KEY, set())
    session.info[_NOTE_KEY] = ALL_USERS if ALL_USERS in (noted, user_ids) \
        else noted | set(user_ids)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context) -> None:
    # Still the flush's input here: what was dirty or deleted is what changed. A user is kept
    # with their economy (web/session_users.py): a changed economy may concern any user.
    changed = (*session.dirty, *session.deleted)
    if any(isinstance(obj, Economy) for obj in changed):
        _note(session, ALL_USERS)
    else:
        _note(session, {obj.id for obj in changed if isinstance(obj, User) and obj.id is not None})


_USERS_TABLES = frozenset({User.__tablename__, Economy.__tablename__})


_WRITING_SQL = ("insert", "update", "delete", "truncate", "merge")


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if isinstance(state.statement, TextClause):
        # Written SQL says nothing the ORM can read about its table: assume the worst.
        if state.statement.text.lstrip().lower().startswith(_WRITING_SQL):
            _note(state.session, ALL_USERS)
        return
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    on_users = getattr(table, "name", None) in _USERS_TABLES
    _note(state.session, ALL_USERS if on_users and not state.is_insert else ())


def message(noted) -> dict:
    users = ALL_USERS if noted == ALL_USERS or len(noted) > _MAX_NAMED_USERS else sorted(noted)
    return {CONTROL: COMMITTED, "users": users}


@event.listens_for(Session, "before_commit")
def _announce_within_the_transaction(session: Session) -> None:
    # Also called when a savepoint is released: only the outermost commit makes news.
    if session.in_nested_transaction() or not has_app_context():
        return
    # The commit's own flush comes after this hook: a change still pending (a logout's new
    # nonce, say) must be noted before the NOTIFY goes out.
    session.flush()
    noted = session.info.get(_NOTE_KEY)
    if noted is None:
        return
    bus = live_service.current_bus()
    if isinstance(bus, PostgresBus):
        session.execute(select(func.pg_notify(bus.channel, bus.payload(message(noted)))))


@event.listens_for(Session, "after_commit")
def _announce_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    noted = session.info.pop(_NOTE_KEY, None)
    if noted is None or not has_app_context():
        return
    bus = live_service.current_bus()
    news = message(noted)
    bus.fanout.deliver(news)  # this process's caches, before its next request
    if bus.cross_process and not isinstance(bus, PostgresBus):
        try:
            bus.publish(news)
        except Exception:  # noqa: BLE001 - the change is committed
            # Redis refusing a publish is Redis being away: the other processes' listeners
            # lose it too, and a listener that lost its connection makes its process trust
            # nothing it keeps.
            log.warning("a commit's news could not be published", exc_info=True)


@event.listens_for(Session, "after_transaction_end")
def _drop_rolled_back(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_NOTE_KEY, None)


__all__ = ["ALL_USERS", "COMMITTED", "message"]
