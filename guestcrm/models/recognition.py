"""Guest value, VIP levels, recognition settings and the desk's check-in events."""

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
from guestcrm.models.guest import Complaint, GuestProfile


class VipLevel(db.Model):
    """A level admins define (VIP1-VIP3, press, owner's guest); rank 1 matters most."""

    __tablename__ = "vip_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(128))
    colour: Mapped[str] = mapped_column(String(7), default="#7a4cc2")
    rank: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class VipAssignment(db.Model):
    """The VIP level of a profile, chain-wide, with why and who; one per profile."""

    __tablename__ = "vip_assignment"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("guest_profile.id", ondelete="CASCADE"), primary_key=True
    )
    level_id: Mapped[int] = mapped_column(ForeignKey("vip_level.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="staff")  # staff | pyramid
    set_by: Mapped[str] = mapped_column(String(255))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    level: Mapped[VipLevel] = relationship()


class GuestValue(db.Model):
    """Chain-wide value of a profile beyond the lead's counters, recomputed with them."""

    __tablename__ = "guest_value"
    __table_args__ = (Index("ix_guest_value_segment", "rfm_segment"),)

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("guest_profile.id", ondelete="CASCADE"), primary_key=True
    )
    tier: Mapped[str | None] = mapped_column(String(16))
    rfm_segment: Mapped[str | None] = mapped_column(String(32))
    average_stay_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    lifetime_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    direct_stays: Mapped[int] = mapped_column(Integer, default=0)
    ota_stays: Mapped[int] = mapped_column(Integer, default=0)
    last_property_id: Mapped[int | None] = mapped_column(ForeignKey("property.id"))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GuestPropertyValue(db.Model):
    """The same figures for one property of the group."""

    __tablename__ = "guest_property_value"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("guest_profile.id", ondelete="CASCADE"), primary_key=True
    )
    property_id: Mapped[int] = mapped_column(
        ForeignKey("property.id", ondelete="CASCADE"), primary_key=True
    )
    completed_stays: Mapped[int] = mapped_column(Integer, default=0)
    nights: Mapped[int] = mapped_column(Integer, default=0)
    spend: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    cancellations: Mapped[int] = mapped_column(Integer, default=0)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    first_stay: Mapped[date | None] = mapped_column(Date)
    last_stay: Mapped[date | None] = mapped_column(Date)
    channel_mix: Mapped[dict] = mapped_column(JSON, default=dict)


class CrmSetting(db.Model):
    """A named group of settings as JSON over the defaults in code (value, recognition rules)."""

    __tablename__ = "crm_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by: Mapped[str] = mapped_column(String(255), default="system")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RfmSegmentAction(db.Model):
    """The hotel's own wording of the suggested retention action for one of the 16 segments."""

    __tablename__ = "rfm_segment_action"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(255), default="system")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DeskEvent(db.Model):
    """Something every desk screen of a property must show at once (a check-in)."""

    __tablename__ = "desk_event"
    __table_args__ = (
        UniqueConstraint("stay_id", "kind"),
        Index("ix_desk_event_property_id_id", "property_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id", ondelete="CASCADE"))
    stay_id: Mapped[int] = mapped_column(ForeignKey("stay.id", ondelete="CASCADE"))
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("guest_profile.id"))
    kind: Mapped[str] = mapped_column(String(16), default="checked_in")
    message: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(255))  # staff:<id> | pms
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboundNotification(db.Model):
    """A signed webhook to the duty manager, kept with its delivery attempts."""

    __tablename__ = "outbound_notification"
    __table_args__ = (UniqueConstraint("kind", "stay_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    stay_id: Mapped[int] = mapped_column(ForeignKey("stay.id", ondelete="CASCADE"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Indexes on the lead's tables that the recognition queries need, declared here so the
# models and the 0002 migration stay in agreement without touching guest.py.
Index("ix_complaint_profile_id", Complaint.profile_id)
Index("ix_guest_profile_spend", GuestProfile.spend)
