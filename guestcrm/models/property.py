"""A hotel of the group."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from guestcrm.db.types import UTCDateTime, utcnow
from guestcrm.extensions import db


class Property(db.Model):
    __tablename__ = "property"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    # ISO 3166-1 alpha-2, the default region for phone numbers written without a country code.
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None: first seen in a message and not yet confirmed by an admin (a message alone does not
    # vouch for a hotel). Whoever makes a hotel by hand sets it.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(255))

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    def __repr__(self) -> str:
        return f"<Property {self.code}>"
