"""The webhook inbox: every accepted message, stored before anything else happens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestcrm.db.types import UTCDateTime, utcnow
from guestcrm.extensions import db

# fetching: a cloud PMS notification waiting for its entity from the vendor (connectors/cloud.py);
# ignored: an event that needs nothing done (its reason in `result`).
INBOX_STATUSES = ("received", "fetching", "processed", "ignored", "failed")


class InboxEvent(db.Model):
    __tablename__ = "inbox_event"
    __table_args__ = (
        UniqueConstraint("connector", "dedupe_key"),
        Index("ix_inbox_event_status_received", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connector: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="received")
    # The message as received, card numbers and CVVs already masked.
    body: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(128), default="")
    action: Mapped[str | None] = mapped_column(String(64))
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    credential: Mapped[str | None] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16), default="webhook")  # webhook | import | pull
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replayed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
