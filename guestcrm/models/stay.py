"""A stay (one room of one reservation), the guests on it, and the versions applied to it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guestcrm.db.types import Money, UTCDateTime, utcnow
from guestcrm.extensions import db
from guestcrm.models.property import Property


class Stay(db.Model):
    __tablename__ = "stay"
    __table_args__ = (
        UniqueConstraint("source", "property_id", "external_id"),
        Index("ix_stay_property_arrival", "property_id", "arrival"),
        Index("ix_stay_external_id", "external_id"),  # guest search by reservation number
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"))
    external_id: Mapped[str] = mapped_column(String(128))
    # The booker / main guest; companions are in StayGuest.
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("guest_profile.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    arrival: Mapped[date | None] = mapped_column(Date)
    departure: Mapped[date | None] = mapped_column(Date)
    nights: Mapped[int] = mapped_column(Integer, default=0)
    room_type: Mapped[str | None] = mapped_column(String(64))
    room_number: Mapped[str | None] = mapped_column(String(32))
    rate_plan: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="other")
    channel_name: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    adults: Mapped[int | None] = mapped_column(Integer)
    children: Mapped[int | None] = mapped_column(Integer)
    special_requests: Mapped[list] = mapped_column(JSON, default=list)
    comments: Mapped[list] = mapped_column(JSON, default=list)
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vendor_modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vendor_sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Comparable text of (vendor time, sequence, status rank, content hash): a version applies
    # only when its key is greater, so any delivery order converges on the same state.
    version_key: Mapped[str] = mapped_column(String(96))
    # Per field, the version key it was last set from; a field absent from a newer version
    # keeps the newest value that carried it (services/ingest/reservations.py).
    field_versions: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    property: Mapped[Property] = relationship()
    guests: Mapped[list[StayGuest]] = relationship(
        back_populates="stay", cascade="all, delete-orphan", order_by="StayGuest.position"
    )


class StayGuest(db.Model):
    __tablename__ = "stay_guest"
    __table_args__ = (UniqueConstraint("stay_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("stay.id", ondelete="CASCADE"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("guest_profile.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    stay: Mapped[Stay] = relationship(back_populates="guests")


class StayVersion(db.Model):
    """Every version of a stay that was received, applied or not: the stay's history."""

    __tablename__ = "stay_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("stay.id", ondelete="CASCADE"), index=True)
    inbox_event_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_event.id"))
    version_key: Mapped[str] = mapped_column(String(96))
    status: Mapped[str] = mapped_column(String(16))
    applied: Mapped[bool] = mapped_column(Boolean)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
