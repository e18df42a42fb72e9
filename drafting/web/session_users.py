"""Recently checked sessions, kept per process, so that a logged-in request need not read its
user from the database.

A session cookie names a user and that user's session nonce (models/user.py); the nonce changes
at logout, password change and deactivation. Checking it costs a statement and its round trips
on every request: on a document page served from the page cache, about as much again as the
page itself (docs/performance.md).

Each process keeps, for a user whose session it has just checked, the user's columns (not the
password hash) and economy, and answers that user's next requests from memory. The entries
follow the live bus (memory_cache.BusFollowingCache): a commit changing a user announces it
(web/commit_news.py) and every process forgets that user; a process whose bus listener lost
its connection trusts no entry; none is older than SESSION_USER_CACHE_SECONDS (default 60).
Only a bus reaching every process (Redis, LISTEN/NOTIFY) turns it on;
SESSION_USER_CACHE_ENTRIES=0 turns it off.

A logout in one process reaches the others after the bus's delay (milliseconds); until then
they still accept the old cookie.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import inspect
from sqlalchemy.orm.attributes import set_committed_value

from drafting.extensions import db
from drafting.models import Economy, User
from drafting.infrastructure.live_bus import CONTROL
from drafting.web import commit_news, kept_rows
from drafting.web.memory_cache import EVERYTHING, BusFollowingCache, bus_following_cache

EXTENSION_KEY = "drafting.session_users"
# Never kept: a password check reads the hash from the database.
_LEFT_OUT = frozenset({"password_hash"})


@dataclass(frozen=True)
class _Checked:
    nonce: str
    user: dict
    economy: dict | None


def _news(message: dict):
    if message.get(CONTROL) != commit_news.COMMITTED:
        return None
    users = message.get("users")
    if users == commit_news.ALL_USERS or not isinstance(users, list):
        return EVERYTHING
    return users


def init_app(app: Flask) -> None:
    cache = bus_following_cache(app, _news, "SESSION_USER_CACHE_ENTRIES", 10_000,
                                "SESSION_USER_CACHE_SECONDS", 60)
    if cache is not None:
        app.extensions[EXTENSION_KEY] = cache


def _cache() -> BusFollowingCache | None:
    return current_app.extensions.get(EXTENSION_KEY)


def load_user(user_id: int, nonce: str) -> User | None:
    """The user of a session cookie naming `user_id` and `nonce`, or None if it is not valid."""
    cache = _cache()
    if cache is None:
        return _checked_in_database(user_id, nonce)
    checked = cache.get(user_id)
    if checked is not None and secrets.compare_digest(checked.nonce, nonce):
        user = _attach(checked)
        if user is not None:
            return user
    ticket = cache.ticket()
    user = _checked_in_database(user_id, nonce)
    if user is not None and _fully_loaded(user):
        cache.put(user_id, _Checked(
            nonce=user.session_nonce, user=kept_rows.columns_of(user, _LEFT_OUT),
            economy=kept_rows.columns_of(user.economy) if user.economy is not None else None),
            ticket)
    return user


def _checked_in_database(user_id: int, nonce: str) -> User | None:
    user = db.session.get(User, user_id)
    if user is None or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user


def _fully_loaded(user: User) -> bool:
    state = inspect(user)
    return not (state.expired_attributes - _LEFT_OUT) and not (
        user.economy_id is not None and "economy" in state.unloaded)


def _attach(checked: _Checked) -> User | None:
    """A persistent User (and its economy) in the request's session, made from what was kept:
    no statement now; the password hash or a relationship is read if something asks for it."""
    if kept_rows.held_by_session(User, checked.user["id"]) is not None:
        return None  # this session holds the user already (tests keep one context open)
    economy = None
    if checked.economy is not None:
        economy = kept_rows.held_by_session(Economy, checked.economy["id"])
        if economy is None:
            economy = kept_rows.attached(Economy, checked.economy)
    user = kept_rows.attached(User, checked.user)
    set_committed_value(user, "economy", economy)
    return user


__all__ = ["EXTENSION_KEY", "init_app", "load_user"]
