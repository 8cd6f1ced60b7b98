"""Staff accounts with roles and properties, API tokens, webhook credentials."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guestcrm.db.types import UTCDateTime, utcnow
from guestcrm.extensions import db
from guestcrm.models.property import Property

ROLES = ("admin", "front_desk", "revenue_manager")

staff_property = Table(
    "staff_property",
    db.metadata,
    Column("staff_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    Column("property_id", ForeignKey("property.id", ondelete="CASCADE"), primary_key=True),
)


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the session's user id (get_id): a new token ends every session signed before.
    session_token: Mapped[str] = mapped_column(String(64), default="", server_default="")

    properties: Mapped[list[Property]] = relationship(secondary=staff_property)

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def property_ids(self) -> set[int]:
        return {p.id for p in self.properties}


class ApiToken(db.Model):
    """A machine client's token; only its SHA-256 is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None: every scope (tokens made before scopes existed) / every hotel.
    scopes: Mapped[list[str] | None] = mapped_column(JSON)
    properties: Mapped[list[str] | None] = mapped_column(JSON)


class WebhookCredential(db.Model):
    """A PMS's credential for one connector's webhook; only the secret's SHA-256 is kept."""

    __tablename__ = "webhook_credential"
    __table_args__ = (db.UniqueConstraint("connector", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connector: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(255))
    # The hotel codes (upper case) this credential may post for; None: any hotel.
    properties: Mapped[list[str] | None] = mapped_column(JSON)


__all__ = ["ROLES", "ApiToken", "StaffUser", "WebhookCredential", "staff_property"]
