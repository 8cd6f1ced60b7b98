"""A hotel of the group."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from guestcrm.extensions import db


class Property(db.Model):
    __tablename__ = "property"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    # ISO 3166-1 alpha-2, the default region for phone numbers written without a country code.
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")

    def __repr__(self) -> str:
        return f"<Property {self.code}>"
