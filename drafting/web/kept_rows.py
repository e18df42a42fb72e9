"""ORM rows kept across requests as plain values, and put back into a request's session as if
just loaded, without a statement (web/session_users.py, web/page_lookups.py).

Plain values, never the instances: an instance belongs to one session, and the next request
(or another greenlet) must not share, change or lazily load through it.
"""
from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict

from drafting.extensions import db


def columns_of(instance, leave_out: frozenset = frozenset()) -> dict:
    """The instance's column values (the columns named in `leave_out` excepted)."""
    return {attr.key: getattr(instance, attr.key)
            for attr in inspect(type(instance)).column_attrs if attr.key not in leave_out}


def held_by_session(model, ident: int):
    """The request's session's own instance of `model` with this primary key, if it has one."""
    return db.session.identity_map.get(db.session.identity_key(model, ident))


def attached(model, columns: dict):
    """An instance of `model` with these column values, persistent in the request's session as
    if just loaded (no statement); columns left out are read if something asks for them. The
    caller checks that the session does not hold it yet (`held_by_session`). The values go
    straight into the instance's dict, as a query's loader puts them: through the constructor,
    each one would fire the attribute events of a change."""
    instance = inspect(model).class_manager.new_instance()
    instance_dict(instance).update(columns)
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


__all__ = ["attached", "columns_of", "held_by_session"]
