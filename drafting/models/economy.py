from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from drafting.extensions import db


class Economy(db.Model):
    """An APEC member economy. `sort_order` is APEC's official order of the members."""

    __tablename__ = "economies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    sort_order: Mapped[int]
    is_host: Mapped[bool] = mapped_column(default=False)
    # A stable colour per economy: every viewer sees AUS's changes in the same colour.
    colour: Mapped[str] = mapped_column(String(7))

    def __repr__(self) -> str:
        return f"<Economy {self.code}>"
