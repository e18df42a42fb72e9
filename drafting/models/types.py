"""Column types shared by the models."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database.

    SQLite drops time zones; storing naive UTC and re-attaching UTC on load gives the same
    values on SQLite and PostgreSQL, so comparisons with deadlines never mix naive and aware.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def enum_column(enum_cls, name: str) -> Enum:
    """A portable enum column storing the member's value ("delegate"), not its Python name."""
    return Enum(enum_cls, name=name, values_callable=lambda members: [m.value for m in members],
                native_enum=False, length=40, validate_strings=True)
