"""Cloud PMS connections per property, their sync cursor, and backfill runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from guestcrm.db.types import UTCDateTime, utcnow
from guestcrm.extensions import db


class ConnectorConnection(db.Model):
    """One property's account at a cloud PMS: where to reach it and how (the secret encrypted
    with GUESTCRM_CONNECTOR_KEY, never shown back), and how far the sync has read."""

    __tablename__ = "connector_connection"
    __table_args__ = (UniqueConstraint("connector", "property_code"),
                      UniqueConstraint("connector", "account"))

    id: Mapped[int] = mapped_column(primary_key=True)
    connector: Mapped[str] = mapped_column(String(32))
    property_code: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(128))  # the vendor's id of the property
    base_url: Mapped[str] = mapped_column(String(255))
    token_url: Mapped[str] = mapped_column(String(255), default="")
    client_id: Mapped[str] = mapped_column(String(255), default="")
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    secret_hint: Mapped[str] = mapped_column(String(8), default="")  # its last characters
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    # The changed-since cursor: the newest modification time the sync has stored (vendor text).
    sync_cursor: Mapped[str | None] = mapped_column(String(64))
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_result: Mapped[str | None] = mapped_column(Text)
    # What the vendor last refused (a revoked token, a wrong secret): shown to admins.
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_test_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_test_result: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BackfillRun(db.Model):
    """A pull of a connection's whole history, page by page; `cursor` is where it resumes."""

    __tablename__ = "backfill_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connector_connection.id", ondelete="CASCADE"), index=True)
    # queued | running | paused | done | failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    since: Mapped[str | None] = mapped_column(String(64))
    cursor: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    reservations: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
