"""The guest profile aggregate: the profile, its contact points, ids, preferences, complaints."""

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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guestcrm.db.types import Money, UTCDateTime, utcnow
from guestcrm.extensions import db


class GuestProfile(db.Model):
    __tablename__ = "guest_profile"
    __table_args__ = (
        # Trigram index (pg_trgm) for name and company search on PostgreSQL; SQLite gets a plain
        # index of the same name from the migration and searches without it.
        Index("ix_guest_profile_search_text", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(128))
    middle_name: Mapped[str | None] = mapped_column(String(128))
    last_name: Mapped[str | None] = mapped_column(String(128))
    name_prefix: Mapped[str | None] = mapped_column(String(64))
    name_title: Mapped[str | None] = mapped_column(String(64))
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    nationality: Mapped[str | None] = mapped_column(String(64))
    street: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(128))
    postal_code: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(64))
    company: Mapped[str | None] = mapped_column(String(255))
    # Name and company folded as the matcher reads names (accents, scripts, case): what guest
    # search compares; kept current on every write (services/guests/search_text.py).
    search_text: Mapped[str | None] = mapped_column(String(640))
    vip_level: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    marketing_consent: Mapped[bool | None] = mapped_column(Boolean)
    # Per field, the version key of the reservation (or staff edit) it was taken from: an older
    # reservation delivered late must not overwrite newer data (services/identity/survivorship.py).
    field_versions: Mapped[dict] = mapped_column(JSON, default=dict)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("guest_profile.id"), index=True)
    # When the guest's personal data was erased (services/privacy); the figures remain.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Counters, recomputed from the stays on every change (services/value/counters.py).
    completed_stays: Mapped[int] = mapped_column(Integer, default=0)
    nights: Mapped[int] = mapped_column(Integer, default=0)
    spend: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    cancellations: Mapped[int] = mapped_column(Integer, default=0)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    upcoming_stays: Mapped[int] = mapped_column(Integer, default=0)
    first_stay: Mapped[date | None] = mapped_column(Date)
    last_stay: Mapped[date | None] = mapped_column(Date)
    channel_mix: Mapped[dict] = mapped_column(JSON, default=dict)

    contacts: Mapped[list[ContactPoint]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="ContactPoint.id"
    )
    external_ids: Mapped[list[ExternalId]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="ExternalId.id"
    )
    preferences: Mapped[list[Preference]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="Preference.id"
    )
    complaints: Mapped[list[Complaint]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="Complaint.id"
    )

    @property
    def display_name(self) -> str:
        parts = [self.first_name, self.last_name]
        return " ".join(p for p in parts if p) or f"Guest #{self.id}"


class ContactPoint(db.Model):
    __tablename__ = "contact_point"
    __table_args__ = (
        UniqueConstraint("profile_id", "kind", "value_normalized"),
        Index("ix_contact_point_lookup", "kind", "value_normalized"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("guest_profile.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # email | phone
    value_raw: Mapped[str] = mapped_column(String(320))
    value_normalized: Mapped[str] = mapped_column(String(320))
    phone_kind: Mapped[str | None] = mapped_column(String(8))  # voice | mobile | fax
    is_relay: Mapped[bool] = mapped_column(Boolean, default=False)
    is_valid: Mapped[bool] = mapped_column(Boolean, default=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_consent: Mapped[bool | None] = mapped_column(Boolean)
    # When the guest last answered (vendor time): an older answer delivered late must not win.
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(32))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    profile: Mapped[GuestProfile] = relationship(back_populates="contacts")


class ExternalId(db.Model):
    """An id another system gave this guest: PMS profile id, loyalty number, social subject."""

    __tablename__ = "external_id"
    __table_args__ = (
        UniqueConstraint("kind", "system", "value"),
        Index("ix_external_id_kind_value", "kind", "value"),  # a loyalty number of any program
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("guest_profile.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # pms_profile | loyalty | social
    system: Mapped[str] = mapped_column(String(64))  # connector/PMS, loyalty program, provider
    value: Mapped[str] = mapped_column(String(255))
    level: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    profile: Mapped[GuestProfile] = relationship(back_populates="external_ids")


class Preference(db.Model):
    __tablename__ = "preference"
    __table_args__ = (UniqueConstraint("profile_id", "property_id", "key", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("guest_profile.id", ondelete="CASCADE"))
    # None: chain-wide; else only at this property (a room number, a floor).
    property_id: Mapped[int | None] = mapped_column(ForeignKey("property.id"))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(32))
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    profile: Mapped[GuestProfile] = relationship(back_populates="preferences")


class Complaint(db.Model):
    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("guest_profile.id", ondelete="CASCADE"))
    property_id: Mapped[int | None] = mapped_column(ForeignKey("property.id"))
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stay.id", ondelete="SET NULL"))
    occurred_on: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    compensation: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    profile: Mapped[GuestProfile] = relationship(back_populates="complaints")


class MergeRecord(db.Model):
    """One profile merged into another, with what is needed to undo it."""

    __tablename__ = "merge_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("guest_profile.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("guest_profile.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))  # e.g. exact:email, fuzzy:0.97, staff
    actor: Mapped[str] = mapped_column(String(255), default="system")
    reason: Mapped[str | None] = mapped_column(Text)
    # Before-images of both profiles and the ids of the rows that moved.
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GuestNote(db.Model):
    """A staff note about a guest, or a trace: a task for a department, due on a day."""

    __tablename__ = "guest_note"
    __table_args__ = (Index("ix_guest_note_open_traces", "kind", "done_at", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("guest_profile.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(8))  # note | trace
    department: Mapped[str | None] = mapped_column(String(32))
    due_on: Mapped[date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(255))
